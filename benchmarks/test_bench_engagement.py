"""pytest-benchmark: engagement measurement (``sim.engagement.engagement_along``) and the engagement
counting kernel of the strategies (``toolpath.kernels.engagement.engagement_many_kernel``).

Properties asserted on what was timed: parallel passes of a flat end mill through a rectangle of
material have the analytic engagement (a slot: 180 degrees; each later pass at stepover ``ae``:
``acos(1 - ae / R)``); the kernel equals its plain-NumPy reference, and a circle wholly inside the material
counts every sample.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_engagement.py --benchmark-only``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from sim.engagement import engagement_along
from toolpath import Tool
from toolpath.kernels.engagement import circle_samples, engagement_many_kernel, engagement_many_reference
from toolpath.moves import ToolpathBuilder

Z_MM = -1.0


def parallel_passes(ae_mm: float, r_mm: float, width_mm: float, height_mm: float):  # noqa: ANN201
    """Passes along x at y = r, r + ae, r + 2 ae, ... while the tool stays inside the height, each entered
    from outside the material (x < 0) and left past its end."""
    b = ToolpathBuilder()
    b.rapid(-2 * r_mm, r_mm, 5.0)
    y = r_mm
    while y + r_mm <= height_mm + 1e-9:
        b.rapid(-2 * r_mm, y, 5.0)
        b.feed(-2 * r_mm, y, Z_MM, 300.0)
        b.feed(width_mm + 2 * r_mm, y, Z_MM, 1000.0)
        b.rapid(width_mm + 2 * r_mm, y, 5.0)
        y += ae_mm
    return b.build()


def test_engagement_along_parallel_passes(run_timed) -> None:
    tool = Tool.flat(6.0)
    r, ae = tool.radius_mm, 2.4
    material = box(0.0, -10.0, 100.0, 60.0)  # material below the first pass too: a full slot
    tp = parallel_passes(ae, r, 100.0, 60.0)
    start = tuple(tp.xyz[0])
    res = run_timed(engagement_along, tp, tool, material, z_mm=Z_MM, start=start, rounds=3)
    assert len(res.angle_deg) > 5000
    mid = res.level & (res.xyz[:, 0] > 20.0) & (res.xyz[:, 0] < 80.0)
    passes = np.unique(res.move[mid])
    assert len(passes) == int((60.0 - 2 * r) // ae) + 1
    first = res.angle_deg[mid & (res.move == passes[0])]
    later = res.angle_deg[mid & (res.move > passes[0])]
    expected = math.degrees(math.acos(1.0 - ae / r))
    # sample spacing 0.5 deg, raster cell R/50 moves the boundary by <= 0.03 mm ~ 0.6 deg here
    assert np.median(first) == pytest.approx(180.0, abs=1.0)
    assert np.median(later) == pytest.approx(expected, abs=1.5)
    assert np.abs(later - expected).max() < 3.0


def test_engagement_many_kernel_200k_points(run_timed, reference_pockets) -> None:
    region = reference_pockets["C"].region
    cell = 0.05
    x0, y0, x1, y1 = region.bounds
    nx, ny = int(math.ceil((x1 - x0) / cell)) + 1, int(math.ceil((y1 - y0) / cell)) + 1
    yy, xx = np.mgrid[0:ny, 0:nx]
    mat = shapely.contains_xy(region, x0 + xx * cell, y0 + yy * cell).astype(np.uint8)
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(x0, x1, 200_000), rng.uniform(y0, y1, 200_000)])
    cs, sn = circle_samples(360)
    r = 3.0
    out = run_timed(engagement_many_kernel, mat, x0, y0, cell, pts, r, cs, sn, 1, rounds=5)
    assert out.shape == (200_000,)
    ref = engagement_many_reference(mat, x0, y0, cell, pts[:300], r, cs, sn, 1)
    np.testing.assert_array_equal(out[:300], ref)
    inside = shapely.contains_xy(region.buffer(-(r + 2 * cell)), pts[:, 0], pts[:, 1])
    outside = ~shapely.intersects_xy(region.buffer(r + 2 * cell), pts[:, 0], pts[:, 1])
    assert inside.sum() > 1000 and np.all(out[inside] == 360)
    assert np.all(out[outside] == 0)
