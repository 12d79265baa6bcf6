"""Drilling and helical boring of round holes: moves checked against the hole geometry, swept areas by
shapely (arcs flattened within 1 µm)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from checks import CLEAR, check_toolpath
from shapely.geometry import Point

from toolpath import InputError, MoveKind, Pocket, Tool, ToolError
from toolpath.moves import ToolpathBuilder, arc_points
from toolpath.strategies.holes import BoreParams, DrillParams, drill_hole, helical_bore, make_holes


class _Tol:
    tolerance_mm = 0.0


def flatten(tp):
    """Arcs as short feeds (chords within 1 µm), other moves kept."""
    b = ToolpathBuilder()
    starts = tp.starts(tp.xyz[0])
    for i in range(len(tp)):
        k = int(tp.kind[i])
        if k in (MoveKind.ARC_CW, MoveKind.ARC_CCW):
            for p in arc_points(starts[i], tp.xyz[i], tp.center[i], k, 1e-3)[1:]:
                b.feed(*p, tp.feed[i])
        elif k == MoveKind.RAPID:
            b.rapid(*tp.xyz[i])
        elif k == MoveKind.FEED:
            b.feed(*tp.xyz[i], tp.feed[i])
    return b.build()


def hole(d, x=20.0, y=15.0, top=0.0, bottom=-8.0, through=False):
    return Pocket(Point(x, y).buffer(d / 2, quad_segs=24), top, bottom, hole_diameter_mm=d, through=through)


@pytest.mark.parametrize(("hole_d", "tool_d"), [(10.0, 6.0), (14.0, 6.0), (30.0, 6.0), (6.6, 6.0)])
@pytest.mark.parametrize("direction", ["climb", "conventional"])
def test_helical_bore_clears_the_hole_without_touching_the_wall(hole_d, tool_d, direction):
    pocket, tool = hole(hole_d), Tool(tool_d)
    params = BoreParams(stepdown_mm=1.5, direction=direction, spring_pass=True)
    tp = helical_bore(pocket, tool, params, clearance_z_mm=CLEAR).build()
    arcs = np.isin(tp.kind, [MoveKind.ARC_CW, MoveKind.ARC_CCW])
    assert arcs.any()
    want = MoveKind.ARC_CCW if direction == "climb" else MoveKind.ARC_CW  # climb inside a hole: CCW
    assert np.all(tp.kind[arcs] == want)
    # descent per turn at most the stepdown, helix angle at most the asked one
    a = tp.starts(tp.xyz[0])
    dz = a[arcs, 2] - tp.xyz[arcs, 2]
    assert dz.max() <= params.stepdown_mm / 2 + 1e-9
    check_toolpath(flatten(tp), pocket, tool, _Tol())


def test_bore_leaves_radial_and_axial_stock():
    pocket, tool = hole(12.0), Tool(6)
    tp = helical_bore(pocket, tool, BoreParams(radial_stock_mm=0.3, axial_stock_mm=0.2), clearance_z_mm=CLEAR).build()
    flat = flatten(tp)
    cut = flat.kind != MoveKind.RAPID
    rad = np.hypot(flat.xyz[cut, 0] - 20, flat.xyz[cut, 1] - 15)
    wall = pocket.region.exterior.distance(Point(20, 15))
    assert rad.max() + 3 == pytest.approx(wall - 0.3, abs=1e-6)
    assert flat.xyz[:, 2].min() == pytest.approx(-7.8)


def test_drill_pecks_and_breaks_through():
    pocket, tool = hole(6.0, through=True, bottom=-10.0), Tool.drill(6.0)
    tp = drill_hole(pocket, tool, DrillParams(peck_mm=3.0), clearance_z_mm=CLEAR).build()
    assert np.allclose(tp.xyz[1:-1, :2], [20, 15])  # all at the hole after the first rapid
    feeds = tp.kind == MoveKind.FEED
    a = tp.starts(tp.xyz[0])
    # a peck each: from the top (or 0.5 mm above the depth reached) at most 3 mm into material
    assert np.all(np.minimum(a[feeds, 2], 0.0) - tp.xyz[feeds, 2] <= 3.0 + 0.5 + 1e-9)
    assert feeds.sum() == 4
    tip = 3.0 / math.tan(math.radians(59))
    assert tp.xyz[:, 2].min() == pytest.approx(-10.0 - tip)
    # every rapid goes up, or down no lower than 0.5 mm above what is drilled already
    deepest = 0.0
    for i in range(len(tp)):
        if tp.kind[i] == MoveKind.RAPID and tp.xyz[i, 2] < a[i, 2]:
            assert tp.xyz[i, 2] >= deepest + 0.5 - 1e-9 or tp.xyz[i, 2] > 0
        if tp.kind[i] == MoveKind.FEED:
            deepest = min(deepest, tp.xyz[i, 2])
    assert tp.xyz[-1, 2] == CLEAR


def test_make_holes_and_errors():
    pockets = [hole(6.0), hole(10.0, x=50), Pocket(Point(0, 0).buffer(5).union(Point(5, 0).buffer(5)), 0, -1)]
    tp, done = make_holes(pockets, Tool.drill(6.0), clearance_z_mm=CLEAR)
    assert [p.hole_diameter_mm for p in done] == [6.0]
    tp, done = make_holes(pockets, Tool(6.0), clearance_z_mm=CLEAR)
    assert [p.hole_diameter_mm for p in done] == [10.0]
    with pytest.raises(ToolError, match="does not fit"):
        helical_bore(hole(6.0), Tool(6.0), BoreParams(), clearance_z_mm=CLEAR)
    with pytest.raises(ToolError, match="drill"):
        drill_hole(hole(6.0), Tool(6.0), DrillParams(), clearance_z_mm=CLEAR)
    with pytest.raises(InputError, match="helix_angle_deg"):
        BoreParams(helix_angle_deg=60).validate()
