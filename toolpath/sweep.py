"""Parameter sweeps: every part x strategy x tool x stepover, run on dask.distributed.

A sweep is a list of :class:`SweepJob`; each job mills one part with one strategy, tool and stepover,
plans its cycle time and (optionally) checks it by simulation, and gives one row (a plain dict whose
keys are :data:`COLUMNS`). A job that fails gives a row with its ``error`` filled in and the figures
left empty, never a lost sweep.

Jobs run on a ``distributed.LocalCluster`` by default, or on an existing scheduler when an address is
given (its workers must see the part files under the same paths, and have ``toolpath`` installed).

>>> from toolpath.sweep import sweep_jobs
>>> [j.strategy for j in sweep_jobs(["a.step"], strategies=["offset", "zigzag"], tools_mm=[6.0])]
['offset', 'zigzag']

Units: mm, mm/min, s, mm², mm³ (in the column names).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CamError, InputError

__all__ = ["COLUMNS", "SweepJob", "sweep_jobs", "run_job", "sweep", "rows_to_csv", "write_csv"]

#: Columns of a sweep row, in CSV order.
COLUMNS: tuple[str, ...] = (
    "part",
    "strategy",
    "tool_mm",
    "stepover",
    "stepover_mm",
    "stepdown_mm",
    "cycle_time_s",
    "naive_time_s",
    "path_length_mm",
    "cutting_length_mm",
    "rapid_length_mm",
    "moves",
    "pockets",
    "unreachable",
    "generation_time_s",
    "job_time_s",
    "gouge_count",
    "uncut_area_mm2",
    "removed_volume_mm3",
    "worker",
    "error",
)


@dataclass(frozen=True)
class SweepJob:
    """One cell of a sweep.

    Parameters
    ----------
    part : str
        STEP file (absolute path, so a worker in another folder finds it).
    strategy : str
        Clearing strategy name (see ``toolpath.job.STRATEGIES``).
    tool_mm : float
        Flat end mill diameter, mm.
    stepover : str
        Radial step, ``"1.5"`` (mm) or ``"40%"`` (of the tool diameter).
    stepdown_mm : float or None
        Largest axial step, mm; None for the default of :func:`toolpath.job.mill`.
    feed_mm_min, plunge_feed_mm_min : float
        Cutting and plunge feeds, mm/min.
    machine : str
        Machine profile name or TOML file for the cycle time.
    check : bool
        Also simulate the program against the part (gouges, uncut area, removed volume); costs seconds.
    setup : str
        Side the tool comes from.
    depth_mm : float or None
        Cut depth of a 2D drawing part (DXF/SVG), mm.
    """

    part: str
    strategy: str
    tool_mm: float
    stepover: str = "40%"
    stepdown_mm: float | None = None
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    machine: str = "linuxcnc-sim"
    check: bool = False
    setup: str = "+Z"
    depth_mm: float | None = None


def _as_list(name: str, values: Iterable[Any] | str) -> list[Any]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    out = [v.strip() if isinstance(v, str) else v for v in values]
    if not out:
        raise InputError(f"{name} must list at least one value")
    return out


def sweep_jobs(
    parts: Sequence[str | os.PathLike[str]],
    *,
    strategies: Iterable[str] | str = ("offset",),
    tools_mm: Iterable[float | str] | str = (6.0,),
    stepovers: Iterable[str | float] | str = ("40%",),
    stepdown_mm: float | None = None,
    feed_mm_min: float = 1000.0,
    plunge_feed_mm_min: float = 300.0,
    machine: str = "linuxcnc-sim",
    check: bool = False,
    setup: str = "+Z",
    depth_mm: float | None = None,
) -> list[SweepJob]:
    """The jobs of a sweep: part x strategy x tool x stepover, in that nesting order.

    Parameters
    ----------
    parts : sequence of path
        STEP files, or DXF/SVG drawings with ``depth_mm``. Paths are made absolute; a missing file fails
        its own jobs only.
    strategies : iterable of str, or a comma-separated str
    tools_mm : iterable of float, or a comma-separated str
        Flat end mill diameters, mm, each > 0.
    stepovers : iterable of str/float, or a comma-separated str
        ``"40%"`` or mm; checked per job (a stepover larger than the tool fails that job only).

    Returns
    -------
    list of SweepJob
    """
    part_list = [str(Path(p).absolute()) for p in _as_list("parts", [os.fspath(p) for p in parts])]
    strats = [str(s).lower() for s in _as_list("strategies", strategies)]
    tools: list[float] = []
    for t in _as_list("tools", tools_mm):
        try:
            d = float(str(t).lower().removeprefix("d").removesuffix("mm"))
        except ValueError:
            raise InputError(f"tool diameters must be numbers in mm, got {t!r}") from None
        if not d > 0:
            raise InputError(f"tool diameters must be > 0 mm, got {t!r}")
        tools.append(d)
    steps = [str(s) for s in _as_list("stepovers", stepovers)]
    return [
        SweepJob(p, s, d, st, stepdown_mm, feed_mm_min, plunge_feed_mm_min, machine, check, setup, depth_mm)
        for p in part_list
        for s in strats
        for d in tools
        for st in steps
    ]


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
    import sim

    from .job import mill, parse_stepover
    from .tool import Tool

    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(part=job.part, strategy=job.strategy, tool_mm=job.tool_mm, stepover=job.stepover,
               stepdown_mm=job.stepdown_mm, worker=_worker_name(), error="")
    t0 = time.perf_counter()
    try:
        tool = Tool.flat(job.tool_mm)
        row["stepover_mm"] = round(parse_stepover(job.stepover, tool), 6)
        machine = sim.load_machine(job.machine)
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
        ct = sim.cycle_time(res.program, machine)
        row["cycle_time_s"] = round(float(ct.cycle_time_s), 4)
        row["naive_time_s"] = round(float(ct.naive_time_s), 4)
        if job.check:
            from sim.check import check

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


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV text, header :data:`COLUMNS`; None is written as an empty field."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS})
    return buf.getvalue()


def write_csv(rows: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write rows to ``path`` as CSV, atomically (a temporary file renamed over it)."""
    from .atomic import atomic_write_text

    return atomic_write_text(path, rows_to_csv(rows))

