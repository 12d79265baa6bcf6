"""Entries (helix, ramp, from outside) and arc lead-in/out, checked on the moves themselves and by exact swept
areas (checks.check_toolpath: no gouge, nothing reachable left, rapids only above material)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from checks import CLEAR, check_toolpath, flatten
from shapely.geometry import LineString, Point, box
from shapely.prepared import prep

from toolpath import MoveKind, Pocket, Tool
from toolpath.moves import ToolpathBuilder
from toolpath.strategies.entries import Helix, cut_helix, find_helix
from toolpath.strategies.offset import OffsetParams, clear_pockets, plan_offset_2d
from toolpath.strategies.zigzag import ZigzagParams, clear_pockets_zigzag

ARCS = (MoveKind.ARC_CW, MoveKind.ARC_CCW)


def run(pocket, tool, params, zigzag=False):
    plans = []
    clear = clear_pockets_zigzag if zigzag else clear_pockets
    tp, _ = clear([pocket], tool, params, clearance_z_mm=CLEAR, plans=plans)
    check_toolpath(tp, pocket, tool, params,
                   floor_z_mm=pocket.z_bottom_mm + getattr(params, "axial_stock_mm", 0.0))
    return tp, plans[0]


def test_find_helix_fits_the_circle_in_the_domain_and_starts_nearest():
    centres = box(0, 0, 10, 4)
    h = find_helix(centres, prep(centres), np.array([5.0, 2.0]), 1.5)
    assert h is not None and h.radius_mm == 1.5
    assert centres.covers(Point(h.centre).buffer(h.radius_mm))
    assert math.hypot(h.start[0] - h.centre[0], h.start[1] - h.centre[1]) == pytest.approx(1.5)
    # too narrow for 1.5 and for 0.75: the largest that fits, down to a quarter
    thin = box(0, 0, 10, 1.2)
    h = find_helix(thin, prep(thin), np.array([1.0, 0.6]), 1.5)
    assert h is not None and h.radius_mm == pytest.approx(0.375)
    assert thin.covers(Point(h.centre).buffer(h.radius_mm))
    assert find_helix(box(0, 0, 10, 0.5), prep(box(0, 0, 10, 0.5)), np.array([1.0, 0.25]), 1.5) is None


@pytest.mark.parametrize("ccw", [True, False])
def test_helix_moves_descend_evenly_on_the_circle(ccw):
    b = ToolpathBuilder()
    b.rapid(12.0, 5.0, 0.0)
    cut_helix(b, Helix((10.0, 5.0), 2.0, (12.0, 5.0)), 0.0, -3.0, pitch_mm=0.7, ccw=ccw, feed_mm_min=500)
    tp = b.build()[1:]
    assert set(tp.kind.tolist()) == {int(MoveKind.ARC_CCW if ccw else MoveKind.ARC_CW)}
    assert np.allclose(np.hypot(tp.xyz[:, 0] - 10, tp.xyz[:, 1] - 5), 2.0)
    turns = math.ceil(3.0 / 0.7)
    z = tp.xyz[1::2, 2]  # end of each full turn
    assert np.allclose(np.diff(np.concatenate([[0.0], z[:turns]])), -3.0 / turns)
    assert z[-1] == pytest.approx(-3.0) and z[-2] == pytest.approx(-3.0)  # then one flat turn


def test_closed_pocket_is_entered_on_a_helix_climbing():
    region = box(0, 0, 40, 30).difference(Point(20, 15).buffer(4, quad_segs=16))
    tp, plan = run(Pocket(region, 0.0, -6.0), Tool(6), OffsetParams(stepover_mm=2.4, stepdown_mm=3.0))
    helices = [e for e in plan.entries if e["kind"] == "helix"]
    assert len(helices) == 2 and all(e["diameter_mm"] == pytest.approx(3.0) for e in helices)
    # helical arcs (z changes along them), counter-clockwise for climb: material outside the circle
    starts = tp.starts(tp.xyz[0])
    helical = np.isin(tp.kind, ARCS) & (np.abs(tp.xyz[:, 2] - starts[:, 2]) > 1e-9)
    assert helical.any() and np.all(tp.kind[helical] == MoveKind.ARC_CCW)
    # pitch: at most 2 pi r tan(3 deg) per turn
    drop_per_half = np.abs(tp.xyz[helical, 2] - starts[helical, 2])
    assert drop_per_half.max() <= math.pi * 1.5 * math.tan(math.radians(3.0)) + 1e-9


def test_narrow_slot_falls_back_to_a_ramp_and_ramp_length_is_kept():
    region = box(0, 0, 40, 6.3)  # the tool centre has a 0.29 mm wide strip: no helix fits
    params = OffsetParams(stepover_mm=2.0, stepdown_mm=2.0, finish_allowance_mm=0.0)
    tp, plan = run(Pocket(region, 0.0, -2.0), Tool(6), params)
    assert [e["kind"] for e in plan.entries] == ["ramp"]
    params = OffsetParams(stepover_mm=2.0, stepdown_mm=2.0, entry="ramp", ramp_length_mm=8.0)
    region = box(0, 0, 40, 30)
    tp, plan = run(Pocket(region, 0.0, -2.0), Tool(6), params)
    assert {e["kind"] for e in plan.entries if e["kind"] != "finish"} == {"ramp"}
    # the moves of the descent stay within 8 mm (path length) of its start, so within 8 mm in XY
    first_down = int(np.flatnonzero(tp.xyz[:, 2] <= -2.0 + 1e-9)[0])
    descent = tp.xyz[:first_down + 1]
    going = descent[descent[:, 2] < -1e-9]
    x0 = plan.entries[0]["xy"]
    assert np.hypot(going[:, 0] - x0[0], going[:, 1] - x0[1]).max() <= 8.0 + 1e-6


def test_open_pocket_is_entered_from_outside_the_stock():
    outside = box(-100, -100, 100, 100).difference(box(0, 0, 50, 30))
    region = box(0, 0, 50, 12)
    edges = region.boundary.intersection(box(0, 0, 50, 30).boundary)
    pocket = Pocket(region, 10.0, 6.0, open_edges=shapely.MultiLineString(
        [list(g.coords) for g in getattr(edges, "geoms", [edges])]), outside=outside)
    tool = Tool(6)
    tp, plan = run(pocket, tool, OffsetParams(stepover_mm=2.0, stepdown_mm=2.0))
    outs = [e for e in plan.entries if e["kind"] == "outside"]
    assert len(outs) == 2
    for e in outs:  # the tool went down where it touches no material
        assert Point(e["xy"]).distance(region) >= tool.radius_mm


@pytest.mark.parametrize("zigzag", [False, True])
@pytest.mark.parametrize("spring", [False, True])
def test_finishing_pass_has_tangential_arc_leads(zigzag, spring):
    region = box(0, 0, 50, 35).difference(box(20, 12, 28, 20))
    cls = ZigzagParams if zigzag else OffsetParams
    params = cls(stepover_mm=2.4, stepdown_mm=2.5, finish_allowance_mm=0.2, spring_pass=spring)
    tp, plan = run(Pocket(region, 0.0, -5.0), Tool(6), params, zigzag=zigzag)
    fin = [e for e in plan.entries if e["kind"] == "finish"]
    assert len(fin) == 2 and all(e["lead"] == "arc" and e["laps"] == (2 if spring else 1) for e in fin)
    starts = tp.starts(tp.xyz[0])
    flat_arcs = np.flatnonzero(np.isin(tp.kind, ARCS) & (np.abs(tp.xyz[:, 2] - starts[:, 2]) < 1e-12))
    rad = np.hypot(*(starts[flat_arcs, :2] - tp.center[flat_arcs]).T)
    lead_r = {e["radius_mm"] for e in fin}
    flat_arcs = flat_arcs[np.isclose(tp.xyz[flat_arcs, 2], -5.0) & np.isin(np.round(rad, 4), list(lead_r))]
    assert len(flat_arcs) == 4  # lead-in and lead-out of both walls (not the helices' flat turns)
    for k, i in enumerate(flat_arcs):
        c = tp.center[i]
        assert np.hypot(*(starts[i, :2] - c)) == pytest.approx(np.hypot(*(tp.xyz[i, :2] - c)), abs=1e-9)
        # tangency: the loop's move after a lead-in (before a lead-out) is perpendicular to the radius there
        lead_in = k % 2 == 0
        j = i + 1 if lead_in else i - 1
        assert tp.kind[j] == MoveKind.FEED
        at = tp.xyz[i, :2] if lead_in else starts[i, :2]
        d = tp.xyz[j, :2] - starts[j, :2]
        assert abs(np.dot(d / np.linalg.norm(d), (at - c) / np.linalg.norm(at - c))) < 1e-6
    # the finishing pass runs on the walls (the tool-centre domain's boundary)
    walls = shapely.MultiLineString([f.xy for f in plan.finish])
    assert walls.hausdorff_distance(plan.centres.boundary) < 1e-6
    laps_len = LineString(flatten(tp).xyz[:, :2]).length
    assert laps_len > 0


def test_plan_lists_finish_loops_apart_from_roughing():
    region = box(0, 0, 40, 30)
    plan = plan_offset_2d(Pocket(region, 0, -3), Tool(6), OffsetParams(stepover_mm=2.4, stepdown_mm=3))
    assert len(plan.finish) == 1 and all(not np.array_equal(c.xy, plan.finish[0].xy) for c in plan.chains)
    plan0 = plan_offset_2d(Pocket(region, 0, -3), Tool(6),
                           OffsetParams(stepover_mm=2.4, stepdown_mm=3, finish_allowance_mm=0.0))
    assert plan0.finish == []
