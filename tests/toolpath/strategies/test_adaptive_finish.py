"""finish_tips: the pointed ends of the centre domain the rounded last finishing loop does not reach;
finish_loops: the loops, and the thin strips of the domain they get loops of their own for; trochoid runs."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import MultiPolygon, Point, Polygon, box

from toolpath.strategies.adaptive_finish import (
    _FINISH_STAGES,
    _TIP_MISS,
    finish_loops,
    finish_tips,
    hot_pieces,
    trochoid_circles,
    trochoid_xy,
)


def test_right_angles_and_discs_have_no_tips():
    assert finish_tips(MultiPolygon([box(0, 0, 10, 6), Point(20, 0).buffer(2, quad_segs=32)]), 0.2) == []


def test_a_sharp_triangle_gets_one_point_at_each_sharp_corner():
    # 20 x 3 triangle: corners of 16.7 deg (twice) and 146.6 deg
    tri = Polygon([(0, 0), (20, 0), (10, 3)])
    strip = 0.2
    rad = _FINISH_STAGES[-1][1] * strip
    tips = sorted(map(tuple, finish_tips(tri, strip)))
    assert len(tips) == 2
    assert np.allclose(tips, [(0, 0), (20, 0)])
    # the loop misses them by rad (1 / sin(a / 2) - 1): more than the threshold, _TIP_MISS rad
    a = 2 * math.atan(3 / 10)
    assert rad * (1 / math.sin(a / 2) - 1) > _TIP_MISS * rad


def test_a_corner_of_65_degrees_is_a_tip_and_one_of_90_is_not():
    strip = 0.2
    for deg, n in ((65.0, 1), (90.0, 0)):
        h = 5.0 / math.tan(math.radians(deg / 2))  # apex at (0, h) over the base from (-5, 0) to (5, 0)
        kite = Polygon([(-5, 0), (0, h), (5, 0), (0, -5)])  # the other corners: 90 deg and more
        tips = finish_tips(kite, strip)
        assert len(tips) == n, (deg, tips)
        if n:
            assert np.allclose(tips[0], (0, h))


def test_a_thin_ring_round_an_island_gets_a_slotting_loop_of_its_own():
    # a disc of centres with a ring 0.15 mm wide round an island beside it, joined by a short strip
    ring = Point(0, 0).buffer(6.15, quad_segs=64).difference(Point(0, 0).buffer(6.0, quad_segs=64))
    centres = ring.union(Point(20, 0).buffer(5.0, quad_segs=64)).union(box(6.05, -0.075, 15.5, 0.075))
    notes: list[str] = []
    loops = finish_loops(centres, 0.2, notes)
    slim = [p for p, slot in loops if slot]
    assert len(slim) == 1 and any("slotting" in n for n in notes)
    # the ring is in it (most of its area: the ends near the strip's joint may go to the rounded loop)
    assert slim[0].intersection(ring).area > 0.9 * ring.area
    # the ordinary loops do not go round the ring
    assert all(p.intersection(ring).area < 0.1 * ring.area for p, slot in loops if not slot)


def test_hot_pieces_split_a_path_around_its_hot_moves_with_padding():
    xy = np.column_stack([np.arange(10.0), np.zeros(10)])
    hot = np.zeros(10, bool)
    hot[5] = True  # the move 4 -> 5
    pieces = hot_pieces(xy, hot, 1.5)
    assert [(p[0, 0], p[-1, 0], h) for p, h in pieces] == [(0, 2, False), (2, 7, True), (7, 9, False)]
    # consecutive pieces share their end points and together are the path
    assert np.array_equal(np.concatenate([pieces[0][0]] + [p[1:] for p, _ in pieces[1:]]), xy)
    assert [(len(p), h) for p, h in hot_pieces(xy, np.zeros(10, bool), 1.0)] == [(10, False)]
    assert [(len(p), h) for p, h in hot_pieces(xy, np.ones(10, bool), 1.0)] == [(10, True)]


def test_trochoid_xy_is_the_run_of_full_circles_as_cut():
    c0, q, d = np.array([1.0, 2.0]), np.array([4.0, 6.0]), np.array([0.6, 0.8])
    for cw in (False, True):
        xy = trochoid_xy(c0, q, d, 0.5, 1.1, cw=cw, step_mm=0.05)
        assert np.allclose(xy[0], c0 - 0.5 * d) and np.allclose(xy[-1], q - 0.5 * d)
        n_c = 5  # 5 mm at a pitch of at most 1.1 mm: 5 steps, 6 circles
        assert trochoid_circles(c0, q, 1.1) == n_c and trochoid_circles(c0, q, 5.0) == 1
        rings = xy.reshape(n_c + 1, -1, 2)
        for i, ring in enumerate(rings):
            c = c0 + (q - c0) * i / n_c
            assert np.allclose(np.hypot(*(ring - c).T), 0.5)
            assert np.allclose(ring[0], ring[-1])  # a full circle from the point behind the centre
            assert np.max(np.hypot(*np.diff(ring, axis=0).T)) <= 0.05
            area = 0.5 * np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
            assert (area < 0) == cw and abs(abs(area) - math.pi * 0.25) < 0.01
