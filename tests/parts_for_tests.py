"""Test parts built with cadquery, and the checks every end-to-end program goes through (LinuxCNC's rs274
runs the same motion; the simulation against the solid finds no gouge and no rapid through stock).

Shared by tests/test_end_to_end.py, tests/toolpath/test_jobfile.py and the strategy tests that need a solid.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = ["nested_block", "boss_block", "drilled_plate", "cone_bottom_block", "assert_rs274_same_motion",
           "assert_simulated_clean"]


def nested_block(path: Path) -> Path:
    """A block with a pocket in a pocket in a pocket and a blind hole: four floor levels."""
    import cadquery as cq

    part = cq.Workplane("XY").box(70, 50, 24, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=19).center(33, 25).rect(50, 36).extrude(6)
                    .edges("|Z").fillet(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=14).center(30, 25).rect(30, 22).extrude(6)
                    .edges("|Z").fillet(4))
    part = part.cut(cq.Workplane("XY").workplane(offset=10).center(26, 25).rect(12, 10).extrude(5))
    part = part.cut(cq.Workplane("XY").workplane(offset=6).center(63, 8).circle(4.5).extrude(19))
    cq.exporters.export(part, str(path))
    return path


def boss_block(path: Path) -> Path:
    """A 70 x 50 x 20 block with an 8 mm deep pocket (R4 corners) around a round boss (R5)."""
    import cadquery as cq

    part = cq.Workplane("XY").box(70, 50, 20, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=12).center(30, 25).rect(40, 30).extrude(8)
                    .edges("|Z").fillet(4))
    part = part.union(cq.Workplane("XY").workplane(offset=12).center(30, 25).circle(5).extrude(8))
    cq.exporters.export(part, str(path))
    return path


def drilled_plate(path: Path) -> Path:
    """A 60 x 40 x 10 plate: a 24 x 16 pocket 5 mm deep (R3 corners), two D5 through holes in the plate, one
    D5 through hole in the pocket's floor, and a D8 through hole (too wide for a D5 drill)."""
    import cadquery as cq

    part = cq.Workplane("XY").box(60, 40, 10, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=5).center(22, 20).rect(24, 16).extrude(5)
                    .edges("|Z").fillet(3))
    for x, y, d in ((48, 10, 5.0), (48, 30, 5.0), (14, 20, 5.0), (6, 6, 8.0)):
        part = part.cut(cq.Workplane("XY").center(x, y).circle(d / 2).extrude(10))
    cq.exporters.export(part, str(path))
    return path


def cone_bottom_block(path: Path) -> Path:
    """A 50 x 40 x 30 block (z 0..30): a 30 x 20 pocket 12 mm deep (floor z 18, R4 corners), and beside it a
    D16 bore 16 mm deep ending in a 118 degree drill-point cone (z 14 down to about 9.2): no floor at the
    bore's bottom, only the cone's top bounds the material over it."""
    import cadquery as cq

    part = cq.Workplane("XY").box(50, 40, 30, centered=False)
    part = part.cut(cq.Workplane("XY").workplane(offset=18).center(18, 20).rect(30, 20).extrude(12)
                    .edges("|Z").fillet(4))
    h = 8.0 / math.tan(math.radians(59.0))
    drill = (cq.Workplane("XZ").polyline([(0.0, 14.0 - h), (8.0, 14.0), (8.0, 31.0), (0.0, 31.0)]).close()
             .revolve(360.0, (0, 0, 0), (0, 1, 0)).translate((42, 20, 0)))
    part = part.cut(drill)
    cq.exporters.export(part, str(path))
    return path


def assert_rs274_same_motion(program, tools) -> list:
    """LinuxCNC's rs274 accepts the program's LinuxCNC G-code and runs the same moves (4 decimals)."""
    import gcode
    from gcode.rs274 import run_rs274
    from toolpath import MoveKind

    canon = [m for m in run_rs274(gcode.write(program, "linuxcnc"), tools) if m.kind in ("traverse", "feed", "arc")]
    tp = program.toolpath
    moving = tp.kind != MoveKind.DWELL
    # a line to where the tool already stands at the file's 4 decimals has no axis word left: not in the file
    rounded = np.round(tp.xyz, 4)
    prev = np.flatnonzero(moving)
    repeat = np.zeros(len(tp), dtype=bool)
    straight = np.isin(tp.kind[prev[1:]], (MoveKind.RAPID, MoveKind.FEED))
    repeat[prev[1:]] = np.all(rounded[prev[1:]] == rounded[prev[:-1]], axis=1) & straight
    moving &= ~repeat
    lead_in = len(canon) - int(moving.sum())  # the writer rises to a safe Z before the first move
    assert lead_in in (0, 1) and all(m.kind == "traverse" for m in canon[:lead_in])
    canon = canon[lead_in:]
    np.testing.assert_allclose(np.array([m.xyz for m in canon]), tp.xyz[moving], atol=2e-4)
    kinds = np.array([m.kind == "traverse" for m in canon])
    np.testing.assert_array_equal(kinds, tp.kind[moving] == MoveKind.RAPID)
    return canon


def assert_simulated_clean(program, part: Path, tool=None, **kw):
    """The program simulated on the stock against the part: no gouge, no rapid through material. Returns the
    :class:`sim.check.CheckResult`. ``tool`` None: each operation's own tool."""
    from sim.check import check

    chk = check(program, part, tool, **kw)
    assert chk.gouge_count == 0, chk.gouges[:3]
    assert chk.rapid_cuts == [], chk.rapid_cuts[:3]
    return chk


def check_against_regions(program, regions, depth_mm: float, tool_mm: float) -> None:
    """Simulate ``program`` against the part a drawing's ``regions`` make: the default stock (the regions' box
    + 5 mm, 6 mm thick) less the regions extruded ``depth_mm`` down. No gouge, no reachable floor left (beyond
    5 mm²), no rapid through stock, the designed volume removed (1 %, the corners a round tool leaves)."""
    import cadquery as cq
    import pytest

    from sim.check import check
    from toolpath import Tool
    from toolpath.geometry.drawing import drawing_pockets

    stock = drawing_pockets(regions, depth_mm=depth_mm).stock
    x0, y0, x1, y1 = stock.footprint.bounds
    part = cq.Workplane().box(x1 - x0, y1 - y0, stock.height_mm, centered=False).translate((x0, y0, stock.z_bottom_mm))

    def prism(ring) -> cq.Workplane:  # noqa: ANN001
        return cq.Workplane().polyline(list(ring.coords)[:-1]).close().extrude(depth_mm).translate((0, 0, -depth_mm))

    for reg in regions:
        cut = prism(reg.exterior)
        for hole in reg.interiors:
            cut = cut.cut(prism(hole))
        part = part.cut(cut)
    res = check(program, part, Tool.flat(tool_mm), stock=stock, floor_mm=stock.z_bottom_mm, cell_mm=0.1)
    assert res.gouge_count == 0
    assert res.uncut_area_mm2 <= 5.0
    assert not res.rapid_cuts
    assert res.removed_volume_mm3 == pytest.approx(res.designed_volume_mm3, rel=0.01)
