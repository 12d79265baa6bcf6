"""Benchmark of sim.stock.simulate: material removal on a 0.1 mm grid over a 100 x 100 mm block.

The path is a seeded wandering walk of short feeds (about 0.5 mm) and small arcs over the block, at ten
levels 1 mm apart (each level reached by the move that crosses to it, a ramp), like a clearing path:
most moves are level, and most of them cut material. ``--ramp`` makes every move descend instead (the
slow case: each cell needs its own covered interval).

Run as a script for a table (moves, segments, ms, moves/s, cells visited/s). The pytest-benchmark suite,
with a correctness check of each timed result, is ``benchmarks/test_bench_stock.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sim.stock import HeightField, simulate, toolpath_segments
from toolpath import MoveKind, Stock, Tool, Toolpath

TOOL = Tool.flat(6.0)
STOCK = Stock.box(0.0, 0.0, -20.0, 100.0, 100.0, 0.0)


def make_path(n_moves: int, *, seed: int = 0, arc_share: float = 0.2, ramp: bool = False) -> Toolpath:
    """``n_moves`` moves wandering over the block: feeds of ~0.5 mm and small arcs, stepping down 10 levels."""
    rng = np.random.default_rng(seed)
    heading = np.cumsum(rng.normal(0.0, 0.3, n_moves))
    step = rng.uniform(0.3, 0.7, n_moves)
    x = 50.0 + np.cumsum(step * np.cos(heading))
    y = 50.0 + np.cumsum(step * np.sin(heading))
    # fold the walk back into [5, 95] (a triangle wave keeps it continuous)
    x = 5.0 + np.abs(np.mod(x - 5.0, 180.0) - 90.0)
    y = 5.0 + np.abs(np.mod(y - 5.0, 180.0) - 90.0)
    z = -np.linspace(0.5, 10.0, n_moves) if ramp else -1.0 - np.floor(np.arange(n_moves) * 10 / n_moves)
    kind = np.full(n_moves, int(MoveKind.FEED), np.int8)
    center = np.full((n_moves, 2), np.nan)
    arcs = np.flatnonzero(rng.random(n_moves) < arc_share)
    arcs = arcs[arcs > 0]
    # an arc through the chord from the previous point: centre on the perpendicular bisector
    px, py = x[arcs - 1], y[arcs - 1]
    mx, my = (px + x[arcs]) / 2, (py + y[arcs]) / 2
    nx, ny = -(y[arcs] - py), x[arcs] - px
    center[arcs, 0] = mx + 0.8 * nx
    center[arcs, 1] = my + 0.8 * ny
    kind[arcs] = np.where(rng.random(arcs.size) < 0.5, int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW))
    return Toolpath(kind, np.column_stack([x, y, z]), center, np.full(n_moves, 2000.0))


def run(n_moves: int, cell_mm: float = 0.1, *, tool: Tool = TOOL, ramp: bool = False) -> tuple[float, int, float]:
    """Time one simulation; returns (seconds, segments, removed mm³)."""
    hf = HeightField.from_stock(STOCK, cell_mm)
    tp = make_path(n_moves, ramp=ramp)
    t = time.perf_counter()
    res = simulate(tp, tool, hf, start_xyz=(50.0, 50.0, 5.0))
    dt = time.perf_counter() - t
    segs = toolpath_segments(tp, (50.0, 50.0, 5.0), keep_level_arcs=True, keep_helical_arcs=tool.kind == "flat")
    return dt, segs[0].shape[0], res.removed_volume_mm3


def main(argv: list[str]) -> None:
    """Print a size sweep (flat and ball end mill, level path; flat on a ramping path)."""
    ramp_only = "--ramp" in argv
    sizes = [int(a) for a in argv if not a.startswith("--")] or [1_000, 10_000, 100_000]
    cases = (
        [("flat 6", TOOL, True)]
        if ramp_only
        else [("flat 6", TOOL, False), ("ball 6", Tool.ball(6.0), False), ("flat 6", TOOL, True)]
    )
    for _, tool, ramp in cases:
        run(100, tool=tool, ramp=ramp)  # compile (or load the cache)
    print(f"{'tool':>7} {'path':>6} {'moves':>8} {'segments':>9} {'ms':>9} {'moves/s':>10} {'removed mm3':>12}")
    for label, tool, ramp in cases:
        for n in sizes:
            dt, segs, vol = run(n, tool=tool, ramp=ramp)
            print(
                f"{label:>7} {'ramp' if ramp else 'level':>6} {n:>8} {segs:>9} {dt * 1e3:>9.1f} {n / dt:>10.0f} "
                f"{vol:>12.0f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
