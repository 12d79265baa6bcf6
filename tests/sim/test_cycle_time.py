"""Cycle time against the controllers' own planners (shared/reference), and its breakdown."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gcode
from sim import cycle_time, load_machine
from sim.cycle_time import KINDS
from toolpath import Program, Tool
from toolpath.errors import InputError
from toolpath.moves import ToolpathBuilder
from toolpath.program import Operation

# grbl-router without its stepper-timer cycle, for closed-form checks of the planner alone
GRBL_PLAIN = dataclasses.replace(load_machine("grbl-router"), step_timer_hz=0.0)

REF = Path(__file__).resolve().parents[3] / "shared" / "reference"
if not REF.exists():  # the checkout may live elsewhere; the reference data sits beside it in /work/shared
    REF = Path("/work/shared/reference")


def _rows(folder):
    path = REF / folder / "times.csv"
    if not path.exists():
        return []
    with path.open() as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", _rows("grbl"), ids=lambda r: r["file"])
def test_grbl_reference_programs_within_one_percent(row):
    program, _ = gcode.read(REF / "grbl" / row["file"])
    ct = cycle_time(program, "grbl-router")
    ref = float(row["grbl_seconds"])
    assert ct.cycle_time_s == pytest.approx(ref, rel=0.01)
    # the naive figure is the reference's own length/feed
    assert ct.naive_time_s == pytest.approx(float(row["naive_seconds"]), abs=1e-3)


@pytest.mark.parametrize("row", _rows("linuxcnc"), ids=lambda r: r["file"])
def test_linuxcnc_reference_programs_within_one_percent(row):
    # the bar is 2 %; with LinuxCNC's blend arcs as segments and no rapid/feed blends all are within 0.9 %
    program, _ = gcode.read(REF / "linuxcnc" / row["file"])
    ct = cycle_time(program, "linuxcnc-sim")
    assert ct.cycle_time_s == pytest.approx(float(row["lcnc_seconds"]), rel=0.01)


def test_reference_data_is_present():
    assert len(_rows("grbl")) >= 8 and len(_rows("linuxcnc")) >= 6


def _single(points_kinds, *, rpm=0.0, tool=None, start=(0.0, 0.0, 0.0)):
    b = ToolpathBuilder()
    for kind, *args in points_kinds:
        if kind == "arc":
            x, y, z, cx, cy, cw, f = args
            b.arc(x, y, z, cx, cy, cw=cw, feed_mm_min=f)
        else:
            getattr(b, kind)(*args)
    return Program.single(tool or Tool.flat(6.0), b.build(), start_xyz=start, spindle_rpm=rpm)


def test_breakdown_by_kind_sums_to_total_and_classifies():
    p = _single(
        [
            ("rapid", 10.0, 10.0, 5.0),
            ("dwell", 0.25),
            ("feed", 10.0, 10.0, -2.0, 300.0),  # plunge, between two stops
            ("dwell", 0.25),
            ("feed", 50.0, 10.0, -2.0, 1200.0),  # cut
            ("dwell", 1.5),
            ("arc", 50.0, 10.0, -2.0, 40.0, 10.0, True, 800.0),  # full circle, cut
            ("rapid", 50.0, 10.0, 5.0),
        ]
    )
    ct = cycle_time(p, GRBL_PLAIN)
    assert set(ct.by_kind_s) == set(KINDS)
    assert sum(ct.by_kind_s.values()) == pytest.approx(ct.cycle_time_s, rel=1e-12)
    assert ct.by_kind_s["plunge"] == pytest.approx(7.0 / 5.0 + 5.0 / 100.0, rel=1e-9)  # Z: F300 = 5 mm/s, a = 100
    assert ct.by_kind_s["dwell"] == pytest.approx(2.0)
    assert ct.by_kind_s["rapid"] > 0 and ct.by_kind_s["cut"] > 0
    assert ct.move_time_s.sum() == pytest.approx(ct.cycle_time_s)
    assert ct.cycle_time_s >= ct.naive_time_s


def test_links_are_told_from_cuts_when_given():
    p = _single(
        [
            ("rapid", 10.0, 10.0, 5.0),
            ("feed", 10.0, 10.0, -2.0, 300.0),  # plunge into material
            ("feed", 50.0, 10.0, -2.0, 1200.0),  # cut
            ("feed", 50.0, 30.0, -2.0, 1200.0),  # link: over cleared floor
            ("feed", 50.0, 30.0, -4.0, 300.0),  # plunge that removes nothing: a link too
            ("arc", 50.0, 30.0, -4.0, 40.0, 30.0, True, 800.0),  # cut
            ("dwell", 0.5),
            ("rapid", 50.0, 30.0, 5.0),
        ]
    )
    link = np.array([False, False, False, True, True, False, False, False])
    plain = cycle_time(p, GRBL_PLAIN)
    ct = cycle_time(p, GRBL_PLAIN, link=link)
    assert not plain.links_known and plain.by_kind_s["link"] == 0.0
    assert ct.links_known
    # the same motion, only told apart: links are moves 3 and 4, the rest as before
    assert ct.cycle_time_s == plain.cycle_time_s
    assert ct.by_kind_s["link"] == pytest.approx(ct.move_time_s[3] + ct.move_time_s[4], rel=1e-12)
    assert ct.by_kind_s["cut"] == pytest.approx(plain.by_kind_s["cut"] - ct.move_time_s[3], rel=1e-12)
    assert ct.by_kind_s["plunge"] == pytest.approx(plain.by_kind_s["plunge"] - ct.move_time_s[4], rel=1e-12)
    assert ct.by_kind_s["rapid"] == plain.by_kind_s["rapid"] and ct.by_kind_s["dwell"] == plain.by_kind_s["dwell"]
    js = ct.to_json()
    assert js["link_time_s"] == pytest.approx(ct.by_kind_s["link"])
    assert js["cut_time_s"] + js["link_time_s"] + ct.by_kind_s["rapid"] + ct.by_kind_s["dwell"] == pytest.approx(
        ct.cycle_time_s
    )
    assert ct.by_operation[0]["link_time_s"] == pytest.approx(ct.by_kind_s["link"])
    # a rapid or a dwell marked as a link keeps its kind
    ct2 = cycle_time(p, GRBL_PLAIN, link=np.ones(8, bool))
    assert ct2.by_kind_s["rapid"] == plain.by_kind_s["rapid"] and ct2.by_kind_s["cut"] == 0.0
    with pytest.raises(InputError):
        cycle_time(p, GRBL_PLAIN, link=np.ones(3, bool))
    with pytest.raises(InputError):
        cycle_time(p, GRBL_PLAIN, link=np.ones(8))


def test_classes_kernel_matches_reference():
    from sim.cycle_time import classify_reference, naive_kernel

    p = _single(
        [
            ("rapid", 10.0, 10.0, 5.0),
            ("feed", 10.0, 10.0, -2.0, 300.0),
            ("feed", 10.0, 10.0, 1.0, 300.0),  # up: not a plunge
            ("feed", 12.0, 10.0, -3.0, 300.0),  # ramp: a cut
            ("arc", 12.0, 10.0, -4.0, 11.0, 10.0, True, 800.0),  # helix down: a cut
            ("dwell", 0.5),
            ("feed", 12.0, 10.0, -5.0, 300.0),
        ],
        start=(1.0, 2.0, 3.0),
    )
    tp = p.operations[0].toolpath
    out, cls = np.empty(len(tp)), np.empty(len(tp), np.int8)
    m = load_machine("grbl-router")
    naive_kernel(tp.kind, tp.xyz, tp.center, tp.feed, np.zeros(1, np.int64), np.array([[1.0, 2.0, 3.0]]),
                 np.asarray(m.rapid_mm_min) / 60.0, 0.0, out, cls)
    assert cls.tolist() == classify_reference(tp, np.array([1.0, 2.0, 3.0])).tolist() == [2, 1, 0, 0, 0, 3, 1]


def test_dwell_stops_the_machine_and_adds_its_time():
    moving = _single([("feed", 50.0, 0.0, 0.0, 1000.0), ("feed", 100.0, 0.0, 0.0, 1000.0)])
    paused = _single([("feed", 50.0, 0.0, 0.0, 1000.0), ("dwell", 2.0), ("feed", 100.0, 0.0, 0.0, 1000.0)])
    v, a = 1000.0 / 60.0, 200.0
    assert cycle_time(moving, GRBL_PLAIN).cycle_time_s == pytest.approx(100.0 / v + v / a, rel=1e-9)
    assert cycle_time(paused, GRBL_PLAIN).cycle_time_s == pytest.approx(2 * (50.0 / v + v / a) + 2.0, rel=1e-9)


def test_tool_change_and_spindle_times_come_from_the_profile():
    m = dataclasses.replace(GRBL_PLAIN, tool_change_s=30.0, spindle_ramp_s=2.5)
    b = ToolpathBuilder()
    b.feed(10.0, 0.0, 0.0, 600.0)
    b.feed(0.0, 0.0, 0.0, 600.0)  # back to the start: every operation is the same 2 x 10 mm, rest to rest
    tp = b.build()
    t1, t2 = Tool.flat(6.0), Tool.flat(3.0)
    prog = Program(
        (
            Operation(t1, tp, spindle_rpm=12000),
            Operation(t2, tp, spindle_rpm=12000),
            Operation(t2, tp, spindle_rpm=9000),
        ),
        start_xyz=(0.0, 0.0, 0.0),
    )
    ct = cycle_time(prog, m)
    assert ct.by_kind_s["tool_change"] == 30.0  # one change: t1 -> t2 (t1 is loaded at the start)
    assert ct.by_kind_s["spindle"] == 2 * 2.5  # spindle start, restart after the change; slowing down is free
    motion = 2 * (10.0 / 10.0 + 10.0 / 200.0)  # per operation: two rest-to-rest moves at 10 mm/s, a = 200
    assert ct.cycle_time_s == pytest.approx(3 * motion + 30.0 + 5.0, rel=1e-12)
    assert ct.naive_time_s == pytest.approx(3 * 2.0 + 30.0 + 5.0, rel=1e-12)
    ops = ct.by_operation
    assert [o["moves"] for o in ops] == [2, 2, 2]
    assert sum(o["cycle_time_s"] for o in ops) == pytest.approx(ct.cycle_time_s)
    assert ops[1]["cycle_time_s"] > ops[2]["cycle_time_s"]  # the change and the restart belong to the 2nd


def test_to_json_keys_and_types():
    ct = cycle_time(_single([("feed", 30.0, 40.0, 0.0, 1500.0)]), "linuxcnc-sim")
    js = ct.to_json()
    assert set(js) >= {"cycle_time_s", "naive_time_s", "breakdown"}
    assert isinstance(js["cycle_time_s"], float)
    assert set(js["breakdown"]["by_kind_s"]) == set(KINDS)
    assert js["breakdown"]["links_known"] is False and "link_time_s" not in js
    import json

    json.dumps(js)


def test_velocity_profile_integrates_to_the_path_length():
    p = _single(
        [
            ("feed", 50.0, 0.0, 0.0, 1000.0),
            ("feed", 50.0, 50.0, 0.0, 1000.0),
            ("dwell", 1.0),
            ("rapid", 0.0, 0.0, 0.0),
        ]
    )
    ct = cycle_time(p, "grbl-router")
    t, v = ct.velocity_profile()
    assert np.all(np.diff(t) >= -1e-12)
    assert t[-1] == pytest.approx(ct.cycle_time_s, rel=1e-9)
    dist = float(np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(t)))
    assert dist == pytest.approx(100.0 + 50.0 * math.sqrt(2.0), rel=1e-6)


def test_plot_velocity_draws():
    import matplotlib

    matplotlib.use("Agg")
    ct = cycle_time(_single([("feed", 30.0, 0.0, 0.0, 1500.0)]), "grbl-router")
    ax = ct.plot_velocity()
    assert len(ax.lines) == 1 and "grbl-router" in ax.get_title()


def test_linuxcnc_path_control_from_the_reader():
    text = "G21 G90\nG61\nG0 X10 Y10\nG1 X60 F1500\nG1 Y60\nM2\n"
    g61 = cycle_time(gcode.read(text).program, "linuxcnc-sim")
    g64 = cycle_time(gcode.read(text.replace("G61", "G64 P0.5")).program, "linuxcnc-sim")
    assert g64.cycle_time_s < g61.cycle_time_s
    assert g61.profile.end_v[1] == 0.0 and g64.profile.end_v[1] > 0.0


def test_linuxcnc_path_control_switches_per_move():
    text = "G21 G90\nG64 P0.5\nG1 X0 Y0 F1500\nG1 X50\nG1 Y50\nG61\nG1 X0\nG1 Y0\nG64 P0.5\nG1 X50\nG1 Y50\nM2\n"
    prog = gcode.read(text).program
    assert prog.metadata["path_control_moves"] == [0, 3, 5]
    ct = cycle_time(prog, "linuxcnc-sim")
    last = np.searchsorted(ct.segment_move, np.arange(7), side="right") - 1  # last segment of each move
    end_v = ct.profile.end_v[last]
    # the mode of the move ending at a corner decides: G64 after moves 1, 2 and 5; G61 stops after 3 and 4
    assert end_v[1] > 1.0 and end_v[2] > 1.0 and end_v[5] > 1.0
    assert end_v[3] == 0.0 and end_v[4] == 0.0
    all61 = cycle_time(gcode.read(text.replace("G64 P0.5", "G61")).program, "linuxcnc-sim").cycle_time_s
    all64 = cycle_time(gcode.read(text.replace("G61", "G64 P0.5")).program, "linuxcnc-sim").cycle_time_s
    assert all64 < ct.cycle_time_s < all61
    # without the move indices (another reader), the last mode holds for the whole program, as before
    md = dict(prog.metadata)
    del md["path_control_moves"]
    flat = cycle_time(dataclasses.replace(prog, metadata=md), "linuxcnc-sim").cycle_time_s
    assert flat == pytest.approx(all64)


def test_empty_program_and_bad_input():
    ct = cycle_time(Program((), start_xyz=(0.0, 0.0, 0.0)), "grbl-router")
    assert ct.cycle_time_s == 0.0 and ct.naive_time_s == 0.0
    assert ct.velocity_profile()[0].shape == (1,)
    with pytest.raises(InputError):
        cycle_time("G1 X1", "grbl-router")  # type: ignore[arg-type]


def test_naive_kernel_matches_reference():
    from sim.cycle_time import naive_reference, naive_time_s

    p = _single(
        [
            ("rapid", 10.0, 20.0, 5.0),
            ("feed", 10.0, 20.0, -2.0, 300.0),
            ("arc", 30.0, 20.0, -3.0, 20.0, 20.0, False, 900.0),
            ("dwell", 0.5),
            ("arc", 30.0, 20.0, -4.0, 25.0, 20.0, True, 900.0),
            ("rapid", 0.0, 0.0, 5.0),
        ]
    )
    for name in ("grbl-router", "linuxcnc-sim"):
        m = load_machine(name)
        tp = p.operations[0].toolpath
        assert np.allclose(naive_time_s(tp, m, start_xyz=(0, 0, 0)), naive_reference(tp, m, start_xyz=(0, 0, 0)))


# jerk-limited machines ----------------------------------------------------------------------------------------------


def _vmc_line(d_mm, feed):
    b = ToolpathBuilder()
    b.feed(d_mm, 0.0, 0.0, feed)
    return Program.single(Tool.flat(6.0), b.build(), start_xyz=(0.0, 0.0, 0.0), spindle_rpm=0.0)


def test_scurve_rest_to_rest_closed_forms():
    m = load_machine("industrial-vmc")
    a, j = 3400.0, 35000.0
    # full S-curve ramps (v >= a^2/j = 330 mm/s): t = d/v + v/a + a/j
    v = 20000.0 / 60.0
    assert cycle_time(_vmc_line(1000.0, 20000.0), m).cycle_time_s == pytest.approx(1000.0 / v + v / a + a / j)
    # ramps that never reach a (v < a^2/j): each ramp 2 sqrt(v/j), t = d/v + 2 sqrt(v/j)
    v = 200.0
    assert cycle_time(_vmc_line(500.0, 12000.0), m).cycle_time_s == pytest.approx(500.0 / v + 2 * math.sqrt(v / j))
    # too short to cruise or reach a: pure jerk, t = 4 (d / 2j)^(1/3)
    assert cycle_time(_vmc_line(2.0, 12000.0), m).cycle_time_s == pytest.approx(4 * (2.0 / (2 * j)) ** (1 / 3))
    # and always slower than the same machine without jerk limits
    flat = dataclasses.replace(m, max_jerk_mm_s3=(0.0, 0.0, 0.0))
    assert cycle_time(_vmc_line(2.0, 12000.0), flat).cycle_time_s < cycle_time(_vmc_line(2.0, 12000.0), m).cycle_time_s


@st.composite
def _retime_cases(draw):
    n = draw(st.integers(1, 30))
    f = st.floats(0.0, 100.0)
    v0 = np.array(draw(st.lists(f, min_size=n, max_size=n)))
    v1 = np.array(draw(st.lists(f, min_size=n, max_size=n)))
    vc = np.maximum(np.maximum(v0, v1), np.array(draw(st.lists(f, min_size=n, max_size=n))))
    vc = np.maximum(vc, 1e-3)
    a = np.array(draw(st.lists(st.floats(10.0, 5000.0), min_size=n, max_size=n)))
    j = np.array(draw(st.lists(st.floats(100.0, 1e5), min_size=n, max_size=n)))
    d = np.array(draw(st.lists(st.floats(0.01, 100.0), min_size=n, max_size=n)))
    return v0, v1, vc, a, j, d


@given(_retime_cases())
@settings(max_examples=100, deadline=None)
def test_scurve_kernel_matches_reference(case):
    from sim.cycle_time import scurve_kernel, scurve_reference

    ref = scurve_reference(*case)
    ker = scurve_kernel(*case)
    assert np.allclose(ker, ref, rtol=1e-9, atol=1e-9)
    v0, v1, vc, a, j, d = case
    assert np.all(ker[:, 0] <= vc + 1e-9)
    # never faster than the trapezoid with the same speeds (jerk only adds time)
    assert np.all(ker[:, 1:].sum(axis=1) >= d / np.maximum(vc, 1e-300) * (1 - 1e-9))


def test_grbl_timer_cycle_matches_step_by_step_count():
    # G1 X100 F1000 at 250 steps/mm: count the stepper interrupts step by step along the planned profile
    b = ToolpathBuilder()
    b.feed(100.0, 0.0, 0.0, 1000.0)
    p = Program.single(Tool.flat(6.0), b.build(), start_xyz=(0.0, 0.0, 0.0), spindle_rpm=0.0)
    plain = cycle_time(p, GRBL_PLAIN).cycle_time_s
    timed = cycle_time(p, "grbl-router").cycle_time_s
    v, a, steps = 1000.0 / 60.0, 200.0, 250.0
    x = (np.arange(int(100 * steps)) + 0.5) / steps  # mid-points of the steps
    speed = np.minimum(np.minimum(np.sqrt(2 * a * x), np.sqrt(2 * a * (100.0 - x))), v)
    rate = speed * steps
    per_step = np.select([rate > 8000, rate > 4000, rate > 2000], [1, 2, 4], 8)  # AMASS levels
    assert timed - plain == pytest.approx(per_step.sum() / 16e6, rel=2e-3)
    assert 0 < (timed - plain) / plain < 1e-3  # the effect is small: under 0.1 %


def test_grbl_timer_kernel_matches_reference():
    from sim.cycle_time import grbl_timer_extra_reference, grbl_timer_extra_s
    from sim.planner import plan, segments

    m = load_machine("grbl-router")
    rng = np.random.default_rng(7)
    pts = np.cumsum(rng.uniform(-3.0, 3.0, (400, 3)) * [1, 1, 0.1], axis=0)  # short and long moves, all directions
    feeds = rng.choice([50.0, 300.0, 1500.0, 4000.0], size=len(pts))
    moves = [("rapid", 0.0, 0.0, 0.0)] + [("feed", *p, f) for p, f in zip(pts, feeds, strict=True)]
    tp = _single(moves).operations[0].toolpath
    segs = segments(tp, m, start_xyz=(0, 0, 0))
    prof = plan(segs, window=m.lookahead_blocks)
    ours = grbl_timer_extra_s(prof, segs, m.step_timer_hz)
    ref = grbl_timer_extra_reference(prof, segs, m.step_timer_hz)
    assert ours.shape == ref.shape and np.all(ref >= 0) and ref.sum() > 0
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)


def test_links_from_a_stock_simulation():
    # a slot across the stock, then the same slot again (in air now), then a plunge into the cleared slot
    from sim.cycle_time import links_from_removal
    from sim.stock import HeightField, simulate
    from toolpath.stock import Stock

    p = _single(
        [
            ("rapid", -5.0, 10.0, 2.0),
            ("feed", -5.0, 10.0, -1.0, 300.0),  # plunge outside the stock: removes nothing
            ("feed", 45.0, 10.0, -1.0, 1000.0),  # the slot: removes material
            ("feed", -5.0, 10.0, -1.0, 1000.0),  # back along it: air
            ("rapid", 20.0, 10.0, 2.0),
            ("feed", 20.0, 10.0, -1.0, 300.0),  # plunge into the cleared slot: air
        ],
        start=(-5.0, 10.0, 5.0),
    )
    cell = 0.5
    res = simulate(p, None, HeightField.from_stock(Stock.box(0.0, 0.0, -5.0, 40.0, 20.0, 0.0), cell))
    link = links_from_removal(p, res.removed_per_move_mm3, cell)
    assert link.tolist() == [False, True, False, True, False, True]
    ct = cycle_time(p, GRBL_PLAIN, link=link)
    assert ct.by_kind_s["link"] == pytest.approx(ct.move_time_s[[1, 3, 5]].sum())
    assert ct.by_kind_s["cut"] == pytest.approx(ct.move_time_s[2])
    with pytest.raises(InputError):
        links_from_removal(p, np.zeros(2), cell)
