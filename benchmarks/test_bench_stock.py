"""pytest-benchmark: material-removal simulation (``sim.stock.simulate`` and ``sim.sweep.sweep_kernel``).

Each benchmark warms up once (Numba compile or cache load excluded) and asserts a property of what it
timed: an analytic removed volume (separate straight slots of a flat end mill: capsules), conservation
(removed volume = stock volume before - after, and = the sum per move), heights never above the stock
or below the path, and the kernel equal to its plain-NumPy reference on a small case.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_stock.py --benchmark-only``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.bench_stock import STOCK, make_path
from sim.stock import HeightField, simulate
from sim.sweep import sweep_kernel, sweep_reference, tool_profile_code, toolpath_segments
from toolpath import MoveKind, Stock, Tool, Toolpath

CELL_MM = 0.1
START = (50.0, 50.0, 5.0)


def slots_path(n_slots: int, *, length_mm: float = 8.0, depth_mm: float = 1.0, pitch_mm: float = 16.0) -> Toolpath:
    """``n_slots`` separate level slots (rapid over, plunge, one straight feed, rapid up) on a grid of pitch
    ``pitch_mm`` (wider than a slot, so none overlaps another), each ``length_mm`` long along x and
    ``depth_mm`` deep from z = 0."""
    per_row = int(math.sqrt(n_slots)) + 1
    kind, xyz = [], []
    for i in range(n_slots):
        x, y = 5.0 + (i % per_row) * pitch_mm, 5.0 + (i // per_row) * pitch_mm
        kind += [MoveKind.RAPID, MoveKind.FEED, MoveKind.FEED, MoveKind.RAPID]
        xyz += [(x, y, 2.0), (x, y, -depth_mm), (x + length_mm, y, -depth_mm), (x + length_mm, y, 2.0)]
    n = len(kind)
    feed = np.where(np.array(kind) == MoveKind.RAPID, np.nan, 1000.0)
    return Toolpath(np.array(kind, np.int8), np.array(xyz), np.full((n, 2), np.nan), feed)


@pytest.mark.parametrize("n_slots", [400])
def test_simulate_slots_removed_volume_is_analytic(run_timed, n_slots: int) -> None:
    tool = Tool.flat(6.0)
    per_row = int(math.sqrt(n_slots)) + 1
    size = 10.0 + per_row * 16.0
    hf = HeightField.from_stock(Stock.box(0.0, 0.0, -10.0, size, size, 0.0), CELL_MM)
    tp = slots_path(n_slots)
    res = run_timed(simulate, tp, tool, hf, start_xyz=(0.0, 0.0, 5.0), rounds=3)
    r, length, depth = tool.radius_mm, 8.0, 1.0
    capsule_mm3 = (2 * r * length + math.pi * r * r) * depth
    # a 0.1 mm grid resolves each capsule's boundary to within about half a cell: 1 % is ample
    assert res.removed_volume_mm3 == pytest.approx(n_slots * capsule_mm3, rel=0.01)
    assert res.heightfield.z.min() == pytest.approx(-depth)
    assert not res.rapid_cuts


@pytest.mark.parametrize(("tool", "ramp"), [(Tool.flat(6.0), False), (Tool.ball(6.0), False), (Tool.flat(6.0), True)],
                         ids=["flat-level", "ball-level", "flat-ramp"])
def test_simulate_wandering_path_20k_moves(run_timed, tool: Tool, ramp: bool) -> None:
    hf = HeightField.from_stock(STOCK, CELL_MM)
    tp = make_path(20_000, ramp=ramp)
    res = run_timed(simulate, tp, tool, hf, start_xyz=START, rounds=3)
    area = hf.cell_area_mm2
    before = float((hf.z - hf.floor_mm).sum() * area)
    after = float((res.heightfield.z - hf.floor_mm).sum() * area)
    assert res.removed_volume_mm3 == pytest.approx(before - after, rel=1e-9)
    assert res.removed_per_move_mm3.sum() == pytest.approx(res.removed_volume_mm3, rel=1e-9)
    assert res.removed_volume_mm3 > 1000.0  # the path does cut
    assert res.heightfield.z.max() <= STOCK.z_top_mm
    assert res.heightfield.z.min() >= tp.xyz[:, 2].min() - 1e-9  # never below the tool's lowest point


def test_sweep_kernel_segments_20k(run_timed) -> None:
    tool = Tool.flat(6.0)
    code, radius, param = tool_profile_code(tool)
    tp = make_path(20_000)
    seg, _ = toolpath_segments(tp, START, keep_level_arcs=True, keep_helical_arcs=True)
    seg = np.ascontiguousarray(seg)
    hf = HeightField.from_stock(STOCK, CELL_MM)
    m = seg.shape[0]

    def run() -> tuple[np.ndarray, np.ndarray]:
        z = np.array(hf.z)
        removed = np.zeros(m)
        sweep_kernel(z, hf.x0_mm, hf.y0_mm, hf.cell_mm, hf.floor_mm, seg, code, radius, param, np.zeros(m), removed,
                     np.full(m, -1, np.int64), np.full(m, np.nan))
        return z, removed

    z, removed = run_timed(run, rounds=3)
    assert removed.sum() * hf.cell_area_mm2 == pytest.approx(float((hf.z - z).sum()) * hf.cell_area_mm2, rel=1e-9)
    assert np.all(z <= hf.z)
    # the same kernel on the first 40 segments over a coarse grid equals the plain reference
    small = HeightField.from_stock(STOCK, 1.0)
    k = 40
    zk = np.array(small.z)
    args = (small.x0_mm, small.y0_mm, small.cell_mm, small.floor_mm, np.ascontiguousarray(seg[:k]), code, radius,
            param)
    sweep_kernel(zk, *args, np.zeros(k), np.zeros(k), np.full(k, -1, np.int64), np.full(k, np.nan))
    zr = sweep_reference(small.z, *args)[0]
    np.testing.assert_allclose(zk, zr, atol=1e-9)
