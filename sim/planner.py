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

The work is done by Numba kernels (:mod:`sim.planner_kernels`) beside plain
NumPy/Python references (:mod:`sim.planner_reference`) that compute the same
columns; tests compare them with hypothesis. The reference replays the window
literally (a backward pass over the next ``window`` blocks for every block,
O(N·W)); the kernel uses the identity ``B_window(j) = min(B_inf(j), Σ_{k=j}^{last}
2·a_k·d_k)`` (a stop at the window end only adds the pure braking term), so it is
one backward and one forward pass, O(N), whatever the window.
:func:`sim.cycle_time` runs :func:`motion`, which streams the program through both
kernels a buffer at a time with the per-move bookkeeping (no intermediate :class:`Segments`).

This module is the public face: the dataclasses, :func:`segments`, :func:`plan`
and the tables the kernels take (:func:`machine_params`, :func:`mode_table`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from toolpath.errors import InputError
from toolpath.moves import Toolpath

from .machine import ArcSplit, Blending, Controller, Machine
from .planner_kernels import (
    BLEND_ACC_RATIO_NORMAL,
    BLEND_ACC_RATIO_TANGENTIAL,
    CHUNK,
    N_PARAMS,
    P_ARC_TOL,
    P_BLEND,
    P_BLOCK_RATE,
    P_CHORDS,
    P_DWELL_S,
    P_JD,
    P_LINUXCNC,
    P_STOP_S,
    P_TIMER_HZ,
    P_VLIN,
    S_LEN,
    S_NEXT_MOVE,
    count_segments,
    plan_kernel,
    plan_span_kernel,
    segments_kernel,
)
from .planner_reference import grbl_arc_chords, plan_reference, segments_reference, trapezoid_reference
from .planner_types import Profile, Segments

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
    "machine_params",
    "mode_table",
    "motion",
    "THREADED_MIN_MOVES",
    "BLEND_ACC_RATIO_TANGENTIAL",
    "BLEND_ACC_RATIO_NORMAL",
]


THREADED_MIN_MOVES = 50_000  # programs this long plan on a second thread while the next span is cut


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


def machine_params(machine: Machine, *, timer: bool = True) -> NDArray[np.float64]:
    """The ``params`` vector the kernels take (indices ``P_*`` in :mod:`sim.planner_kernels`).

    ``timer=False`` leaves Grbl's timer stretch out (for a caller that re-times first).
    """
    p = np.zeros(N_PARAMS)
    p[P_CHORDS] = float(machine.arc_split is ArcSplit.CHORDS)
    p[P_ARC_TOL] = machine.arc_tolerance_mm
    p[P_BLEND] = float(machine.blending is not Blending.JUNCTION_DEVIATION)
    p[P_JD] = machine.junction_deviation_mm
    p[P_VLIN] = machine.max_linear_velocity_mm_min / 60.0
    p[P_BLOCK_RATE] = machine.block_rate_hz
    p[P_TIMER_HZ] = machine.step_timer_hz if timer else 0.0
    p[P_STOP_S] = machine.stop_overhead_s
    p[P_DWELL_S] = machine.dwell_overhead_s
    p[P_LINUXCNC] = float(machine.controller is Controller.LINUXCNC)
    return p


def mode_table(
    exact_stop: NDArray[np.bool_], tolerance_mm: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.float64]]:
    """Per-move path control (G61 stop, G64 P tolerance) as the kernels' run table: (mode_at, exact, tol)."""
    exact_stop = np.ascontiguousarray(exact_stop, np.bool_).reshape(-1)
    tolerance_mm = np.ascontiguousarray(tolerance_mm, np.float64).reshape(-1)
    n = exact_stop.shape[0]
    if n == 0:
        return np.zeros(1, np.int64), np.zeros(1, np.bool_), np.zeros(1)
    change = np.flatnonzero((exact_stop[1:] != exact_stop[:-1]) | (tolerance_mm[1:] != tolerance_mm[:-1])) + 1
    at = np.r_[0, change].astype(np.int64)
    return at, exact_stop[at].copy(), tolerance_mm[at].copy()


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
    start = np.asarray(tp.xyz[0] if start_xyz is None else start_xyz, np.float64).reshape(1, 3)
    if exact_stop is None:
        exact_stop = np.full(n, machine.blending is Blending.EXACT_STOP)
    if tolerance_mm is None:
        tolerance_mm = np.full(n, float(machine.blend_tolerance_mm))
    exact_stop = np.ascontiguousarray(exact_stop, np.bool_).reshape(-1)
    tolerance_mm = np.ascontiguousarray(tolerance_mm, np.float64).reshape(-1)
    if exact_stop.shape[0] != n or tolerance_mm.shape[0] != n:
        raise InputError(f"exact_stop and tolerance_mm need one entry per move ({n})")
    args = (
        tp.kind,
        tp.xyz,
        tp.center,
        tp.feed,
        np.zeros(1, np.int64),
        start,
        *mode_table(exact_stop, tolerance_mm),
        np.asarray(machine.max_velocity_mm_min, np.float64) / 60.0,
        np.asarray(machine.rapid_mm_min, np.float64) / 60.0,
        np.asarray(machine.max_acceleration_mm_s2, np.float64),
        np.asarray(machine.steps_per_mm, np.float64),
        machine_params(machine),
    )
    total = int(count_segments(*args[:3], *args[4:6], args[-1]))
    cols = np.empty((5, total))
    move = np.empty(total, np.int64)
    k = segments_kernel(*args, np.zeros(S_LEN), 0, total, cols[0], cols[1], cols[2], cols[3], move, cols[4])
    return Segments(cols[0, :k], cols[1, :k], cols[2, :k], cols[3, :k], move[:k], cols[4, :k])


def motion(
    arrays: tuple[NDArray, ...],
    modes: tuple[NDArray, ...],
    tables: tuple[NDArray, ...],
    params: NDArray[np.float64],
    window: int,
    move_t: NDArray[np.float64],
    outs: tuple[NDArray, ...] | None = None,
    *,
    chunk: int = CHUNK,
    threads: bool | None = None,
) -> int:
    """Stream a program through :func:`segments_kernel` and :func:`plan_span_kernel`: every move's time, in place.

    Segments are made ``chunk`` at a time (more when one move needs more) and
    planned as soon as the window ahead of them is known, so the working memory
    does not grow with the program. With ``threads`` (default: programs of
    :data:`THREADED_MIN_MOVES` moves or more) a span is planned on a second thread
    while the next is cut (both kernels release the GIL); the result is the same.

    Parameters
    ----------
    arrays : tuple
        ``(kind, xyz, center, feed, op_first, op_start)`` of the whole program (see
        :mod:`sim.planner_kernels` for the operation tables).
    modes : tuple
        ``(mode_at, mode_exact, mode_tol)`` (:func:`mode_table`).
    tables : tuple
        ``(vmax, vrap, amax, steps)``: per-axis mm/s, mm/s, mm/s², steps/mm.
    params : ndarray, float64
        :func:`machine_params`.
    window : int
        Look-ahead in blocks.
    move_t : ndarray of shape (N,), float64
        Zeros; gets each move's time, s: its segments, ``params[P_STOP_S]`` per
        segment ending at rest, a dwell its time plus ``params[P_DWELL_S]``.
    outs : tuple of 9 ndarray, optional
        Profile columns start_v, cruise_v, end_v, accel_t, cruise_t, decel_t, move
        (int64), length, acceleration, each at least :func:`count_segments` long.
    chunk : int
        Segments cut per call.
    threads : bool, optional
        Plan on a second thread while cutting.

    Returns
    -------
    int
        Number of segments.
    """
    kind, _, _, feed = arrays[:4]
    n = kind.shape[0]
    if outs is None:
        e = np.zeros(0)
        outs = (e, e, e, e, e, e, np.zeros(0, np.int64), e, e)
    cap = max(int(chunk), 2 * window + 8)
    st = np.zeros(S_LEN)
    carry = np.zeros(2)
    timer_hz = params[P_TIMER_HZ]
    inv_timer = 1.0 / timer_hz if timer_hz > 0 else 0.0
    stop_s = params[P_STOP_S]
    if threads is None:
        threads = n >= THREADED_MIN_MOVES
    # two buffers: while one span is planned (another thread, the kernels release the GIL), the next is cut
    bufs = [np.empty((5, cap)), np.empty((5, cap))]  # length, cruise_v2, accel, entry_v2, step density
    mvs = [np.empty(cap, np.int64), np.empty(cap, np.int64)]
    back = np.empty(cap)
    pool = ThreadPoolExecutor(max_workers=1) if threads else None
    pending: Future[int] | None = None
    cur = 0
    cnt = done_total = 0

    def plan_span(buf: NDArray, mv: NDArray, back: NDArray, cnt: int, final: bool, g0: int) -> int:
        return int(plan_span_kernel(buf[0], buf[2], buf[3], buf[1], buf[4], mv, back, cnt, final, window, inv_timer,
                                    stop_s, carry, move_t, *outs, g0))

    try:
        while True:
            buf, mv = bufs[cur], mvs[cur]
            cnt = segments_kernel(*arrays, *modes, *tables, params, st, cnt, buf.shape[1], *buf[:4], mv, buf[4])
            final = st[S_NEXT_MOVE] >= n
            if not final and cnt < 2 * window:  # the next move does not fit, or the window fills the buffer: room
                buf2, mv2 = np.empty((5, 2 * buf.shape[1])), np.empty(2 * buf.shape[1], np.int64)
                buf2[:, :cnt], mv2[:cnt] = buf[:, :cnt], mv[:cnt]
                bufs[cur], mvs[cur] = buf2, mv2
                continue
            # the last `window` segments wait for theirs (and a blend arc may still trim the last one)
            n_fin = cnt if final else cnt - window
            if pending is not None:
                pending.result()  # the other buffer's span is planned: it may take the waiting segments
            if back.shape[0] < buf.shape[1]:
                back = np.empty(buf.shape[1])
            rest = cnt - n_fin
            nxt = 1 - cur
            if rest:
                if bufs[nxt].shape[1] < rest + 1:
                    bufs[nxt], mvs[nxt] = np.empty((5, buf.shape[1])), np.empty(buf.shape[1], np.int64)
                bufs[nxt][:, :rest] = buf[:, n_fin:cnt]
                mvs[nxt][:rest] = mv[n_fin:cnt]
            if pool is not None:
                pending = pool.submit(plan_span, buf, mv, back, cnt, final, done_total)
            else:
                plan_span(buf, mv, back, cnt, final, done_total)
            done_total += n_fin
            cnt = rest
            cur = nxt
            if final:
                break
        if pending is not None:
            pending.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    dwell = kind == 4
    if dwell.any():
        move_t[dwell] = feed[dwell] + params[P_DWELL_S]
    return done_total
