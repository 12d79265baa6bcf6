"""Zigzag clearing checked by exact swept areas (shapely), as offset clearing: no cut into walls or
islands, nothing reachable left, rapids only above the material."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from checks import CLEAR, check_toolpath, pocket_or_refused, pockets_with_islands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from toolpath import InputError, Pocket, Tool, UnreachableError
from toolpath.strategies.zigzag import ZigzagParams, clear_pockets_zigzag, plan_zigzag_2d, raster_chains


def check_pocket(pocket: Pocket, tool: Tool, params: ZigzagParams):
    tp, unreachable = clear_pockets_zigzag([pocket], tool, params, clearance_z_mm=CLEAR)
    check_toolpath(tp, pocket, tool, params)
    return tp, unreachable


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, -47.5])
def test_rectangle_with_island_any_angle(angle):
    region = box(0, 0, 60, 40).difference(Point(30, 20).buffer(6, quad_segs=32))
    tp, unreachable = check_pocket(Pocket(region, 0.0, -5.0), Tool(6),
                                   ZigzagParams(stepover_mm=2.4, stepdown_mm=2.5, angle_deg=angle))
    assert unreachable == []
    # the raster lines run at the asked angle: the longest segment of every zigzag points that way
    plan = plan_zigzag_2d(Pocket(region, 0.0, -5.0), Tool(6),
                          ZigzagParams(stepover_mm=2.4, stepdown_mm=2.5, angle_deg=angle))
    zigzags = [c.xy for c in plan.chains if not c.closed and len(c.xy) > 1]
    assert zigzags
    for z in zigzags:
        v = np.diff(z, axis=0)
        longest = v[np.argmax(np.hypot(v[:, 0], v[:, 1]))]
        ang = np.degrees(np.arctan2(longest[1], longest[0])) % 180
        assert min(abs(ang - angle % 180), 180 - abs(ang - angle % 180)) < 1e-6


def test_raster_lines_are_inside_and_at_most_a_stepover_apart():
    region = box(0, 0, 50, 30).difference(box(20, 10, 30, 20))
    zz = raster_chains(region, 2.0, 20.0)
    covered = shapely.union_all([LineString(z).buffer(1.0 + 1e-6) for z in zz if len(z) > 1])
    assert all(region.buffer(1e-6).covers(LineString(z)) for z in zz if len(z) > 1)
    # lines at most 2 mm apart: discs of radius 1 along them cover the region but for its very edges
    assert region.buffer(-1.0).difference(covered).area < 1e-6


def test_contour_pass_follows_the_walls():
    region = box(0, 0, 40, 30)
    plan = plan_zigzag_2d(Pocket(region, 0, -1), Tool(6), ZigzagParams(stepover_mm=2.5, stepdown_mm=1))
    loops = [c for c in plan.chains if c.closed]
    assert loops, "a contour pass at the finishing allowance (0.1 mm) from the walls"
    ring = LineString(loops[0].xy)
    assert ring.hausdorff_distance(region.buffer(-3.105, join_style="mitre").exterior) < 1e-6
    assert len(plan.finish) == 1, "and a finishing pass on the walls"
    ring = LineString(plan.finish[0].xy)
    assert ring.hausdorff_distance(region.buffer(-3.005, join_style="mitre").exterior) < 1e-6
    no_allowance = plan_zigzag_2d(Pocket(region, 0, -1), Tool(6),
                                  ZigzagParams(stepover_mm=2.5, stepdown_mm=1, finish_allowance_mm=0.0))
    assert not no_allowance.finish
    ring = LineString([c for c in no_allowance.chains if c.closed][0].xy)
    assert ring.hausdorff_distance(region.buffer(-3.005, join_style="mitre").exterior) < 1e-6


def test_narrow_neck_and_open_side():
    region = shapely.union_all([box(0, 0, 30, 30), box(40, 0, 70, 30), box(29, 12, 41, 18)])
    check_pocket(Pocket(region, 0, -3), Tool(4), ZigzagParams(stepover_mm=1.5, stepdown_mm=3, angle_deg=15))
    outside = box(-100, -100, 100, 100).difference(box(0, 0, 50, 30))
    reg = box(0, 0, 50, 5)
    edges = reg.boundary.intersection(box(0, 0, 50, 30).boundary)
    pocket = Pocket(reg, 10.0, 8.0, open_edges=shapely.MultiLineString(
        [list(g.coords) for g in getattr(edges, "geoms", [edges])]), outside=outside)
    check_pocket(pocket, Tool(6), ZigzagParams(stepover_mm=2.0, stepdown_mm=2.0))


def test_errors():
    with pytest.raises(UnreachableError, match="diameter 12"):
        clear_pockets_zigzag([Pocket(box(0, 0, 10, 10), 0, -1)], Tool(12), ZigzagParams(stepover_mm=4, stepdown_mm=1),
                             clearance_z_mm=CLEAR)
    with pytest.raises(InputError, match="angle_deg"):
        ZigzagParams(stepover_mm=1, stepdown_mm=1, angle_deg=float("nan")).validate(Tool(6))


def _random_case(region, d, frac, angle, entry, allowance):
    tool = Tool(d)
    pocket = pocket_or_refused(region, 0.0, -2.0)
    if pocket is None:
        return
    try:
        check_pocket(pocket, tool, ZigzagParams(stepover_mm=frac * d, stepdown_mm=2.0, angle_deg=angle, entry=entry,
                                                finish_allowance_mm=allowance))
    except UnreachableError:
        assert region.buffer(-(d / 2 + 0.005)).is_empty


_given = given(region=pockets_with_islands(), d=st.sampled_from([3.0, 6.0]), frac=st.floats(0.2, 0.6),
               angle=st.floats(-180, 180), entry=st.sampled_from(["helix", "ramp"]),
               allowance=st.sampled_from([0.0, 0.1, 0.3]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_have_no_gouge_and_no_reachable_leftover(region, d, frac, angle, entry, allowance):
    _random_case(region, d, frac, angle, entry, allowance)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_many(region, d, frac, angle, entry, allowance):
    _random_case(region, d, frac, angle, entry, allowance)


def test_end_to_end_zigzag_on_a_solid_rs274_and_simulation(tmp_path):
    """A block with a pocket around a round boss and a step: zigzag program accepted by LinuxCNC's rs274
    (same motion), and simulated against the solid: no gouge, no rapid through stock, reachable floor
    cleared, designed volume removed within 3 %."""
    pytest.importorskip("cadquery")
    from parts_for_tests import assert_rs274_same_motion, assert_simulated_clean, boss_block

    from toolpath.job import mill

    path = boss_block(tmp_path / "boss.step")
    tool = Tool(6)
    res = mill(path, tool, strategy="zigzag", stepover="40%", stepdown_mm=3.0)
    assert_rs274_same_motion(res.program, [tool])
    chk = assert_simulated_clean(res.program, path, tool)
    assert chk.uncut_area_mm2 <= 5.0, chk.uncut[:5]
    assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3, rel=0.03)
