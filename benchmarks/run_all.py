"""Run every ``benchmarks/bench_*.py`` script and the pytest-benchmark suites; one Markdown report.

Each script runs in its own process (so Numba compile and import costs land where they belong), with
short arguments by default (``--full`` runs each script's own default sizes), and a time limit. Then the
suites ``benchmarks/test_bench_*.py`` run under pytest-benchmark (``--benchmark-only``; each benchmark
warms up first and asserts what it timed) and their statistics become one table. The report starts with
the machine: CPU (``lscpu``), cores, load, Python and library versions, date.

Run::

    /work/venv/bin/python benchmarks/run_all.py                      # quick sizes, report on stdout
    /work/venv/bin/python benchmarks/run_all.py --out benchmarks/RESULTS.md
    /work/venv/bin/python benchmarks/run_all.py --full --only planner,stock --no-suites

A script this runner has no arguments for runs with none; one that fails or times out is reported with
its exit status and the end of its error output, and the others still run. Sections come in the order
of :data:`SECTIONS` (a new script is appended under its own name).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Arguments of each script for a quick run (a few seconds to a minute each on a 2-core machine).
QUICK: dict[str, list[str]] = {
    "bench_drawing.py": ["1000", "10000"],
    "bench_gcode.py": ["--lines", "100000", "--pygcode-lines", "5000"],
    "bench_offset.py": ["--repeat", "3"],
    "bench_planner.py": ["--quick"],
    "bench_stock.py": ["1000", "10000"],
    "bench_sweep.py": ["--quick"],
}


#: Report sections: script, heading. The peers measured in the same run are named in the heading.
SECTIONS: list[tuple[str, str]] = [
    ("bench_planner.py", "Cycle time: planner vs the controllers' own (Grbl simulator, LinuxCNC) and naive; moves/s"),
    ("bench_offset.py", "Offsetting: our kernel vs pyclipper and shapely"),
    ("bench_adaptive.py", "Adaptive clearing vs FreeCAD Adaptive2d"),
    ("bench_stock.py", "Stock simulation (material removal)"),
    ("bench_gcode.py", "G-code reading and writing vs gcodeparser and pygcode"),
    ("bench_drawing.py", "Drawings (DXF, SVG)"),
    ("bench_slicing.py", "Slicing the NIST parts"),
    ("bench_sweep.py", "Sweeps on dask"),
]


def suites_table(report: dict) -> list[str]:
    """Markdown rows of a pytest-benchmark JSON report: one per benchmark, by file then name."""
    rows = ["| suite | benchmark | min ms | median ms | max ms | rounds |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for b in sorted(report.get("benchmarks", []), key=lambda b: (b["fullname"].split("::")[0], b["name"])):
        st = b["stats"]
        suite = Path(b["fullname"].split("::")[0]).stem.removeprefix("test_bench_")
        rows.append(f"| {suite} | {b['name'].removeprefix('test_')} | {1e3 * st['min']:.2f} | "
                    f"{1e3 * st['median']:.2f} | {1e3 * st['max']:.2f} | {st['rounds']} |")
    return rows


def run_suites(timeout_s: float) -> tuple[int | str, float, list[str], str]:
    """Run the pytest-benchmark suites; returns (exit status or "timeout", wall s, table rows, pytest summary)."""
    with tempfile.TemporaryDirectory() as tmp:
        out_json = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "pytest", "benchmarks", "--benchmark-only", f"--benchmark-json={out_json}",
               "-q", "-p", "no:cacheprovider", "--benchmark-columns=min,median,max,rounds"]
        code, wall, out, err = run_cmd(cmd, timeout_s)
        rows = suites_table(json.loads(out_json.read_text())) if out_json.is_file() else []
    lines = [ln for ln in (out + err).strip().splitlines() if ln.strip()]
    summary = next((ln.strip("= ") for ln in reversed(lines) if " passed" in ln or " failed" in ln or "error" in ln),
                   lines[-1] if lines else "")
    failures = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    return code, wall, rows, "\n".join([summary, *failures])


def machine_info() -> list[str]:
    """Lines describing the machine and software, for the report header."""
    lines = []
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        keep = ("Model name", "Architecture", "CPU(s)", "Thread(s) per core", "Core(s) per socket", "CPU max MHz",
                "L2 cache", "L3 cache")
        for ln in out.splitlines():
            k = ln.split(":", 1)[0].strip()
            if k in keep:
                lines.append(f"- {k}: {ln.split(':', 1)[1].strip()}")
    except (OSError, subprocess.SubprocessError):
        lines.append(f"- CPU: {platform.processor() or platform.machine()} (lscpu not available)")
    try:
        mem_kb = int(next(ln for ln in open("/proc/meminfo") if ln.startswith("MemTotal")).split()[1])
        lines.append(f"- Memory: {mem_kb / 1024**2:.1f} GiB")
    except (OSError, StopIteration, ValueError):
        pass
    try:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        lines.append(f"- Load average when started (1, 5, 15 min): {load}")
    except OSError:
        pass
    lines.append(f"- OS: {platform.platform()}")
    lines.append(f"- Python: {sys.version.split()[0]} ({sys.executable})")
    vers = []
    for pkg in ("numpy", "numba", "shapely", "cadquery", "dask", "distributed", "pyclipper", "gcodeparser",
                "pygcode"):
        try:
            vers.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            vers.append(f"{pkg} (not installed)")
    lines.append(f"- Packages: {', '.join(vers)}")
    lines.append(f"- Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    return lines


def run_one(script: Path, args: list[str], timeout_s: float) -> tuple[int | str, float, str, str]:
    """Run one script; returns (exit status or "timeout", wall seconds, stdout, stderr)."""
    return run_cmd([sys.executable, str(script), *args], timeout_s)


def run_cmd(cmd: list[str], timeout_s: float) -> tuple[int | str, float, str, str]:
    """Run a command in the repository root; returns (exit status or "timeout", wall seconds, stdout, stderr)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True, timeout=timeout_s)
        code: int | str = proc.returncode
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code = "timeout"
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    return code, time.perf_counter() - t0, out, err


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="each script's own default sizes (slow)")
    ap.add_argument("--only", default="", help="comma-separated names (planner,stock,...) to run")
    ap.add_argument("--timeout", type=float, default=600.0, help="limit per script, s")
    ap.add_argument("--out", default=None, help="Markdown file to write (default: print)")
    ap.add_argument("--no-suites", action="store_true", help="skip the pytest-benchmark suites")
    ap.add_argument("--suites-timeout", type=float, default=900.0, help="limit for all the suites together, s")
    a = ap.parse_args(argv)
    order = {name: i for i, (name, _) in enumerate(SECTIONS)}
    titles = dict(SECTIONS)
    scripts = sorted(HERE.glob("bench_*.py"), key=lambda s: (order.get(s.name, len(order)), s.name))
    if a.only:
        want = {w.strip().removeprefix("bench_").removesuffix(".py") for w in a.only.split(",") if w.strip()}
        unknown = want - {s.stem.removeprefix("bench_") for s in scripts}
        if unknown:
            print(f"run_all: no benchmark named {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in want]
    parts = ["## Latest results", "", "### Machine", "", *machine_info(), ""]
    failed = 0
    for s in scripts:
        args = [] if a.full else QUICK.get(s.name, [])
        cmd = f"python benchmarks/{s.name} {shlex.join(args)}".rstrip()
        print(f"running {cmd} ...", file=sys.stderr, flush=True)
        code, wall, out, err = run_one(s, args, a.timeout)
        title = titles.get(s.name, s.stem)
        parts += [f"### {title}", "", f"`{cmd}`: {wall:.1f} s wall, exit {code}", ""]
        parts += [out.rstrip(), ""] if out.strip() else []
        if code != 0:
            failed += 1
            tail = "\n".join(err.strip().splitlines()[-15:])
            parts += ["Failed; end of its error output:", "", "```", tail, "```", ""]
    if not a.no_suites and not a.only:
        cmd = "python -m pytest benchmarks --benchmark-only"
        print(f"running {cmd} ...", file=sys.stderr, flush=True)
        code, wall, rows, summary = run_suites(a.suites_timeout)
        parts += ["### pytest-benchmark suites (each warms up, then asserts what it timed)", "",
                  f"`{cmd}`: {wall:.1f} s wall, exit {code}; {summary.splitlines()[0] if summary else ''}", ""]
        parts += [*rows, ""]
        if code != 0:
            failed += 1
            parts += ["```", summary, "```", ""]
    text = "\n".join(parts) + "\n"
    if a.out:
        sys.path.insert(0, str(HERE.parent))
        from toolpath.atomic import atomic_write_text

        atomic_write_text(a.out, text)
        print(f"wrote {a.out} ({len(scripts)} benchmarks, {failed} failed)", file=sys.stderr)
    else:
        print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
