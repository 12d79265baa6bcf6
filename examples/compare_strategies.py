"""Adaptive vs offset (vs zigzag) on the same part: path length, air time, planned cycle time.

Every strategy registered in ``toolpath.job.STRATEGIES`` is tried; one that is not built yet is skipped
with a note. Run: ``python examples/compare_strategies.py [OUT_DIR]`` (default: a new temporary folder).
Writes ``compare.csv`` (one row per strategy) and ``bracket_<strategy>.nc`` into OUT_DIR.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

import gcode
import sim
from toolpath import InputError, Tool
from toolpath.job import STRATEGIES, mill

PART = Path(__file__).with_name("bracket.step")
WANTED = ("adaptive", "offset", "zigzag")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="toolpath-example-"))
    out.mkdir(parents=True, exist_ok=True)
    machine = sim.load_machine("linuxcnc-sim")
    tool = Tool.flat(6.0)

    rows = []
    for name in WANTED:
        if name not in STRATEGIES:
            print(f"{name}: not a strategy of this version, skipped")
            continue
        try:
            res = mill(PART, tool, strategy=name, stepover="40%", stepdown_mm=3.0, feed_mm_min=1200.0)
        except InputError as exc:  # e.g. "strategy 'adaptive' is not available yet"
            print(f"{name}: skipped ({exc})")
            continue
        ct = sim.cycle_time(res.program, machine)
        fig = res.to_json()
        gcode.write_file(res.program, out / f"bracket_{name}.nc", "linuxcnc")
        rows.append({
            "strategy": name,
            "moves": fig["moves"],
            "path_length_mm": fig["path_length_mm"],
            "cutting_length_mm": fig["cutting_length_mm"],
            "rapid_length_mm": fig["rapid_length_mm"],
            "cycle_time_s": round(ct.cycle_time_s, 3),
            "naive_time_s": round(ct.naive_time_s, 3),
            "generation_time_s": fig["generation_time_s"],
        })

    with open(out / "compare.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"{'strategy':<10}{'moves':>8}{'path mm':>10}{'air mm':>9}{'cycle s':>9}{'naive s':>9}")
    for r in rows:
        print(f"{r['strategy']:<10}{r['moves']:>8}{r['path_length_mm']:>10.0f}{r['rapid_length_mm']:>9.0f}"
              f"{r['cycle_time_s']:>9.1f}{r['naive_time_s']:>9.1f}")
    best = min(rows, key=lambda r: r["cycle_time_s"])
    print(f"fastest: {best['strategy']} ({best['cycle_time_s']:.1f} s) -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
