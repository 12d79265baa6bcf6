"""Cycle-time planner: accuracy against the controllers' own planners, and speed.

Run as a script to print two tables::

    python benchmarks/bench_planner.py            # reference programs + speed sweep up to 10^6 moves
    python benchmarks/bench_planner.py --quick    # sweep up to 10^5 moves

and under pytest-benchmark in ``benchmarks/test_bench_planner.py``.
"""

from __future__ import annotations

import csv
import os
import sys
import time
import tracemalloc
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


def _best(fn, rounds: int) -> tuple[float, float, float]:
    """(first wall s, best wall s, best CPU s) of ``rounds`` calls."""
    walls, cpus = [], []
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls[0], min(walls), min(cpus)


def peak_memory_bytes(fn) -> int:
    """Peak of the memory allocated through NumPy while ``fn()`` runs, bytes (tracemalloc).

    Every array that grows with the program is allocated by NumPy (the kernels write
    into preallocated arrays); the planner's fixed buffer (``CHUNK`` segments, about
    0.9 MB) is Numba's and not counted.
    """
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def speed_table(sizes: tuple[int, ...], *, rounds: int = 3) -> list[dict[str, float]]:
    """Moves per second and peak memory of cycle_time (and of the planning kernel alone), after compile."""
    machine = sim.load_machine("grbl-router")
    warm = zigzag_program(100)
    t0 = time.perf_counter()
    sim.cycle_time(warm, machine)
    first_call_s = time.perf_counter() - t0
    out = []
    for n in sizes:
        prog = zigzag_program(n)
        first, wall, cpu = _best(lambda prog=prog: sim.cycle_time(prog, machine), rounds)
        ct = sim.cycle_time(prog, machine)
        peak = peak_memory_bytes(lambda prog=prog: sim.cycle_time(prog, machine))
        peak_profile = peak_memory_bytes(lambda prog=prog: sim.cycle_time(prog, machine).profile)
        segs = segments(prog.operations[0].toolpath, machine, start_xyz=prog.start_xyz)
        _, kernel, _ = _best(
            lambda segs=segs: plan_kernel(
                segs.length_mm, segs.cruise_v2, segs.accel_mm_s2, segs.entry_v2, machine.lookahead_blocks
            ),
            rounds,
        )
        out.append(
            {
                "moves": n,
                "segments": len(segs),
                "first_ms": 1e3 * first,
                "cycle_time_ms": 1e3 * wall,
                "cpu_ms": 1e3 * cpu,
                "moves_per_s": n / wall,
                "moves_per_cpu_s": n / cpu,
                "peak_mb": peak / 1e6,
                "bytes_per_move": peak / n,
                "peak_profile_mb": peak_profile / 1e6,
                "kernel_ms": 1e3 * kernel,
                "segments_per_s_kernel": len(segs) / kernel,
                "planned_s": ct.cycle_time_s,
                "first_call_s": first_call_s,
            }
        )
    return out


def cold_start_s() -> tuple[float, float]:
    """(import sim, first cycle_time) in a fresh process with an empty Numba cache: compile time a new user waits."""
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
    print("\n| moves | segments | cycle_time ms (first, best) | CPU ms | moves/s | moves/CPU s | peak MB | bytes/move "
          "| peak MB with profile | plan kernel ms | segments/s (kernel) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in speed_table(sizes):
        print(
            f"| {s['moves']} | {s['segments']} | {s['first_ms']:.1f}, {s['cycle_time_ms']:.1f} | {s['cpu_ms']:.1f} | "
            f"{s['moves_per_s']:.3g} | {s['moves_per_cpu_s']:.3g} | {s['peak_mb']:.1f} | {s['bytes_per_move']:.1f} | "
            f"{s['peak_profile_mb']:.1f} | {s['kernel_ms']:.2f} | {s['segments_per_s_kernel']:.3g} |"
        )
    print("(peak MB: NumPy allocations during cycle_time, tracemalloc; 'with profile' also builds the per-segment "
          "profile; load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ")")
    imp, first = cold_start_s()
    print(f"\ncold start, empty Numba cache: import sim {imp:.2f} s, first cycle_time (compiles) {first:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
