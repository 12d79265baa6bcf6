"""Cycle time of a program on a machine, planned the way its controller plans motion.

Units (suffixes as in :mod:`sim.planner`): ``_s`` seconds, ``_v`` mm/s, ``_mm`` mm.

:func:`cycle_time` builds the controller's segments for every operation
(:func:`sim.planner.segments`), plans them with the machine's look-ahead
(:func:`sim.planner.plan`) and adds what is not motion: dwells, tool changes,
spindle starts, and the time a sampled controller loses at each exact stop.
``naive_time_s`` is the length / feed figure (rapids at the rapid rate), kept
for contrast.

Move kinds in the breakdown:

- ``cut``: feed moves and arcs that are not plunges;
- ``plunge``: straight feed moves going down in Z only;
- ``rapid``: G0;
- ``dwell``: G4;
- ``tool_change`` and ``spindle``: the profile's times, at each tool change
  (a tool different from the previous operation's) and at each spindle start or
  speed increase.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath
from toolpath.program import Program

from .machine import Blending, Controller, Machine, load_machine
from .planner import Profile, Segments, plan, segments

__all__ = [
    "CycleTime",
    "cycle_time",
    "naive_time_s",
    "naive_kernel",
    "naive_reference",
    "scurve_kernel",
    "scurve_reference",
    "grbl_timer_extra_s",
    "grbl_timer_extra_kernel",
    "grbl_timer_extra_reference",
    "KINDS",
]

KINDS = ("cut", "plunge", "rapid", "dwell", "tool_change", "spindle")
_CUT, _PLUNGE, _RAPID, _DWELL = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class CycleTime:
    """A planned cycle time with its breakdown and velocity profile.

    Attributes
    ----------
    cycle_time_s : float
        Planned time of the whole program, s.
    naive_time_s : float
        Length / feed (rapids at the rapid rate) plus the same non-motion times, s.
    machine : str
        Profile name.
    by_kind_s : dict of str to float
        Time per move kind (keys :data:`KINDS`), s; sums to ``cycle_time_s``.
    by_operation : list of dict
        Per operation: ``name``, ``cycle_time_s``, ``naive_time_s``, ``moves``.
    profile : Profile
        Planned trapezoid of every segment.
    segment_move : ndarray of shape (M,), int64
        Index (into ``program.toolpath``) of the move each segment belongs to.
    move_time_s : ndarray of shape (N,), float64
        Planned time of every move of ``program.toolpath`` (dwells included), s.
    """

    cycle_time_s: float
    naive_time_s: float
    machine: str
    by_kind_s: dict[str, float]
    by_operation: list[dict[str, Any]]
    profile: Profile
    segment_move: NDArray[np.int64]
    move_time_s: NDArray[np.float64]
    events: list[tuple[float, float]] = field(default_factory=list)

    def velocity_profile(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Path speed over time: (t, v), s and mm/s, four points per segment (start, end of accel, end of cruise, end).

        Pauses (dwells, tool changes, spindle starts, stop overheads) appear as
        stretches at zero speed at the times they happen.
        """
        p = self.profile
        m = len(p)
        if m == 0:
            return np.zeros(1), np.zeros(1)
        seg_t = p.segment_t
        # pauses before segments: (segment index, seconds)
        pause = np.zeros(m + 1)
        for idx, sec in self.events:
            pause[int(idx)] += sec
        t0 = np.concatenate([[0.0], np.cumsum(seg_t[:-1] + pause[1:m])]) + pause[0]
        t = np.empty((m, 4))
        t[:, 0] = t0
        t[:, 1] = t0 + p.accel_t
        t[:, 2] = t[:, 1] + p.cruise_t
        t[:, 3] = t[:, 2] + p.decel_t
        v = np.stack([p.start_v, p.cruise_v, p.cruise_v, p.end_v], axis=1)
        tt, vv = t.reshape(-1), v.reshape(-1)
        if pause[m] > 0:
            tt = np.append(tt, tt[-1] + pause[m])
            vv = np.append(vv, 0.0)
        return tt, vv

    def plot_velocity(self, ax: Any = None, **kw: Any) -> Any:
        """Plot the path speed over time on a matplotlib axis (created when ``None``); returns the axis."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(9, 3))
        t, v = self.velocity_profile()
        ax.plot(t, v * 60.0, **({"lw": 0.8} | kw))
        ax.set_xlabel("time (s)")
        ax.set_ylabel("path speed (mm/min)")
        ax.set_title(f"{self.machine}: {self.cycle_time_s:.2f} s planned, {self.naive_time_s:.2f} s length/feed")
        return ax

    def to_json(self) -> dict[str, Any]:
        """Figures for reports: ``cycle_time_s``, ``naive_time_s``, ``breakdown`` (per kind and per operation)."""
        return {
            "cycle_time_s": float(self.cycle_time_s),
            "naive_time_s": float(self.naive_time_s),
            "breakdown": {
                "by_kind_s": {k: float(v) for k, v in self.by_kind_s.items()},
                "by_operation": [dict(o) for o in self.by_operation],
            },
        }


def _classify(tp: Toolpath, start: NDArray[np.float64]) -> NDArray[np.int8]:
    """Move kind codes for the breakdown (_CUT, _PLUNGE, _RAPID, _DWELL)."""
    s = tp.starts(start)
    d = tp.xyz - s
    out = np.full(len(tp), _CUT, np.int8)
    out[tp.kind == MoveKind.RAPID] = _RAPID
    out[tp.kind == MoveKind.DWELL] = _DWELL
    plunge = (tp.kind == MoveKind.FEED) & (d[:, 2] < 0) & (np.abs(d[:, 0]) < 1e-9) & (np.abs(d[:, 1]) < 1e-9)
    out[plunge] = _PLUNGE
    return out


def naive_reference(tp: Toolpath, machine: Machine, *, start_xyz: Any = None) -> NDArray[np.float64]:
    """Length / feed of every move (rapids at the rapid rate along their direction, dwells their duration), s."""
    if len(tp) == 0:
        return np.zeros(0)
    start = np.asarray(tp.xyz[0] if start_xyz is None else start_xyz, np.float64)
    length = tp.lengths(start)
    d = tp.xyz - tp.starts(start)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.abs(d) / np.where(length > 0, length, 1.0)[:, None]
        per_axis = np.where(u > 1e-12, np.asarray(machine.rapid_mm_min)[None, :] / np.where(u > 0, u, 1.0), np.inf)
    rapid_v = per_axis.min(axis=1) / 60.0
    if machine.max_linear_velocity_mm_min > 0:
        rapid_v = np.minimum(rapid_v, machine.max_linear_velocity_mm_min / 60.0)
    out = np.zeros(len(tp))
    r = tp.kind == MoveKind.RAPID
    out[r] = np.where(length[r] > 0, length[r] / rapid_v[r], 0.0)
    c = (tp.kind != MoveKind.RAPID) & (tp.kind != MoveKind.DWELL)
    out[c] = length[c] / (tp.feed[c] / 60.0)
    dw = tp.kind == MoveKind.DWELL
    out[dw] = tp.feed[dw]
    return out


@njit(cache=True, nogil=True)
def naive_kernel(kind, xyz, center, feed, start, vrap_v, vlin_v):
    """Numba version of :func:`naive_reference` (``vrap_v`` per-axis rapid rates mm/s, ``vlin_v`` cap or 0)."""
    n = kind.shape[0]
    out = np.zeros(n)
    sx, sy, sz = start[0], start[1], start[2]
    two_pi = 2.0 * math.pi
    for i in range(n):
        k = kind[i]
        ex, ey, ez = xyz[i, 0], xyz[i, 1], xyz[i, 2]
        if k == 4:
            out[i] = feed[i]
            sx, sy, sz = ex, ey, ez
            continue
        dx, dy, dz = ex - sx, ey - sy, ez - sz
        length = math.sqrt(dx * dx + dy * dy + dz * dz)
        if k == 2 or k == 3:
            cx, cy = center[i, 0], center[i, 1]
            d = math.atan2(ey - cy, ex - cx) - math.atan2(sy - cy, sx - cx)
            d = d % two_pi if k == 3 else -((-d) % two_pi)
            if math.hypot(dx, dy) < 1e-9 and abs(d) < 1e-9:
                d = two_pi
            length = math.hypot(abs(d) * math.hypot(sx - cx, sy - cy), dz)
        if k == 0:
            if length > 0:
                v = np.inf
                for ax_d, lim in ((dx, vrap_v[0]), (dy, vrap_v[1]), (dz, vrap_v[2])):
                    u = abs(ax_d) / length
                    if u > 1e-12 and lim / u < v:
                        v = lim / u
                if vlin_v > 0 and vlin_v < v:
                    v = vlin_v
                out[i] = length / v
        else:
            out[i] = length / (feed[i] / 60.0)
        sx, sy, sz = ex, ey, ez
    return out


def naive_time_s(tp: Toolpath, machine: Machine, *, start_xyz: Any = None) -> NDArray[np.float64]:
    """Length / feed of every move, s: rapids at the rapid rate along their direction, dwells their duration.

    Parameters
    ----------
    tp : Toolpath
    machine : Machine
    start_xyz : sequence of 3 float, optional
        Where the first move starts, mm (default its own end point).

    Returns
    -------
    ndarray of shape (N,), float64
    """
    if len(tp) == 0:
        return np.zeros(0)
    start = np.asarray(tp.xyz[0] if start_xyz is None else start_xyz, np.float64).reshape(3)
    return naive_kernel(
        tp.kind,
        tp.xyz,
        tp.center,
        tp.feed,
        start,
        np.asarray(machine.rapid_mm_min, np.float64) / 60.0,
        machine.max_linear_velocity_mm_min / 60.0,
    )


# Grbl's stepper timer --------------------------------------------------------------------------------------------


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


@njit(cache=True, nogil=True)
def grbl_timer_extra_kernel(step_density, accel, v0, vc, v1, length, timer_hz, out):  # type: ignore[no-untyped-def]
    """Numba twin of :func:`grbl_timer_extra_reference`, one segment at a time, into ``out``."""
    for i in range(step_density.shape[0]):
        s = step_density[i]
        if s <= 0.0:
            out[i] = 0.0
            continue
        e0, e1, e2 = 2000.0 / s, 4000.0 / s, 8000.0 / s  # speeds where AMASS changes level
        ticks = 0.0
        ramp = 0.0
        for phase in range(2):  # acceleration from v0, deceleration to v1: same shape reversed
            lo_v = v0[i] if phase == 0 else v1[i]
            hi_v = vc[i]
            for band in range(4):
                b_lo = 0.0 if band == 0 else (e0 if band == 1 else (e1 if band == 2 else e2))
                b_hi = e0 if band == 0 else (e1 if band == 1 else (e2 if band == 2 else np.inf))
                k = 8.0 if band == 0 else (4.0 if band == 1 else (2.0 if band == 2 else 1.0))
                lo = max(lo_v, b_lo)
                hi = min(hi_v, b_hi)
                if hi > lo:
                    d = (hi * hi - lo * lo) / (2.0 * accel[i])
                    ticks += k * d
                    ramp += d
        cruise = max(length[i] - ramp, 0.0)
        rate = vc[i] * s
        k_cruise = 1.0 if rate > 8000.0 else (2.0 if rate > 4000.0 else (4.0 if rate > 2000.0 else 8.0))
        ticks += k_cruise * cruise
        out[i] = s * ticks / timer_hz


def grbl_timer_extra_s(prof: Profile, segs: Segments, timer_hz: float) -> NDArray[np.float64]:
    """Time Grbl's stepper timer adds to each segment, s (the Numba kernel; see the reference for the model)."""
    n = len(segs)
    s = segs.step_density if segs.step_density is not None else np.zeros(n)
    out = np.empty(n)
    f64 = np.float64
    grbl_timer_extra_kernel(
        np.ascontiguousarray(s, f64), np.ascontiguousarray(segs.accel_mm_s2, f64),
        np.ascontiguousarray(prof.start_v, f64), np.ascontiguousarray(prof.cruise_v, f64),
        np.ascontiguousarray(prof.end_v, f64), np.ascontiguousarray(segs.length_mm, f64), float(timer_hz), out,
    )
    return out


# jerk-limited (S-curve) timing ----------------------------------------------------------------------------------


def _ramp_t(dv: float, a: float, j: float) -> float:
    """Time of a jerk-limited speed change of ``dv`` (constant-jerk ends, constant-acceleration middle)."""
    if dv <= 0.0:
        return 0.0
    if dv >= a * a / j:
        return dv / a + a / j
    return 2.0 * math.sqrt(dv / j)


def scurve_reference(
    start_v: NDArray[np.float64],
    end_v: NDArray[np.float64],
    cruise_v: NDArray[np.float64],
    accel_mm_s2: NDArray[np.float64],
    jerk_mm_s3: NDArray[np.float64],
    length_mm: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Re-time planned segments with jerk-limited ramps: (M, 4) of peak_v, accel_t, cruise_t, decel_t.

    Entry and exit speeds are the trapezoid plan's. A symmetric S-curve ramp from u to w
    lasts :func:`_ramp_t` and covers ``(u + w)/2`` times that; the peak speed is the
    highest at most ``cruise_v`` whose two ramps fit in the segment (bisection). When not
    even the direct ramp fits, the segment takes the ramp's time (the plan's junction
    speeds are then optimistic for a jerk-limited machine).
    """
    m = len(length_mm)
    out = np.zeros((m, 4))
    for i in range(m):
        v0, v1, vc, a, j, d = start_v[i], end_v[i], cruise_v[i], accel_mm_s2[i], jerk_mm_s3[i], length_mm[i]

        def dist(vp: float, v0: float = v0, v1: float = v1, a: float = a, j: float = j) -> float:
            return 0.5 * (v0 + vp) * _ramp_t(vp - v0, a, j) + 0.5 * (vp + v1) * _ramp_t(vp - v1, a, j)

        lo = max(v0, v1)
        if dist(lo) >= d:
            t = max(_ramp_t(abs(v1 - v0), a, j), d / max(lo, 1e-300))
            out[i] = (lo, t if v1 >= v0 else 0.0, 0.0, 0.0 if v1 >= v0 else t)
            continue
        if dist(vc) <= d:
            vp = vc
        else:
            hi = vc
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if dist(mid) <= d:
                    lo = mid
                else:
                    hi = mid
            vp = lo
        ta, td = _ramp_t(vp - v0, a, j), _ramp_t(vp - v1, a, j)
        out[i] = (vp, ta, max(0.0, d - dist(vp)) / vp if vp > 0 else 0.0, td)
    return out


@njit(cache=True, nogil=True)
def _ramp_t_nb(dv: float, a: float, j: float) -> float:
    if dv <= 0.0:
        return 0.0
    if dv >= a * a / j:
        return dv / a + a / j
    return 2.0 * math.sqrt(dv / j)


@njit(cache=True, nogil=True)
def scurve_kernel(start_v, end_v, cruise_v, accel_mm_s2, jerk_mm_s3, length_mm):
    """Numba version of :func:`scurve_reference`."""
    m = length_mm.shape[0]
    out = np.zeros((m, 4))
    for i in range(m):
        v0, v1, vc, a, j, d = start_v[i], end_v[i], cruise_v[i], accel_mm_s2[i], jerk_mm_s3[i], length_mm[i]
        lo = max(v0, v1)
        d_lo = 0.5 * (v0 + lo) * _ramp_t_nb(lo - v0, a, j) + 0.5 * (lo + v1) * _ramp_t_nb(lo - v1, a, j)
        if d_lo >= d:
            t = max(_ramp_t_nb(abs(v1 - v0), a, j), d / max(lo, 1e-300))
            out[i, 0] = lo
            if v1 >= v0:
                out[i, 1] = t
            else:
                out[i, 3] = t
            continue
        d_c = 0.5 * (v0 + vc) * _ramp_t_nb(vc - v0, a, j) + 0.5 * (vc + v1) * _ramp_t_nb(vc - v1, a, j)
        if d_c <= d:
            vp = vc
        else:
            hi = vc
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                dm = 0.5 * (v0 + mid) * _ramp_t_nb(mid - v0, a, j) + 0.5 * (mid + v1) * _ramp_t_nb(mid - v1, a, j)
                if dm <= d:
                    lo = mid
                else:
                    hi = mid
            vp = lo
        ta, td = _ramp_t_nb(vp - v0, a, j), _ramp_t_nb(vp - v1, a, j)
        dp = 0.5 * (v0 + vp) * ta + 0.5 * (vp + v1) * td
        out[i, 0] = vp
        out[i, 1] = ta
        out[i, 2] = max(0.0, d - dp) / vp if vp > 0 else 0.0
        out[i, 3] = td
    return out


def _jerk_retime(prof: Profile, segs: Segments, machine: Machine) -> Profile:
    """The plan re-timed with the machine's jerk limits (projected like the acceleration)."""
    amax = np.asarray(machine.max_acceleration_mm_s2)
    jmax = np.asarray(machine.max_jerk_mm_s3)
    ratio = float(np.min(np.where(jmax > 0, jmax / amax, np.inf)))  # jerk per unit acceleration, 1/s
    jerk = segs.accel_mm_s2 * ratio
    out = scurve_kernel(prof.start_v, prof.end_v, prof.cruise_v, segs.accel_mm_s2, jerk, segs.length_mm)
    return Profile(prof.start_v, out[:, 0].copy(), prof.end_v, out[:, 1].copy(), out[:, 2].copy(), out[:, 3].copy())


def _path_control(program: Program, machine: Machine) -> tuple[bool, float]:
    """(exact stop, G64 P tolerance in mm) in force, from what the reader recorded, else the machine's."""
    exact = machine.blending is Blending.EXACT_STOP
    tol = machine.blend_tolerance_mm
    if machine.controller is not Controller.LINUXCNC:
        return exact, tol
    entries = program.metadata.get("path_control") if isinstance(program.metadata, dict) else None
    for entry in entries or []:  # the last one wins (the reader gives line numbers, not move indices)
        code, p = entry[1], entry[2]
        if str(code).startswith("G61"):
            exact = True
        elif str(code) == "G64":
            exact = False
            tol = float(p) if p is not None else 0.0
    return exact, tol


def cycle_time(program: Program, machine: Machine | str) -> CycleTime:
    """Plan ``program`` on ``machine`` and time it.

    Parameters
    ----------
    program : Program
        Operations in order; the machine starts at ``program.start_xyz``.
    machine : Machine or str
        A profile, or a name / path for :func:`sim.load_machine`.

    Returns
    -------
    CycleTime

    Notes
    -----
    The machine comes to rest between operations (tool and spindle commands
    drain the planner on both Grbl and LinuxCNC), around dwells, and at the
    end. A tool change is counted when an operation's tool differs from the
    previous one's (the first tool is in the spindle at the start); a spindle
    ramp whenever the speed rises. For LinuxCNC profiles the path-control mode
    (G61 / G64 P) comes from ``program.metadata["path_control"]`` when the
    reader recorded it; the last one recorded applies to the whole program.

    Examples
    --------
    >>> from toolpath import Program, Tool
    >>> from toolpath.moves import ToolpathBuilder
    >>> b = ToolpathBuilder(); b.feed(200.0, 0.0, 0.0, 3000.0)
    >>> p = Program.single(Tool.flat(6.0), b.build(), start_xyz=(0.0, 0.0, 0.0), spindle_rpm=0.0)
    >>> round(cycle_time(p, "grbl-router").cycle_time_s, 3)   # 200/50 + 50/200
    4.25
    """
    if not isinstance(program, Program):
        raise InputError(f"program must be a toolpath.Program, got {type(program).__name__}")
    m = load_machine(machine)
    exact, tol = _path_control(program, m)
    starts = program.operation_starts()
    parts: list[Segments] = []
    offsets: list[int] = []
    naive_parts: list[NDArray[np.float64]] = []
    classes: list[NDArray[np.int8]] = []
    pauses: list[tuple[int, float, int, int]] = []  # (move index it precedes, seconds, kind code, operation)
    prev_tool = program.operations[0].tool if program.operations else None
    prev_rpm = 0.0
    base = 0
    for k, (op, start) in enumerate(zip(program.operations, starts, strict=True)):
        tp = op.toolpath
        if op.tool != prev_tool:
            pauses.append((base, m.tool_change_s, 4, k))
            prev_rpm = 0.0
        if op.spindle_rpm > prev_rpm:
            pauses.append((base, m.spindle_ramp_s, 5, k))
        prev_tool, prev_rpm = op.tool, op.spindle_rpm
        n = len(tp)
        if n:
            es = np.full(n, exact)
            tl = np.full(n, tol)
            parts.append(segments(tp, m, start_xyz=start, exact_stop=es, tolerance_mm=tl))
            offsets.append(base)
            naive_parts.append(naive_time_s(tp, m, start_xyz=start))
            classes.append(_classify(tp, np.asarray(start, np.float64)))
        base += n
    n_moves = base
    segs = Segments.concat(parts, offsets)
    # operations are planned apart: the first segment of each starts at rest
    entry = segs.entry_v2.copy()
    if len(segs):
        op_of_move = np.repeat(np.arange(len(program.operations)), [len(op.toolpath) for op in program.operations])
        first = np.r_[True, op_of_move[segs.move[1:]] != op_of_move[segs.move[:-1]]]
        entry[first] = 0.0
    segs = Segments(segs.length_mm, segs.cruise_v2, segs.accel_mm_s2, entry, segs.move, segs.step_density)
    prof = plan(segs, window=m.lookahead_blocks)
    if m.jerk_limited and len(segs):
        prof = _jerk_retime(prof, segs, m)
    seg_t = prof.segment_t
    if m.step_timer_hz > 0 and segs.step_density is not None and len(segs):
        # every step period is a little longer: stretch each segment's times, slow its speeds alike
        f = 1.0 + grbl_timer_extra_s(prof, segs, m.step_timer_hz) / np.where(seg_t > 0, seg_t, 1.0)
        p = prof
        prof = Profile(p.start_v / f, p.cruise_v / f, p.end_v / f, p.accel_t * f, p.cruise_t * f, p.decel_t * f)
        seg_t = prof.segment_t
    move_t = np.bincount(segs.move, weights=seg_t, minlength=n_moves) if n_moves else np.zeros(0)
    kinds = np.concatenate(classes) if classes else np.zeros(0, np.int8)
    naive = np.concatenate(naive_parts) if naive_parts else np.zeros(0)
    dwell = kinds == _DWELL
    feeds = np.concatenate([op.toolpath.feed for op in program.operations]) if n_moves else np.zeros(0)
    move_t[dwell] = feeds[dwell] + m.dwell_overhead_s
    naive_dwell = naive.copy()
    naive_dwell[dwell] = feeds[dwell] + m.dwell_overhead_s
    events: list[tuple[float, float]] = []
    # a sampled controller finishes each move that ends at rest a little late
    if m.stop_overhead_s > 0 and len(prof):
        stops = np.flatnonzero(prof.end_v <= 1e-9)
        np.add.at(move_t, segs.move[stops], m.stop_overhead_s)
        events.extend((float(i + 1), m.stop_overhead_s) for i in stops)
    # dwells as pauses in the velocity profile
    if np.any(dwell) and len(segs):
        seg_of_move = np.searchsorted(segs.move, np.flatnonzero(dwell))
        events.extend((float(i), float(move_t[j])) for i, j in zip(seg_of_move, np.flatnonzero(dwell), strict=True))
    pause_s = 0.0
    kind_pause = {4: 0.0, 5: 0.0}
    for mv, sec, code, _ in pauses:
        kind_pause[code] += sec
        pause_s += sec
        if len(segs):
            events.append((float(np.searchsorted(segs.move, mv)), sec))
    by_kind = {k: 0.0 for k in KINDS}
    for code, name in ((_CUT, "cut"), (_PLUNGE, "plunge"), (_RAPID, "rapid"), (_DWELL, "dwell")):
        by_kind[name] = float(move_t[kinds == code].sum())
    by_kind["tool_change"] = kind_pause[4]
    by_kind["spindle"] = kind_pause[5]
    total = float(move_t.sum()) + pause_s
    naive_total = float(naive_dwell.sum()) + pause_s
    by_op = []
    base = 0
    op_pause = np.zeros(len(program.operations))
    for _, sec, _, k in pauses:
        op_pause[k] += sec
    for i, op in enumerate(program.operations):
        n = len(op.toolpath)
        by_op.append(
            {
                "name": op.name or f"operation {i + 1}",
                "cycle_time_s": float(move_t[base : base + n].sum() + op_pause[i]),
                "naive_time_s": float(naive_dwell[base : base + n].sum() + op_pause[i]),
                "moves": n,
            }
        )
        base += n
    return CycleTime(
        cycle_time_s=total,
        naive_time_s=naive_total,
        machine=m.name,
        by_kind_s=by_kind,
        by_operation=by_op,
        profile=prof,
        segment_move=segs.move,
        move_time_s=move_t,
        events=events,
    )
