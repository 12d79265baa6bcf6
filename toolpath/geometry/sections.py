"""Planar sections of OpenCascade solids as shapely polygons."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

__all__ = ["wire_points", "face_polygon", "section_polygons"]


def wire_points(wire: Any, tolerance_mm: float) -> np.ndarray:
    """Points along a cadquery Wire in its own order, chord error within ``tolerance_mm``.

    Returns
    -------
    ndarray of shape (M, 2), float64
        XY of the points, mm (z dropped), first point not repeated at the end.
    """
    from OCP.BRepAdaptor import BRepAdaptor_CompCurve
    from OCP.GCPnts import GCPnts_QuasiUniformDeflection

    curve = BRepAdaptor_CompCurve(wire.wrapped)
    sampler = GCPnts_QuasiUniformDeflection(curve, tolerance_mm)
    if not sampler.IsDone() or sampler.NbPoints() < 2:
        raise RuntimeError("wire discretisation failed")
    pts = np.array([(p.X(), p.Y()) for p in (sampler.Value(i) for i in range(1, sampler.NbPoints() + 1))])
    if len(pts) > 1 and np.allclose(pts[0], pts[-1], atol=1e-9):
        pts = pts[:-1]
    return pts


def face_polygon(face: Any, tolerance_mm: float) -> Polygon | MultiPolygon:
    """A planar horizontal cadquery Face as a shapely polygon (holes kept), mm."""
    outer = wire_points(face.outerWire(), tolerance_mm)
    holes = [wire_points(w, tolerance_mm) for w in face.innerWires()]
    poly = Polygon(outer, [h for h in holes if len(h) >= 3])
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
        poly = shapely.union_all([g for g in getattr(poly, "geoms", [poly]) if g.geom_type == "Polygon"])
    return poly


def section_polygons(
    shape: Any, z_mm: float, tolerance_mm: float, *, bounds: tuple[float, float, float, float] | None = None
) -> Polygon | MultiPolygon:
    """Cross-section of ``shape`` by the plane z = ``z_mm``: its material as polygons, mm.

    Parameters
    ----------
    shape : cadquery.Shape
        A solid or a compound of solids.
    z_mm : float
        Height of the cutting plane, mm. Choose it away from horizontal faces.
    tolerance_mm : float
        Chord error of curved edges, mm.
    bounds : tuple of 4 floats, optional
        (xmin, ymin, xmax, ymax) of the shape, mm, when the caller knows it.
    """
    import cadquery as cq

    if bounds is None:  # an optimal bounding box costs ~0.5 s on a large part: callers pass it once
        bb = shape.BoundingBox()
        bounds = (bb.xmin, bb.ymin, bb.xmax, bb.ymax)
    x0, y0, x1, y1 = bounds
    size = 4.0 * max(x1 - x0, y1 - y0, 1.0)
    plane = cq.Face.makePlane(size, size, basePnt=(0.5 * (x0 + x1), 0.5 * (y0 + y1), z_mm), dir=(0, 0, 1))
    # solid by solid: a boolean with a compound can silently return nothing
    polys = [face_polygon(f, tolerance_mm) for solid in shape.Solids() for f in solid.intersect(plane).Faces()]
    if not polys:
        return MultiPolygon()
    return shapely.union_all(polys)
