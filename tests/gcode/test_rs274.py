"""LinuxCNC's own interpreter (rs274) judges the LinuxCNC output: it must accept it, and the
canonical motion it prints must be our moves (end points, arc centres and directions, feeds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gcode_programs import hand_program, nonzero_moves, programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gcode
from gcode.rs274 import CanonMove, Rs274Error, parse_canon, rs274_path, run_rs274
from toolpath.enums import MoveKind
from toolpath.moves import ToolpathBuilder
from toolpath.program import Program
from toolpath.tool import Tool

_KIND = {"traverse": MoveKind.RAPID, "feed": MoveKind.FEED, "dwell": MoveKind.DWELL}


def _canon_kind(m: CanonMove) -> int:
    if m.kind == "arc":
        return int(MoveKind.ARC_CW if m.rotation < 0 else MoveKind.ARC_CCW)
    return int(_KIND[m.kind])


def assert_canon_matches(program: Program, canon: list[CanonMove], *, atol_mm: float, feed_atol: float) -> None:
    """rs274's moves are the program's moves (plus the writer's final retract when the program ends low)."""
    expected = nonzero_moves(program.toolpath, program.start_xyz, atol_mm)
    # rs274 starts at the origin, not at program.start_xyz; a move rs274 makes that goes nowhere from
    # where the program says the machine is (a re-stated position after a tool change) is not a move
    got, pos = [], np.asarray(program.start_xyz)
    for m in canon:
        if m.kind in ("traverse", "feed") and np.max(np.abs(np.asarray(m.xyz) - pos)) <= atol_mm:
            continue
        got.append(m)
        pos = np.asarray(m.xyz)
    last_z = expected[-1][1][2] if expected else program.start_xyz[2]
    if last_z < program.clearance_z_mm - 1e-9:
        assert got[-1].kind == "traverse" and abs(got[-1].xyz[2] - program.clearance_z_mm) <= atol_mm
        got = got[:-1]
    assert len(got) == len(expected), f"rs274 made {len(got)} moves, the program has {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        kind, end, center, feed, _start = e
        assert _canon_kind(g) == kind, f"move {i}: rs274 {g.kind}/{g.rotation}, program kind {kind}"
        np.testing.assert_allclose(g.xyz, end, atol=atol_mm, rtol=0, err_msg=f"move {i} end point")
        if kind in (MoveKind.ARC_CW, MoveKind.ARC_CCW):
            assert abs(g.rotation) == 1
            np.testing.assert_allclose(g.center, center, atol=2 * atol_mm, rtol=0, err_msg=f"move {i} centre")
        if kind == MoveKind.DWELL:
            assert abs(g.feed_mm_min - feed) <= 1e-3
        elif kind != MoveKind.RAPID:
            assert abs(g.feed_mm_min - feed) <= feed_atol, f"move {i}: feed {g.feed_mm_min} != {feed}"


def test_rs274_is_installed():
    # CI installs linuxcnc-uspace (.ci/run): these tests must run, never skip
    assert rs274_path() is not None


def test_hand_program_mm():
    p = hand_program()
    text = gcode.write(p, "linuxcnc", path_tolerance_mm=0.01)
    canon = run_rs274(text, p.tools())
    assert_canon_matches(p, canon, atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)
    kinds = [m.kind for m in canon]
    assert kinds.count("arc") == 7 and kinds.count("dwell") == 1
    full = [m for m in canon if m.kind == "arc" and m.rotation == -1 and m.center == (60.0, 25.0)]
    assert len(full) == 1 and full[0].xyz[2] == -3.0  # the helical full circle


def test_hand_program_inch_output():
    p = hand_program()
    text = gcode.write(p, "linuxcnc", units="inch")
    assert "G20" in text.splitlines()[2]
    canon = run_rs274(text, p.tools())
    # rs274 prints inches with 4 decimals: 0.00005 in = 0.00127 mm, plus our 5-decimal rounding
    assert_canon_matches(p, canon, atol_mm=0.0013 + 0.000127, feed_atol=0.005 * 25.4 + 0.00005 * 25.4)


def test_line_numbers_accepted():
    p = hand_program()
    text = gcode.write(p, "linuxcnc", line_numbers=True)
    assert text.splitlines()[2].startswith("N10 G21") and text.splitlines()[3] == "(rough)"
    assert_canon_matches(p, run_rs274(text, p.tools()), atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)


def test_program_starting_with_a_feed_gets_a_lead_in():
    b = ToolpathBuilder()
    b.feed(5, 5, -1, 100)
    b.feed(10, 5, -1, 100)
    p = Program.single(Tool(3.0), b.build(), clearance_z_mm=8.0)
    canon = run_rs274(gcode.write(p), [1])
    # up to clearance, over the start (0, 0, 8), down to the start, then our two feeds and the retract
    assert [m.kind for m in canon] == ["traverse", "traverse", "feed", "feed", "traverse"]
    assert canon[0].xyz[2] == 8.0 and canon[1].xyz == (0.0, 0.0, 8.0)
    assert canon[2].xyz == (5.0, 5.0, -1.0) and canon[-1].xyz == (10.0, 5.0, 8.0)


@pytest.mark.parametrize("name", ["a_square_G61", "b_square_G64P001", "d_circle_arc_vs_180seg", "g_helix_r5_3turns"])
def test_reference_programs_read_like_rs274(name):
    """Our reader and LinuxCNC agree on the shared reference programs (including G2 ... P3 turns)."""
    path = f"/work/shared/reference/linuxcnc/{name}.ngc"
    import pathlib

    if not pathlib.Path(path).exists():
        path = str(pathlib.Path(__file__).parents[3] / "shared/reference/linuxcnc" / f"{name}.ngc")
    prog, diags = gcode.read(path)
    assert not [d for d in diags if d.severity == "error"]
    canon = run_rs274(path, [1])
    ours = nonzero_moves(prog.toolpath, prog.start_xyz, 1e-9)
    # rs274 gives one ARC_FEED with rotation -3 where we have three full turns
    expanded = []
    for m in canon:
        expanded.extend([m] * abs(m.rotation) if m.kind == "arc" else [m])
    assert len(expanded) == len(ours)
    for (kind, end, center, feed, _), m in zip(ours, expanded, strict=True):
        assert _canon_kind(m) == kind
        if m.kind == "arc":
            np.testing.assert_allclose(center, m.center, atol=1e-4)
            if abs(m.rotation) == 1:
                np.testing.assert_allclose(end, m.xyz, atol=1e-4)
        else:
            np.testing.assert_allclose(end, m.xyz, atol=1e-4)
        if m.kind in ("feed", "arc"):
            assert abs(feed - m.feed_mm_min) < 1e-3


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_ops=3, max_moves=10))
def test_random_programs_mm(p):
    text = gcode.write(p, "linuxcnc")
    assert_canon_matches(p, run_rs274(text, p.tools()), atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_ops=2, max_moves=8))
def test_random_programs_inch(p):
    text = gcode.write(p, "linuxcnc", units="inch")
    assert_canon_matches(p, run_rs274(text, p.tools()), atol_mm=0.0015, feed_atol=0.005 * 25.4 + 0.00005 * 25.4)


def test_rejected_program_raises_with_rs274s_reason():
    with pytest.raises(Rs274Error, match="Radius to end of arc differs"):
        run_rs274("G21\nG1 X1 F10\nG2 X5 Y0 I-0.5 J0\nM2\n", [1])


def test_parse_canon_converts_inches():
    text = (
        "    7 N..... USE_LENGTH_UNITS(CANON_UNITS_INCHES)\n"
        "    8 N..... SET_FEED_RATE(10.0000)\n"
        "   10 N..... ARC_FEED(1.0000, 0.0000, 0.5000, 0.0000, -2, -0.1000, 0.0000, 0.0000, 0.0000)\n"
    )
    (m,) = parse_canon(text)
    assert m.kind == "arc" and m.rotation == -2
    assert m.xyz == (25.4, 0.0, pytest.approx(-2.54)) and m.center == (12.7, 0.0)
    assert m.feed_mm_min == 254.0
    assert math.isnan(parse_canon("    9 N..... STRAIGHT_TRAVERSE(1, 2, 3, 0, 0, 0)\n")[0].feed_mm_min)


RS274_FAMILY = ["linuxcnc", "rs274", "mach3", "uccnc", "centroid", "grbl", "fluidnc"]


@pytest.mark.parametrize("dialect", RS274_FAMILY)
@pytest.mark.parametrize("options", [{}, {"arcs": "r"}, {"arcs": "linearize"}, {"line_numbers": True}],
                         ids=["ijk", "r", "linearize", "numbered"])
def test_rs274_family_dialects_run_in_linuxcnc(dialect, options):
    """Dialects of the RS274 family are accepted by LinuxCNC's interpreter, and it moves as our reader reads."""
    p = hand_program()
    d = gcode.get_dialect(dialect)
    text = gcode.write(p, d, **options)
    ours = gcode.read_program(text, d)
    ours = Program(ours.operations, clearance_z_mm=p.clearance_z_mm, start_xyz=p.start_xyz)
    assert_canon_matches(ours, run_rs274(text, p.tools()), atol_mm=0.5 * 10.0 ** -d.decimals_mm + 1e-4,
                         feed_atol=0.5 * 10.0 ** -d.feed_decimals_mm + 1e-6)


def drilling_program() -> Program:
    b = ToolpathBuilder()
    b.rapid(0, 0, 10)
    for k, (x, y) in enumerate([(10, 10), (20, 10), (30, 15.5), (40, 15.5)]):
        b.rapid(x, y, 10 if k == 0 else 1)
        if k == 0:
            b.rapid(x, y, 1)
        b.feed(x, y, -4 if k < 3 else -6, 150)
        if k >= 2:
            b.dwell(0.5)
        b.rapid(x, y, 1)
    b.rapid(40, 15.5, 10)
    b.feed(45, 15.5, -1, 300)
    b.rapid(45, 15.5, 10)
    return Program.single(Tool.drill(5.0), b.build(), clearance_z_mm=10.0)


@pytest.mark.parametrize("dialect", ["linuxcnc", "fanuc", "mach3"])
def test_canned_cycles_written_and_run_by_rs274(dialect):
    p = drilling_program()
    text = gcode.write(p, dialect, canned_cycles=True)
    lines = text.splitlines()
    assert sum(ln.startswith("G99 G8") for ln in lines) == 3  # G81, then G82, then G82 with a new depth
    assert any(ln.startswith("X20") for ln in lines) and "G80" in lines
    back = gcode.read_program(text, dialect)
    back = Program(back.operations, clearance_z_mm=p.clearance_z_mm, start_xyz=p.start_xyz)
    from gcode_programs import assert_same_moves

    assert_same_moves(p, back, atol_mm=1e-9, feed_atol=1e-9)
    if dialect == "linuxcnc":
        assert_canon_matches(p, run_rs274(text, [1]), atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)
    with pytest.raises(gcode.GcodeError, match="no canned drilling cycles"):
        gcode.write(p, "grbl", canned_cycles=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_ops=2, max_moves=10))
def test_canned_cycles_option_never_changes_the_motion(p):
    text = gcode.write(p, "linuxcnc", canned_cycles=True)
    assert_canon_matches(p, run_rs274(text, p.tools()), atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)


@st.composite
def drilling_programs(draw) -> Program:
    b = ToolpathBuilder()
    b.rapid(0, 0, 10)
    coord = st.integers(-5000, 5000).map(lambda v: v / 100)
    for _ in range(draw(st.integers(1, 8))):
        x, y, z = b.position  # type: ignore[misc]
        r = draw(st.sampled_from([z, 1.0, 2.5, 0.0]))
        r = min(r, z)
        if draw(st.booleans()):
            b.rapid(draw(coord), draw(coord), z)
        if r != z:
            b.rapid(b.position[0], b.position[1], r)  # type: ignore[index]
        b.feed(b.position[0], b.position[1], r - draw(st.integers(1, 900)) / 100,  # type: ignore[index]
               draw(st.sampled_from([100.0, 150.0, 333.3])))
        if draw(st.booleans()):
            b.dwell(draw(st.sampled_from([0.0, 0.25, 1.5])))
        b.rapid(b.position[0], b.position[1], r if draw(st.booleans()) else r + 1)  # type: ignore[index]
        if draw(st.booleans()):
            b.feed(draw(coord), draw(coord), draw(st.sampled_from([-1.0, 3.0])), 500)
            b.rapid(b.position[0], b.position[1], 10)  # type: ignore[index]
    b.rapid(b.position[0], b.position[1], 10)  # type: ignore[index]
    return Program.single(Tool.drill(3.0), b.build(), clearance_z_mm=10.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drilling_programs())
def test_random_drilling_with_canned_cycles(p):
    text = gcode.write(p, "linuxcnc", canned_cycles=True)
    assert_canon_matches(p, run_rs274(text, [1]), atol_mm=1.01e-4, feed_atol=0.05 + 1e-6)
