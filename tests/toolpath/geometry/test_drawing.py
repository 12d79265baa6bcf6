"""Chaining, nesting and validation of 2D drawings, and their pockets; against analytic areas and shapely."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from toolpath import GeometryError, InputError, Stock, Tool
from toolpath.geometry.drawing import (
    FillRule,
    arc_points,
    arc_segments,
    bulge_points,
    chain_curves,
    curves_to_polygons,
    drawing_pockets,
    is_drawing,
    load_drawing,
    loops_to_polygons,
)

_NUM = r"(-?\d+\.\d+)"


def named_points(message: str) -> list[tuple[float, float]]:
    """The ``(x, y)`` pairs a message names."""
    return [(float(a), float(b)) for a, b in re.findall(rf"\({_NUM}, {_NUM}\)", message)]


def square(x0: float, y0: float, side: float, *, ccw: bool = True) -> np.ndarray:
    pts = np.array([[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]], dtype=float)
    return pts if ccw else pts[::-1].copy()


# ---------------------------------------------------------------------------------------------------
# flattening
# ---------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(0.05, 500.0),
    sweep=st.floats(-2 * math.pi, 2 * math.pi).filter(lambda s: abs(s) > 1e-3),
    tol=st.floats(1e-4, 0.1),
)
def test_arc_chords_stay_within_the_tolerance(r, sweep, tol):
    pts = arc_points(1.0, -2.0, r, 0.3, sweep, tolerance_mm=tol)
    # every vertex on the circle, the ends exact
    assert np.allclose(np.hypot(pts[:, 0] - 1.0, pts[:, 1] + 2.0), r, rtol=1e-12, atol=1e-12)
    assert np.allclose(pts[0], (1.0 + r * math.cos(0.3), -2.0 + r * math.sin(0.3)))
    assert np.allclose(pts[-1], (1.0 + r * math.cos(0.3 + sweep), -2.0 + r * math.sin(0.3 + sweep)), atol=1e-9)
    # the sagitta of every chord (distance from the chord's midpoint to the circle) within tol
    mid = 0.5 * (pts[1:] + pts[:-1])
    sagitta = r - np.hypot(mid[:, 0] - 1.0, mid[:, 1] + 2.0)
    assert sagitta.max() <= tol * (1 + 1e-9)
    # and not needlessly fine: one chord fewer would break the tolerance (when more than one is needed)
    n = len(pts) - 1
    if n > 1 and tol < r and abs(abs(sweep) - 2 * math.pi) > 1e-9:  # full circles take at least 8
        assert r * (1 - math.cos(abs(sweep) / (n - 1) / 2)) > tol
    assert arc_segments(r, sweep, tol) == n or abs(abs(sweep) - 2 * math.pi) < 1e-12


@pytest.mark.parametrize("bulge", [1.0, -1.0, 0.4142135623730951, -0.2, 2.5])
def test_bulge_arc_matches_its_definition(bulge):
    p0, p1 = (3.0, 1.0), (7.0, 4.0)
    pts = bulge_points(p0, p1, bulge, tolerance_mm=1e-3)
    c = math.hypot(4.0, 3.0)
    theta = 4 * math.atan(bulge)
    r = c / (2 * math.sin(abs(theta) / 2))
    # ends exact, all points on one circle of the radius the bulge gives
    assert tuple(pts[0]) == p0 and tuple(pts[-1]) == p1
    d = np.hypot(*(pts[1:-1] - pts[0]).T)
    assert d.max() <= 2 * r + 1e-9
    # the sagitta (largest distance from the chord) is b * c / 2, on the side the sign says
    u = np.array([4.0, 3.0]) / c
    normal_left = np.array([-u[1], u[0]])
    off = (pts - np.array(p0)) @ normal_left
    s = abs(bulge) * c / 2
    if bulge > 0:  # counter-clockwise from p0 to p1: the arc bulges to the right of the chord
        assert off.min() == pytest.approx(-s, abs=1e-3)
    else:
        assert off.max() == pytest.approx(s, abs=1e-3)
    # the segment area between chord and arc, analytic: r²/2 (θ - sin θ); chords lose at most tol x arc length
    seg = Polygon(np.vstack([pts, pts[:1]]))
    exact = 0.5 * r * r * (abs(theta) - math.sin(abs(theta)))
    assert exact - 1e-3 * r * abs(theta) <= seg.area <= exact


def test_straight_bulge_is_a_line():
    assert bulge_points((0, 0), (5, 0), 0.0, tolerance_mm=0.01).tolist() == [[0, 0], [5, 0]]


# ---------------------------------------------------------------------------------------------------
# chaining
# ---------------------------------------------------------------------------------------------------
def test_loose_lines_in_any_order_and_direction_chain_into_one_loop():
    sq = square(0, 0, 10)
    pieces = [sq[i : i + 2] for i in range(4)]
    pieces = [pieces[2], pieces[0][::-1], pieces[3], pieces[1][::-1]]
    loops = chain_curves(pieces, tolerance_mm=0.01)
    assert len(loops) == 1
    assert tuple(loops[0][0]) == tuple(loops[0][-1])
    assert abs(Polygon(loops[0]).area) == pytest.approx(100.0)


def test_gap_above_tolerance_names_both_ends():
    sq = square(0, 0, 10)
    pieces = [sq[i : i + 2].copy() for i in range(4)]
    pieces[1][0] = (10.0, 0.5)  # the right side starts 0.5 mm above the bottom's end
    with pytest.raises(GeometryError) as exc:
        chain_curves(pieces, tolerance_mm=0.01)
    msg = str(exc.value)
    assert "gap of 0.5000 mm" in msg
    assert sorted(named_points(msg)) == [(10.0, 0.0), (10.0, 0.5)]


def random_outline(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ang = (np.arange(n) + rng.uniform(0.05, 0.95, n)) * 2 * np.pi / n  # gaps < pi: a simple star-shaped outline
    rad = rng.uniform(20, 50, n)
    pts = np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    return np.vstack([pts, pts[:1]])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 40),
    pieces=st.integers(2, 12),
    factor=st.sampled_from([0.0, 0.3, 0.9, 1.2, 3.0, 50.0]),
    tol=st.sampled_from([0.001, 0.01, 0.1]),
)
def test_random_outline_with_a_random_gap_chains_below_and_fails_above(seed, n, pieces, factor, tol):
    rng = np.random.default_rng(seed + 1)
    outline = random_outline(seed, n)
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(pieces, n - 1), replace=False))
    bounds = [0, *cuts.tolist(), n]
    curves = [outline[a : b + 1].copy() for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    # open one joint by factor * tol in a random direction
    k = int(rng.integers(0, len(curves)))
    direction = rng.normal(size=2)
    direction /= np.hypot(*direction)
    gap = factor * tol
    moved_from = curves[k][0].copy()
    curves[k][0] = moved_from + gap * direction
    order = rng.permutation(len(curves))
    curves = [curves[i] if rng.random() < 0.5 else curves[i][::-1] for i in order]
    expected = abs(Polygon(outline).area)
    if factor < 1.0:
        loops = chain_curves(curves, tolerance_mm=tol)
        assert len(loops) == 1
        assert abs(Polygon(loops[0]).area) == pytest.approx(expected, abs=gap * 200 + 1e-9)
    else:
        with pytest.raises(GeometryError) as exc:
            chain_curves(curves, tolerance_mm=tol)
        named = named_points(str(exc.value))
        assert len(named) == 2
        ends = {tuple(np.round(moved_from, 4)), tuple(np.round(moved_from + gap * direction, 4))}
        for p in named:
            assert min(math.dist(p, e) for e in ends) < 2e-4
        assert f"gap of {gap:.4f} mm" in str(exc.value)


def test_specks_shorter_than_the_tolerance_are_ignored():
    loops = chain_curves([square(0, 0, 1), np.array([[5.0, 5.0], [5.0, 5.001]])], tolerance_mm=0.01)
    assert len(loops) == 1


def test_bad_curves_are_refused():
    with pytest.raises(InputError):
        chain_curves([np.zeros(3)], tolerance_mm=0.01)
    with pytest.raises(InputError):
        chain_curves([square(0, 0, 1)], tolerance_mm=0.0)
    with pytest.raises(GeometryError, match="non-finite"):
        chain_curves([np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, 1.0]])], tolerance_mm=0.01)


# ---------------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------------
def test_self_intersection_is_named():
    bowtie = np.array([[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]], dtype=float)
    with pytest.raises(GeometryError, match="crosses itself") as exc:
        loops_to_polygons([bowtie])
    assert named_points(str(exc.value)) == [(5.0, 5.0)]


def test_every_self_crossing_is_named():
    # a pentagram drawn in one stroke crosses itself five times; shapely nodes it for the reference
    ang = np.pi / 2 + np.arange(6) * 4 * np.pi / 5
    star = np.column_stack([10 * np.cos(ang), 10 * np.sin(ang)])
    with pytest.raises(GeometryError) as exc:
        loops_to_polygons([star])
    named = named_points(str(exc.value))
    assert len(named) == 5
    inner_r = 10 * math.cos(2 * math.pi / 5) / math.cos(math.pi / 5)
    for x, y in named:
        assert math.hypot(x, y) == pytest.approx(inner_r, abs=1e-3)


def test_two_crossing_contours_are_named():
    with pytest.raises(GeometryError, match="cross") as exc:
        loops_to_polygons([square(0, 0, 10), square(5, 5, 10)])
    assert sorted(named_points(str(exc.value))) == [(5.0, 10.0), (10.0, 5.0)]


def test_contours_side_by_side_along_an_edge_make_one_region():
    got = loops_to_polygons([square(0, 0, 10), square(10, 2, 5)])
    assert len(got) == 1 and not got[0].interiors
    assert got[0].symmetric_difference(Polygon(square(0, 0, 10)).union(Polygon(square(10, 2, 5)))).area < 1e-9


def test_contour_inside_another_touching_its_edge_is_a_notch():
    # a 4 mm square inside a 10 mm one, on its bottom edge: even-odd, as a nesting that touches
    got = loops_to_polygons([square(0, 0, 10), square(3, 0, 4)])
    want = Polygon(square(0, 0, 10)).difference(Polygon(square(3, 0, 4)))
    assert len(got) == 1 and got[0].symmetric_difference(want).area < 1e-9
    assert got[0].area == pytest.approx(84.0)


def test_contours_partly_overlapping_along_an_edge_are_named():
    # an edge in common and interiors partly overlapping: ambiguous, refused with the points
    with pytest.raises(GeometryError, match="overlap along a line"):
        loops_to_polygons([square(0, 0, 10), square(5, 0, 10)])


def test_zero_area_contour_is_refused():
    flat = np.array([[0, 0], [5, 0], [10, 0], [5, 0.0000001], [0, 0]], dtype=float)
    with pytest.raises(GeometryError, match="zero area"):
        loops_to_polygons([flat], tolerance_mm=0.01)


def test_duplicate_contours_count_once():
    regions = loops_to_polygons([square(0, 0, 10), square(0, 0, 10, ccw=False)[[1, 2, 3, 4, 1]]])
    assert len(regions) == 1 and regions[0].area == pytest.approx(100)


def test_contours_touching_at_a_point_are_valid():
    # an island touching its outer boundary at one point, and two outlines meeting at a corner
    tri = np.array([[0, 5], [3, 4], [3, 6], [0, 5]], dtype=float)
    regions = loops_to_polygons([square(0, 0, 10), tri, square(10, 10, 4)])
    assert len(regions) == 2
    assert regions[0].area == pytest.approx(100 - 3.0)
    assert regions[1].area == pytest.approx(16)


# ---------------------------------------------------------------------------------------------------
# nesting
# ---------------------------------------------------------------------------------------------------
def test_even_odd_nesting_against_shapely_symmetric_difference():
    loops = [square(0, 0, 100), square(20, 20, 60, ccw=False), square(40, 40, 20), square(45, 45, 5),
             square(110, 0, 10)]
    regions = loops_to_polygons(loops)
    assert sorted(round(p.area, 6) for p in regions) == sorted([100.0, 20 * 20 - 25.0, 100**2 - 60**2])
    reference = Polygon()
    for lp in loops:
        reference = reference.symmetric_difference(Polygon(lp))
    assert MultiPolygon(regions).symmetric_difference(reference).area < 1e-9
    for p in regions:
        assert p.exterior.is_ccw and p.is_valid


@pytest.mark.parametrize(("inner_ccw", "rule", "area"), [
    (True, FillRule.NONZERO, 100.0),  # same direction: winding 2 inside, filled
    (False, FillRule.NONZERO, 96.0),  # opposite: winding 0, a hole
    (True, FillRule.EVENODD, 96.0),
    (False, FillRule.EVENODD, 96.0),
])
def test_fill_rules(inner_ccw, rule, area):
    regions = loops_to_polygons([square(0, 0, 10), square(4, 4, 2, ccw=inner_ccw)], fill_rule=rule)
    assert len(regions) == 1
    assert regions[0].area == pytest.approx(area)
    assert len(regions[0].interiors) == (0 if area == 100.0 else 1)


def test_nonzero_three_levels_same_direction_is_one_solid():
    loops = [square(0, 0, 30), square(5, 5, 20), square(10, 10, 10)]
    regions = loops_to_polygons(loops, fill_rule=FillRule.NONZERO)
    assert len(regions) == 1 and regions[0].area == pytest.approx(900) and not regions[0].interiors


def test_curves_to_polygons_chains_then_nests():
    outer = square(0, 0, 20)
    hole = Point(10, 10).buffer(3, quad_segs=32).exterior.coords
    curves = [outer[:3], outer[2:], np.asarray(hole)[:40], np.asarray(hole)[39:]]
    regions = curves_to_polygons(curves, tolerance_mm=0.01)
    assert len(regions) == 1 and len(regions[0].interiors) == 1
    assert regions[0].area == pytest.approx(400 - Polygon(hole).area)


# ---------------------------------------------------------------------------------------------------
# pockets
# ---------------------------------------------------------------------------------------------------
def plate_with_hole() -> Polygon:
    return box(0, 0, 40, 30).difference(Point(20, 15).buffer(5, quad_segs=64))


def test_drawing_pockets_default_stock_closes_every_pocket():
    region = plate_with_hole()
    res = drawing_pockets([region, box(50, 0, 60, 10)], depth_mm=3.0)
    assert res.levels_mm == [-3.0]
    assert len(res.pockets) == 2
    for p in res.pockets:
        assert p.z_top_mm == 0.0 and p.z_bottom_mm == -3.0
        assert not p.is_open and not p.through and p.outside is None
    big = max(res.pockets, key=lambda p: p.region.area)
    assert big.region.area == pytest.approx(region.area) and len(big.islands) == 1
    assert res.stock.footprint.bounds == (-5.0, -5.0, 65.0, 35.0)
    assert (res.stock.z_bottom_mm, res.stock.z_top_mm) == (-6.0, 0.0)
    assert res.unreachable == []
    # the volume identity: what the pockets remove is the stock less the part
    assert res.removed_volume_mm3 == pytest.approx(3.0 * (region.area + 100.0))
    assert res.stock.volume_mm3 - res.part_volume_mm3 == pytest.approx(res.removed_volume_mm3)


def test_drawing_pockets_open_edges_on_the_stock_boundary():
    stock = Stock.box(0, 0, -10, 40, 30, 0)
    res = drawing_pockets(box(0, 10, 40, 20), depth_mm=2.0, stock=stock)  # a slot across the stock
    (p,) = res.pockets
    assert p.is_open and p.outside is not None
    assert p.open_edges.length == pytest.approx(20.0, abs=1e-4)  # both ends of the slot, 10 mm each
    assert p.domain(7.0).area > p.region.area  # the tool may travel outside across the open ends


def test_drawing_pockets_clip_to_the_stock_and_report_what_is_outside():
    stock = Stock.box(0, 0, -10, 40, 30, 0)
    res = drawing_pockets(box(30, 5, 50, 15), depth_mm=2.0, stock=stock)
    (p,) = res.pockets
    assert p.region.area == pytest.approx(100.0)
    assert p.open_edges.length == pytest.approx(10.0, abs=1e-4)
    (u,) = res.unreachable
    assert u["where"][:2] == [40.0, 5.0] and u["where"][3:5] == [50.0, 15.0]
    assert "outside the stock" in u["reason"]
    with pytest.raises(GeometryError, match="inside the stock"):
        drawing_pockets(box(100, 100, 110, 110), depth_mm=1.0, stock=stock)


def test_drawing_pockets_merge_overlapping_regions():
    res = drawing_pockets([box(0, 0, 10, 10), box(5, 5, 15, 15), box(20, 0, 21, 1)], depth_mm=1.0)
    assert sorted(p.region.area for p in res.pockets) == pytest.approx([1.0, 175.0])
    assert res.removed_volume_mm3 == pytest.approx(176.0)


def test_drawing_pockets_through_and_round_holes():
    stock = Stock.box(-10, -10, -3, 10, 10, 0)
    res = drawing_pockets(Point(0, 0).buffer(4, quad_segs=64), depth_mm=3.0, stock=stock)
    (p,) = res.pockets
    assert p.through and p.hole_diameter_mm == pytest.approx(8.0, abs=0.01)


@pytest.mark.parametrize("depth", [0.0, -1.0, float("nan"), float("inf"), None, "3", True])
def test_drawing_pockets_refuse_bad_depths(depth):
    with pytest.raises(InputError, match="depth_mm"):
        drawing_pockets(box(0, 0, 1, 1), depth_mm=depth)  # type: ignore[arg-type]


def test_drawing_pockets_refuse_bad_regions():
    with pytest.raises(InputError):
        drawing_pockets([Point(0, 0)], depth_mm=1.0)
    with pytest.raises(GeometryError, match="invalid"):
        drawing_pockets(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), depth_mm=1.0)
    with pytest.raises(GeometryError, match="no closed region"):
        drawing_pockets([], depth_mm=1.0)


def test_is_drawing_and_load_drawing():
    assert is_drawing("a.DXF") and is_drawing("b.svg") and not is_drawing("c.step")
    assert is_drawing(box(0, 0, 1, 1)) and is_drawing([box(0, 0, 1, 1)]) and not is_drawing([])
    assert load_drawing(MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]))[1].area == pytest.approx(1.0)


def _gapped_square_dxf(path, gap: float):  # noqa: ANN001, ANN202
    """A 20 x 20 square drawn as two open polylines whose ends miss each other by ``gap`` mm (at two corners),
    with a closed circle inside (an island)."""
    import ezdxf

    doc = ezdxf.new()
    doc.units = ezdxf.units.MM
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (20, 0), (20, 20)])
    msp.add_lwpolyline([(20 - gap, 20), (0, 20), (0, gap)])
    msp.add_circle((10, 10), 3)
    doc.saveas(path)
    return path


def test_close_gaps_joins_contours_that_do_not_meet(tmp_path) -> None:  # noqa: ANN001
    """Gaps of 0.3 mm: refused by default with the width and the option named; with gap_mm 0.5 the square
    closes (the two gaps, along its edges, bridged by straight lines: the full square, the island inside)."""
    from toolpath.geometry.drawing import load_drawing
    from toolpath.job import mill

    path = _gapped_square_dxf(tmp_path / "gap.dxf", 0.3)
    with pytest.raises(GeometryError, match=r"gap of 0\.3000 mm.*--close-gaps"):
        load_drawing(path)
    polys = load_drawing(path, gap_mm=0.5)
    assert len(polys) == 1 and len(polys[0].interiors) == 1
    assert Polygon(polys[0].exterior).area == pytest.approx(400.0, abs=1e-9)
    assert Polygon(polys[0].interiors[0]).area == pytest.approx(math.pi * 9, rel=0.01)
    with pytest.raises(GeometryError):
        load_drawing(path, gap_mm=0.2)  # narrower than the gaps: still open
    res = mill(path, Tool(3.0), depth_mm=2.0, gap_mm=0.5)
    assert len(res.pockets) == 1 and len(res.program.toolpath) > 0
    with pytest.raises(InputError, match="gap_mm"):
        load_drawing(path, gap_mm=-1.0)


def test_close_gaps_prefers_the_nearer_end(tmp_path) -> None:  # noqa: ANN001
    """With a wide gap allowance, a chain does not close on its own start while another curve's end is nearer:
    two open halves of a square (touching ends) make one loop of the full square, not two slivers."""
    from toolpath.geometry.drawing import chain_curves

    halves = [np.array([(0, 0), (10, 0), (10, 10)], float), np.array([(10, 10), (0, 10), (0, 0)], float)]
    loops = chain_curves(halves, gap_mm=20.0)
    assert len(loops) == 1
    assert Polygon(loops[0]).area == pytest.approx(100.0)


def test_strays_and_lines_drawn_twice_are_dropped() -> None:
    """A square of four lines with one edge drawn twice and a stray piece over another edge (one end loose)
    chains into the square alone; two half circles with the same ends (not along each other) stay a loop."""
    from toolpath.geometry.drawing import chain_curves

    edges = [[(0, 0), (10, 0)], [(10, 0), (10, 10)], [(10, 10), (0, 10)], [(0, 10), (0, 0)]]
    twice = [(0, 10), (10, 10)]  # the top edge again, reversed
    stray = [(10, 0.004), (3, 0.004)]  # over the bottom edge from its corner: one end loose
    loops = chain_curves([np.array(c, float) for c in [*edges, twice, stray]])
    assert len(loops) == 1
    assert Polygon(loops[0]).area == pytest.approx(100.0)
    t = np.linspace(0, np.pi, 50)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[np.cos(t), -np.sin(t)]
    loops = chain_curves([upper, lower])
    assert len(loops) == 1 and Polygon(loops[0]).area == pytest.approx(np.pi, rel=0.01)
    with pytest.raises(GeometryError, match="open contour"):  # a loose piece off the square is no stray
        chain_curves([np.array(c, float) for c in [*edges, [(3, 2), (12, 2)]]])


@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=3, max_size=12),
       st.floats(-12, 12), st.floats(-12, 12))
@settings(max_examples=200, deadline=None)
def test_winding_number_of_a_simple_ring_is_shapely_containment(pts, x, y) -> None:
    """For a simple ring: +-1 (by its orientation) at points shapely finds inside, 0 outside."""
    from shapely.geometry import LinearRing

    from toolpath.geometry.drawing import winding_number

    ring = np.array([*pts, pts[0]], float)
    lr = LinearRing(ring)
    if not lr.is_valid or not lr.is_simple or Polygon(ring).area < 1e-6 or lr.distance(Point(x, y)) < 1e-6:
        return
    want = (1 if lr.is_ccw else -1) if Polygon(ring).contains(Point(x, y)) else 0
    assert winding_number(ring, x, y) == want
