"""FreeCAD's Adaptive2d (libarea, C++) run on pocket polygons, for side-by-side benchmarks.

Two halves in one file, standard library only:

- run as a script by the *system* ``/usr/bin/python3`` (Debian ``freecad-python3`` puts the module
  ``area`` in ``/usr/lib/freecad/lib``), it reads jobs as JSON (a file argument, or stdin), runs
  ``area.Adaptive2d().Execute(stock_paths, paths, progress)`` on each and writes the results as JSON to
  stdout; only ``Execute`` is timed (``wall_s``);
- imported from the project's virtualenv, :func:`run_freecad` starts that subprocess and returns the
  parsed results, or None when FreeCAD is not installed (the caller then falls back to recorded figures).

Job (JSON object): ``name``; ``rings`` (list of rings, each a list of ``[x, y]`` in mm: the outer boundary
then the islands); ``tool_mm``; ``stepover_fraction`` (of the tool diameter); ``tolerance_mm``;
optional ``stock`` (rings; default the pocket's bounding box grown by one tool diameter),
``helix_diameter_mm`` (default the tool diameter), ``keep_tool_down_ratio`` (default 3, FreeCAD's
default), ``stock_to_leave_mm`` (0), ``finishing_profile`` (true), ``force_inside_out`` (true),
``repeat`` (1: how many times ``Execute`` runs; ``wall_s`` is the shortest, ``walls_s`` lists them all,
``cpus_s`` the process CPU time of each).

Result (one per job): ``name``, ``wall_s``, ``walls_s``, ``cpus_s``, ``regions``: a list of ``{"helix_center": [x, y],
"start": [x, y], "return_motion": int, "paths": [[motion, [[x, y], ...]], ...]}``; ``motion`` is
Adaptive2d's motion type: 0 cutting, 1 link clear (stay down), 2 link not clear (retract), 3 link clear
at the previous pass depth. On failure: ``error`` (a message) instead of ``regions``.

Run: ``/usr/bin/python3 benchmarks/freecad_adaptive.py jobs.json > out.json`` (or jobs on stdin).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

__all__ = ["FREECAD_LIB", "SYSTEM_PYTHON", "CUTTING", "LINK_CLEAR", "LINK_NOT_CLEAR", "LINK_CLEAR_AT_PREV_PASS",
           "freecad_available", "run_freecad", "run_jobs"]

FREECAD_LIB = "/usr/lib/freecad/lib"
SYSTEM_PYTHON = "/usr/bin/python3"
#: Adaptive2d's motion types (``area.AdaptiveMotionType``).
CUTTING, LINK_CLEAR, LINK_NOT_CLEAR, LINK_CLEAR_AT_PREV_PASS = 0, 1, 2, 3


def _bbox_stock(rings: list[list[list[float]]], grow_mm: float) -> list[list[tuple[float, float]]]:
    xs = [p[0] for p in rings[0]]
    ys = [p[1] for p in rings[0]]
    x0, y0, x1, y1 = min(xs) - grow_mm, min(ys) - grow_mm, max(xs) + grow_mm, max(ys) + grow_mm
    return [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]


def run_jobs(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run Adaptive2d on each job in this process (needs FreeCAD's ``area`` module importable)."""
    if FREECAD_LIB not in sys.path:
        sys.path.append(FREECAD_LIB)
    import importlib

    importlib.import_module("FreeCAD")  # first: loads the libraries ``area`` links against
    area = importlib.import_module("area")

    out = []
    for job in jobs:
        d = float(job["tool_mm"])
        rings = [[(float(x), float(y)) for x, y in ring] for ring in job["rings"]]
        stock = job.get("stock")
        stock_rings = ([[(float(x), float(y)) for x, y in ring] for ring in stock] if stock
                       else _bbox_stock(job["rings"], d))
        def make(job: dict[str, Any] = job, d: float = d) -> Any:
            a2d = area.Adaptive2d()
            a2d.toolDiameter = d
            a2d.stepOverFactor = float(job["stepover_fraction"])
            a2d.tolerance = float(job["tolerance_mm"])
            a2d.helixRampDiameter = float(job.get("helix_diameter_mm", d))
            a2d.keepToolDownDistRatio = float(job.get("keep_tool_down_ratio", 3.0))
            a2d.stockToLeave = float(job.get("stock_to_leave_mm", 0.0))
            a2d.finishingProfile = bool(job.get("finishing_profile", True))
            a2d.forceInsideOut = bool(job.get("force_inside_out", True))
            a2d.opType = area.AdaptiveOperationType.ClearingInside
            return a2d

        walls: list[float] = []
        cpus: list[float] = []
        try:
            for _ in range(max(1, int(job.get("repeat", 1)))):
                a2d = make()  # a fresh one per run (only Execute timed)
                t0, c0 = time.perf_counter(), time.process_time()
                res = a2d.Execute(stock_rings, rings, lambda _paths: False)  # False: keep going
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
        except Exception as exc:  # noqa: BLE001  (reported to the caller, not raised across the process)
            out.append({"name": job.get("name", ""), "error": f"{type(exc).__name__}: {exc}"})
            continue
        wall = min(walls)
        regions = []
        for r in res:
            regions.append({
                "helix_center": list(r.HelixCenterPoint),
                "start": list(r.StartPoint),
                "return_motion": int(r.ReturnMotionType),
                "paths": [[int(mt), [list(p) for p in pts]] for mt, pts in r.AdaptivePaths],
            })
        out.append({"name": job.get("name", ""), "wall_s": wall, "walls_s": walls, "cpus_s": cpus,
                    "regions": regions})
    return out


def freecad_available() -> bool:
    """True when the system python can import FreeCAD's ``area`` module."""
    if not os.path.exists(SYSTEM_PYTHON) or not os.path.isdir(FREECAD_LIB):
        return False
    code = f"import sys; sys.path.append({FREECAD_LIB!r}); import FreeCAD, area; area.Adaptive2d()"
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", code], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def run_freecad(jobs: list[dict[str, Any]], *, timeout_s: float = 1800.0) -> list[dict[str, Any]] | None:
    """Run the jobs through FreeCAD's Adaptive2d in a system-python subprocess; None when FreeCAD is missing.

    Raises RuntimeError when the subprocess fails for another reason (its stderr in the message).
    """
    if not freecad_available():
        return None
    proc = subprocess.run([SYSTEM_PYTHON, os.path.abspath(__file__)], input=json.dumps(jobs), text=True,
                          capture_output=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"FreeCAD runner failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def _main(argv: list[str]) -> int:
    text = open(argv[1]).read() if len(argv) > 1 and argv[1] != "-" else sys.stdin.read()
    jobs = json.loads(text)
    if isinstance(jobs, dict):
        jobs = [jobs]
    try:
        results = run_jobs(jobs)
    except ImportError as exc:
        print(f"FreeCAD's area module not importable ({exc}); install Debian's freecad-python3", file=sys.stderr)
        return 3
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
