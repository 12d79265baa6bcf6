"""pytest-benchmark: one sweep job (``sim.batch.run_job``: slice, mill, plan) on ``examples/bracket.step``.

The dask side (LocalClusters of 1 and 2 worker processes against a serial loop) is in ``bench_sweep.py``'s
table; starting clusters is too slow to repeat here. Property: the row has no error and holds the figures
of the same job run directly through ``toolpath.job.mill`` and ``sim.cycle_time``.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_sweep.py --benchmark-only``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.batch import run_job, sweep_jobs
from toolpath import Tool
from toolpath.job import mill

PART = Path(__file__).resolve().parents[1] / "examples" / "bracket.step"


@pytest.mark.parametrize("strategy", ["offset", "zigzag"])
def test_run_job_bracket(run_timed, strategy: str) -> None:
    (job,) = sweep_jobs([PART], strategies=[strategy], tools_mm=[6.0], stepovers=["40%"])
    row = run_timed(run_job, job, rounds=3)
    assert row["error"] == ""
    res = mill(PART, Tool.flat(6.0), strategy=strategy, stepover="40%")
    ct = sim.cycle_time(res.program, sim.load_machine(job.machine))
    assert row["moves"] == res.program.moves()
    assert row["pockets"] == len(res.pockets)
    assert row["path_length_mm"] == pytest.approx(res.program.length_mm(), abs=1e-3)
    assert row["cycle_time_s"] == pytest.approx(ct.cycle_time_s, abs=1e-3)
