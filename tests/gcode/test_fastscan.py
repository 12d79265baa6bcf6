"""The compiled scanner against its reference, the Python reader alone: same programs, same diagnostics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gcode_programs import hand_program, programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_rs274 import foreign_programs

import gcode
from toolpath.errors import GcodeSyntaxError

SHARED = Path("/work/shared")
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[3] / "shared"


def assert_same_result(source, dialect=None, **kw):
    try:
        a = gcode.read(source, dialect, fast=True, **kw)
    except GcodeSyntaxError as exc:
        with pytest.raises(GcodeSyntaxError) as ei:
            gcode.read(source, dialect, fast=False, **kw)
        assert (ei.value.line, ei.value.column, str(ei.value)) == (exc.line, exc.column, str(exc))
        return
    b = gcode.read(source, dialect, fast=False, **kw)
    assert a.diagnostics == b.diagnostics
    pa, pb = a.program, b.program
    assert (pa.name, pa.clearance_z_mm, pa.start_xyz, pa.metadata) == (pb.name, pb.clearance_z_mm, pb.start_xyz,
                                                                          pb.metadata)
    assert len(pa.operations) == len(pb.operations)
    for oa, ob in zip(pa.operations, pb.operations, strict=True):
        assert (oa.tool, oa.spindle_rpm, oa.coolant, oa.name, oa.clockwise) == (
            ob.tool, ob.spindle_rpm, ob.coolant, ob.name, ob.clockwise)
        assert oa.toolpath == ob.toolpath  # bit for bit


_EXTRA = st.sampled_from([
    "(a comment)", "; note", "T2 M6", "S9000 M4", "M8", "M9", "G4 P0.5", "N120 G1 X1 Y1 F300", "g1x2y3",
    "G1 X#1", "G91.1", "G90.1", "G18", "G17", "%", "G0 X1 X2", "G1 X1 F0", "G2 X0 Y0", "", "   ",
    "G1 X 1 Y - 2", "G1 X1.5.5", "G20", "G21", "M2", "G1 X12345678901234567 F10", "/G0 Z9", "G0 Z1 (inline)",
    "G81 X1 Y1 Z-1 R1 F50", "G80",
])


@st.composite
def mixed_programs(draw):
    lines = draw(foreign_programs()).splitlines()
    for _ in range(draw(st.integers(0, 6))):
        lines.insert(draw(st.integers(0, len(lines))), draw(_EXTRA))
    if draw(st.booleans()):
        lines = [ln.lower() for ln in lines]
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return sep.join(lines) + sep


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_programs(), st.booleans())
def test_fast_equals_reference_on_random_text(text, strict):
    assert_same_result(text, strict=strict)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_ops=3, max_moves=15), st.sampled_from(gcode.dialects()))
def test_fast_equals_reference_on_our_output(p, dialect):
    assert_same_result(gcode.write(p, dialect), dialect)


@pytest.mark.parametrize("path", sorted((SHARED / "corpus" / "gcode").glob("*.*")) +
                         sorted((SHARED / "reference").glob("*/*.n*c")), ids=lambda p: p.name)
def test_fast_equals_reference_on_files(path):
    if path.suffix in (".csv", ".md"):
        pytest.skip("not G-code")
    assert_same_result(path)


def test_long_files_cross_chunks(tmp_path, monkeypatch):
    import gcode.reader as reader

    monkeypatch.setattr(reader, "_CHUNK_BYTES", 1000)  # many chunk boundaries, lines split across them
    text = "\n".join(ln for ln in gcode.write(hand_program()).splitlines() if ln != "%")
    rng = np.random.default_rng(3)
    body = "\n".join(f"G1 X{x:.3f} Y{y:.3f} F{int(f)}" for x, y, f in rng.uniform(1, 500, (3000, 3)))
    f = tmp_path / "long.nc"
    f.write_text("G21 G90\n" + body + "\n(comment)\nT3 M6\n" + text + "\n")
    assert_same_result(f)
    # + 1: the writer rises to the clearance height alone before the first rapid
    assert gcode.read_program(f).moves() == 3000 + hand_program().moves() + 1


@pytest.mark.parametrize("fast", [True, False])
def test_iter_operations_streams_in_bounded_parts(tmp_path, monkeypatch, fast):
    import gcode.reader as reader

    monkeypatch.setattr(reader, "_CHUNK_BYTES", 4096)
    rng = np.random.default_rng(5)
    body = "\n".join(f"G1 X{x:.3f} Y{y:.3f} F{int(f)}" for x, y, f in rng.uniform(1, 500, (5000, 3)))
    f = tmp_path / "stream.nc"
    f.write_text("(T1 D=4)\nT1 M6\nG21 G90\n" + body + "\nT2 M6\nG0 Z5\nG1 X0 Y0 F100\nM2\n")
    whole = gcode.read_program(f, fast=fast)
    parts = list(gcode.iter_operations(f, chunk_moves=700, fast=fast))
    assert max(len(op.toolpath) for op in parts) <= 700
    numbers = [op.tool.number for op in parts]
    assert numbers == [1] * (len(parts) - 1) + [2] and len(parts) >= 9
    assert parts[0].tool.diameter_mm == 4.0
    from toolpath.moves import Toolpath

    assert Toolpath.concat([op.toolpath for op in parts]) == whole.toolpath
    with pytest.raises(GcodeSyntaxError, match="macro"):
        list(gcode.iter_operations("G1 X1 F10\nG1 X#1\n"))
