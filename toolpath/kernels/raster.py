"""Rasterise polygons onto a grid of cell centres by scanlines (even-odd rule over all rings).

Grid convention as in :mod:`toolpath.kernels.engagement`: cell ``(iy, ix)`` has its centre at
``(x0_mm + ix * cell_mm, y0_mm + iy * cell_mm)``. A cell is inside when its centre is.

Array elements are read and written through the intrinsics of :mod:`toolpath.kernels.access` (cheaper to
compile than ``a[i, j]``, no wraparound of negative indices). No index is negative, so none keeps Numba's
indexing: the insertion sort reads ``xs[b]`` only for ``b >= 0`` (short-circuit ``and``), cells only after
the bounds test, column ranges are clamped at 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt

from .access import at1, at2, set1, set2
from .engagement import (
    _NO_OWN,
    _front_count,
    clear_capsule_kernel,
    clear_capsule_reference,
    engagement_fresh_reference,
)

__all__ = ["polygon_edges", "fill_kernel", "fill_reference", "rasterize", "band_kernel", "band_reference",
           "path_engagement_kernel", "path_engagement_reference"]


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
            ya = at2(edges, e, 1)
            yb = at2(edges, e, 3)
            if (ya <= y) != (yb <= y):
                xa = at2(edges, e, 0)
                xb = at2(edges, e, 2)
                set1(xs, m, xa + (y - ya) * (xb - xa) / (yb - ya))
                m += 1
        if m < 2:
            continue
        # insertion sort of the row's crossings (a handful; Numba's np.sort costs ~3 s of compile)
        for a in range(1, m):
            v = at1(xs, a)
            b = a - 1
            while b >= 0 and at1(xs, b) > v:
                set1(xs, b + 1, at1(xs, b))
                b -= 1
            set1(xs, b + 1, v)
        for k in range(0, m - 1, 2):
            i0 = max(0, int(math.ceil((at1(xs, k) - x0) / cell)))
            i1 = min(nx - 1, int(math.floor((at1(xs, k + 1) - x0) / cell)))
            for i in range(i0, i1 + 1):
                set2(out, j, i, 1)
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


@njit(cache=True, nogil=True)
def band_kernel(mat, allowed, cell, lo, hi):  # type: ignore[no-untyped-def]
    """uint8 mask of the allowed cells whose distance to the nearest material cell (``mat`` non-zero),
    centre to centre, is in ``[lo, hi)`` mm.

    Each boundary material cell (one with a material-free cell among its 8 neighbours; the nearest
    material cell of a free cell is always one) stamps the squared distance into a disc of radius ``hi``;
    the distance is ``sqrt(d2) * cell`` as :func:`scipy.ndimage.distance_transform_edt` computes it.
    """
    ny, nx = mat.shape
    big = 1 << 62
    d2min = np.full((ny, nx), big, np.int64)
    rc = int(math.ceil(hi / cell))
    for j in range(ny):
        for i in range(nx):
            if at2(mat, j, i) == 0:
                continue
            edge = False
            for dj in range(-1, 2):
                for di in range(-1, 2):
                    jj = j + dj
                    ii = i + di
                    if 0 <= jj < ny and 0 <= ii < nx and at2(mat, jj, ii) == 0:
                        edge = True
            if not edge:
                continue
            for dj in range(-rc, rc + 1):
                jj = j + dj
                if jj < 0 or jj >= ny:
                    continue
                for di in range(-rc, rc + 1):
                    ii = i + di
                    if ii < 0 or ii >= nx:
                        continue
                    d2 = di * di + dj * dj
                    if d2 < at2(d2min, jj, ii):
                        set2(d2min, jj, ii, d2)
    out = np.zeros((ny, nx), np.uint8)
    for j in range(ny):
        for i in range(nx):
            if at2(allowed, j, i) != 0 and at2(mat, j, i) == 0 and at2(d2min, j, i) < big:
                d = math.sqrt(at2(d2min, j, i)) * cell
                if lo <= d < hi:
                    set2(out, j, i, 1)
    return out


def band_reference(mat: NDArray[np.uint8], allowed: NDArray[np.uint8], cell: float, lo: float,
                   hi: float) -> NDArray[np.uint8]:
    """The same mask from SciPy's exact Euclidean distance transform."""
    if not np.any(mat != 0):
        return np.zeros(mat.shape, np.uint8)
    free = distance_transform_edt(mat == 0) * cell
    return ((allowed != 0) & (free >= lo) & (free < hi)).astype(np.uint8)


@njit(cache=True, nogil=True)
def path_engagement_kernel(mat, x0, y0, cell, xy, r, cs, sn, spacing):  # type: ignore[no-untyped-def]
    """Walk the polyline ``xy`` (M, 2) clearing the raster ``mat`` as a tool of radius ``r`` would, and return
    per vertex the largest engagement count on the way to it (int64 (M,), 0 at the first vertex).

    Samples every ``spacing`` mm along each move (its end included): at each, the half of the tool circle
    facing the motion is counted against ``mat`` (non-zero = material) as the pass kernel counts it,
    without the raster's loss beside the previous sample's disc
    (:func:`~toolpath.kernels.engagement.engagement_fresh_kernel`; that count still leaves samples within
    ``_FRESH_KEEP`` cells of that disc to their cell, so a spacing of a few cells loses less), then the
    cells within ``r`` of the segment from the previous sample are cleared.
    The generator's raster estimate of what a fixed path (a finishing loop, a trochoid) will take, so it can
    cut such a path at reduced feed and say so where it would exceed the maximum.
    """
    m = xy.shape[0]
    out = np.zeros(m, np.int64)
    if m == 0:
        return out
    sx = at2(xy, 0, 0)
    sy = at2(xy, 0, 1)
    clear_capsule_kernel(mat, x0, y0, cell, sx, sy, sx, sy, r)
    rcs = r * cs  # the circle's offsets, scaled once (engagement_fresh_kernel would scale them per sample)
    rsn = r * sn
    for i in range(1, m):
        ax = at2(xy, i - 1, 0)
        ay = at2(xy, i - 1, 1)
        dx = at2(xy, i, 0) - ax
        dy = at2(xy, i, 1) - ay
        length = math.hypot(dx, dy)
        if length <= 0.0:
            continue
        ang = math.atan2(dy, dx)
        k = max(1, int(math.ceil(length / spacing)))
        px = ax
        py = ay
        best = 0
        for s in range(1, k + 1):
            qx = ax + dx * (s / k)
            qy = ay + dy * (s / k)
            e = _front_count(mat, _NO_OWN, False, x0, y0, cell, qx, qy, r, rcs, rsn, ang, px, py, 1 << 30)
            if e > best:
                best = e
            clear_capsule_kernel(mat, x0, y0, cell, px, py, qx, qy, r)
            px = qx
            py = qy
        set1(out, i, best)
    return out


def path_engagement_reference(mat, x0, y0, cell, xy, r, cs, sn, spacing) -> NDArray[np.int64]:  # type: ignore[no-untyped-def]
    """Plain :func:`path_engagement_kernel` (the NumPy engagement and whole-grid clearing references)."""
    out = np.zeros(len(xy), np.int64)
    if len(xy) == 0:
        return out
    clear_capsule_reference(mat, x0, y0, cell, xy[0, 0], xy[0, 1], xy[0, 0], xy[0, 1], r)
    for i in range(1, len(xy)):
        a, d = xy[i - 1], xy[i] - xy[i - 1]
        length = math.hypot(d[0], d[1])
        if length <= 0.0:
            continue
        ang = math.atan2(d[1], d[0])
        k = max(1, int(math.ceil(length / spacing)))
        p = a
        for s in range(1, k + 1):
            q = np.array([a[0] + d[0] * (s / k), a[1] + d[1] * (s / k)])
            out[i] = max(out[i], engagement_fresh_reference(mat, x0, y0, cell, q[0], q[1], r, cs, sn, ang, p[0], p[1]))
            clear_capsule_reference(mat, x0, y0, cell, p[0], p[1], q[0], q[1], r)
            p = q
    return out
