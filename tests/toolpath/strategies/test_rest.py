"""Rest machining checked by exact swept areas: with what the large tool reached counted as cleared,
the small tool leaves nothing it can reach, never cuts into a wall, and cuts only near the rest."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from checks import CLEAR, flatten, segments, thick
from shapely.geometry import Point, box

from toolpath import InputError, MoveKind, Pocket, Tool
from toolpath.strategies.offset import OffsetParams, clear_pockets
from toolpath.strategies.rest import rest_clearing, rest_region


@pytest.mark.parametrize("region", [
    box(0, 0, 60, 40).difference(box(20, 15, 30, 25)),  # square corners everywhere
    shapely.union_all([box(0, 0, 30, 30), box(30, 10, 50, 16)]).difference(Point(12, 12).buffer(3)),  # narrow slot
])
def test_rest_after_a_large_tool(region):
    pocket, small, large = Pocket(region, 0.0, -4.0), Tool(3), Tool(10)
    params = OffsetParams(stepover_mm=1.2, stepdown_mm=2.0)
    tp, _ = rest_clearing([pocket], small, large, params, clearance_z_mm=CLEAR)
    assert len(tp)
    r = small.radius_mm
    tp = flatten(tp)
    segs, a = segments(tp, tp.xyz[0])
    cutting = tp.kind != MoveKind.RAPID
    lo = np.minimum(a[:, 2], tp.xyz[:, 2])
    hi = np.maximum(a[:, 2], tp.xyz[:, 2])
    below = cutting & (lo < -1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = shapely.distance(segs[below], region.boundary)
    assert dist.min() >= r - 1e-6
    assert np.all(shapely.covers(region, segs[below]))
    # horizontal rapids only at the clearance height
    rap = tp.kind == MoveKind.RAPID
    assert np.all((a[rap, 2] != tp.xyz[rap, 2]) | np.isclose(tp.xyz[rap, 2], CLEAR))
    # nothing the small tool reaches is left: large tool's reach + small tool's floor sweep
    at_floor = cutting & (hi <= -4.0 + 1e-9)
    ends = cutting & (tp.xyz[:, 2] <= -4.0 + 1e-9)
    floor = shapely.union_all(np.concatenate([shapely.buffer(segs[at_floor], r, quad_segs=32),
                                              shapely.buffer(shapely.points(tp.xyz[ends, :2]), r, quad_segs=32)]))
    rest = rest_region(pocket, small, large)
    assert rest.area > 1.0
    assert thick(rest.difference(floor)).area < 0.01
    # and it works near the rest only: far less cutting on the floor than clearing the pocket with the small tool
    full, _ = clear_pockets([pocket], small, params, clearance_z_mm=CLEAR)
    full = flatten(full)
    fsegs, fa = segments(full, full.xyz[0])
    f_floor = (full.kind != MoveKind.RAPID) & (np.maximum(fa[:, 2], full.xyz[:, 2]) <= -4.0 + 1e-9)
    assert sum(shapely.length(segs[at_floor])) < 0.6 * sum(shapely.length(fsegs[f_floor]))


def test_rest_needs_a_smaller_tool():
    with pytest.raises(InputError, match="smaller"):
        rest_region(Pocket(box(0, 0, 10, 10), 0, -1), Tool(6), Tool(6))
