"""A parameter sweep on dask: two parts x every available strategy x two tools x two stepovers.

The second part is built here with cadquery (a plate with a slot and a pocket). Jobs run on a dask
LocalCluster of two worker processes; ``sweep(jobs, scheduler="tcp://host:8786")`` runs them on a
cluster you already have. A failed job is a row with its error: here the 16 mm tool fits neither
pocket of the plate.

Run: ``python examples/sweep_parts.py [OUT_DIR]`` (default: a new temporary folder); writes
``sweep.csv`` and ``plate.step`` into OUT_DIR. The same from the command line::

    toolpath sweep examples/bracket.step OUT_DIR/plate.step --strategies offset --tools 6,16 \
        --stepovers 40%,60% --csv OUT_DIR/sweep.csv
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sim.batch import sweep, sweep_jobs, write_csv
from toolpath.job import STRATEGIES


def make_plate(path: Path) -> Path:
    """A 60 x 40 x 12 mm plate with a 40 x 8 slot and a 30 x 12 pocket, both 5 mm deep."""
    import cadquery as cq

    plate = cq.Workplane("XY").box(60, 40, 12, centered=False)
    plate = plate.cut(cq.Workplane("XY").workplane(offset=7).center(30, 10).slot2D(40, 8).extrude(6))
    plate = plate.cut(cq.Workplane("XY").workplane(offset=7).center(30, 28).rect(30, 12).extrude(6))
    cq.exporters.export(plate, str(path))
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="toolpath-example-"))
    out.mkdir(parents=True, exist_ok=True)
    parts = [Path(__file__).with_name("bracket.step"), make_plate(out / "plate.step")]
    strategies = [name for name, impl in STRATEGIES.items() if impl]  # the ones built in this version
    jobs = sweep_jobs(parts, strategies=strategies, tools_mm=[6.0, 16.0], stepovers=["40%", "60%"], stepdown_mm=3.0)
    rows = sweep(jobs, workers=2)  # a progress bar on stderr while it runs
    write_csv(rows, out / "sweep.csv")
    for r in rows:
        what = f"{Path(r['part']).name:<13}{r['strategy']:<9} D{r['tool_mm']:<4g} {r['stepover']:>4}"
        print(f"{what}  " + (f"error: {r['error']}" if r["error"] else
                             f"{r['cycle_time_s']:8.1f} s {r['path_length_mm']:8.0f} mm  on {r['worker']}"))
    print(f"{len(rows)} rows -> {out / 'sweep.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
