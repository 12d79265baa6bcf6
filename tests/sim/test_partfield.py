"""Tests of sim.partfield: the part's top surface from its tessellation, and the reachable depth."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from shapely.geometry import box

from sim.partfield import (
    load_shape,
    part_heightfield,
    part_triangles,
    rasterize_kernel,
    rasterize_reference,
    rasterize_triangles,
    reachable_depth,
)
from sim.stock import HeightField
from toolpath import FileFormatError, InputError

cq = pytest.importorskip("cadquery")


@pytest.fixture(scope="module")
def pocket_part():  # noqa: ANN201 - a cadquery Workplane
    """A 50 x 50 x 20 block centred on the origin (z -10..10) with a 30 x 30 pocket 5 deep."""
    return cq.Workplane().box(50, 50, 20).faces(">Z").workplane().rect(30, 30).cutBlind(-5)


# -------------------------------------------------------------------------------------------- rasterisation
_xy = st.floats(-1.0, 6.0, allow_nan=False)
_z = st.floats(-5.0, 5.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_xy, _xy, _z, _xy, _xy, _z, _xy, _xy, _z), min_size=1, max_size=6))
def test_rasterize_kernel_matches_reference(rows: list[tuple[float, ...]]) -> None:
    tri = np.array(rows, dtype=np.float64).reshape(-1, 3, 3)
    out = np.full((9, 11), -np.inf)
    rasterize_kernel(tri, 0.1, -0.2, 0.5, out)
    ref = rasterize_reference(tri, 0.1, -0.2, 0.5, (9, 11))
    assert np.array_equal(np.isfinite(out), np.isfinite(ref))
    fin = np.isfinite(ref)
    assert_allclose(out[fin], ref[fin], atol=1e-7)


def test_rasterize_square_of_two_triangles_has_no_gap_on_the_diagonal() -> None:
    tri = np.array([[[0, 0, 1], [4, 0, 1], [4, 4, 1]], [[0, 0, 1], [4, 4, 1], [0, 4, 1]]], dtype=np.float64)
    grid = HeightField.covering(-1, -1, 5, 5, 0.5)
    hf = rasterize_triangles(tri, grid)
    xx, yy = hf.centres()
    inside = (xx > 0) & (xx < 4) & (yy > 0) & (yy < 4)
    assert np.all(hf.z[inside] == 1.0)  # the centres on the diagonal x == y are covered
    assert np.all(np.isneginf(hf.z[~inside]))
    # shifting the samples by half a cell moves centres onto the edges, which count as inside
    shifted = rasterize_triangles(tri, grid, shift_mm=(0.25, 0.25))
    assert np.isfinite(shifted.z).sum() == 9 * 9


def test_pocket_part_heights(pocket_part) -> None:  # noqa: ANN001
    hf = part_heightfield(pocket_part, cell_mm=0.5, margin_mm=2.0)
    xx, yy = hf.centres()
    in_pocket = (np.abs(xx) < 15) & (np.abs(yy) < 15)
    in_block = (np.abs(xx) < 25) & (np.abs(yy) < 25)
    assert np.all(hf.z[in_pocket] == pytest.approx(5.0, abs=1e-6))
    assert np.all(hf.z[in_block & ~in_pocket] == pytest.approx(10.0, abs=1e-6))
    assert np.all(np.isneginf(hf.z[~in_block]))
    assert hf.cell_mm == 0.5 and hf.floor_mm == -math.inf


def test_sloped_top_and_cylinder() -> None:
    # a wedge: profile in XZ (x 0..20, top from z=5 at x=0 to z=10 at x=20), 10 mm deep in y
    wedge = cq.Workplane("XZ").polyline([(0, 0), (20, 0), (20, 10), (0, 5)]).close().extrude(-10)
    tri = part_triangles(wedge)
    lo, hi = tri.reshape(-1, 3).min(axis=0), tri.reshape(-1, 3).max(axis=0)
    assert_allclose(lo, [0, 0, 0], atol=1e-6)
    assert_allclose(hi, [20, 10, 10], atol=1e-6)
    hf = part_heightfield(wedge, cell_mm=0.25)
    xx, _ = hf.centres()
    assert_allclose(hf.z, 5.0 + xx / 4.0, atol=1e-9)
    # a cylinder of radius 7: the covered area matches pi r^2 to within the tessellation and grid
    cyl = cq.Workplane().cylinder(4.0, 7.0)
    ch = part_heightfield(cyl, cell_mm=0.05, tolerance_mm=0.005)
    area = np.isfinite(ch.z).sum() * ch.cell_area_mm2
    assert area == pytest.approx(math.pi * 49.0, rel=3e-3)
    assert np.nanmax(np.where(np.isfinite(ch.z), ch.z, np.nan)) == pytest.approx(2.0, abs=1e-6)


def test_step_file_gives_the_same_field(pocket_part, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "pocket.step"
    cq.exporters.export(pocket_part, str(path))
    a = part_heightfield(str(path), cell_mm=0.5)
    b = part_heightfield(pocket_part, like=a)
    assert a.same_grid(b)
    assert np.array_equal(a.z, b.z)
    assert load_shape(path).isValid()


def test_load_errors(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(FileFormatError, match="does not exist"):
        load_shape(tmp_path / "missing.step")
    (tmp_path / "part.txt").write_text("hello")
    with pytest.raises(FileFormatError, match="not a STEP"):
        load_shape(tmp_path / "part.txt")
    with pytest.raises(InputError, match="STEP path"):
        load_shape(42)
    with pytest.raises(InputError, match=r"\(T, 3, 3\)"):
        part_heightfield(np.zeros((2, 3)))


# -------------------------------------------------------------------------------------------- reachable depth
def test_reachable_depth_of_a_square_pocket_matches_the_opening(pocket_part) -> None:  # noqa: ANN001
    hf = part_heightfield(pocket_part, cell_mm=0.1, margin_mm=1.0)
    r = 3.0
    rd = reachable_depth(hf, r, 0.1)
    low = np.abs(rd.z - 5.0) < 1e-6
    # the disc of radius r clears the 30 x 30 square except r x r corners minus a quarter disc each
    exact = 900.0 - 4 * (r * r - math.pi * r * r / 4)
    assert low.sum() * 0.01 == pytest.approx(exact, rel=2e-3)
    xx, yy = rd.centres()
    # a cell near a corner of the pocket (inside the fillet left by the tool) is only reachable at the top
    iy, ix = rd.index_of(14.8, 14.8)
    assert rd.z[iy, ix] == 10.0
    assert np.all(rd.z[(np.abs(xx) < 14.9) & (np.abs(yy) < 11.9)] == 5.0)
    outside = (np.abs(xx) > 25) | (np.abs(yy) > 25)
    assert np.all(np.isneginf(rd.z[outside]))  # no material: the tool goes through


def test_reachable_depth_narrow_slot_and_through_hole() -> None:
    plate = (
        cq.Workplane()
        .box(40, 20, 10)
        .faces(">Z")
        .workplane()
        .center(-10, 0)
        .rect(3, 12)
        .cutBlind(-4)  # slot 3 wide, tool 4
        .faces(">Z")
        .workplane()
        .center(20, 0)
        .hole(8.0)  # through hole d8 at (10, 0)
    )
    hf = part_heightfield(plate, cell_mm=0.1, tolerance_mm=0.002)
    rd = reachable_depth(hf, 2.0)
    assert rd.at(-10.0, 0.0) == pytest.approx(5.0)  # too narrow for the 4 mm tool: stays at the top
    assert np.isneginf(rd.at(10.0, 0.0))  # the hole (8 > 4) is reachable through
    assert np.isneginf(rd.at(13.5, 0.0))
    assert rd.at(10.0, 4.5) == pytest.approx(5.0)
    thin = reachable_depth(hf, 1.0)
    assert thin.at(-10.0, 0.0) == pytest.approx(1.0)  # a 2 mm tool fits in the slot
    # the reachable region of the slot for the 2 mm tool: the rounded 3 x 12 rectangle
    slot = box(-11.5, -6.0, -8.5, 6.0)
    opened = slot.buffer(-1.0).buffer(1.0, quad_segs=64)
    xx, yy = thin.centres()
    near = (np.abs(xx + 10) < 3) & (np.abs(yy) < 8)
    got = (np.abs(thin.z - 1.0) < 1e-6) & near
    assert got.sum() * 0.01 == pytest.approx(opened.area, rel=0.02)
    inside = shapely.contains_xy(opened.buffer(-0.15), xx, yy)
    assert np.all(got[inside])


def test_reachable_depth_rejects_bad_input(pocket_part) -> None:  # noqa: ANN001
    hf = part_heightfield(pocket_part, cell_mm=1.0)
    with pytest.raises(InputError, match="tool_radius_mm"):
        reachable_depth(hf, 0.0)
    with pytest.raises(InputError, match="differs"):
        reachable_depth(hf, 1.0, 0.5)
    with pytest.raises(InputError, match="HeightField"):
        reachable_depth(np.zeros((3, 3)), 1.0)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 90.0))
def test_reachable_depth_unbiased_at_a_slot_near_the_tool_width(fx: float, fy: float, angle: float) -> None:
    """A slot 1.5 cells narrower than the tool is out of its reach, one 1.5 cells wider is reached along its
    middle, wherever the grid's cells fall and however the slot is turned (cells sampled at their centres).
    Measured against the nearest blocked centre, without the half-cell correction, the narrow slot came out
    reachable: the distance overshoots the wall's by up to a cell."""
    from shapely import affinity

    cell, r = 0.1, 2.0
    for width, reached in ((2 * r - 1.5 * cell, False), (2 * r + 1.5 * cell, True)):
        slot = affinity.rotate(box(-8.0, -width / 2, 8.0, width / 2), angle, origin=(0, 0))
        hf = HeightField.covering(-12.0 + fx * cell, -12.0 + fy * cell, 12.0, 12.0, cell)
        xx, yy = hf.centres()
        h = np.where(shapely.contains_xy(slot, xx, yy), 0.0, 5.0)
        rd = reachable_depth(HeightField(h, hf.x0_mm, hf.y0_mm, cell), r)
        assert (rd.at(0.0, 0.0) == 0.0) is reached, (width, rd.at(0.0, 0.0))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from([-np.inf, 0.0, 1.0, 2.5, 4.0]), min_size=24 * 20, max_size=24 * 20),
    st.sampled_from([0.73, 1.31, 2.17]),
)
def test_reachable_depth_is_the_grey_closing(cells: list[float], radius_cells: float) -> None:
    """Opening every threshold set {h <= z} with a disc is the same as the grey closing of h (max filter
    over the disc grown by half a cell: the erosion's unbiased test against blocked cell centres, then min
    filter over the disc), with the outside of the grid as empty space."""
    from scipy.ndimage import maximum_filter, minimum_filter

    h = np.array(cells).reshape(20, 24)
    # blocky parts: repeat each value over 2 x 2 cells so the regions are not all single cells
    h = np.kron(h[:10, :12], np.ones((2, 2)))
    hf = HeightField(h, 0.0, 0.0, 1.0)
    got = reachable_depth(hf, radius_cells).z
    k = int(np.ceil(radius_cells)) + 1
    oy, ox = np.mgrid[-k : k + 1, -k : k + 1]
    disc = np.hypot(ox, oy) <= radius_cells  # the radii avoid distances between cell centres
    grown = np.hypot(ox, oy) <= radius_cells + 0.5  # (and so do they plus half a cell)
    pad = 2 * k
    hp = np.pad(h, pad, constant_values=-np.inf)
    closed = minimum_filter(maximum_filter(hp, footprint=grown, mode="nearest"), footprint=disc, mode="nearest")
    assert np.array_equal(got, closed[pad:-pad, pad:-pad])
