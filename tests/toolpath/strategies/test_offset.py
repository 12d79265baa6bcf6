"""Offset clearing checked by exact swept areas (shapely): no cut into walls or islands,
nothing reachable left, rapids only above the material."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from checks import CLEAR, check_toolpath, pocket_or_refused, pockets_with_islands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from toolpath import InputError, MoveKind, Pocket, Tool, UnreachableError
from toolpath.strategies.entries import ClearingOrder, EntryKind
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


def _random_pocket_case(region, d, frac, order, entry, corner, allowance):
    tool = Tool(d)
    pocket = pocket_or_refused(region, 0.0, -2.0)
    if pocket is None:
        return
    params = OffsetParams(stepover_mm=frac * d, stepdown_mm=2.0, order=order, entry=entry, corner_radius_mm=corner,
                          finish_allowance_mm=allowance)
    try:
        check_pocket(pocket, tool, params)
    except UnreachableError:
        assert region.buffer(-(d / 2 + 0.005)).is_empty


# every option that changes the path: order, entry, corner smoothing, finishing allowance (finishing pass)
_given = given(region=pockets_with_islands(), d=st.sampled_from([3.0, 6.0]), frac=st.floats(0.2, 0.6),
               order=st.sampled_from(list(ClearingOrder)), entry=st.sampled_from(list(EntryKind)),
               corner=st.sampled_from([0.0, 0.5, 2.0]), allowance=st.sampled_from([0.0, 0.1, 0.3]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_have_no_gouge_and_no_reachable_leftover(region, d, frac, order, entry, corner, allowance):
    _random_pocket_case(region, d, frac, order, entry, corner, allowance)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@_given
def test_random_pockets_many(region, d, frac, order, entry, corner, allowance):
    _random_pocket_case(region, d, frac, order, entry, corner, allowance)


def test_inside_out_starts_in_the_middle_and_ends_at_the_walls():
    region = box(0, 0, 60, 40).difference(Point(15, 20).buffer(4, quad_segs=16))
    pocket, tool = Pocket(region, 0.0, -4.0), Tool(6)
    out_in = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=2.0))
    in_out = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=2.0, order="inside-out"))
    loops_a = [c.xy for c in out_in.chains if c.closed]
    loops_b = [c.xy for c in in_out.chains if c.closed]
    assert len(loops_a) == len(loops_b)
    # the same loops, in the reverse order, each run the other way round (climb stays climb)
    for a, b in zip(loops_a, reversed(loops_b), strict=True):
        assert shapely.LineString(a).hausdorff_distance(shapely.LineString(b)) < 1e-9
        area = lambda xy: np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1])  # noqa: E731
        assert np.sign(area(a)) == -np.sign(area(b))
    first, last = shapely.Polygon(loops_b[0]), shapely.Polygon(loops_b[-1])
    assert first.area < last.area
    check_pocket(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=2.0, order="inside-out"))


@pytest.mark.parametrize("island", [False, True])
def test_corner_smoothing_rounds_loops_inside_the_unrounded_ones(island):
    region = box(0, 0, 50, 30)
    if island:  # loops merging with the island's get notches the opening would cut off: not all are rounded
        region = region.difference(box(20, 10, 26, 16))
    pocket, tool = Pocket(region, 0.0, -3.0), Tool(6)
    sharp = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=3.0))
    round_ = plan_offset_2d(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=3.0, corner_radius_mm=2.0))
    cover = shapely.union_all([shapely.Polygon(c.xy).buffer(1e-6) for c in sharp.chains if c.closed])

    def max_turn_deg(xy):
        """The sharpest convex turn (towards the loop's inside) of a closed loop, degrees."""
        v = np.diff(xy, axis=0)
        v = v[np.hypot(v[:, 0], v[:, 1]) > 1e-9]
        v = np.vstack([v, v[:1]])
        cross = v[:-1, 0] * v[1:, 1] - v[:-1, 1] * v[1:, 0]
        ang = np.degrees(np.arctan2(cross, np.sum(v[:-1] * v[1:], axis=1)))
        inside = np.sign(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))
        return (ang * inside).max()

    sharp_turns = [max_turn_deg(c.xy) for c in sharp.chains if c.closed and shapely.LineString(c.xy).length > 1]
    assert max(sharp_turns) >= 89.9
    for c in round_.chains:
        if c.closed and shapely.LineString(c.xy).length > 1:
            assert cover.covers(shapely.LineString(c.xy))  # never closer to the walls
            if not island:
                assert max_turn_deg(c.xy) < 6.0  # convex corners as arcs (16 chords a quarter)
    check_pocket(pocket, tool, OffsetParams(stepover_mm=2.4, stepdown_mm=3.0, corner_radius_mm=2.0))


def test_axial_stock_and_final_floor_pass():
    region = box(0, 0, 40, 30)
    pocket, tool = Pocket(region, 0.0, -6.0), Tool(6)
    params = OffsetParams(stepover_mm=2.4, stepdown_mm=2.5, axial_stock_mm=0.3, floor_pass_mm=0.4)
    tp, _ = clear_pockets([pocket], tool, params, clearance_z_mm=CLEAR)
    check_toolpath(tp, pocket, tool, params, floor_z_mm=-5.7)
    levels = sorted({round(z, 6) for z in tp.xyz[tp.kind == MoveKind.FEED, 2]})
    # even steps of at most 2.5 mm down to 0.4 mm above the floor plus stock (-5.3), then the floor pass
    for z in (-5.3 / 3, -2 * 5.3 / 3, -5.3, -5.7):
        assert round(z, 6) in levels
    assert tp.xyz[:, 2].min() == pytest.approx(-5.7)
    with pytest.raises(InputError, match="floor_pass_mm"):
        OffsetParams(stepover_mm=1, stepdown_mm=1, floor_pass_mm=2).validate(tool)
    with pytest.raises(InputError, match="order"):
        OffsetParams(stepover_mm=1, stepdown_mm=1, order="sideways").validate(tool)


def test_a_kernel_level_that_leaves_its_parent_falls_back_to_shapely():
    """A slit 1e-38 mm wide (from the slow hypothesis profile) once gave a kernel level larger than its
    parent, out of the pocket: such levels are refused and shapely buffers used instead."""
    t = 1.1754943508222875e-38
    region = shapely.Polygon([(20, 0), (4, 0), (4, t), (6, t), (6, 5), (0, 5), (0, 20), (20, 20)]).difference(
        Point(0, 9).buffer(1, quad_segs=16))
    pocket, tool = Pocket(region, 0.0, -2.0), Tool(3)
    params = OffsetParams(stepover_mm=1.5, stepdown_mm=2.0, finish_allowance_mm=0.0)
    plan = plan_offset_2d(pocket, tool, params)
    inside = plan.centres.buffer(1e-6)
    assert all(inside.covers(shapely.LineString(c.xy)) for c in plan.chains if len(c.xy) > 1)
    check_pocket(pocket, tool, params)
