"""Check a program against the solid part: gouges, material left that the tool could reach, rapids in material.

The program is simulated on a height field of the stock (:mod:`sim.stock`) and compared with an
independent height field of the part rasterised from its tessellation (:mod:`sim.partfield`):

- a *gouge* is a cell whose simulated height is below the part's height by more than ``tolerance_mm``.
  To absorb the tessellation (chords inside curved walls) and the arc flattening, the part height used
  is the lowest of the part at the cell centre and at 8 points on a ring of radius ``tolerance_xy_mm``
  around it, so a cut that stays within that distance of a wall is not a gouge;
- *uncut* cells hold material above the reachable depth of a flat end mill of the smallest tool radius
  (see :func:`sim.partfield.reachable_depth`), by more than ``tolerance_mm``. The reachable depth is taken
  as the highest within ``uncut_tolerance_xy_mm`` (1.5 cells, the error of the grid opening), so slivers
  along walls and in corners that only the discretisation produces are not counted. Of those, cells *on a
  floor* are where the tool reaches down to the part and the part is flat there (its heights, or the floor
  where no part lies below, over the cell and its 8 neighbours within ``tolerance_mm``): material left on
  floors, the figure a 2.5D program answers for; the rest lies on slopes and curved faces, which a flat end
  mill from above only steps down (terraces), or where the part around stops the tool above it;
- material exists only inside the stock: part material above the stock top or outside its footprint
  is ignored, and nothing exists below ``floor_mm`` (the stock bottom), so through features must be cut
  down to that floor.

Units: mm, mm², mm³.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from toolpath.errors import InputError
from toolpath.moves import Toolpath
from toolpath.program import Program
from toolpath.stock import Stock
from toolpath.tool import Tool

from .partfield import part_triangles, rasterize_triangles, reachable_depth
from .stock import HeightField, RapidCut, StockResult, simulate

__all__ = ["Location", "CheckResult", "check", "default_cell_mm"]

_RING = 8


@dataclass(frozen=True)
class Location:
    """One cluster of cells (8-connected) with a problem.

    Attributes
    ----------
    x_mm, y_mm : float
        Centre of the worst cell of the cluster, mm.
    z_mm : float
        Simulated height there, mm.
    depth_mm : float
        For a gouge, how far below the part; for uncut material, how far above the reachable depth, mm.
    area_mm2 : float
        Area of the cluster, mm².
    cells : int
        Number of cells in the cluster.
    """

    x_mm: float
    y_mm: float
    z_mm: float
    depth_mm: float
    area_mm2: float
    cells: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict with unit-suffixed keys."""
        return {
            "x_mm": self.x_mm,
            "y_mm": self.y_mm,
            "z_mm": self.z_mm,
            "depth_mm": self.depth_mm,
            "area_mm2": self.area_mm2,
            "cells": self.cells,
        }


@dataclass(frozen=True, eq=False)
class CheckResult:
    """What :func:`check` found.

    Attributes
    ----------
    gouge_count : int
        Number of cells cut below the part by more than ``tolerance_mm``.
    gouges : list of Location
        Gouged clusters, deepest first (at most ``max_locations``).
    uncut_area_mm2 : float
        Area of cells where reachable material is left.
    uncut_floor_area_mm2 : float
        The part of ``uncut_area_mm2`` on floors (flat, and the tool reaches down to the part or the floor).
    uncut : list of Location
        Uncut clusters, largest first (at most ``max_locations``).
    removed_volume_mm3 : float
        Volume the program removed.
    designed_volume_mm3 : float
        Stock volume minus the part's volume inside the stock (from the height fields).
    reachable_volume_mm3 : float
        The part of it a flat end mill of the smallest tool radius can reach: the stock above the reachable
        depth (what ``removed_volume_mm3`` is to be compared with where the part has features narrower than
        the tool). A lower bound: on the grid, cells along walls count as out of reach, so a program can
        remove a little more (2-3 % on NIST FTC 06 and 08 at their default cells).
    rapid_cuts : list of RapidCut
        Rapids that removed material.
    cell_mm, tolerance_mm, tolerance_xy_mm : float
        Grid cell, vertical tolerance and the ring radius of the gouge test, mm.
    stock_result : StockResult
        The simulation (final stock height field and per-move volumes).
    part : HeightField
        Part heights clipped to the stock (``-inf`` where no material).
    reachable : HeightField
        Reachable depth of the smallest tool, clamped to the floor.
    """

    gouge_count: int
    gouges: list[Location]
    uncut_area_mm2: float
    uncut_floor_area_mm2: float
    uncut: list[Location]
    removed_volume_mm3: float
    designed_volume_mm3: float
    reachable_volume_mm3: float
    rapid_cuts: list[RapidCut]
    cell_mm: float
    tolerance_mm: float
    tolerance_xy_mm: float
    stock_result: StockResult = field(repr=False)
    part: HeightField = field(repr=False)
    reachable: HeightField = field(repr=False)

    @property
    def ok(self) -> bool:
        """No gouge and no rapid through material."""
        return self.gouge_count == 0 and not self.rapid_cuts

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON-ready values (keys as in DESIGN.md, units in the key)."""
        return {
            "gouge_count": int(self.gouge_count),
            "uncut_area_mm2": float(self.uncut_area_mm2),
            "uncut_floor_area_mm2": float(self.uncut_floor_area_mm2),
            "removed_volume_mm3": float(self.removed_volume_mm3),
            "designed_volume_mm3": float(self.designed_volume_mm3),
            "reachable_volume_mm3": float(self.reachable_volume_mm3),
            "rapid_cut_count": len(self.rapid_cuts),
            "gouges": [g.to_dict() for g in self.gouges],
            "uncut": [u.to_dict() for u in self.uncut],
            "rapid_cuts": [r.to_dict() for r in self.rapid_cuts],
            "cell_mm": float(self.cell_mm),
            "tolerance_mm": float(self.tolerance_mm),
        }


def default_cell_mm(width_mm: float, depth_mm: float, tool_radius_mm: float, *, max_cells: int = 20_000_000) -> float:
    """Cell size used when none is given, mm.

    1/1000 of the larger side, at least 0.05 mm, at most a quarter of the tool radius; then grown if the
    grid would exceed ``max_cells`` cells (memory: each field is 8 bytes a cell, and a check holds several).
    """
    cell = min(max(0.05, max(width_mm, depth_mm) / 1000.0), tool_radius_mm / 4.0)
    if width_mm * depth_mm / (cell * cell) > max_cells:
        cell = math.sqrt(width_mm * depth_mm / max_cells)
    return float(cell)


def check(
    program: Program | Toolpath,
    part: Any,
    tool: Tool | None = None,
    *,
    stock: Stock | None = None,
    cell_mm: float | None = None,
    floor_mm: float | None = None,
    tolerance_mm: float | None = None,
    tessellation_tolerance_mm: float = 0.01,
    arc_tolerance_mm: float = 0.005,
    max_locations: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Simulate ``program`` on the stock and compare the result with ``part``.

    Parameters
    ----------
    program : Program or Toolpath
        What to check; a bare toolpath needs ``tool``.
    part : str, os.PathLike, cadquery Workplane or Shape, or HeightField
        The finished part: a STEP file, a cadquery object, or part heights already sampled (``-inf``
        where no material; then ``stock`` or ``floor_mm`` must be given, its grid is used, and the gouge
        test compares at the cell centres only, without the ring of ``tolerance_xy_mm``).
    tool : Tool, optional
        Overrides the program's tools (required for a toolpath).
    stock : Stock, optional
        Raw material; default the part's bounding box.
    cell_mm : float, optional
        Grid cell, mm; default :func:`default_cell_mm`.
    floor_mm : float, optional
        No material below this, mm; default the stock bottom.
    tolerance_mm : float, optional
        Vertical tolerance, mm; default ``max(0.02, 2 * tessellation_tolerance_mm + arc_tolerance_mm)``.
    tessellation_tolerance_mm : float
        Tessellation deflection of the part, mm.
    arc_tolerance_mm : float
        Chord tolerance of arcs in the simulation, mm.
    max_locations : int
        At most this many gouge and uncut locations are listed.
    progress : callable, optional
        ``progress(done, total)`` after each step (tessellating the part, each of its rasters, the
        simulation, the reachable depth, the comparison), starting with ``(0, total)``.

    Returns
    -------
    CheckResult
    """
    if isinstance(program, Program):
        tools = [tool] if tool is not None else program.tools()
    elif isinstance(program, Toolpath):
        if tool is None:
            raise InputError("check needs a tool for a bare Toolpath (pass tool=Tool.flat(D))")
        tools = [tool]
    else:
        raise InputError(f"check takes a Program or a Toolpath, got {type(program).__name__}")
    if not tools:
        raise InputError("the program has no operation, so there is nothing to check")
    for t in tools:
        if not isinstance(t, Tool):
            raise InputError(f"tool must be a toolpath.Tool, got {type(t).__name__}")
    r_min = min(t.radius_mm for t in tools)
    if isinstance(max_locations, bool) or not isinstance(max_locations, (int, np.integer)) or max_locations < 0:
        raise InputError(f"max_locations must be an integer >= 0, got {max_locations!r}")
    if not (tessellation_tolerance_mm > 0 and arc_tolerance_mm > 0):
        raise InputError(
            "tessellation_tolerance_mm and arc_tolerance_mm must be > 0, got "
            f"{tessellation_tolerance_mm!r} and {arc_tolerance_mm!r}"
        )
    tol_z = max(0.02, 2.0 * tessellation_tolerance_mm + arc_tolerance_mm) if tolerance_mm is None else tolerance_mm
    if not (tol_z >= 0 and math.isfinite(tol_z)):
        raise InputError(f"tolerance_mm must be >= 0, got {tolerance_mm!r}")
    tol_xy = tessellation_tolerance_mm + arc_tolerance_mm + 0.005
    if stock is not None and not isinstance(stock, Stock):
        raise InputError(f"stock must be a toolpath.Stock, got {type(stock).__name__}")

    # the part and the grid ----------------------------------------------------------------------------
    steps = 3 if isinstance(part, HeightField) else 5 + _RING
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    if progress is not None:
        progress(0, steps)
    tri: NDArray[np.float64] | None = None
    if isinstance(part, HeightField):
        if cell_mm is not None and abs(cell_mm - part.cell_mm) > 1e-12:
            raise InputError(f"cell_mm {cell_mm!r} differs from the part height field's cell {part.cell_mm!r}")
        fin = np.isfinite(part.z)
        if not fin.any():
            raise InputError("the part height field holds no material")
        if stock is None:
            if floor_mm is None:
                raise InputError("with a part height field, give stock= or floor_mm= (its bottom is unknown)")
            xx, yy = part.centres()
            h = part.cell_mm / 2.0
            stock = Stock.box(
                float(xx[fin].min()) - h,
                float(yy[fin].min()) - h,
                float(floor_mm),
                float(xx[fin].max()) + h,
                float(yy[fin].max()) + h,
                float(part.z[fin].max()),
            )
        grid = part
        part_c = part.z
        part_ring = part.z
    else:
        if isinstance(part, (str, os.PathLike)) or hasattr(part, "tessellate") or hasattr(part, "vals"):
            tri = part_triangles(part, tolerance_mm=tessellation_tolerance_mm)
            step()
        else:
            raise InputError(f"part must be a STEP path, a cadquery object or a HeightField, got {type(part).__name__}")
        lo, hi = tri.reshape(-1, 3).min(axis=0), tri.reshape(-1, 3).max(axis=0)
        if stock is None:
            stock = Stock.box(float(lo[0]), float(lo[1]), float(lo[2]), float(hi[0]), float(hi[1]), float(hi[2]))
        sx0, sy0, sx1, sy1 = stock.footprint.bounds
        bx = (min(lo[0], sx0), min(lo[1], sy0), max(hi[0], sx1), max(hi[1], sy1))
        if cell_mm is None:
            cell_mm = default_cell_mm(bx[2] - bx[0], bx[3] - bx[1], r_min)
        grid = HeightField.covering(*bx, cell_mm)
        part_c = rasterize_triangles(tri, grid).z
        step()
        part_ring = part_c.copy()
        for k in range(_RING):
            ang = 2.0 * math.pi * k / _RING
            shifted = rasterize_triangles(tri, grid, shift_mm=(tol_xy * math.cos(ang), tol_xy * math.sin(ang))).z
            np.minimum(part_ring, shifted, out=part_ring)
            step()
    floor = stock.z_bottom_mm if floor_mm is None else float(floor_mm)
    if not math.isfinite(floor) or floor >= stock.z_top_mm:
        raise InputError(f"floor_mm must be finite and below the stock top {stock.z_top_mm}, got {floor_mm!r}")
    stock_hf = _stock_on(grid, stock, floor)
    in_stock = stock_hf.z > floor
    part_c = _clip_part(part_c, in_stock, stock.z_top_mm, floor)
    part_ring = _clip_part(part_ring, in_stock, stock.z_top_mm, floor)

    # simulate and compare --------------------------------------------------------------------------------
    res = simulate(program, tool, stock_hf, arc_tolerance_mm=arc_tolerance_mm)
    step()
    sim_z = res.heightfield.z
    cell = grid.cell_mm
    area = cell * cell
    gouge = np.isfinite(part_ring) & (sim_z < part_ring - tol_z)
    part_hf = HeightField(part_c, grid.x0_mm, grid.y0_mm, cell, -math.inf)
    reach = reachable_depth(part_hf, r_min)
    step()
    reach_z = np.maximum(reach.z, floor)
    from scipy.ndimage import maximum_filter, minimum_filter

    uncut_xy = 1.5 * cell
    k = int(math.floor(uncut_xy / cell))
    oy, ox = np.mgrid[-k : k + 1, -k : k + 1]
    reach_tol = maximum_filter(
        reach_z, footprint=(ox * ox + oy * oy) * cell * cell <= uncut_xy**2 + 1e-12, mode="nearest"
    )
    uncut = in_stock & (sim_z > reach_tol + tol_z)
    box = np.ones((3, 3), dtype=bool)
    part_lo = np.maximum(part_c, floor)
    flat = maximum_filter(part_lo, footprint=box, mode="nearest") - minimum_filter(part_lo, footprint=box,
                                                                                    mode="nearest") <= tol_z
    on_floor = flat & (np.abs(reach_z - part_lo) <= tol_z)  # (through features: part_lo is the floor)
    part_vol = float((np.maximum(part_c, floor) - floor)[in_stock].sum() * area)
    designed = stock_hf.volume_above() - part_vol
    reachable = float(np.maximum(stock_hf.z - reach_z, 0.0)[in_stock].sum() * area)
    step()
    return CheckResult(
        gouge_count=int(gouge.sum()),
        gouges=_clusters(gouge, part_c - sim_z, sim_z, grid, max_locations),
        uncut_area_mm2=float(uncut.sum() * area),
        uncut_floor_area_mm2=float((uncut & on_floor).sum() * area),
        uncut=_clusters(uncut, sim_z - reach_z, sim_z, grid, max_locations, by_area=True),
        removed_volume_mm3=res.removed_volume_mm3,
        designed_volume_mm3=float(designed),
        reachable_volume_mm3=reachable,
        rapid_cuts=res.rapid_cuts,
        cell_mm=cell,
        tolerance_mm=float(tol_z),
        tolerance_xy_mm=float(tol_xy),
        stock_result=res,
        part=part_hf,
        reachable=HeightField(reach_z, grid.x0_mm, grid.y0_mm, cell, -math.inf),
    )


def _stock_on(grid: HeightField, stock: Stock, floor: float) -> HeightField:
    import shapely

    xx, yy = grid.centres()
    inside = shapely.contains_xy(stock.footprint, xx, yy)
    return HeightField(np.where(inside, stock.z_top_mm, floor), grid.x0_mm, grid.y0_mm, grid.cell_mm, floor)


def _clip_part(h: NDArray[np.float64], in_stock: NDArray[np.bool_], top: float, floor: float) -> NDArray[np.float64]:
    h = np.minimum(h, top)
    return np.where(in_stock & (h > floor), h, -np.inf)


def _clusters(
    mask: NDArray[np.bool_],
    depth: NDArray[np.float64],
    z: NDArray[np.float64],
    grid: HeightField,
    limit: int,
    *,
    by_area: bool = False,
) -> list[Location]:
    """8-connected clusters of ``mask``, each reported at its deepest cell; deepest (or largest) first."""
    if not mask.any():
        return []
    from scipy.ndimage import label

    lab, n = label(mask, structure=np.ones((3, 3), dtype=bool))
    flat = lab.ravel()
    sel = np.flatnonzero(flat)
    ids = flat[sel] - 1
    d = np.where(np.isfinite(depth.ravel()[sel]), depth.ravel()[sel], np.finfo(float).max)
    order = np.lexsort((-d, ids))  # by cluster, deepest first
    first = order[np.r_[True, ids[order][1:] != ids[order][:-1]]]
    counts = np.bincount(ids, minlength=n)
    out = []
    nx = grid.shape[1]
    area = grid.cell_area_mm2
    for j in first:
        iy, ix = divmod(int(sel[j]), nx)
        c = int(counts[ids[j]])
        out.append(
            Location(
                float(grid.x0_mm + ix * grid.cell_mm),
                float(grid.y0_mm + iy * grid.cell_mm),
                float(z[iy, ix]),
                float(depth[iy, ix]),
                c * area,
                c,
            )
        )
    if by_area:
        out.sort(key=lambda loc: (-loc.cells, -loc.depth_mm))
    else:
        out.sort(key=lambda loc: (-loc.depth_mm, -loc.cells))
    return out[:limit]
