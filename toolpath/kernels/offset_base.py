"""Numba primitives of the offset kernel (:mod:`toolpath.kernels.offset_kernel`): constants, growing
buffers, a bucket argsort, a uniform grid of segment boxes, and the exact offset curves.

Exact curves (*primitives*) of the offset by ``d`` (``r = |d|``), coded as integers: ``2v + 1`` is edge ``v``
moved by ``d·n`` (a line segment); ``2v`` is vertex ``v``'s arc (centre the vertex, radius ``r``, from
direction ``sg·n_prev`` turning by the vertex's turn; ``caps[v, 0] > 0``) or, where the moved edges overlap,
its straight connector (``caps[v, 0] == 0``). The raw (flattened) curve runs along them; the functions here
say which primitive a point of a raw segment lies on, where two primitives meet exactly, and flatten a part
of an arc between two angles (corners of the circumscribed polygon: facets tangent to the arc, endpoints on
it). Units: mm, rad.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["KEEP_EPS_MM", "SNAP_MM", "MIN_RING_AREA_MM2"]

#: A raw piece is kept when it is at least ``|d| - KEEP_EPS_MM`` from the boundary, mm.
KEEP_EPS_MM = 1e-9
#: Crossings closer than this are merged, mm.
SNAP_MM = 1e-7
#: Rings of smaller area are dropped, mm².
MIN_RING_AREA_MM2 = 1e-9


@njit(cache=True, nogil=True, error_model="numpy")
def _grow(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``a`` itself when it has at least ``n`` rows, else a copy with room for twice as many."""
    if n <= a.shape[0]:
        return a
    b = np.zeros((max(n, 2 * a.shape[0]), a.shape[1]))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            b[i, j] = a[i, j]
    return b


@njit(cache=True, nogil=True, error_model="numpy")
def _argsort(a: NDArray[np.float64]) -> NDArray[np.int64]:
    """Indices sorting ``a`` (a bucket pass, then insertion sort): O(n) for spread-out keys."""
    n = a.shape[0]
    idx = np.empty(n, np.int64)
    if n == 0:
        return idx
    lo, hi = a[0], a[0]
    for i in range(n):
        lo = min(lo, a[i])
        hi = max(hi, a[i])
    w = (hi - lo) / n if hi > lo else 1.0
    cnt = np.zeros(n + 1, np.int64)
    b = np.empty(n, np.int64)
    for i in range(n):
        b[i] = min(n - 1, int((a[i] - lo) / w))
        cnt[b[i] + 1] += 1
    for i in range(n):
        cnt[i + 1] += cnt[i]
    k = np.empty(n)
    for i in range(n):
        p = cnt[b[i]]
        cnt[b[i]] += 1
        idx[p] = i
        k[p] = a[i]
    for i in range(1, n):
        v = idx[i]
        kv = k[i]
        j = i
        while j >= 1 and k[j - 1] > kv:
            k[j] = k[j - 1]
            idx[j] = idx[j - 1]
            j -= 1
        k[j] = kv
        idx[j] = v
    return idx


@njit(cache=True, nogil=True, error_model="numpy")
def _grid(e: NDArray[np.float64], c: float) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Uniform grid of cell ``c`` (mm) over the boxes of segments ``e[:, :4]`` (x0, y0, x1, y1):
    ``(x0, y0, cell, nx, ny)``, CSR starts and segment ids."""
    m = e.shape[0]
    x0, y0, x1, y1 = np.inf, np.inf, -np.inf, -np.inf
    for k in range(m):
        x0, y0 = min(x0, e[k, 0], e[k, 2]), min(y0, e[k, 1], e[k, 3])
        x1, y1 = max(x1, e[k, 0], e[k, 2]), max(y1, e[k, 1], e[k, 3])
    nx = int((x1 - x0) / c) + 1
    ny = int((y1 - y0) / c) + 1
    span = np.empty((m, 4), np.int64)
    cs = np.zeros(nx * ny + 1, np.int64)
    for k in range(m):
        span[k, 0] = int((min(e[k, 0], e[k, 2]) - x0) / c)
        span[k, 1] = int((max(e[k, 0], e[k, 2]) - x0) / c)
        span[k, 2] = int((min(e[k, 1], e[k, 3]) - y0) / c)
        span[k, 3] = int((max(e[k, 1], e[k, 3]) - y0) / c)
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                cs[iy * nx + ix + 1] += 1
    for i in range(nx * ny):
        cs[i + 1] += cs[i]
    fill = cs[:-1].copy()
    ids = np.empty(cs[-1], np.int64)
    for k in range(m):
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                ids[fill[iy * nx + ix]] = k
                fill[iy * nx + ix] += 1
    geo = np.empty(5)
    geo[0], geo[1], geo[2], geo[3], geo[4] = x0, y0, c, nx, ny
    return geo, cs, ids


# ---------------------------------------------------------------------------------------------------
# exact primitives


@njit(cache=True, nogil=True, error_model="numpy")
def _prim_at(px: float, py: float, f: int, e: NDArray[np.float64], caps: NDArray[np.float64], d: float) -> int:
    """Primitive under (px, py) on a raw segment of feature ``f``: a segment along moved edge ``v`` runs on
    into the first and last facets of the arcs at its ends."""
    if f % 2 == 0:
        return f
    v = f // 2
    ax, ay = e[v, 0] + d * e[v, 4], e[v, 1] + d * e[v, 5]
    bx, by = e[v, 2] + d * e[v, 4], e[v, 3] + d * e[v, 5]
    s = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
    w = int(e[v, 11])
    if s < 0.0 and caps[v, 0] > 0:
        return 2 * v
    if s > 1.0 and caps[w, 0] > 0:
        return 2 * w
    return f


@njit(cache=True, nogil=True, error_model="numpy")
def _exact(px: float, py: float, fi: int, fj: int, e: NDArray[np.float64], caps: NDArray[np.float64], d: float,
           lim: float, tol: float) -> tuple[float, float, int, int]:
    """Where the exact curves under a crossing (px, py) of raw segments of features ``fi`` and ``fj`` meet:
    the raw crossing when both are lines; else the nearest meeting of their primitives (within both extents)
    when closer than ``lim``, or else the nearest of the primitives next to them; else, where an arc and the
    other primitive pass each other less than ``2 tol`` apart (their flattened curves may cross there), the
    middle of that gap; else (px, py). Returns the point and the two primitives.

    The end points of line primitive ``c`` (``v = c // 2``): ``(x0, y0) + d n_v`` to ``(x1, y1) + d n_v`` for
    a moved edge (``c`` odd); ``(x0, y0) + d n_prev`` to ``(x0, y0) + d n_v`` for a connector."""
    r = abs(d)
    sg = 1.0 if d > 0 else -1.0
    ci = _prim_at(px, py, fi, e, caps, d)
    cj = _prim_at(px, py, fj, e, caps, d)
    if not ((ci % 2 == 0 and caps[ci // 2, 0] > 0) or (cj % 2 == 0 and caps[cj // 2, 0] > 0)):
        return px, py, ci, cj  # two lines: the raw crossing is exact
    lim2 = lim * lim
    bx, by, bi, bj, bd = px, py, ci, cj, lim2
    # the primitives before and after ci and cj along their rings
    pvi = ci - 1 if ci % 2 == 1 else 2 * int(e[ci // 2, 12]) + 1
    nxi = ci + 1 if ci % 2 == 0 else 2 * int(e[ci // 2, 11])
    pvj = cj - 1 if cj % 2 == 1 else 2 * int(e[cj // 2, 12]) + 1
    nxj = cj + 1 if cj % 2 == 0 else 2 * int(e[cj // 2, 11])
    for a in range(9):  # ci with cj, then ci, its predecessor, its successor against cj, its predecessor, ...
        p = ci if a < 3 else (pvi if a < 6 else nxi)
        q = cj if a % 3 == 0 else (pvj if a % 3 == 1 else nxj)
        if a > 0:
            pp = p - 1 if p % 2 == 1 else 2 * int(e[p // 2, 12]) + 1
            pn = p + 1 if p % 2 == 0 else 2 * int(e[p // 2, 11])
            if p == q or q == pp or q == pn:
                continue  # primitives next to each other meet only at their shared end
        # where p and q meet: up to two candidate points
        a1 = p % 2 == 0 and caps[p // 2, 0] > 0
        a2 = q % 2 == 0 and caps[q // 2, 0] > 0
        x0, y0, x1, y1 = 0.0, 0.0, 0.0, 0.0
        nc = 0
        if a1 and a2:  # two circles
            ux, uy = e[p // 2, 0], e[p // 2, 1]
            wx, wy = e[q // 2, 0] - ux, e[q // 2, 1] - uy
            dd = wx * wx + wy * wy
            h2 = r * r - 0.25 * dd
            if dd > 0 and h2 >= 0:
                h = math.sqrt(h2 / dd)
                mx, my = ux + 0.5 * wx, uy + 0.5 * wy
                x0, y0, x1, y1 = mx - h * wy, my + h * wx, mx + h * wy, my - h * wx
                nc = 2
        elif a1 or a2:  # a circle and a line
            ca, cl = (p, q) if a1 else (q, p)
            ux, uy = e[ca // 2, 0], e[ca // 2, 1]
            v = cl // 2
            o = 4 if cl % 2 == 1 else 6
            k = 2 if cl % 2 == 1 else 0
            ax, ay = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
            wx, wy = e[v, k] + d * e[v, 4] - ax, e[v, k + 1] + d * e[v, 5] - ay
            ll = wx * wx + wy * wy
            if ll > 0:
                t0 = ((ux - ax) * wx + (uy - ay) * wy) / ll
                fx, fy = ax + t0 * wx - ux, ay + t0 * wy - uy
                h2 = (r * r - fx * fx - fy * fy) / ll
                if h2 >= 0:
                    h = math.sqrt(h2)
                    x0, y0 = ax + (t0 - h) * wx, ay + (t0 - h) * wy
                    x1, y1 = ax + (t0 + h) * wx, ay + (t0 + h) * wy
                    nc = 2
        else:  # two lines
            v = p // 2
            o = 4 if p % 2 == 1 else 6
            k = 2 if p % 2 == 1 else 0
            ax, ay = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
            rx, ry = e[v, k] + d * e[v, 4] - ax, e[v, k + 1] + d * e[v, 5] - ay
            v = q // 2
            o = 4 if q % 2 == 1 else 6
            k = 2 if q % 2 == 1 else 0
            qx, qy = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
            sx, sy = e[v, k] + d * e[v, 4] - qx, e[v, k + 1] + d * e[v, 5] - qy
            den = rx * sy - ry * sx
            if den != 0:
                t = ((qx - ax) * sy - (qy - ay) * sx) / den
                x0, y0 = ax + t * rx, ay + t * ry
                nc = 1
        for m in range(nc):
            x, y = (x0, y0) if m == 0 else (x1, y1)
            dd = (x - px) ** 2 + (y - py) ** 2
            if dd >= bd:
                continue
            ok = True
            for z in range(2):  # within the extents of both
                c = p if z == 0 else q
                v = c // 2
                if c % 2 == 0 and caps[v, 0] > 0:  # within the arc's sector
                    qx, qy = x - e[v, 0], y - e[v, 1]
                    t = 1.0 if e[v, 8] > 0 else -1.0
                    ok = (t * (sg * e[v, 6] * qy - sg * e[v, 7] * qx) >= -1e-9 * r
                          and t * (qx * sg * e[v, 5] - qy * sg * e[v, 4]) >= -1e-9 * r)
                else:  # between the line's ends
                    o = 4 if c % 2 == 1 else 6
                    k = 2 if c % 2 == 1 else 0
                    ax, ay = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
                    wx, wy = e[v, k] + d * e[v, 4] - ax, e[v, k + 1] + d * e[v, 5] - ay
                    ll = wx * wx + wy * wy
                    s = ((x - ax) * wx + (y - ay) * wy) / ll if ll > 0 else -1.0
                    ok = -1e-9 <= s <= 1.0 + 1e-9
                if not ok:
                    break
            if ok:
                bx, by, bi, bj, bd = x, y, p, q, dd
        if a == 0 and bd < lim2:
            return bx, by, ci, cj  # the primitives under the crossing meet near it
    if bd < lim2:
        return bx, by, bi, bj
    # no meeting: a neck just closing, the flattened curves cross in its gap (an arc and the other primitive
    # pass each other less than 2 tol apart): the middle of the gap
    p, q = min(ci, cj), max(ci, cj)
    a1 = p % 2 == 0 and caps[p // 2, 0] > 0
    a2 = q % 2 == 0 and caps[q // 2, 0] > 0
    g = -1.0
    mx, my = 0.0, 0.0
    if a1 and a2:
        ux, uy, wx, wy = e[p // 2, 0], e[p // 2, 1], e[q // 2, 0], e[q // 2, 1]
        g = math.hypot(wx - ux, wy - uy) - 2.0 * r
        mx, my = 0.5 * (ux + wx), 0.5 * (uy + wy)
    elif a1 or a2:
        ca, cl = (p, q) if a1 else (q, p)
        ux, uy = e[ca // 2, 0], e[ca // 2, 1]
        v = cl // 2
        o = 4 if cl % 2 == 1 else 6
        k = 2 if cl % 2 == 1 else 0
        ax, ay = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
        wx, wy = e[v, k] + d * e[v, 4] - ax, e[v, k + 1] + d * e[v, 5] - ay
        ll = wx * wx + wy * wy
        t0 = ((ux - ax) * wx + (uy - ay) * wy) / ll if ll > 0 else -1.0
        if 0.0 <= t0 <= 1.0:
            fx, fy = ax + t0 * wx, ay + t0 * wy
            dd = math.hypot(fx - ux, fy - uy)
            if dd > 0:
                g = dd - r
                mx, my = fx + 0.5 * g * (ux - fx) / dd, fy + 0.5 * g * (uy - fy) / dd
    if not 0.0 <= g <= 2.0 * tol:
        return bx, by, bi, bj
    for z in range(2):  # within the extents of both
        c = p if z == 0 else q
        v = c // 2
        if c % 2 == 0 and caps[v, 0] > 0:
            qx, qy = mx - e[v, 0], my - e[v, 1]
            t = 1.0 if e[v, 8] > 0 else -1.0
            ok = (t * (sg * e[v, 6] * qy - sg * e[v, 7] * qx) >= -1e-9 * r
                  and t * (qx * sg * e[v, 5] - qy * sg * e[v, 4]) >= -1e-9 * r)
        else:
            o = 4 if c % 2 == 1 else 6
            k = 2 if c % 2 == 1 else 0
            ax, ay = e[v, 0] + d * e[v, o], e[v, 1] + d * e[v, o + 1]
            wx, wy = e[v, k] + d * e[v, 4] - ax, e[v, k + 1] + d * e[v, 5] - ay
            ll = wx * wx + wy * wy
            s = ((mx - ax) * wx + (my - ay) * wy) / ll if ll > 0 else -1.0
            ok = -1e-9 <= s <= 1.0 + 1e-9
        if not ok:
            return bx, by, bi, bj
    if (mx - px) ** 2 + (my - py) ** 2 < bd:
        return mx, my, ci, cj
    return bx, by, bi, bj


@njit(cache=True, nogil=True, error_model="numpy")
def _arc(v: int, a0: float, a1: float, e: NDArray[np.float64], d: float, tol: float, out: NDArray[np.float64],
         no: int) -> tuple[NDArray[np.float64], int]:
    """Corners of the polygon circumscribed about vertex ``v``'s arc from angle ``a0`` to ``a1`` (< 0: its
    end), facets within ``tol`` of the arc, appended to ``out``."""
    r = abs(d)
    if a1 < 0:
        a1 = abs(e[v, 8])
    if (a1 - a0) * r <= 1e-9:
        return out, no
    n = max(1, int(math.ceil((a1 - a0) / (2.0 * math.acos(r / (r + tol))) - 1e-12)))
    h = 0.5 * (a1 - a0) / n
    sg = 1.0 if d > 0 else -1.0
    t = 1.0 if e[v, 8] > 0 else -1.0
    ux, uy = sg * e[v, 6], sg * e[v, 7]
    rr = r / math.cos(h)
    out = _grow(out, no + n)
    th = t * (a0 + h)
    ct, st = math.cos(th), math.sin(th)
    fx, fy = rr * (ux * ct - uy * st), rr * (ux * st + uy * ct)  # the first corner, then turned by 2h
    c2, s2 = math.cos(2.0 * h), t * math.sin(2.0 * h)
    for _ in range(n):
        out[no, 0] = e[v, 0] + fx
        out[no, 1] = e[v, 1] + fy
        fx, fy = fx * c2 - fy * s2, fx * s2 + fy * c2
        no += 1
    return out, no
