"""Every script in examples/ runs in a subprocess, into a fresh folder, and its outputs are checked."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import gcode

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def _run(script: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _read(path: Path):  # noqa: ANN202
    assert path.is_file() and path.stat().st_size > 0, path
    return gcode.read_program(path)


def _cutting(program) -> float:  # noqa: ANN001
    return program.toolpath.cutting_length_mm(program.start_xyz)


def check_make_example_part(out: Path) -> None:
    import cadquery as cq

    _run("make_example_part.py", str(out / "bracket.step"), cwd=out)
    bb = cq.importers.importStep(str(out / "bracket.step")).val().BoundingBox()
    assert (bb.xlen, bb.ylen, bb.zlen) == pytest.approx((90, 60, 20), abs=1e-6)
    # the rebuilt part is the bundled one (same volume)
    bundled = cq.importers.importStep(str(EXAMPLES / "bracket.step")).val().Volume()
    assert cq.importers.importStep(str(out / "bracket.step")).val().Volume() == pytest.approx(bundled, rel=1e-9)


def check_step_to_gcode(out: Path) -> None:
    _run("step_to_gcode.py", str(out), cwd=out)
    report = json.loads((out / "bracket.json").read_text())
    assert report["pockets"] >= 4 and report["moves"] > 0
    assert report["levels_mm"] == pytest.approx([16.0, 14.0, 10.0, 8.0, 0.0])
    for dialect in ("linuxcnc", "grbl"):
        prog = _read(out / f"bracket_{dialect}.nc")
        assert _cutting(prog) == pytest.approx(report["cutting_length_mm"], rel=2e-3)
        assert report[f"cycle_time_{dialect}_s"] > 0
    assert report["path_length_mm"] == pytest.approx(report["cutting_length_mm"] + report["rapid_length_mm"], abs=1e-3)


def check_compare_strategies(out: Path) -> None:
    text = _run("compare_strategies.py", str(out), cwd=out)
    rows = list(csv.DictReader((out / "compare.csv").open(newline="")))
    names = [r["strategy"] for r in rows]
    assert "offset" in names and len(set(names)) == len(names)
    for r in rows:
        prog = _read(out / f"bracket_{r['strategy']}.nc")
        assert _cutting(prog) == pytest.approx(float(r["cutting_length_mm"]), rel=2e-3)
        assert float(r["path_length_mm"]) == pytest.approx(
            float(r["cutting_length_mm"]) + float(r["rapid_length_mm"]), abs=1e-3)
        assert float(r["cycle_time_s"]) >= 0.999 * float(r["naive_time_s"]) > 0
    best = min(rows, key=lambda r: float(r["cycle_time_s"]))
    assert f"fastest: {best['strategy']}" in text


def check_run_job_file(out: Path) -> None:
    _run("run_job_file.py", str(out), cwd=out)
    report = json.loads((out / "bracket_job.json").read_text())
    ops = report["operations"]
    assert [o["name"] for o in ops] == ["roughing D6", "corners D3"]
    assert report["moves"] == sum(o["moves"] for o in ops)
    assert report["cycle_time_s"] == pytest.approx(sum(o["cycle_time_s"] for o in ops), rel=1e-6)
    prog = _read(out / "bracket_job.nc")
    assert [t.diameter_mm for t in prog.tools()] == [6.0, 3.0]
    assert _cutting(prog) == pytest.approx(report["cutting_length_mm"], rel=2e-3)
    # 0.5 mm of top allowance: the first cuts are above the part top (z 20) and rapids clear the stock top
    assert prog.toolpath.xyz[:, 2].max() >= 20.5 + 5.0 - 1e-6
    assert report["levels_mm"][0] == pytest.approx(20.0)


def check_sweep_parts(out: Path) -> None:
    from toolpath.job import STRATEGIES

    _run("sweep_parts.py", str(out), cwd=out)
    rows = list(csv.DictReader((out / "sweep.csv").open(newline="")))
    n_strategies = sum(1 for v in STRATEGIES.values() if v)
    assert len(rows) == 2 * n_strategies * 2 * 2
    for r in rows:
        assert r["worker"].startswith("tcp://")  # ran on a dask worker
        if Path(r["part"]).name == "plate.step" and float(r["tool_mm"]) == 16.0:
            assert r["error"] and r["moves"] == ""
        else:
            assert r["error"] == "", r["error"]
            # G64 blend arcs (LinuxCNC, no P) shorten corners: the planned time may dip below programmed length/feed
            assert float(r["cycle_time_s"]) >= 0.95 * float(r["naive_time_s"]) > 0
            assert float(r["path_length_mm"]) == pytest.approx(
                float(r["cutting_length_mm"]) + float(r["rapid_length_mm"]), abs=1e-3)
    # a wider stepover does not lengthen the path of the same part, strategy and tool beyond what its
    # fixed-cost moves (clean-up visits of corners, entries) may add: at most 5 %
    by = {(r["part"], r["strategy"], r["tool_mm"], r["stepover"]): r for r in rows if not r["error"]}
    for (part, s, t, st), r in by.items():
        if st == "40%" and (part, s, t, "60%") in by:
            assert float(by[(part, s, t, "60%")]["cutting_length_mm"]) <= 1.05 * float(r["cutting_length_mm"])


def check_dxf_engrave_pocket(out: Path) -> None:
    _run("dxf_engrave_pocket.py", str(out), cwd=out)
    assert (out / "plate.dxf").is_file()
    report = json.loads((out / "plate.json").read_text())
    prog = _read(out / "plate.nc")
    assert [t.diameter_mm for t in prog.tools()] == [6.0, 1.0]
    ops = prog.operations
    assert len(ops) == 2
    assert ops[0].toolpath.xyz[:, 2].min() == pytest.approx(-3.0, abs=1e-3)
    assert ops[1].toolpath.xyz[:, 2].min() == pytest.approx(-0.4, abs=1e-3)
    total = report["pocket"]["cutting_length_mm"] + report["engrave"]["cutting_length_mm"]
    assert _cutting(prog) == pytest.approx(total, rel=2e-3)
    # the pocket (50 x 30, two corners R5, island R6) holds more path than a 6 mm tool needs to sweep its area once
    area = 50 * 30 - 2 * (25 - math.pi * 25 / 4) - math.pi * 36
    assert report["pocket"]["cutting_length_mm"] > area / 6.0 * (3.0 / 1.5)


CHECKS: dict[str, Callable[[Path], None]] = {
    "make_example_part.py": check_make_example_part,
    "step_to_gcode.py": check_step_to_gcode,
    "compare_strategies.py": check_compare_strategies,
    "run_job_file.py": check_run_job_file,
    "sweep_parts.py": check_sweep_parts,
    "dxf_engrave_pocket.py": check_dxf_engrave_pocket,
}


def test_every_example_has_a_check() -> None:
    assert set(SCRIPTS) == set(CHECKS), set(SCRIPTS) ^ set(CHECKS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_example(script: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    CHECKS[script](out)
