"""Slicing solids into 2.5D pockets, checked against parts whose pockets are known by construction."""

from __future__ import annotations

import math
from pathlib import Path

import cadquery as cq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolpath import GeometryError, Stock, Tool
from toolpath.geometry.slicing import slice_part

EXAMPLE = Path(__file__).parents[3] / "examples" / "bracket.step"
from shared_paths import PARTS  # noqa: E402


def block_with_nested_pockets() -> cq.Workplane:
    """60 x 40 x 20 block: pocket 40 x 24 x 5 deep, inside it 16 x 10 x 5 deeper, a blind hole d8 (floor z=12)."""
    part = cq.Workplane("XY").box(60, 40, 20, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=15).center(25, 20).rect(40, 24).extrude(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=10).center(25, 20).rect(16, 10).extrude(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=12).center(52, 8).circle(4).extrude(8))
    return part


def test_levels_regions_and_volumes_of_nested_pockets():
    res = slice_part(block_with_nested_pockets())
    assert res.levels_mm == [15.0, 12.0, 10.0]
    by_floor = {round(p.z_bottom_mm, 6): p for p in res.pockets}
    assert by_floor[15.0].region.area == pytest.approx(40 * 24, rel=1e-6)
    assert by_floor[15.0].z_top_mm == 20.0
    assert by_floor[10.0].region.area == pytest.approx(16 * 10, rel=1e-6)
    assert by_floor[10.0].z_top_mm == 15.0
    hole = by_floor[12.0]
    assert hole.hole_diameter_mm == pytest.approx(8.0, abs=0.01)
    assert hole.region.area == pytest.approx(math.pi * 16, abs=0.002 * 8 * math.pi)  # chord error 0.002
    assert not any(p.is_open or p.through for p in res.pockets)
    # what the pockets remove is the stock minus the part
    assert res.removed_volume_mm3 == pytest.approx(res.stock.volume_mm3 - res.part_volume_mm3, rel=1e-3)
    assert res.unreachable == []


def test_island_open_side_and_through_hole():
    part = cq.Workplane("XY").box(50, 30, 10, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=6).center(25, 15).rect(30, 20).extrude(4))
    part = part.union(cq.Workplane("XY").workplane(offset=6).center(25, 15).circle(4).extrude(4))  # boss
    part = part.cut(cq.Workplane("XY").workplane(offset=8).rect(50, 3, centered=False).extrude(2))  # open step
    part = part.cut(cq.Workplane("XY").workplane(offset=-1).center(45, 25).circle(2.5).extrude(12))  # through
    res = slice_part(part)
    step = next(p for p in res.pockets if p.z_bottom_mm == 8.0)
    assert step.is_open and step.open_edges.length == pytest.approx(50 + 3 + 3, abs=1e-3)
    pocket = next(p for p in res.pockets if p.z_bottom_mm == 6.0)
    assert len(pocket.islands) == 1 and pocket.islands[0].area == pytest.approx(math.pi * 16, rel=2e-3)
    assert not pocket.is_open
    through = next(p for p in res.pockets if p.through)
    assert through.z_bottom_mm == pytest.approx(-0.5) and through.z_top_mm == 10.0
    assert through.hole_diameter_mm == pytest.approx(5.0, abs=0.01)


def test_undercut_and_slope_are_reported_not_cut():
    # a T-slot: a wide slot under a narrow one, and a chamfer on the top edge
    part = cq.Workplane("XY").box(40, 40, 20, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=10).center(20, 20).rect(6, 40).extrude(10))
    part = part.cut(cq.Workplane("XY").workplane(offset=5).center(20, 20).rect(16, 40).extrude(5))
    part = part.edges("|Y and >Z and <X").chamfer(2)
    res = slice_part(part)
    reasons = " | ".join(u["reason"] for u in res.unreachable)
    assert "undercut" in reasons
    assert "sloped" in reasons
    # the hidden part of the T is not in any pocket: nothing wider than the throat at the bottom band
    for p in res.pockets:
        if p.z_bottom_mm < 10:
            x0, _, x1, _ = p.region.bounds
            assert x1 - x0 <= 6 + 1e-6


def test_tool_too_big_is_reported_with_location():
    res = slice_part(block_with_nested_pockets(), tool=Tool(12))
    where = [u for u in res.unreachable if "narrower than the tool" in u["reason"]]
    assert where, res.unreachable
    # the 8 mm hole cannot take a 12 mm tool: its box is reported
    assert any(abs(u["where"][0] - 48) < 0.1 and abs(u["where"][3] - 56) < 0.1 for u in where)


@pytest.mark.parametrize("setup", ["-Z", "+X", "-Y"])
def test_other_setups_rotate_the_part(setup):
    part = cq.Workplane("XY").box(30, 20, 10, centered=False)
    res = slice_part(part, setup=setup)
    assert res.pockets == []
    dims = sorted([res.stock.footprint.bounds[2] - res.stock.footprint.bounds[0],
                   res.stock.footprint.bounds[3] - res.stock.footprint.bounds[1], res.stock.height_mm])
    assert dims == pytest.approx([10, 20, 30])
    if setup in ("+X",):
        assert res.stock.height_mm == pytest.approx(30)


def test_explicit_stock_adds_a_facing_pocket():
    part = cq.Workplane("XY").box(30, 20, 10, centered=False)
    res = slice_part(part, stock=Stock.box(-2, -2, 0, 32, 22, 12))
    assert res.levels_mm[0] == 10.0
    top = res.pockets[0]
    assert top.z_top_mm == 12.0 and top.z_bottom_mm == 10.0 and top.is_open
    assert top.region.area == pytest.approx(34 * 24, rel=1e-6)


def test_bad_inputs_name_the_value(tmp_path):
    with pytest.raises(GeometryError, match="setup"):
        slice_part(block_with_nested_pockets(), setup="Z+")
    with pytest.raises(ValueError, match="does not exist"):
        slice_part(tmp_path / "missing.step")
    bad = tmp_path / "bad.step"
    bad.write_text("not a step file")
    with pytest.raises(ValueError, match="bad.step"):
        slice_part(bad)


def test_bundled_example_has_five_levels():
    res = slice_part(EXAMPLE)
    assert res.levels_mm == [16.0, 14.0, 10.0, 8.0, 0.0]
    assert sum(p.through for p in res.pockets) == 1
    assert sum(p.is_open for p in res.pockets) == 1


@pytest.mark.skipif(not (PARTS / "nist_ftc_11_asme1_rb.stp").exists(), reason="shared parts not present")
def test_nist_washer_slices():
    res = slice_part(PARTS / "nist_ftc_11_asme1_rb.stp")
    assert res.pockets
    # its rounded beads (torus faces) cannot be cut by a 2.5D path: reported, and material is left on them
    assert any("torus" in u["reason"] for u in res.unreachable)
    designed = res.stock.volume_mm3 - res.part_volume_mm3
    assert 0.9 * designed < res.removed_volume_mm3 < designed


def rod_under_hole() -> cq.Workplane:
    """A block 40 x 40 x 30 mm with a through hole D14 down its middle and a horizontal rod D6 across the hole,
    its axis 4 mm off the hole's and 10 mm above the bottom: no section at the band's top, middle or bottom
    (30, 15, 0 mm) meets the rod, which hangs over part of the hole."""
    block = cq.Workplane().box(40, 40, 30, centered=(True, True, False))
    hole = cq.Workplane().circle(7.0).extrude(30)
    rod = cq.Workplane("YZ").center(-4.0, 10.0).circle(3.0).extrude(20, both=True)
    return block.cut(hole).union(rod)


def test_curved_face_inside_a_band_shadows_the_pocket_below():
    from shapely.geometry import Point, box

    res = slice_part(rod_under_hole())
    through = [p for p in res.pockets if p.through]
    assert len(through) == 1
    region = through[0].region
    # the rod's projection (the strip |y + 4| < 3 across the hole) is not cut through; the rest of the hole is,
    # less the margin by which a face's shadow grows
    from toolpath.geometry.slicing import _SHADOW_MARGIN_MM

    rod = box(-20, -7.0, 20, -1.0)
    hole = Point(0, 0).buffer(7.0, quad_segs=256)
    assert region.intersection(rod).area < 1e-6
    assert region.area == pytest.approx(hole.difference(rod.buffer(_SHADOW_MARGIN_MM)).area, rel=2e-3)
    assert region.distance(Point(0, -4.0)) >= 3.0 - 1e-6
    assert any("cylinder" in u["reason"] for u in res.unreachable)


def test_rod_under_hole_milled_without_gouge():
    from parts_for_tests import assert_simulated_clean

    from toolpath.job import mill

    part = rod_under_hole()
    tool = Tool(4.0)
    res = mill(part, tool, strategy="offset")
    chk = assert_simulated_clean(res.program, part, tool, cell_mm=0.1)
    # what is left is under the rod (its shadow) or in the corners a round tool leaves
    assert chk.removed_volume_mm3 <= chk.designed_volume_mm3 * 1.001


def wedge() -> cq.Workplane:
    """40 x 20 x 20 block whose top above the plane z = 20 - x/4 is cut away: one sloped face facing the tool,
    from z 20 (at x 0) down to z 10 (at x 40); the volume to remove is 20 * 40 * 10 / 2 = 4000 mm3."""
    return cq.Workplane("XZ").polyline([(0, 0), (40, 0), (40, 10), (0, 20)]).close().extrude(-20)


def wedge_terraces(res) -> tuple[float, float]:
    """The terraces' height (they are even) and what bands of that height remove, mm, mm3: a band (lo + h, lo)
    is cleared down to the part's widest section in it, the one at lo (x <= 4 (20 - lo)), so it removes
    20 * 4 (lo - 10) * h; summed over the ten / h bands, 4000 - 400 h."""
    levels = [20.0, *res.levels_mm]
    steps = [hi - lo for hi, lo in zip(levels[:-1], levels[1:], strict=True)]
    assert max(steps) - min(steps) < 1e-5, levels
    h = steps[0]
    return h, 4000.0 - 400.0 * h


def test_terraces_over_a_slope_remove_what_analytic_bands_do():
    assert slice_part(wedge()).pockets == []  # no terraces: the band's widest section is the whole block
    for terrace in (2.0, 0.5):
        res = slice_part(wedge(), terrace_mm=terrace)
        h, removed = wedge_terraces(res)
        assert h <= terrace
        # the slope's shadow is grown by 0.025 mm, and each band's sections and shadow are taken 1 um inside it:
        # about 0.6 mm2 less in each band, 6 mm3 over the ten mm
        assert removed - 8.0 < res.removed_volume_mm3 < removed
        assert all(p.z_top_mm - p.z_bottom_mm == pytest.approx(h) for p in res.pockets)
    assert wedge_terraces(slice_part(wedge(), terrace_mm=2.0))[0] == pytest.approx(1.25)  # 10 halved three times


def test_terraces_stop_where_a_band_leaves_little():
    # asked for 0.01 mm terraces, the bands stop being halved once one leaves at most TERRACE_WORTH of the
    # volume to remove: here a band h high leaves 20 * 4h * h / 2 = 40 h2 mm3 over the slope
    from toolpath.geometry.slicing import TERRACE_WORTH

    h, _ = wedge_terraces(slice_part(wedge(), terrace_mm=0.01))
    assert 40 * h * h <= TERRACE_WORTH * 4000 * 1.1
    assert h > 0.1


def test_terrace_height_must_be_positive():
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(GeometryError, match="terrace_mm"):
            slice_part(wedge(), terrace_mm=bad)


@settings(max_examples=15, deadline=None)
@given(z_lo=st.floats(1.0, 10.0), rise=st.floats(2.0, 25.0), length=st.floats(10.0, 60.0),
       terrace=st.floats(0.1, 4.0))
def test_random_wedges_terraces_remove_their_bands_and_stop_where_they_should(z_lo, rise, length, terrace):
    """A W x length block under the plane from z_lo + rise (x = 0) down to z_lo (x = length): whatever levels the
    terraces take, each band (hi, lo) over the slope removes W (length - x(lo)) (hi - lo), x(z) where the slope is
    at height z; and a band is either at most ``terrace`` high or leaves at most TERRACE_WORTH of the volume to
    remove over the slope, W length (hi - lo)^2 / (2 rise)."""
    from toolpath.geometry.slicing import TERRACE_WORTH

    w, z_hi = 15.0, z_lo + rise
    part = cq.Workplane("XZ").polyline([(0, 0), (length, 0), (length, z_lo), (0, z_hi)]).close().extrude(-w)
    res = slice_part(part, terrace_mm=terrace)
    levels = [z_hi, *res.levels_mm]
    bands = list(zip(levels[:-1], levels[1:], strict=True))
    # (a band reaching below z_lo is cleared to nothing: its widest section is the whole block)
    assert bands or rise <= terrace + 1e-6

    def x_at(z: float) -> float:
        return min(length * (z_hi - z) / rise, length)

    expected = sum(w * (length - x_at(lo)) * (hi - lo) for hi, lo in bands)
    # the slope's shadow is grown by 0.025 mm, and a band's sections are taken 1 um inside it (length / rise um
    # across): a strip of about that width along the slope in each band
    assert res.removed_volume_mm3 == pytest.approx(expected, abs=w * rise * (0.04 + 0.001 * length / rise) + 1e-6)
    designed = w * length * rise / 2
    for hi, lo in bands:
        assert hi - lo <= terrace + 1e-6 or w * length * (hi - lo) ** 2 / (2 * rise) <= TERRACE_WORTH * designed * 1.05


def test_levels_closer_than_min_band_are_one():
    # two pocket floors 2e-5 mm apart (as STEP files have them) and a stock top 2e-5 mm over the part: one level
    # at the floors, no pass over a band 2e-5 mm thick (there were three: the facing band and both floors)
    from toolpath.geometry.slicing import MIN_BAND_MM

    part = cq.Workplane("XY").box(60, 30, 20, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=10).center(15, 15).rect(20, 20).extrude(10))
    part = part.cut(cq.Workplane("XY").workplane(offset=10.00002).center(45, 15).rect(20, 20).extrude(10))
    res = slice_part(part, stock=Stock.box(0, 0, 0, 60, 30, 20.00002))
    assert MIN_BAND_MM > 2e-5
    assert len(res.levels_mm) == 1 and res.levels_mm[0] == pytest.approx(10.0, abs=1e-4)
    assert len(res.pockets) == 2 and all(p.z_top_mm - p.z_bottom_mm > 9.9 for p in res.pockets)
    assert res.removed_volume_mm3 == pytest.approx(2 * 20 * 20 * 10, rel=1e-4)
