"""One STEP part through every layer: slice, clear, G-code, LinuxCNC's interpreter, cycle time,
and a simulation of the program against the part."""

from __future__ import annotations

import json
from pathlib import Path

import cadquery as cq
import numpy as np
import pytest

import gcode
import sim
from gcode.rs274 import run_rs274
from sim.check import check
from toolpath import MoveKind, Tool
from toolpath.cli import main
from toolpath.job import mill

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "bracket.step"
from shared_paths import PARTS  # noqa: E402


def nested_block(path: Path) -> Path:
    """A block with a pocket in a pocket in a pocket and a blind hole: four floor levels."""
    part = cq.Workplane("XY").box(70, 50, 24, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=19).center(33, 25).rect(50, 36).extrude(6)
                    .edges("|Z").fillet(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=14).center(30, 25).rect(30, 22).extrude(6)
                    .edges("|Z").fillet(4))
    part = part.cut(cq.Workplane("XY").workplane(offset=10).center(26, 25).rect(12, 10).extrude(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=6).center(63, 8).circle(4.5).extrude(19))
    cq.exporters.export(part, str(path))
    return path


def verify(part: Path, tool_mm: float, cell_mm: float | None = None, **kw) -> dict:
    tool = Tool(tool_mm)
    res = mill(part, tool, **kw)
    prog = res.program
    # LinuxCNC's own interpreter accepts the program and executes the same motion
    text = gcode.write(prog, "linuxcnc")
    canon = [m for m in run_rs274(text, [tool]) if m.kind in ("traverse", "feed", "arc")]
    tp = prog.toolpath
    moving = tp.kind != MoveKind.DWELL
    lead_in = len(canon) - int(moving.sum())  # the writer rises to a safe Z before the first move
    assert lead_in in (0, 1) and all(m.kind == "traverse" for m in canon[:lead_in])
    canon = canon[lead_in:]
    ends = np.array([m.xyz for m in canon])
    np.testing.assert_allclose(ends, tp.xyz[moving], atol=2e-4)  # 4 decimals written
    kinds = np.array([m.kind == "traverse" for m in canon])
    np.testing.assert_array_equal(kinds, tp.kind[moving] == MoveKind.RAPID)
    # simulated on the stock against the part
    chk = check(prog, part, tool, cell_mm=cell_mm)
    assert chk.gouge_count == 0, chk.gouges[:3]
    assert chk.rapid_cuts == [], chk.rapid_cuts[:3]
    # reachable material left, except where slicing said a 2.5D cut cannot go (slopes, fillets, undercuts)
    reported = [u["where"] for u in res.unreachable]
    pad = tool.radius_mm

    def explained(loc) -> bool:
        return any(w[0] - pad <= loc.x_mm <= w[3] + pad and w[1] - pad <= loc.y_mm <= w[4] + pad for w in reported)

    if not reported:
        assert chk.uncut_area_mm2 <= 5.0, chk.uncut[:5]
        assert chk.removed_volume_mm3 == pytest.approx(chk.designed_volume_mm3, rel=0.03)
    else:
        assert len(chk.uncut) < 100, "too many clusters to attribute"
        unexplained = [loc for loc in chk.uncut if not explained(loc)]
        assert sum(loc.area_mm2 for loc in unexplained) <= 5.0, unexplained[:5]
        assert chk.removed_volume_mm3 <= chk.designed_volume_mm3 * 1.001
    ct = sim.cycle_time(prog, "linuxcnc-sim")
    # LinuxCNC's G64 (no P, the default) rounds corners with blend arcs, so the path it runs is shorter than
    # the programmed one and the planned time may dip a little below programmed length / feed
    assert ct.cycle_time_s >= ct.naive_time_s * 0.95
    return {"result": res, "check": chk, "cycle": ct}


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
    canon = [m for m in run_rs274(gcode.write(prog, "linuxcnc"), [tool]) if m.kind in ("traverse", "feed", "arc")]
    moving = prog.toolpath.kind != MoveKind.DWELL
    canon = canon[len(canon) - int(moving.sum()):]
    np.testing.assert_allclose(np.array([m.xyz for m in canon]), prog.toolpath.xyz[moving], atol=2e-4)
    chk = check(prog, part, tool)
    assert chk.gouge_count == 0, chk.gouges[:3]
    assert chk.rapid_cuts == [], chk.rapid_cuts[:3]
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


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["mill", "missing.step"], "missing.step"),
        (["mill", str(EXAMPLE), "--strategy", "spiral"], "spiral"),
        (["mill", str(EXAMPLE), "--tool", "-3"], "-3"),
        (["mill", str(EXAMPLE), "--dialect", "klingon"], "klingon"),
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
