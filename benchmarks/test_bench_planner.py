"""pytest-benchmark suite of the cycle-time planner: 10^5 and 10^6 moves, the planning kernel alone.

Run with ``/work/venv/bin/pytest benchmarks/test_bench_planner.py --benchmark-only``. Each benchmark
warms up (compile or cache load excluded) and checks what it timed: the planned time lies between
the naive length/feed figure and a generous bound, and the peak memory is a fixed buffer plus a
constant number of bytes per move (10^5 against 10^6 moves).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.planner import plan_kernel

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the suite runs with --import-mode=importlib
from bench_planner import peak_memory_bytes, zigzag_program  # noqa: E402

GRBL = sim.load_machine("grbl-router")


@pytest.fixture(scope="module")
def programs():
    return {n: zigzag_program(n) for n in (100_000, 1_000_000)}


@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_bench_cycle_time(benchmark, run_timed, programs, n):
    prog = programs[n]
    ct = run_timed(sim.cycle_time, prog, GRBL, rounds=5)
    benchmark.extra_info["moves_per_s"] = n / benchmark.stats.stats.min
    assert ct.move_time_s.shape == (n,)
    assert ct.naive_time_s < ct.cycle_time_s < 10.0 * ct.naive_time_s


@pytest.mark.parametrize("machine", ["linuxcnc-sim", "industrial-vmc"])
def test_bench_cycle_time_other_controllers_1e5(run_timed, programs, machine):
    ct = run_timed(sim.cycle_time, programs[100_000], machine, rounds=3)
    assert ct.naive_time_s * 0.9 < ct.cycle_time_s


def test_memory_is_linear_in_moves(programs):
    peak = {}
    for n, prog in programs.items():
        sim.cycle_time(prog, GRBL)
        peak[n] = peak_memory_bytes(lambda prog=prog: sim.cycle_time(prog, GRBL))
    # peak = fixed + per_move * n: the planner's buffer (64k segments, ~4 MB) and ~17 B per move (move times,
    # the naive figures, the classes)
    per_move = (peak[1_000_000] - peak[100_000]) / 900_000
    fixed = peak[100_000] - per_move * 100_000
    assert 8 < per_move < 32
    assert fixed < 8e6


def test_bench_plan_kernel_1m(run_timed):
    rng = np.random.default_rng(1)
    n = 1_000_000
    length = rng.uniform(0.05, 5.0, n)
    cruise = rng.uniform(10.0, 80.0, n) ** 2
    accel = rng.uniform(50.0, 400.0, n)
    entry = np.minimum(rng.uniform(0.0, 60.0, n) ** 2, np.minimum(cruise, np.r_[0.0, cruise[:-1]]))
    out = run_timed(plan_kernel, length, cruise, accel, entry, 15, rounds=10)
    assert out.shape == (n, 6) and np.all(out[:, 1] <= np.sqrt(cruise) + 1e-9)
