"""DXF to G-code: a pocket with an island (layer POCKET, 3 mm deep, 6 mm end mill) and an engraved frame
and ring (layer ENGRAVE, 0.4 mm deep, 1 mm end mill) in one program with a tool change.

The drawing is made here with ezdxf, the way a CAD program would export it (closed LWPOLYLINEs and
CIRCLEs; a loop inside a loop is an island). Each layer is read into shapely polygons
(``toolpath.geometry.dxf.read_dxf``), and ``mill`` clears them ``depth_mm`` deep from z = 0.

Run: ``python examples/dxf_engrave_pocket.py [OUT_DIR]`` (default: a new temporary folder); writes
``plate.dxf``, ``plate.nc`` (LinuxCNC) and ``plate.json`` into OUT_DIR.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import ezdxf

import gcode
import sim
from toolpath import Operation, Program, Stock, Tool
from toolpath.geometry.dxf import read_dxf
from toolpath.job import mill


def make_drawing(path: Path) -> Path:
    """A 100 x 70 mm plate: a 50 x 30 pocket (two corners R5) with a round island, a 1.2 mm wide frame, a ring."""
    doc = ezdxf.new("R2010", units=4)  # units: mm
    msp = doc.modelspace()
    # pocket with two rounded corners (bulge 0.4142: a quarter circle, counter-clockwise) and an island
    msp.add_lwpolyline([(20, 20, 0), (65, 20, 0.4142), (70, 25, 0), (70, 45, 0.4142), (65, 50, 0), (20, 50, 0)],
                       format="xyb", close=True, dxfattribs={"layer": "POCKET"})
    msp.add_circle((35, 35), 6.0, dxfattribs={"layer": "POCKET"})
    # engraving: a frame 1.2 mm wide around everything, and a ring 1.2 mm wide
    msp.add_lwpolyline([(5, 5), (95, 5), (95, 65), (5, 65)], close=True, dxfattribs={"layer": "ENGRAVE"})
    msp.add_lwpolyline([(6.2, 6.2), (93.8, 6.2), (93.8, 63.8), (6.2, 63.8)], close=True,
                       dxfattribs={"layer": "ENGRAVE"})
    msp.add_circle((84, 35), 6.0, dxfattribs={"layer": "ENGRAVE"})
    msp.add_circle((84, 35), 4.8, dxfattribs={"layer": "ENGRAVE"})
    doc.saveas(path)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="toolpath-example-"))
    out.mkdir(parents=True, exist_ok=True)
    dxf = make_drawing(out / "plate.dxf")
    stock = Stock.box(0, 0, -10, 100, 70, 0)  # the plate: top at z = 0

    pocket = mill(read_dxf(dxf, layers="POCKET"), Tool.flat(6.0, number=1), stepover="40%", stepdown_mm=1.5,
                  depth_mm=3.0, stock=stock, feed_mm_min=1200.0)
    engrave = mill(read_dxf(dxf, layers="ENGRAVE"), Tool.flat(1.0, number=2), stepover="40%", depth_mm=0.4,
                   stock=stock, feed_mm_min=400.0, plunge_feed_mm_min=100.0, spindle_rpm=24000.0)
    ops = tuple(Operation(r.program.operations[0].tool, r.program.operations[0].toolpath,
                          spindle_rpm=r.program.operations[0].spindle_rpm, name=name)
                for r, name in ((pocket, "pocket D6 3 mm"), (engrave, "engrave D1 0.4 mm")))
    program = Program(ops, name="plate", clearance_z_mm=pocket.program.clearance_z_mm,
                      start_xyz=pocket.program.start_xyz)
    gcode.write_file(program, out / "plate.nc", "linuxcnc")
    ct = sim.cycle_time(program, sim.load_machine("linuxcnc-sim"))
    report = {"pocket": pocket.to_json(), "engrave": engrave.to_json(), **ct.to_json()}
    (out / "plate.json").write_text(json.dumps(report, indent=2) + "\n")
    for name, r in (("pocket", pocket), ("engrave", engrave)):
        f = r.to_json()
        print(f"{name}: {f['pockets']} regions, {f['moves']} moves, {f['cutting_length_mm']:.0f} mm cutting, "
              f"{len(f['unreachable'])} unreachable")
    print(f"cycle time {ct.cycle_time_s:.1f} s on linuxcnc-sim -> {out / 'plate.nc'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
