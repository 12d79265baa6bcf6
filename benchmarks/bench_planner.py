"""Cycle-time planner: accuracy against the controllers' own planners, and speed.

Run as a script to print two tables::

    python benchmarks/bench_planner.py            # reference programs + speed sweep up to 10^6 moves
    python benchmarks/bench_planner.py --quick    # sweep up to 10^5 moves

or under pytest-benchmark (``pytest benchmarks/bench_planner.py``).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np

import gcode
import sim
from sim.planner import plan_kernel, segments
from toolpath import Program, Tool
from toolpath.moves import Toolpath

REF = Path("/work/shared/reference")
if not REF.exists():
    REF = Path(__file__).resolve().parents[2] / "shared" / "reference"

CASES = (("grbl", "grbl_seconds", "grbl-router", 0.01), ("linuxcnc", "lcnc_seconds", "linuxcnc-sim", 0.02))


def reference_table() -> list[dict[str, object]]:
    """Ours vs the controller's time vs naive, for every reference program."""
    rows = []
    for folder, col, machine, tol in CASES:
        with (REF / folder / "times.csv").open() as fh:
            for r in csv.DictReader(fh):
                program, _ = gcode.read(REF / folder / r["file"])
                ct = sim.cycle_time(program, machine)
                ref = float(r[col])
                rows.append(
                    {
                        "program": r["file"],
                        "machine": machine,
                        "reference_s": ref,
                        "ours_s": ct.cycle_time_s,
                        "error_pct": 100.0 * (ct.cycle_time_s / ref - 1.0),
                        "naive_s": ct.naive_time_s,
                        "naive_error_pct": 100.0 * (ct.naive_time_s / ref - 1.0),
                        "ref_naive_s": float(r["naive_seconds"]),
                        "within": abs(ct.cycle_time_s / ref - 1.0) <= tol,
                    }
                )
    return rows


def zigzag_program(n_moves: int, *, seed: int = 0) -> Program:
    """A synthetic program of ``n_moves`` short feed moves (a noisy zigzag) with a few rapids and arcs."""
    rng = np.random.default_rng(seed)
    kind = np.ones(n_moves, np.int8)
    xy = np.cumsum(rng.normal(0.0, 0.5, size=(n_moves, 2)), axis=0)
    z = np.where(rng.random(n_moves) < 0.01, 2.0, -1.0)
    kind[z > 0] = 0
    xyz = np.column_stack([xy, z])
    center = np.full((n_moves, 2), np.nan)
    arcs = np.flatnonzero((rng.random(n_moves) < 0.02) & (kind == 1))
    arcs = arcs[arcs > 0]
    kind[arcs] = 2
    center[arcs] = 0.5 * (xyz[arcs - 1, :2] + xyz[arcs, :2])  # half circles
    xyz[arcs, 2] = xyz[arcs - 1, 2]
    feed = np.where(kind == 0, np.nan, rng.uniform(600, 3000, n_moves))
    tp = Toolpath(kind, xyz, center, feed)
    return Program.single(Tool.flat(6.0), tp, start_xyz=(0.0, 0.0, 5.0), spindle_rpm=0.0)


def speed_table(sizes: tuple[int, ...]) -> list[dict[str, float]]:
    """Moves per second of cycle_time (segments + plan) and of the planning kernel alone, after compile."""
    machine = sim.load_machine("grbl-router")
    warm = zigzag_program(100)
    t0 = time.perf_counter()
    sim.cycle_time(warm, machine)
    first_call_s = time.perf_counter() - t0
    out = []
    for n in sizes:
        prog = zigzag_program(n)
        t0 = time.perf_counter()
        ct = sim.cycle_time(prog, machine)
        total = time.perf_counter() - t0
        segs = segments(prog.operations[0].toolpath, machine, start_xyz=prog.start_xyz)
        t0 = time.perf_counter()
        plan_kernel(segs.length_mm, segs.cruise_v2, segs.accel_mm_s2, segs.entry_v2, machine.lookahead_blocks)
        kernel = time.perf_counter() - t0
        out.append(
            {
                "moves": n,
                "segments": len(segs),
                "cycle_time_ms": 1e3 * total,
                "moves_per_s": n / total,
                "kernel_ms": 1e3 * kernel,
                "segments_per_s_kernel": len(segs) / kernel,
                "planned_s": ct.cycle_time_s,
                "first_call_s": first_call_s,
            }
        )
    return out


def cold_start_s() -> tuple[float, float]:
    """(import sim, first cycle_time) in a fresh process with an empty Numba cache: compile time a new user waits."""
    import os
    import subprocess
    import tempfile

    code = (
        "import time; t0 = time.perf_counter(); import sim; t1 = time.perf_counter(); "
        "from toolpath import Program, Tool; from toolpath.moves import ToolpathBuilder; "
        "b = ToolpathBuilder(); b.feed(10.0, 0.0, 0.0, 1000.0)\n"
        "b.arc(10.0, 0.0, 0.0, 5.0, 0.0, cw=True, feed_mm_min=900.0)\n"
        "p = Program.single(Tool.flat(3.0), b.build(), start_xyz=(0.0, 0.0, 0.0), spindle_rpm=0.0)\n"
        "t2 = time.perf_counter(); sim.cycle_time(p, 'grbl-router'); sim.cycle_time(p, 'industrial-vmc'); "
        "print(t1 - t0, time.perf_counter() - t2)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    a, b = out.stdout.split()
    return float(a), float(b)


def main(argv: list[str]) -> None:
    rows = reference_table()
    print("| program | machine | reference s | ours s | ours err % | naive s | naive err % |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['program']} | {r['machine']} | {r['reference_s']:.4f} | {r['ours_s']:.4f} | "
            f"{r['error_pct']:+.2f} | {r['naive_s']:.4f} | {r['naive_error_pct']:+.2f} |"
        )
    bad = [r["program"] for r in rows if not r["within"]]
    print(
        f"\n{len(rows) - len(bad)}/{len(rows)} within tolerance (Grbl 1 %, LinuxCNC 2 %)"
        + (f"; off: {bad}" if bad else "")
    )
    sizes = (10_000, 100_000) if "--quick" in argv else (10_000, 100_000, 1_000_000)
    print("\n| moves | segments | cycle_time ms | moves/s | kernel ms | segments/s (kernel) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    speed = speed_table(sizes)
    for s in speed:
        print(
            f"| {s['moves']} | {s['segments']} | {s['cycle_time_ms']:.1f} | {s['moves_per_s']:.3g} | "
            f"{s['kernel_ms']:.2f} | {s['segments_per_s_kernel']:.3g} |"
        )
    imp, first = cold_start_s()
    print(f"\ncold start, empty Numba cache: import sim {imp:.2f} s, first cycle_time (compiles) {first:.2f} s")


# pytest-benchmark entry points -----------------------------------------------------------------------------------


def test_bench_cycle_time_100k(benchmark):
    prog = zigzag_program(100_000)
    machine = sim.load_machine("grbl-router")
    benchmark.pedantic(sim.cycle_time, args=(prog, machine), warmup_rounds=1, rounds=5)


def test_bench_plan_kernel_1m(benchmark):
    rng = np.random.default_rng(1)
    n = 1_000_000
    length = rng.uniform(0.05, 5.0, n)
    cruise = rng.uniform(10.0, 80.0, n) ** 2
    accel = rng.uniform(50.0, 400.0, n)
    entry = np.minimum(rng.uniform(0.0, 60.0, n) ** 2, np.minimum(cruise, np.r_[0.0, cruise[:-1]]))
    benchmark.pedantic(plan_kernel, args=(length, cruise, accel, entry, 15), warmup_rounds=1, rounds=10)


if __name__ == "__main__":
    main(sys.argv[1:])
