"""An independent oracle of the part: its top surface seen from +Z, and what a flat end mill can reach.

The part height field is computed from cadquery's tessellation of the solid, not from the slicing used
to make toolpaths, so a check built on it does not share the path generator's mistakes.

- :func:`part_heightfield`: for each cell centre, the highest z of part material above it (``-inf`` where
  there is none), by rasterising the triangles with a z-buffer (max) at the cell centres.
- :func:`reachable_depth`: for each cell, the lowest level a flat end mill of a given radius can put its
  bottom at over that cell, by morphological opening of the free region at every level of the part.

Units: mm. Grids follow :class:`sim.stock.HeightField` (``z[iy, ix]`` at ``x0 + ix*cell, y0 + iy*cell``).
cadquery is imported inside the functions that need it (its import takes seconds).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from toolpath.errors import FileFormatError, InputError
from toolpath.geometry.mesh import mesh_triangles

from .stock import HeightField

__all__ = [
    "load_shape",
    "part_triangles",
    "rasterize_triangles",
    "rasterize_kernel",
    "rasterize_reference",
    "part_heightfield",
    "reachable_depth",
]


# --------------------------------------------------------------------------------------------------
# loading and tessellation
# --------------------------------------------------------------------------------------------------
def load_shape(part: Any) -> Any:
    """A cadquery ``Shape`` from a STEP path, a ``cq.Workplane`` or a ``cq.Shape``.

    A workplane holding several solids gives their compound.
    """
    if isinstance(part, (str, os.PathLike)):
        path = os.fspath(part)
        if not os.path.isfile(path):
            raise FileFormatError(f"part file {path!r} does not exist")
        if not path.lower().endswith((".step", ".stp")):
            raise FileFormatError(f"part file {path!r} is not a STEP file (.step or .stp)")
        import cadquery as cq

        try:
            wp = cq.importers.importStep(path)
        except Exception as exc:  # OCCT raises assorted types for bad files
            raise FileFormatError(f"could not read STEP file {path!r}: {exc}") from None
        return _workplane_shape(wp, path)
    if hasattr(part, "vals") and hasattr(part, "newObject"):  # cq.Workplane
        return _workplane_shape(part, "the workplane")
    if hasattr(part, "tessellate") and hasattr(part, "BoundingBox"):  # cq.Shape
        return part
    raise InputError(f"part must be a STEP path, a cadquery Workplane or Shape, got {type(part).__name__}")


def _workplane_shape(wp: Any, what: str) -> Any:
    import cadquery as cq

    vals = [v for v in wp.vals() if isinstance(v, cq.Shape)]
    if not vals:
        raise FileFormatError(f"{what} holds no solid")
    return vals[0] if len(vals) == 1 else cq.Compound.makeCompound(vals)


def part_triangles(part: Any, *, tolerance_mm: float = 0.01, angular_tolerance_rad: float = 0.2) -> NDArray[np.float64]:
    """Triangles of a part's tessellation, (T, 3, 3) float64 mm (triangle, corner, xyz).

    ``tolerance_mm`` bounds the distance between the mesh and the true surface (OCCT linear deflection).
    """
    if not (tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    if not (angular_tolerance_rad > 0 and math.isfinite(angular_tolerance_rad)):
        raise InputError(f"angular_tolerance_rad must be > 0, got {angular_tolerance_rad!r}")
    shape = load_shape(part)
    tri = mesh_triangles(shape, tolerance_mm, angular_tolerance_rad)
    if not len(tri):
        raise InputError("the part tessellates to no triangles (is it empty?)")
    return tri


# --------------------------------------------------------------------------------------------------
# rasterisation
# --------------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def rasterize_kernel(tri: np.ndarray, x0: float, y0: float, cell: float, out: np.ndarray) -> None:
    """Z-buffer (max) of triangles ``tri`` (T, 3, 3) at the cell centres of ``out`` (ny, nx), in place.

    A centre on an edge counts as inside (1e-9 mm). Triangles seen edge-on from +Z are skipped (the
    faces around them give the same top). The interpolated z is clamped to the triangle's z range.
    """
    ny, nx = out.shape
    for k in range(tri.shape[0]):
        xa, ya, za = tri[k, 0, 0], tri[k, 0, 1], tri[k, 0, 2]
        xb, yb, zb = tri[k, 1, 0], tri[k, 1, 1], tri[k, 1, 2]
        xc, yc, zc = tri[k, 2, 0], tri[k, 2, 1], tri[k, 2, 2]
        area2 = (xb - xa) * (yc - ya) - (yb - ya) * (xc - xa)
        scale = max(abs(xb - xa), abs(yb - ya), abs(xc - xa), abs(yc - ya), abs(xc - xb), abs(yc - yb))
        if abs(area2) <= 1e-14 * scale * scale or scale == 0.0:
            continue
        sgn = 1.0 if area2 > 0.0 else -1.0
        la = math.hypot(xc - xb, yc - yb) * 1e-9  # tolerance of each edge function, as a distance
        lb = math.hypot(xa - xc, ya - yc) * 1e-9
        lc = math.hypot(xb - xa, yb - ya) * 1e-9
        zlo, zhi = min(za, zb, zc), max(za, zb, zc)
        ix0 = max(0, int(math.ceil((min(xa, xb, xc) - x0) / cell - 1e-9)))
        ix1 = min(nx - 1, int(math.floor((max(xa, xb, xc) - x0) / cell + 1e-9)))
        iy0 = max(0, int(math.ceil((min(ya, yb, yc) - y0) / cell - 1e-9)))
        iy1 = min(ny - 1, int(math.floor((max(ya, yb, yc) - y0) / cell + 1e-9)))
        for iy in range(iy0, iy1 + 1):
            py = y0 + iy * cell
            for ix in range(ix0, ix1 + 1):
                px = x0 + ix * cell
                ea = sgn * ((xc - xb) * (py - yb) - (yc - yb) * (px - xb))  # opposite a: weight of a
                if ea < -la:
                    continue
                eb = sgn * ((xa - xc) * (py - yc) - (ya - yc) * (px - xc))
                if eb < -lb:
                    continue
                ec = sgn * ((xb - xa) * (py - ya) - (yb - ya) * (px - xa))
                if ec < -lc:
                    continue
                zz = (ea * za + eb * zb + ec * zc) / (sgn * area2)
                if zz < zlo:
                    zz = zlo
                elif zz > zhi:
                    zz = zhi
                if zz > out[iy, ix]:
                    out[iy, ix] = zz


def rasterize_reference(
    tri: NDArray[np.float64], x0: float, y0: float, cell: float, shape: tuple[int, int]
) -> NDArray[np.float64]:
    """Slow reference for :func:`rasterize_kernel`: solve for barycentric coordinates at every centre.

    Returns the (ny, nx) max z, ``-inf`` where no triangle covers a centre.
    """
    ny, nx = shape
    xx, yy = np.meshgrid(x0 + cell * np.arange(nx), y0 + cell * np.arange(ny))
    out = np.full(shape, -np.inf)
    for t in np.asarray(tri, dtype=np.float64):
        m = np.array([[t[1, 0] - t[0, 0], t[2, 0] - t[0, 0]], [t[1, 1] - t[0, 1], t[2, 1] - t[0, 1]]])
        span = np.abs(np.concatenate([m.ravel(), [t[2, 0] - t[1, 0], t[2, 1] - t[1, 1]]])).max()
        if span == 0 or abs(np.linalg.det(m)) <= 1e-14 * span * span:
            continue
        rhs = np.stack([xx.ravel() - t[0, 0], yy.ravel() - t[0, 1]])
        l1, l2 = np.linalg.solve(m, rhs)
        l0 = 1.0 - l1 - l2
        # accept barycentrics down to -1e-9 mm of distance from the opposite edge
        h = abs(np.linalg.det(m))
        e0 = np.hypot(t[2, 0] - t[1, 0], t[2, 1] - t[1, 1])
        e1 = np.hypot(t[2, 0] - t[0, 0], t[2, 1] - t[0, 1])
        e2 = np.hypot(t[1, 0] - t[0, 0], t[1, 1] - t[0, 1])
        inside = (l0 * h >= -1e-9 * e0) & (l1 * h >= -1e-9 * e1) & (l2 * h >= -1e-9 * e2)
        z = np.clip(l0 * t[0, 2] + l1 * t[1, 2] + l2 * t[2, 2], t[:, 2].min(), t[:, 2].max())
        cand = np.where(inside, z, -np.inf).reshape(shape)
        out = np.maximum(out, cand)
    return out


def rasterize_triangles(
    tri: NDArray[np.float64], like: HeightField, *, shift_mm: tuple[float, float] = (0.0, 0.0)
) -> HeightField:
    """Top of the triangles at the cell centres of ``like``'s grid, optionally sampled at centres + ``shift_mm``.

    Parameters
    ----------
    tri : ndarray of shape (T, 3, 3), float64
        Triangles, mm.
    like : HeightField
        The grid (its heights are ignored).
    shift_mm : tuple of 2 floats
        Sample at ``(x + dx, y + dy)`` instead of the centres (the result stays on ``like``'s grid).

    Returns
    -------
    HeightField
        Highest z over each sample point, ``-inf`` where no triangle covers it; ``floor_mm`` is ``-inf``.
    """
    tri = np.ascontiguousarray(np.asarray(tri, dtype=np.float64))
    if tri.ndim != 3 or tri.shape[1:] != (3, 3):
        raise InputError(f"triangles must have shape (T, 3, 3), got {tri.shape}")
    if not np.isfinite(tri).all():
        raise InputError("triangles must have finite coordinates")
    out = np.full(like.shape, -np.inf)
    rasterize_kernel(tri, like.x0_mm + shift_mm[0], like.y0_mm + shift_mm[1], like.cell_mm, out)
    return HeightField(out, like.x0_mm, like.y0_mm, like.cell_mm, -math.inf)


def part_heightfield(
    part: Any,
    *,
    like: HeightField | None = None,
    cell_mm: float | None = None,
    margin_mm: float = 0.0,
    tolerance_mm: float = 0.01,
    angular_tolerance_rad: float = 0.2,
) -> HeightField:
    """Top of the part's material at each cell centre, seen from +Z.

    Parameters
    ----------
    part : str, os.PathLike, cadquery Workplane or Shape, or ndarray of shape (T, 3, 3)
        A STEP file, a cadquery object, or triangles already tessellated (mm).
    like : HeightField, optional
        Sample on this field's grid; otherwise a grid covering the part's XY bounds grown by
        ``margin_mm``, with cells of ``cell_mm`` (default: 1/500 of the larger side, at least 0.05 mm).
    tolerance_mm, angular_tolerance_rad : float
        Tessellation tolerances (linear deflection in mm, angle in radians).

    Returns
    -------
    HeightField
        ``z`` = highest part z over each centre, ``-inf`` where there is no material; ``floor_mm`` is
        ``-inf`` (the part's bottom is ``part_triangles(part)[..., 2].min()``).
    """
    if isinstance(part, np.ndarray):
        tri = np.asarray(part, dtype=np.float64)
    else:
        tri = part_triangles(part, tolerance_mm=tolerance_mm, angular_tolerance_rad=angular_tolerance_rad)
    if tri.ndim != 3 or tri.shape[1:] != (3, 3) or tri.shape[0] == 0:
        raise InputError(f"triangles must have shape (T, 3, 3) with T > 0, got {tri.shape}")
    if like is None:
        lo, hi = tri.reshape(-1, 3).min(axis=0), tri.reshape(-1, 3).max(axis=0)
        if cell_mm is None:
            cell_mm = max(0.05, float(max(hi[0] - lo[0], hi[1] - lo[1])) / 500.0)
        like = HeightField.covering(
            float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]), cell_mm, margin_mm=margin_mm
        )
    elif not isinstance(like, HeightField):
        raise InputError(f"like must be a HeightField, got {type(like).__name__}")
    return rasterize_triangles(tri, like)


# --------------------------------------------------------------------------------------------------
# what a flat end mill can reach
# --------------------------------------------------------------------------------------------------
def reachable_depth(
    part_h: HeightField,
    tool_radius_mm: float,
    cell_mm: float | None = None,
    *,
    level_tolerance_mm: float = 1e-4,
    max_levels: int = 128,
) -> HeightField:
    """Lowest level a flat end mill of ``tool_radius_mm`` can put its bottom at over each cell.

    For each level ``z`` of the part (its distinct heights, and "no material"), the free region is the
    cells whose part height is <= ``z + level_tolerance_mm``, plus everything outside the grid. A disc of
    the tool's radius can sweep the morphological opening of that region (erosion then dilation by the
    disc, done with Euclidean distance transforms). A cell's reachable depth is the lowest level whose
    opening contains it.

    Parameters
    ----------
    part_h : HeightField
        Part heights (``-inf`` where there is no material), from :func:`part_heightfield`.
    tool_radius_mm : float
        Radius of the flat end mill, mm.
    cell_mm : float, optional
        Must equal ``part_h.cell_mm`` when given (kept for symmetry with other calls).
    level_tolerance_mm : float
        Heights within this of a level count as at that level, mm.
    max_levels : int
        With more distinct heights than this (curved tops), levels are rounded up to a uniform step,
        which makes the reachable depth conservative (higher) by at most that step.

    Returns
    -------
    HeightField
        On ``part_h``'s grid: the reachable depth, mm; ``-inf`` where the tool can pass through
        (no material below at a reachable place).
    """
    if not isinstance(part_h, HeightField):
        raise InputError(f"part_h must be a HeightField, got {type(part_h).__name__}")
    r = float(tool_radius_mm)
    if not (r > 0 and math.isfinite(r)):
        raise InputError(f"tool_radius_mm must be > 0, got {tool_radius_mm!r}")
    if cell_mm is not None and abs(float(cell_mm) - part_h.cell_mm) > 1e-12:
        raise InputError(f"cell_mm {cell_mm!r} differs from the height field's cell {part_h.cell_mm!r}")
    from scipy.ndimage import distance_transform_edt

    h = part_h.z
    finite = np.isfinite(h)
    levels = np.unique(h[finite])
    if levels.size:
        keep = np.concatenate([[True], np.diff(levels) > level_tolerance_mm])
        levels = levels[keep]
    if levels.size > max_levels:
        step = (levels[-1] - levels[0]) / max_levels
        levels = np.unique(levels[0] + np.ceil((levels - levels[0]) / step - 1e-9) * step)
        h = np.where(finite, levels[0] + np.ceil((h - levels[0]) / step - 1e-9) * step, h)
    cell = part_h.cell_mm
    pad = int(math.ceil(r / cell)) + 2
    reach = np.full(h.shape, np.inf)
    todo = np.ones(h.shape, dtype=bool)
    for lev in np.concatenate([[-np.inf], levels]):
        free = ~finite if lev == -np.inf else (~finite) | (h <= lev + level_tolerance_mm)
        opened = _opening(free, r, cell, pad, distance_transform_edt)
        new = opened & todo
        reach[new] = lev
        todo &= ~new
        if not todo.any():
            break
    # every cell is free at the top level, and the opening of everything is everything
    reach[todo] = levels[-1] if levels.size else -np.inf
    return HeightField(reach, part_h.x0_mm, part_h.y0_mm, cell, -math.inf)


def _opening(free: NDArray[np.bool_], r: float, cell: float, pad: int, edt: Any) -> NDArray[np.bool_]:
    """Opening of ``free`` (outside the grid is free) by a disc of radius ``r`` mm."""
    if free.all():
        return free.copy()
    if not free.any():
        return free.copy()
    p = np.pad(free, pad, constant_values=True)
    # the distance from a free centre to the nearest blocked centre overshoots the distance to the wall by 0 to
    # one cell (the wall lies somewhere between the two centres): half a cell more is the unbiased test
    eroded = edt(p, sampling=cell) >= r + 0.5 * cell - 1e-9
    if not eroded.any():
        return np.zeros_like(free)
    dilated = edt(~eroded, sampling=cell) <= r + 1e-9
    return dilated[pad:-pad, pad:-pad] & free
