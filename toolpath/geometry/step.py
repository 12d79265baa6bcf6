"""Load solids: STEP files through cadquery, or cadquery/OpenCascade shapes as given.

cadquery is imported lazily here (its import alone takes seconds).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FileFormatError, GeometryError

__all__ = ["load_solid", "SETUPS", "orient"]

#: Setup directions: the tool comes from this side of the part.
SETUPS = ("+Z", "-Z", "+X", "-X", "+Y", "-Y")


def load_solid(part: Any) -> Any:
    """The part as a cadquery ``Shape``.

    Parameters
    ----------
    part : str, os.PathLike, cadquery.Workplane or cadquery.Shape
        A STEP file (``.step``/``.stp``), or a cadquery object.

    Returns
    -------
    cadquery.Shape
        One solid or a compound of solids, in mm.
    """
    import cadquery as cq

    if isinstance(part, (str, os.PathLike)):
        path = Path(part)
        if not path.is_file():
            raise FileFormatError(f"part file {str(path)!r} does not exist")
        if path.suffix.lower() not in (".step", ".stp"):
            raise FileFormatError(f"part file {str(path)!r} is not STEP (.step/.stp)")
        try:
            wp = cq.importers.importStep(str(path))
        except Exception as exc:  # OCC raises bare exceptions on malformed files
            raise FileFormatError(f"cannot read STEP file {str(path)!r}: {exc}") from None
        shapes = wp.vals()
        shape = shapes[0] if len(shapes) == 1 else cq.Compound.makeCompound(shapes)
    elif isinstance(part, cq.Workplane):
        shapes = part.vals()
        if not shapes:
            raise GeometryError("the cadquery Workplane holds no shape")
        shape = shapes[0] if len(shapes) == 1 else cq.Compound.makeCompound(shapes)
    elif isinstance(part, cq.Shape):
        shape = part
    else:
        raise GeometryError(f"part must be a STEP path or a cadquery shape, got {type(part).__name__}")
    solids = shape.Solids()
    if len(solids) == 1:
        shape = solids[0]
    if not solids:
        raise GeometryError("the part holds no solid (surfaces only?)")
    if not shape.Volume() > 0:
        raise GeometryError(f"the part's volume is {shape.Volume()!r} mm³; a solid is needed")
    return shape


def orient(shape: Any, setup: str) -> Any:
    """Rotate ``shape`` so that the tool, coming from ``setup``, comes from +Z.

    Parameters
    ----------
    shape : cadquery.Shape
    setup : {"+Z", "-Z", "+X", "-X", "+Y", "-Y"}
        The side of the part the tool approaches from.
    """
    import cadquery as cq

    s = str(setup).upper()
    if s not in SETUPS:
        raise GeometryError(f"setup must be one of {', '.join(SETUPS)}, got {setup!r}")
    o = cq.Vector(0, 0, 0)
    rotations = {
        "+Z": None,
        "-Z": ((1, 0, 0), 180),
        "+X": ((0, 1, 0), -90),
        "-X": ((0, 1, 0), 90),
        "+Y": ((1, 0, 0), 90),
        "-Y": ((1, 0, 0), -90),
    }
    rot = rotations[s]
    if rot is None:
        return shape
    return shape.rotate(o, cq.Vector(*rot[0]), rot[1])
