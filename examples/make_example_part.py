"""Build the bundled example part (examples/bracket.step) with cadquery.

A 90 x 60 x 20 mm block with: a rounded pocket 60 x 40 x 6 deep holding a
round boss, a pocket nested in it (8 mm deeper), a blind hole (diameter 10,
12 deep), a through hole (diameter 14) and a step along one side, open to
the outside. Run: ``python examples/make_example_part.py [OUT.step]``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def build():  # -> cadquery.Workplane
    """The example part as a cadquery Workplane (mm)."""
    import cadquery as cq

    part = cq.Workplane("XY").box(90, 60, 20, centered=(False, False, False))
    # main pocket, floor at z = 14, corners R6, with a round boss (island) left standing
    pocket = cq.Workplane("XY").workplane(offset=14).center(35, 30).rect(60, 40).extrude(6).edges("|Z").fillet(6)
    part = part.cut(pocket)
    boss = cq.Workplane("XY").workplane(offset=14).center(20, 30).circle(6).extrude(6)
    part = part.union(boss)
    # nested pocket inside the main pocket, floor at z = 8
    inner = cq.Workplane("XY").workplane(offset=8).center(44, 30).rect(24, 18).extrude(7).edges("|Z").fillet(4)
    part = part.cut(inner)
    # blind hole from the top face, floor at z = 10
    hole = cq.Workplane("XY").workplane(offset=10).center(80, 10).circle(5).extrude(11)
    part = part.cut(hole)
    # through hole
    through = cq.Workplane("XY").workplane(offset=-1).center(80, 50).circle(7).extrude(22)
    part = part.cut(through)
    # step along the front edge, open to the outside, floor at z = 16
    step = cq.Workplane("XY").workplane(offset=16).center(35, 2.5).rect(70, 5).extrude(5)
    part = part.cut(step)
    return part


def main(argv: list[str]) -> int:
    import cadquery as cq

    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("bracket.step")
    cq.exporters.export(build(), str(out))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
