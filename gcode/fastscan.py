"""A compiled scanner for the plain motion blocks that make up most of a G-code file.

:func:`scan_kernel` reads lines of bytes and executes the blocks made only
of ``N``, ``G0 G1 G2 G3 G17 G90 G91 G94``, ``X Y Z I J R F`` and spaces,
exactly as :mod:`gcode.executor` does, writing moves into an array. At the
first line it cannot take whole (a comment, a tool change, a macro, an
error, ...) it stops and hands that line to the Python reader, which shares
its modal state, then the scan resumes. So the Python reader stays the one
definition of what G-code means; the reference for this kernel is the
reader with the kernel turned off (``read(..., fast=False)``), and the
tests compare the two on random programs.

Numbers are parsed as an integer mantissa divided by a power of ten, which
is correctly rounded (equal to Python's ``float``) while the mantissa stays
below 2**53 and the exponent at most 22; longer numbers go to Python.

State vector ``st`` (float64): 0-2 position (mm), 3 mm per unit, 4 absolute
(1/0), 5 arc centres absolute (1/0), 6 plane (170/180/190), 7 motion mode
(-1 none, 0, 10, 20, 30, or a cycle code), 8 feed (mm/min, NaN unset),
9 highest Z so far, 10 line number, 11 set to 1 when a motion code was seen,
12 arc radius tolerance (mm), 13 relative arc tolerance, 14 blocks run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["scan_kernel", "STATE_SIZE"]

STATE_SIZE = 16
_POW10 = np.array([10.0**k for k in range(23)])


@njit(cache=True, nogil=True)
def _add(out, n, kind, x, y, z, cx, cy, f):
    out[n, 0] = kind
    out[n, 1] = x
    out[n, 2] = y
    out[n, 3] = z
    out[n, 4] = cx
    out[n, 5] = cy
    out[n, 6] = f
    return n + 1


@njit(cache=True, nogil=True)
def scan_kernel(buf, pos, end, st, out, n_out, pow10):  # noqa: C901 - one flat loop is the point
    """Scan ``buf[pos:end]`` (uint8) line by line; returns (offset, moves written, reason).

    ``reason`` is 0 when every line was taken (offset = ``end``), 1 when the line at
    ``offset`` is for the Python reader, 2 when ``out`` is full. ``out`` (K, 7) receives
    rows (kind, x, y, z, cx, cy, feed) from row ``n_out``.
    """
    cap = out.shape[0]
    while pos < end:
        if n_out + 2 > cap:
            return pos, n_out, 2
        # find the end of the line
        eol = pos
        while eol < end and buf[eol] != 10:
            eol += 1
        line_start = pos
        if eol - pos > 65536:
            return line_start, n_out, 1
        # words of this line: value per letter, flags
        has_x = has_y = has_z = has_i = has_j = has_r = has_f = False
        vx = vy = vz = vi = vj = vr = vf = 0.0
        motion = -1
        n_motion = 0
        set_abs = -1
        set_plane = 0
        ok = True
        any_word = False
        i = pos
        while i < eol:
            c = buf[i]
            if c == 32 or c == 9 or c == 13:
                i += 1
                continue
            if 97 <= c <= 122:
                c -= 32
            if not (65 <= c <= 90):
                ok = False
                break
            letter = c
            i += 1
            while i < eol and (buf[i] == 32 or buf[i] == 9):
                i += 1
            neg = False
            if i < eol and (buf[i] == 45 or buf[i] == 43):
                neg = buf[i] == 45
                i += 1
                while i < eol and (buf[i] == 32 or buf[i] == 9):
                    i += 1
            mant = 0
            digits = 0
            frac = 0
            point = False
            while i < eol:
                d = buf[i]
                if 48 <= d <= 57:
                    mant = mant * 10 + (d - 48)
                    digits += 1
                    if point:
                        frac += 1
                elif d == 46 and not point:
                    point = True
                else:
                    break
                i += 1
            if digits == 0 or digits > 15 or frac > 22:
                ok = False
                break
            v = mant / pow10[frac]
            if neg:
                v = -v
            any_word = True
            if letter == 78:  # N
                continue
            if letter == 71:  # G
                k10 = v * 10.0
                k = int(round(k10))
                if abs(k10 - k) > 1e-6:
                    ok = False
                    break
                if k == 0 or k == 10 or k == 20 or k == 30:
                    motion = k
                    n_motion += 1
                elif k == 900:
                    set_abs = 1
                elif k == 910:
                    set_abs = 0
                elif k == 170:
                    set_plane = 170
                elif k == 940:
                    pass
                else:
                    ok = False
                    break
                continue
            if letter == 88:
                if has_x:
                    ok = False
                    break
                has_x, vx = True, v
            elif letter == 89:
                if has_y:
                    ok = False
                    break
                has_y, vy = True, v
            elif letter == 90:
                if has_z:
                    ok = False
                    break
                has_z, vz = True, v
            elif letter == 73:
                if has_i:
                    ok = False
                    break
                has_i, vi = True, v
            elif letter == 74:
                if has_j:
                    ok = False
                    break
                has_j, vj = True, v
            elif letter == 82:
                if has_r:
                    ok = False
                    break
                has_r, vr = True, v
            elif letter == 70:
                if has_f or v < 0:
                    ok = False
                    break
                has_f, vf = True, v
            else:
                ok = False
                break
        if not ok or n_motion > 1:
            return line_start, n_out, 1
        has_axes = has_x or has_y or has_z
        mode = motion if motion >= 0 else int(st[7])
        if has_axes and mode not in (0, 10, 20, 30):
            return line_start, n_out, 1
        if (has_i or has_j or has_r) and not (mode == 20 or mode == 30) and has_axes:
            return line_start, n_out, 1
        if (mode == 20 or mode == 30) and has_axes:
            plane = set_plane if set_plane else int(st[6])
            if plane != 170 or st[5] != 0.0 or not (has_r or has_i or has_j) or (has_r and (has_i or has_j)):
                return line_start, n_out, 1
        if (mode == 10 or mode == 20 or mode == 30) and has_axes:
            feed = vf * st[3] if has_f else st[8]
            if not (feed > 0):
                return line_start, n_out, 1
        if not has_axes and (has_i or has_j or has_r):
            return line_start, n_out, 1
        # the line is ours: execute it
        u = st[3]
        st[10] += 1.0
        if any_word:
            st[14] += 1.0
        if has_f:
            st[8] = vf * u
        if set_plane:
            st[6] = set_plane
        if set_abs >= 0:
            st[4] = set_abs
        if motion >= 0:
            st[7] = motion
            st[11] = 1.0
        if has_axes:
            x0, y0, z0 = st[0], st[1], st[2]
            x, y, z = x0, y0, z0
            if st[4] != 0.0:
                if has_x:
                    x = vx * u
                if has_y:
                    y = vy * u
                if has_z:
                    z = vz * u
            else:
                if has_x:
                    x = x0 + vx * u
                if has_y:
                    y = y0 + vy * u
                if has_z:
                    z = z0 + vz * u
            if mode == 0:
                n_out = _add(out, n_out, 0, x, y, z, math.nan, math.nan, math.nan)
            elif mode == 10:
                n_out = _add(out, n_out, 1, x, y, z, math.nan, math.nan, st[8])
            else:
                sa, sb = x0, y0
                ea, eb = x, y
                if abs(ea - sa) < 1e-9 and abs(eb - sb) < 1e-9:
                    x, y = sa, sb
                    ea, eb = sa, sb
                ccw = mode == 30
                if has_r:
                    radius = vr * u
                    chord = math.sqrt((ea - sa) * (ea - sa) + (eb - sb) * (eb - sb))
                    if chord < 1e-9:
                        st[10] -= 1.0
                        return line_start, n_out, 1
                    if abs(radius) < chord / 2.0 - max(st[12], st[13] * abs(radius)):
                        st[10] -= 1.0
                        return line_start, n_out, 1
                    h = math.sqrt(max(0.0, radius * radius - chord * chord / 4.0))
                    ma, mb = (sa + ea) / 2.0, (sb + eb) / 2.0
                    na, nb = -(eb - sb) / chord, (ea - sa) / chord
                    side = 1.0 if ccw else -1.0
                    if radius < 0:
                        side = -side
                    ca, cb = ma + side * h * na, mb + side * h * nb
                else:
                    oa = vi * u if has_i else 0.0
                    ob = vj * u if has_j else 0.0
                    ca, cb = sa + oa, sb + ob
                    r0 = math.sqrt((sa - ca) * (sa - ca) + (sb - cb) * (sb - cb))
                    r1 = math.sqrt((ea - ca) * (ea - ca) + (eb - cb) * (eb - cb))
                    diff = abs(r0 - r1)
                    if r0 < 1e-9 or (diff > st[12] and diff > st[13] * r0):
                        st[10] -= 1.0
                        return line_start, n_out, 1
                a0 = math.atan2(sb - cb, sa - ca)
                a1 = math.atan2(eb - cb, ea - ca)
                d = a1 - a0
                two_pi = 2.0 * math.pi
                if ccw:
                    d = d % two_pi
                    if d < 1e-12:
                        d = two_pi if (ea == sa and eb == sb) else d
                else:
                    d = -((-d) % two_pi)
                    if d > -1e-12:
                        d = -two_pi if (ea == sa and eb == sb) else d
                if d == 0.0:
                    n_out = _add(out, n_out, 1, x, y, z, math.nan, math.nan, st[8])
                else:
                    n_out = _add(out, n_out, 3 if ccw else 2, x, y, z, ca, cb, st[8])
            st[0], st[1], st[2] = x, y, z
            if z > st[9]:
                st[9] = z
        pos = eol + 1
    return end, n_out, 0
