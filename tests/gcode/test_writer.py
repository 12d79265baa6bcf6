"""The writer: LinuxCNC layout, modal words, options, atomic files, golden output."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from gcode_programs import hand_program
from hypothesis import given, settings
from hypothesis import strategies as st

import gcode
from toolpath.errors import GcodeError
from toolpath.moves import ToolpathBuilder
from toolpath.program import Program
from toolpath.tool import Tool

DATA = Path(__file__).resolve().parents[1] / "data" / "gcode"


def test_linuxcnc_layout():
    lines = gcode.write(hand_program(), "linuxcnc", path_tolerance_mm=0.01).splitlines()
    assert lines[:4] == ["%", "(hand built)", "G21 G90 G17 G94 G40 G49 G80", "G64 P0.01"]
    assert lines[-3:] == ["M9 M5", "M2", "%"]
    i = lines.index("T1 M6")
    assert lines[i - 2 : i + 4] == ["(rough)", "(T1 D=6 CR=0 flat)", "T1 M6", "G43 H1", "S12000 M3", "M8"]
    assert "T2 M6" in lines and "M7" in lines and "G4 P0.75" in lines


def test_modal_words_are_not_repeated():
    b = ToolpathBuilder()
    b.rapid(0, 0, 5)
    b.feed(0, 0, -1, 100)
    b.feed(10, 0, -1, 100)
    b.feed(10, 10, -1, 100)
    b.feed(0, 10, -1, 250)
    text = gcode.write(Program.single(Tool(3.0), b.build(), clearance_z_mm=5.0))
    body = text.splitlines()
    i = body.index("G1 Z-1 F100")
    assert body[i + 1 : i + 4] == ["X10", "Y10", "X0 F250"]


def test_options_units_arcs_and_line_numbers():
    p = hand_program()
    inch = gcode.write(p, units="inch")
    assert "G20 G90" in inch and "X0.3937" in inch  # 10 mm
    r = gcode.write(p, arcs="r")
    assert " I" not in r and " R" in r
    lin = gcode.write(p, arcs="linearize")
    assert not [ln for ln in lin.splitlines() if ln.startswith(("G2 ", "G3 "))]
    numbered = gcode.write(p, line_numbers=True).splitlines()
    ns = [int(ln.split()[0][1:]) for ln in numbered if ln.startswith("N")]
    assert ns == list(range(10, 10 * len(ns) + 1, 10))
    with pytest.raises(GcodeError, match="accepted: units"):
        gcode.write(p, unit="inch")
    with pytest.raises(GcodeError, match="'mm' or 'inch'"):
        gcode.write(p, units="cm")


def test_r_arcs_are_split_and_signed():
    b = ToolpathBuilder()
    b.rapid(10, 0, 0)
    b.arc(10, 0, 0, 0, 0, cw=False, feed_mm_min=100)  # full circle
    b.arc(0, -10, 0, 0, 0, cw=False, feed_mm_min=100)  # 270 deg CCW
    text = gcode.write(Program.single(Tool(2.0), b.build(), clearance_z_mm=0.0), arcs="r")
    arcs = [ln for ln in text.splitlines() if ln.startswith(("G2 ", "G3 "))]
    assert len(arcs) == 5  # pieces of at most 179 deg: the full circle in 3, 270 deg in 2
    assert all(" R10" in a for a in arcs)
    prog = gcode.read_program(text)
    assert prog.toolpath.cutting_length_mm(prog.start_xyz) == pytest.approx(2 * math.pi * 10 * 1.75, rel=1e-5)


def test_linearized_arcs_stay_within_tolerance():
    b = ToolpathBuilder()
    b.rapid(30, 0, 0)
    b.arc(0, 30, -2, 0, 0, cw=False, feed_mm_min=100)
    d = gcode.get_dialect("linuxcnc")
    text = gcode.write(Program.single(Tool(2.0), b.build(), clearance_z_mm=0.0), arcs="linearize")
    pts = gcode.read_program(text).toolpath.xyz[1:]
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.max(np.abs(r - 30)) <= 1e-4  # vertices on the arc (4 decimals)
    mid = (pts[:-1] + pts[1:]) / 2
    assert np.max(30 - np.hypot(mid[:, 0], mid[:, 1])) <= d.linearize_tolerance_mm + 1e-4


def test_inconsistent_arc_is_refused():
    b = ToolpathBuilder()
    b.rapid(10, 0, 0)
    b.arc(0, 12, 0, 0, 0, cw=False, feed_mm_min=100)
    with pytest.raises(GcodeError, match="radius"):
        gcode.write(Program.single(Tool(2.0), b.build()))


def test_write_file_is_atomic(tmp_path):
    target = tmp_path / "out.ngc"
    p = hand_program()
    assert gcode.write_file(p, target) == target
    assert target.read_text() == gcode.write(p)
    before = target.read_text()
    with pytest.raises(GcodeError):
        gcode.write_file(p, target, "linuxcnc", nope=1)
    assert target.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["out.ngc"]  # no temporary left behind
    with pytest.raises(GcodeError, match="does not exist"):
        gcode.write_file(p, tmp_path / "missing" / "x.ngc")


def test_write_file_leaves_nothing_when_the_write_fails(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        gcode.write_file(hand_program(), tmp_path / "x.ngc")
    assert os.listdir(tmp_path) == []


def test_unknown_dialect():
    with pytest.raises(GcodeError, match=r"unknown G-code dialect 'haasx'; accepted: .*linuxcnc"):
        gcode.write(hand_program(), "haasx")


@pytest.mark.parametrize("dialect", gcode.dialects())
def test_golden_files(dialect):
    """Each dialect's output of the hand-built program, reviewed and kept (regenerate on purpose only)."""
    golden = DATA / dialect / "hand_built.nc"
    text = gcode.write(hand_program(), dialect)
    if os.environ.get("GCODE_REGENERATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden file for {dialect}; run with GCODE_REGENERATE_GOLDEN=1 and review it"
    assert text == golden.read_text()


@given(st.tuples(*[st.floats(-50, 50, allow_nan=False)] * 6), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_scalar_sweep_is_arc_sweep(coords, ccw, closed) -> None:  # noqa: ANN001
    """The writer's float sweep (per arc, no arrays) equals toolpath.moves.arc_sweep, full circles included."""
    from gcode.writer import _sweep
    from toolpath.moves import MoveKind, arc_sweep

    sx, sy, ex, ey, cx, cy = coords
    if closed:
        ex, ey = sx, sy
    start, end, centre = np.array([[sx, sy, 0.0]]), np.array([[ex, ey, 0.0]]), np.array([[cx, cy]])
    kind = np.array([MoveKind.ARC_CCW if ccw else MoveKind.ARC_CW], np.int8)
    want = float(arc_sweep(start, end, centre, kind)[0])
    assert _sweep((sx, sy), (ex, ey), (cx, cy), ccw) == pytest.approx(want, abs=1e-12)
