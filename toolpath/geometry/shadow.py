"""The shadow of a part's non-vertical faces within a band of heights: what a section misses.

A section of the part at one height stands for a whole band only where the band's walls are vertical.
Where a sloped or curved face lies inside the band (a horizontal cylinder, a dome, a cone between two
floors, the underside of an overhang), the material's outline seen from above changes with the height,
and no finite set of sections is sure to catch its widest extent. The projection is exact instead: the
vertical line through a point of the band's material either stays in the material up to the band's
mid-height (so the point is in the mid-height section) or leaves it through a face that is not vertical
there (so the point is in that face's projection). This module projects the faces: each non-vertical
face is meshed within a chord tolerance, its triangles are clipped to the band and projected onto XY,
and their union, widened by at least the chord tolerance, is the shadow the sections may miss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon

from .mesh import mesh_triangles

__all__ = ["face_triangles", "band_shadow", "clip_to_band"]


def face_triangles(faces: list[Any], tolerance_mm: float) -> NDArray[np.float64]:
    """Triangles of a mesh of ``faces`` within ``tolerance_mm`` of their surfaces, mm.

    Parameters
    ----------
    faces : list of cadquery.Face
    tolerance_mm : float
        Chord (linear deflection) tolerance of the mesh, mm.

    Returns
    -------
    ndarray of shape (n, 3, 3), float64
        Triangle corners (x, y, z), mm; triangles whose projection onto XY has no area are left out.
    """
    out = [t for t in (mesh_triangles(face, tolerance_mm) for face in faces) if len(t)]
    if not out:
        return np.zeros((0, 3, 3))
    t = np.concatenate(out)
    a, b, c = t[:, 0, :2], t[:, 1, :2], t[:, 2, :2]
    area2 = np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    return t[area2 > 1e-12]


def _clip(poly: list[tuple[float, float, float]], z: float, above: bool) -> list[tuple[float, float, float]]:
    """Sutherland-Hodgman: the part of a convex polygon with z >= ``z`` (``above``) or z <= ``z``."""
    out: list[tuple[float, float, float]] = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        p_in = p[2] >= z if above else p[2] <= z
        q_in = q[2] >= z if above else q[2] <= z
        if p_in:
            out.append(p)
        if p_in != q_in:
            s = (z - p[2]) / (q[2] - p[2])
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1]), z))
    return out


def clip_to_band(tris: NDArray[np.float64], lo: float, hi: float) -> list[NDArray[np.float64]]:
    """The parts of triangles between heights ``lo`` and ``hi``, projected onto XY.

    Parameters
    ----------
    tris : ndarray of shape (n, 3, 3)
        Triangles, mm.
    lo, hi : float
        The band's bottom and top, mm (``lo < hi``).

    Returns
    -------
    list of ndarray of shape (k, 2)
        One polygon (3 to 5 corners) per triangle that reaches into the band, mm.
    """
    z = tris[:, :, 2]
    zmin, zmax = z.min(axis=1), z.max(axis=1)
    touching = (zmax > lo) & (zmin < hi)
    inside = touching & (zmin >= lo) & (zmax <= hi)
    polys = list(tris[inside][:, :, :2])
    for t in tris[touching & ~inside]:
        poly = [tuple(p) for p in t]
        poly = _clip(_clip(poly, lo, True), hi, False)
        if len(poly) >= 3:
            polys.append(np.array(poly)[:, :2])
    return polys


def band_shadow(tris: NDArray[np.float64], lo: float, hi: float, tolerance_mm: float) -> Polygon | Any:
    """Union of the XY projections of ``tris`` clipped to ``lo <= z <= hi``, widened by ``tolerance_mm``.

    Parameters
    ----------
    tris : ndarray of shape (n, 3, 3)
        Mesh triangles of the part's non-vertical faces (:func:`face_triangles`), mm.
    lo, hi : float
        The band, mm.
    tolerance_mm : float
        How much the union grows, mm: at least the mesh's chord tolerance, so that it covers the exact faces'
        projection.

    Returns
    -------
    shapely Polygon or MultiPolygon
        Empty when no triangle reaches into the band.
    """
    if len(tris) == 0 or not hi > lo:
        return Polygon()
    polys = clip_to_band(tris, lo, hi)
    if not polys:
        return Polygon()
    geoms = [Polygon(p) for p in polys]
    geoms = [g if g.is_valid else g.buffer(0) for g in geoms]
    return shapely.union_all(geoms).buffer(tolerance_mm, quad_segs=2)
