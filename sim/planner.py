"""Motion planning as the controller does it: segments, junction speeds, look-ahead, trapezoids.

Units (suffixes, as Klipper's toolhead.py does): ``_mm`` length in mm, ``_v`` speed in
mm/s, ``_v2`` squared speed in mm²/s², ``_a`` or ``_mm_s2`` acceleration in mm/s², ``_t``
or ``_s`` time in s. Feeds arrive in mm/min and are converted once, here.

The pipeline (see docs/motion.md):

1. :func:`segments` turns a toolpath into straight (or, for LinuxCNC, circular)
   segments the way the controller sees them: Grbl cuts arcs into chords whose
   sagitta is the arc tolerance and rounds every target to whole steps; each
   segment gets a cruise speed (feed, or rapid rate, capped by the per-axis limits
   projected on its direction), an acceleration (per-axis limits projected) and the
   largest speed allowed at its start (the junction speed, by the machine's corner
   model: Grbl junction deviation, LinuxCNC G61 exact stop or G64 P blend arc).
2. :func:`plan` runs the look-ahead: a segment's exit speed is the smaller of what
   it can reach accelerating from its entry and what lets the machine stop at the
   end of the look-ahead window (Grbl sees 15 blocks; the last one must end at
   rest). The result is a :class:`Profile` with one trapezoid per segment:
   ``start_v, cruise_v, end_v, accel_t, cruise_t, decel_t``.

``segments_kernel`` / ``segments_reference`` and ``plan_kernel`` / ``plan_reference``
are Numba kernels beside plain NumPy/Python versions that compute the same
columns (tests compare them with hypothesis). The reference replays the window literally (a backward pass over the
next ``window`` blocks for every block, O(N·W)); the kernel uses the identity
``B_window(j) = min(B_inf(j), Σ_{k=j}^{last} 2·a_k·d_k)`` (a stop at the window
end only adds the pure braking term), so it is one backward and one forward pass,
O(N), whatever the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath, arc_sweep

from .machine import ArcSplit, Blending, Machine

__all__ = [
    "Segments",
    "Profile",
    "segments",
    "segments_kernel",
    "segments_reference",
    "plan",
    "plan_kernel",
    "plan_reference",
    "trapezoid_reference",
    "grbl_arc_chords",
    "BLEND_ACC_RATIO_TANGENTIAL",
    "BLEND_ACC_RATIO_NORMAL",
]

# LinuxCNC's trajectory planner keeps half of the acceleration for the tangential
# direction on arcs and blends, and the rest (sqrt(1 - 0.5²)) for the normal one.
BLEND_ACC_RATIO_TANGENTIAL = 0.5
BLEND_ACC_RATIO_NORMAL = math.sqrt(1.0 - BLEND_ACC_RATIO_TANGENTIAL**2)
_COS_STRAIGHT = 0.999999  # Grbl: junctions straighter than this are not limited
_TANGENT_RAD = 1e-6
_HALF_TANGENT = math.sin(0.5 * _TANGENT_RAD)  # segments closer than this to straight are tangent


@dataclass(frozen=True, eq=False)
class Segments:
    """Motion segments as the planner sees them (columns, ``M`` segments).

    Attributes
    ----------
    length_mm : ndarray of shape (M,), float64
        Path length of each segment, > 0.
    cruise_v2 : ndarray of shape (M,), float64
        Largest squared speed on the segment (feed or rapid, axis limits), mm²/s².
    accel_mm_s2 : ndarray of shape (M,), float64
        Tangential acceleration allowed on the segment, mm/s².
    entry_v2 : ndarray of shape (M,), float64
        Largest squared speed at the segment's start (junction speed); 0 = stop before it.
    move : ndarray of shape (M,), int64
        Index of the toolpath move each segment belongs to.
    step_density : ndarray of shape (M,), float64, optional
        Steps of the fastest-stepping axis per mm of path (Grbl's step events per mm); 0 when unknown.
    """

    length_mm: NDArray[np.float64]
    cruise_v2: NDArray[np.float64]
    accel_mm_s2: NDArray[np.float64]
    entry_v2: NDArray[np.float64]
    move: NDArray[np.int64]
    step_density: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return int(self.length_mm.shape[0])

    @classmethod
    def empty(cls) -> Segments:
        """No segments."""
        z = np.zeros(0)
        return cls(z, z, z, z, np.zeros(0, np.int64), z)

    @classmethod
    def concat(cls, parts: list[Segments], move_offsets: list[int]) -> Segments:
        """Join segment lists; ``move_offsets[i]`` is added to part ``i``'s move indices."""
        parts2 = [(p, o) for p, o in zip(parts, move_offsets, strict=True) if len(p)]
        if not parts2:
            return cls.empty()
        density = [p.step_density if p.step_density is not None else np.zeros(len(p)) for p, _ in parts2]
        return cls(
            np.concatenate([p.length_mm for p, _ in parts2]),
            np.concatenate([p.cruise_v2 for p, _ in parts2]),
            np.concatenate([p.accel_mm_s2 for p, _ in parts2]),
            np.concatenate([p.entry_v2 for p, _ in parts2]),
            np.concatenate([p.move + o for p, o in parts2]),
            np.concatenate(density),
        )


@dataclass(frozen=True, eq=False)
class Profile:
    """Planned trapezoid of every segment (columns as Klipper's trapq): speeds in mm/s, times in s."""

    start_v: NDArray[np.float64]
    cruise_v: NDArray[np.float64]
    end_v: NDArray[np.float64]
    accel_t: NDArray[np.float64]
    cruise_t: NDArray[np.float64]
    decel_t: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.start_v.shape[0])

    @property
    def segment_t(self) -> NDArray[np.float64]:
        """Duration of each segment, s."""
        return self.accel_t + self.cruise_t + self.decel_t

    @property
    def time_s(self) -> float:
        """Total duration, s."""
        return float(self.segment_t.sum())

    @classmethod
    def from_array(cls, out: NDArray[np.float64]) -> Profile:
        """From the (M, 6) array the kernels return."""
        cols = np.ascontiguousarray(out.T)  # one transposing copy; each row is then contiguous
        return cls(*cols)


# ---------------------------------------------------------------------------
# trapezoid and look-ahead: reference (plain Python) and kernel (Numba)
# ---------------------------------------------------------------------------


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


@njit(cache=True, nogil=True)
def plan_kernel(
    length_mm: NDArray[np.float64],
    cruise_v2: NDArray[np.float64],
    accel_mm_s2: NDArray[np.float64],
    entry_v2: NDArray[np.float64],
    window: int,
) -> NDArray[np.float64]:
    """Numba version of :func:`plan_reference`, O(M) for any window (see the module docstring)."""
    n = length_mm.shape[0]
    out = np.zeros((n, 6))
    if n == 0:
        return out
    # brake_v2[j]: sum of 2 a d over blocks 0..j-1 (prefix sums of the braking term)
    brake = np.empty(n + 1)
    brake[0] = 0.0
    for j in range(n):
        brake[j + 1] = brake[j] + 2.0 * accel_mm_s2[j] * length_mm[j]
    # back_v2[j]: largest entry of block j with the whole program ahead (one backward pass)
    back = np.empty(n + 1)
    back[n] = 0.0
    for j in range(n - 1, -1, -1):
        b = back[j + 1] + 2.0 * accel_mm_s2[j] * length_mm[j]
        back[j] = entry_v2[j] if entry_v2[j] < b else b
    v2 = 0.0
    for i in range(n):
        last = i + window - 1
        if last > n - 1:
            last = n - 1
        if i == last:
            exit_v2 = 0.0
        else:
            exit_v2 = back[i + 1]
            w = brake[last + 1] - brake[i + 1]
            if w < exit_v2:
                exit_v2 = w
            f = v2 + 2.0 * accel_mm_s2[i] * length_mm[i]
            if f < exit_v2:
                exit_v2 = f
            if exit_v2 < 0.0:
                exit_v2 = 0.0
        a = accel_mm_s2[i]
        d = length_mm[i]
        peak_v2 = 0.5 * (v2 + exit_v2) + a * d
        top_v2 = cruise_v2[i] if cruise_v2[i] < peak_v2 else peak_v2
        if top_v2 < v2:
            top_v2 = v2
        if top_v2 < exit_v2:
            top_v2 = exit_v2
        sv = math.sqrt(v2)
        ev = math.sqrt(exit_v2)
        tv = math.sqrt(top_v2)
        accel_d = (top_v2 - v2) / (2.0 * a)
        decel_d = (top_v2 - exit_v2) / (2.0 * a)
        cruise_d = d - accel_d - decel_d
        if cruise_d < 0.0:
            cruise_d = 0.0
        out[i, 0] = sv
        out[i, 1] = tv
        out[i, 2] = ev
        out[i, 3] = (tv - sv) / a
        out[i, 4] = cruise_d / tv if tv > 0.0 else 0.0
        out[i, 5] = (tv - ev) / a
        v2 = exit_v2
    return out


def plan(segs: Segments, *, window: int) -> Profile:
    """Plan segments with a look-ahead of ``window`` blocks (including the one executing).

    Examples
    --------
    >>> s = Segments(np.array([200.0]), np.array([50.0**2]), np.array([200.0]), np.array([0.0]), np.array([0]))
    >>> round(plan(s, window=15).time_s, 4)   # d/v + v/a
    4.25
    """
    if isinstance(window, bool) or int(window) != window or window < 1:
        raise InputError(f"window must be an integer >= 1, got {window!r}")
    out = plan_kernel(
        np.ascontiguousarray(segs.length_mm, np.float64),
        np.ascontiguousarray(segs.cruise_v2, np.float64),
        np.ascontiguousarray(segs.accel_mm_s2, np.float64),
        np.ascontiguousarray(segs.entry_v2, np.float64),
        int(window),
    )
    return Profile.from_array(out)


# ---------------------------------------------------------------------------
# segments: the path as the controller sees it
# ---------------------------------------------------------------------------


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
    """Plain NumPy version of :func:`segments` (the reference for ``segments_kernel``).

    Parameters
    ----------
    tp : Toolpath
        The moves.
    machine : Machine
        Limits and corner model.
    start_xyz : sequence of 3 float, optional
        Where the first move starts, mm (default its own end point).
    exact_stop : ndarray of shape (N,), bool, optional
        Per move: stop at the junction before it (G61 in force, LinuxCNC); default from the machine.
    tolerance_mm : ndarray of shape (N,), float64, optional
        Per move: G64 P blend tolerance (0 = none given); default from the machine.

    Notes
    -----
    Dwells do not move; the machine stops before and after them (both Grbl and
    LinuxCNC drain the planner on G4). Segments of zero length are dropped.
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
        stop_here = np.asarray(exact_stop, bool)[move[1:]] & (move[1:] != move[:-1])
        if blending is Blending.JUNCTION_DEVIATION:
            j_v2 = _junction_deviation_v2(u1, u2, cos_dev, amax, machine.junction_deviation_mm)
        else:
            tol = np.full(m - 1, float(machine.blend_tolerance_mm))
            if tolerance_mm is not None:
                tol = np.asarray(tolerance_mm, np.float64)[move[1:]]
            j_v2 = _blend_arc_v2(u1, u2, cos_dev, length[:-1], length[1:], tol, amax, cruise_v[:-1], cruise_v[1:])
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
    sharp = cos_theta > _COS_STRAIGHT  # full reversal
    mid = ~sharp & (cos_theta >= -_COS_STRAIGHT)
    out[sharp] = 0.0
    if np.any(mid):
        ju = u2[mid] - u1[mid]
        ju /= np.linalg.norm(ju, axis=1)[:, None]
        ja = _axis_limit(amax, ju)
        s = np.sqrt(0.5 * (1.0 - cos_theta[mid]))
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
) -> NDArray[np.float64]:
    """LinuxCNC G64 blend: speed² on the largest arc within the tolerance and half of each segment.

    θ is half the angle between the two segments (π/2 when straight). The tolerance is
    P (or, when P is 0, a quarter of a segment), never more than a quarter of either
    segment. The arc may reach ``d = cos θ·T/(1 − sin θ)`` along each segment from the
    corner, but no more than half of either; its radius is ``tan θ·d`` and its speed
    ``sqrt(a_n·R)`` with ``a_n`` the normal share of the plane's acceleration.
    """
    out = np.full(cos_dev.shape, np.inf)
    # θ is half the angle between the segments: sin θ = cos(dev/2), cos θ = sin(dev/2) (dev: deflection)
    c = np.clip(cos_dev, -1.0, 1.0)
    sin_t = np.sqrt(0.5 * (1.0 + c))
    cos_t = np.sqrt(0.5 * (1.0 - c))
    straight = cos_t < _HALF_TANGENT
    reverse = sin_t < _HALF_TANGENT
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
    return out


# ---------------------------------------------------------------------------
# segments: Numba kernel (same results as segments_reference, one pass per move)
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _limit3(limits: NDArray[np.float64], ux: float, uy: float, uz: float) -> float:
    best = np.inf
    ax, ay, az = abs(ux), abs(uy), abs(uz)
    if ax > 1e-12:
        best = limits[0] / ax
    if ay > 1e-12 and limits[1] / ay < best:
        best = limits[1] / ay
    if az > 1e-12 and limits[2] / az < best:
        best = limits[2] / az
    return best


@njit(cache=True, nogil=True)
def _sweep(sx: float, sy: float, ex: float, ey: float, cx: float, cy: float, ccw: bool) -> float:
    two_pi = 2.0 * math.pi
    d = math.atan2(ey - cy, ex - cx) - math.atan2(sy - cy, sx - cx)
    d = d % two_pi if ccw else -((-d) % two_pi)
    if math.hypot(ex - sx, ey - sy) < 1e-9 and abs(d) < 1e-9:
        d = two_pi if ccw else -two_pi
    return d


@njit(cache=True, nogil=True)
def _quantise(x: float, steps: float) -> float:
    if steps <= 0.0:
        return x
    return math.copysign(math.floor(abs(x) * steps + 0.5), x) / steps


@njit(cache=True, nogil=True)
def segments_kernel(kind, xyz, center, feed, start, vmax, vrap, amax, steps, params, exact_stop, tol_mm):
    """Numba version of :func:`segments_reference`.

    ``params`` = (chords 0/1, arc tolerance mm, blending 0 junction deviation / 1 blend arc,
    junction deviation mm, linear velocity cap mm/s (0 none), block rate Hz (0 none)).
    Returns (length, cruise_v2, accel, entry_v2, move, step_density).
    """
    n = kind.shape[0]
    chords = params[0] > 0.5
    arc_tol, blend_arc, jd_mm, vlin, block_rate = params[1], params[2] > 0.5, params[3], params[4], params[5]
    quant = steps[0] > 0 and steps[1] > 0 and steps[2] > 0
    counts = np.zeros(n, np.int64)
    px, py = start[0], start[1]
    for i in range(n):
        k = kind[i]
        if k != 4:
            counts[i] = 1
        if (k == 2 or k == 3) and chords:
            sw = _sweep(px, py, xyz[i, 0], xyz[i, 1], center[i, 0], center[i, 1], k == 3)
            r = math.hypot(px - center[i, 0], py - center[i, 1])
            half = math.sqrt(max(arc_tol * (2.0 * r - arc_tol), 1e-300))
            counts[i] = max(1, int(math.floor(abs(0.5 * sw * r) / half)))
        px, py = xyz[i, 0], xyz[i, 1]
    total = counts.sum()
    length = np.empty(total)
    cruise = np.empty(total)
    accel = np.empty(total)
    entry = np.zeros(total)
    move = np.empty(total, np.int64)
    density = np.zeros(total)
    u_s = np.empty((total, 3))
    u_e = np.empty((total, 3))
    stop_before = np.zeros(total, np.bool_)
    m = 0
    sx, sy, sz = start[0], start[1], start[2]  # start of the current move (as programmed)
    if quant:
        qx, qy, qz = _quantise(sx, steps[0]), _quantise(sy, steps[1]), _quantise(sz, steps[2])
    else:
        qx, qy, qz = sx, sy, sz
    dwell_seen = False
    for i in range(n):
        k = kind[i]
        if k == 4:  # a dwell does not move; its end point is where the machine stands
            dwell_seen = True
            sx, sy, sz = xyz[i, 0], xyz[i, 1], xyz[i, 2]
            continue
        is_arc = k == 2 or k == 3
        cx, cy = center[i, 0], center[i, 1]
        sw = 0.0
        r = 0.0
        a0 = 0.0
        if is_arc:
            sw = _sweep(sx, sy, xyz[i, 0], xyz[i, 1], cx, cy, k == 3)
            r = math.hypot(sx - cx, sy - cy)
            a0 = math.atan2(sy - cy, sx - cx)
        c = counts[i]
        for s in range(1, c + 1):
            if s == c:
                tx, ty, tz = xyz[i, 0], xyz[i, 1], xyz[i, 2]
            else:
                f = s / c
                tx = cx + r * math.cos(a0 + sw * f)
                ty = cy + r * math.sin(a0 + sw * f)
                tz = sz + (xyz[i, 2] - sz) * f
            if quant:
                tx, ty, tz = _quantise(tx, steps[0]), _quantise(ty, steps[1]), _quantise(tz, steps[2])
            dx, dy, dz = tx - qx, ty - qy, tz - qz
            chord = math.sqrt(dx * dx + dy * dy + dz * dz)
            native = is_arc and not chords
            seg_len = chord
            ux = uy = uz = 0.0
            if chord > 1e-9:
                ux, uy, uz = dx / chord, dy / chord, dz / chord
            u_s[m, 0], u_s[m, 1], u_s[m, 2] = ux, uy, uz
            u_e[m, 0], u_e[m, 1], u_e[m, 2] = ux, uy, uz
            rr = np.inf
            if native:
                swq = _sweep(qx, qy, tx, ty, cx, cy, k == 3)
                rr = math.hypot(qx - cx, qy - cy)
                seg_len = math.hypot(abs(swq) * rr, dz)
                sg = 1.0 if swq > 0 else (-1.0 if swq < 0 else 0.0)
                tzz = dz / (abs(swq) if abs(swq) > 0 else 1.0)
                for which in range(2):
                    ptx, pty = (qx, qy) if which == 0 else (tx, ty)
                    vx, vy = -(pty - cy) * sg, (ptx - cx) * sg
                    nn = max(math.sqrt(vx * vx + vy * vy + tzz * tzz), 1e-300)
                    target = u_s if which == 0 else u_e
                    target[m, 0], target[m, 1], target[m, 2] = vx / nn, vy / nn, tzz / nn
            if seg_len <= 1e-9:
                continue
            if k == 0:
                v = _limit3(vrap, ux, uy, uz)
            else:
                v = min(feed[i] / 60.0, _limit3(vmax, ux, uy, uz))
            if vlin > 0:
                v = min(v, vlin)
            a = _limit3(amax, ux, uy, uz)
            if native:
                pa = min(amax[0], amax[1])
                a = BLEND_ACC_RATIO_TANGENTIAL * pa
                v = min(v, min(vmax[0], vmax[1]), math.sqrt(BLEND_ACC_RATIO_NORMAL * pa * rr))
            if block_rate > 0:
                v = min(v, seg_len * block_rate)
            length[m], cruise[m], accel[m], move[m] = seg_len, v * v, a, i
            if quant:
                density[m] = max(abs(ux) * steps[0], abs(uy) * steps[1], abs(uz) * steps[2])
            stop_before[m] = dwell_seen or (m > 0 and exact_stop[i] and move[m - 1] != i)
            dwell_seen = False
            qx, qy, qz = tx, ty, tz
            m += 1
        sx, sy, sz = xyz[i, 0], xyz[i, 1], xyz[i, 2]
    for j in range(1, m):
        if stop_before[j]:
            continue
        u1x, u1y, u1z = u_e[j - 1, 0], u_e[j - 1, 1], u_e[j - 1, 2]
        u2x, u2y, u2z = u_s[j, 0], u_s[j, 1], u_s[j, 2]
        cos_dev = min(1.0, max(-1.0, u1x * u2x + u1y * u2y + u1z * u2z))
        jv2 = np.inf
        if not blend_arc:
            cos_t = -cos_dev
            if cos_t > _COS_STRAIGHT:
                jv2 = 0.0
            elif cos_t >= -_COS_STRAIGHT:
                jx, jy, jz = u2x - u1x, u2y - u1y, u2z - u1z
                jn = math.sqrt(jx * jx + jy * jy + jz * jz)
                sh = math.sqrt(0.5 * (1.0 - cos_t))
                jv2 = _limit3(amax, jx / jn, jy / jn, jz / jn) * jd_mm * sh / (1.0 - sh)
        else:
            sin_t = math.sqrt(0.5 * (1.0 + cos_dev))
            cos_t = math.sqrt(0.5 * (1.0 - cos_dev))
            if sin_t < _HALF_TANGENT:
                jv2 = 0.0
            elif cos_t >= _HALF_TANGENT:
                l1, l2 = length[j - 1], length[j]
                t = tol_mm[move[j]]
                tol = min(t if t > 0 else 0.25 * l1, t if t > 0 else 0.25 * l2, 0.25 * l1, 0.25 * l2)
                d_geom = min(0.5 * l1, 0.5 * l2, tol * (1.0 + sin_t) / cos_t)
                bx = u1y * u2z - u1z * u2y
                by = u1z * u2x - u1x * u2z
                bz = u1x * u2y - u1y * u2x
                bn = math.sqrt(bx * bx + by * by + bz * bz)
                a_plane = np.inf
                for ax_i, b_i in ((0, bx), (1, by), (2, bz)):
                    if abs(b_i / bn) < 1.0 - 1e-9 and amax[ax_i] < a_plane:
                        a_plane = amax[ax_i]
                jv2 = min(BLEND_ACC_RATIO_NORMAL * a_plane * sin_t / cos_t * d_geom, max(cruise[j - 1], cruise[j]))
        entry[j] = min(jv2, cruise[j - 1], cruise[j])
    return length[:m], cruise[:m], accel[:m], entry[:m], move[:m], density[:m]


def segments(
    tp: Toolpath,
    machine: Machine,
    *,
    start_xyz: tuple[float, float, float] | NDArray[np.float64] | None = None,
    exact_stop: NDArray[np.bool_] | None = None,
    tolerance_mm: NDArray[np.float64] | None = None,
) -> Segments:
    """The segments a controller plans for one toolpath (arcs split, junction speeds set).

    Parameters
    ----------
    tp : Toolpath
        The moves.
    machine : Machine
        Limits and corner model.
    start_xyz : sequence of 3 float, optional
        Where the first move starts, mm (default its own end point).
    exact_stop : ndarray of shape (N,), bool, optional
        Per move: stop at the junction before it (G61 in force); default from the machine.
    tolerance_mm : ndarray of shape (N,), float64, optional
        Per move: G64 P blend tolerance (0 = none given); default from the machine.

    Notes
    -----
    Dwells do not move; the machine stops before and after them (both Grbl and
    LinuxCNC drain the planner on G4). Segments of zero length are dropped.
    """
    n = len(tp)
    if n == 0:
        return Segments.empty()
    start = np.asarray(tp.xyz[0] if start_xyz is None else start_xyz, np.float64).reshape(3)
    if exact_stop is None:
        exact_stop = np.full(n, machine.blending is Blending.EXACT_STOP)
    if tolerance_mm is None:
        tolerance_mm = np.full(n, float(machine.blend_tolerance_mm))
    exact_stop = np.ascontiguousarray(exact_stop, np.bool_).reshape(-1)
    tolerance_mm = np.ascontiguousarray(tolerance_mm, np.float64).reshape(-1)
    if exact_stop.shape[0] != n or tolerance_mm.shape[0] != n:
        raise InputError(f"exact_stop and tolerance_mm need one entry per move ({n})")
    params = np.array(
        [
            float(machine.arc_split is ArcSplit.CHORDS),
            machine.arc_tolerance_mm,
            float(machine.blending is not Blending.JUNCTION_DEVIATION),
            machine.junction_deviation_mm,
            machine.max_linear_velocity_mm_min / 60.0,
            machine.block_rate_hz,
        ]
    )
    out = segments_kernel(
        tp.kind,
        tp.xyz,
        tp.center,
        tp.feed,
        start,
        np.asarray(machine.max_velocity_mm_min) / 60.0,
        np.asarray(machine.rapid_mm_min) / 60.0,
        np.asarray(machine.max_acceleration_mm_s2, np.float64),
        np.asarray(machine.steps_per_mm, np.float64),
        params,
        exact_stop,
        tolerance_mm,
    )
    return Segments(*out)
