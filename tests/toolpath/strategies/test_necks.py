"""Adaptive clearing on random pockets with narrow necks (two rooms joined by a channel 1.05-2.5 tool
diameters wide, at any angle, an island in a room or not), checked by simulation: no gouge, nothing reachable
left, engagement measured along the path (p99 <= 1.25 x target and max <= 90 deg on level moves but the entry
and the reported slotting fallback, which a ring round an island about the tool's width is all along)."""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, box
from shapely.ops import unary_union
from test_adaptive import engagement_ok, run

from toolpath import Pocket, Tool
from toolpath.strategies.adaptive import AdaptiveParams

TOOL = Tool(4)


@st.composite
def necked_pockets(draw):  # noqa: ANN001, ANN201
    """Two rooms (rectangles or discs) joined by a straight neck, the whole turned by a random angle."""
    d = TOOL.diameter_mm
    width = draw(st.floats(1.05, 2.5)) * d
    length = draw(st.floats(0.5, 3.0)) * d

    def room(x0: float) -> object:
        if draw(st.booleans()):
            w, h = draw(st.floats(2.5, 5.0)) * d, draw(st.floats(2.5, 5.0)) * d
            return box(x0, -h / 2, x0 + w, h / 2), w
        r = draw(st.floats(1.3, 2.5)) * d
        return Point(x0 + r, 0).buffer(r, quad_segs=32), 2 * r

    a, wa = room(0.0)
    neck = box(wa - 0.5, -width / 2, wa + length + 0.5, width / 2)
    b, wb = room(wa + length)
    region = unary_union([a, neck, b])
    if draw(st.booleans()):  # an island in the first room, kept clear of the neck
        c = wa / 2
        region = region.difference(Point(c, 0).buffer(draw(st.floats(0.15, 0.3)) * wa, quad_segs=16))
    region = affinity.rotate(region, draw(st.floats(0.0, 180.0)), origin=(0, 0))
    return region if region.geom_type == "Polygon" else max(region.geoms, key=lambda p: p.area)


def _topology(p) -> tuple[int, int]:  # noqa: ANN001
    parts = shapely.get_parts(p)
    return len(parts), sum(len(q.interiors) for q in parts)


def _property(region) -> None:  # noqa: ANN001
    pocket = Pocket(region, 0.0, -2.0)
    params = AdaptiveParams(stepdown_mm=2.0, stepover_mm=0.1 * TOOL.diameter_mm)
    # a ring round the island within the generator's safety tolerance of the tool's width (4.0039 mm drawn for
    # the 4 mm tool): the tool fits by 2 um a side, the generator keeps it 5 um off the walls, the checker's
    # reach counts the whole ring. Ambiguous at that tolerance: not drawn
    r = TOOL.radius_mm
    assume(_topology(region.buffer(-r)) == _topology(region.buffer(-(r + 2 * params.tolerance_mm))))
    tp, plan, tags, res = run(pocket, TOOL, params, cell=0.1)
    assert res.gouge_count == 0 and not res.rapid_cuts, (res.gouges[:3], region.wkt)
    assert res.uncut_area_mm2 < 1.0, (res.uncut[:3], region.wkt)
    st_ = engagement_ok(tp, tags, pocket, TOOL, params, -2.0, p99_of_held=True)
    assert math.isfinite(st_["p99_deg"])


# ~0.5-10 s per example here (two levels of simulation and engagement at 0.1 mm): slow profile only.
# Status 2026-11-26 07:50 UTC: the derandomized 30 examples pass; fresh random examples (explore profile, the same
# checks, 300 per batch): 13 of 280 failed at 7432d99 (rings round islands about the tool's width, 38 mm2 left
# or counted reachable by the checker's biased reach; trochoid links and circles at 56-140 deg; p99 47-63 with
# slotting counted; a 59 deg tip missed), 6 of 300 and 3 of 300 in the next two batches as those were fixed,
# 0 of 300 at b6f35f3 (p99 at most 45.5, median 42.5).
@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(necked_pockets())
def test_random_necks_many(region) -> None:  # noqa: ANN001
    _property(region)
