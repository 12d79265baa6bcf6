"""Feed scheduling: a feed per move that holds a target chip thickness, from the measured engagement.

Units: ``_mm`` mm, ``_mm_min`` mm/min, ``_deg`` degrees, ``_s`` seconds, ``rpm`` rev/min.

Radial chip thinning
--------------------
A tooth of a cutter of radius ``R`` fed ``fz`` mm per tooth cuts a chip whose thickness at tool angle
``phi`` (measured from where the tooth enters the material) is ``fz * sin(phi)`` (the circular-path
approximation, exact to first order in ``fz / R``). With a radial engagement angle ``theta`` (the angle
of the tooth's arc spent in material; ``theta = arccos(1 - ae/R)`` for a straight side cut of width
``ae <= R``, 180° in a full slot), the thickest chip of a tooth is

- ``h_max = fz * sin(theta)`` when ``theta < 90°`` (``ae < R``): the chip is thinner than the feed per
  tooth, so the feed can rise by ``1 / sin(theta)`` for the same chip (the usual "radial chip thinning
  factor" ``D / (2 sqrt(ae (D - ae)))`` for a side cut: ``sin(arccos(1 - 2 ae/D)) = 2 sqrt(ae (D - ae)) / D``);
- ``h_max = fz`` when ``theta >= 90°``: the tooth passes through the point where its path is normal to
  the feed.

:func:`schedule_feeds` sets each cutting move's feed to ``fz * flutes * rpm`` with
``fz = chip_mm / sin(min(theta, 90°))``, then clamps it to ``[min_feed_mm_min, max_feed_mm_min]`` and to the
largest feed the machine's axis limits allow along the move. A move with no engagement (an air move)
gets the largest allowed feed. Plunges (straight moves down in Z only), moves whose engagement is
unknown (NaN), rapids and dwells keep their programmed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath
from toolpath.program import Operation, Program

from .cycle_time import cycle_time
from .machine import Machine, load_machine

__all__ = [
    "FeedSchedule",
    "chip_thickness_mm",
    "feed_for_chip_mm_min",
    "engagement_of_width_deg",
    "thinning_factor",
    "schedule_feeds",
]


def engagement_of_width_deg(ae_mm: ArrayLike, radius_mm: float) -> NDArray[np.float64]:
    """Engagement angle of a straight side cut of radial width ``ae_mm`` with a tool of radius ``radius_mm``.

    ``arccos(1 - ae / R)`` in degrees; 180° for ``ae >= 2 R`` (a slot), 0 for ``ae <= 0``.
    """
    if not (radius_mm > 0 and math.isfinite(radius_mm)):
        raise InputError(f"radius_mm must be > 0, got {radius_mm!r}")
    ae = np.asarray(ae_mm, dtype=np.float64)
    return np.degrees(np.arccos(np.clip(1.0 - ae / radius_mm, -1.0, 1.0)))


def thinning_factor(engagement_deg: ArrayLike) -> NDArray[np.float64]:
    """``h_max / fz``: ``sin(theta)`` below 90°, 1 from 90° to 180° (NaN stays NaN)."""
    th = np.asarray(engagement_deg, dtype=np.float64)
    if np.any(th[np.isfinite(th)] < 0) or np.any(th[np.isfinite(th)] > 360):
        raise InputError("engagement angles must be in [0, 360] degrees")
    return np.where(th >= 90.0, 1.0, np.sin(np.radians(np.minimum(th, 90.0))))


def chip_thickness_mm(
    feed_mm_min: ArrayLike, engagement_deg: ArrayLike, *, flutes: int, rpm: float
) -> NDArray[np.float64]:
    """Thickest chip per tooth, mm: ``feed / (flutes * rpm) * thinning_factor(engagement)``."""
    _check_tooth(flutes, rpm)
    fz = np.asarray(feed_mm_min, dtype=np.float64) / (flutes * rpm)
    return fz * thinning_factor(engagement_deg)


def feed_for_chip_mm_min(
    chip_mm: float, engagement_deg: ArrayLike, *, flutes: int, rpm: float
) -> NDArray[np.float64]:
    """Feed that makes the thickest chip ``chip_mm`` at each engagement, mm/min (``inf`` at 0°)."""
    _check_tooth(flutes, rpm)
    if not (chip_mm > 0 and math.isfinite(chip_mm)):
        raise InputError(f"chip_mm must be > 0, got {chip_mm!r}")
    k = thinning_factor(engagement_deg)
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(k > 0, chip_mm * flutes * rpm / np.where(k > 0, k, 1.0), np.inf)


def _check_tooth(flutes: int, rpm: float) -> None:
    if isinstance(flutes, bool) or not isinstance(flutes, (int, np.integer)) or flutes < 1:
        raise InputError(f"flutes must be an integer >= 1, got {flutes!r}")
    if not (rpm > 0 and math.isfinite(rpm)):
        raise InputError(f"rpm must be > 0 to speak of a chip per tooth, got {rpm!r}")


@dataclass(frozen=True, eq=False)
class FeedSchedule:
    """What :func:`schedule_feeds` made.

    Attributes
    ----------
    program : Program
        The program with the scheduled feeds (same moves, same operations).
    feed_mm_min : ndarray of shape (N,), float64
        Scheduled feed of every move of ``program.toolpath`` (NaN on rapids, seconds on dwells).
    programmed_feed_mm_min : ndarray of shape (N,), float64
        The feeds before.
    chip_before_mm, chip_after_mm : ndarray of shape (N,), float64
        Thickest chip per tooth before and after, mm (NaN where not scheduled).
    scheduled : ndarray of shape (N,), bool
        Moves whose feed was set from their engagement.
    limited : ndarray of shape (N,), bool
        Scheduled moves held below the chip-thickness feed by a limit (machine or ``max_feed_mm_min``).
    chip_mm : float
        Target chip thickness, mm.
    cycle_time_before_s, cycle_time_after_s : float
        Planned cycle time of the program before and after, s.
    cycle_after : CycleTime
        The plan of the scheduled program (velocity profile and per-move times).
    """

    program: Program
    feed_mm_min: NDArray[np.float64]
    programmed_feed_mm_min: NDArray[np.float64]
    chip_before_mm: NDArray[np.float64]
    chip_after_mm: NDArray[np.float64]
    scheduled: NDArray[np.bool_]
    limited: NDArray[np.bool_]
    chip_mm: float
    cycle_time_before_s: float
    cycle_time_after_s: float
    cycle_after: Any = field(default=None, repr=False)

    @property
    def saving_pct(self) -> float:
        """Cycle time saved by the schedule, % of the time before."""
        if self.cycle_time_before_s <= 0:
            return 0.0
        return 100.0 * (1.0 - self.cycle_time_after_s / self.cycle_time_before_s)

    def to_json(self) -> dict[str, Any]:
        """Figures with unit-suffixed keys."""
        s = self.scheduled
        return {
            "chip_mm": float(self.chip_mm) if math.isfinite(self.chip_mm) else None,
            "cycle_time_before_s": float(self.cycle_time_before_s),
            "cycle_time_after_s": float(self.cycle_time_after_s),
            "saving_pct": float(self.saving_pct),
            "scheduled_moves": int(s.sum()),
            "limited_moves": int(self.limited.sum()),
            "min_feed_mm_min": float(self.feed_mm_min[s].min()) if s.any() else None,
            "max_feed_mm_min": float(self.feed_mm_min[s].max()) if s.any() else None,
        }


def _axis_limit_mm_min(tp: Toolpath, starts: NDArray[np.float64], machine: Machine) -> NDArray[np.float64]:
    """Largest feed each move can run at without an axis above its maximum velocity, mm/min."""
    vmax = np.asarray(machine.max_velocity_mm_min, dtype=np.float64)
    d = np.abs(tp.xyz - starts)
    is_arc = (tp.kind == MoveKind.ARC_CW) | (tp.kind == MoveKind.ARC_CCW)
    # an arc sweeps through every XY direction locally: both XY axes bound its XY speed
    d[is_arc, 0] = 1.0
    d[is_arc, 1] = 1.0
    length = np.linalg.norm(d, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lim = np.min(np.where(d > 1e-12, vmax[None, :] * length[:, None] / d, np.inf), axis=1)
    if machine.max_linear_velocity_mm_min > 0:
        lim = np.minimum(lim, machine.max_linear_velocity_mm_min)
    return lim


def schedule_feeds(
    program: Program,
    engagement_deg: ArrayLike,
    machine: Machine | str,
    *,
    chip_mm: float | None = None,
    min_feed_mm_min: float = 1.0,
    max_feed_mm_min: float | None = None,
) -> FeedSchedule:
    """Set every cutting move's feed from its engagement to hold a chip thickness, within the machine limits.

    Parameters
    ----------
    program : Program
        The program; each operation's tool (flutes) and spindle speed give the feed per tooth.
    engagement_deg : array_like of shape (N,), float
        Engagement angle of every move of ``program.toolpath``, degrees (the largest along the move);
        NaN where unknown (those moves keep their feed).
    machine : Machine or str
        Profile (or name) whose axis velocity limits cap the feeds, and on which both cycle times are planned.
    chip_mm : float, optional
        Target thickest chip per tooth, mm. Default: the chip of each operation's first programmed cutting
        feed at full engagement (``feed / (flutes * rpm)``), so the programmed feed stays where the cut is
        90° or more and rises where the chip thins.
    min_feed_mm_min : float
        No scheduled feed is below this, mm/min.
    max_feed_mm_min : float, optional
        No scheduled feed is above this, mm/min (the machine's axis limits apply anyway).

    Returns
    -------
    FeedSchedule
    """
    if not isinstance(program, Program):
        raise InputError(f"program must be a toolpath.Program, got {type(program).__name__}")
    m = load_machine(machine)
    tp_all = program.toolpath
    n = len(tp_all)
    eng = np.asarray(engagement_deg, dtype=np.float64).reshape(-1)
    if eng.shape[0] != n:
        raise InputError(f"engagement_deg has {eng.shape[0]} entries for {n} moves")
    if not (min_feed_mm_min > 0 and math.isfinite(min_feed_mm_min)):
        raise InputError(f"min_feed_mm_min must be > 0, got {min_feed_mm_min!r}")
    if max_feed_mm_min is not None and not (max_feed_mm_min >= min_feed_mm_min):
        raise InputError(f"max_feed_mm_min must be >= min_feed_mm_min, got {max_feed_mm_min!r}")
    if chip_mm is not None and not (chip_mm > 0 and math.isfinite(chip_mm)):
        raise InputError(f"chip_mm must be > 0, got {chip_mm!r}")

    ops: list[Operation] = []
    feeds, before, after, sched, lim_all = [], [], [], [], []
    target_used = math.nan
    base = 0
    for op, start in zip(program.operations, program.operation_starts(), strict=True):
        tp = op.toolpath
        k = len(tp)
        e = eng[base : base + k]
        base += k
        feed = tp.feed.copy()
        starts = tp.starts(start)
        cutting = (tp.kind == MoveKind.FEED) | (tp.kind == MoveKind.ARC_CW) | (tp.kind == MoveKind.ARC_CCW)
        dxy = np.hypot(*(tp.xyz[:, :2] - starts[:, :2]).T)
        plunge = (tp.kind == MoveKind.FEED) & (dxy <= 1e-9)
        todo = cutting & ~plunge & np.isfinite(e) & (op.spindle_rpm > 0)
        chip_b = np.full(k, np.nan)
        chip_a = np.full(k, np.nan)
        limited = np.zeros(k, bool)
        if todo.any():
            fl, rpm = op.tool.flutes, op.spindle_rpm
            h = chip_mm if chip_mm is not None else float(tp.feed[np.flatnonzero(todo)[0]]) / (fl * rpm)
            target_used = h if math.isnan(target_used) else target_used
            want = feed_for_chip_mm_min(h, e[todo], flutes=fl, rpm=rpm)
            cap = _axis_limit_mm_min(tp, starts, m)[todo]
            if max_feed_mm_min is not None:
                cap = np.minimum(cap, max_feed_mm_min)
            new = np.clip(want, min_feed_mm_min, np.maximum(cap, min_feed_mm_min))
            limited[todo] = new < want * (1.0 - 1e-12)
            chip_b[todo] = chip_thickness_mm(tp.feed[todo], e[todo], flutes=fl, rpm=rpm)
            chip_a[todo] = chip_thickness_mm(new, e[todo], flutes=fl, rpm=rpm)
            feed[todo] = new
        ops.append(
            Operation(op.tool, Toolpath(tp.kind, tp.xyz, tp.center, feed), spindle_rpm=op.spindle_rpm,
                      coolant=op.coolant, name=op.name, clockwise=op.clockwise)
        )
        feeds.append(feed)
        before.append(chip_b)
        after.append(chip_a)
        sched.append(todo)
        lim_all.append(limited)
    new_prog = Program(tuple(ops), name=program.name, clearance_z_mm=program.clearance_z_mm,
                       start_xyz=program.start_xyz, metadata=dict(program.metadata))
    cat = (lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dt))  # noqa: E731
    after_ct = cycle_time(new_prog, m)
    return FeedSchedule(
        program=new_prog,
        feed_mm_min=cat(feeds, np.float64),
        programmed_feed_mm_min=tp_all.feed.copy(),
        chip_before_mm=cat(before, np.float64),
        chip_after_mm=cat(after, np.float64),
        scheduled=cat(sched, bool),
        limited=cat(lim_all, bool),
        chip_mm=float(chip_mm if chip_mm is not None else target_used),
        cycle_time_before_s=cycle_time(program, m).cycle_time_s,
        cycle_time_after_s=after_ct.cycle_time_s,
        cycle_after=after_ct,
    )
