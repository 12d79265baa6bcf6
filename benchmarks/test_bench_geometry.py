"""pytest-benchmark: geometry kernels and slicing (``toolpath.kernels.raster``, ``toolpath.geometry.sections``,
``toolpath.geometry.slicing``).

Properties asserted on what was timed: a rasterised pocket's cell count times the cell area is its area
(to within its perimeter times a cell) and agrees with shapely's point-in-polygon test except at the
boundary; a section of a solid built with cadquery has its analytic area; slicing that solid finds its
designed floors and removes exactly the stock minus the part; slicing a NIST part never removes more
than the stock minus the part (cadquery's own volume).

Run: ``/work/venv/bin/pytest benchmarks/test_bench_geometry.py --benchmark-only``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from toolpath.kernels.raster import fill_reference, rasterize

BLOCK = (80.0, 60.0, 20.0)  # x, y, z size of the synthetic part, mm
POCKET = (40.0, 30.0, 5.0)  # a rectangular pocket on top: x, y size and depth, mm
HOLE_D_MM = 10.0  # a round through hole
CIRCLE_TOL_MM = 0.002


def synthetic_part():  # noqa: ANN201 - cadquery Workplane
    """A block with a rectangular pocket (5 mm deep, centred at x = -10) and a round through hole at x = 25."""
    import cadquery as cq

    bx, by, bz = BLOCK
    px, py, pd = POCKET
    part = cq.Workplane("XY").box(bx, by, bz, centered=(True, True, False))
    part = part.cut(cq.Workplane("XY").box(px, py, pd, centered=(True, True, False)).translate((-10.0, 0.0, bz - pd)))
    part = part.cut(cq.Workplane("XY").circle(HOLE_D_MM / 2).extrude(bz).translate((25.0, 0.0, 0.0)))
    return part


@pytest.mark.parametrize("cell_mm", [0.05, 0.02])
def test_rasterize_pocket_c(run_timed, reference_pockets, cell_mm: float) -> None:
    region = reference_pockets["C"].region
    x0, y0, x1, y1 = region.bounds
    nx, ny = int(math.ceil((x1 - x0) / cell_mm)) + 1, int(math.ceil((y1 - y0) / cell_mm)) + 1
    mask = run_timed(rasterize, region, x0, y0, cell_mm, ny, nx, rounds=5)
    area = mask.sum() * cell_mm**2
    assert abs(area - region.area) <= region.length * cell_mm
    if cell_mm >= 0.05:  # shapely's test at every cell centre takes seconds on the fine grid
        ref = fill_reference(region, x0, y0, cell_mm, ny, nx)
        iy, ix = np.nonzero(mask != ref)  # cells centred on an edge may go either way, and only those
        d = shapely.distance(region.boundary, shapely.points(x0 + ix * cell_mm, y0 + iy * cell_mm))
        assert d.size < region.length / cell_mm and np.all(d < 1e-6)


@pytest.fixture(scope="module")
def synthetic_shape():  # noqa: ANN201
    from toolpath.geometry.step import load_solid

    return load_solid(synthetic_part())


def test_section_polygons_synthetic(run_timed, synthetic_shape) -> None:
    from toolpath.geometry.sections import section_polygons

    bb = synthetic_shape.BoundingBox()
    bounds = (bb.xmin, bb.ymin, bb.xmax, bb.ymax)
    z = BLOCK[2] - POCKET[2] / 2  # through the pocket band
    sec = run_timed(section_polygons, synthetic_shape, z, CIRCLE_TOL_MM, bounds=bounds, rounds=5)
    expected = BLOCK[0] * BLOCK[1] - POCKET[0] * POCKET[1] - math.pi * (HOLE_D_MM / 2) ** 2
    assert sec.area == pytest.approx(expected, rel=1e-4)
    assert len(sec.interiors if sec.geom_type == "Polygon" else []) == 2


def test_slice_synthetic_part(run_timed, synthetic_shape) -> None:
    from toolpath.geometry.slicing import slice_part

    res = run_timed(slice_part, synthetic_shape, rounds=3)
    bz, pd = BLOCK[2], POCKET[2]
    assert any(abs(z - (bz - pd)) < 1e-6 for z in res.levels_mm)
    assert not res.unreachable
    stock = res.stock
    outside_part = stock.footprint.area * (stock.z_top_mm - stock.z_bottom_mm) - synthetic_shape.Volume()
    assert res.removed_volume_mm3 == pytest.approx(outside_part, rel=1e-3)


@pytest.mark.parametrize("name", ["nist_ftc_11_asme1_rb.stp", "nist_ftc_06_asme1_rd.stp"])
def test_slice_nist_part(run_timed, parts_dir: Path, name: str) -> None:
    from toolpath.geometry.slicing import slice_part
    from toolpath.geometry.step import load_solid

    path = parts_dir / name
    if not path.is_file():
        pytest.skip(f"{path} missing")
    shape = load_solid(path)
    res = run_timed(slice_part, shape, rounds=2)
    stock = res.stock
    outside_part = stock.footprint.area * (stock.z_top_mm - stock.z_bottom_mm) - shape.Volume()
    assert res.pockets
    assert 0.0 < res.removed_volume_mm3 <= outside_part * 1.001
    assert res.part_volume_mm3 == pytest.approx(shape.Volume(), rel=1e-6)
