"""Offset clearing checked by exact swept areas (shapely): no cut into walls or islands,
nothing reachable left, rapids only above the material."""

from __future__ import annotations

import pytest
import shapely
from checks import CLEAR, check_toolpath, pockets_with_islands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from toolpath import InputError, MoveKind, Pocket, Tool, UnreachableError
from toolpath.strategies.offset import OffsetParams, clear_pockets, plan_offset_2d


def check_pocket(pocket: Pocket, tool: Tool, params: OffsetParams):
    tp, unreachable = clear_pockets([pocket], tool, params, clearance_z_mm=CLEAR)
    check_toolpath(tp, pocket, tool, params)
    return tp, unreachable


def test_rectangle_with_island_and_stepdowns():
    region = box(0, 0, 60, 40).difference(Point(30, 20).buffer(6, quad_segs=32))
    pocket = Pocket(region, 0.0, -7.0)
    tool = Tool(6)
    tp, unreachable = check_pocket(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=3.0))
    assert unreachable == []
    # three even stepdowns: floors at -7/3, -14/3, -7
    levels = sorted({round(z, 6) for z in tp.xyz[tp.kind == MoveKind.FEED, 2]})
    for z in (-7 / 3, -14 / 3, -7):
        assert round(z, 6) in levels


def test_loops_come_from_the_kernel_and_match_shapely_loops():
    region = box(0, 0, 60, 40).difference(Point(30, 20).buffer(6, quad_segs=32)).difference(box(8, 8, 14, 12))
    pocket, tool = Pocket(region, 0.0, -3.0), Tool(6)
    kern = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.0, stepdown_mm=3.0))
    shp = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.0, stepdown_mm=3.0, use_kernel=False))
    assert kern.loops_from == "kernel" and shp.loops_from == "shapely"
    a = [c for c in kern.chains if c.closed]
    b = [c for c in shp.chains if c.closed]
    assert len(a) == len(b)
    lines_a = shapely.MultiLineString([c.xy for c in a])
    lines_b = shapely.MultiLineString([c.xy for c in b])
    # shapely's loops (16 chords per quarter) and the kernel's (within 0.005 mm) agree to shapely's chord error
    assert shapely.hausdorff_distance(lines_a, lines_b, densify=0.1) < 0.02
    check_pocket(pocket, tool, OffsetParams(stepover_mm=2.0, stepdown_mm=3.0))


def test_open_side_pocket_cuts_from_outside():
    outside = box(-100, -100, 100, 100).difference(box(0, 0, 50, 30))
    region = box(0, 0, 50, 5)
    edges = region.boundary.intersection(box(0, 0, 50, 30).boundary)
    pocket = Pocket(region, 10.0, 8.0, open_edges=shapely.MultiLineString([list(g.coords) for g in
                                                                            getattr(edges, "geoms", [edges])]),
                    outside=outside)
    check_pocket(pocket, Tool(6), OffsetParams(stepover_mm=2.0, stepdown_mm=2.0))


def test_narrow_neck_splits_and_both_lobes_are_cleared():
    region = shapely.union_all([box(0, 0, 30, 30), box(40, 0, 70, 30), box(29, 12, 41, 18)])
    tp, _ = check_pocket(Pocket(region, 0, -3), Tool(4), OffsetParams(stepover_mm=1.5, stepdown_mm=3))
    assert tp.xyz[:, 0].min() < 15 < 55 < tp.xyz[:, 0].max()


def test_tool_too_big_raises_and_reports():
    with pytest.raises(UnreachableError, match="diameter 12"):
        clear_pockets([Pocket(box(0, 0, 10, 10), 0, -1)], Tool(12), OffsetParams(stepover_mm=4, stepdown_mm=1),
                      clearance_z_mm=CLEAR)


def test_bad_parameters_name_the_value():
    with pytest.raises(InputError, match="stepover_mm"):
        OffsetParams(stepover_mm=7, stepdown_mm=1).validate(Tool(6))
    with pytest.raises(InputError, match="stepdown_mm"):
        OffsetParams(stepover_mm=1, stepdown_mm=0).validate(Tool(6))


def _random_pocket_case(region, d, frac):
    tool = Tool(d)
    pocket = Pocket(region, 0.0, -2.0)
    try:
        check_pocket(pocket, tool, OffsetParams(stepover_mm=frac * d, stepdown_mm=2.0))
    except UnreachableError:
        assert region.buffer(-(d / 2 + 0.005)).is_empty


_given = given(region=pockets_with_islands(), d=st.sampled_from([3.0, 6.0]), frac=st.floats(0.2, 0.6))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_have_no_gouge_and_no_reachable_leftover(region, d, frac):
    _random_pocket_case(region, d, frac)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_many(region, d, frac):
    _random_pocket_case(region, d, frac)
