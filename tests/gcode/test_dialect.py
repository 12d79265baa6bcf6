"""Dialects as data: loading, validation, and what each dialect's facts mean for reading."""

from __future__ import annotations

import numpy as np
import pytest
from gcode_programs import hand_program

import gcode
from gcode.dialect import as_mapping, load_dialect
from toolpath.errors import GcodeError


def test_at_least_ten_dialects_each_a_file():
    names = gcode.dialects()
    assert len(names) >= 10
    assert {"linuxcnc", "grbl", "fanuc", "haas", "sinumerik", "heidenhain", "mach3", "centroid", "rs274"} <= set(names)
    for n in names:
        d = gcode.get_dialect(n)
        assert d.name == n and d.description
        assert gcode.get_dialect(n.upper()) is d


def test_inherits_and_unknown_fields():
    d = load_dialect('inherits = "fanuc"\ndecimals_mm = 4\n', name="myfanuc")
    assert d.name == "myfanuc" and d.decimals_mm == 4 and d.decimal_point
    with pytest.raises(GcodeError, match="unknown field.*colour"):
        load_dialect('colour = "red"\n', name="x")
    with pytest.raises(GcodeError, match="decimals_mm"):
        load_dialect("decimals_mm = 12\n", name="x")
    with pytest.raises(GcodeError, match="arcs must be one of"):
        load_dialect('arcs = "spline"\n', name="x")
    with pytest.raises(GcodeError, match="invalid TOML"):
        load_dialect("decimals_mm = = 3\n", name="x")
    with pytest.raises(GcodeError, match="unknown dialect field"):
        gcode.get_dialect("grbl").with_options(speed=3)
    assert as_mapping(gcode.get_dialect("grbl"))["max_line_length"] == 80


def test_fanuc_reads_integers_as_least_increments_and_dwell_in_ms():
    tp = gcode.read_program("G21 G90\nG01 X10 Y2.5 F100.\nG04 P1500\nG04 X2.5\nG20\nG01 X10\n", "fanuc").toolpath
    np.testing.assert_allclose(tp.xyz[0], [0.010, 2.5, 0])
    np.testing.assert_allclose(tp.feed[1:3], [1.5, 2.5])
    np.testing.assert_allclose(tp.xyz[3], [0.0254, 2.5, 0])  # 10 x 0.0001 in
    lin = gcode.read_program("G21 G90\nG01 X10 F100\n").toolpath  # LinuxCNC: X10 is 10 mm
    np.testing.assert_allclose(lin.xyz[0], [10, 0, 0])


def test_fanuc_and_haas_write_decimal_points_but_not_on_milliseconds():
    for name in ("fanuc", "haas"):
        text = gcode.write(hand_program(), name)
        assert "X10. Y10." in text and "G04 P750\n" in text


def test_haas_dwell_with_a_decimal_point_is_seconds():
    tp = gcode.read_program("G04 P1.5\nG04 P1500\n", "haas").toolpath
    np.testing.assert_allclose(tp.feed, [1.5, 1.5])


def test_high_speed_codes_are_metadata():
    prog = gcode.read_program("G05.1 Q1\nG01 X1 F100\nG05.1 Q0\n", "fanuc")
    assert [c for _, c, _ in prog.metadata["path_control"]] == ["G5.1", "G5.1"]
    prog = gcode.read_program("G187 P3 E0.01\nG01 X1 F100\n", "haas")
    assert prog.metadata["path_control"][0][1] == "G187"
    with pytest.raises(GcodeError, match="G5.1"):  # in LinuxCNC G5.1 is a quadratic spline
        gcode.read_program("G5.1 X1 Y1 I1 J1\n")
    text = gcode.write(hand_program(), "haas", path_tolerance_mm=0.02)
    assert "G187 P3 E0.02" in text


def test_sinumerik_dwell_f_is_not_a_feed_and_cycle832_is_kept():
    text = (
        "%_N_PART_MPF\n;$PATH=/_N_MPF_DIR\nG71 G90\nCYCLE832(0.01, 1, 1)\nG1 X10 F500\nG4 F2.5\nG1 X20\n"
        "G70\nG1 X1\nM30\n"
    )
    prog = gcode.read_program(text, "sinumerik")
    tp = prog.toolpath
    assert tp.kind.tolist() == [1, 4, 1, 1]
    np.testing.assert_allclose(tp.feed, [500, 2.5, 500, 500])
    np.testing.assert_allclose(tp.xyz[:, 0], [10, 10, 20, 25.4])
    assert prog.metadata["passthrough"][1][1] == "CYCLE832(0.01, 1, 1)"
    assert "CYCLE832(0.01, 1, 1)" in gcode.write(hand_program(), "sinumerik", path_tolerance_mm=0.01)


def test_heidenhain_iso_centre_blocks_header_and_block_ends():
    text = (
        "%PART G71 *\nN10 G90 G17 *\nN20 T3 G17 S2000 *\nN30 G00 X10 Y0 Z2 *\nN40 G01 Z-1 F200 *\n"
        "N50 I0 J0 *\nN60 G03 X0 Y10 *\nN70 G04 F1.5 *\nN80 M30 *\nN99999999 %PART G71 *\n"
    )
    prog = gcode.read_program(text, "heidenhain")
    tp = prog.toolpath
    assert prog.name == "PART" and prog.operations[0].tool.number == 3
    assert tp.kind.tolist() == [0, 1, 3, 4]
    np.testing.assert_allclose(tp.center[2], [0, 0])
    np.testing.assert_allclose(tp.feed[3], 1.5)
    inch = gcode.read_program("%P G70 *\nN10 G01 X1 F10 *\nN20 M30 *\nN30 %P G70 *\n", "heidenhain")
    np.testing.assert_allclose(inch.toolpath.xyz[0], [25.4, 0, 0])


def test_grbl_tool_changes_are_t_words_and_lines_are_short():
    text = gcode.write(hand_program(), "grbl")
    assert "M6" not in text and "T2 M0" in text
    assert max(len(ln) for ln in text.splitlines() if not ln.startswith("(")) <= 80
    prog = gcode.read_program("T1\nG1 X1 F100\nT2\nG1 X2\n", "grbl")
    assert [op.tool.number for op in prog.operations] == [1, 2]


def test_block_limit_is_enforced():
    tight = gcode.get_dialect("grbl").with_options(name="tiny", max_line_length=12)
    with pytest.raises(GcodeError, match="over the limit of 12"):
        gcode.write(hand_program(), tight)


def test_inch_output_of_every_dialect_uses_its_units_code():
    for name in gcode.dialects():
        d = gcode.get_dialect(name)
        text = gcode.write(hand_program(), d, units="inch")
        assert d.units_inch in text and d.units_mm not in text.split(d.units_inch)[0].split()


def test_work_offsets():
    text = gcode.write(hand_program(), "linuxcnc", work_offset="g55")
    assert text.splitlines()[3] == "G55"
    prog = gcode.read_program(text)
    assert prog.metadata["work_offsets"] == [(4, "G55")]
    with pytest.raises(GcodeError, match="accepted: G54, G55, G56, G57"):
        gcode.write(hand_program(), "sinumerik", work_offset="G59")
    with pytest.raises(GcodeError, match="accepted: none"):
        gcode.write(hand_program(), "heidenhain", work_offset="G54")
