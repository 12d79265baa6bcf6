"""Wall profiles: the swept area (shapely, arcs flattened within 1 µm) reaches every wall the tool can reach,
within the tolerance, at the floor, and never enters the part; rapids only above material; the G-code runs
in LinuxCNC's rs274 and the simulation of a solid part finds no gouge."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from checks import ARC_CHORD_MM, _flatten, segments, thick
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiLineString, Point, box

from toolpath import InputError, MoveKind, Pocket, Tool, UnreachableError
from toolpath.strategies.profile import ProfileParams, material_top, plan_profile_2d, profile_pockets

CLEAR = 30.0


def swept_at(tp, z_mm: float, r_mm: float):
    """Union of the tool discs along the cutting moves at height ``z_mm`` (arcs flattened)."""
    flat, _ = _flatten(tp, ARC_CHORD_MM)
    segs, a = segments(flat, flat.xyz[0])
    at = (flat.kind != MoveKind.RAPID) & (np.abs(a[:, 2] - z_mm) < 1e-9) & (np.abs(flat.xyz[:, 2] - z_mm) < 1e-9)
    return shapely.union_all(shapely.buffer(segs[at], r_mm, quad_segs=32))


def assert_profile(tp, pocket: Pocket, tool: Tool, params: ProfileParams, *, top_mm: float | None = None) -> None:
    """No cut into the part; every reachable wall point touched at the floor within stock + tolerance; the
    floor reached and never passed; rapids vertical or at the clearance height, down only into air."""
    flat, from_arc = _flatten(tp, ARC_CHORD_MM)
    r, s = tool.radius_mm, params.radial_stock_mm
    segs, a = segments(flat, flat.xyz[0])
    cutting = flat.kind != MoveKind.RAPID
    top = pocket.z_top_mm if top_mm is None else top_mm
    below = cutting & (np.minimum(a[:, 2], flat.xyz[:, 2]) < top - 1e-9)
    domain = pocket.domain(tool.diameter_mm + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = shapely.distance(segs[below], domain.boundary) - np.where(from_arc[below], ARC_CHORD_MM, 0.0)
    assert dist.min() >= r + s - 2e-6, f"move {int(np.flatnonzero(below)[np.argmin(dist)])} cuts into a wall"
    assert np.all(shapely.covers(domain, segs[below]))
    floor = pocket.z_bottom_mm + params.axial_stock_mm
    assert flat.xyz[:, 2].min() == pytest.approx(floor)
    # the walls: the boundary of what a tool of radius r + s reaches, where it lies on the region's walls
    reach = domain.buffer(-(r + s + params.tolerance_mm), quad_segs=64).buffer(r, quad_segs=64)
    walls = pocket.region.boundary
    if pocket.is_open:
        walls = walls.difference(pocket.open_edges.buffer(1e-6))
    strip = reach.difference(reach.buffer(-0.2, quad_segs=64)).intersection(
        walls.buffer(s + params.tolerance_mm + 0.25, quad_segs=16))
    missed = thick(strip.difference(swept_at(tp, floor, r)), 0.005)
    assert missed.area < 0.01, f"{missed.area:.4f} mm2 of wall strip not reached at {missed.bounds}"
    # rapids: vertical, or horizontal at the clearance height; never below the material top
    for i in np.flatnonzero(flat.kind == MoveKind.RAPID):
        if a[i, 2] != flat.xyz[i, 2]:
            assert np.allclose(a[i, :2], flat.xyz[i, :2])
            assert flat.xyz[i, 2] > top or a[i, 2] < flat.xyz[i, 2], f"rapid {i} goes down into material"
        else:
            assert flat.xyz[i, 2] == pytest.approx(CLEAR)


def closed_pocket() -> Pocket:
    region = box(0, 0, 40, 30).difference(Point(20, 15).buffer(4, quad_segs=32)).difference(box(30, 20, 34, 24))
    return Pocket(region, 0.0, -7.0)


def open_step() -> Pocket:
    """A strip open on three sides (a step along one wall), with a round boss standing on it."""
    region = box(0, 25, 60, 40).difference(Point(30, 34).buffer(2.5, quad_segs=32))
    edges = MultiLineString([[(0, 25), (0, 40)], [(0, 40), (60, 40)], [(60, 40), (60, 25)]])
    outside = box(-20, 0, 80, 60).difference(box(0, 0, 60, 40))
    return Pocket(region, 20.0, 12.0, open_edges=edges, outside=outside)


@pytest.mark.parametrize("direction", ["climb", "conventional"])
@pytest.mark.parametrize("stock", [0.0, 0.3])
def test_closed_pocket_walls_and_island(direction, stock):
    pocket, tool = closed_pocket(), Tool(6)
    params = ProfileParams(stepdown_mm=3.0, direction=direction, radial_stock_mm=stock, spring_pass=True)
    entries: list = []
    tp, unreachable = profile_pockets([pocket], tool, params, clearance_z_mm=CLEAR, entries=entries)
    assert unreachable == []
    assert_profile(tp, pocket, tool, params)
    # even stepdowns (7 mm in three of 2.333), each entered on a ramp and a tangential lead arc, the last depth
    # twice (spring pass); three loops: the outer wall with the round island, and the square island, whose
    # narrow gap to the corner splits the domain (a small loop there has no room for lead arcs: ramped in)
    leads = [e for e in entries if e["kind"] == "lead-arc"]
    assert sorted({e["z_mm"] for e in leads}) == pytest.approx([-7.0, -14 / 3, -7 / 3], abs=1e-4)
    assert len(leads) + [e["kind"] for e in entries].count("ramp-loop") == 9
    assert [e["laps"] for e in leads].count(2) == len(leads) // 3
    assert all(e["kind"] != "plunge" for e in entries)
    # direction: the outer loop runs CCW for climb (walls on the right), CW for conventional
    chains, _ = plan_profile_2d(pocket, tool, params)
    outer = max(chains, key=lambda c: shapely.Polygon(c.xy).area)
    ccw = shapely.LinearRing(outer.xy).is_ccw
    assert ccw == (direction == "climb")
    # the interior is not cleared: a point 6 mm from the outer wall and the island is not swept at the floor
    assert not swept_at(tp, -7.0, 3.0).contains(Point(9, 8))


def test_open_step_enters_from_outside_and_cuts_the_wall_and_the_boss():
    pocket, tool = open_step(), Tool(6)
    params = ProfileParams(stepdown_mm=4.0)
    entries: list = []
    tp, _ = profile_pockets([pocket], tool, params, clearance_z_mm=CLEAR, entries=entries)
    assert_profile(tp, pocket, tool, params)
    chains, _ = plan_profile_2d(pocket, tool, params)
    assert sorted(c.closed for c in chains) == [False, True]
    wall = next(c for c in chains if not c.closed)
    # the wall chain starts and ends in the air beyond the stock's sides, at the tool radius from the wall
    assert wall.xy[0, 0] < -2.9 and wall.xy[-1, 0] > 62.9
    mid = wall.xy[np.abs(wall.xy[:, 0] - 20) < 5]
    np.testing.assert_allclose(mid[:, 1], 25 + 3.005, atol=1e-6)
    assert [e["kind"] for e in entries].count("outside") == 2  # one per stepdown on the open wall


def test_lower_pocket_starts_at_the_material_top():
    upper = Pocket(box(0, 0, 40, 30), 10.0, 5.0)
    lower = Pocket(box(10, 10, 30, 20), 5.0, 0.0)
    tool = Tool(4)
    params = ProfileParams(stepdown_mm=2.0)
    assert material_top(lower, [upper, lower], lower.region) == 10.0
    tp, _ = profile_pockets([lower, upper], tool, params, clearance_z_mm=CLEAR)
    # the lower walls are cut from z = 10 (the upper pocket's top, its interior not cleared): passes at
    # 8, 6, 4, 2, 0 there, not from 5 down; no rapid below 11 over them
    flat, _ = _flatten(tp, ARC_CHORD_MM)
    near_lower = (np.abs(flat.xyz[:, 0] - 20) < 9) & (np.abs(flat.xyz[:, 1] - 15) < 4)
    cut = near_lower & (flat.kind != MoveKind.RAPID)
    assert sorted(set(np.round(flat.xyz[cut, 2], 9)) & {0.0, 2.0, 4.0, 6.0, 8.0}) == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert flat.xyz[near_lower & (flat.kind == MoveKind.RAPID), 2].min() >= 11.0 - 1e-9


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=st.floats(20, 50), h=st.floats(20, 50), cx=st.floats(5, 45), cy=st.floats(5, 45), rad=st.floats(1, 5),
       d=st.sampled_from([3.0, 6.0]), stock=st.sampled_from([0.0, 0.2]))
def test_random_pockets_reach_every_wall_without_gouge(w, h, cx, cy, rad, d, stock):
    region = box(0, 0, w, h).difference(Point(cx, cy).buffer(rad, quad_segs=16))
    polys = sorted(getattr(region, "geoms", [region]), key=lambda p: -p.area)
    pocket = Pocket(shapely.Polygon(polys[0].exterior, polys[0].interiors), 0.0, -4.0)
    tool, params = Tool(d), ProfileParams(stepdown_mm=2.0, radial_stock_mm=stock)
    try:
        tp, _ = profile_pockets([pocket], tool, params, clearance_z_mm=CLEAR)
    except UnreachableError:
        assert pocket.region.buffer(-(d / 2 + stock + 0.005)).is_empty
        return
    assert_profile(tp, pocket, tool, params)


def test_bad_parameters_name_the_value():
    pocket = closed_pocket()
    with pytest.raises(InputError, match="stepdown_mm"):
        profile_pockets([pocket], Tool(6), ProfileParams(stepdown_mm=0), clearance_z_mm=CLEAR)
    with pytest.raises(InputError, match="radial_stock_mm"):
        profile_pockets([pocket], Tool(6), ProfileParams(stepdown_mm=1, radial_stock_mm=-1), clearance_z_mm=CLEAR)
    with pytest.raises(InputError, match="drill"):
        profile_pockets([pocket], Tool.drill(6), ProfileParams(stepdown_mm=1), clearance_z_mm=CLEAR)
    with pytest.raises(UnreachableError, match="diameter 40"):
        profile_pockets([pocket], Tool(40), ProfileParams(stepdown_mm=1), clearance_z_mm=CLEAR)
