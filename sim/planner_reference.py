"""Plain NumPy/Python references of the planner kernels (:mod:`sim.planner_kernels`), for the tests.

Each function here computes what a kernel of the same stem computes, written for
clarity rather than speed: ``plan_reference`` replays the look-ahead window
literally (O(M·W)); ``segments_reference`` builds the segments with array
expressions; ``motion_reference`` chains the references the way
:func:`sim.planner.motion` streams the kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.moves import Toolpath, arc_sweep

from .machine import ArcSplit, Blending, Controller, Machine
from .planner_kernels import BLEND_ACC_RATIO_NORMAL, BLEND_ACC_RATIO_TANGENTIAL, COS_STRAIGHT, HALF_TANGENT
from .planner_types import Profile, Segments

__all__ = [
    "trapezoid_reference",
    "plan_reference",
    "grbl_arc_chords",
    "segments_reference",
    "grbl_timer_extra_reference",
    "motion_reference",
]

def trapezoid_reference(
    start_v2: float, end_v2: float, cruise_v2: float, accel_a: float, length_mm: float
) -> tuple[float, float, float, float, float, float]:
    """One segment's trapezoid (or triangle): (start_v, cruise_v, end_v, accel_t, cruise_t, decel_t).

    ``start_v2`` and ``end_v2`` must be reachable from each other within the segment.
    """
    peak_v2 = 0.5 * (start_v2 + end_v2) + accel_a * length_mm
    top_v2 = min(cruise_v2, peak_v2)
    top_v2 = max(top_v2, start_v2, end_v2)
    start_v, end_v, top_v = math.sqrt(start_v2), math.sqrt(end_v2), math.sqrt(top_v2)
    accel_d = (top_v2 - start_v2) / (2.0 * accel_a)
    decel_d = (top_v2 - end_v2) / (2.0 * accel_a)
    cruise_d = max(0.0, length_mm - accel_d - decel_d)
    cruise_t = cruise_d / top_v if top_v > 0 else 0.0
    return start_v, top_v, end_v, (top_v - start_v) / accel_a, cruise_t, (top_v - end_v) / accel_a


def plan_reference(
    length_mm: NDArray[np.float64],
    cruise_v2: NDArray[np.float64],
    accel_mm_s2: NDArray[np.float64],
    entry_v2: NDArray[np.float64],
    window: int,
) -> NDArray[np.float64]:
    """Look-ahead planning, literally: for each block, a backward pass over the blocks the planner sees.

    When block ``i`` starts, the planner holds blocks ``i .. i+window-1`` and plans the
    last of them to end at rest (more blocks may follow, but it has not seen them).
    Block ``i``'s exit speed is the smaller of that backward limit at block ``i+1`` and
    what block ``i`` reaches accelerating from its actual entry speed.

    Returns
    -------
    ndarray of shape (M, 6), float64
        start_v, cruise_v, end_v (mm/s), accel_t, cruise_t, decel_t (s) per segment.
    """
    n = len(length_mm)
    out = np.zeros((n, 6))
    v2 = 0.0
    for i in range(n):
        last = min(n - 1, i + window - 1)
        exit_v2 = 0.0
        for j in range(last, i, -1):  # entry of block j, braking to rest at the end of `last`
            exit_v2 = min(float(entry_v2[j]), exit_v2 + 2.0 * accel_mm_s2[j] * length_mm[j])
        exit_v2 = min(exit_v2, v2 + 2.0 * accel_mm_s2[i] * length_mm[i])
        if i == last:
            exit_v2 = 0.0
        out[i] = trapezoid_reference(v2, exit_v2, float(cruise_v2[i]), float(accel_mm_s2[i]), float(length_mm[i]))
        v2 = exit_v2
    return out



def grbl_arc_chords(radius_mm: NDArray[np.float64], sweep_rad: NDArray[np.float64], tolerance_mm: float) -> NDArray:
    """Number of chords Grbl's ``mc_arc`` cuts each arc into (at least 1).

    Grbl takes ``floor(|sweep|·r / 2 / sqrt(tol·(2r − tol)))``: the half arc length over
    the half chord whose sagitta is the tolerance.
    """
    r = np.asarray(radius_mm, np.float64)
    half_chord = np.sqrt(np.maximum(tolerance_mm * (2.0 * r - tolerance_mm), 1e-300))
    n = np.floor(np.abs(0.5 * np.asarray(sweep_rad) * r) / half_chord)
    return np.maximum(n, 1).astype(np.int64)


def _expand(tp: Toolpath, start: NDArray[np.float64], machine: Machine) -> tuple[NDArray, NDArray, NDArray]:
    """Points the controller moves through: (points (K+1, 3), move index (K,), is_arc_native (K,))."""
    n = len(tp)
    starts = tp.starts(start)
    kind = tp.kind
    is_arc = (kind == MoveKind.ARC_CW) | (kind == MoveKind.ARC_CCW)
    moving = kind != MoveKind.DWELL
    counts = np.where(moving, 1, 0).astype(np.int64)
    sweep = np.zeros(n)
    radius = np.zeros(n)
    if np.any(is_arc):
        sweep[is_arc] = arc_sweep(starts[is_arc], tp.xyz[is_arc], tp.center[is_arc], kind[is_arc])
        radius[is_arc] = np.hypot(starts[is_arc, 0] - tp.center[is_arc, 0], starts[is_arc, 1] - tp.center[is_arc, 1])
        if machine.arc_split is ArcSplit.CHORDS:
            counts[is_arc] = grbl_arc_chords(radius[is_arc], sweep[is_arc], machine.arc_tolerance_mm)
    total = int(counts.sum())
    move = np.repeat(np.arange(n, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    k = np.arange(total) - np.repeat(first, counts) + 1  # 1..count within the move
    frac = k / np.repeat(np.maximum(counts, 1), counts)
    pts = np.empty((total + 1, 3))
    pts[0] = start
    s = starts[move]
    e = tp.xyz[move]
    pts[1:] = s + (e - s) * frac[:, None]
    pts[1:][frac == 1.0] = e[frac == 1.0]  # end points exactly as programmed
    arcm = is_arc[move] & (frac < 1.0)
    if machine.arc_split is ArcSplit.CHORDS and np.any(arcm):
        c = tp.center[move[arcm]]
        ang0 = np.arctan2(s[arcm, 1] - c[:, 1], s[arcm, 0] - c[:, 0])
        ang = ang0 + sweep[move[arcm]] * frac[arcm]
        r = radius[move[arcm]]
        pts[1:][arcm, 0] = c[:, 0] + r * np.cos(ang)
        pts[1:][arcm, 1] = c[:, 1] + r * np.sin(ang)
    native = is_arc[move] if machine.arc_split is ArcSplit.NATIVE else np.zeros(total, bool)
    return pts, move, native


def _axis_limit(limits: NDArray[np.float64], unit: NDArray[np.float64]) -> NDArray[np.float64]:
    """Largest value along each unit vector that keeps every axis within its limit (Grbl's projection)."""
    with np.errstate(divide="ignore", over="ignore"):
        per_axis = np.where(np.abs(unit) > 1e-12, limits[None, :] / np.abs(unit), np.inf)
    return per_axis.min(axis=1)


def segments_reference(
    tp: Toolpath,
    machine: Machine,
    *,
    start_xyz: tuple[float, float, float] | NDArray[np.float64] | None = None,
    exact_stop: NDArray[np.bool_] | None = None,
    tolerance_mm: NDArray[np.float64] | None = None,
) -> Segments:
    """Plain NumPy version of :func:`sim.planner.segments` (the reference for ``segments_kernel``).

    Takes the same parameters and returns the same :class:`Segments`; see :func:`sim.planner.segments`.
    """
    n = len(tp)
    if n == 0:
        return Segments.empty()
    start = np.asarray(tp.xyz[0] if start_xyz is None else start_xyz, np.float64).reshape(3)
    pts, move, native = _expand(tp, start, machine)
    steps = np.asarray(machine.steps_per_mm)
    if np.all(steps > 0):  # Grbl's lround: half away from zero
        pts = np.sign(pts) * np.floor(np.abs(pts) * steps + 0.5) / steps
    delta = np.diff(pts, axis=0)
    chord = np.linalg.norm(delta, axis=1)
    kind = tp.kind[move]
    # native arcs: length along the helix, tangents at both ends
    length = chord.copy()
    u_start = np.zeros_like(delta)
    u_end = np.zeros_like(delta)
    keep = chord > 1e-9
    u_start[keep] = delta[keep] / chord[keep, None]
    u_end[:] = u_start
    arc_r = np.full(len(move), np.inf)
    if np.any(native):
        idx = move[native]
        a = pts[:-1][native]
        b = pts[1:][native]
        c = tp.center[idx]
        sw = arc_sweep(a, b, c, tp.kind[idx])
        r = np.hypot(a[:, 0] - c[:, 0], a[:, 1] - c[:, 1])
        dz = b[:, 2] - a[:, 2]
        length[native] = np.hypot(np.abs(sw) * r, dz)
        arc_r[native] = r
        keep = length > 1e-9
        sgn = np.sign(sw)
        for pt, out in ((a, u_start), (b, u_end)):
            rx, ry = pt[:, 0] - c[:, 0], pt[:, 1] - c[:, 1]
            tx, ty = -ry * sgn, rx * sgn  # CCW tangent is (-ry, rx)
            tz = dz / np.where(np.abs(sw) > 0, np.abs(sw), 1.0)
            t = np.stack([tx, ty, tz], axis=1)
            out[native] = t / np.maximum(np.linalg.norm(t, axis=1), 1e-300)[:, None]
    # drop zero-length segments (Grbl drops blocks with no steps)
    length, move, native, kind = length[keep], move[keep], native[keep], kind[keep]
    u_start, u_end, arc_r, delta = u_start[keep], u_end[keep], arc_r[keep], delta[keep]
    m = len(length)
    if m == 0:
        return Segments.empty()
    chord = np.linalg.norm(delta, axis=1)
    u_chord = np.zeros_like(delta)
    u_chord[chord > 1e-9] = delta[chord > 1e-9] / chord[chord > 1e-9, None]  # a full circle has no chord

    vmax = np.asarray(machine.max_velocity_mm_min) / 60.0
    vrap = np.asarray(machine.rapid_mm_min) / 60.0
    amax = np.asarray(machine.max_acceleration_mm_s2)
    is_rapid = kind == MoveKind.RAPID
    feed_v = np.where(is_rapid, np.inf, tp.feed[move] / 60.0)
    # G0 at the rapid rates, feeds capped by the axis maxima, both projected on the direction
    cruise_v = np.where(is_rapid, _axis_limit(vrap, u_chord), np.minimum(feed_v, _axis_limit(vmax, u_chord)))
    if machine.max_linear_velocity_mm_min > 0:
        cruise_v = np.minimum(cruise_v, machine.max_linear_velocity_mm_min / 60.0)
    accel = _axis_limit(amax, u_chord)
    if np.any(native):
        # circles: the limits of the plane's axes, half the acceleration tangential, the rest normal
        plane_a = min(amax[0], amax[1])
        plane_v = min(vmax[0], vmax[1])
        accel[native] = BLEND_ACC_RATIO_TANGENTIAL * plane_a
        v_normal = np.sqrt(BLEND_ACC_RATIO_NORMAL * plane_a * arc_r[native])
        cruise_v[native] = np.minimum(np.minimum(cruise_v[native], plane_v), v_normal)
    if machine.block_rate_hz > 0:
        cruise_v = np.minimum(cruise_v, length * machine.block_rate_hz)
    cruise_v2 = cruise_v**2

    # junction speeds
    entry = np.zeros(m)
    if m > 1:
        u1, u2 = u_end[:-1], u_start[1:]
        cos_dev = np.clip(np.einsum("ij,ij->i", u1, u2), -1.0, 1.0)  # cos of the deflection
        blending = machine.blending
        if exact_stop is None:
            exact_stop = np.full(n, blending is Blending.EXACT_STOP)
        # the mode of the move ending at the junction decides (LinuxCNC sets a segment's end condition when
        # it is queued); LinuxCNC never blends a rapid with a feed move (tp.c: tpCheckCanonType)
        stop_here = np.asarray(exact_stop, bool)[move[:-1]] & (move[1:] != move[:-1])
        if machine.controller is Controller.LINUXCNC:
            rapid = kind == MoveKind.RAPID
            stop_here |= rapid[1:] != rapid[:-1]
        if blending is Blending.JUNCTION_DEVIATION:
            j_v2 = _junction_deviation_v2(u1, u2, cos_dev, amax, machine.junction_deviation_mm)
        else:
            tol = np.full(m - 1, float(machine.blend_tolerance_mm))
            if tolerance_mm is not None:  # the stricter of the two moves' tolerances (0: none given)
                t_in = np.asarray(tolerance_mm, np.float64)[move[:-1]]
                t_out = np.asarray(tolerance_mm, np.float64)[move[1:]]
                tol = np.where((t_in > 0) & (t_out > 0), np.minimum(t_in, t_out), np.maximum(t_in, t_out))
            j_v2, b_trim, b_arc, b_acc = _blend_arc_v2(
                u1, u2, cos_dev, length[:-1], length[1:], tol, amax, cruise_v[:-1], cruise_v[1:]
            )
        j_v2 = np.where(stop_here, 0.0, j_v2)
        entry[1:] = np.minimum.reduce([j_v2, cruise_v2[:-1], cruise_v2[1:]])
    # stops around dwells: the segment after a dwell starts at rest
    is_dwell = tp.kind == MoveKind.DWELL
    if np.any(is_dwell):
        seen = np.cumsum(is_dwell)  # dwells up to and including each move
        entry_moves = move[1:]
        prev_moves = move[:-1]
        crossed = seen[entry_moves] - seen[prev_moves] > 0
        entry[1:] = np.where(crossed, 0.0, entry[1:])
    density = np.max(np.abs(u_chord) * steps[None, :], axis=1) if np.all(steps > 0) else np.zeros(m)
    if m > 1 and machine.controller is Controller.LINUXCNC and machine.blending is not Blending.JUNCTION_DEVIATION:
        # LinuxCNC plans each blend arc as a segment of its own: it trims both neighbours and runs at its speed
        stopped = stop_here | (crossed if np.any(is_dwell) else False)
        ins = (move[1:] != move[:-1]) & ~stopped & (b_arc > 1e-12)
        j = np.flatnonzero(ins)
        if len(j):
            length = length.copy()
            np.subtract.at(length, j, b_trim[j])
            np.subtract.at(length, j + 1, b_trim[j])
            length = np.where(length > 1e-12, length, 0.0)  # consumed (no rounding dust)
            e2 = entry[j + 1]
            length = np.insert(length, j + 1, b_arc[j])
            cruise_v2 = np.insert(cruise_v2, j + 1, e2)
            accel = np.insert(accel, j + 1, BLEND_ACC_RATIO_TANGENTIAL * b_acc[j])
            entry = np.insert(entry, j + 1, e2)
            move = np.insert(move, j + 1, move[j + 1])
            density = np.insert(density, j + 1, 0.0)
    return Segments(
        np.ascontiguousarray(length),
        np.ascontiguousarray(cruise_v2),
        np.ascontiguousarray(accel),
        entry,
        np.ascontiguousarray(move),
        density,
    )


def _junction_deviation_v2(
    u1: NDArray, u2: NDArray, cos_dev: NDArray, amax: NDArray, deviation_mm: float
) -> NDArray[np.float64]:
    """Grbl's junction speed²: the speed on a virtual arc tangent to both moves, ``deviation_mm`` from the corner.

    With ``cos θ = −u1·u2`` (θ the angle between the incoming move reversed and the
    outgoing one) and ``s = sin(θ/2) = sqrt((1 − cos θ)/2)``, the arc's radius is
    ``δ·s/(1 − s)`` and the speed² is ``a·δ·s/(1 − s)``, where ``a`` is the acceleration
    limit projected on the direction ``u2 − u1`` (the direction of the velocity change).
    """
    cos_theta = -cos_dev
    out = np.full(cos_theta.shape, np.inf)
    sharp = cos_theta > COS_STRAIGHT  # full reversal
    mid = ~sharp & (cos_theta >= -COS_STRAIGHT)
    out[sharp] = 0.0
    if np.any(mid):
        ju = u2[mid] - u1[mid]
        ju /= np.linalg.norm(ju, axis=1)[:, None]
        ja = _axis_limit(amax, ju)
        s = np.minimum(0.5 * np.linalg.norm(u1[mid] + u2[mid], axis=1), 1.0)  # sin(θ/2), well conditioned
        out[mid] = ja * deviation_mm * s / (1.0 - s)
    return out


def _blend_arc_v2(
    u1: NDArray,
    u2: NDArray,
    cos_dev: NDArray,
    len1: NDArray,
    len2: NDArray,
    tol_mm: NDArray,
    amax: NDArray,
    v1: NDArray,
    v2: NDArray,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """LinuxCNC G64 blend: (speed², trim mm, arc length mm, plane acceleration) on the largest arc allowed.

    θ is half the angle between the two segments (π/2 when straight). The tolerance is
    P (or, when P is 0, a quarter of a segment), never more than a quarter of either
    segment. The arc may reach ``d = cos θ·T/(1 − sin θ)`` along each segment from the
    corner, but no more than half of either; its radius is ``tan θ·d`` and its speed
    ``sqrt(a_n·R)`` with ``a_n`` the normal share of the plane's acceleration, capped by
    the faster segment's speed. The arc LinuxCNC plans has the radius that speed needs
    (``v²/a_n``): it trims ``R/tan θ`` off each segment and is ``R·(π − 2θ)`` long.
    """
    out = np.full(cos_dev.shape, np.inf)
    trim = np.zeros(cos_dev.shape)
    arc = np.zeros(cos_dev.shape)
    acc = np.full(cos_dev.shape, float(amax[0]))
    # θ is half the angle between the segments: sin θ = cos(dev/2), cos θ = sin(dev/2) (dev: deflection)
    # sin θ = |u1 + u2|/2 and cos θ = |u2 − u1|/2: well conditioned near reversals and straight lines
    sin_t = np.minimum(0.5 * np.linalg.norm(u1 + u2, axis=1), 1.0)
    cos_t = np.minimum(0.5 * np.linalg.norm(u2 - u1, axis=1), 1.0)
    straight = cos_t < HALF_TANGENT
    reverse = sin_t < HALF_TANGENT
    mid = ~straight & ~reverse
    out[reverse] = 0.0
    if np.any(mid):
        st, ct = sin_t[mid], cos_t[mid]
        l1, l2 = len1[mid], len2[mid]
        t = tol_mm[mid]
        t1 = np.where(t > 0, t, 0.25 * l1)
        t2 = np.where(t > 0, t, 0.25 * l2)
        tol = np.minimum.reduce([t1, t2, 0.25 * l1, 0.25 * l2])
        d_tol = tol * (1.0 + st) / ct  # = cos θ·T/(1 − sin θ), without the cancellation
        d_geom = np.minimum.reduce([0.5 * l1, 0.5 * l2, d_tol])
        radius = st / ct * d_geom
        binormal = np.cross(u1[mid], u2[mid])
        binormal /= np.linalg.norm(binormal, axis=1)[:, None]
        plane_axes = np.abs(binormal) < 1.0 - 1e-9  # axes with a component in the plane
        a_plane = np.where(plane_axes, amax[None, :], np.inf).min(axis=1)
        v_blend2 = BLEND_ACC_RATIO_NORMAL * a_plane * radius
        v_goal2 = np.maximum(v1[mid], v2[mid]) ** 2
        out[mid] = np.minimum(v_blend2, v_goal2)
        r_plan = out[mid] / (BLEND_ACC_RATIO_NORMAL * a_plane)
        trim[mid] = r_plan * ct / st
        arc[mid] = r_plan * 2.0 * np.arctan2(ct, st)
        acc[mid] = a_plane
    return out, trim, arc, acc


def grbl_timer_extra_reference(prof: Profile, segs: Segments, timer_hz: float) -> NDArray[np.float64]:
    """Time Grbl's stepper timer adds to each segment: one clock cycle per stepper interrupt (NumPy reference).

    Grbl's timer period is one cycle longer than the cycles it computes (the AVR's
    CTC period is OCR1A + 1). With AMASS the interrupt runs 1, 2, 4 or 8 times per
    step event when the step rate is above 8 kHz, 4-8 kHz, 2-4 kHz or below 2 kHz. On a
    constant-acceleration ramp the distance spent between two speeds is
    ``(v_hi² − v_lo²)/(2a)``, so the interrupts of each phase come in closed form.

    Returns
    -------
    ndarray of shape (M,), float64
        Seconds to add to each segment.
    """
    s = segs.step_density if segs.step_density is not None else np.zeros(len(segs))
    a = segs.accel_mm_s2
    v0, vc, v1 = prof.start_v, prof.cruise_v, prof.end_v
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = [np.where(s > 0, f / s, np.inf) for f in (2000.0, 4000.0, 8000.0)]  # speeds where AMASS changes
    bands = [(np.zeros_like(s), edges[0], 8.0), (edges[0], edges[1], 4.0), (edges[1], edges[2], 2.0)]
    bands.append((edges[2], np.full_like(s, np.inf), 1.0))
    ticks_per_mm = np.zeros(len(s))  # accumulated as (ticks per step) x distance
    ramp_d = np.zeros(len(s))
    for lo_v, hi_v in ((v0, vc), (v1, vc)):  # acceleration, then deceleration (same shape reversed)
        for b_lo, b_hi, k in bands:
            lo = np.maximum(lo_v, b_lo)
            hi = np.minimum(hi_v, b_hi)
            d = np.where(hi > lo, (hi * hi - lo * lo) / (2.0 * a), 0.0)
            ticks_per_mm += k * d
            ramp_d += d
    cruise_d = np.maximum(segs.length_mm - ramp_d, 0.0)
    k_cruise = np.select([vc * s > 8000.0, vc * s > 4000.0, vc * s > 2000.0], [1.0, 2.0, 4.0], 8.0)
    ticks_per_mm += k_cruise * cruise_d
    return s * ticks_per_mm / timer_hz


def motion_reference(
    tp: Toolpath,
    machine: Machine,
    op_first: NDArray[np.int64],
    op_start: NDArray[np.float64],
    exact_stop: NDArray[np.bool_],
    tolerance_mm: NDArray[np.float64],
    *,
    timer_hz: float,
    stop_s: float,
    dwell_s: float,
) -> tuple[tuple[NDArray, ...], NDArray, NDArray, NDArray, NDArray]:
    """What :func:`sim.planner.motion` computes, from the references: (6 profile columns, move, move_t, length, accel).

    Each operation (moves ``op_first[k]`` up to the next) is cut into segments on its
    own from ``op_start[k]`` and starts at rest; the segments are planned together with
    the machine's look-ahead, stretched by Grbl's timer cycle when ``timer_hz`` > 0, and
    their times summed per move with ``stop_s`` per segment ending at rest; a dwell takes
    its time plus ``dwell_s``.
    """
    n = len(tp)
    bounds = [*map(int, op_first), n]
    parts, offsets = [], []
    for k in range(len(op_first)):
        a, b = bounds[k], bounds[k + 1]
        sub = Toolpath(tp.kind[a:b], tp.xyz[a:b], tp.center[a:b], tp.feed[a:b])
        s = segments_reference(
            sub, machine, start_xyz=op_start[k], exact_stop=exact_stop[a:b], tolerance_mm=tolerance_mm[a:b]
        )
        parts.append(s)
        offsets.append(a)
    segs = Segments.concat(parts, offsets)
    entry = segs.entry_v2.copy()
    if len(segs):
        op_of = np.searchsorted(np.asarray(op_first), segs.move, side="right")
        entry[np.r_[True, op_of[1:] != op_of[:-1]]] = 0.0
    out = plan_reference(segs.length_mm, segs.cruise_v2, segs.accel_mm_s2, entry, machine.lookahead_blocks)
    prof = Profile.from_array(out)
    if timer_hz > 0 and len(segs):
        seg_t = prof.segment_t
        f = 1.0 + grbl_timer_extra_reference(prof, segs, timer_hz) / np.where(seg_t > 0, seg_t, 1.0)
        p = prof
        prof = Profile(p.start_v / f, p.cruise_v / f, p.end_v / f, p.accel_t * f, p.cruise_t * f, p.decel_t * f)
    move_t = np.bincount(segs.move, weights=prof.segment_t, minlength=n).astype(np.float64)
    if stop_s > 0:
        np.add.at(move_t, segs.move[prof.end_v <= 1e-9], stop_s)
    dwell = tp.kind == MoveKind.DWELL
    move_t[dwell] = tp.feed[dwell] + dwell_s
    cols = (prof.start_v, prof.cruise_v, prof.end_v, prof.accel_t, prof.cruise_t, prof.decel_t)
    return cols, segs.move, move_t, segs.length_mm, segs.accel_mm_s2
