"""Triangle meshes of OpenCascade shapes within an absolute chord tolerance.

cadquery's ``Shape.tessellate(tolerance)`` meshes with a *relative* deflection (OCCT's ``isRelative``): the
tolerance is scaled by each edge's size, so a large cylinder of a large part comes out coarser than asked
(a 50.8 mm hole of NIST CTC 03 at 0.01 mm gave chords 0.032 mm inside the circle). Here the deflection is
absolute, and any coarser triangulation already stored on the shape is dropped first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError

__all__ = ["mesh_triangles"]


def mesh_triangles(shape: Any, tolerance_mm: float, angular_tolerance_rad: float = 0.2) -> NDArray[np.float64]:
    """Triangles of a mesh of ``shape`` whose chords stay within ``tolerance_mm`` of its surfaces.

    Parameters
    ----------
    shape : cadquery.Shape
        A solid, a compound or a single face.
    tolerance_mm : float
        Linear deflection, absolute, mm.
    angular_tolerance_rad : float
        Angular deflection, rad (a bound too: small curved faces get more triangles than the chord needs).

    Returns
    -------
    ndarray of shape (n, 3, 3), float64
        Triangle corners (x, y, z), mm, oriented with the faces' outward normals.
    """
    from OCP.BRep import BRep_Tool
    from OCP.BRepMesh import BRepMesh_IncrementalMesh
    from OCP.BRepTools import BRepTools
    from OCP.TopAbs import TopAbs_Orientation
    from OCP.TopLoc import TopLoc_Location

    if not (tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    if not (angular_tolerance_rad > 0 and math.isfinite(angular_tolerance_rad)):
        raise InputError(f"angular_tolerance_rad must be > 0, got {angular_tolerance_rad!r}")
    BRepTools.Clean_s(shape.wrapped)
    BRepMesh_IncrementalMesh(shape.wrapped, float(tolerance_mm), False, float(angular_tolerance_rad), False)
    out = []
    for face in shape.Faces():
        loc = TopLoc_Location()
        poly = BRep_Tool.Triangulation_s(face.wrapped, loc)
        if poly is None:
            continue
        trsf = loc.Transformation()
        nodes = [poly.Node(i).Transformed(trsf) for i in range(1, poly.NbNodes() + 1)]
        v = np.array([(p.X(), p.Y(), p.Z()) for p in nodes], dtype=np.float64)
        t = np.array([(tr.Value(1), tr.Value(2), tr.Value(3)) for tr in poly.Triangles()], dtype=np.int64) - 1
        if face.wrapped.Orientation() == TopAbs_Orientation.TopAbs_REVERSED:
            t = t[:, [0, 2, 1]]
        out.append(v[t])
    if not out:
        return np.zeros((0, 3, 3))
    return np.ascontiguousarray(np.concatenate(out))
