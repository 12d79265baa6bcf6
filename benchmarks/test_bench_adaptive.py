"""pytest-benchmark suite of adaptive clearing: the whole plan on the reference pockets, and its kernels.

Run with ``/work/venv/bin/pytest benchmarks/test_bench_adaptive.py --benchmark-only``. Each benchmark warms
up first (Numba compile or cache load excluded) and asserts a property of what it timed: the plan covers the
reachable area, the pass loop cuts material and agrees with its reference on a small case, the probes count
what the reference counts. The side-by-side comparison with FreeCAD is ``bench_adaptive.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from toolpath import Pocket, Tool
from toolpath.kernels import engagement as K
from toolpath.kernels.adaptive_loop import start_band_kernel, start_band_reference
from toolpath.strategies.adaptive import AdaptiveParams, plan_adaptive_2d


@pytest.mark.parametrize("name", ["A", "B", "C"])
@pytest.mark.parametrize("tool_mm", [6.0, 3.0])
def test_plan_reference_pockets(run_timed, reference_pockets, name, tool_mm):
    pocket = reference_pockets[name]
    tool = Tool(tool_mm)
    params = AdaptiveParams(stepdown_mm=3.0, stepover_mm=0.1 * tool_mm)
    plan = run_timed(plan_adaptive_2d, pocket, tool, params, rounds=3)
    passes = [s for s in plan.segments if s.kind == "pass"]
    assert passes and plan.left_area_mm2 < 0.5 * tool.radius_mm ** 2
    # the passes reach across the pocket: their points span most of its bounding box
    pts = np.concatenate([s.xy for s in passes])
    x0, y0, x1, y1 = pocket.region.bounds
    assert pts[:, 0].max() - pts[:, 0].min() > 0.8 * (x1 - x0 - tool_mm)


def test_front_probe_throughput(run_timed):
    rng = np.random.default_rng(0)
    mat = (rng.random((500, 700)) < 0.5).astype(np.uint8)
    cs, sn = K.circle_samples(126)
    pts = rng.random((2000, 3)) * (60.0, 40.0, 6.28) + (5.0, 5.0, 0.0)

    def probe_all() -> list[int]:
        return [K.engagement_front_kernel(mat, 0.0, 0.0, 0.1, x, y, 3.0, cs, sn, a) for x, y, a in pts]

    got = run_timed(probe_all)
    ref = [K.engagement_front_reference(mat, 0.0, 0.0, 0.1, x, y, 3.0, cs, sn, a) for x, y, a in pts[:50]]
    assert got[:50] == ref


def test_start_band(run_timed):
    mat = np.ones((700, 1000), np.uint8)
    for cx, cy in ((20.0, 20.0), (60.0, 40.0), (80.0, 15.0)):
        K.clear_disc_kernel(mat, 0.0, 0.0, 0.1, cx, cy, 8.0)
    allowed = np.zeros_like(mat)
    allowed[40:-40, 40:-40] = 1
    got = run_timed(start_band_kernel, mat, allowed, 0.1, 3.075, 3.225)
    assert got.any() and np.array_equal(got, start_band_reference(mat, allowed, 0.1, 3.075, 3.225))


def test_small_pocket_plan(run_timed):
    pocket = Pocket(box(0, 0, 30, 20).difference(box(12, 8, 16, 12)), 0.0, -2.0)
    plan = run_timed(plan_adaptive_2d, pocket, Tool(3.0), AdaptiveParams(stepdown_mm=2.0, stepover_mm=0.3))
    assert sum(s.kind == "pass" for s in plan.segments) > 3 and plan.left_area_mm2 < 0.5
