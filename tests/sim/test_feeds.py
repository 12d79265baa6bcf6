"""Tests of sim.feeds: radial chip thinning against closed forms and the exact two-tooth geometry; feed schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sim import cycle_time, load_machine
from sim.feeds import (
    chip_thickness_mm,
    engagement_of_width_deg,
    feed_for_chip_mm_min,
    schedule_feeds,
    thinning_factor,
)
from sim.machine import Machine
from toolpath import InputError, MoveKind, Program, Tool, ToolpathBuilder


# ------------------------------------------------------------------------------------------- closed forms
def test_thinning_factor_known_angles() -> None:
    assert_allclose(thinning_factor([0.0, 30.0, 90.0, 120.0, 180.0]), [0.0, 0.5, 1.0, 1.0, 1.0], atol=1e-15)
    assert math.isnan(float(thinning_factor([np.nan])[0]))


def test_engagement_of_width_is_arccos() -> None:
    r = 3.0
    assert_allclose(engagement_of_width_deg([0.0, r / 2, r, 2 * r, 3 * r], r), [0.0, 60.0, 90.0, 180.0, 180.0])


@given(st.floats(0.01, 0.99), st.floats(1.0, 20.0))
def test_side_cut_matches_the_textbook_chip_thinning_factor(frac: float, d: float) -> None:
    """h_max / fz = 2 sqrt(ae (D - ae)) / D for a side cut of ae < R (the usual radial chip thinning factor)."""
    ae = frac * d / 2.0
    got = chip_thickness_mm(1000.0, engagement_of_width_deg(ae, d / 2.0), flutes=2, rpm=10000.0)
    fz = 1000.0 / (2 * 10000.0)
    assert_allclose(got, fz * 2.0 * math.sqrt(ae * (d - ae)) / d, rtol=1e-12)


def _chip_exact(r: float, fz: float, ae: float) -> float:
    """Thickest chip of one tooth in a straight side cut, from the exact circles of two successive teeth.

    The tool moves along +x; the material left by the previous tooth is bounded by its circle (centre
    ``(-fz, 0)``); the current tooth sweeps the circle about the origin. Along the ray at angle ``phi``
    the chip is ``R - s`` with ``s`` where the ray meets the previous circle. The uncut wall is the band
    ``y >= R - ae``; the thickest chip in that band is searched over a fine grid of angles.
    """
    phi = np.linspace(0.0, math.pi / 2, 200_001)
    s = -fz * np.cos(phi) + np.sqrt(r * r - (fz * np.sin(phi)) ** 2)
    t = r - s
    in_wall = r * np.sin(phi) >= r - ae
    return float(t[in_wall].max())


@pytest.mark.parametrize("ae_frac", [0.05, 0.2, 0.5, 0.8, 1.0, 1.5])
def test_chip_thickness_against_the_two_tooth_geometry(ae_frac: float) -> None:
    r, fz = 5.0, 0.02
    ae = ae_frac * r
    exact = _chip_exact(r, fz, ae)
    th = engagement_of_width_deg(ae, r)
    got = float(chip_thickness_mm(fz * 2 * 12000.0, th, flutes=2, rpm=12000.0))
    # the circular-path approximation is exact to first order in fz / R
    assert got == pytest.approx(exact, abs=fz * fz / r * 2 + 1e-6)


def test_feed_for_chip_inverts_chip_thickness() -> None:
    th = np.array([5.0, 20.0, 45.0, 89.0, 90.0, 150.0, 180.0])
    f = feed_for_chip_mm_min(0.05, th, flutes=3, rpm=8000.0)
    assert_allclose(chip_thickness_mm(f, th, flutes=3, rpm=8000.0), 0.05, rtol=1e-12)
    assert feed_for_chip_mm_min(0.05, [0.0], flutes=3, rpm=8000.0)[0] == math.inf
    assert_allclose(f[-3:], 0.05 * 3 * 8000.0)  # no thinning from 90 degrees on


def test_bad_tooth_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="flutes"):
        chip_thickness_mm(100.0, 90.0, flutes=0, rpm=1000.0)
    with pytest.raises(InputError, match="rpm"):
        chip_thickness_mm(100.0, 90.0, flutes=2, rpm=0.0)
    with pytest.raises(InputError, match="chip_mm"):
        feed_for_chip_mm_min(-1.0, 90.0, flutes=2, rpm=1000.0)
    with pytest.raises(InputError, match="degrees"):
        thinning_factor([-5.0])


# ------------------------------------------------------------------------------------------- schedules
def _program(rpm: float = 10000.0, feed: float = 1000.0) -> Program:
    b = ToolpathBuilder()
    b.rapid(0.0, 0.0, 5.0)
    b.feed(0.0, 0.0, -1.0, 300.0)  # plunge
    b.feed(100.0, 0.0, -1.0, feed)  # slot
    b.feed(100.0, 50.0, -1.0, feed)  # side cut
    b.arc(100.0, 50.0, -1.0, 100.0, 40.0, cw=False, feed_mm_min=feed)  # full circle
    b.feed(0.0, 50.0, -1.0, feed)  # air
    b.dwell(0.5)
    b.rapid(0.0, 50.0, 5.0)
    return Program.single(Tool.flat(6.0, flutes=2), b.build(), start_xyz=(0.0, 0.0, 5.0), spindle_rpm=rpm)


def test_schedule_holds_the_programmed_chip_within_limits() -> None:
    prog = _program()
    m = Machine("test", max_velocity_mm_min=(4000.0, 3000.0, 1000.0), rapid_mm_min=(5000.0, 5000.0, 1000.0))
    eng = np.array([np.nan, 180.0, 180.0, 30.0, 60.0, 0.0, np.nan, np.nan])
    s = schedule_feeds(prog, eng, m)
    tp = prog.toolpath
    f = s.feed_mm_min
    # kinds, points, centres unchanged; rapids, plunge and dwell keep their values
    new = s.program.toolpath
    assert np.array_equal(new.kind, tp.kind) and np.array_equal(new.xyz, tp.xyz)
    assert np.array_equal(new.center, tp.center, equal_nan=True)
    assert np.isnan(f[0]) and np.isnan(f[7]) and f[1] == 300.0 and f[6] == 0.5
    assert s.chip_mm == pytest.approx(1000.0 / (2 * 10000.0))
    assert f[2] == pytest.approx(1000.0)  # a slot keeps the programmed feed
    assert f[3] == pytest.approx(1000.0 / math.sin(math.radians(30.0)))  # 2000, below the Y limit 3000
    assert f[4] == pytest.approx(min(1000.0 / math.sin(math.radians(60.0)), 3000.0))  # arc: both XY limits
    assert f[5] == pytest.approx(4000.0)  # air along X: the X limit
    assert s.limited.tolist() == [False, False, False, False, False, True, False, False]
    assert_allclose(s.chip_after_mm[2:5], s.chip_mm, rtol=1e-12)
    assert s.cycle_time_before_s == pytest.approx(cycle_time(prog, m).cycle_time_s)
    assert s.cycle_time_after_s == pytest.approx(cycle_time(s.program, m).cycle_time_s)
    assert s.cycle_time_after_s < s.cycle_time_before_s
    assert s.to_json()["saving_pct"] == pytest.approx(s.saving_pct) and s.saving_pct > 0


def test_schedule_caps_at_max_feed_and_skips_a_stopped_spindle() -> None:
    m = load_machine("grbl-router")
    eng = np.array([np.nan, 180.0, 180.0, 10.0, 10.0, 0.0, np.nan, np.nan])
    s = schedule_feeds(_program(), eng, m, max_feed_mm_min=1500.0)
    assert s.feed_mm_min[3] == pytest.approx(1500.0) and s.limited[3]
    off = schedule_feeds(_program(rpm=0.0), eng, m)
    assert not off.scheduled.any()
    assert np.array_equal(off.feed_mm_min, _program().toolpath.feed, equal_nan=True)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 180.0), min_size=3, max_size=3), st.floats(0.01, 0.2))
def test_scheduled_chip_never_exceeds_the_target(angles: list[float], chip: float) -> None:
    eng = np.array([np.nan, np.nan, angles[0], angles[1], angles[2], 0.0, np.nan, np.nan])
    s = schedule_feeds(_program(), eng, "grbl-router", chip_mm=chip)
    done = s.scheduled
    assert np.all(s.chip_after_mm[done] <= chip * (1 + 1e-9))
    unlimited = done & ~s.limited & (s.feed_mm_min > 1.0)
    assert_allclose(s.chip_after_mm[unlimited], chip, rtol=1e-9)


def test_schedule_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="entries"):
        schedule_feeds(_program(), np.zeros(3), "grbl-router")
    with pytest.raises(InputError, match="Program"):
        schedule_feeds("x", np.zeros(3), "grbl-router")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="chip_mm"):
        schedule_feeds(_program(), np.zeros(8), "grbl-router", chip_mm=0.0)


def test_move_kinds_used_here_are_the_real_ones() -> None:
    assert _program().toolpath.kind.tolist()[:5] == [MoveKind.RAPID, MoveKind.FEED, MoveKind.FEED, MoveKind.FEED,
                                                      MoveKind.ARC_CCW]
