"""The look-ahead planner: closed-form cases, Grbl's arc and junction rules, kernel against reference."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sim.machine import Blending, load_machine
from sim.planner import (
    BLEND_ACC_RATIO_NORMAL,
    Segments,
    grbl_arc_chords,
    plan,
    plan_kernel,
    plan_reference,
    segments,
    segments_reference,
)
from toolpath.errors import InputError
from toolpath.moves import ToolpathBuilder

GRBL = load_machine("grbl-router")
LCNC = load_machine("linuxcnc-sim")


def _path(points, feed):
    b = ToolpathBuilder()
    for p in points:
        b.feed(*p, feed)
    return b.build()


def _one(d_mm, v, a):
    return Segments(np.array([d_mm]), np.array([v * v]), np.array([a]), np.array([0.0]), np.array([0]))


# closed-form single moves ------------------------------------------------------------------------------------------


def test_rest_to_rest_with_cruise_is_d_over_v_plus_v_over_a():
    # G1 X200 F3000 on X (a = 200 mm/s^2): 200/50 + 50/200
    tp = _path([(200.0, 0.0, 0.0)], 3000.0)
    prof = plan(segments(tp, GRBL, start_xyz=(0, 0, 0)), window=GRBL.lookahead_blocks)
    assert prof.time_s == pytest.approx(200.0 / 50.0 + 50.0 / 200.0, rel=1e-12)
    assert prof.cruise_v[0] == pytest.approx(50.0)
    assert prof.accel_t[0] == pytest.approx(0.25) and prof.decel_t[0] == pytest.approx(0.25)


def test_rest_to_rest_without_cruise_is_a_triangle():
    # 1 mm at F3000: peak sqrt(a d) = 14.1 mm/s < 50, t = 2 sqrt(d/a)
    tp = _path([(1.0, 0.0, 0.0)], 3000.0)
    prof = plan(segments(tp, GRBL, start_xyz=(0, 0, 0)), window=15)
    assert prof.time_s == pytest.approx(2.0 * math.sqrt(1.0 / 200.0), rel=1e-12)
    assert prof.cruise_t[0] == 0.0
    assert prof.cruise_v[0] == pytest.approx(math.sqrt(200.0 * 1.0))


def test_axis_limits_are_projected_on_the_direction():
    # a Z plunge runs at $112 = 1000 mm/min and a = 100; a 45 deg XY diagonal at 5000/cos45 capped by F
    tp = _path([(0.0, 0.0, -50.0)], 3000.0)
    prof = plan(segments(tp, GRBL, start_xyz=(0, 0, 0)), window=15)
    v = 1000.0 / 60.0
    assert prof.time_s == pytest.approx(50.0 / v + v / 100.0, rel=1e-12)
    b = ToolpathBuilder()
    b.rapid(100.0, 100.0, 0.0)
    s = segments(b.build(), GRBL, start_xyz=(0, 0, 0))
    assert math.sqrt(s.cruise_v2[0]) == pytest.approx(5000.0 / 60.0 * math.sqrt(2.0))
    assert s.accel_mm_s2[0] == pytest.approx(200.0 * math.sqrt(2.0))


# junctions -----------------------------------------------------------------------------------------------------------


def _virtual_arc_radius(u1, u2, deviation_mm):
    """Radius of the circle tangent to both lines whose nearest point is deviation_mm from the corner (geometry)."""
    corner = np.zeros(2)
    a = corner - 10.0 * np.asarray(u1)  # a point on the incoming line
    c = corner + 10.0 * np.asarray(u2)  # a point on the outgoing line
    bis = (a - corner) / np.linalg.norm(a - corner) + (c - corner) / np.linalg.norm(c - corner)
    bis /= np.linalg.norm(bis)
    half = 0.5 * math.acos(np.dot((a - corner) / 10.0, (c - corner) / 10.0))  # half the interior angle
    # centre at distance h along the bisector; radius = h sin(half); nearest point at h - r = deviation
    h = deviation_mm / (1.0 - math.sin(half))
    return h * math.sin(half)


@pytest.mark.parametrize("turn_deg", [30.0, 90.0, 135.0])
def test_junction_speed_is_grbl_junction_deviation(turn_deg):
    t = math.radians(turn_deg)
    u1, u2 = np.array([1.0, 0.0]), np.array([math.cos(t), math.sin(t)])
    tp = _path([(50.0, 0.0, 0.0), (50.0 + 50.0 * u2[0], 50.0 * u2[1], 0.0)], 1000.0)
    unrounded = dataclasses.replace(GRBL, steps_per_mm=(0.0, 0.0, 0.0))  # no step rounding of the end points
    s = segments(tp, unrounded, start_xyz=(0, 0, 0))
    r = _virtual_arc_radius(u1, u2, GRBL.junction_deviation_mm)
    ju = (u2 - u1) / np.linalg.norm(u2 - u1)
    a_j = min(200.0 / abs(ju[0]) if abs(ju[0]) > 1e-12 else np.inf, 200.0 / abs(ju[1]))
    expected_v2 = min(a_j * r, (1000.0 / 60.0) ** 2)
    assert s.entry_v2[1] == pytest.approx(expected_v2, rel=1e-9)


def test_square_corner_time_closed_form():
    # 50 mm square at F1000 on grbl-router: three corners at the junction speed
    pts = [(50.0, 0.0, 0.0), (50.0, 50.0, 0.0), (0.0, 50.0, 0.0), (0.0, 0.0, 0.0)]
    prof = plan(segments(_path(pts, 1000.0), GRBL, start_xyz=(0, 0, 0)), window=15)
    v, a = 1000.0 / 60.0, 200.0
    vj = math.sqrt(200.0 * math.sqrt(2.0) * _virtual_arc_radius([1, 0], [0, 1], 0.01))

    def side(u, w):  # trapezoid time from u to w over 50 mm
        return 50.0 / v + (v - u) ** 2 / (2 * a * v) + (v - w) ** 2 / (2 * a * v)

    assert prof.time_s == pytest.approx(2 * side(0, vj) + 2 * side(vj, vj), rel=1e-12)


def test_exact_stop_is_a_sum_of_rest_to_rest_moves():
    m = dataclasses.replace(GRBL, blending=Blending.EXACT_STOP)
    pts = [(50.0, 0.0, 0.0), (50.0, 50.0, 0.0), (0.0, 50.0, 0.0), (0.0, 0.0, 0.0)]
    prof = plan(segments(_path(pts, 1000.0), m, start_xyz=(0, 0, 0)), window=15)
    v = 1000.0 / 60.0
    assert prof.time_s == pytest.approx(4 * (50.0 / v + v / 200.0), rel=1e-12)
    assert np.all(prof.end_v == 0.0)


def test_linuxcnc_blend_speed_from_the_tolerance_arc():
    # long segments: the blend arc is limited by the tolerance alone
    tp = _path([(100.0, 0.0, 0.0), (100.0, 100.0, 0.0)], 1500.0)
    tol = 0.05
    s = segments(tp, LCNC, start_xyz=(0, 0, 0), tolerance_mm=np.full(2, tol))
    r = _virtual_arc_radius([1, 0], [0, 1], tol)
    assert s.entry_v2[1] == pytest.approx(BLEND_ACC_RATIO_NORMAL * 508.0 * r, rel=1e-9)
    # G61: a stop
    s61 = segments(tp, LCNC, start_xyz=(0, 0, 0), exact_stop=np.ones(2, bool))
    assert s61.entry_v2[1] == 0.0


def test_linuxcnc_blend_arc_is_a_segment_of_its_own():
    # 90 deg corner, long sides: LinuxCNC inserts the tolerance arc, trimming R/tan(45 deg) = R off each side
    tp = _path([(100.0, 0.0, 0.0), (100.0, 100.0, 0.0)], 1500.0)
    tol = 0.05
    s = segments(tp, LCNC, start_xyz=(0, 0, 0), tolerance_mm=np.full(2, tol))
    r = _virtual_arc_radius([1, 0], [0, 1], tol)
    v2 = BLEND_ACC_RATIO_NORMAL * 508.0 * r
    assert len(s) == 3 and s.move.tolist() == [0, 1, 1]
    assert_allclose(s.length_mm, [100.0 - r, 0.5 * math.pi * r, 100.0 - r], rtol=1e-9)
    assert_allclose(s.cruise_v2[1], v2, rtol=1e-9)  # the arc runs at its blend speed all along
    assert_allclose(s.entry_v2[1:], [v2, v2], rtol=1e-9)
    assert s.accel_mm_s2[1] == pytest.approx(254.0)  # half of the plane's acceleration is tangential
    # a faster feed than the arc allows: its radius is the one the feed needs, smaller than the tolerance's
    slow = segments(_path([(100.0, 0.0, 0.0), (100.0, 100.0, 0.0)], 60.0), LCNC, start_xyz=(0, 0, 0),
                    tolerance_mm=np.full(2, 5.0))
    r_plan = 1.0 / (BLEND_ACC_RATIO_NORMAL * 508.0)  # v = 1 mm/s: R = v^2 / a_n
    assert_allclose(slow.length_mm, [100.0 - r_plan, 0.5 * math.pi * r_plan, 100.0 - r_plan], rtol=1e-9)


def test_linuxcnc_never_blends_a_rapid_with_a_feed_move():
    b = ToolpathBuilder()
    b.rapid(50.0, 0.0, 0.0)
    b.feed(100.0, 1.0, 0.0, 1500.0)  # nearly straight on: Grbl passes it fast, LinuxCNC stops
    tp = b.build()
    assert segments(tp, LCNC, start_xyz=(0, 0, 0), tolerance_mm=np.full(2, 0.5)).entry_v2[-1] == 0.0
    assert segments(tp, GRBL, start_xyz=(0, 0, 0)).entry_v2[1] > 100.0


def test_the_mode_of_the_move_ending_at_a_junction_decides():
    tp = _path([(50.0, 0.0, 0.0), (50.0, 50.0, 0.0), (0.0, 50.0, 0.0)], 1500.0)
    # G61 on the first move only: a stop at its end, a blend at the next corner
    s = segments(tp, LCNC, start_xyz=(0, 0, 0), exact_stop=np.array([True, False, False]),
                 tolerance_mm=np.full(3, 0.05))
    assert s.entry_v2[1] == 0.0 and s.entry_v2[-1] > 0.0
    # the stricter of two tolerances
    loose = segments(tp, LCNC, start_xyz=(0, 0, 0), tolerance_mm=np.array([0.5, 0.05, 0.5]))
    strict = segments(tp, LCNC, start_xyz=(0, 0, 0), tolerance_mm=np.full(3, 0.05))
    assert_allclose(loose.entry_v2, strict.entry_v2, rtol=1e-12)


def test_reversal_stops_and_straight_line_does_not():
    tp = _path([(10.0, 0.0, 0.0), (0.0, 0.0, 0.0)], 1000.0)
    assert segments(tp, GRBL, start_xyz=(0, 0, 0)).entry_v2[1] == 0.0
    tp = _path([(10.0, 0.0, 0.0), (20.0, 0.0, 0.0)], 1000.0)
    assert segments(tp, GRBL, start_xyz=(0, 0, 0)).entry_v2[1] == pytest.approx((1000.0 / 60.0) ** 2)


# arcs ---------------------------------------------------------------------------------------------------------------


def test_grbl_arc_chord_counts_match_the_reference_block_counts():
    # shared/reference/grbl/times.csv: full circle r20 -> 222 blocks; helix r5, 3 turns -> 333 (+1 G0) blocks
    assert grbl_arc_chords(np.array([20.0]), np.array([2 * math.pi]), 0.002)[0] == 222
    assert grbl_arc_chords(np.array([5.0]), np.array([2 * math.pi]), 0.002)[0] == 111
    b = ToolpathBuilder()
    b.arc(0.0, 0.0, 0.0, 20.0, 0.0, cw=True, feed_mm_min=1500.0)
    s = segments(b.build(), GRBL, start_xyz=(0, 0, 0))
    assert len(s) == 222
    # every chord's sagitta is within the tolerance
    sag = 20.0 - np.sqrt(20.0**2 - (s.length_mm / 2) ** 2)
    assert np.all(sag <= 0.002 + 4e-3)  # + step rounding (1/250 mm)
    assert s.length_mm.sum() == pytest.approx(2 * math.pi * 20.0, rel=1e-3)


def test_circle_runs_at_constant_speed():
    # r20 F1500: every chord junction is faster than the feed, so the time is L/v + v/a
    b = ToolpathBuilder()
    b.arc(0.0, 0.0, 0.0, 20.0, 0.0, cw=True, feed_mm_min=1500.0)
    prof = plan(segments(b.build(), GRBL, start_xyz=(0, 0, 0)), window=15)
    v = 25.0
    assert np.all(prof.cruise_v <= v + 1e-9)
    assert np.all(prof.cruise_v[5:-5] == pytest.approx(v))
    assert np.all(prof.end_v[5:-5] == pytest.approx(v))  # the chord junctions do not slow it down
    assert prof.time_s == pytest.approx(2 * math.pi * 20.0 / v + v / 200.0, rel=2e-3)


def test_native_arc_keeps_one_segment_with_normal_acceleration_cap():
    b = ToolpathBuilder()
    b.arc(0.0, 0.0, 0.0, 2.0, 0.0, cw=False, feed_mm_min=3000.0)  # r = 2 mm, F3000 = 50 mm/s
    s = segments(b.build(), LCNC, start_xyz=(0, 0, 0))
    assert len(s) == 1
    assert s.length_mm[0] == pytest.approx(4 * math.pi)
    assert s.cruise_v2[0] == pytest.approx(BLEND_ACC_RATIO_NORMAL * 508.0 * 2.0)
    assert s.accel_mm_s2[0] == pytest.approx(254.0)


# look-ahead ---------------------------------------------------------------------------------------------------------


def test_lookahead_limits_speed_on_fine_segments():
    # 0.1 mm segments in a straight line: with 15 blocks Grbl can only reach sqrt(2 a * 1.4 mm) or so
    n = 400
    seg = _one(0.1, 50.0, 200.0)
    s = Segments(
        np.full(n, 0.1), np.full(n, 2500.0), np.full(n, 200.0), np.r_[0.0, np.full(n - 1, 2500.0)], np.arange(n)
    )
    p15 = plan(s, window=15)
    p1000 = plan(s, window=1000)
    mid = n // 2
    assert p15.end_v[mid] == pytest.approx(math.sqrt(2 * 200.0 * 0.1 * 14), rel=1e-9)
    assert p1000.time_s < p15.time_s
    assert plan(seg, window=1).time_s == pytest.approx(plan(seg, window=15).time_s)


def test_window_one_is_all_stops():
    s = Segments(np.full(5, 3.0), np.full(5, 100.0), np.full(5, 50.0), np.r_[0.0, np.full(4, 1e9)], np.arange(5))
    p = plan(s, window=1)
    assert np.all(p.start_v == 0) and np.all(p.end_v == 0)


def test_bad_window():
    with pytest.raises(InputError):
        plan(Segments.empty(), window=0)


def test_empty():
    assert plan(Segments.empty(), window=15).time_s == 0.0
    assert len(segments(ToolpathBuilder().build(), GRBL)) == 0


# kernel against reference -------------------------------------------------------------------------------------------

_pos = st.floats(0.01, 50.0)


@st.composite
def _segment_columns(draw):
    n = draw(st.integers(1, 40))
    length = np.array(draw(st.lists(_pos, min_size=n, max_size=n)))
    cruise = np.array(draw(st.lists(st.floats(1.0, 100.0), min_size=n, max_size=n))) ** 2
    accel = np.array(draw(st.lists(st.floats(5.0, 500.0), min_size=n, max_size=n)))
    junction = np.array(draw(st.lists(st.floats(0.0, 120.0), min_size=n, max_size=n))) ** 2
    entry = np.minimum(junction, np.minimum(cruise, np.r_[0.0, cruise[:-1]]))
    entry[0] = 0.0
    window = draw(st.integers(1, 20))
    return length, cruise, accel, entry, window


@given(_segment_columns())
@settings(max_examples=150, deadline=None)
def test_plan_kernel_matches_reference(cols):
    length, cruise, accel, entry, window = cols
    ref = plan_reference(length, cruise, accel, entry, window)
    ker = plan_kernel(length, cruise, accel, entry, window)
    assert_allclose(ker, ref, rtol=1e-9, atol=1e-9)
    # every segment covers its length, speeds stay within the limits
    p = plan_reference(length, cruise, accel, entry, window)
    sv, cv, ev, at, ct, dt = p.T
    dist = 0.5 * (sv + cv) * at + cv * ct + 0.5 * (cv + ev) * dt
    assert_allclose(dist, length, rtol=1e-7, atol=1e-9)
    assert np.all(cv <= np.sqrt(cruise) * (1 + 1e-12) + 1e-12)
    assert np.all(sv**2 <= entry * (1 + 1e-9) + 1e-9)
    assert_allclose(ev[:-1], sv[1:])
    assert ev[-1] == 0.0
    # time never below length / cruise speed, and a longer look-ahead is never slower
    assert p[:, 3:].sum() >= np.sum(length / np.sqrt(cruise)) * (1 - 1e-12)
    longer = plan_kernel(length, cruise, accel, entry, window + 5)
    assert longer[:, 3:].sum() <= p[:, 3:].sum() * (1 + 1e-12)


# segments: kernel against reference ---------------------------------------------------------------------------------


@st.composite
def _toolpaths(draw):
    n = draw(st.integers(1, 25))
    b = ToolpathBuilder()
    x = y = z = 0.0
    for _ in range(n):
        kind = draw(st.sampled_from(["rapid", "feed", "feed", "arc", "dwell", "same"]))
        if kind == "dwell":
            b.dwell(draw(st.floats(0.0, 2.0)))
            continue
        if kind == "same":  # a zero-length move
            b.feed(x, y, z, 1000.0)
            continue
        nx = draw(st.floats(-50, 50))
        ny = draw(st.floats(-50, 50))
        nz = draw(st.sampled_from([z, z, draw(st.floats(-10, 10))]))
        if kind == "rapid":
            b.rapid(nx, ny, nz)
        elif kind == "feed":
            b.feed(nx, ny, nz, draw(st.floats(50, 6000)))
        else:
            full = draw(st.booleans())
            cx, cy = x + draw(st.floats(-20, 20)), y + draw(st.floats(-20, 20))
            if math.hypot(cx - x, cy - y) < 0.1:
                cx += 1.0
            if full:
                nx, ny = x, y
            else:  # an end point on the same circle
                r = math.hypot(cx - x, cy - y)
                ang = draw(st.floats(-math.pi, math.pi))
                nx, ny = cx + r * math.cos(ang), cy + r * math.sin(ang)
            b.arc(nx, ny, nz, cx, cy, cw=draw(st.booleans()), feed_mm_min=draw(st.floats(50, 6000)))
        x, y, z = nx, ny, nz
    return b.build()


_MACHINES = [
    GRBL,
    LCNC,
    load_machine("hobby-router"),
    load_machine("industrial-vmc"),
    dataclasses.replace(LCNC, blending=Blending.EXACT_STOP),
]


@given(_toolpaths(), st.sampled_from(range(len(_MACHINES))), st.booleans())
@settings(max_examples=120, deadline=None)
def test_segments_kernel_matches_reference(tp, mi, with_modes):
    m = _MACHINES[mi]
    kw = {}
    if with_modes:
        rng = np.random.default_rng(len(tp))
        kw = {"exact_stop": rng.random(len(tp)) < 0.3, "tolerance_mm": rng.choice([0.0, 0.01, 0.5], len(tp))}
    a = segments(tp, m, start_xyz=(1.0, 2.0, 3.0), **kw)
    b = segments_reference(tp, m, start_xyz=(1.0, 2.0, 3.0), **kw)
    assert len(a) == len(b)
    for f in ("length_mm", "cruise_v2", "accel_mm_s2", "entry_v2", "move", "step_density"):
        assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-9, atol=1e-9, err_msg=f)
    consumed_ok = m.controller.value == "linuxcnc"  # blend arcs may consume a short segment whole
    assert np.all(a.length_mm >= 0) if consumed_ok else np.all(a.length_mm > 0)
    assert np.all(a.entry_v2 <= a.cruise_v2 * (1 + 1e-12))


def test_block_rate_caps_short_blocks():
    # hobby-router plans at most 300 blocks/s: 0.05 mm blocks can't go faster than 15 mm/s
    m = load_machine("hobby-router")
    pts = [(0.05 * (k + 1), 0.0, 0.0) for k in range(200)]
    s = segments(_path(pts, 3000.0), dataclasses.replace(m, steps_per_mm=(0.0, 0.0, 0.0)), start_xyz=(0, 0, 0))
    assert np.allclose(np.sqrt(s.cruise_v2), 0.05 * 300.0)
    fast = segments(_path(pts, 3000.0), dataclasses.replace(m, block_rate_hz=0.0, steps_per_mm=(0.0, 0.0, 0.0)))
    assert np.allclose(np.sqrt(fast.cruise_v2), 50.0)


# the streamed kernels (segments + plan + timer + move times) against the references chained --------------------


def _fused(tp, m, op_first, op_start, exact, tol, chunk):
    from sim.planner import machine_params, mode_table, motion
    from sim.planner_kernels import count_segments

    params = machine_params(m)
    arrays = (tp.kind, tp.xyz, tp.center, tp.feed, op_first, op_start)
    total = count_segments(tp.kind, tp.xyz, tp.center, op_first, op_start, params)
    cols = np.full((8, total), np.nan)
    mv = np.full(total, -1, np.int64)
    move_t = np.zeros(len(tp))
    tables = (
        np.asarray(m.max_velocity_mm_min) / 60.0,
        np.asarray(m.rapid_mm_min) / 60.0,
        np.asarray(m.max_acceleration_mm_s2, np.float64),
        np.asarray(m.steps_per_mm, np.float64),
    )
    modes = mode_table(exact, tol)
    k = motion(arrays, modes, tables, params, m.lookahead_blocks, move_t, (*cols[:6], mv, cols[6], cols[7]),
               chunk=chunk, threads=False)
    lean = np.zeros(len(tp))
    motion(arrays, modes, tables, params, m.lookahead_blocks, lean, chunk=chunk, threads=False)
    assert_allclose(lean, move_t, rtol=1e-12, atol=1e-12)  # the profile columns are optional, the times the same
    # planned on a second thread while the next span is cut: the very same numbers
    cols2 = np.full((8, total), np.nan)
    mv2 = np.full(total, -1, np.int64)
    move_t2 = np.zeros(len(tp))
    k2 = motion(arrays, modes, tables, params, m.lookahead_blocks, move_t2, (*cols2[:6], mv2, cols2[6], cols2[7]),
                chunk=chunk, threads=True)
    assert k2 == k
    np.testing.assert_array_equal(move_t2, move_t)
    np.testing.assert_array_equal(cols2[:, :k], cols[:, :k])
    np.testing.assert_array_equal(mv2[:k], mv[:k])
    return cols[:6, :k], mv[:k], move_t, cols[6, :k], cols[7, :k]


@given(_toolpaths(), st.sampled_from(range(len(_MACHINES))), st.integers(0, 3), st.sampled_from([1, 2, 5, 64, 16384]))
@settings(max_examples=50, deadline=None)
def test_motion_matches_the_references_chained(tp, mi, n_splits, chunk):
    from sim.planner_reference import motion_reference

    m = _MACHINES[mi]
    n = len(tp)
    rng = np.random.default_rng(n * 7 + n_splits)
    cuts = np.unique(rng.integers(1, max(n, 2), n_splits)) if n > 1 else np.zeros(0, np.int64)
    op_first = np.r_[0, cuts[cuts < n]].astype(np.int64)
    op_start = rng.uniform(-5.0, 5.0, (len(op_first), 3))
    exact = rng.random(n) < 0.3
    tol = rng.choice([0.0, 0.01, 0.5], n)
    ker = _fused(tp, m, op_first, op_start, exact, tol, chunk)
    ref = motion_reference(
        tp, m, op_first, op_start, exact, tol, timer_hz=m.step_timer_hz, stop_s=m.stop_overhead_s,
        dwell_s=m.dwell_overhead_s,
    )
    for name, a, b in zip(("profile", "move", "move_t", "length", "accel"), ker, ref, strict=True):
        assert_allclose(np.asarray(a, np.float64), np.vstack(b) if name == "profile" else b, rtol=1e-9, atol=1e-9,
                        err_msg=name)


def test_motion_streams_long_arcs_and_long_windows():
    # a helix of many chords (more than the buffer), then short moves; a window longer than the program
    from sim.planner_reference import motion_reference

    b = ToolpathBuilder()
    b.arc(0.0, 0.0, -3.0, 20.0, 0.0, cw=True, feed_mm_min=1500.0)  # 222 chords per turn on grbl-router
    for k in range(60):
        b.feed(0.3 * (k + 1), 0.1 * (k % 2), -3.0, 2000.0)
    tp = b.build()
    for m in (GRBL, dataclasses.replace(GRBL, lookahead_blocks=500)):
        args = (tp, m, np.zeros(1, np.int64), np.zeros((1, 3)), np.zeros(len(tp), bool), np.zeros(len(tp)))
        ker = _fused(*args, 16)
        ref = motion_reference(*args, timer_hz=m.step_timer_hz, stop_s=0.0, dwell_s=0.0)
        assert len(ker[1]) == len(ref[1]) > 222
        assert_allclose(ker[0], np.vstack(ref[0]), rtol=1e-9, atol=1e-9)
        assert_allclose(ker[2], ref[2], rtol=1e-9, atol=1e-12)


def test_linuxcnc_segment_lasts_at_least_one_servo_period():
    # tp.c caps a segment's speed at length / (1.02 periods): 0.01 mm segments at F3000 run at 9.8 mm/s at most
    pts = [(0.01 * (k + 1), 0.0, 0.0) for k in range(300)]
    s = segments(_path(pts, 3000.0), LCNC, start_xyz=(0, 0, 0))
    assert np.allclose(np.sqrt(s.cruise_v2), 0.01 / (1.02 * LCNC.servo_period_s), rtol=1e-4)


@pytest.mark.parametrize("window", [1, 2, 3, 7])
@pytest.mark.parametrize("name", ["grbl-router", "linuxcnc-sim"])
def test_motion_matches_the_references_on_a_random_zigzag(name, window):
    # short moves, rapids, half circles: blend arcs consume short lines; small windows and buffers
    from sim.planner_reference import motion_reference

    rng = np.random.default_rng(5)
    b = ToolpathBuilder()
    x = y = 0.0
    for k in range(400):
        if k % 50 == 0:
            b.rapid(x, y, 2.0)
            b.feed(x, y, -1.0, 300.0)
        nx, ny = x + rng.normal(0.0, 0.5), y + rng.normal(0.0, 0.5)
        if k % 17 == 5:
            b.arc(nx, ny, -1.0, 0.5 * (x + nx), 0.5 * (y + ny), cw=True, feed_mm_min=900.0)
        else:
            b.feed(nx, ny, -1.0, float(rng.uniform(600, 3000)))
        x, y = nx, ny
    tp = b.build()
    m = dataclasses.replace(load_machine(name), lookahead_blocks=window)
    n = len(tp)
    args = (tp, m, np.zeros(1, np.int64), np.array([[0.0, 0.0, 5.0]]), np.zeros(n, bool), np.zeros(n))
    ker = _fused(*args, 64)
    ref = motion_reference(*args, timer_hz=m.step_timer_hz, stop_s=m.stop_overhead_s, dwell_s=m.dwell_overhead_s)
    assert_allclose(ker[2], ref[2], rtol=1e-9, atol=1e-12)
    assert_allclose(ker[0], np.vstack(ref[0]), rtol=1e-9, atol=1e-9)
