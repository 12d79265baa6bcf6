"""Sweep throughput: the same jobs run in this process, one after the other, and on dask LocalClusters.

Jobs: ``examples/bracket.step`` x offset x tools x stepovers (``--quick``: 2 tools x 2 stepovers; default
3 x 3). Timed: a serial loop of :func:`sim.batch.run_job` in this process (after one warm-up job, so
imports and Numba compile are excluded), and :func:`sim.batch.sweep` on a fresh LocalCluster of 1
and 2 worker processes, wall time including the cluster's start (each worker imports cadquery and loads
the Numba cache). Rows must be the same figures whichever way they ran; the script checks it.

Run: ``/work/venv/bin/python benchmarks/bench_sweep.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sim.batch import run_job, sweep, sweep_jobs

PART = Path(__file__).resolve().parents[1] / "examples" / "bracket.step"
KEYS = ("moves", "path_length_mm", "cycle_time_s")


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    tools = [6.0, 10.0] if quick else [6.0, 8.0, 10.0]
    steps = ["40%", "60%"] if quick else ["30%", "45%", "60%"]
    jobs = sweep_jobs([PART], strategies=["offset"], tools_mm=tools, stepovers=steps)
    run_job(jobs[0])  # warm-up: imports and compile
    t0 = time.perf_counter()
    serial = [run_job(j) for j in jobs]
    t_serial = time.perf_counter() - t0
    print(f"{len(jobs)} jobs: bracket.step x offset x tools {tools} x stepovers {steps}")
    print()
    print("| how | wall s | jobs/s | same figures as serial |")
    print("| --- | ---: | ---: | --- |")
    print(f"| serial, this process (warm) | {t_serial:.1f} | {len(jobs) / t_serial:.2f} | - |")
    for n in (1, 2):
        t0 = time.perf_counter()
        rows = sweep(jobs, workers=n, progress=False)
        wall = time.perf_counter() - t0
        same = all(r[k] == s[k] for r, s in zip(rows, serial, strict=True) for k in KEYS)
        errors = sum(1 for r in rows if r["error"])
        print(f"| LocalCluster, {n} worker process{'es' if n > 1 else ''} (incl. start) | {wall:.1f} | "
              f"{len(jobs) / wall:.2f} | {'yes' if same and not errors else f'NO ({errors} errors)'} |")
    job_s = [r["job_time_s"] for r in serial]
    print()
    print(f"serial job time: min {min(job_s):.2f} s, max {max(job_s):.2f} s (slicing the STEP part dominates)")


if __name__ == "__main__":
    main(sys.argv[1:])
