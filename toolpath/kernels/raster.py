"""Rasterise polygons onto a grid of cell centres by scanlines (even-odd rule over all rings).

Grid convention as in :mod:`toolpath.kernels.engagement`: cell ``(iy, ix)`` has its centre at
``(x0_mm + ix * cell_mm, y0_mm + iy * cell_mm)``. A cell is inside when its centre is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray

__all__ = ["polygon_edges", "fill_kernel", "fill_reference", "rasterize"]


def polygon_edges(geom: Any) -> NDArray[np.float64]:
    """Every ring edge of a (multi)polygon as rows ``(xa, ya, xb, yb)``, mm; shape (E, 4)."""
    rings = []
    for g in getattr(geom, "geoms", [geom]):
        if g.is_empty or g.geom_type != "Polygon":
            continue
        rings.append(np.asarray(g.exterior.coords)[:, :2])
        rings.extend(np.asarray(r.coords)[:, :2] for r in g.interiors)
    if not rings:
        return np.zeros((0, 4))
    return np.concatenate([np.hstack([r[:-1], r[1:]]) for r in rings]).astype(np.float64)


@njit(cache=True, nogil=True)
def fill_kernel(edges, x0, y0, cell, ny, nx):  # type: ignore[no-untyped-def]
    """uint8 (ny, nx) mask of the cells whose centre is inside the rings (even-odd)."""
    out = np.zeros((ny, nx), np.uint8)
    xs = np.empty(edges.shape[0], np.float64)
    for j in range(ny):
        y = y0 + j * cell
        m = 0
        for e in range(edges.shape[0]):
            ya = edges[e, 1]
            yb = edges[e, 3]
            if (ya <= y) != (yb <= y):
                xa = edges[e, 0]
                xb = edges[e, 2]
                xs[m] = xa + (y - ya) * (xb - xa) / (yb - ya)
                m += 1
        if m < 2:
            continue
        s = np.sort(xs[:m])
        for k in range(0, m - 1, 2):
            i0 = max(0, int(math.ceil((s[k] - x0) / cell)))
            i1 = min(nx - 1, int(math.floor((s[k + 1] - x0) / cell)))
            for i in range(i0, i1 + 1):
                out[j, i] = 1
    return out


def fill_reference(geom: Any, x0: float, y0: float, cell: float, ny: int, nx: int) -> NDArray[np.uint8]:
    """The same mask by shapely's point-in-polygon test (boundary cells may differ)."""
    yy, xx = np.mgrid[0:ny, 0:nx]
    return shapely.contains_xy(geom, x0 + xx * cell, y0 + yy * cell).astype(np.uint8)


def rasterize(geom: Any, x0: float, y0: float, cell: float, ny: int, nx: int) -> NDArray[np.uint8]:
    """uint8 (ny, nx) mask of ``geom`` (shapely (multi)polygon) on the grid; empty geometry gives zeros."""
    if geom is None or geom.is_empty:
        return np.zeros((ny, nx), np.uint8)
    return fill_kernel(polygon_edges(geom), float(x0), float(y0), float(cell), int(ny), int(nx))
