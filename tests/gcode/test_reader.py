"""The reader: modal state, units, arcs, cycles, tool changes, and errors with line and column."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gcode
from gcode.cycles import PECK_DELTA_MM
from toolpath.enums import Coolant, MoveKind
from toolpath.errors import GcodeError, GcodeSyntaxError

SHARED = Path("/work/shared")
if not SHARED.exists():  # CI: shared/ sits beside the clone
    SHARED = Path(__file__).resolve().parents[3] / "shared"


def moves(text: str, **kw):
    prog, diags = gcode.read(text, **kw)
    assert all(d.severity != "error" for d in diags), diags
    return prog.toolpath, prog, diags


def test_inches_are_converted_to_mm():
    tp, prog, _ = moves("G20 G90\nG1 X1 Y-0.5 F10\nG21\nG1 X30\n")
    np.testing.assert_allclose(tp.xyz, [[25.4, -12.7, 0], [30, -12.7, 0]])
    np.testing.assert_allclose(tp.feed, [254.0, 254.0])
    assert prog.metadata["units"] == "inch"


def test_incremental_and_lowercase_without_spaces():
    tp, _, _ = moves("g91g1x1y2f100\nx1\n  n30 G90 g0 z5\n")
    np.testing.assert_allclose(tp.xyz, [[1, 2, 0], [2, 2, 0], [2, 2, 5]])
    assert tp.kind.tolist() == [1, 1, 0]


@pytest.mark.parametrize(
    ("block", "kind", "center"),
    [
        ("G3 X10 Y0 R13", MoveKind.ARC_CCW, (5, 12)),  # minor arc, centre left of the chord
        ("G2 X10 Y0 R13", MoveKind.ARC_CW, (5, -12)),
        ("G3 X10 Y0 R-13", MoveKind.ARC_CCW, (5, -12)),  # major arc
        ("G2 X10 Y0 I5 J-12", MoveKind.ARC_CW, (5, -12)),
        ("G90.1 G2 X10 Y0 I5 J-12", MoveKind.ARC_CW, (5, -12)),
    ],
)
def test_arc_centres(block, kind, center):
    tp, _, _ = moves(f"G1 X0 Y0 F100\n{block}\n")
    assert tp.kind[-1] == kind
    np.testing.assert_allclose(tp.center[-1], center, atol=1e-12)
    # both radii agree
    assert math.isclose(math.hypot(*center), math.hypot(10 - center[0], center[1]))


def test_absolute_arc_centres_with_g90_1_differ_from_incremental():
    tp, _, _ = moves("G0 X10 Y10\nG90.1\nG2 X20 Y10 I15 J10 F100\nG91.1\nG2 X30 Y10 I5 J0\n")
    np.testing.assert_allclose(tp.center[1:], [[15, 10], [25, 10]])


def test_full_circle_and_turns():
    tp, _, _ = moves("G0 X5 Y0 Z0\nG2 X5 Y0 I-5 J0 Z-3 P3 F800\n")
    assert tp.kind.tolist() == [0, 2, 2, 2]
    np.testing.assert_allclose(tp.xyz[1:, 2], [-1, -2, -3])
    np.testing.assert_allclose(tp.center[1:], [[0, 0]] * 3)
    assert math.isclose(tp.length_mm((0, 0, 0)), 5 + 3 * math.hypot(2 * math.pi * 5, 1))


def test_arc_radius_mismatch_is_an_error():
    with pytest.raises(GcodeSyntaxError, match="radius") as ei:
        gcode.read("G1 X1 F10\nG2 X5 Y0 I-0.5 J0\n", strict=True)
    assert ei.value.line == 2


def test_small_radius_mismatch_is_kept_as_written():
    tp, _, _ = moves("G1 X0 Y0 F10\nG2 X10.0015 Y0 I5 J0\n")  # within LinuxCNC's 0.002 mm
    np.testing.assert_array_equal(tp.center[-1], [5, 0])
    np.testing.assert_array_equal(tp.xyz[-1], [10.0015, 0, 0])


def test_dwell_comments_percent_and_end():
    text = "%\n(name here)\nN10 G1 X1 F100 ; go\n/G4 P1.5\nG4 P0.25 (wait)\n%\nG1 X99\n"
    tp, prog, _ = moves(text)
    assert tp.kind.tolist() == [1, 4, 4]
    np.testing.assert_allclose(tp.feed[1:], [1.5, 0.25])
    assert prog.name == "name here"
    tp2, _, _ = moves(text, block_delete=True)
    assert tp2.kind.tolist() == [1, 4]
    tp3, _, _ = moves("G1 X1 F100\nM2\nG1 X5\n")
    assert len(tp3) == 1


def test_tool_changes_split_operations_and_tools_come_from_comments():
    text = (
        "(T1 D=6 CR=0 flat)\n(T2 D=3 ball)\nT1 M6\nS12000 M3 M8\nG0 X1 Z5\nG1 Z-1 F100\n"
        "(second)\nT2 M6\nS9000 M4\nM9\nG1 X5 F50\nT7 M6\nG0 Z9\n"
    )
    prog, diags = gcode.read(text)
    ops = prog.operations
    assert [op.tool.number for op in ops] == [1, 2, 7]
    assert [op.tool.diameter_mm for op in ops] == [6.0, 3.0, gcode.DEFAULT_TOOL_DIAMETER_MM]
    assert ops[1].tool.kind == "ball" and ops[1].name == "second"
    assert ops[0].spindle_rpm == 12000 and ops[0].coolant is Coolant.FLOOD and ops[0].clockwise
    assert ops[1].spindle_rpm == 9000 and not ops[1].clockwise and ops[1].coolant is Coolant.OFF
    assert any("T7" in d.message and d.severity == "info" for d in diags)
    prog2, _ = gcode.read(text, tools={7: gcode.read.__globals__["Tool"](10.0, number=7)})
    assert prog2.operations[2].tool.diameter_mm == 10.0


def test_path_control_is_metadata():
    _, prog, _ = moves("G64 P0.02\nG1 X1 F10\nG61\nG20 G64 P0.001\n")
    assert prog.metadata["path_control"] == [(1, "G64", 0.02), (3, "G61", None), (4, "G64", pytest.approx(0.0254))]


def test_yz_plane_arcs_become_chords_on_the_circle():
    tp, _, diags = moves("G1 X0 Y0 Z0 F100\nG19 G2 Y10 Z0 J5 K0\n")
    assert set(tp.kind.tolist()) == {1}
    pts = tp.xyz
    r = np.hypot(pts[:, 1] - 5, pts[:, 2])
    np.testing.assert_allclose(r, 5, atol=1e-12)
    assert pts[:, 2].max() > 4.99  # G2 in G19 goes over +Z (CW seen from +X, Y right, Z up)
    mid = (pts[:-1] + pts[1:]) / 2
    assert np.max(5 - np.hypot(mid[:, 1] - 5, mid[:, 2])) <= 0.001 + 1e-12
    assert any(d.code == "arc-plane" for d in diags)


def test_g81_and_g83_expansion():
    tp, _, _ = moves("G0 Z10\nG98 G81 X5 Y5 Z-3 R2 F100\nX15\nG80\n")
    np.testing.assert_allclose(
        tp.xyz, [[0, 0, 10], [5, 5, 10], [5, 5, 2], [5, 5, -3], [5, 5, 10], [15, 5, 10], [15, 5, 2], [15, 5, -3],
                 [15, 5, 10]])
    assert tp.kind.tolist() == [0, 0, 0, 1, 0, 0, 0, 1, 0]
    tp, _, _ = moves("G0 Z10\nG99 G83 X0 Y0 Z-5 R1 Q2.5 F100\n")
    z = tp.xyz[:, 2].tolist()
    d = PECK_DELTA_MM
    assert z == pytest.approx([10, 1, -1.5, 1, -1.5 + d, -4, 1, -4 + d, -5, 1])
    assert tp.kind.tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0]


def test_g91_canned_cycle_repeats():
    tp, _, _ = moves("G0 X0 Y0 Z5\nG91 G99 G81 X10 Z-4 R-3 L3 F100\n")
    holes = tp.xyz[tp.kind == MoveKind.FEED]
    np.testing.assert_allclose(holes, [[10, 0, -2], [20, 0, -2], [30, 0, -2]])


@pytest.mark.parametrize(
    ("text", "line", "column", "what"),
    [
        ("G1 X1 F10\nG1 X#1\n", 2, 5, "macro"),
        ("G0 X1\no100 sub\n", 2, 1, "O-word"),
        ("G0 X1\nO<probe> call\n", 2, 1, "O-word"),
        ("G0 X1\n G41 D1 G1 X5 F10\n", 2, 2, "compensation"),
        ("G12.7 X1\n", 1, 1, "not supported"),
        ("G1 X1 A5 F10\n", 1, 7, "axis"),
        ("G1 X1 X2 F10\n", 1, 7, "twice"),
        ("G1 X1\n", 1, 4, "no feed"),
        ("G1 X1 F10 (open\n", 1, 11, "not closed"),
        ("M98 P100\n", 1, 1, "subprogram"),
        ("G2 X1 Y1 R0.1 F10\n", 1, 10, "smaller"),
        ("X5\n", 1, 1, "no motion"),
    ],
)
def test_unsupported_input_is_an_error_naming_line_and_column(text, line, column, what):
    with pytest.raises(GcodeSyntaxError, match=what) as ei:
        gcode.read(text, strict=True)
    assert (ei.value.line, ei.value.column) == (line, column)
    res = gcode.read(text)
    assert not res.complete and res.errors[0].line == line and res.errors[0].column == column
    # what came before the bad line is kept, nothing after
    assert all(len(op.toolpath) <= text.count("\n") for op in res.program.operations)


def test_unknown_dialect_names_the_accepted_ones():
    with pytest.raises(GcodeError, match="accepted: .*linuxcnc"):
        gcode.read("G0 X1\n", "nosuch")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="GMXYZIJKRFPSTNO0123456789.-+ ()%;#[]/*\n\tgxyz=", max_size=200))
def test_fuzz_only_project_errors_escape(text):
    try:
        gcode.read(text, strict=True)
    except GcodeError:
        pass
    gcode.read(text)  # non-strict never raises on content


@pytest.mark.slow
@settings(max_examples=100_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300), st.booleans())
def test_fuzz_slow_profile(text, fast):
    try:
        gcode.read(text, strict=True, fast=fast)
    except GcodeError:
        pass


# reference programs (shared/reference): lengths against closed forms ------------------------------
@pytest.mark.parametrize(
    ("name", "feed_length_mm"),
    [
        ("grbl/a_square50_F1000.nc", 200.0),
        ("grbl/c1_circle_r20_G2_F1500.nc", 2 * math.pi * 20),
        ("grbl/i_helix_r5_3turns_F800.nc", 3 * math.hypot(2 * math.pi * 5, 1)),
        ("linuxcnc/a_square_G61.ngc", 200.0),
        ("linuxcnc/g_helix_r5_3turns.ngc", math.hypot(3 * 2 * math.pi * 5, 3)),
        ("linuxcnc/d_circle_arc_vs_180seg.ngc", 2 * math.pi * 15 + 180 * 2 * 15 * math.sin(math.pi / 180)),
    ],
)
def test_reference_programs(name, feed_length_mm):
    path = SHARED / "reference" / name
    prog, diags = gcode.read(path, strict=True)
    assert prog.toolpath.cutting_length_mm(prog.start_xyz) == pytest.approx(feed_length_mm, rel=2e-4)


def test_every_reference_program_reads():
    files = sorted((SHARED / "reference").glob("*/*.n*c"))
    assert len(files) >= 14
    for f in files:
        prog = gcode.read_program(f)
        assert prog.moves() > 0, f
