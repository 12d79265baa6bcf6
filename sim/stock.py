"""Material removal on a height field: sweep a cutter along a toolpath and lower the stock.

Conventions and units (suffixes as in the rest of the project: ``_mm`` millimetres, ``_mm3`` cubic mm):

- A :class:`HeightField` is a 2D float64 array ``z[iy, ix]`` of the top of material in mm, sampled at cell
  centres ``x = x0_mm + ix * cell_mm``, ``y = y0_mm + iy * cell_mm`` (row index is y, column index is x).
- ``floor_mm`` is the level below which no material exists (the stock bottom); a cell with ``z == floor_mm``
  holds no material. Heights are never lowered below it. A field with no floor uses ``-inf``.
- Cutters are solids of revolution about a vertical axis. The height of the tool's bottom surface at
  horizontal distance ``rho`` from the axis, above the tip ``z``, is the profile ``h(rho)``:

  - flat end mill: ``h = 0`` for ``rho <= R``;
  - ball end mill of radius ``R``: ``h = R - sqrt(R^2 - rho^2)``;
  - bull nose with corner radius ``rc``: ``h = 0`` for ``rho <= R - rc``, then
    ``rc - sqrt(rc^2 - (rho - R + rc)^2)``;
  - drill with point angle ``a``: ``h = rho / tan(a / 2)``.

  Every profile is convex and non-decreasing in ``rho``; the tool body above the profile is a cylinder
  and never reaches lower than the profile at the same position, so only the bottom matters.
- A move is swept exactly at each cell centre: the new height is the minimum over the move of the
  tool-bottom height at that centre. Straight moves are exact for every tool (flat: closed form over the
  covered parameter interval; ball: closed form, lowest point of the swept capsule; bull and drill:
  golden-section search of a convex function, to ~1e-12 of the parameter). XY arcs are exact too when
  level (any tool: ``z + h(distance from the cell to the arc)``) and, for a flat end mill, when helical
  (the covered angle interval in closed form). Only a helical arc with a curved tool is flattened, to
  inscribed chords within ``arc_tolerance_mm`` (default 0.005 mm), swept exactly.
- Cell centres are points: a tool exactly tangent to a centre covers it (distances are compared <=).
- Rapids are swept like straight feeds (a linear rapid). A rapid that lowers any cell by more than
  ``1e-6`` mm is reported in :attr:`StockResult.rapid_cuts`.

The kernels (:func:`sweep_kernel` and its reference, the segment table, the tool codes) live in
:mod:`sim.sweep` and are re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath
from toolpath.program import Program
from toolpath.stock import Stock
from toolpath.tool import Tool

from .sweep import FLAT, sweep_kernel, sweep_reference, tool_profile_code, toolpath_segments

__all__ = [
    "HeightField",
    "RapidCut",
    "StockResult",
    "simulate",
    "toolpath_segments",
    "sweep_kernel",
    "sweep_reference",
    "tool_profile_code",
    "RAPID_CUT_MM",
]

RAPID_CUT_MM = 1e-6
"""A rapid lowering a cell by more than this (mm) cuts material."""


# --------------------------------------------------------------------------------------------------
# the height field
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HeightField:
    """Top of material sampled at the centres of a regular grid.

    Parameters
    ----------
    z : ndarray of shape (ny, nx), float64
        Height of the top of material at each cell centre, mm; ``z[iy, ix]``. ``-inf`` (or ``floor_mm``)
        means no material. NaN is not accepted.
    x0_mm, y0_mm : float
        Centre of cell ``(0, 0)``, mm.
    cell_mm : float
        Cell size (pitch of the centres in x and y), mm, > 0.
    floor_mm : float
        No material exists below this level (the stock bottom), mm; ``-inf`` when unbounded.
    """

    z: NDArray[np.float64]
    x0_mm: float
    y0_mm: float
    cell_mm: float
    floor_mm: float = -math.inf

    def __post_init__(self) -> None:
        z = np.array(self.z, dtype=np.float64, copy=True)
        if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] < 1:
            raise InputError(f"height field z must be a non-empty 2D array, got shape {z.shape}")
        if np.isnan(z).any():
            raise InputError("height field z must not contain NaN (use -inf or floor_mm for no material)")
        if np.isposinf(z).any():
            raise InputError("height field z must not contain +inf")
        cell = float(self.cell_mm)
        if not (cell > 0 and math.isfinite(cell)):
            raise InputError(f"cell_mm must be a finite number > 0, got {self.cell_mm!r}")
        x0, y0, fl = float(self.x0_mm), float(self.y0_mm), float(self.floor_mm)
        if not (math.isfinite(x0) and math.isfinite(y0)):
            raise InputError(f"x0_mm and y0_mm must be finite, got {self.x0_mm!r}, {self.y0_mm!r}")
        if math.isnan(fl) or fl == math.inf:
            raise InputError(f"floor_mm must be a number or -inf, got {self.floor_mm!r}")
        z = np.maximum(z, fl)
        z.setflags(write=False)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "x0_mm", x0)
        object.__setattr__(self, "y0_mm", y0)
        object.__setattr__(self, "cell_mm", cell)
        object.__setattr__(self, "floor_mm", fl)

    # construction ---------------------------------------------------------------------------------
    @classmethod
    def covering(
        cls,
        xmin: float,
        ymin: float,
        xmax: float,
        ymax: float,
        cell_mm: float,
        *,
        margin_mm: float = 0.0,
        fill_z_mm: float = -math.inf,
        floor_mm: float = -math.inf,
    ) -> HeightField:
        """A field whose cells cover a rectangle grown by ``margin_mm``, filled with ``fill_z_mm``.

        Cell centres lie on the global lattice ``(k + 1/2) * cell_mm``, so two fields built with the same
        cell size share their centres, and edges at multiples of ``cell_mm`` never fall on a centre.
        """
        cell = float(cell_mm)
        if not (cell > 0 and math.isfinite(cell)):
            raise InputError(f"cell_mm must be a finite number > 0, got {cell_mm!r}")
        if not (xmin <= xmax and ymin <= ymax) or not all(map(math.isfinite, (xmin, ymin, xmax, ymax))):
            bad = (xmin, ymin, xmax, ymax)
            raise InputError(f"bounds must be finite with xmin <= xmax and ymin <= ymax, got {bad}")
        if not (margin_mm >= 0 and math.isfinite(margin_mm)):
            raise InputError(f"margin_mm must be >= 0, got {margin_mm!r}")
        ix0 = math.floor((xmin - margin_mm) / cell + 1e-9)
        ix1 = math.ceil((xmax + margin_mm) / cell - 1e-9)
        iy0 = math.floor((ymin - margin_mm) / cell + 1e-9)
        iy1 = math.ceil((ymax + margin_mm) / cell - 1e-9)
        nx, ny = max(1, ix1 - ix0), max(1, iy1 - iy0)
        if nx * ny > 400_000_000:
            raise InputError(f"a {nx} x {ny} grid is too big; use a larger cell_mm than {cell}")
        z = np.full((ny, nx), float(fill_z_mm))
        return cls(z, (ix0 + 0.5) * cell, (iy0 + 0.5) * cell, cell, floor_mm)

    @classmethod
    def from_stock(cls, stock: Stock, cell_mm: float, margin_mm: float = 0.0) -> HeightField:
        """The uncut stock: ``z_top_mm`` at cell centres inside the footprint, ``z_bottom_mm`` (no material) elsewhere.

        ``floor_mm`` is the stock bottom, so the tool never lowers a cell below it.
        """
        if not isinstance(stock, Stock):
            raise InputError(f"stock must be a toolpath.Stock, got {type(stock).__name__}")
        import shapely

        xmin, ymin, xmax, ymax = stock.footprint.bounds
        hf = cls.covering(
            xmin,
            ymin,
            xmax,
            ymax,
            cell_mm,
            margin_mm=margin_mm,
            fill_z_mm=stock.z_bottom_mm,
            floor_mm=stock.z_bottom_mm,
        )
        xx, yy = hf.centres()
        inside = shapely.contains_xy(stock.footprint, xx, yy)
        return hf.with_z(np.where(inside, stock.z_top_mm, stock.z_bottom_mm))

    def with_z(self, z: NDArray[np.float64], *, floor_mm: float | None = None) -> HeightField:
        """A field on the same grid with heights ``z`` (and optionally another floor)."""
        z = np.asarray(z, dtype=np.float64)
        if z.shape != self.shape:
            raise InputError(f"z has shape {z.shape}, the grid has {self.shape}")
        return HeightField(z, self.x0_mm, self.y0_mm, self.cell_mm, self.floor_mm if floor_mm is None else floor_mm)

    # geometry ---------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return self.z.shape  # type: ignore[return-value]

    @property
    def cell_area_mm2(self) -> float:
        """Area of one cell, mm²."""
        return self.cell_mm * self.cell_mm

    @property
    def x_mm(self) -> NDArray[np.float64]:
        """Cell-centre x coordinates, (nx,) mm."""
        return self.x0_mm + self.cell_mm * np.arange(self.shape[1])

    @property
    def y_mm(self) -> NDArray[np.float64]:
        """Cell-centre y coordinates, (ny,) mm."""
        return self.y0_mm + self.cell_mm * np.arange(self.shape[0])

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell-centre coordinates as two (ny, nx) arrays ``(x, y)``, mm."""
        return np.meshgrid(self.x_mm, self.y_mm)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the cells' outer edges, mm."""
        h = self.cell_mm / 2.0
        ny, nx = self.shape
        return (
            self.x0_mm - h,
            self.y0_mm - h,
            self.x0_mm + (nx - 1) * self.cell_mm + h,
            self.y0_mm + (ny - 1) * self.cell_mm + h,
        )

    def same_grid(self, other: HeightField) -> bool:
        """True when ``other`` has the same shape, origin and cell size (to 1e-9 mm)."""
        return (
            self.shape == other.shape
            and abs(self.cell_mm - other.cell_mm) <= 1e-12
            and abs(self.x0_mm - other.x0_mm) <= 1e-9
            and abs(self.y0_mm - other.y0_mm) <= 1e-9
        )

    def index_of(self, x_mm: float, y_mm: float) -> tuple[int, int]:
        """``(iy, ix)`` of the cell whose centre is nearest to (x, y); may lie outside the grid."""
        return (int(round((y_mm - self.y0_mm) / self.cell_mm)), int(round((x_mm - self.x0_mm) / self.cell_mm)))

    def at(self, x_mm: float, y_mm: float) -> float:
        """Height of the cell nearest to (x, y), mm; raises if outside the grid."""
        iy, ix = self.index_of(x_mm, y_mm)
        if not (0 <= iy < self.shape[0] and 0 <= ix < self.shape[1]):
            raise InputError(f"point ({x_mm}, {y_mm}) is outside the height field {self.bounds()}")
        return float(self.z[iy, ix])

    # measurement ------------------------------------------------------------------------------------
    def volume_above(self, base_mm: float | None = None) -> float:
        """Volume of material above ``base_mm`` (default ``floor_mm``), mm³: Σ max(z - base, 0) × cell area."""
        base = self.floor_mm if base_mm is None else float(base_mm)
        if not math.isfinite(base):
            raise InputError(f"volume_above needs a finite base, got {base!r} (give base_mm)")
        z = self.z[np.isfinite(self.z)]
        return float(np.maximum(z - base, 0.0).sum() * self.cell_area_mm2)


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RapidCut:
    """A rapid that removed material.

    Attributes
    ----------
    move_index : int
        Index of the move in the (concatenated) toolpath.
    x_mm, y_mm, z_mm : float
        Centre of the cell it lowered most and the height it left there, mm.
    depth_mm : float
        How much it lowered that cell, mm.
    """

    move_index: int
    x_mm: float
    y_mm: float
    z_mm: float
    depth_mm: float

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict with unit-suffixed keys."""
        return {
            "move": self.move_index,
            "x_mm": self.x_mm,
            "y_mm": self.y_mm,
            "z_mm": self.z_mm,
            "depth_mm": self.depth_mm,
        }


@dataclass(frozen=True, eq=False)
class StockResult:
    """What :func:`simulate` produced.

    Attributes
    ----------
    heightfield : HeightField
        The stock after every move.
    removed_volume_mm3 : float
        Σ height decrease × cell area.
    removed_per_move_mm3 : ndarray of shape (N,), float64
        Volume each move removed (0 for dwells and air moves), mm³.
    rapid_cuts : list of RapidCut
        Rapids that lowered a cell by more than ``RAPID_CUT_MM``.
    """

    heightfield: HeightField
    removed_volume_mm3: float
    removed_per_move_mm3: NDArray[np.float64]
    rapid_cuts: list[RapidCut] = field(default_factory=list)




# --------------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------------
def simulate(
    program_or_toolpath: Program | Toolpath,
    tool: Tool | None,
    heightfield: HeightField,
    *,
    start_xyz: tuple[float, float, float] | None = None,
    arc_tolerance_mm: float = 0.005,
) -> StockResult:
    """Cut ``heightfield`` with the moves of a program or toolpath.

    Parameters
    ----------
    program_or_toolpath : Program or Toolpath
        A program (each operation with its own tool, unless ``tool`` is given) or one toolpath.
    tool : Tool or None
        The cutter; required for a toolpath; for a program, overrides every operation's tool.
    heightfield : HeightField
        The stock before cutting (for instance :meth:`HeightField.from_stock`).
    start_xyz : tuple of 3 floats, optional
        Where the first move starts, mm; default the program's ``start_xyz``, or for a toolpath its
        first end point.
    arc_tolerance_mm : float
        Chord tolerance for the arcs that are flattened (helical arcs with a curved tool), mm; level arcs,
        and every arc of a flat end mill, are swept exactly.

    Returns
    -------
    StockResult
        Final heights, removed volume (total and per move) and rapids through material.
    """
    if not isinstance(heightfield, HeightField):
        raise InputError(f"heightfield must be a HeightField, got {type(heightfield).__name__}")
    if tool is not None and not isinstance(tool, Tool):
        raise InputError(f"tool must be a toolpath.Tool or None, got {type(tool).__name__}")
    if isinstance(program_or_toolpath, Program):
        prog = program_or_toolpath
        begin = prog.operation_starts()
        if start_xyz is not None:
            begin[0] = tuple(float(v) for v in start_xyz)  # type: ignore[assignment]
        jobs = [(op.toolpath, tool or op.tool, s) for op, s in zip(prog.operations, begin, strict=True)]
    elif isinstance(program_or_toolpath, Toolpath):
        if tool is None:
            raise InputError("simulate needs a tool for a bare Toolpath (pass tool=Tool.flat(D))")
        jobs = [(program_or_toolpath, tool, start_xyz)]
    else:
        raise InputError(f"simulate takes a Program or a Toolpath, got {type(program_or_toolpath).__name__}")

    z = np.array(heightfield.z, dtype=np.float64, copy=True)
    ny, nx = z.shape
    total_moves = sum(len(tp) for tp, _, _ in jobs)
    per_move = np.zeros(total_moves)
    rapid_cuts: list[RapidCut] = []
    offset = 0
    for tp, tl, s in jobs:
        code, radius, param = tool_profile_code(tl)
        seg, move = toolpath_segments(
            tp, s, arc_tolerance_mm=arc_tolerance_mm, keep_level_arcs=True, keep_helical_arcs=code == FLAT
        )
        m = seg.shape[0]
        drop, removed, where, left = np.zeros(m), np.zeros(m), np.full(m, -1, np.int64), np.full(m, np.nan)
        if m:
            sweep_kernel(
                z,
                heightfield.x0_mm,
                heightfield.y0_mm,
                heightfield.cell_mm,
                heightfield.floor_mm,
                np.ascontiguousarray(seg),
                code,
                radius,
                param,
                drop,
                removed,
                where,
                left,
            )
        np.add.at(per_move, move + offset, removed * heightfield.cell_area_mm2)
        rapid = tp.kind[move] == MoveKind.RAPID
        for j in np.flatnonzero(rapid & (drop > RAPID_CUT_MM)):
            iy, ix = divmod(int(where[j]), nx)
            rapid_cuts.append(
                RapidCut(
                    int(move[j]) + offset,
                    float(heightfield.x0_mm + ix * heightfield.cell_mm),
                    float(heightfield.y0_mm + iy * heightfield.cell_mm),
                    float(left[j]),
                    float(drop[j]),
                )
            )
        offset += len(tp)
    # one entry per rapid move (its deepest cut)
    merged: dict[int, RapidCut] = {}
    for rc in rapid_cuts:
        if rc.move_index not in merged or rc.depth_mm > merged[rc.move_index].depth_mm:
            merged[rc.move_index] = rc
    final = heightfield.with_z(z)
    return StockResult(final, float(per_move.sum()), per_move, [merged[k] for k in sorted(merged)])
