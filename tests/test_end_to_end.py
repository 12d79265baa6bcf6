"""One STEP part through every layer: slice, clear, G-code, LinuxCNC's interpreter, cycle time,
and a simulation of the program against the part."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from parts_for_tests import (
    assert_rs274_same_motion,
    assert_simulated_clean,
    boss_block,
    cone_bottom_block,
    drilled_plate,
    nested_block,
)

import gcode
import sim
from toolpath import MoveKind, Tool
from toolpath.cli import main
from toolpath.job import mill

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "bracket.step"
from shared_paths import PARTS  # noqa: E402


def verify(part: Path, tool_mm: float, cell_mm: float | None = None, **kw) -> dict:
    tool = Tool(tool_mm)
    res = mill(part, tool, **kw)
    prog = res.program
    # LinuxCNC's own interpreter accepts the program and executes the same motion
    assert_rs274_same_motion(prog, [tool])
    # simulated on the stock against the part
    chk = assert_simulated_clean(prog, part, tool, cell_mm=cell_mm, max_locations=1000)
    # reachable material left, except where slicing said a 2.5D cut cannot go (slopes, fillets, undercuts)
    reported = [u["where"] for u in res.unreachable]
    pad = tool.radius_mm

    def explained(loc) -> bool:
        return any(w[0] - pad <= loc.x_mm <= w[3] + pad and w[1] - pad <= loc.y_mm <= w[4] + pad for w in reported)

    if not reported:
        assert chk.uncut_area_mm2 <= 5.0, chk.uncut[:5]
        assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3, rel=0.03)
    else:
        assert len(chk.uncut) < 1000, "too many clusters to attribute"
        unexplained = [loc for loc in chk.uncut if not explained(loc)]
        assert sum(loc.area_mm2 for loc in unexplained) <= 5.0, unexplained[:5]
        assert chk.removed_volume_mm3 <= chk.designed_volume_mm3 * 1.001
    ct = sim.cycle_time(prog, "linuxcnc-sim")
    # LinuxCNC's G64 (no P, the default) rounds corners with blend arcs, so the path it runs is shorter than
    # the programmed one and the planned time may dip a little below programmed length / feed
    assert ct.cycle_time_s >= ct.naive_time_s * 0.95
    return {"result": res, "check": chk, "cycle": ct}


def test_material_over_a_curved_floor_is_cleared_down_to_it(tmp_path):
    # the top of a face a 2.5D cut cannot make (here a drill-point cone under a bore) is a level: the bore is
    # cleared down to the cone; before, the cone's shadow stood in the band down from the pocket floor above
    # (z 18) and 4 mm of the bore (804 mm3) were left
    # (terraces off: the cone's material stays whole)
    part = cone_bottom_block(tmp_path / "cone.step")
    out = verify(part, 6.0, cell_mm=0.1, terrace_mm=0)
    res, chk = out["result"], out["check"]
    assert 14.0 in [round(z, 6) for z in res.levels_mm]
    cone = np.pi * 64 * (8.0 / np.tan(np.radians(59.0))) / 3
    assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3 - cone, rel=0.01)
    assert any("cone" in u["reason"] for u in res.unreachable)


def test_material_over_a_curved_floor_is_cleared_in_terraces(tmp_path):
    # default terraces (at most 0.5 mm here): the bands over the drill-point cone are halved and each is cleared
    # down to its widest section, a disc of the cone's radius at the band's bottom, where the D6 tool fits in
    part = cone_bottom_block(tmp_path / "cone.step")
    out = verify(part, 6.0, cell_mm=0.1)
    res, chk = out["result"], out["check"]
    tan = np.tan(np.radians(59.0))
    apex = 14.0 - 8.0 / tan
    levels = sorted({14.0, *res.levels_mm})
    terraces = [(hi, lo) for lo, hi in zip(levels[:-1], levels[1:], strict=True) if lo > apex and hi <= 14.0 + 1e-9]
    assert len(terraces) >= 4 and all(hi - lo <= 0.5 + 1e-9 for hi, lo in terraces)
    radius = [(lo - apex) * tan for _, lo in terraces]
    cleared = sum(np.pi * r * r * (hi - lo) for (hi, lo), r in zip(terraces, radius, strict=True) if r > 3.0 + 0.01)
    assert cleared > 100.0
    cone = np.pi * 64 * (8.0 / tan) / 3
    assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3 - cone + cleared, rel=2e-3)


def test_nested_block_four_levels(tmp_path):
    out = verify(nested_block(tmp_path / "nested.step"), 6.0, stepdown_mm=3.0)
    assert out["result"].levels_mm == [19.0, 14.0, 10.0, 6.0]
    # the blind hole (D9) is bored on a helix with the end mill, not pocketed; pockets entered on helices
    res = out["result"]
    assert res.extra["holes_bored"] == 1
    assert res.extra["entries"].get("helix", 0) >= 1 and res.extra["entries"].get("finish-arc", 0) >= 1
    tp = res.program.toolpath
    starts = tp.starts(res.program.start_xyz)
    helical = np.isin(tp.kind, [MoveKind.ARC_CW, MoveKind.ARC_CCW]) & (np.abs(tp.xyz[:, 2] - starts[:, 2]) > 1e-9)
    at_hole = helical & (np.hypot(tp.xyz[:, 0] - 63, tp.xyz[:, 1] - 8) < 4.5)
    assert at_hole.any() and tp.xyz[at_hole, 2].min() == pytest.approx(6.0)


@pytest.mark.parametrize("strategy", ["offset", "zigzag"])
def test_nested_block_with_every_option(tmp_path, strategy):
    """Inside-out order, rounded corners, axial stock, a final floor pass and a spring pass, through rs274
    and the simulation (the floors 0.2 mm high: the designed volume is not removed, so only no gouge, no rapid
    through stock and, with the stock, nothing left above the floors plus 0.2 mm is checked)."""
    part = nested_block(tmp_path / "nested.step")
    tool = Tool(6.0)
    res = mill(part, tool, strategy=strategy, stepdown_mm=3.0, order="inside-out", corner_radius_mm=1.0,
               axial_stock_mm=0.2, floor_pass_mm=0.5, spring_pass=True)
    prog = res.program
    assert_rs274_same_motion(prog, [tool])
    chk = assert_simulated_clean(prog, part, tool)
    assert prog.toolpath.xyz[:, 2].min() == pytest.approx(6.2)  # the lowest floor (the hole's) plus 0.2 mm
    assert chk.removed_volume_mm3 < chk.designed_volume_mm3


def test_bundled_example():
    out = verify(EXAMPLE, 6.0)
    assert len(out["result"].levels_mm) == 5


@pytest.mark.parametrize(("name", "tool_mm"), [("nist_ftc_11_asme1_rb.stp", 3.0), ("nist_ftc_08_asme1_rc.stp", 10.0)])
def test_nist_parts(name, tool_mm):
    path = PARTS / name
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/parts)")
    out = verify(path, tool_mm, cell_mm=0.1 if tool_mm < 5 else None, stepdown_mm=tool_mm)
    assert out["result"].pockets


def test_cli_mill_writes_gcode_plot_and_json(tmp_path):
    ngc, js, png = tmp_path / "p.ngc", tmp_path / "p.json", tmp_path / "p.png"
    rc = main(["mill", str(EXAMPLE), "-o", str(ngc), "--strategy", "offset", "--tool", "6", "--dialect", "linuxcnc",
               "--json", str(js), "--plot", str(png)])
    assert rc == 0
    report = json.loads(js.read_text())
    for key in ("cycle_time_s", "naive_time_s", "path_length_mm", "moves", "pockets", "levels_mm", "unreachable",
                "generation_time_s"):
        assert key in report
    assert report["cycle_time_s"] > report["naive_time_s"] > 0
    assert report["levels_mm"] == [16.0, 14.0, 10.0, 8.0, 0.0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    prog = gcode.read_program(ngc)
    assert prog.moves() == report["moves"] + 1  # + the writer's lead-in: rise alone before the first rapid
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.ngc", "p.png"]  # no temporary left


@pytest.mark.parametrize("terrace", ["0", "0.25", "1"])
def test_cli_terrace_reaches_mill(tmp_path, terrace):
    part = cone_bottom_block(tmp_path / "cone.step")
    js = tmp_path / "p.json"
    assert main(["mill", str(part), "-o", str(tmp_path / "p.ngc"), "--terrace", terrace, "--json", str(js)]) == 0
    res = mill(part, Tool(6.0), terrace_mm=float(terrace))
    assert json.loads(js.read_text())["levels_mm"] == pytest.approx(res.levels_mm)
    assert (len(res.levels_mm) > 3) == (terrace != "0")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["mill", "missing.step"], "missing.step"),
        (["mill", str(EXAMPLE), "--strategy", "spiral"], "spiral"),
        (["mill", str(EXAMPLE), "--tool", "-3"], "-3"),
        (["mill", str(EXAMPLE), "--dialect", "klingon"], "klingon"),
        (["mill", str(EXAMPLE), "--strategy", "adaptive", "--spring-pass"], "spring_pass"),
        (["mill", str(EXAMPLE), "--strategy", "adaptive", "--entry", "ramp"], "entry='ramp'"),
        (["mill", str(EXAMPLE), "--strategy", "adaptive", "--floor-pass", "9"], "floor_pass_mm"),
        (["mill", str(EXAMPLE), "--terrace", "-1"], "terrace must be >= 0"),
        (["mill", str(EXAMPLE), "--terrace", "inf"], "'inf'"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line_and_no_output(tmp_path, capsys, argv, needle):
    out = tmp_path / "x.ngc"
    rc = main([*argv, "-o", str(out), "--json", str(tmp_path / "x.json")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_tool_larger_than_every_pocket(tmp_path, capsys):
    part = nested_block(tmp_path / "nested.step")
    rc = main(["mill", str(part), "-o", str(tmp_path / "x.ngc"), "--tool", "40"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "diameter 40" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nested.step"]


def test_cli_check_reads_the_written_program_back(tmp_path, capsys):
    part = nested_block(tmp_path / "nested.step")
    ngc, js = tmp_path / "p.ngc", tmp_path / "c.json"
    assert main(["mill", str(part), "-o", str(ngc), "--tool", "6", "--stepdown", "3"]) == 0
    assert main(["check", str(ngc), "--part", str(part), "--tool", "6", "--json", str(js)]) == 0
    report = json.loads(js.read_text())
    assert report["gouge_count"] == 0 and report["rapid_cut_count"] == 0
    assert report["uncut_area_mm2"] <= 5.0
    assert report["removed_volume_mm3"] == pytest.approx(report["designed_volume_mm3"], rel=0.03)


def test_round_holes_bored_unless_the_tool_does_not_fit_or_a_pocket_lies_below():
    from shapely.geometry import Point, box

    from toolpath import Pocket
    from toolpath.job import _boreable

    hole = Pocket(Point(10, 10).buffer(5, quad_segs=32), 10.0, 0.0, hole_diameter_mm=10.0)
    small = Pocket(Point(30, 10).buffer(3.001, quad_segs=32), 10.0, 0.0, hole_diameter_mm=6.002)
    roofed = Pocket(Point(50, 10).buffer(6, quad_segs=32), 10.0, 5.0, hole_diameter_mm=12.0)
    below = Pocket(box(47, 7, 53, 13), 5.0, 2.0)  # a square pocket under the last hole: that one is pocketed
    got = _boreable([hole, small, roofed, below], Tool(6))
    assert got == [hole]
    assert _boreable([hole], Tool.drill(10)) == []


def test_drill_makes_the_holes_of_its_diameter_after_the_end_mill(tmp_path):
    """`mill --drill 5`: three D5 through holes (one in a pocket's floor) drilled by a second operation with a
    drill T2 after a tool change; the D8 hole bored by the end mill. rs274 runs both operations; the simulation
    with each operation's own tool (the drill's 118 degree point) finds no gouge, no rapid through material,
    nothing reachable left, and the designed volume removed."""
    part = drilled_plate(tmp_path / "plate.step")
    tool, drill = Tool(4), Tool.drill(5, number=2)
    res = mill(part, tool, stepdown_mm=2.5, drill=drill)
    prog = res.program
    assert [(op.tool.number, op.tool.kind.value) for op in prog.operations] == [(1, "flat"), (2, "drill")]
    assert res.extra["holes_drilled"] == 3 and res.extra["holes_bored"] == 1 and res.unreachable == []
    drilled = prog.operations[1].toolpath
    # plain peck moves straight down at the three hole centres, a peck at most one drill diameter; through the
    # stock bottom (z 0) by the breakthrough allowance and the point length 2.5 / tan(59 deg)
    feeds = drilled.kind == MoveKind.FEED
    centres = {(round(x, 3), round(y, 3)) for x, y in drilled.xyz[feeds, :2]}
    assert centres == {(48.0, 10.0), (48.0, 30.0), (14.0, 20.0)}
    reached = {(48.0, 10.0): 10.0, (48.0, 30.0): 10.0, (14.0, 20.0): 5.0}  # the holes' tops
    for x, y, z in drilled.xyz[feeds]:
        key = (round(x, 3), round(y, 3))
        assert reached[key] - z <= 5.0 + 1e-9  # one peck deeper than reached before
        reached[key] = min(reached[key], z)
    assert drilled.xyz[:, 2].min() == pytest.approx(-0.5 - 2.5 / np.tan(np.radians(59)), abs=1e-6)
    text = gcode.write(prog, "linuxcnc")
    assert "T2 M6" in text.replace("M06", "M6")
    assert_rs274_same_motion(prog, prog.tools())
    chk = assert_simulated_clean(prog, part)  # each operation with its own tool
    assert chk.uncut_area_mm2 <= 5.0, chk.uncut[:5]
    assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3, rel=0.03)
    # the command line: the same program, two tools read back from the G-code
    ngc, js = tmp_path / "p.ngc", tmp_path / "p.json"
    assert main(["mill", str(part), "-o", str(ngc), "--tool", "4", "--stepdown", "2.5", "--drill", "5",
                 "--json", str(js)]) == 0
    report = json.loads(js.read_text())
    assert report["holes_drilled"] == 3 and report["drill_mm"] == 5.0
    back = gcode.read_program(ngc)
    assert [(t.number, t.kind.value, t.diameter_mm) for t in back.tools()] == [(1, "flat", 4.0), (2, "drill", 5.0)]


def test_which_round_holes_a_drill_makes():
    """Its diameter within 0.05 mm, and nothing but other drilled holes below."""
    from shapely.geometry import Point, box

    from toolpath import Pocket
    from toolpath.job import drillable

    def hole(x, d, top=10.0, bottom=0.0):
        return Pocket(Point(x, 10).buffer(d / 2, quad_segs=32), top, bottom, hole_diameter_mm=d)

    fit, close, off = hole(10, 5.0), hole(30, 5.04), hole(50, 5.1)
    roofed = hole(70, 5.0, bottom=5.0)
    below = Pocket(box(67, 7, 73, 13), 5.0, 2.0)  # a square pocket under the last hole: cut before it
    upper, lower = hole(90, 5.0, bottom=6.0), hole(90, 5.0, top=6.0)  # a hole under a hole: both drilled
    got = drillable([fit, close, off, roofed, below, upper, lower], Tool.drill(5))
    assert got == [fit, close, upper, lower]
    assert drillable([fit], Tool(5)) == []  # an end mill drills nothing


@pytest.mark.parametrize("make", [nested_block, boss_block])
def test_profile_cuts_the_walls_only(tmp_path, make):
    """`mill --strategy profile`: rs274 runs it; simulated, no gouge, no rapid through material (the stacked
    pockets of the nested block are cut from the stock top, their interiors standing), and less than the
    designed volume removed."""
    part = make(tmp_path / "part.step")
    tool = Tool(6)
    res = mill(part, tool, strategy="profile", stepdown_mm=3.0, spring_pass=True, bore_holes=False)
    prog = res.program
    assert res.extra["entries"].get("lead-arc", 0) >= 2
    assert_rs274_same_motion(prog, [tool])
    chk = assert_simulated_clean(prog, part, tool)
    assert 0 < chk.removed_volume_mm3 < 0.9 * chk.designed_volume_mm3
    assert chk.uncut_area_mm2 > 10.0  # the interiors
    rc = main(["mill", str(part), "-o", str(tmp_path / "p.ngc"), "--strategy", "profile", "--tool", "6"])
    assert rc == 0
