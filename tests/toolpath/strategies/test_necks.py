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


# ~2-10 s per example here (two levels of simulation and engagement at 0.1 mm): slow profile only.
# Status 2026-11-26 05:20 UTC, branch necks-quality: hypothesis' derandomized 30 examples all pass (p99 41-45.5;
# they failed 3 of 30 before: p99 47.0, 51.0, 50.1), and so do the 8 stored failures (p99 48-51 -> 41.5-46;
# finishing loops 157-160 deg and a trochoid at 110 now reported as slotting: held max <= 84). Random runs
# still fail on: (1) a ring round the island about one tool diameter wide (3.94-4.0 mm for the 4 mm tool: the
# centre domain is empty there, the checker calls 12-114 mm2 of it reachable; same before this branch);
# (2) p99 up to 46-50 where many samples are slotting in pieces of C too small for passes (behind islands,
# tips: they count in p99) or passes in a narrowing tip of C where a neck opens into an unreachable ring.
@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(necked_pockets())
def test_random_necks_many(region) -> None:  # noqa: ANN001
    _property(region)
