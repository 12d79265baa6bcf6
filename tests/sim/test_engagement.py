"""Engagement measured by simulation: analytic side cuts and slots, kernel against reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from sim.engagement import engagement_along, sample_moves
from toolpath import InputError, Tool
from toolpath.moves import ToolpathBuilder


def straight(y_mm: float, x0: float = -5.0, x1: float = 35.0, z: float = -1.0):
    b = ToolpathBuilder()
    b.rapid(x0, y_mm, 5.0)
    b.feed(x0, y_mm, z, 100.0)
    b.feed(x1, y_mm, z, 1000.0)
    return b.build()


@pytest.mark.parametrize("ae", [0.3, 0.6, 1.5, 3.0])
def test_side_cut_is_arccos(ae):
    """Tool of R=3 moving along x with its edge ae into a block: theta = arccos(1 - ae/R)."""
    tool = Tool(6)
    block = box(0, 0, 30, 20)
    tp = straight(-3.0 + ae)
    res = engagement_along(tp, tool, block, z_mm=-1.0)
    mid = res.level & (res.xyz[:, 0] > 8) & (res.xyz[:, 0] < 22)
    expected = math.degrees(math.acos(1 - ae / 3.0))
    assert np.median(res.angle_deg[mid]) == pytest.approx(expected, abs=1.5)


def test_full_slot_is_180_and_second_pass_in_the_slot_is_zero():
    tool = Tool(4)
    block = box(0, -10, 30, 10)
    b = ToolpathBuilder()
    b.rapid(-5, 0, 5)
    b.feed(-5, 0, -1, 100)
    b.feed(35, 0, -1, 1000)
    b.feed(-5, 0, -1, 1000)  # back through the slot: no material
    tp = b.build()
    res = engagement_along(tp, tool, block, z_mm=-1.0)
    fwd = res.level & (res.move == 2) & (res.xyz[:, 0] > 5) & (res.xyz[:, 0] < 25)
    back = res.level & (res.move == 3)
    assert np.median(res.angle_deg[fwd]) == pytest.approx(180.0, abs=2.0)
    assert res.angle_deg[back].max() < 2.0


def test_above_the_level_cuts_nothing():
    tool = Tool(6)
    tp = straight(0.0, z=2.0)
    res = engagement_along(tp, tool, box(0, 0, 30, 20), z_mm=-1.0)
    assert len(res.angle_deg) == 0


def test_arc_sampling_follows_the_arc():
    b = ToolpathBuilder()
    b.rapid(5, 0, -1)
    b.arc(5, 0, -1, 0, 0, cw=False, feed_mm_min=500)  # full circle of radius 5
    pts, move = sample_moves(b.build(), 0.1)
    assert np.allclose(np.hypot(pts[:, 0], pts[:, 1]), 5.0)
    assert np.count_nonzero(move == 1) == math.ceil(2 * math.pi * 5 / 0.1)


@settings(max_examples=6, deadline=None)
@given(st.floats(-2, 2), st.floats(0.5, 2.5), st.floats(-1, 1))
def test_kernel_matches_reference(y, rad, dx):
    tool = Tool(2 * rad)
    b = ToolpathBuilder()
    b.rapid(-3, y, -0.5)
    b.feed(4 + dx, y + 1, -0.5, 100)
    b.arc(4 + dx, y + 1, -0.5, 4 + dx, y + 2, cw=True, feed_mm_min=100)
    b.feed(0, 3, 0.5, 100)
    tp = b.build()
    mat = box(0, 0, 6, 4).difference(Point(3, 2).buffer(0.7))
    a = engagement_along(tp, tool, mat, z_mm=-0.5, cell_mm=0.1, step_mm=0.2, samples=90)
    r = engagement_along(tp, tool, mat, z_mm=-0.5, cell_mm=0.1, step_mm=0.2, samples=90, use_kernel=False)
    assert np.array_equal(a.angle_deg, r.angle_deg)
    assert np.array_equal(a.move, r.move)


def test_bad_input():
    with pytest.raises(InputError, match="material"):
        engagement_along(straight(0), Tool(6), Polygon(), z_mm=0)
    with pytest.raises(InputError, match="cell_mm"):
        engagement_along(straight(0), Tool(6), box(0, 0, 1, 1), z_mm=0, cell_mm=-1)
