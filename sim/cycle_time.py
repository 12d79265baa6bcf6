"""Cycle time of a program on a machine, planned the way its controller plans motion.

Units (suffixes as in :mod:`sim.planner`): ``_s`` seconds, ``_v`` mm/s, ``_mm`` mm.

:func:`cycle_time` runs the controller's segments, look-ahead plan and per-move
bookkeeping in one Numba kernel (:func:`sim.planner.motion`) over the
whole program, and adds what is not motion: dwells, tool changes, spindle starts,
and the time a sampled controller loses at each exact stop. ``naive_time_s`` is the
length / feed figure (rapids at the rapid rate), kept for contrast.

Move kinds in the breakdown:

- ``cut``: feed moves and arcs that are not plunges (nor links, when known);
- ``plunge``: straight feed moves going down in Z only;
- ``link``: feed moves that remove no material (known only when the caller says
  which, e.g. from a stock simulation: ``cycle_time(..., link=mask)``);
- ``rapid``: G0;
- ``dwell``: G4;
- ``tool_change`` and ``spindle``: the profile's times, at each tool change
  (a tool different from the previous operation's) and at each spindle start or
  speed increase.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
from .planner import machine_params, motion, segments
from .planner_kernels import count_segments, grbl_timer_extra_kernel
from .planner_reference import grbl_timer_extra_reference
from .planner_types import Profile, Segments

__all__ = [
    "CycleTime",
    "cycle_time",
    "naive_time_s",
    "naive_kernel",
    "naive_reference",
    "classify_reference",
    "scurve_kernel",
    "scurve_reference",
    "grbl_timer_extra_s",
    "grbl_timer_extra_kernel",
    "grbl_timer_extra_reference",
    "path_control_table",
    "links_from_removal",
    "KINDS",
]

KINDS = ("cut", "plunge", "link", "rapid", "dwell", "tool_change", "spindle")
_CUT, _PLUNGE, _RAPID, _DWELL, _LINK = 0, 1, 2, 3, 4
_CLASS_NAMES = ((_CUT, "cut"), (_PLUNGE, "plunge"), (_LINK, "link"), (_RAPID, "rapid"), (_DWELL, "dwell"))


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
        Time per move kind (keys :data:`KINDS`), s; sums to ``cycle_time_s``. ``link``
        is 0 unless links were given (``links_known``).
    by_operation : list of dict
        Per operation: ``name``, ``cycle_time_s``, ``naive_time_s``, ``moves`` (and
        ``link_time_s`` when links were given).
    move_time_s : ndarray of shape (N,), float64
        Planned time of every move of ``program.toolpath`` (dwells included), s.
    links_known : bool
        Whether the breakdown tells links from cuts.

    The per-segment detail (:attr:`profile`, :attr:`segment_move`, :attr:`events`)
    is planned again on first use, so a plain cycle time never holds it.
    """

    cycle_time_s: float
    naive_time_s: float
    machine: str
    by_kind_s: dict[str, float]
    by_operation: list[dict[str, Any]]
    move_time_s: NDArray[np.float64]
    links_known: bool = False
    _detail: Callable[[], tuple[Profile, NDArray[np.int64], NDArray[np.float64]]] | None = field(
        default=None, repr=False
    )
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def _get(self) -> tuple[Profile, NDArray[np.int64], NDArray[np.float64]]:
        if "detail" not in self._cache:
            if self._detail is None:
                self._cache["detail"] = (Profile(*np.zeros((6, 0))), np.zeros(0, np.int64), np.zeros((0, 2)))
            else:
                self._cache["detail"] = self._detail()
        return self._cache["detail"]  # type: ignore[no-any-return]

    @property
    def profile(self) -> Profile:
        """Planned trapezoid of every segment."""
        return self._get()[0]

    @property
    def segment_move(self) -> NDArray[np.int64]:
        """Index (into ``program.toolpath``) of the move each segment belongs to, (M,) int64."""
        return self._get()[1]

    @property
    def events(self) -> NDArray[np.float64]:
        """Pauses in the motion, (E, 2) float64: (index of the segment they precede, seconds)."""
        return self._get()[2]

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
        ev = np.asarray(self.events, np.float64).reshape(-1, 2)
        np.add.at(pause, ev[:, 0].astype(np.int64), ev[:, 1])
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
        """Figures for reports: ``cycle_time_s``, ``naive_time_s``, ``breakdown`` (per kind and per operation).

        The breakdown says whether links were told from cuts (``links_known``); when
        they were, ``cut_time_s`` and ``link_time_s`` sit beside it at the top.
        """
        out: dict[str, Any] = {
            "cycle_time_s": float(self.cycle_time_s),
            "naive_time_s": float(self.naive_time_s),
            "breakdown": {
                "by_kind_s": {k: float(v) for k, v in self.by_kind_s.items()},
                "by_operation": [dict(o) for o in self.by_operation],
                "links_known": bool(self.links_known),
            },
        }
        if self.links_known:
            out["cut_time_s"] = float(self.by_kind_s["cut"] + self.by_kind_s["plunge"])
            out["link_time_s"] = float(self.by_kind_s["link"])
        return out


def classify_reference(tp: Toolpath, start: NDArray[np.float64]) -> NDArray[np.int8]:
    """Move kind codes for the breakdown (cut 0, plunge 1, rapid 2, dwell 3), NumPy reference of ``naive_kernel``'s."""
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
def naive_kernel(kind, xyz, center, feed, op_first, op_start, vrap_v, vlin_v, out, cls):  # type: ignore[no-untyped-def]
    """Numba version of :func:`naive_reference` and :func:`classify_reference`, into ``out`` (N,) and ``cls`` (N,) int8.

    ``op_first``/``op_start``: first move and start point of each operation (as for
    :func:`sim.planner.motion`); ``vrap_v`` per-axis rapid rates mm/s, ``vlin_v`` path speed cap or 0.
    Every entry of ``out`` (naive s) and ``cls`` (cut 0, plunge 1, rapid 2, dwell 3) is written.
    """
    n = kind.shape[0]
    n_ops = op_first.shape[0]
    nk = 0
    sx = sy = sz = 0.0
    two_pi = 2.0 * math.pi
    for i in range(n):
        if nk < n_ops and op_first[nk] == i:
            sx, sy, sz = op_start[nk, 0], op_start[nk, 1], op_start[nk, 2]
            nk += 1
        k = kind[i]
        ex, ey, ez = xyz[i, 0], xyz[i, 1], xyz[i, 2]
        if k == 4:
            out[i] = feed[i]
            cls[i] = 3
            sx, sy, sz = ex, ey, ez
            continue
        out[i] = 0.0
        cls[i] = 0
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
            cls[i] = 2
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
            if k == 1 and dz < 0 and abs(dx) < 1e-9 and abs(dy) < 1e-9:
                cls[i] = 1
        sx, sy, sz = ex, ey, ez


def _one_op(start: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    return np.zeros(1, np.int64), np.asarray(start, np.float64).reshape(1, 3)


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
    start = tp.xyz[0] if start_xyz is None else start_xyz
    out = np.empty(len(tp))
    naive_kernel(
        tp.kind, tp.xyz, tp.center, tp.feed, *_one_op(start),
        np.asarray(machine.rapid_mm_min, np.float64) / 60.0, machine.max_linear_velocity_mm_min / 60.0,
        out, np.empty(len(tp), np.int8),
    )
    return out


# Grbl's stepper timer --------------------------------------------------------------------------------------------


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


def _jerk_retime(prof: Profile, accel: NDArray, length: NDArray, machine: Machine) -> Profile:
    """The plan re-timed with the machine's jerk limits (projected like the acceleration)."""
    amax = np.asarray(machine.max_acceleration_mm_s2)
    jmax = np.asarray(machine.max_jerk_mm_s3)
    ratio = float(np.min(np.where(jmax > 0, jmax / amax, np.inf)))  # jerk per unit acceleration, 1/s
    out = scurve_kernel(prof.start_v, prof.end_v, prof.cruise_v, accel, accel * ratio, length)
    return Profile(prof.start_v, out[:, 0].copy(), prof.end_v, out[:, 1].copy(), out[:, 2].copy(), out[:, 3].copy())


def path_control_table(
    program: Program, machine: Machine
) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.float64]]:
    """Path control (G61 exact stop, G64 P tolerance) per stretch of moves: (mode_at, exact, tol_mm).

    Move ``i`` runs in the mode of the last row with ``mode_at <= i``. Only LinuxCNC
    profiles take the program's modes (from ``program.metadata["path_control"]``, which
    the reader fills); others keep their own. When the reader also gave the move each
    entry takes effect at (``metadata["path_control_moves"]``, one index per entry into
    ``program.toolpath``), modes switch there; otherwise the last entry holds for the
    whole program.
    """
    exact = machine.blending is Blending.EXACT_STOP
    tol = float(machine.blend_tolerance_mm)
    rows: list[tuple[int, bool, float]] = [(0, exact, tol)]
    md = program.metadata if isinstance(program.metadata, dict) else {}
    entries = list(md.get("path_control") or []) if machine.controller is Controller.LINUXCNC else []
    at = md.get("path_control_moves")
    per_move = at is not None and len(at) == len(entries)
    for k, entry in enumerate(entries):
        code, p = str(entry[1]), entry[2]
        if code.startswith("G61"):
            exact = True
        elif code == "G64":
            exact = False
            tol = float(p) if p is not None else 0.0
        else:
            continue
        rows.append((int(at[k]) if per_move else 0, exact, tol))  # type: ignore[index]
    last: dict[int, tuple[bool, float]] = {}
    for i, e, t in rows:  # later entries at the same move win
        last[i] = (e, t)
    keys = sorted(last)
    return (
        np.array(keys, np.int64),
        np.array([last[k][0] for k in keys], np.bool_),
        np.array([last[k][1] for k in keys], np.float64),
    )


def _program_arrays(program: Program) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """(kind, xyz, center, feed) of all moves, without a copy for one operation; and (op_first, op_start)."""
    ops = program.operations
    counts = np.array([len(op.toolpath) for op in ops], np.int64)
    firsts = np.cumsum(counts) - counts
    starts = np.asarray(program.operation_starts(), np.float64).reshape(-1, 3)
    keep = counts > 0
    tps = [op.toolpath for op in ops if len(op.toolpath)]
    if len(tps) == 1:
        t = tps[0]
        arrays = (t.kind, t.xyz, t.center, t.feed)
    else:
        arrays = tuple(np.concatenate([getattr(t, f) for t in tps]) for f in ("kind", "xyz", "center", "feed"))
    c = np.ascontiguousarray
    return (c(arrays[0], np.int8), c(arrays[1], np.float64), c(arrays[2], np.float64), c(arrays[3], np.float64),
            firsts[keep].astype(np.int64), starts[keep])


class _Motion:
    """One program on one machine, for :func:`sim.planner.motion`: move times, or the whole profile."""

    def __init__(self, m: Machine, arrays: tuple[NDArray, ...], modes: tuple[NDArray, ...]) -> None:
        self.arrays = arrays
        self.modes = modes
        self.tables = (
            np.asarray(m.max_velocity_mm_min, np.float64) / 60.0,
            np.asarray(m.rapid_mm_min, np.float64) / 60.0,
            np.asarray(m.max_acceleration_mm_s2, np.float64),
            np.asarray(m.steps_per_mm, np.float64),
        )
        self.params = machine_params(m, timer=not m.jerk_limited)
        self.window = int(m.lookahead_blocks)

    def _run(self, outs: tuple[NDArray, ...] | None) -> tuple[NDArray[np.float64], int]:
        move_t = np.zeros(self.arrays[0].shape[0])
        count = motion(self.arrays, self.modes, self.tables, self.params, self.window, move_t, outs)
        return move_t, int(count)

    def move_times(self) -> NDArray[np.float64]:
        """Time of every move, s (no per-segment arrays)."""
        return self._run(None)[0]

    def detail(self) -> tuple[Profile, NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """(profile, segment move, segment length mm, segment acceleration mm/s²)."""
        total = int(count_segments(*self.arrays[:3], *self.arrays[4:], self.params))
        cols = np.empty((8, total))
        mv = np.empty(total, np.int64)
        _, k = self._run((*cols[:6], mv, cols[6], cols[7]))
        return Profile(*cols[:6, :k]), mv[:k], cols[6, :k], cols[7, :k]


def _events(
    prof: Profile, seg_move: NDArray[np.int64], stop_s: float, dwell: NDArray[np.int64], move_t: NDArray[np.float64],
    pause_at: list[int], pause_s: list[float],
) -> NDArray[np.float64]:
    """Pauses in the velocity profile: (segment index they precede, s) for stops, dwells, tool changes, spindle."""
    ev = []
    if stop_s > 0 and len(prof):
        stops = np.flatnonzero(prof.end_v <= 1e-9) + 1.0
        ev.append(np.column_stack([stops, np.full(len(stops), stop_s)]))
    if len(dwell) and len(seg_move):
        ev.append(np.column_stack([np.searchsorted(seg_move, dwell).astype(np.float64), move_t[dwell]]))
    if pause_at and len(seg_move):
        ev.append(np.column_stack([np.searchsorted(seg_move, pause_at).astype(np.float64), pause_s]))
    return np.concatenate(ev) if ev else np.zeros((0, 2))


def links_from_removal(
    program: Program, removed_per_move_mm3: NDArray[np.float64], cell_mm: float
) -> NDArray[np.bool_]:
    """Which moves are links: feed moves and arcs that removed no material in a stock simulation.

    The rule is :func:`sim.compare.path_figures`': a move removing at most
    ``LINK_DEPTH_MM × cell_mm²`` removed nothing. Pass the result to
    ``cycle_time(..., link=...)``.

    Parameters
    ----------
    program : Program
    removed_per_move_mm3 : ndarray of shape (N,), float64
        Volume each move of ``program.toolpath`` removed (:attr:`sim.stock.StockResult.removed_per_move_mm3`), mm³.
    cell_mm : float
        Simulation cell, mm.

    Returns
    -------
    ndarray of shape (N,), bool
    """
    from .compare import LINK_DEPTH_MM  # compare imports this module

    kind = np.concatenate([op.toolpath.kind for op in program.operations]) if program.operations else np.zeros(0)
    removed = np.asarray(removed_per_move_mm3, np.float64)
    if removed.shape != kind.shape:
        raise InputError(f"removed_per_move_mm3 needs one entry per move ({kind.shape[0]}), got {removed.shape}")
    if not (cell_mm > 0 and math.isfinite(cell_mm)):
        raise InputError(f"cell_mm must be finite and > 0, got {cell_mm!r}")
    feedlike = (kind == MoveKind.FEED) | (kind == MoveKind.ARC_CW) | (kind == MoveKind.ARC_CCW)
    return feedlike & (removed <= LINK_DEPTH_MM * cell_mm * cell_mm)


def cycle_time(program: Program, machine: Machine | str, *, link: NDArray[np.bool_] | None = None) -> CycleTime:
    """Plan ``program`` on ``machine`` and time it.

    Parameters
    ----------
    program : Program
        Operations in order; the machine starts at ``program.start_xyz``.
    machine : Machine or str
        A profile, or a name / path for :func:`sim.load_machine`.
    link : ndarray of shape (N,), bool, optional
        Per move of ``program.toolpath``: whether it is a link (a feed move that
        removes no material, e.g. from :func:`sim.simulate`'s removed volume). Marked
        feed moves and arcs count as ``link`` in the breakdown instead of ``cut`` or
        ``plunge``; rapids and dwells keep their kinds.

    Returns
    -------
    CycleTime

    Notes
    -----
    The machine comes to rest between operations (tool and spindle commands
    drain the planner on both Grbl and LinuxCNC), around dwells, and at the
    end. A tool change is counted when an operation's tool differs from the
    previous one's (the first tool is in the spindle at the start); a spindle
    ramp whenever the speed rises. For LinuxCNC profiles the path-control modes
    (G61 / G64 P) come from the program's metadata (:func:`path_control_table`).

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
    ops = program.operations
    n_per = np.array([len(op.toolpath) for op in ops], np.int64)
    n = int(n_per.sum())
    if link is not None:
        link = np.asarray(link)
        if link.shape != (n,) or link.dtype != np.bool_:
            raise InputError(f"link must be a bool array with one entry per move ({n}), got {link.dtype} {link.shape}")
    # tool changes and spindle starts: (move index they precede, seconds, 0 tool change / 1 spindle, operation)
    pauses: list[tuple[int, float, int, int]] = []
    prev_tool = ops[0].tool if ops else None
    prev_rpm = 0.0
    base = 0
    for k, op in enumerate(ops):
        if op.tool != prev_tool:
            pauses.append((base, m.tool_change_s, 0, k))
            prev_rpm = 0.0
        if op.spindle_rpm > prev_rpm:
            pauses.append((base, m.spindle_ramp_s, 1, k))
        prev_tool, prev_rpm = op.tool, op.spindle_rpm
        base += int(n_per[k])
    detail = None
    if n:
        kind, xyz, center, feed, op_first, op_start = _program_arrays(program)
        vrap = np.asarray(m.rapid_mm_min, np.float64) / 60.0
        run = _Motion(m, (kind, xyz, center, feed, op_first, op_start), path_control_table(program, m))
        if m.jerk_limited:
            prof, seg_move, length, accel = run.detail()
            prof = _jerk_retime(prof, accel, length, m)
            if m.step_timer_hz > 0:  # no shipped profile has both: the step densities are computed again
                density = np.concatenate([
                    s.step_density for s in (segments(op.toolpath, m, start_xyz=st) for op, st in
                                             zip(ops, program.operation_starts(), strict=True) if len(op.toolpath))
                ])
                segs = Segments(length, prof.cruise_v**2, accel, prof.start_v**2, seg_move, density)
                seg_t = prof.segment_t
                f = 1.0 + grbl_timer_extra_s(prof, segs, m.step_timer_hz) / np.where(seg_t > 0, seg_t, 1.0)
                p = prof
                prof = Profile(p.start_v / f, p.cruise_v / f, p.end_v / f, p.accel_t * f, p.cruise_t * f, p.decel_t * f)
            move_t = np.bincount(seg_move, weights=prof.segment_t, minlength=n)
            if m.stop_overhead_s > 0:
                np.add.at(move_t, seg_move[prof.end_v <= 1e-9], m.stop_overhead_s)
            dw = kind == MoveKind.DWELL
            move_t[dw] = feed[dw] + m.dwell_overhead_s
            fixed = (prof, seg_move)
            get_prof = lambda: fixed  # noqa: E731
        else:
            move_t = run.move_times()
            get_prof = lambda: run.detail()[:2]  # noqa: E731
        vlin = m.max_linear_velocity_mm_min / 60.0
        naive = np.empty(n)
        cls = np.empty(n, np.int8)
        naive_kernel(kind, xyz, center, feed, op_first, op_start, vrap, vlin, naive, cls)
        dwell = np.flatnonzero(cls == _DWELL)
        naive[dwell] += m.dwell_overhead_s
        if link is not None:
            cls[link & ((cls == _CUT) | (cls == _PLUNGE))] = _LINK
        stop_s = m.stop_overhead_s
        pause_at = [p[0] for p in pauses]
        pause_s = [p[1] for p in pauses]

        def detail() -> tuple[Profile, NDArray[np.int64], NDArray[np.float64]]:
            prof, seg_move = get_prof()
            return prof, seg_move, _events(prof, seg_move, stop_s, dwell, move_t, pause_at, pause_s)

    else:
        move_t = naive = np.zeros(0)
        cls = np.zeros(0, np.int8)
    per_class = np.bincount(cls, weights=move_t, minlength=5) if n else np.zeros(5)
    by_kind = {k: 0.0 for k in KINDS}
    for code, name in _CLASS_NAMES:
        by_kind[name] = float(per_class[code])
    op_pause = np.zeros(len(ops))
    for _, sec, code, k in pauses:
        by_kind["tool_change" if code == 0 else "spindle"] += sec
        op_pause[k] += sec
    pause_s = float(op_pause.sum())
    firsts = np.cumsum(n_per) - n_per
    nz = n_per > 0
    op_t = np.zeros(len(ops))
    op_naive = np.zeros(len(ops))
    op_link = np.zeros(len(ops))
    if n:
        op_t[nz] = np.add.reduceat(move_t, firsts[nz])
        op_naive[nz] = np.add.reduceat(naive, firsts[nz])
        if link is not None:
            op_link[nz] = np.add.reduceat(np.where(cls == _LINK, move_t, 0.0), firsts[nz])
    by_op = []
    for i, op in enumerate(ops):
        row: dict[str, Any] = {
            "name": op.name or f"operation {i + 1}",
            "cycle_time_s": float(op_t[i] + op_pause[i]),
            "naive_time_s": float(op_naive[i] + op_pause[i]),
            "moves": int(n_per[i]),
        }
        if link is not None:
            row["link_time_s"] = float(op_link[i])
        by_op.append(row)
    return CycleTime(
        cycle_time_s=float(move_t.sum()) + pause_s,
        naive_time_s=float(naive.sum()) + pause_s,
        machine=m.name,
        by_kind_s=by_kind,
        by_operation=by_op,
        move_time_s=move_t,
        links_known=link is not None,
        _detail=detail,
    )
