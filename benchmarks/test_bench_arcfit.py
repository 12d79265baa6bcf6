"""pytest-benchmark: arc fitting (``toolpath.arcfit.fit_arcs``) of an adaptive-like path of ~1e5 moves.

The path is made like an adaptive clearing program: tangent-continuous passes of circular arcs (radius
1 to 15 mm, 30 to 250 degrees, turning either way) and straight stretches, all sampled as G1 lines every
0.2 mm with noise of up to 0.3 x the tolerance across the path, a retract (rapids and a plunge) every 40
passes, and one pass in ten at per-move feeds (chip thinning), which must stay lines. What the timed call
returned is checked: every arc ends on an original vertex with equal start and end radii, every original
vertex an arc replaces is within the tolerance of it, most sampled arcs became arcs, the chip-thinning
moves are untouched, and the move count falls.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_arcfit.py --benchmark-only``; as a script, it prints
a table (moves, ms, moves/s) over a size sweep.
"""

from __future__ import annotations

import math
import time

import numpy as np

from toolpath import MoveKind
from toolpath.arcfit import fit_arcs
from toolpath.moves import Toolpath

TOL_MM = 0.005
STEP_MM = 0.2
FEED_MM_MIN = 1000.0
ARCS = (MoveKind.ARC_CW, MoveKind.ARC_CCW)


def adaptive_like_path(n_moves: int, seed: int = 0) -> tuple[Toolpath, int]:
    """A path of about ``n_moves`` moves (see the module docstring) and the number of arcs sampled at one feed."""
    rng = np.random.default_rng(seed)
    kinds: list[np.ndarray] = []
    pts: list[np.ndarray] = []
    feeds: list[np.ndarray] = []
    pos = np.zeros(2)
    heading = 0.0
    z = -3.0
    total = 0
    arcs = 0
    passes = 0

    def add(kind: int, xyz: np.ndarray, feed: np.ndarray | float) -> None:
        nonlocal total
        kinds.append(np.full(len(xyz), kind, np.int8))
        pts.append(xyz)
        feeds.append(np.broadcast_to(np.asarray(feed, float), (len(xyz),)).copy())
        total += len(xyz)

    add(MoveKind.RAPID, np.array([[0.0, 0.0, 5.0]]), math.nan)
    add(MoveKind.FEED, np.array([[0.0, 0.0, z]]), 300.0)
    while total < n_moves:
        passes += 1
        thinning = passes % 10 == 0
        xy: list[np.ndarray] = []
        for _ in range(int(rng.integers(2, 6))):
            if rng.random() < 0.7:  # an arc, tangent to the heading
                r = rng.uniform(1.0, 15.0)
                sweep = math.radians(rng.uniform(30.0, 250.0)) * rng.choice([-1.0, 1.0])
                normal = heading + math.copysign(math.pi / 2, sweep)
                c = pos + r * np.array([math.cos(normal), math.sin(normal)])
                a0 = math.atan2(pos[1] - c[1], pos[0] - c[0])
                n = max(4, int(abs(sweep) * r / STEP_MM))
                t = a0 + sweep * np.arange(1, n + 1) / n
                seg = c + r * np.c_[np.cos(t), np.sin(t)]
                heading += sweep
                arcs += not thinning
            else:  # a straight stretch
                length = rng.uniform(1.0, 5.0)
                n = max(2, int(length / STEP_MM))
                d = np.array([math.cos(heading), math.sin(heading)])
                seg = pos + np.outer(np.arange(1, n + 1) / n * length, d)
            noise = rng.uniform(-0.3, 0.3, len(seg) - 1) * TOL_MM  # not on the segment's last point
            dirs = np.diff(np.vstack([pos, seg]), axis=0)[:-1]
            perp = np.c_[-dirs[:, 1], dirs[:, 0]] / np.linalg.norm(dirs, axis=1)[:, None]
            seg[:-1] += perp * noise[:, None]
            xy.append(seg)
            pos = seg[-1].copy()
        pass_xy = np.vstack(xy)
        feed = FEED_MM_MIN * (1.0 + 0.5 * rng.random(len(pass_xy))) if thinning else FEED_MM_MIN
        add(MoveKind.FEED, np.c_[pass_xy, np.full(len(pass_xy), z)], feed)
        if passes % 40 == 0:  # retract, move over, plunge
            add(MoveKind.RAPID, np.array([[pos[0], pos[1], 5.0]]), math.nan)
            pos = pos + rng.uniform(-5, 5, 2)
            add(MoveKind.RAPID, np.array([[pos[0], pos[1], 5.0]]), math.nan)
            add(MoveKind.FEED, np.array([[pos[0], pos[1], z]]), 300.0)
    tp = Toolpath(np.concatenate(kinds), np.vstack(pts), np.full((total, 2), np.nan), np.concatenate(feeds))
    return tp, arcs


def _source_index(tp: Toolpath, fit: Toolpath) -> np.ndarray:
    """Index in ``tp`` of each move's end in ``fit`` (they are copies of original vertices, in order)."""
    out = np.empty(len(fit), np.int64)
    j = 0
    for i, p in enumerate(fit.xyz):
        while not np.array_equal(tp.xyz[j], p):
            j += 1
        out[i] = j
    return out


def check_fit(tp: Toolpath, fit: Toolpath, sampled_arcs: int) -> None:
    """Assertions on what the benchmark timed (see the module docstring)."""
    src = _source_index(tp, fit)
    assert np.array_equal(np.diff(src) > 0, np.ones(len(src) - 1, bool))
    is_arc = np.isin(fit.kind, ARCS)
    starts = fit.starts(tp.xyz[0])
    r0 = np.hypot(*(starts[is_arc, :2] - fit.center[is_arc]).T)
    r1 = np.hypot(*(fit.xyz[is_arc, :2] - fit.center[is_arc]).T)
    assert np.all(np.abs(r0 - r1) <= 1e-9 * np.maximum(1.0, r0))
    # every original vertex an arc replaced lies within the tolerance of the arc's circle
    j = np.flatnonzero(is_arc)
    first = np.where(j > 0, src[np.maximum(j - 1, 0)] + 1, 0)
    count = src[j] - first + 1
    covered = np.repeat(first, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    owner = np.repeat(np.arange(len(j)), count)
    dev = np.abs(np.hypot(*(tp.xyz[covered, :2] - fit.center[j][owner]).T) - r0[owner])
    assert dev.max() <= TOL_MM
    # chip-thinning moves (feeds other than the pass feed and the plunge feed) are all kept as lines
    thinning = (tp.kind == MoveKind.FEED) & (tp.feed != FEED_MM_MIN) & (tp.feed != 300.0)
    assert np.isin(np.flatnonzero(thinning), src[fit.kind == MoveKind.FEED]).all()
    assert not np.isin(fit.feed[is_arc], tp.feed[thinning]).any()
    # nearly all the pass moves at one feed went into arcs, the program is much shorter, and there are
    # about as many arcs as sampled (a sampled arc may be split where the noise and the chords' sagitta
    # at 1 mm radius reach the tolerance; straight stretches may become flat arcs within the tolerance)
    at_feed = (tp.kind == MoveKind.FEED) & (tp.feed == FEED_MM_MIN)
    assert np.isin(np.flatnonzero(at_feed), covered).mean() >= 0.95
    assert sampled_arcs <= is_arc.sum() <= 2.5 * sampled_arcs
    assert len(fit) < 0.25 * len(tp)


def test_fit_arcs_1e5_moves(run_timed) -> None:
    tp, sampled = adaptive_like_path(100_000)
    fit = run_timed(fit_arcs, tp, TOL_MM, rounds=5)
    check_fit(tp, fit, sampled)


def main() -> None:
    """A table over a size sweep (warm: the kernel is compiled or loaded from the cache first)."""
    tp, _ = adaptive_like_path(1000)
    fit_arcs(tp, TOL_MM)
    print(f"{'moves':>9} {'out':>8} {'arcs':>7} {'sampled':>8} {'ms':>9} {'moves/s':>12}")
    for n in (10_000, 100_000, 1_000_000):
        tp, sampled = adaptive_like_path(n)
        best = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            fit = fit_arcs(tp, TOL_MM)
            best = min(best, time.perf_counter() - t0)
        check_fit(tp, fit, sampled)
        arcs = int(np.isin(fit.kind, ARCS).sum())
        print(f"{len(tp):>9} {len(fit):>8} {arcs:>7} {sampled:>8} {best * 1e3:>9.1f} {len(tp) / best:>12.3g}")


if __name__ == "__main__":
    main()
