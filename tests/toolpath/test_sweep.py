"""Sweeps on dask.distributed: every row equals a direct in-process run of the same job."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import cadquery as cq  # noqa: E402

import sim  # noqa: E402
from sim.batch import run_job, sweep  # noqa: E402
from toolpath import InputError, Tool  # noqa: E402
from toolpath.cli import main  # noqa: E402
from toolpath.job import STRATEGIES, mill  # noqa: E402
from toolpath.sweep import COLUMNS, SweepJob, rows_to_csv, sweep_jobs, write_csv  # noqa: E402

MACHINE = "linuxcnc-sim"


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two small STEP parts that are not in the repository: a rectangular pocket and a round one with a step."""
    d = tmp_path_factory.mktemp("sweep_parts")
    a = cq.Workplane("XY").box(40, 30, 10, centered=False)
    a = a.cut(cq.Workplane("XY").workplane(offset=6).center(20, 15).rect(24, 14).extrude(5).edges("|Z").fillet(3))
    b = cq.Workplane("XY").box(30, 30, 8, centered=False)
    b = b.cut(cq.Workplane("XY").workplane(offset=5).center(15, 15).circle(9).extrude(5))
    b = b.cut(cq.Workplane("XY").workplane(offset=6).center(15, 2).rect(30, 4).extrude(3))
    out = []
    for name, wp in (("plate_a.step", a), ("plate_b.step", b)):
        cq.exporters.export(wp, str(d / name))
        out.append(d / name)
    return out


def _available() -> list[str]:
    return [k for k, v in STRATEGIES.items() if v][:2]


def _direct(job: SweepJob) -> dict[str, float]:
    """The same job computed here, through mill() and sim.cycle_time directly (not through run_job)."""
    res = mill(job.part, Tool.flat(job.tool_mm), strategy=job.strategy, stepover=job.stepover)
    ct = sim.cycle_time(res.program, sim.load_machine(MACHINE))
    tp = res.program.toolpath
    s = res.program.start_xyz
    return {
        "moves": len(tp),
        "path_length_mm": res.program.length_mm(),
        "cutting_length_mm": tp.cutting_length_mm(s),
        "rapid_length_mm": tp.rapid_length_mm(s),
        "cycle_time_s": ct.cycle_time_s,
        "naive_time_s": ct.naive_time_s,
        "pockets": len(res.pockets),
    }


def test_jobs_are_the_product_in_order(tmp_path: Path) -> None:
    jobs = sweep_jobs(["x.step", "y.step"], strategies="offset,zigzag", tools_mm="6,3", stepovers=["40%", "1.5"])
    assert len(jobs) == 2 * 2 * 2 * 2
    assert [(Path(j.part).name, j.strategy, j.tool_mm, j.stepover) for j in jobs[:5]] == [
        ("x.step", "offset", 6.0, "40%"),
        ("x.step", "offset", 6.0, "1.5"),
        ("x.step", "offset", 3.0, "40%"),
        ("x.step", "offset", 3.0, "1.5"),
        ("x.step", "zigzag", 6.0, "40%"),
    ]
    assert all(Path(j.part).is_absolute() for j in jobs)


@pytest.mark.parametrize(
    ("kw", "word"),
    [({"tools_mm": "6,-3"}, "-3"), ({"tools_mm": "six"}, "six"), ({"strategies": ""}, "strategies"),
     ({"stepovers": []}, "stepovers")],
)
def test_bad_sweep_values_name_the_value(kw: dict, word: str) -> None:
    with pytest.raises(InputError, match=word):
        sweep_jobs(["x.step"], **kw)


def test_sweep_on_two_workers_matches_direct_runs(parts: list[Path]) -> None:
    from distributed import Client, LocalCluster

    strategies = _available()
    good = sweep_jobs(parts, strategies=strategies, tools_mm=[6.0], stepovers=["40%", "25%"], machine=MACHINE)
    bad = [
        SweepJob(str(parts[0]), "no-such-strategy", 6.0, machine=MACHINE),
        SweepJob(str(parts[0]), strategies[0], 40.0, machine=MACHINE),  # too big for its one closed pocket
        SweepJob(str(parts[0].with_name("missing.step")), strategies[0], 6.0, machine=MACHINE),
    ]
    jobs = good + bad
    seen: list[tuple[int, int]] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        workers = set(client.scheduler_info()["workers"])
        assert len(workers) == 2
        rows = sweep(jobs, client=client, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(jobs), len(jobs))
    assert len(rows) == len(jobs)
    for job, row in zip(good, rows[: len(good)], strict=True):
        assert row["error"] == "", row["error"]
        assert row["worker"] in workers  # computed on dask, not here
        assert (row["part"], row["strategy"], row["tool_mm"], row["stepover"]) == (
            job.part, job.strategy, job.tool_mm, job.stepover)
        ref = _direct(job)
        assert row["moves"] == ref["moves"]
        assert row["pockets"] == ref["pockets"]
        for k in ("path_length_mm", "cutting_length_mm", "rapid_length_mm", "cycle_time_s", "naive_time_s"):
            assert math.isclose(row[k], ref[k], rel_tol=0, abs_tol=1e-3), (k, row[k], ref[k])
        assert math.isclose(row["path_length_mm"], row["cutting_length_mm"] + row["rapid_length_mm"], abs_tol=1e-3)
        # planning adds acceleration time, but linuxcnc-sim's G64 blend arcs cut corners short (a shorter path
        # than the programmed one), so the plan may come out a little under length/feed
        assert row["cycle_time_s"] >= row["naive_time_s"] * 0.95
    # a smaller stepover gives a longer path on the same part
    for i in range(0, len(good), 2):
        assert rows[i + 1]["path_length_mm"] > rows[i]["path_length_mm"]
    unknown, too_big, missing = rows[len(good):]
    assert "no-such-strategy" in unknown["error"] and unknown["moves"] is None
    assert too_big["error"].startswith(("UnreachableError", "GeometryError", "InputError")), too_big["error"]
    assert "missing.step" in missing["error"] and missing["cycle_time_s"] is None


def test_check_columns_match_sim_check(parts: list[Path]) -> None:
    from sim.check import check

    job = SweepJob(str(parts[0]), "offset", 6.0, "40%", machine=MACHINE, check=True)
    row = run_job(job)
    assert row["error"] == "" and row["worker"] == ""
    res = mill(job.part, Tool.flat(6.0), strategy="offset", stepover="40%")
    ref = check(res.program, job.part, Tool.flat(6.0), stock=res.stock)
    assert row["gouge_count"] == ref.gouge_count == 0
    assert math.isclose(row["removed_volume_mm3"], ref.removed_volume_mm3, abs_tol=1e-3)
    assert math.isclose(row["uncut_area_mm2"], ref.uncut_area_mm2, abs_tol=1e-3)
    # the pocket: 24 x 14 with R3 corners, 4 mm deep (z 6..10), less what a D6 cannot reach (none: R3 corners)
    designed = (24 * 14 - (4 - math.pi) * 3**2) * 4
    assert row["removed_volume_mm3"] == pytest.approx(designed, rel=0.02)


def test_csv_round_trip_and_atomic(tmp_path: Path) -> None:
    rows = [dict.fromkeys(COLUMNS) | {"part": "a,b.step", "strategy": "offset", "tool_mm": 6.0, "moves": 12,
                                     "error": ""},
            dict.fromkeys(COLUMNS) | {"part": "c.step", "strategy": "x", "tool_mm": 3.0, "error": 'InputError: "x"'}]
    out = tmp_path / "s.csv"
    write_csv(rows, out)
    back = list(csv.DictReader(out.open(newline="")))
    assert list(back[0]) == list(COLUMNS)
    assert back[0]["part"] == "a,b.step" and back[0]["moves"] == "12" and back[0]["cycle_time_s"] == ""
    assert back[1]["error"] == 'InputError: "x"'
    assert rows_to_csv(rows) == out.read_text()
    with pytest.raises(InputError, match="does not exist"):
        write_csv(rows, tmp_path / "no" / "s.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # no temporary left behind


def test_cli_sweep_on_an_existing_scheduler(parts: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The acceptance command: two parts x two strategies x one tool -> 4 rows, computed on dask."""
    from distributed import LocalCluster

    out = tmp_path / "s.csv"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        code = main(["sweep", str(parts[0]), str(parts[1]), "--strategies", "offset,adaptive", "--tools", "6",
                     "--csv", str(out), "--scheduler", cluster.scheduler_address, "--no-progress"])
        workers = set(cluster.scheduler_info["workers"])
    assert code == 0
    rows = list(csv.DictReader(out.open(newline="")))
    assert [(Path(r["part"]).name, r["strategy"]) for r in rows] == [
        ("plate_a.step", "offset"), ("plate_a.step", "adaptive"), ("plate_b.step", "offset"),
        ("plate_b.step", "adaptive")]
    assert all(r["worker"] in workers for r in rows)
    for r in rows:
        if r["strategy"] == "offset" or STRATEGIES.get("adaptive"):
            assert r["error"] == "" and int(r["moves"]) > 0 and float(r["cycle_time_s"]) > 0
        else:  # adaptive not registered yet: a row with the reason, not a lost sweep
            assert "adaptive" in r["error"] and r["moves"] == ""
    assert "4 jobs" in capsys.readouterr().out


def test_cli_sweep_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", "a.step", "--tools", "0", "--csv", str(tmp_path / "s.csv")]) == 2
    assert "'0'" in capsys.readouterr().err
    assert main(["sweep", "a.step", "--machine", "no-such-machine", "--csv", str(tmp_path / "s.csv")]) == 2
    assert "no-such-machine" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_sweep_and_job_file_modules_stay_below_gcode_and_sim() -> None:
    """DESIGN.md layers: importing the sweep and job-file modules of ``toolpath`` loads neither ``gcode`` nor
    ``sim`` (running them is :mod:`sim.batch` and the command line)."""
    import subprocess
    import sys

    code = ("import sys, toolpath, toolpath.sweep, toolpath.jobfile;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gcode', 'sim', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    for mod in ("toolpath/sweep.py", "toolpath/jobfile.py"):
        text = (Path(__file__).resolve().parents[2] / mod).read_text()
        assert "import sim" not in text and "from sim" not in text and "import gcode" not in text, mod
        assert "from gcode" not in text, mod
