"""Parameter sweeps, the data: every part x strategy x tool x stepover as a :class:`SweepJob`, and the
rows (plain dicts keyed by :data:`COLUMNS`) as CSV.

Running a sweep mills each part, plans its cycle time and may simulate it, so it needs :mod:`sim`:
that is :mod:`sim.batch` (``run_job``, and ``sweep`` on dask.distributed), since ``toolpath`` imports
neither ``gcode`` nor ``sim`` (DESIGN.md, layers). A job that fails gives a row with its ``error``
filled in and the figures left empty, never a lost sweep.

>>> from toolpath.sweep import sweep_jobs
>>> [j.strategy for j in sweep_jobs(["a.step"], strategies=["offset", "zigzag"], tools_mm=[6.0])]
['offset', 'zigzag']

Units: mm, mm/min, s, mm², mm³ (in the column names).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["COLUMNS", "SweepJob", "sweep_jobs", "rows_to_csv", "write_csv"]

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

