"""STEP to G-code: mill the bundled bracket with a 6 mm end mill and write LinuxCNC and Grbl programs.

Run: ``python examples/step_to_gcode.py [OUT_DIR]`` (default: a new temporary folder). Writes
``bracket_linuxcnc.nc``, ``bracket_grbl.nc`` and ``bracket.json`` (the figures) into OUT_DIR.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import gcode
import sim
from toolpath import Tool
from toolpath.job import mill

PART = Path(__file__).with_name("bracket.step")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="toolpath-example-"))
    out.mkdir(parents=True, exist_ok=True)

    tool = Tool.flat(6.0, flutes=3, flute_length_mm=18.0)
    res = mill(PART, tool, strategy="offset", stepover="40%", stepdown_mm=3.0, feed_mm_min=1200.0)
    report = res.to_json()
    for dialect, machine in (("linuxcnc", "linuxcnc-sim"), ("grbl", "grbl-router")):
        path = out / f"bracket_{dialect}.nc"
        gcode.write_file(res.program, path, dialect)  # atomic: a temporary file renamed over the target
        ct = sim.cycle_time(res.program, sim.load_machine(machine))
        report[f"cycle_time_{dialect}_s"] = ct.cycle_time_s
        print(f"{path.name}: {ct.cycle_time_s:.1f} s on {machine} ({ct.naive_time_s:.1f} s length/feed)")
    (out / "bracket.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{report['pockets']} pockets at levels {report['levels_mm']} mm, {report['moves']} moves, "
          f"{report['path_length_mm']:.0f} mm of path -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
