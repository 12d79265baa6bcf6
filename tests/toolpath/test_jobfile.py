"""Job files: a TOML setup run end to end, checked against direct mill() calls; errors name the key."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cadquery as cq
import numpy as np
import pytest

import gcode
import sim
from toolpath import FileFormatError, InputError, Stock, Tool
from toolpath.cli import main, run_job_file
from toolpath.job import mill
from toolpath.jobfile import load_job, parse_job

JOB = """\
part = "parts/plate.step"
dialect = "linuxcnc"
machine = "linuxcnc-sim"
output = "out/plate.nc"

[stock]
allowance_mm = 2.0
allowance_top_mm = 0.5

[tools.rough]
diameter_mm = 6.0
number = 3
flutes = 3
flute_length_mm = 15.0

[tools.small]
diameter_mm = 3.0
number = 5

[[operations]]
tool = "rough"
strategy = "offset"
stepover = "45%"
stepdown_mm = 2.5
feed_mm_min = 1200.0
spindle_rpm = 12000.0
coolant = "flood"
name = "roughing"

[[operations]]
tool = "small"
stepover = 1.0
feed_mm_min = 800.0
"""


@pytest.fixture(scope="module")
def job_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("job")
    (d / "parts").mkdir()
    (d / "out").mkdir()
    plate = cq.Workplane("XY").box(40, 30, 10, centered=False)
    plate = plate.cut(cq.Workplane("XY").workplane(offset=6).center(20, 15).rect(24, 14).extrude(5))
    cq.exporters.export(plate, str(d / "parts" / "plate.step"))
    (d / "job.toml").write_text(JOB)
    return d


def test_job_runs_like_direct_mill_calls(job_dir: Path, tmp_path: Path) -> None:
    res = run_job_file(job_dir / "job.toml")
    assert res.output == job_dir / "out" / "plate.nc" and res.output.is_file()
    part = job_dir / "parts" / "plate.step"
    stock = Stock.box(-2.0, -2.0, 0.0, 42.0, 32.0, 10.5)
    direct = [
        mill(part, Tool(6.0, number=3, flutes=3, flute_length_mm=15.0), stepover="45%", stepdown_mm=2.5,
             stock=stock, feed_mm_min=1200.0, spindle_rpm=12000.0, coolant="flood"),  # type: ignore[arg-type]
        mill(part, Tool(3.0, number=5), stepover=1.0, stock=stock, feed_mm_min=800.0),
    ]
    ops = res.program.operations
    assert [op.name for op in ops] == ["roughing", "offset T5 D3"]
    assert [op.tool.number for op in ops] == [3, 5]
    assert ops[0].coolant.value == "flood" and ops[1].coolant.value == "off"
    for op, d in zip(ops, direct, strict=True):
        ref = d.program.operations[0].toolpath
        np.testing.assert_array_equal(op.toolpath.kind, ref.kind)
        np.testing.assert_allclose(op.toolpath.xyz, ref.xyz, atol=1e-9)
        np.testing.assert_array_equal(np.isnan(op.toolpath.feed), np.isnan(ref.feed))
    # the stock top is 0.5 mm above the part: rapids clear it, and the top is faced down to the part
    assert res.program.clearance_z_mm == pytest.approx(10.5 + 5.0)
    assert res.report["levels_mm"][0] == pytest.approx(10.0)
    # figures: totals of the operations, cycle time of the whole program
    ct = sim.cycle_time(res.program, sim.load_machine("linuxcnc-sim"))
    assert res.report["cycle_time_s"] == pytest.approx(ct.cycle_time_s)
    assert res.report["moves"] == sum(o["moves"] for o in res.report["operations"])
    assert res.report["cutting_length_mm"] == pytest.approx(
        sum(o["cutting_length_mm"] for o in res.report["operations"]), abs=1e-2)
    # the G-code file reads back as the same program (to the output's rounding)
    back = gcode.read_program(res.output)
    assert back.toolpath.cutting_length_mm(back.start_xyz) == pytest.approx(res.report["cutting_length_mm"], rel=1e-3)
    assert [t.diameter_mm for t in back.tools()] == [6.0, 3.0]
    text = res.output.read_text()
    assert "T3" in text and "T5" in text and "M8" in text
    # output override, and no write
    alt = run_job_file(job_dir / "job.toml", output=tmp_path / "alt.nc")
    assert alt.output == tmp_path / "alt.nc" and alt.gcode == text
    assert run_job_file(load_job(job_dir / "job.toml"), write=False).output is None


def test_explicit_stock_block(job_dir: Path) -> None:
    text = JOB.replace("allowance_mm = 2.0\nallowance_top_mm = 0.5", "min_mm = [0, 0, 0]\nmax_mm = [40, 30, 12]")
    job = parse_job(__import__("tomllib").loads(text), job_dir / "job.toml")
    res = run_job_file(job, write=False)
    assert res.program.clearance_z_mm == pytest.approx(12.0 + 5.0)
    assert math.isclose(res.report["levels_mm"][0], 10.0)


_R = 'name = "roughing"'  # the end of the first operation's table
_T = "[[operations]]\ntool = \"rough\""  # the start of the first operation's table
_L = "feed_mm_min = 800.0"  # the end of the last operation's table
_D5 = '[tools.d5]\ndiameter_mm = 5.0\nkind = "drill"\nnumber = 7\n\n'


def _bad(text: str, job_dir: Path, name: str) -> Path:
    p = job_dir / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('dialect = "linuxcnc"', 'dialect = "linuxcnc"\ncolour = "red"', ["colour", "accepted"]),
        ('tool = "small"', 'tool = "tiny"', ["operations[1].tool", "tiny", "rough, small"]),
        ('stepover = "45%"', 'stepover = "450%"', ["operations[0].stepover", "450%"]),
        ('stepover = "45%"', "stepover = \"__import__('os').system('touch PWNED')\"", ["operations[0].stepover"]),
        ("diameter_mm = 3.0", "diameter_mm = -3.0", ["tools.small.diameter_mm", "-3.0"]),
        ("diameter_mm = 3.0", 'diameter_mm = "3"', ["tools.small.diameter_mm", "'3'"]),
        ("number = 5", "number = 0", ["tools.small.number", "0"]),
        ('coolant = "flood"', 'coolant = "oil"', ["operations[0].coolant", "oil"]),
        ('strategy = "offset"', 'strategy = "spiral"', ["operations[0].strategy", "spiral"]),
        ("stepdown_mm = 2.5", "stepdown_mm = 0", ["operations[0].stepdown_mm", "0"]),
        ('part = "parts/plate.step"', "", ["part", "missing"]),
        ("allowance_mm = 2.0", "allowance_mm = -1", ["stock.allowance_mm", "-1"]),
        ("allowance_mm = 2.0", "allowance = 2.0", ["stock.allowance", "not a known key"]),
        ("allowance_mm = 2.0", "allowance_mm = 2.0\nmin_mm = [0, 0, 0]\nmax_mm = [1, 1, 1]", ["allowances"]),
        ('part = "parts/plate.step"', 'part = "parts/plate.step"\ndepth_mm = 2', ["depth_mm", "plate.step"]),
        ("feed_mm_min = 800.0", "feed_mm_min = 800.0\nfeed = 1", ["operations[1].feed", "not a known key"]),
        # the clearing options of the command line
        (_R, _R + '\norder = "spiral"', ["operations[0].order", "'spiral'", "outside-in, inside-out"]),
        (_R, _R + '\nentry = "plunge"', ["operations[0].entry", "'plunge'", "helix, ramp"]),
        (_R, _R + "\ncorner_radius_mm = -1", ["operations[0].corner_radius_mm", "-1", ">= 0"]),
        (_R, _R + '\naxial_stock_mm = "0.2"', ["operations[0].axial_stock_mm", "'0.2'", "a number"]),
        (_R, _R + "\nfloor_pass_mm = 3.0", ["operations[0].floor_pass_mm", "3.0", "stepdown_mm 2.5"]),
        (_R, _R + "\nterrace_mm = -0.5", ["operations[0].terrace_mm", "-0.5", ">= 0"]),
        (_R, _R + '\nspring_pass = "yes"', ["operations[0].spring_pass", "'yes'", "true or false"]),
        (_R, _R + "\nbore = 1", ["operations[0].bore", "1", "true or false"]),
        (_R, _R + '\ndrill = "small"', ["operations[0].drill", "'small'", "not a drill"]),
        (_R, _R + '\ndrill = "d9"', ["operations[0].drill", "'d9'", "not defined", "rough, small"]),
        (_R, _R + '\nkind = "tap"', ["operations[0].kind", "'tap'", "mill, drill"]),
        (_R, _R + "\npeck_mm = 2", ["operations[0].peck_mm", "drill operation"]),
        # drills
        (_T, _D5 + '[[operations]]\nkind = "drill"\ntool = "d5"\nstepover = 1\n\n' + _T,
         ["operations[0].stepover", "does not apply to a drill operation", "peck_mm"]),
        (_T, _D5 + '[[operations]]\nkind = "drill"\ntool = "d5"\n\n' + _T,
         ["operations[0].kind", "must come after the milling operations", "operations[2]"]),
        (_R, _R + '\nkind = "drill"', ["operations[0].tool", "'rough'", "needs a drill"]),
        ('tool = "small"', 'tool = "d5"', ["operations[1].tool", "'d5'", "drill operation"]),
        (_L, _L + '\ndrill = "d5"\n\n[[operations]]\nkind = "drill"\ntool = "d5"',
         ["operations[2].tool", "'d5'", "already drills in operations[1]"]),
        (_L, _L + '\n\n[[operations]]\nkind = "drill"\ntool = "d5"\npeck_mm = 0', ["operations[2].peck_mm", "> 0"]),
    ],
)
def test_bad_values_name_the_key(job_dir: Path, old: str, new: str, words: list[str]) -> None:
    assert old in JOB
    text = JOB.replace(old, new, 1)
    if "d5" in new and "[tools.d5]" not in text:
        text = text.replace("[[operations]]", _D5 + "[[operations]]", 1)
    p = _bad(text, job_dir, "bad.toml")
    with pytest.raises(InputError) as err:
        load_job(p)
    for w in words:
        assert w in str(err.value), (w, str(err.value))
    assert not (job_dir / "PWNED").exists() and not Path("PWNED").exists()


def test_bad_files(job_dir: Path) -> None:
    with pytest.raises(FileFormatError, match="does not exist"):
        load_job(job_dir / "nope.toml")
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_job(_bad("part = \n", job_dir, "syntax.toml"))
    missing_part = _bad(JOB.replace("parts/plate.step", "parts/other.step"), job_dir, "other.toml")
    job = load_job(missing_part)  # reading checks values, not that the part exists
    with pytest.raises(FileFormatError, match="other.step"):
        run_job_file(job, write=False)


def test_cli_mill_job_file(job_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, js = tmp_path / "p.nc", tmp_path / "p.json"
    assert main(["mill", str(job_dir / "job.toml"), "-o", str(out), "--json", str(js)]) == 0
    report = json.loads(js.read_text())
    assert out.is_file() and report["moves"] > 0 and len(report["operations"]) == 2
    assert "2 operations" in capsys.readouterr().out
    bad = _bad(JOB.replace('tool = "small"', 'tool = "tiny"'), job_dir, "bad_cli.toml")
    assert main(["mill", str(bad), "-o", str(tmp_path / "q.nc")]) == 2
    err = capsys.readouterr().err
    assert "operations[1].tool" in err and "Traceback" not in err
    assert not (tmp_path / "q.nc").exists()


OPTIONS_JOB = """\
part = "plate.step"
output = "plate.nc"

[tools.mill]
diameter_mm = 4.0
number = 1

[tools.d5]
diameter_mm = 5.0
kind = "drill"
number = 2

[[operations]]
tool = "mill"
stepdown_mm = 2.5
order = "inside-out"
entry = "ramp"
corner_radius_mm = 0.5
axial_stock_mm = 0.1
floor_pass_mm = 0.5
spring_pass = true
bore = false
"""


def _part_dir(factory: pytest.TempPathFactory, name: str) -> Path:
    """A fresh folder holding ``NAME.step`` made by parts_for_tests (``plate``: drilled_plate, ``boss``)."""
    import parts_for_tests

    make = {"plate": parts_for_tests.drilled_plate, "boss": parts_for_tests.boss_block}[name]
    d = factory.mktemp(name)
    make(d / f"{name}.step")
    return d


@pytest.fixture(scope="module")
def plate_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _part_dir(tmp_path_factory, "plate")


def test_options_and_drills_match_direct_mill_calls(plate_dir: Path) -> None:
    """Every clearing option reaches mill(); a milling operation's drill key and a drill operation of its own
    make the same program (the end mill leaves the D5 holes in both); rs274 runs it, and simulated with each
    operation's tool it cuts nothing of the part and rapids through no material."""
    from parts_for_tests import assert_rs274_same_motion, assert_simulated_clean

    from toolpath.strategies.holes import DrillParams

    part = plate_dir / "plate.step"
    keyed = _bad(OPTIONS_JOB + 'drill = "d5"\n', plate_dir, "keyed.toml")
    apart = _bad(OPTIONS_JOB + '\n[[operations]]\nkind = "drill"\ntool = "d5"\nfeed_mm_min = 300.0\npeck_mm = 5.0\n',
                 plate_dir, "apart.toml")
    direct = mill(part, Tool(4.0), stepdown_mm=2.5, order="inside-out", entry="ramp", corner_radius_mm=0.5,
                  axial_stock_mm=0.1, floor_pass_mm=0.5, spring_pass=True, bore_holes=False,
                  drill=Tool.drill(5.0, number=2), drill_params=DrillParams(feed_mm_min=300.0, peck_mm=5.0))
    assert direct.extra["holes_drilled"] == 3
    ref = direct.program.operations
    for path in (keyed, apart):
        res = run_job_file(path, write=False)
        ops = res.program.operations
        assert [(op.tool.number, op.tool.kind.value) for op in ops] == [(1, "flat"), (2, "drill")]
        for op, r in zip(ops, ref, strict=True):
            np.testing.assert_array_equal(op.toolpath.kind, r.toolpath.kind)
            np.testing.assert_allclose(op.toolpath.xyz, r.toolpath.xyz, atol=1e-9)
        # one cycle time per job operation, summing to the program's
        assert sum(o["cycle_time_s"] for o in res.report["operations"]) == pytest.approx(res.report["cycle_time_s"])
    assert_rs274_same_motion(res.program, res.program.tools())
    assert_simulated_clean(res.program, part)


def test_drill_only_job_drills_the_holes_open_at_the_top(plate_dir: Path) -> None:
    """With no milling operation before it, a drill makes only the holes under no material (the D5 hole in
    the pocket floor is reported, not drilled)."""
    job = _bad('part = "plate.step"\n[tools.d5]\ndiameter_mm = 5.0\nkind = "drill"\n\n'
               '[[operations]]\nkind = "drill"\ntool = "d5"\n', plate_dir, "drill_only.toml")
    res = run_job_file(job, write=False)
    tp = res.program.toolpath
    feeds = tp.kind == 1
    assert {(round(x, 3), round(y, 3)) for x, y in tp.xyz[feeds, :2]} == {(48.0, 10.0), (48.0, 30.0)}
    assert any("under material" in u["reason"] for u in res.report["unreachable"])


REST_JOB = """\
part = "boss.step"

[tools.big]
diameter_mm = 10.0
number = 1

[tools.small]
diameter_mm = 3.0
number = 2

[[operations]]
tool = "big"
stepdown_mm = 2.5

[[operations]]
tool = "small"
stepdown_mm = 2.5
rest = true
"""


@pytest.fixture(scope="module")
def boss_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _part_dir(tmp_path_factory, "boss")


def test_rest_operation_clears_what_the_big_tool_left(boss_dir: Path) -> None:
    """A D3 rest operation after a D10 one is what mill(rest_after=D10) makes; simulated after the D10
    operation it leaves no more reachable floor than a full D3 clearing, cuts nothing of the part, and runs
    under half the full D3 clearing's path (it visits the R4 corners the D10 cannot enter)."""
    from parts_for_tests import assert_simulated_clean

    part = boss_dir / "boss.step"
    res = run_job_file(_bad(REST_JOB, boss_dir, "rest.toml"), write=False)
    ops = res.program.operations
    assert [op.tool.diameter_mm for op in ops] == [10.0, 3.0]
    direct = mill(part, Tool(3.0, number=2), stepdown_mm=2.5, rest_after=Tool(10.0))
    np.testing.assert_allclose(ops[1].toolpath.xyz, direct.program.toolpath.xyz, atol=1e-9)
    full = mill(part, Tool(3.0, number=2), stepdown_mm=2.5)
    assert direct.program.length_mm() < 0.5 * full.program.length_mm()
    chk = assert_simulated_clean(res.program, part)
    chk_full = assert_simulated_clean(full.program, part)
    assert chk.uncut_area_mm2 <= chk_full.uncut_area_mm2 + 0.5
    assert chk.removed_volume_mm3 == pytest.approx(chk_full.removed_volume_mm3, rel=0.01)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('stepdown_mm = 2.5\nrest = true', 'strategy = "zigzag"\nrest = true', ["operations[1].rest", "offset"]),
        ('diameter_mm = 3.0', 'diameter_mm = 12.0', ["operations[1].rest", "D12", "smaller"]),
        ('[[operations]]\ntool = "big"\nstepdown_mm = 2.5\n\n', '', ["operations[0].rest", "earlier"]),
    ],
)
def test_rest_errors_name_the_key(boss_dir: Path, old: str, new: str, words: list[str]) -> None:
    assert old in REST_JOB
    with pytest.raises(InputError) as e:
        load_job(_bad(REST_JOB.replace(old, new), boss_dir, "rest_bad.toml"))
    assert all(w in str(e.value) for w in words), str(e.value)


def test_mill_rest_after_rejects_what_it_cannot_do(boss_dir: Path) -> None:
    part = boss_dir / "boss.step"
    with pytest.raises(InputError, match="smaller"):
        mill(part, Tool(8.0), rest_after=Tool(6.0))
    with pytest.raises(InputError, match="offset"):
        mill(part, Tool(3.0), strategy="zigzag", rest_after=Tool(6.0))


def test_terrace_key_reaches_mill(tmp_path: Path) -> None:
    """``terrace_mm`` of an operation is mill()'s: 0 turns the terraces over a drill-point cone off."""
    from parts_for_tests import cone_bottom_block

    cone_bottom_block(tmp_path / "cone.step")
    job = _bad('part = "cone.step"\n[tools.mill]\ndiameter_mm = 6.0\n\n[[operations]]\ntool = "mill"\n'
               "terrace_mm = 0\n", tmp_path, "job.toml")
    ops = run_job_file(job, write=False).program.operations
    off, on = (mill(tmp_path / "cone.step", Tool(6.0), terrace_mm=t).program.operations[0] for t in (0, None))
    np.testing.assert_allclose(ops[0].toolpath.xyz, off.toolpath.xyz, atol=1e-9)
    assert len(on.toolpath.xyz) > len(off.toolpath.xyz)
