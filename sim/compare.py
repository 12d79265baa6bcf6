"""Compare clearing strategies on one part: the same tool, machine and stock, every figure measured.

For each strategy :func:`compare` generates the program (:func:`toolpath.job.mill`, generation timed),
plans it on the machine (:func:`sim.cycle_time`, planned and length/feed), simulates it against the part
(:func:`sim.check.check`: gouges, reachable material left, removed volume, removed volume of every move)
and, when :mod:`sim.engagement` is available, measures the engagement angle of every move. A strategy that
cannot run (not built yet, or failing on this part) is a row with its error.

Figures of a row (units in the keys, as in DESIGN.md):

- ``cycle_time_s``, ``naive_time_s``: planned and length / feed;
- ``path_length_mm`` (all moves), ``rapid_length_mm``, ``cutting_length_mm`` (every feed move and arc),
  ``link_length_mm`` (the feed moves that remove no material: simulated removal at most
  ``LINK_DEPTH_MM`` times the cell area), ``engaged_length_mm`` (cutting minus link), ``air_cut_share``
  (link / cutting length) and ``air_cut_time_s`` (planned time of those link moves);
- ``removed_volume_mm3``, ``designed_volume_mm3``, ``reachable_volume_mm3`` (of the designed volume, what the
  smallest tool can reach), ``removed_fraction``, ``gouge_count``, ``uncut_area_mm2``, ``rapid_cut_count``;
- ``mean_mrr_mm3_min`` (removed volume / planned time of cutting moves), ``peak_mrr_mm3_min`` (the highest
  of any move: its removed volume / its planned time);
- ``max_engagement_deg``, ``p95_engagement_deg``, ``mean_engagement_deg`` (length-weighted over engaged
  moves), ``scheduled_cycle_time_s`` (after :func:`sim.feeds.schedule_feeds`): null until engagement is
  measured;
- ``generation_time_s`` (path generation alone, from :class:`toolpath.job.MillResult`), ``mill_time_s``
  (the whole :func:`mill` call, slicing included), ``moves``, ``pockets``, ``levels_mm``, ``unreachable``.

Fair mode
---------
Nominal mode runs every strategy with the same stepover and stepdown. ``fair=True`` runs each at the
parameters its own engagement allows, by one rule for all:

1. *Axial depth from a load budget.* A cut of engagement ``theta`` is as wide radially as a straight side
   cut of ``ae = R (1 - cos theta)`` (``D`` for a slot). The tool is allowed the chip cross-section of a
   full slot at half its diameter: ``ap * ae <= FAIR_SLOT_DEPTH * D * D``. Each strategy is first run at the
   full flute length; its largest engagement over the run (corner spikes included) gives
   ``ap = min(flute length, FAIR_SLOT_DEPTH * D^2 / (R (1 - cos theta_max)))``, and it is run again at that
   stepdown when it is shallower. Adaptive clearing, holding a small engagement, keeps the full flute; offset
   clearing, whose inside corners approach a slot, is held near ``D / 2``.
2. *Feed from the chip.* Each run's feeds are then scheduled to hold the chip thickness of the programmed
   feed at full engagement (:func:`sim.feeds.schedule_feeds`), so light cuts go faster; the fair cycle time
   is the scheduled one. The stepover stays what the caller gives per strategy (e.g. ``{"adaptive": "10%"}``).
"""

from __future__ import annotations

import importlib
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import CamError, InputError
from toolpath.program import Program
from toolpath.stock import Stock
from toolpath.tool import Tool

from .check import CheckResult, check
from .cycle_time import CycleTime, cycle_time
from .feeds import FeedSchedule, schedule_feeds
from .machine import Machine, load_machine

__all__ = [
    "Comparison",
    "StrategyRun",
    "EngagementFn",
    "compare",
    "default_engagement",
    "level_engagement",
    "fair_stepdown_mm",
    "path_figures",
    "MOVE_RAPID",
    "MOVE_CUT",
    "MOVE_LINK",
    "MOVE_PLUNGE",
    "MOVE_DWELL",
    "LINK_DEPTH_MM",
    "FAIR_SLOT_DEPTH",
    "ENGAGEMENT_MAX_CELLS",
]

LINK_DEPTH_MM = 1e-3
"""A feed move removing at most this depth over one cell (mm × cell area) removes nothing: a link."""
FAIR_SLOT_DEPTH = 0.5
"""Fair-mode load budget: the chip cross-section of a full slot this many diameters deep."""

MOVE_RAPID, MOVE_CUT, MOVE_LINK, MOVE_PLUNGE, MOVE_DWELL = 0, 1, 2, 3, 4
"""Classes of :attr:`StrategyRun.move_class`: rapid, feed removing material, feed removing nothing,
plunge (straight feed down in Z only, removing material), dwell."""

EngagementFn = Callable[[Program, Tool, Sequence[Any]], NDArray[np.float64]]
"""``f(program, tool, pockets) -> (N,) deg``: the largest engagement angle along every move of
``program.toolpath`` (0 in air, NaN where not measured), given the pockets the program clears."""

ENGAGEMENT_MAX_CELLS = 4_000_000
"""The engagement raster of one level has at most about this many cells (its cell grows for big parts)."""


# --------------------------------------------------------------------------------------------------
# engagement (measured by sim.engagement)
# --------------------------------------------------------------------------------------------------
def default_engagement() -> EngagementFn | None:
    """:func:`level_engagement` when :mod:`sim.engagement` is available, else None."""
    try:
        importlib.import_module("sim.engagement")
    except ModuleNotFoundError as exc:
        if exc.name == "sim.engagement":
            return None
        raise
    return level_engagement


def level_engagement(
    program: Program, tool: Tool, pockets: Sequence[Any], *, cell_mm: float | None = None, step_mm: float | None = None
) -> NDArray[np.float64]:
    """Largest radial engagement of every move, measured level by level with
    :func:`sim.engagement.engagement_along`, deg.

    For every level ``z`` at which some feed move or arc starts and ends, the material is the union of the
    regions of the pockets spanning it (``z_bottom_mm <= z < z_top_mm``), and the path is the runs of those
    level moves in program order. Between two runs the tool leaves the level and comes back down at the
    next run's start (a rapid above the level, then a drop there that clears a disc, as the entry ramp or
    plunge did), so no sweep joins two runs through material. Ramps, plunges, rapids and dwells get NaN.

    Parameters
    ----------
    program : Program
    tool : Tool
        Its radius is the engagement circle.
    pockets : sequence of toolpath.Pocket
        What the program clears (``MillResult.pockets``).
    cell_mm, step_mm : float, optional
        Raster cell and sample spacing of :func:`engagement_along` (defaults: ``R / 50``, grown so a level's
        raster stays near :data:`ENGAGEMENT_MAX_CELLS`; ``R / 10``).
    """
    import shapely

    from toolpath.moves import Toolpath

    from .engagement import engagement_along

    tp = program.toolpath
    n = len(tp)
    out = np.full(n, np.nan)
    if n == 0 or not pockets:
        return out
    starts = _move_starts(program)
    cutting = (tp.kind == MoveKind.FEED) | (tp.kind == MoveKind.ARC_CW) | (tp.kind == MoveKind.ARC_CCW)
    level_move = cutting & (np.abs(starts[:, 2] - tp.xyz[:, 2]) <= 1e-6)
    zs = np.unique(np.round(tp.xyz[level_move, 2], 6))
    r = tool.radius_mm
    for z in zs:
        regions = [p.region for p in pockets if p.z_bottom_mm - 1e-6 <= z < p.z_top_mm - 1e-9]
        idx = np.flatnonzero(level_move & (np.abs(tp.xyz[:, 2] - z) <= 1e-6))
        if not regions or idx.size == 0:
            continue
        z = float(tp.xyz[idx, 2].max())  # engagement_along counts samples at or below its level (+1e-9)
        material = shapely.union_all(regions)
        if material.is_empty:
            continue
        x0, y0, x1, y1 = material.bounds
        cell = r / 50.0 if cell_mm is None else float(cell_mm)
        if cell_mm is None:
            cell = max(cell, math.sqrt((x1 - x0 + 2 * r) * (y1 - y0 + 2 * r) / ENGAGEMENT_MAX_CELLS))
        # runs of consecutive level moves; before each run: up, across above the level, down at its start
        new_run = np.r_[True, idx[1:] != idx[:-1] + 1]
        kinds, xyz, centre, feed, origin = [], [], [], [], []
        above = float(z) + 1.0
        for j, i in enumerate(idx):
            if new_run[j]:
                sx, sy = starts[i, 0], starts[i, 1]
                for pt, k in (((sx, sy, above), MoveKind.RAPID), ((sx, sy, float(z)), MoveKind.FEED)):
                    kinds.append(int(k))
                    xyz.append(pt)
                    centre.append((np.nan, np.nan))
                    feed.append(np.nan if k == MoveKind.RAPID else 1.0)
                    origin.append(-1)
            kinds.append(int(tp.kind[i]))
            xyz.append(tuple(tp.xyz[i]))
            centre.append(tuple(tp.center[i]))
            feed.append(float(tp.feed[i]))
            origin.append(int(i))
        sub = Toolpath(np.array(kinds, np.int8), np.array(xyz), np.array(centre), np.array(feed))
        first = (float(starts[idx[0], 0]), float(starts[idx[0], 1]), above)
        res = engagement_along(sub, tool, material, z_mm=float(z), start=first, cell_mm=cell, step_mm=step_mm)
        orig = np.asarray(origin, np.int64)[res.move]
        keep = (orig >= 0) & (np.abs(res.xyz[:, 2] - z) <= 2e-6)
        if keep.any():
            best = np.full(n, -np.inf)
            np.maximum.at(best, orig[keep], res.angle_deg[keep])
            hit = np.isfinite(best)
            out[hit] = np.where(np.isnan(out[hit]), best[hit], np.maximum(out[hit], best[hit]))
    return out


def fair_stepdown_mm(tool: Tool, max_engagement_deg: float, *, slot_depth: float = FAIR_SLOT_DEPTH) -> float:
    """Axial depth the fair-mode load budget allows at a largest engagement, mm (see the module notes).

    ``min(flute length, slot_depth * D^2 / (R (1 - cos theta)))``; the flute length at 0°.
    """
    if not isinstance(tool, Tool):
        raise InputError(f"tool must be a toolpath.Tool, got {type(tool).__name__}")
    th = float(max_engagement_deg)
    if not (0.0 <= th <= 360.0):
        raise InputError(f"max_engagement_deg must be in [0, 360], got {max_engagement_deg!r}")
    if not (slot_depth > 0):
        raise InputError(f"slot_depth must be > 0, got {slot_depth!r}")
    d = tool.diameter_mm
    ae = tool.radius_mm * (1.0 - math.cos(math.radians(min(th, 180.0))))
    flute = float(tool.flute_length_mm)  # type: ignore[arg-type]
    return flute if ae <= 1e-12 else min(flute, slot_depth * d * d / ae)


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StrategyRun:
    """One strategy's row.

    Attributes
    ----------
    strategy : str
    figures : dict
        JSON-ready figures (see the module notes); with ``error`` set, only the parameters.
    error : str or None
        Why the strategy did not run.
    mill, cycle, check : MillResult, CycleTime, CheckResult or None
        The underlying results.
    move_class : ndarray of shape (N,), int8, or None
        :data:`MOVE_RAPID`, :data:`MOVE_CUT`, :data:`MOVE_LINK`, :data:`MOVE_PLUNGE` or :data:`MOVE_DWELL`.
    engagement_deg : ndarray of shape (N,), float64, or None
        Largest engagement of every move, when measured.
    feeds : FeedSchedule or None
        The feed schedule, when engagement was measured.
    """

    strategy: str
    figures: dict[str, Any]
    error: str | None = None
    mill: Any = field(default=None, repr=False)
    cycle: CycleTime | None = field(default=None, repr=False)
    check: CheckResult | None = field(default=None, repr=False)
    move_class: NDArray[np.int8] | None = field(default=None, repr=False)
    engagement_deg: NDArray[np.float64] | None = field(default=None, repr=False)
    feeds: FeedSchedule | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """The strategy ran."""
        return self.error is None

    @property
    def program(self) -> Program | None:
        """The generated program."""
        return None if self.mill is None else self.mill.program


@dataclass(frozen=True, eq=False)
class Comparison:
    """Rows of :func:`compare`, in the order asked, and the common settings."""

    part: str
    tool: Tool
    machine: str
    fair: bool
    settings: dict[str, Any]
    runs: list[StrategyRun]

    def __getitem__(self, strategy: str) -> StrategyRun:
        for r in self.runs:
            if r.strategy == strategy:
                return r
        raise KeyError(strategy)

    @property
    def baseline(self) -> StrategyRun | None:
        """The first strategy that ran (percentages are relative to it)."""
        return next((r for r in self.runs if r.ok), None)

    def to_json(self) -> dict[str, Any]:
        """``{part, tool_mm, machine, fair, settings, baseline, strategies: {name: figures}}``.

        Each strategy object also has ``cycle_time_vs_baseline_pct`` (negative: faster than the baseline).
        """
        base = self.baseline
        strategies: dict[str, Any] = {}
        for r in self.runs:
            d = dict(r.figures)
            d["strategy"] = r.strategy
            d["error"] = r.error
            if r.ok and base is not None and base.figures["cycle_time_s"] > 0:
                key = "fair_cycle_time_s" if self.fair and d.get("fair_cycle_time_s") is not None else "cycle_time_s"
                ref = base.figures.get(key) or base.figures["cycle_time_s"]
                d["cycle_time_vs_baseline_pct"] = 100.0 * (d[key] / ref - 1.0)
            strategies[r.strategy] = _jsonable(d)
        return {
            "part": self.part,
            "tool_mm": self.tool.diameter_mm,
            "machine": self.machine,
            "fair": self.fair,
            "fair_rule": _FAIR_RULE if self.fair else None,
            "settings": _jsonable(self.settings),
            "baseline": None if base is None else base.strategy,
            "strategies": strategies,
        }


_FAIR_RULE = (
    f"stepdown = min(flute length, {FAIR_SLOT_DEPTH} * D^2 / (R (1 - cos theta_max))) with theta_max the "
    "strategy's own largest engagement at full flute depth; then feeds scheduled to hold the programmed "
    "chip thickness (radial chip thinning); fair_cycle_time_s is the scheduled planned time"
)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.bool_):
        return bool(v)
    return v


# --------------------------------------------------------------------------------------------------
# path figures
# --------------------------------------------------------------------------------------------------
def _move_starts(program: Program) -> NDArray[np.float64]:
    pairs = zip(program.operations, program.operation_starts(), strict=True)
    parts = [op.toolpath.starts(s) for op, s in pairs if len(op.toolpath)]
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def _move_lengths(program: Program) -> NDArray[np.float64]:
    pairs = zip(program.operations, program.operation_starts(), strict=True)
    parts = [op.toolpath.lengths(s) for op, s in pairs if len(op.toolpath)]
    return np.concatenate(parts) if parts else np.zeros(0)


def path_figures(
    program: Program, removed_per_move_mm3: NDArray[np.float64], cell_mm: float, move_time_s: NDArray[np.float64]
) -> tuple[dict[str, float], NDArray[np.int8]]:
    """Lengths, air-cut share and MRR of a simulated, planned program; and every move's class.

    Parameters
    ----------
    program : Program
    removed_per_move_mm3 : ndarray of shape (N,), float64
        Volume each move removed (:attr:`sim.stock.StockResult.removed_per_move_mm3`), mm³.
    cell_mm : float
        Simulation cell, mm (a feed move removing at most ``LINK_DEPTH_MM * cell_mm**2`` is a link).
    move_time_s : ndarray of shape (N,), float64
        Planned time of every move (:attr:`sim.CycleTime.move_time_s`), s.
    """
    tp = program.toolpath
    n = len(tp)
    removed = np.asarray(removed_per_move_mm3, dtype=np.float64)
    mt = np.asarray(move_time_s, dtype=np.float64)
    if removed.shape != (n,) or mt.shape != (n,):
        raise InputError(f"per-move arrays must have {n} entries, got {removed.shape} and {mt.shape}")
    starts = _move_starts(program)
    lengths = _move_lengths(program)
    kind = tp.kind
    feedlike = (kind == MoveKind.FEED) | (kind == MoveKind.ARC_CW) | (kind == MoveKind.ARC_CCW)
    eps = LINK_DEPTH_MM * cell_mm * cell_mm
    link = feedlike & (removed <= eps)
    plunge = (kind == MoveKind.FEED) & (np.hypot(*(tp.xyz[:, :2] - starts[:, :2]).T) <= 1e-9) & ~link
    cls = np.full(n, MOVE_CUT, np.int8)
    cls[kind == MoveKind.RAPID] = MOVE_RAPID
    cls[kind == MoveKind.DWELL] = MOVE_DWELL
    cls[link] = MOVE_LINK
    cls[plunge] = MOVE_PLUNGE
    cutting = float(lengths[feedlike].sum())
    link_len = float(lengths[link].sum())
    engaged = (cls == MOVE_CUT) | (cls == MOVE_PLUNGE)
    cut_t = float(mt[engaged].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(mt > 1e-9, removed / mt * 60.0, 0.0)
    figs = {
        "path_length_mm": float(lengths.sum()),
        "cutting_length_mm": cutting,
        "link_length_mm": link_len,
        "engaged_length_mm": cutting - link_len,
        "rapid_length_mm": float(lengths[kind == MoveKind.RAPID].sum()),
        "air_cut_share": link_len / cutting if cutting > 0 else 0.0,
        "air_cut_time_s": float(mt[link].sum()),
        "cutting_time_s": cut_t,
        "mean_mrr_mm3_min": float(removed.sum() / cut_t * 60.0) if cut_t > 0 else 0.0,
        "peak_mrr_mm3_min": float(rate[engaged].max()) if engaged.any() else 0.0,
    }
    return figs, cls


def _engagement_figures(eng: NDArray[np.float64], cls: NDArray[np.int8], lengths: NDArray[np.float64]) -> dict:
    sel = ((cls == MOVE_CUT) | (cls == MOVE_PLUNGE)) & np.isfinite(eng)
    if not sel.any():
        return {"max_engagement_deg": None, "p95_engagement_deg": None, "mean_engagement_deg": None}
    e, w = eng[sel], lengths[sel]
    order = np.argsort(e)
    cw = np.cumsum(w[order])
    p95 = float(e[order][min(np.searchsorted(cw, 0.95 * cw[-1]), e.size - 1)]) if cw[-1] > 0 else float(e.max())
    mean = float(np.average(e, weights=w)) if w.sum() > 0 else float(e.mean())
    return {"max_engagement_deg": float(e.max()), "p95_engagement_deg": p95, "mean_engagement_deg": mean}


# --------------------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------------------
def _per_strategy(value: Any, name: str) -> Any:
    return value.get(name, value.get("*")) if isinstance(value, Mapping) else value


def compare(
    part: str | os.PathLike[str] | Any,
    strategies: Sequence[str],
    tool: Tool,
    machine: Machine | str,
    *,
    stepover: str | float | Mapping[str, str | float] = "40%",
    stepdown_mm: float | Mapping[str, float] | None = None,
    fair: bool = False,
    feed_mm_min: float = 1000.0,
    plunge_feed_mm_min: float = 300.0,
    spindle_rpm: float = 10000.0,
    setup: str = "+Z",
    stock: Stock | None = None,
    cell_mm: float | None = None,
    engagement: EngagementFn | None | bool = True,
    mill_options: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Generate, plan and simulate ``part`` with each strategy; one :class:`StrategyRun` per strategy.

    Parameters
    ----------
    part : path or cadquery shape
        The finished part (STEP file or solid), as for :func:`toolpath.job.mill`.
    strategies : sequence of str
        Names in :data:`toolpath.job.STRATEGIES`; one that is unknown or not built is a row with its error.
    tool : Tool
        The cutter, the same for all.
    machine : Machine or str
        Profile (or name) every program is planned on.
    stepover : str, float or mapping
        Radial step (mm or "40%"), or per strategy ``{"adaptive": "10%", "*": "40%"}``.
    stepdown_mm : float or mapping, optional
        Axial step, mm (default :func:`mill`'s, half the diameter); per strategy as for ``stepover``.
        Ignored in fair mode.
    fair : bool
        Run each strategy at the parameters its own engagement allows (see the module notes); needs
        engagement.
    feed_mm_min, plunge_feed_mm_min, spindle_rpm, setup, stock
        As for :func:`toolpath.job.mill`.
    cell_mm : float, optional
        Simulation cell, mm (default :func:`sim.check.default_cell_mm`).
    engagement : EngagementFn, True, False or None
        How to measure engagement: a function, True for :func:`default_engagement` (:mod:`sim.engagement`
        when present), False/None not to.
    mill_options : mapping, optional
        Extra keyword arguments of :func:`mill` per strategy, e.g. ``{"adaptive": {...}}``.
    progress : callable, optional
        ``progress(done, total)``, starting with ``(0, total)``, after each step of each strategy: milling,
        planning, simulating, measuring engagement (twice as many steps per strategy in fair mode).

    Returns
    -------
    Comparison
    """
    if not isinstance(tool, Tool):
        raise InputError(f"tool must be a toolpath.Tool, got {type(tool).__name__}")
    if isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s.strip()]
    names = [str(s).strip().lower() for s in strategies]
    if not names:
        raise InputError("give at least one strategy")
    if len(set(names)) != len(names):
        raise InputError(f"strategies are repeated: {names}")
    m = load_machine(machine)
    eng_fn: EngagementFn | None
    eng_fn = default_engagement() if engagement is True else (engagement or None)  # type: ignore[assignment]
    if fair and eng_fn is None:
        raise InputError("fair mode needs engagement figures, and sim.engagement is not available")
    part_name = str(part) if isinstance(part, (str, os.PathLike)) else type(part).__name__
    if isinstance(part, (str, os.PathLike)) and not Path(part).is_file():
        raise InputError(f"part file {str(part)!r} does not exist")
    settings = {
        "stepover": stepover if not isinstance(stepover, Mapping) else dict(stepover),
        "stepdown_mm": stepdown_mm if not isinstance(stepdown_mm, Mapping) else dict(stepdown_mm),
        "feed_mm_min": feed_mm_min,
        "plunge_feed_mm_min": plunge_feed_mm_min,
        "spindle_rpm": spindle_rpm,
        "flutes": tool.flutes,
        "flute_length_mm": tool.flute_length_mm,
        "setup": setup,
        "cell_mm": cell_mm,
        "engagement": None if eng_fn is None else "sim.engagement",
    }
    per = _STEPS * (2 if fair else 1)
    tick = _Ticker(progress, per * len(names))
    runs = []
    for k, name in enumerate(names):
        kw = dict(
            stepover=_per_strategy(stepover, name),
            feed_mm_min=feed_mm_min,
            plunge_feed_mm_min=plunge_feed_mm_min,
            spindle_rpm=spindle_rpm,
            setup=setup,
            stock=stock,
            **dict((mill_options or {}).get(name, {})),
        )
        sd = _per_strategy(stepdown_mm, name)
        try:
            if fair:
                run = _fair_run(part, name, tool, m, kw, cell_mm, eng_fn, tick)  # type: ignore[arg-type]
            else:
                run = _run(part, name, tool, m, dict(kw, stepdown_mm=sd), cell_mm, eng_fn, tick)
        except Exception as exc:  # noqa: BLE001 - one strategy failing is its row's error, not the comparison's
            msg = str(exc).splitlines()[0] if str(exc) else ""
            if not isinstance(exc, CamError):
                msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
            run = StrategyRun(name, {"stepover": kw["stepover"], "stepdown_mm": sd}, error=msg)
        runs.append(run)
        tick.to((k + 1) * per)  # steps a failed or short run did not take
    return Comparison(part_name, tool, m.name, bool(fair), settings, runs)


#: Progress steps of one strategy run: mill, plan, simulate, engagement.
_STEPS = 4


class _Ticker:
    """Counts steps and passes ``(done, total)`` to a progress callback (or to nobody)."""

    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0
        if callback is not None:
            callback(0, total)

    def step(self) -> None:
        self.to(self.done + 1)

    def to(self, done: int) -> None:
        done = min(done, self.total)
        if done > self.done:
            self.done = done
            if self.callback is not None:
                self.callback(done, self.total)


def _run(
    part: Any, name: str, tool: Tool, m: Machine, kw: dict[str, Any], cell_mm: float | None,
    eng_fn: EngagementFn | None, tick: _Ticker | None = None,
) -> StrategyRun:
    from toolpath.job import mill, parse_stepover

    tick = tick or _Ticker(None, 0)
    t0 = time.perf_counter()
    res = mill(part, tool, strategy=name, **kw)
    mill_s = time.perf_counter() - t0
    tick.step()
    prog = res.program
    ct = cycle_time(prog, m)
    tick.step()
    chk = check(prog, part, tool, stock=res.stock, cell_mm=cell_mm)
    tick.step()
    figs, cls = path_figures(prog, chk.stock_result.removed_per_move_mm3, chk.cell_mm, ct.move_time_s)
    sd = kw.get("stepdown_mm")
    sd_used = min(tool.diameter_mm / 2.0 if sd is None else float(sd), float(tool.flute_length_mm))  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "stepover_mm": parse_stepover(kw["stepover"], tool),
        "stepdown_mm": sd_used,
        "feed_mm_min": kw["feed_mm_min"],
        "cycle_time_s": ct.cycle_time_s,
        "naive_time_s": ct.naive_time_s,
        "cycle_time_by_kind_s": dict(ct.by_kind_s),
        "moves": prog.moves(),
        **figs,
        "generation_time_s": res.generation_time_s,
        "mill_time_s": mill_s,
        "pockets": len(res.pockets),
        "levels_mm": list(res.levels_mm),
        "unreachable": len(res.unreachable),
        "gouge_count": chk.gouge_count,
        "uncut_area_mm2": chk.uncut_area_mm2,
        "removed_volume_mm3": chk.removed_volume_mm3,
        "designed_volume_mm3": chk.designed_volume_mm3,
        "reachable_volume_mm3": chk.reachable_volume_mm3,
        "removed_fraction": chk.removed_volume_mm3 / chk.designed_volume_mm3 if chk.designed_volume_mm3 > 0 else None,
        "rapid_cut_count": len(chk.rapid_cuts),
        "cell_mm": chk.cell_mm,
        "max_engagement_deg": None,
        "p95_engagement_deg": None,
        "mean_engagement_deg": None,
        "scheduled_cycle_time_s": None,
    }
    eng = None
    sched = None
    if eng_fn is not None:
        eng = np.asarray(eng_fn(prog, tool, res.pockets), dtype=np.float64).reshape(-1)
        if eng.shape[0] != prog.moves():
            raise InputError(f"the engagement measurement gave {eng.shape[0]} angles for {prog.moves()} moves")
        out.update(_engagement_figures(eng, cls, _move_lengths(prog)))
        sched = schedule_feeds(prog, eng, m)
        out["scheduled_cycle_time_s"] = sched.cycle_time_after_s
        out["feed_schedule"] = sched.to_json()
    tick.step()
    return StrategyRun(name, out, None, res, ct, chk, cls, eng, sched)


def _fair_run(
    part: Any, name: str, tool: Tool, m: Machine, kw: dict[str, Any], cell_mm: float | None, eng_fn: EngagementFn,
    tick: _Ticker | None = None,
) -> StrategyRun:
    flute = float(tool.flute_length_mm)  # type: ignore[arg-type]
    first = _run(part, name, tool, m, dict(kw, stepdown_mm=flute), cell_mm, eng_fn, tick)
    th = first.figures["max_engagement_deg"]
    ap = fair_stepdown_mm(tool, 0.0 if th is None else th)
    run = first
    if ap < flute * 0.98:
        run = _run(part, name, tool, m, dict(kw, stepdown_mm=ap), cell_mm, eng_fn, tick)
    figs = dict(run.figures)
    figs["fair_trial_max_engagement_deg"] = th
    figs["fair_stepdown_mm"] = ap
    figs["fair_cycle_time_s"] = figs["scheduled_cycle_time_s"]
    return StrategyRun(name, figs, None, run.mill, run.cycle, run.check, run.move_class, run.engagement_deg, run.feeds)
