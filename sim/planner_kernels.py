"""Numba kernels of the motion planner; the plain references they must match are in :mod:`sim.planner_reference`.

Units as in :mod:`sim.planner`. All kernels share scalar helpers, which live here
(Numba's cache follows the file a kernel is defined in, so callees in another file
could go stale).

- :func:`segments_kernel` (reference ``segments_reference``): the path as the
  controller sees it, one pass per move, junction speeds computed as each segment
  is made (no tangent arrays); resumable, so it can fill a small buffer at a time;
- :func:`plan_span_kernel` (reference ``plan_reference``): look-ahead and
  trapezoids over a buffered span, O(M) for any window, with Grbl's timer stretch,
  stop overheads and every move's time; :func:`plan_kernel` plans whole columns;
- :func:`grbl_timer_extra_kernel` (reference ``grbl_timer_extra_reference``).

:func:`sim.planner.motion` (reference ``motion_reference``) streams a program
through the first two for :func:`sim.cycle_time`.

Tables shared by the kernels
----------------------------
``op_first`` (K,) int64, strictly increasing, ``op_first[0] == 0``: first move of
each operation; ``op_start`` (K, 3): where it starts. Each operation starts at rest.
``mode_at`` (P,) int64, increasing, ``mode_at[0] == 0``: moves from which a path
control mode holds; ``mode_exact`` (P,) bool (G61: stop before each move) and
``mode_tol`` (P,) float64 (G64 P, mm; 0 = none).
``params`` (float64): see the ``P_*`` indices.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "BLEND_ACC_RATIO_TANGENTIAL",
    "BLEND_ACC_RATIO_NORMAL",
    "P_CHORDS",
    "P_ARC_TOL",
    "P_BLEND",
    "P_JD",
    "P_VLIN",
    "P_BLOCK_RATE",
    "P_TIMER_HZ",
    "P_STOP_S",
    "P_DWELL_S",
    "P_LINUXCNC",
    "N_PARAMS",
    "segments_kernel",
    "plan_kernel",
    "grbl_timer_extra_kernel",
    "plan_span_kernel",
    "count_segments",
    "CHUNK",
    "S_LEN",
    "S_NEXT_MOVE",
]

# LinuxCNC's trajectory planner keeps half of the acceleration for the tangential
# direction on arcs and blends, and the rest (sqrt(1 - 0.5²)) for the normal one.
BLEND_ACC_RATIO_TANGENTIAL = 0.5
BLEND_ACC_RATIO_NORMAL = math.sqrt(1.0 - BLEND_ACC_RATIO_TANGENTIAL**2)
COS_STRAIGHT = 0.999999  # Grbl: junctions straighter than this are not limited
HALF_TANGENT = math.sin(0.5 * 1e-6)  # segments closer than this to straight are tangent

# indices into ``params``
P_CHORDS = 0  # 1: arcs cut into chords (Grbl), 0: planned as arcs
P_ARC_TOL = 1  # arc tolerance, mm
P_BLEND = 2  # 0: junction deviation, 1: blend arc (LinuxCNC G64)
P_JD = 3  # junction deviation, mm
P_VLIN = 4  # cap on the path speed, mm/s (0 none)
P_BLOCK_RATE = 5  # blocks per second (0 unlimited)
P_TIMER_HZ = 6  # Grbl's stepper timer clock, Hz (0 no timer model)
P_STOP_S = 7  # time lost at each stop, s
P_DWELL_S = 8  # added to every dwell, s
P_LINUXCNC = 9  # 1: LinuxCNC's rules: no rapid/feed blends, blend arcs planned as segments of their own
N_PARAMS = 10


# scalar helpers ----------------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _sweep(sx: float, sy: float, ex: float, ey: float, cx: float, cy: float, ccw: bool) -> float:
    two_pi = 2.0 * math.pi
    d = math.atan2(ey - cy, ex - cx) - math.atan2(sy - cy, sx - cx)
    d = d % two_pi if ccw else -((-d) % two_pi)
    if math.hypot(ex - sx, ey - sy) < 1e-9 and abs(d) < 1e-9:
        d = two_pi if ccw else -two_pi
    return d


@njit(cache=True, nogil=True)
def _chord_count(sw: float, r: float, arc_tol: float) -> int:
    """Grbl's ``mc_arc`` segment count."""
    half = math.sqrt(max(arc_tol * (2.0 * r - arc_tol), 1e-300))
    return max(1, int(math.floor(abs(0.5 * sw * r) / half)))


@njit(cache=True, nogil=True)
def _quantise(x: float, steps: float, inv_steps: float) -> float:
    """``x`` on whole steps (Grbl's lround: half away from zero)."""
    return math.copysign(np.floor(abs(x) * steps + 0.5), x) * inv_steps  # np.floor stays a float


@njit(cache=True, nogil=True)
def _jd_v2(u1x, u1y, u1z, u2x, u2y, u2z, iamax, jd_mm) -> float:  # type: ignore[no-untyped-def]
    """Grbl's junction deviation: largest squared speed through the junction (before the cruise caps)."""
    cos_t = -min(1.0, max(-1.0, u1x * u2x + u1y * u2y + u1z * u2z))
    if cos_t > COS_STRAIGHT:
        return 0.0
    if cos_t < -COS_STRAIGHT:
        return np.inf
    jx, jy, jz = abs(u2x - u1x), abs(u2y - u1y), abs(u2z - u1z)
    jn = math.sqrt(jx * jx + jy * jy + jz * jz)
    px, py, pz = u1x + u2x, u1y + u2y, u1z + u2z
    sh = min(0.5 * math.sqrt(px * px + py * py + pz * pz), 1.0)  # sin(θ/2), well conditioned
    # the acceleration limit along (u2 - u1)/jn is jn / max_k(|j_k| / a_k): one division in all
    small = 1e-12 * jn
    worst = 0.0
    if jx > small:
        worst = jx * iamax[0]
    if jy > small and jy * iamax[1] > worst:
        worst = jy * iamax[1]
    if jz > small and jz * iamax[2] > worst:
        worst = jz * iamax[2]
    return jd_mm * sh * jn / ((1.0 - sh) * worst)


@njit(cache=True, nogil=True)
def _blend_arc(u1x, u1y, u1z, u2x, u2y, u2z, l1, l2, tol_in, amax, c1_v2, c2_v2):  # type: ignore[no-untyped-def]
    """LinuxCNC's G64 blend arc between two segments: (speed², trim d mm, arc length mm, plane acceleration mm/s²).

    θ is half the angle between the segments. The tolerance is the stricter given
    (else a quarter of a segment), never more than a quarter of either segment; the
    arc may reach ``d = cos θ·T/(1 − sin θ)`` along each segment from the corner, no
    more than half of either; its radius ``tan θ·d`` and the plane's normal
    acceleration give the speed, capped by the faster segment's; the planned radius
    is the one that speed needs (``v²/a_n``), so the segments are trimmed by
    ``R/tan θ`` and the arc is ``R·(π − 2θ)`` long. A reversal gives (0, 0, 0, a), a
    straight junction (inf, 0, 0, a).
    """
    px, py, pz = u1x + u2x, u1y + u2y, u1z + u2z
    mx, my, mz = u2x - u1x, u2y - u1y, u2z - u1z
    sin_t = min(0.5 * math.sqrt(px * px + py * py + pz * pz), 1.0)  # well conditioned near reversals
    cos_t = min(0.5 * math.sqrt(mx * mx + my * my + mz * mz), 1.0)  # and near straight lines
    if sin_t < HALF_TANGENT:
        return 0.0, 0.0, 0.0, amax[0]
    if cos_t < HALF_TANGENT:
        return np.inf, 0.0, 0.0, amax[0]
    t1 = tol_in if tol_in > 0 else 0.25 * l1
    t2 = tol_in if tol_in > 0 else 0.25 * l2
    tol = min(t1, t2, 0.25 * l1, 0.25 * l2)
    d_geom = min(0.5 * l1, 0.5 * l2, tol * (1.0 + sin_t) / cos_t)
    bx = u1y * u2z - u1z * u2y
    by = u1z * u2x - u1x * u2z
    bz = u1x * u2y - u1y * u2x
    bn = math.sqrt(bx * bx + by * by + bz * bz)
    a_plane = np.inf
    if abs(bx / bn) < 1.0 - 1e-9 and amax[0] < a_plane:
        a_plane = amax[0]
    if abs(by / bn) < 1.0 - 1e-9 and amax[1] < a_plane:
        a_plane = amax[1]
    if abs(bz / bn) < 1.0 - 1e-9 and amax[2] < a_plane:
        a_plane = amax[2]
    a_n = BLEND_ACC_RATIO_NORMAL * a_plane
    v2 = min(a_n * sin_t / cos_t * d_geom, max(c1_v2, c2_v2))
    radius = v2 / a_n
    return v2, radius * cos_t / sin_t, radius * 2.0 * math.atan2(cos_t, sin_t), a_plane


@njit(cache=True, nogil=True)
def _amass_ticks2(v2: float, e0: float, e1: float, e2: float) -> float:
    """Σ (interrupts per step) × d(v²) from rest to v² with AMASS edges e0 < e1 < e2 (squared speeds)."""
    if v2 <= e0:
        return 8.0 * v2
    if v2 <= e1:
        return 8.0 * e0 + 4.0 * (v2 - e0)
    if v2 <= e2:
        return 8.0 * e0 + 4.0 * (e1 - e0) + 2.0 * (v2 - e1)
    return 8.0 * e0 + 4.0 * (e1 - e0) + 2.0 * (e2 - e1) + (v2 - e2)


@njit(cache=True, nogil=True)
def _timer_extra(s: float, a: float, v0: float, vc: float, v1: float, length: float, inv_timer: float) -> float:
    """Seconds Grbl's stepper timer adds to one segment (see ``grbl_timer_extra_reference``).

    On a ramp of acceleration ``a`` the distance between two speeds is ``Δ(v²)/(2a)``,
    so the interrupts of the two ramps are differences of one cumulative function of v².
    """
    if s <= 0.0:
        return 0.0
    inv_s = 1.0 / s
    e0, e1, e2 = 2000.0 * inv_s, 4000.0 * inv_s, 8000.0 * inv_s  # speeds where AMASS changes level
    e0, e1, e2 = e0 * e0, e1 * e1, e2 * e2
    c2, s2, f2 = vc * vc, v0 * v0, v1 * v1
    top = _amass_ticks2(c2, e0, e1, e2)
    inv2a = 0.5 / a
    ticks = (2.0 * top - _amass_ticks2(s2, e0, e1, e2) - _amass_ticks2(f2, e0, e1, e2)) * inv2a
    ramp = (2.0 * c2 - s2 - f2) * inv2a
    cruise = max(length - ramp, 0.0)
    rate = vc * s
    k_cruise = 1.0 if rate > 8000.0 else (2.0 if rate > 4000.0 else (4.0 if rate > 2000.0 else 8.0))
    ticks += k_cruise * cruise
    return s * ticks * inv_timer


@njit(cache=True, nogil=True)
def grbl_timer_extra_kernel(step_density, accel, v0, vc, v1, length, timer_hz, out):  # type: ignore[no-untyped-def]
    """Numba twin of ``grbl_timer_extra_reference``, one segment at a time, into ``out``."""
    for i in range(step_density.shape[0]):
        out[i] = _timer_extra(step_density[i], accel[i], v0[i], vc[i], v1[i], length[i], 1.0 / timer_hz)


# segments -----------------------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _count_segments(kind, xyz, center, op_first, op_start, chords, arc_tol) -> int:
    """Upper bound of the segments :func:`segments_kernel` makes (exact but for dropped zero-length ones)."""
    n = kind.shape[0]
    n_ops = op_first.shape[0]
    total = 0
    nk = 0
    px, py = 0.0, 0.0
    for i in range(n):
        if nk < n_ops and op_first[nk] == i:
            px, py = op_start[nk, 0], op_start[nk, 1]
            nk += 1
        k = kind[i]
        if (k == 2 or k == 3) and chords:
            cx, cy = center[i, 0], center[i, 1]
            sw = _sweep(px, py, xyz[i, 0], xyz[i, 1], cx, cy, k == 3)
            total += _chord_count(sw, math.hypot(px - cx, py - cy), arc_tol)
        elif k != 4:
            total += 1
        px, py = xyz[i, 0], xyz[i, 1]
    return total


# fill state: where the generator stands between calls (one float64 vector)
_S_I, _S_SX, _S_QX, _S_PU, _S_PLEN, _S_PCRUISE, _S_STOP, _S_NK, _S_PM = 0, 1, 4, 7, 10, 11, 12, 13, 14
_S_PEXACT, _S_PTOL, _S_PRAPID, _S_LEN = 15, 16, 17, 18  # the previous moving move's mode and kind
S_LEN = _S_LEN  # length of the state vector segments_kernel carries between calls
S_NEXT_MOVE = _S_I  # where it holds the next move to cut


@njit(cache=True, nogil=True)
def segments_kernel(
    kind, xyz, center, feed, op_first, op_start, mode_at, mode_exact, mode_tol, vmax, vrap, amax, steps, params,
    st, m, cap, length, cruise, accel, entry, move, density,
) -> int:  # type: ignore[no-untyped-def]
    """Numba version of ``segments_reference``, resumable: append the segments of whole moves, from move
    ``st[_S_I]``, while they fit in ``cap``; returns the new count.

    ``st`` carries the generator's state between calls (``_S_*``; all zero to start);
    ``m`` is the number of segments already in the columns. A move is never split
    between calls: when the next one does not fit, nothing of it is written.
    """
    n = kind.shape[0]
    n_ops = op_first.shape[0]
    n_modes = mode_at.shape[0]
    chords = params[P_CHORDS] > 0.5
    arc_tol, blend_arc, jd_mm = params[P_ARC_TOL], params[P_BLEND] > 0.5, params[P_JD]
    vlin, block_rate = params[P_VLIN], params[P_BLOCK_RATE]
    quant = steps[0] > 0 and steps[1] > 0 and steps[2] > 0
    pa = min(amax[0], amax[1])
    pv = min(vmax[0], vmax[1])
    ivmax, ivrap, iamax = 1.0 / vmax, 1.0 / vrap, 1.0 / amax
    sx_, sy_, sz_ = steps[0], steps[1], steps[2]
    ix_, iy_, iz_ = (1.0 / sx_, 1.0 / sy_, 1.0 / sz_) if quant else (0.0, 0.0, 0.0)
    i = int(st[_S_I])
    sx, sy, sz = st[_S_SX], st[_S_SX + 1], st[_S_SX + 2]  # start of the current move, as programmed
    qx, qy, qz = st[_S_QX], st[_S_QX + 1], st[_S_QX + 2]  # where the machine is (on whole steps when quantised)
    pux, puy, puz = st[_S_PU], st[_S_PU + 1], st[_S_PU + 2]  # end tangent of the previous segment
    plen, pcruise = st[_S_PLEN], st[_S_PCRUISE]
    stop_next = st[_S_STOP] > 0.5 or i == 0
    nk, pm = int(st[_S_NK]), int(st[_S_PM])
    p_exact, p_tol, p_rapid = st[_S_PEXACT] > 0.5, st[_S_PTOL], st[_S_PRAPID] > 0.5
    lcnc = params[P_LINUXCNC] > 0.5
    arc_segs = lcnc and blend_arc
    per_move = 2 if arc_segs else 1  # room for a blend arc before each move
    while i < n:
        new_op = nk < n_ops and op_first[nk] == i
        k = kind[i]
        ex, ey, ez = xyz[i, 0], xyz[i, 1], xyz[i, 2]
        is_arc = k == 2 or k == 3
        cx, cy = center[i, 0], center[i, 1]
        ax0, ay0 = (op_start[nk, 0], op_start[nk, 1]) if new_op else (sx, sy)
        sw = r = a0 = 0.0
        c = 0 if k == 4 else 1
        if is_arc:
            sw = _sweep(ax0, ay0, ex, ey, cx, cy, k == 3)
            r = math.hypot(ax0 - cx, ay0 - cy)
            a0 = math.atan2(ay0 - cy, ax0 - cx)
            if chords:
                c = _chord_count(sw, r, arc_tol)
        if m + per_move * c > cap:
            break
        if new_op:
            sx, sy, sz = op_start[nk, 0], op_start[nk, 1], op_start[nk, 2]
            qx, qy, qz = sx, sy, sz
            if quant:
                qx, qy, qz = _quantise(sx, sx_, ix_), _quantise(sy, sy_, iy_), _quantise(sz, sz_, iz_)
            stop_next = True
            nk += 1
        while pm + 1 < n_modes and mode_at[pm + 1] <= i:
            pm += 1
        if k == 4:  # a dwell does not move; its end point is where the machine stands
            stop_next = True
            sx, sy, sz = ex, ey, ez
            i += 1
            continue
        exact = mode_exact[pm]
        tol_i = mode_tol[pm]
        native = is_arc and not chords
        first_seg = True
        feed_v = feed[i] / 60.0
        for s in range(1, c + 1):
            if s == c:
                tx, ty, tz = ex, ey, ez
            else:
                f = s / c
                tx = cx + r * math.cos(a0 + sw * f)
                ty = cy + r * math.sin(a0 + sw * f)
                tz = sz + (ez - sz) * f
            if quant:
                tx, ty, tz = _quantise(tx, sx_, ix_), _quantise(ty, sy_, iy_), _quantise(tz, sz_, iz_)
            dx, dy, dz = tx - qx, ty - qy, tz - qz
            chord = math.sqrt(dx * dx + dy * dy + dz * dz)
            seg_len = chord
            ux = uy = uz = ic = 0.0
            if chord > 1e-9:
                ic = 1.0 / chord
                ux, uy, uz = dx * ic, dy * ic, dz * ic
            usx, usy, usz = ux, uy, uz
            uex, uey, uez = ux, uy, uz
            rr = np.inf
            if native:
                swq = _sweep(qx, qy, tx, ty, cx, cy, k == 3)
                rr = math.hypot(qx - cx, qy - cy)
                seg_len = math.hypot(abs(swq) * rr, dz)
                sg = 1.0 if swq > 0 else (-1.0 if swq < 0 else 0.0)
                tzz = dz / (abs(swq) if abs(swq) > 0 else 1.0)
                vx, vy = -(qy - cy) * sg, (qx - cx) * sg
                nn = max(math.sqrt(vx * vx + vy * vy + tzz * tzz), 1e-300)
                usx, usy, usz = vx / nn, vy / nn, tzz / nn
                vx, vy = -(ty - cy) * sg, (tx - cx) * sg
                nn = max(math.sqrt(vx * vx + vy * vy + tzz * tzz), 1e-300)
                uex, uey, uez = vx / nn, vy / nn, tzz / nn
            if seg_len <= 1e-9:
                continue
            # speed and acceleration limits projected on the chord: chord / max_k(|d_k| / limit_k)
            ax_, ay_, az_ = abs(dx), abs(dy), abs(dz)
            if chord <= 1e-9:  # no direction (a full circle): no axis projection, as for a zero unit vector
                ax_ = ay_ = az_ = 0.0
            small = 1e-12 * chord
            wv = wa = 0.0
            lim = ivrap if k == 0 else ivmax
            if ax_ > small:
                wv, wa = ax_ * lim[0], ax_ * iamax[0]
            if ay_ > small:
                wv, wa = max(wv, ay_ * lim[1]), max(wa, ay_ * iamax[1])
            if az_ > small:
                wv, wa = max(wv, az_ * lim[2]), max(wa, az_ * iamax[2])
            if k != 0 and feed_v * wv <= chord:
                v = feed_v
            else:
                v = chord / wv if wv > 0.0 else np.inf
            if vlin > 0:
                v = min(v, vlin)
            a = chord / wa if wa > 0.0 else np.inf
            if native:
                a = BLEND_ACC_RATIO_TANGENTIAL * pa
                v = min(v, pv, math.sqrt(BLEND_ACC_RATIO_NORMAL * pa * rr))
            if block_rate > 0:
                v = min(v, seg_len * block_rate)
            v2 = v * v
            dens = max(ax_ * sx_, ay_ * sy_, az_ * sz_) * ic if quant else 0.0
            length[m], cruise[m], accel[m], move[m], density[m] = seg_len, v2, a, i, dens
            tol_j = tol_i
            if first_seg:  # a junction between two moves: the mode of the one ending there, the stricter tolerance
                if p_exact or (lcnc and (k == 0) != p_rapid):
                    stop_next = True
                if p_tol > 0 and (tol_i <= 0 or p_tol < tol_i):
                    tol_j = p_tol
            if stop_next:
                entry[m] = 0.0
            else:  # one call site per corner model (each call is inlined: fewer copies compile faster)
                if blend_arc:
                    jv2, d_trim, s_arc, a_pl = _blend_arc(pux, puy, puz, usx, usy, usz, plen, seg_len, tol_j, amax,
                                                          pcruise, v2)
                else:
                    jv2 = _jd_v2(pux, puy, puz, usx, usy, usz, iamax, jd_mm)
                    d_trim = s_arc = a_pl = 0.0
                e2 = min(jv2, pcruise, v2)
                if arc_segs and first_seg and s_arc > 1e-12:  # the blend arc as a segment: trims both neighbours
                    left = length[m - 1] - d_trim
                    length[m - 1] = left if left > 1e-12 else 0.0  # consumed (no rounding dust)
                    a_arc = BLEND_ACC_RATIO_TANGENTIAL * a_pl
                    length[m], cruise[m], accel[m], move[m], density[m] = s_arc, e2, a_arc, i, 0.0
                    entry[m] = e2
                    m += 1
                    left = seg_len - d_trim
                    length[m], cruise[m], accel[m], move[m], density[m] = left if left > 1e-12 else 0.0, v2, a, i, dens
                entry[m] = e2
            stop_next = False
            first_seg = False
            pux, puy, puz = uex, uey, uez
            plen, pcruise = seg_len, v2
            qx, qy, qz = tx, ty, tz
            m += 1
        if not first_seg:  # the move made segments: it is the one the next junction follows
            p_exact, p_tol, p_rapid = exact, tol_i, k == 0
        sx, sy, sz = ex, ey, ez
        i += 1
    st[_S_I] = i
    st[_S_SX], st[_S_SX + 1], st[_S_SX + 2] = sx, sy, sz
    st[_S_QX], st[_S_QX + 1], st[_S_QX + 2] = qx, qy, qz
    st[_S_PU], st[_S_PU + 1], st[_S_PU + 2] = pux, puy, puz
    st[_S_PLEN], st[_S_PCRUISE] = plen, pcruise
    st[_S_STOP] = 1.0 if stop_next else 0.0
    st[_S_NK], st[_S_PM] = nk, pm
    st[_S_PEXACT], st[_S_PTOL], st[_S_PRAPID] = 1.0 if p_exact else 0.0, p_tol, 1.0 if p_rapid else 0.0
    return m


@njit(cache=True, nogil=True)
def plan_span_kernel(
    length, accel, entry, cruise_v2, density, move, back, cnt, final, window, inv_timer, stop_s, carry, move_t,
    o_sv, o_cv, o_ev, o_at, o_ct, o_dt, o_mv, o_len, o_acc, g0,
) -> int:  # type: ignore[no-untyped-def]
    """Plan the first segments of a span of ``cnt`` buffered ones; returns how many are final.

    With ``final`` (no segments follow) all ``cnt`` are; otherwise the last ``window``
    wait for the segments their window still needs (and for the last one's trim by a
    LinuxCNC blend arc). The backward limits are taken with
    a stop at the end of the span: by the identity in :mod:`sim.planner` the window's
    braking term makes that exact whenever the span reaches the window's end.
    ``carry`` = (squared speed, speed) at the start of the span, updated. With
    ``inv_timer`` > 0 each segment is stretched by Grbl's timer cycle; when ``move_t`` is
    not empty each segment's time (and ``stop_s`` per segment ending at rest) is added
    to its move's; when ``o_sv`` is not empty the profile columns and the move index go
    to ``o_*[g0 + i]`` (with the segment's length and acceleration).
    """
    if cnt == 0:
        return 0
    # the window of a final segment must be final too, and the last buffered segment may still be trimmed by a
    # blend arc: the last ``window`` wait
    n_fin = cnt if final else cnt - window
    if n_fin <= 0:
        return 0
    # back[j]: largest entry of block j with a stop at the span's end (one backward pass)
    nxt = 0.0
    for j in range(cnt - 1, -1, -1):
        b = nxt + 2.0 * accel[j] * length[j]
        e = entry[j]
        nxt = e if e < b else b
        back[j] = nxt
    acc_moves = move_t.shape[0] > 0
    keep = o_sv.shape[0] > 0
    # wsum: braking room of blocks i+1 .. last, the rest of the window (sliding sum, re-summed now and then)
    wsum = 0.0
    v2 = carry[0]
    sv = carry[1]
    for i in range(n_fin):
        last = i + window - 1
        if last > cnt - 1:
            last = cnt - 1
        if (i & 1023) == 0 or wsum < 1e-6:  # re-summed now and then, and when small (exact zeros stay zeros)
            wsum = 0.0
            for k in range(i + 1, last + 1):
                wsum += 2.0 * accel[k] * length[k]
        a = accel[i]
        d = length[i]
        if i == last:
            exit_v2 = 0.0
        else:
            exit_v2 = back[i + 1]
            if wsum < exit_v2:
                exit_v2 = wsum
            f = v2 + 2.0 * a * d
            if f < exit_v2:
                exit_v2 = f
            if exit_v2 < 0.0:
                exit_v2 = 0.0
        peak_v2 = 0.5 * (v2 + exit_v2) + a * d
        c2 = cruise_v2[i]
        top_v2 = c2 if c2 < peak_v2 else peak_v2
        if top_v2 < v2:
            top_v2 = v2
        if top_v2 < exit_v2:
            top_v2 = exit_v2
        ev = math.sqrt(exit_v2)
        tv = math.sqrt(top_v2)
        ia = 1.0 / a
        cruise_d = d - (2.0 * top_v2 - v2 - exit_v2) * (0.5 * ia)
        if cruise_d < 0.0:
            cruise_d = 0.0
        at = (tv - sv) * ia
        ct = cruise_d / tv if tv > 0.0 else 0.0
        dt = (tv - ev) * ia
        s0, s1, s2 = sv, tv, ev
        if inv_timer > 0.0:
            seg_t = at + ct + dt
            extra = _timer_extra(density[i], a, sv, tv, ev, d, inv_timer)
            g = 1.0 + extra / (seg_t if seg_t > 0.0 else 1.0)
            ig = 1.0 / g
            s0, s1, s2 = sv * ig, tv * ig, ev * ig
            at, ct, dt = at * g, ct * g, dt * g
        if keep:
            gi = g0 + i
            o_sv[gi], o_cv[gi], o_ev[gi], o_at[gi], o_ct[gi], o_dt[gi] = s0, s1, s2, at, ct, dt
            o_mv[gi] = move[i]
            o_len[gi] = d
            o_acc[gi] = a
        if acc_moves:
            seg_t = at + ct + dt
            if stop_s > 0.0 and s2 <= 1e-9:
                seg_t += stop_s
            move_t[move[i]] += seg_t
        # slide the window to i + 1: block i+1 leaves it, block i+window enters it
        if i + 1 < cnt:
            wsum -= 2.0 * accel[i + 1] * length[i + 1]
            if i + window <= cnt - 1:
                wsum += 2.0 * accel[i + window] * length[i + window]
        v2 = exit_v2
        sv = ev
    carry[0] = v2
    carry[1] = sv
    return n_fin


@njit(cache=True, nogil=True)
def plan_kernel(length_mm, cruise_v2, accel_mm_s2, entry_v2, window):  # type: ignore[no-untyped-def]
    """Numba version of ``plan_reference``, O(M) for any window: an (M, 6) view of (6, M) columns."""
    n = length_mm.shape[0]
    out = np.zeros((6, n))
    plan_span_kernel(length_mm, accel_mm_s2, entry_v2, cruise_v2, length_mm, np.zeros(n, np.int64), np.empty(n), n,
                     True, window, 0.0, 0.0, np.zeros(2), np.zeros(0), out[0], out[1], out[2], out[3], out[4], out[5],
                     np.zeros(n, np.int64), np.zeros(n), np.zeros(n), 0)
    return out.T


# the chunk loop that feeds segments_kernel into plan_span_kernel is Python (sim.planner.motion): two kernels
# compiled apart take a third of the time one fused kernel takes to compile, for ~40 calls on 10^6 moves

CHUNK = 65536  # segments buffered between generation and planning


@njit(cache=True, nogil=True)
def count_segments(kind, xyz, center, op_first, op_start, params):  # type: ignore[no-untyped-def]
    """How many segments :func:`sim.planner.motion` makes at most (zero-length ones are dropped; LinuxCNC's blend arcs
    are counted as one before every move)."""
    total = _count_segments(kind, xyz, center, op_first, op_start, params[P_CHORDS] > 0.5, params[P_ARC_TOL])
    return 2 * total if params[P_LINUXCNC] > 0.5 and params[P_BLEND] > 0.5 else total
