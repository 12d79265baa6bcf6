"""Progress bars of the long commands: on stderr only when asked (or stderr is a terminal); the figures,
stdout and the G-code are the same with and without; the library callbacks count every step."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from toolpath.cli import _progress_wanted, build_parser, main

#: Figures that are wall-clock times, so differ from run to run.
TIMES = {"generation_time_s", "mill_time_s", "compile_time_s", "slicing_time_s", "job_time_s"}


def _strip_times(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _strip_times(x) for k, x in v.items() if k not in TIMES}
    if isinstance(v, list):
        return [_strip_times(x) for x in v]
    return v


def _strip_stdout(text: str) -> str:
    return re.sub(r"generated in [\d.]+ s", "generated in T s", text)


@pytest.fixture(scope="module")
def small_part(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40 x 30 x 10 mm block with a 20 x 14 mm pocket 4 mm deep and a 12 mm pocket 2 mm deeper in it."""
    import cadquery as cq

    part = cq.Workplane("XY").box(40.0, 30.0, 10.0, centered=(True, True, False))
    part = part.cut(cq.Workplane("XY").box(20.0, 14.0, 4.0, centered=(True, True, False)).translate((0, 0, 6.0)))
    part = part.cut(cq.Workplane("XY").box(12.0, 8.0, 2.0, centered=(True, True, False)).translate((0, 0, 4.0)))
    path = tmp_path_factory.mktemp("part") / "small.step"
    cq.exporters.export(part, str(path))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_progress_flag_and_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    p = build_parser()

    class Tty:
        def isatty(self) -> bool:
            return True

    base = ["mill", "part.step", "-o", "x.nc"]
    monkeypatch.setattr(sys, "stderr", Tty())
    assert _progress_wanted(p.parse_args(base)) is True
    assert _progress_wanted(p.parse_args([*base, "--no-progress"])) is False
    monkeypatch.undo()  # capture: stderr is not a terminal
    assert _progress_wanted(p.parse_args(base)) is False
    assert _progress_wanted(p.parse_args([*base, "--progress"])) is True
    for cmd in (["check", "a.nc", "--part", "p.step"], ["compare", "p.step"], ["sweep", "p.step", "--csv", "s.csv"]):
        assert _progress_wanted(p.parse_args([*cmd, "--progress"])) is True
        assert _progress_wanted(p.parse_args([*cmd, "--no-progress"])) is False
    assert main([*base, "--progress", "--no-progress"]) == 2


def test_mill_check_progress_on_stderr_only(small_part: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    runs = {}
    for flag in ("", "--progress"):
        d = tmp_path / ("bar" if flag else "plain")
        d.mkdir()
        monkeypatch.chdir(d)  # the same relative names: stdout names the G-code file
        nc, js = d / "m.nc", d / "m.json"
        argv = ["mill", str(small_part), "-o", "m.nc", "--json", "m.json"] + ([flag] if flag else [])
        code, out, err = _run(argv, capsys)
        assert code == 0, err
        runs[flag] = (nc.read_text(), json.loads(js.read_text()), out, err)
    (g0, j0, o0, e0), (g1, j1, o1, e1) = runs[""], runs["--progress"]
    assert e0 == ""  # stderr is not a terminal under capture: no bar unless asked
    assert "mill offset" in e1 and "pocket" in e1 and f"{j1['pockets']}/{j1['pockets']}" in e1
    assert g0 == g1
    assert _strip_times(j0) == _strip_times(j1)
    assert _strip_stdout(o0) == _strip_stdout(o1)
    assert "%|" not in o1 and "\r" not in o1

    nc = tmp_path / "plain" / "m.nc"
    checks = {}
    for flag in ("", "--progress"):
        js = tmp_path / f"c{flag}.json"
        argv = ["check", str(nc), "--part", str(small_part), "--cell", "0.25", "--json", str(js)]
        code, out, err = _run(argv + ([flag] if flag else []), capsys)
        assert code == 0, err
        checks[flag] = (json.loads(js.read_text()), out, err)
    (j0, o0, e0), (j1, o1, e1) = checks[""], checks["--progress"]
    assert e0 == ""
    assert "check" in e1 and "13/13" in e1
    assert j0 == j1 and o0 == o1
    assert j1["gouge_count"] == 0


def test_compare_progress_on_stderr_only(small_part: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    res = {}
    for flag in ("", "--progress"):
        js = tmp_path / f"k{flag}.json"
        argv = ["compare", str(small_part), "--strategies", "offset,zigzag", "--cell", "0.25", "--json", str(js)]
        code, out, err = _run(argv + ([flag] if flag else []), capsys)
        assert code == 0, err
        res[flag] = (json.loads(js.read_text()), out, err)
    (j0, o0, e0), (j1, o1, e1) = res[""], res["--progress"]
    assert e0 == ""
    assert "compare" in e1 and "8/8" in e1
    assert _strip_times(j0) == _strip_times(j1)
    assert re.sub(r"generated in [\d.]+ s", "", o0) == re.sub(r"generated in [\d.]+ s", "", o1)


def test_library_callbacks_count_every_step(small_part: Path) -> None:
    import sim
    from sim.check import check
    from sim.compare import compare
    from toolpath import Tool
    from toolpath.job import mill

    tool = Tool.flat(6.0)
    seen: list[tuple[int, int]] = []
    res = mill(small_part, tool, progress=lambda d, t: seen.append((d, t)))
    plain = mill(small_part, tool)
    n = len(res.pockets)
    assert n >= 2 and seen == [(i, n) for i in range(n + 1)]
    np.testing.assert_array_equal(res.program.toolpath.xyz, plain.program.toolpath.xyz)

    seen = []
    check(res.program, small_part, tool, cell_mm=0.5, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 13) for i in range(14)]

    seen = []
    cmp = compare(small_part, ["offset", "nosuch"], tool, sim.load_machine("linuxcnc-sim"), cell_mm=0.5,
                  engagement=False, progress=lambda d, t: seen.append((d, t)))
    assert cmp["nosuch"].error and cmp["offset"].ok
    assert seen[0] == (0, 8) and seen[-1] == (8, 8)
    assert all(b[0] > a[0] for a, b in zip(seen, seen[1:], strict=False))  # each step once, in order


def test_job_file_progress_counts_pockets_of_every_operation(small_part: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    job = tmp_path / "job.toml"
    job.write_text(f'''part = "{small_part.as_posix()}"
output = "job.nc"

[tools.big]
diameter_mm = 6.0

[tools.small]
diameter_mm = 3.0

[[operations]]
tool = "big"

[[operations]]
tool = "small"
strategy = "zigzag"
''')
    code, out, err = _run(["mill", str(job), "-o", str(tmp_path / "a.nc"), "--json", str(tmp_path / "a.json")], capsys)
    assert code == 0 and err == ""
    code, out, err = _run(["mill", str(job), "-o", str(tmp_path / "b.nc"), "--progress"], capsys)
    assert code == 0
    n = json.loads((tmp_path / "a.json").read_text())["pockets"]
    assert f"{2 * n}/{2 * n}" in err and "%|" not in out
    assert (tmp_path / "a.nc").read_text() == (tmp_path / "b.nc").read_text()
