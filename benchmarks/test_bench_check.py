"""pytest-benchmark: checking a program against its part (``sim.partfield``, ``sim.check``) and the feed
schedule (``sim.feeds.schedule_feeds``).

The part is built with cadquery (a block with a rectangular pocket, a round pocket deeper than a 12 mm
tool can enter, and a round through hole), so the properties are analytic:

- part rasterisation: the top at the part's heights, the triangles' footprint is the block's, and the kernel
  equals its plain-NumPy reference on a coarse grid;
- reachable depth: a 6 mm tool reaches the pocket floor and the through hole, a 12 mm tool does not enter
  the 10 mm hole;
- check: the offset program of the part gouges nothing and removes the designed volume;
- feed schedule: at full engagement every feed is the programmed one, and at low engagement the feed rises
  by the chip-thinning factor (capped by the machine).

Run: ``/work/venv/bin/pytest benchmarks/test_bench_check.py --benchmark-only``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.stock import HeightField
from toolpath import MoveKind, Tool

BLOCK = (80.0, 60.0, 20.0)
POCKET = (30.0, 24.0, 6.0, -15.0)  # x, y size, depth, centre x; mm
HOLE_D_MM, HOLE_X_MM = 10.0, 22.0  # a through hole


@pytest.fixture(scope="module")
def part():  # noqa: ANN201 - cadquery Workplane
    import cadquery as cq

    bx, by, bz = BLOCK
    px, py, pd, pcx = POCKET
    wp = cq.Workplane("XY").box(bx, by, bz, centered=(True, True, False))
    wp = wp.cut(cq.Workplane("XY").box(px, py, pd, centered=(True, True, False)).translate((pcx, 0.0, bz - pd)))
    return wp.cut(cq.Workplane("XY").circle(HOLE_D_MM / 2).extrude(bz).translate((HOLE_X_MM, 0.0, 0.0)))


@pytest.fixture(scope="module")
def triangles(part):  # noqa: ANN001, ANN201
    from sim.partfield import part_triangles

    return part_triangles(part, tolerance_mm=0.01)


def _grid(cell_mm: float) -> HeightField:
    bx, by, _ = BLOCK
    return HeightField.covering(-bx / 2, -by / 2, bx / 2, by / 2, cell_mm, margin_mm=2.0)


def _z_at(hf: HeightField, x: float, y: float) -> float:
    return float(hf.z[int(round((y - hf.y0_mm) / hf.cell_mm)), int(round((x - hf.x0_mm) / hf.cell_mm))])


def test_rasterize_triangles(run_timed, triangles) -> None:
    from sim.partfield import rasterize_reference, rasterize_triangles

    grid = _grid(0.05)
    hf = run_timed(rasterize_triangles, triangles, grid, rounds=5)
    bx, by, bz = BLOCK
    px, py, pd, pcx = POCKET
    assert _z_at(hf, 30.0, 20.0) == pytest.approx(bz)
    assert _z_at(hf, pcx, 0.0) == pytest.approx(bz - pd)
    assert _z_at(hf, HOLE_X_MM, 0.0) == -math.inf
    covered = np.isfinite(hf.z).sum() * hf.cell_area_mm2
    assert covered == pytest.approx(bx * by - math.pi * HOLE_D_MM**2 / 4, rel=0.01)
    coarse = _grid(1.0)
    from sim.partfield import rasterize_kernel

    out = np.full(coarse.shape, -np.inf)
    rasterize_kernel(triangles, coarse.x0_mm, coarse.y0_mm, coarse.cell_mm, out)
    np.testing.assert_allclose(out, rasterize_reference(triangles, coarse.x0_mm, coarse.y0_mm, 1.0, coarse.shape),
                               atol=1e-9)


@pytest.mark.parametrize("tool_d_mm", [6.0, 12.0])
def test_reachable_depth(run_timed, triangles, tool_d_mm: float) -> None:
    from sim.partfield import rasterize_triangles, reachable_depth

    part_h = rasterize_triangles(triangles, _grid(0.1))
    reach = run_timed(reachable_depth, part_h, tool_d_mm / 2, rounds=3)
    bz = BLOCK[2]
    px, py, pd, pcx = POCKET
    assert _z_at(reach, pcx, 0.0) == pytest.approx(bz - pd, abs=1e-3)
    hole = _z_at(reach, HOLE_X_MM, 0.0)
    if tool_d_mm < HOLE_D_MM:
        assert hole == -math.inf  # down through the hole
    else:
        assert hole >= bz - 1e-3  # a 12 mm tool stays on top of the 10 mm hole
    assert np.all(reach.z >= np.where(np.isfinite(part_h.z), part_h.z, -np.inf) - 1e-9)  # never into the part


@pytest.fixture(scope="module")
def milled(part):  # noqa: ANN001, ANN201
    from toolpath.job import mill

    return mill(part, Tool.flat(6.0), strategy="offset", stepover="40%", stepdown_mm=3.0)


def test_check_program(run_timed, part, milled) -> None:
    from sim.check import check

    tool = Tool.flat(6.0)
    res = run_timed(check, milled.program, part, tool, stock=milled.stock, cell_mm=0.2, rounds=3)
    assert res.gouge_count == 0
    assert not res.rapid_cuts
    # the designed volume: the pocket and the hole (stock = the part's bounding box)
    px, py, pd, _ = POCKET
    designed = px * py * pd + math.pi * HOLE_D_MM**2 / 4 * BLOCK[2]
    assert res.designed_volume_mm3 == pytest.approx(designed, rel=0.01)
    assert res.removed_volume_mm3 == pytest.approx(designed, rel=0.02)


@pytest.mark.parametrize("engagement_deg", [180.0, 30.0])
def test_schedule_feeds(run_timed, milled, engagement_deg: float) -> None:
    import sim
    from sim.feeds import schedule_feeds, thinning_factor

    prog = milled.program
    machine = sim.load_machine("linuxcnc-sim")
    kind = prog.toolpath.kind
    cutting = kind != MoveKind.RAPID
    eng = np.where(cutting, engagement_deg, np.nan)
    sched = run_timed(schedule_feeds, prog, eng, machine, rounds=5)
    old = prog.toolpath.feed
    new = sched.feed_mm_min
    cuts = cutting & np.isin(kind, (int(MoveKind.FEED), int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW)))
    if engagement_deg >= 90.0:
        np.testing.assert_allclose(new[cuts], old[cuts], rtol=1e-12)
    else:
        gain = float(1.0 / thinning_factor(engagement_deg))
        assert gain > 1.5
        assert np.all(new[cuts] >= old[cuts] * (1 - 1e-12))
        assert np.any(np.isclose(new[cuts], old[cuts] * gain, rtol=1e-9))
    assert sched.cycle_time_after_s > 0
