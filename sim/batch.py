"""Parameter sweeps run: each :class:`~toolpath.sweep.SweepJob` milled, planned and (optionally) checked,
one after another here (:func:`run_job`) or all at once on dask.distributed (:func:`sweep`).

The jobs and the CSV of the rows are data of :mod:`toolpath.sweep` (re-exported here, so one import
serves a script); running them measures programs, which is this package's work, as for
:func:`sim.compare.compare`.

>>> from sim.batch import sweep_jobs
>>> [j.strategy for j in sweep_jobs(["a.step"], strategies=["offset", "zigzag"], tools_mm=[6.0])]
['offset', 'zigzag']

Jobs run on a ``distributed.LocalCluster`` by default, or on an existing scheduler when an address is
given (its workers must see the part files under the same paths, and have ``toolpath`` installed).

Units: mm, mm/min, s, mm², mm³ (in the column names).
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from toolpath.errors import CamError, InputError
from toolpath.sweep import COLUMNS, SweepJob, rows_to_csv, sweep_jobs, write_csv

from .check import check
from .cycle_time import cycle_time
from .machine import load_machine

__all__ = ["COLUMNS", "SweepJob", "sweep_jobs", "run_job", "sweep", "rows_to_csv", "write_csv"]


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # not on a dask worker
        return ""


def run_job(job: SweepJob) -> dict[str, Any]:
    """Run one job here and now; never raises for a failing job.

    Returns
    -------
    dict
        One row, keys :data:`COLUMNS`; figures are None when the job failed, and ``error`` holds
        ``"ErrorType: message"`` (empty on success).
    """
    from toolpath.job import mill, parse_stepover
    from toolpath.tool import Tool

    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(part=job.part, strategy=job.strategy, tool_mm=job.tool_mm, stepover=job.stepover,
               stepdown_mm=job.stepdown_mm, worker=_worker_name(), error="")
    t0 = time.perf_counter()
    try:
        tool = Tool.flat(job.tool_mm)
        row["stepover_mm"] = round(parse_stepover(job.stepover, tool), 6)
        machine = load_machine(job.machine)
        res = mill(job.part, tool, strategy=job.strategy, stepover=job.stepover, stepdown_mm=job.stepdown_mm,
                   setup=job.setup, feed_mm_min=job.feed_mm_min, plunge_feed_mm_min=job.plunge_feed_mm_min,
                   **({"depth_mm": job.depth_mm} if job.depth_mm is not None else {}))
        fig = res.to_json()
        for k in ("path_length_mm", "cutting_length_mm", "rapid_length_mm", "moves", "pockets",
                  "generation_time_s"):
            row[k] = fig[k]
        row["unreachable"] = len(fig["unreachable"])
        if row["stepdown_mm"] is None:
            row["stepdown_mm"] = min(tool.diameter_mm / 2.0, float(tool.flute_length_mm or 0.0))
        ct = cycle_time(res.program, machine)
        row["cycle_time_s"] = round(float(ct.cycle_time_s), 4)
        row["naive_time_s"] = round(float(ct.naive_time_s), 4)
        if job.check:
            chk = check(res.program, job.part, tool, stock=res.stock)
            row["gouge_count"] = int(chk.gouge_count)
            row["uncut_area_mm2"] = round(float(chk.uncut_area_mm2), 4)
            row["removed_volume_mm3"] = round(float(chk.removed_volume_mm3), 4)
    except (CamError, OSError) as exc:
        row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    except Exception as exc:  # noqa: BLE001 - an internal failure is still one row, not a lost sweep
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        row["error"] = f"internal {type(exc).__name__}: {exc}{where}"
    row["job_time_s"] = round(time.perf_counter() - t0, 4)
    return row


def _failed_row(job: SweepJob, exc: BaseException) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(part=job.part, strategy=job.strategy, tool_mm=job.tool_mm, stepover=job.stepover,
               stepdown_mm=job.stepdown_mm, error=f"dask {type(exc).__name__}: {exc}")
    return row


def sweep(
    jobs: Sequence[SweepJob],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
    progress: bool | Callable[[int, int], None] = True,
    client: Any = None,
) -> list[dict[str, Any]]:
    """Run ``jobs`` on dask.distributed and return one row per job, in job order.

    Parameters
    ----------
    jobs : sequence of SweepJob
        See :func:`sweep_jobs`.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); default a new LocalCluster.
    workers : int, optional
        Workers of the LocalCluster (default ``min(2, cpu count)``), one thread each.
    processes : bool
        LocalCluster workers are processes (True: true parallelism) or threads of this process.
    progress : bool or callable
        True: a tqdm bar on stderr; a callable gets ``(done, total)`` after each job; False: silent.
    client : distributed.Client, optional
        Use this client (and leave it open) instead of making one.

    Notes
    -----
    LocalCluster worker processes are started with ``spawn``: a script that calls ``sweep`` must do so
    under ``if __name__ == "__main__":``. Part files are read by the workers, so with a remote scheduler
    they must be on a file system the workers share, under the same absolute paths.

    Returns
    -------
    list of dict
        Rows keyed by :data:`COLUMNS`.
    """
    jobs = list(jobs)
    for j in jobs:
        if not isinstance(j, SweepJob):
            raise InputError(f"sweep takes SweepJob items, got {type(j).__name__}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be an integer >= 1, got {workers!r}")
    if not jobs:
        return []
    from distributed import Client, LocalCluster, as_completed

    own: list[Any] = []
    try:
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="10s")
                except (OSError, TimeoutError) as exc:
                    raise InputError(f"cannot reach the dask scheduler at {scheduler!r}: {exc}") from None
            else:
                n = workers or max(1, min(2, os.cpu_count() or 1))
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                own.append(cluster)
                client = Client(cluster)
            own.insert(0, client)
        futures = [client.submit(run_job, j, pure=False, key=f"toolpath-job-{i}-{os.getpid()}-{time.time_ns()}")
                   for i, j in enumerate(jobs)]
        index = {f.key: i for i, f in enumerate(futures)}
        rows: list[dict[str, Any] | None] = [None] * len(jobs)
        bar = None
        if progress is True:
            from tqdm import tqdm

            bar = tqdm(total=len(jobs), unit="job", desc="sweep", leave=True)
        done = 0
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                rows[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or unpicklable result: one failed row
                rows[i] = _failed_row(jobs[i], exc)
            done += 1
            if bar is not None:
                bar.update(1)
                r = rows[i]
                if r is not None:
                    bar.set_postfix_str(f"{Path(r['part']).name} {r['strategy']} D{r['tool_mm']:g}"
                                        + (" FAILED" if r["error"] else ""), refresh=False)
            elif callable(progress):
                progress(done, len(jobs))
        if bar is not None:
            bar.close()
        return [r if r is not None else _failed_row(jobs[i], RuntimeError("no result")) for i, r in enumerate(rows)]
    finally:
        for obj in own:
            try:
                obj.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
