"""Radial engagement of the tool measured along a path by simulation, independent of the generator.

At one cutting level ``z_mm`` the material is a raster (``mat[iy, ix]`` non-zero where material remains;
cell centres at ``x0_mm + ix * cell_mm``, ``y0_mm + iy * cell_mm``), filled from a shapely geometry. Every
move is sampled every ``step_mm`` along its length (arcs along the arc); at each sample where the tool's
bottom is at or below the level, the engagement angle is measured first: the arc of the tool circle
(``samples`` points evenly spaced on the radius-``R`` circle, degrees = count x 360 / samples) whose cells
hold material and which the tool's sweep from the previous sample does not cover (tested exactly, so the
thin crescent between two near samples is not lost to the raster); then the cells within ``R`` of that
sweep are removed. Default raster cell ``R / 50``, sample spacing ``R / 10``.

Units: mm, degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath
from toolpath.tool import Tool

__all__ = ["EngagementResult", "engagement_along", "sample_moves", "measure_kernel", "measure_reference"]


@njit(cache=True, nogil=True)
def _seg_dist2(px, py, ax, ay, bx, by):  # type: ignore[no-untyped-def]
    dx = bx - ax
    dy = by - ay
    ll = dx * dx + dy * dy
    t = 0.0
    if ll > 0.0:
        t = min(1.0, max(0.0, ((px - ax) * dx + (py - ay) * dy) / ll))
    ex = px - ax - t * dx
    ey = py - ay - t * dy
    return ex * ex + ey * ey


@njit(cache=True, nogil=True)
def measure_kernel(mat, x0, y0, cell, pts, z_level, r, cs, sn, out):  # type: ignore[no-untyped-def]
    """For each sample (x, y, z) in order: when ``z <= z_level``, count into ``out`` the circle points whose
    cell holds material and that the sweep from the previous sample does not cover (exact distance to that
    segment); then clear the cells within ``r`` of the segment. ``out`` is -1 above the level."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    r2 = r * r
    for s in range(pts.shape[0]):
        cx = pts[s, 0]
        cy = pts[s, 1]
        if pts[s, 2] > z_level:
            out[s] = -1
            continue
        ax = cx
        ay = cy
        if s > 0 and pts[s - 1, 2] <= z_level:
            ax = pts[s - 1, 0]
            ay = pts[s - 1, 1]
        n = 0
        for k in range(cs.shape[0]):
            qx = cx + r * cs[k]
            qy = cy + r * sn[k]
            ix = int(math.floor((qx - x0) * inv + 0.5))
            iy = int(math.floor((qy - y0) * inv + 0.5))
            if 0 <= ix < nx and 0 <= iy < ny and mat[iy, ix] != 0:
                if _seg_dist2(qx, qy, ax, ay, cx, cy) >= r2 * (1.0 - 1e-12):
                    n += 1
        out[s] = n
        i0 = max(0, int(math.ceil((min(ax, cx) - r - x0) * inv)) - 1)
        i1 = min(nx - 1, int(math.floor((max(ax, cx) + r - x0) * inv)) + 1)
        j0 = max(0, int(math.ceil((min(ay, cy) - r - y0) * inv)) - 1)
        j1 = min(ny - 1, int(math.floor((max(ay, cy) + r - y0) * inv)) + 1)
        for j in range(j0, j1 + 1):
            y = y0 + j * cell
            for i in range(i0, i1 + 1):
                if mat[j, i] != 0 and _seg_dist2(x0 + i * cell, y, ax, ay, cx, cy) <= r2:
                    mat[j, i] = 0


def measure_reference(mat, x0, y0, cell, pts, z_level, r, cs, sn, out) -> None:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`measure_kernel`."""
    yy, xx = np.mgrid[0 : mat.shape[0], 0 : mat.shape[1]]
    xc, yc = x0 + xx * cell, y0 + yy * cell

    def dist2(px, py, a, b):  # type: ignore[no-untyped-def]
        d = b - a
        ll = float(d @ d)
        t = np.zeros_like(px) if ll == 0 else np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / ll, 0, 1)
        return (px - a[0] - t * d[0]) ** 2 + (py - a[1] - t * d[1]) ** 2

    for s, (cx, cy, cz) in enumerate(pts):
        if cz > z_level:
            out[s] = -1
            continue
        c = np.array([cx, cy])
        a = pts[s - 1, :2] if s > 0 and pts[s - 1, 2] <= z_level else c
        qx, qy = cx + r * cs, cy + r * sn
        ix = np.floor((qx - x0) * (1.0 / cell) + 0.5).astype(np.int64)
        iy = np.floor((qy - y0) * (1.0 / cell) + 0.5).astype(np.int64)
        ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
        hit = np.zeros(len(cs), bool)
        hit[ok] = mat[iy[ok], ix[ok]] != 0
        hit &= dist2(qx, qy, a, c) >= r * r * (1.0 - 1e-12)
        out[s] = int(hit.sum())
        mat[dist2(xc, yc, a, c) <= r * r] = 0


def sample_moves(
    toolpath: Toolpath, step_mm: float, start: Any = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Points along every move every ``step_mm`` or less (the move's start excluded, its end included).

    Returns
    -------
    pts : ndarray of shape (M, 3), float64, mm
    move : ndarray of shape (M,), int64
        Index of the move each point belongs to.
    """
    a = toolpath.starts(start)
    pts: list[NDArray[np.float64]] = []
    idx: list[NDArray[np.int64]] = []
    for i in range(len(toolpath)):
        k = int(toolpath.kind[i])
        p0, p1 = a[i], toolpath.xyz[i]
        if k == MoveKind.DWELL:
            continue
        if k in (MoveKind.ARC_CW, MoveKind.ARC_CCW):
            c = toolpath.center[i]
            rad = math.hypot(p0[0] - c[0], p0[1] - c[1])
            a0 = math.atan2(p0[1] - c[1], p0[0] - c[0])
            a1 = math.atan2(p1[1] - c[1], p1[0] - c[0])
            sweep = a1 - a0
            if k == MoveKind.ARC_CCW:
                sweep = sweep % (2 * math.pi)
                if sweep < 1e-12 and math.hypot(p1[0] - p0[0], p1[1] - p0[1]) < 1e-9:
                    sweep = 2 * math.pi
            else:
                sweep = -((-sweep) % (2 * math.pi))
                if sweep > -1e-12 and math.hypot(p1[0] - p0[0], p1[1] - p0[1]) < 1e-9:
                    sweep = -2 * math.pi
            n = max(1, int(math.ceil(abs(sweep) * rad / step_mm)))
            t = np.arange(1, n + 1) / n
            ang = a0 + sweep * t
            q = np.column_stack([c[0] + rad * np.cos(ang), c[1] + rad * np.sin(ang), p0[2] + (p1[2] - p0[2]) * t])
        else:
            n = max(1, int(math.ceil(math.hypot(p1[0] - p0[0], p1[1] - p0[1]) / step_mm)))
            t = (np.arange(1, n + 1) / n)[:, None]
            q = p0 + (p1 - p0) * t
        pts.append(q)
        idx.append(np.full(len(q), i, np.int64))
    if not pts:
        return np.zeros((0, 3)), np.zeros(0, np.int64)
    return np.concatenate(pts), np.concatenate(idx)


@dataclass(frozen=True, eq=False)
class EngagementResult:
    """Engagement measured at the samples of one level.

    Attributes
    ----------
    xyz : ndarray (M, 3), mm
        Sample positions (only those cutting at the level).
    move : ndarray (M,), int64
        Move index of each sample.
    angle_deg : ndarray (M,), degrees
        Engagement at each sample, before the removal there.
    level : ndarray (M,), bool
        The sample lies on a level move (a feed or arc whose start and end are at ``z_mm``).
    z_mm, cell_mm, step_mm : float
    """

    xyz: NDArray[np.float64]
    move: NDArray[np.int64]
    angle_deg: NDArray[np.float64]
    level: NDArray[np.bool_]
    z_mm: float
    cell_mm: float
    step_mm: float

    def stats(self, mask: NDArray[np.bool_] | None = None) -> dict[str, float]:
        """``max_deg``, ``p99_deg``, ``mean_deg`` of the samples in ``mask`` (default: level moves)."""
        m = self.level if mask is None else mask
        a = self.angle_deg[m]
        if a.size == 0:
            return {"max_deg": 0.0, "p99_deg": 0.0, "mean_deg": 0.0}
        return {"max_deg": float(a.max()), "p99_deg": float(np.percentile(a, 99)), "mean_deg": float(a.mean())}


def engagement_along(
    toolpath: Toolpath,
    tool: Tool,
    material: Any,
    *,
    z_mm: float,
    start: Any = None,
    cell_mm: float | None = None,
    step_mm: float | None = None,
    samples: int = 720,
    use_kernel: bool = True,
) -> EngagementResult:
    """Engagement of ``tool`` along ``toolpath`` at the level ``z_mm``.

    Parameters
    ----------
    toolpath : Toolpath
    tool : Tool
    material : shapely Polygon or MultiPolygon
        Material at the level before the path (e.g. the pocket's region), mm.
    z_mm : float
        The level; a sample cuts it when the tool's bottom is at or below ``z_mm + 1e-9``.
    start : sequence of 3 float, optional
        Where the first move starts.
    cell_mm : float, optional
        Raster cell, default ``R / 50``.
    step_mm : float, optional
        Sample spacing along moves, default ``R / 10``.
    samples : int
        Points on the tool circle.
    use_kernel : bool
        False runs the plain NumPy reference (slow; for tests).
    """
    if not isinstance(toolpath, Toolpath):
        raise InputError(f"toolpath must be a Toolpath, got {type(toolpath).__name__}")
    r = tool.radius_mm
    cell = r / 50.0 if cell_mm is None else float(cell_mm)
    step = r / 10.0 if step_mm is None else float(step_mm)
    if not (cell > 0 and step > 0 and samples >= 8):
        raise InputError(f"cell_mm and step_mm must be > 0 and samples >= 8, got {cell_mm!r}, {step_mm!r}, {samples!r}")
    if material is None or material.is_empty:
        raise InputError("material is empty")
    pts, move = sample_moves(toolpath, step, start)
    x0, y0, x1, y1 = material.bounds
    pad = r + 2 * cell
    if len(pts):
        x0, y0 = min(x0, pts[:, 0].min()) - pad, min(y0, pts[:, 1].min()) - pad
        x1, y1 = max(x1, pts[:, 0].max()) + pad, max(y1, pts[:, 1].max()) + pad
    nx, ny = int(math.ceil((x1 - x0) / cell)) + 1, int(math.ceil((y1 - y0) / cell)) + 1
    yy, xx = np.mgrid[0:ny, 0:nx]
    mat = shapely.contains_xy(material, x0 + xx * cell, y0 + yy * cell).astype(np.uint8)
    a = (np.arange(samples) + 0.5) * (2 * math.pi / samples)
    cs, sn = np.cos(a), np.sin(a)
    out = np.zeros(len(pts), np.int64)
    zl = float(z_mm) + 1e-9
    (measure_kernel if use_kernel else measure_reference)(mat, x0, y0, cell, pts, zl, r, cs, sn, out)
    keep = out >= 0
    starts = toolpath.starts(start)
    lvl_move = (np.abs(starts[:, 2] - z_mm) < 1e-6) & (np.abs(toolpath.xyz[:, 2] - z_mm) < 1e-6) & np.isin(
        toolpath.kind, (int(MoveKind.FEED), int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW)))
    return EngagementResult(
        xyz=pts[keep], move=move[keep], angle_deg=out[keep] * (360.0 / samples), level=lvl_move[move[keep]],
        z_mm=float(z_mm), cell_mm=cell, step_mm=step,
    )
