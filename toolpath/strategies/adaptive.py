"""Adaptive clearing: the tool's radial engagement held near a target angle.

Per pocket, the tool centre may go anywhere in ``C``: the pocket's domain (region, plus outside air across
open edges) shrunk by the tool radius, the stock to leave and a safety tolerance. The material still to
cut at the level is a raster (:mod:`toolpath.kernels.engagement`): the cells of the region within reach of
``C``. The plan, made once in 2D and cut at every stepdown, is:

1. *Entry*: from outside across an open side when some centre position in ``C`` has a tool disc free of
   material; otherwise a helix (arcs) in the largest inscribed circle of the uncut part of ``C``, then a
   full circle at depth. Where ``C`` is too narrow for a helix the tool plunges at the plunge feed (noted).
2. *Passes*: from a start point whose disc is clear and whose circle touches material, the tool advances
   in steps; each step's direction is searched so that the engagement of the half of the tool circle facing
   the motion with the remaining material is just below the target ``theta = arccos(1 - ae / R)`` (the
   choice counted again with the raster's loss along older cut edges undone,
   :func:`~toolpath.kernels.engagement.engagement_owned_kernel`); the disc
   at each new centre is removed from the raster. A pass ends when it cuts air or no allowed direction keeps
   the engagement within the maximum. Material is kept on the right of the tool (climb, clockwise spindle)
   or on the left.
3. *Links*: the next start is the nearest earlier tool position whose circle still touches material;
   the straight link is cut at depth when the tool stays in ``C`` and its circle meets no more than the
   target engagement on the way, otherwise the tool retracts.

Steps 2 and 3 run as one Numba kernel (:func:`toolpath.kernels.adaptive_loop.pass_loop_kernel`) until no
start is live; Python then seeds new starts (cells at a tool radius from the material,
:func:`toolpath.kernels.adaptive_loop.start_band_kernel`) or a new entry, and calls it again. Raster cell
``min(ae / 4, R / 12)``, about one circle sample per cell, steps of ``ae / 2``.
4. *Finishing*: staged loops along every boundary of ``C`` (walls on the right for climb) at each level,
   their convex corners rounded (:func:`~toolpath.strategies.adaptive_finish.finish_loops`), so the tool
   never drives into a sharp inside corner with the arc facing it uncut (that took 96-111°; now <= ~77° on
   right angles); a sliver of ~0.3 x the roughing strip stays in each corner. Pointed ends of ``C`` the
   rounded loops would miss (corners sharper than 60°, e.g. room corners behind an island) are slotted at
   half feed before the loops (:func:`~toolpath.strategies.adaptive_finish.finish_tips`, noted). Each loop
   is first run on the raster (:func:`~toolpath.kernels.raster.path_engagement_kernel`); where it would
   pass 0.72 x 90° (pieces of ``C`` too small for passes behind islands: up to 157° measured) that piece
   of the loop goes at half feed and is reported as slotting (``slot_moves``, noted).

Output: the helix and the bottom circle as arcs (G2/G3); passes as arcs where they are circular and lines
elsewhere (:mod:`toolpath.arcfit`, within the simplification tolerance), finishing loops with arcs within
``tolerance_mm`` (``fit_arcs=False``: lines only, simplified within that tolerance). The arcs of all passes
are fitted in one kernel call (:func:`~toolpath.arcfit.fit_polylines`) and the moves of every level are
slices of those columns at the level's z.

5. *Fallback*: where no pass can hold the engagement, trochoidal runs (full circles whose centres
   advance along a straight line with room for them, the pitch holding the target at the circle's front,
   :func:`~toolpath.strategies.adaptive_finish.trochoid`; a run the raster says passes 0.72 x 90° goes at
   half feed, reported as slotting); where there is no room for circles of 0.1 R
   (necks about the tool's width, slivers) the tool slots to each remaining piece at half feed. The plan's
   ``notes`` say which; a region too narrow for a helix is entered by a plunge at the plunge feed (noted).

Known limits: pieces of ``C`` too small for passes are slotted (reported; they count in the measured p99,
which can pass 1.25 x the target where they make more than ~1 % of the path); the path is planned
once in 2D and repeated at every stepdown; chip-thinning passes stay lines (per-move feeds); necks that
the passes can still enter (1.2-1.5 D) are cleared by passes, whose measured p99 there can exceed 1.25 x
the target by a few degrees. Moves are built in NumPy blocks
(:class:`~toolpath.strategies.adaptive_build.BlockBuilder`). Speed against FreeCAD's Adaptive2d:
``benchmarks/bench_adaptive.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt, find_objects, label
from shapely.geometry import LineString
from shapely.prepared import prep

from ..arcfit import fit_polylines
from ..enums import Direction, MoveKind
from ..errors import InputError, UnreachableError
from ..geometry.slicing import tool_residue
from ..kernels.adaptive_loop import LOOP_FULL, pass_loop_kernel, start_band_kernel
from ..kernels.engagement import (
    circle_samples,
    clear_capsule_kernel,
    clear_disc_kernel,
)
from ..kernels.raster import path_engagement_kernel, rasterize
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .adaptive_build import BlockBuilder, append_toolpath
from .adaptive_finish import (
    _FINISH_STAGES,
    _TROCH_MIN_R,
    finish_loops,
    finish_tips,
    hot_pieces,
    start_on_edge,
    trochoid,
    trochoid_circles,
    trochoid_xy,
)
from .linking import _PROGRESS, link_is_safe, ring_coords

__all__ = ["AdaptiveParams", "Segment", "AdaptivePlan", "plan_adaptive_2d", "adaptive_clearing", "clear_pockets",
           "clear_pockets_adaptive", "target_engagement_deg"]

_STEP_AE = 0.5  # step length as a fraction of the stepover (longer steps lose the engagement in curves)
_CELL_AE = 4.0  # raster cells per stepover (3 lets the measured p99 pass 1.25x the target)
_SIMPLIFY_CELL = 0.1  # passes are simplified within this many raster cells (fewer moves; the path keeps it from C)
_K_MAX = 360  # most points on the tool circle in the generator's engagement count
_EDGE_R = 0.5  # the pass kernel checks its steps with the owned count within this many tool radii of C's edge
_NARROW_R = 1.5  # ... where C is narrower than twice this many tool radii, or round an island
#: a finishing loop or trochoid whose raster engagement (:func:`~toolpath.kernels.raster.path_engagement_kernel`)
#: passes this fraction of 90 deg is cut at half feed there and reported as slotting (on the thin strips the
#: loops take in corners the raster's count runs up to ~20 deg below the measured one: 71 vs 91 seen)
_HOT_FRACTION = 0.72
_TROCH_OVER = 1.25  # trochoid circles counted over this x the target on the raster go at half feed (reported)


def _circle_count(radius_mm: float, cell_mm: float) -> int:
    """Points on the tool circle: about one per raster cell along it (finer gains nothing), even, 96..360."""
    return int(min(_K_MAX, max(96, 2 * round(math.pi * radius_mm / cell_mm))))


def target_engagement_deg(stepover_mm: float, radius_mm: float) -> float:
    """Engagement angle of a straight side cut, degrees: ``arccos(1 - ae / R)`` (180 beyond a full slot)."""
    if stepover_mm >= 2.0 * radius_mm:
        return 180.0
    return math.degrees(math.acos(1.0 - stepover_mm / radius_mm))


@dataclass(frozen=True, slots=True)
class AdaptiveParams:
    """Parameters of adaptive clearing.

    Parameters
    ----------
    stepdown_mm : float
        Largest axial cut, mm (> 0); the depth is split into even steps.
    stepover_mm : float or None
        Radial width of cut of a straight side cut, mm, in (0, tool diameter); sets the target angle.
    engagement_deg : float or None
        Target engagement angle, degrees, in (0, 180); overrides ``stepover_mm``. One of the two is needed.
    max_engagement_deg : float or None
        Largest engagement a step may take, degrees; default 1.15 x target (at most 90).
    stock_to_leave_mm : float
        Material left on walls and floor, mm (>= 0).
    feed_mm_min, plunge_feed_mm_min : float
        Cutting feed and feed of vertical moves and helices, mm/min.
    helix_angle_deg : float
        Descent angle of the helix entry, degrees, in (0, 90].
    helix_radius_fraction : float
        Helix radius as a fraction of the tool radius, in (0, 1].
    direction : Direction
        Climb (default: material on the right of the tool) or conventional.
    finish : bool
        Cut a finishing loop along the walls at each level.
    fit_arcs : bool
        Write passes and finishing loops with arcs (G2/G3) where they are circular (default), not only lines.
    chip_thinning : bool
        Scale each pass's feed by ``sin(target) / sin(engagement)`` (at most 2x) where it cuts less.
    tolerance_mm : float
        Extra clearance from walls and simplification tolerance of the passes, mm.
    cell_mm : float or None
        Raster cell, mm; default ``min(ae / 4, R / 12)``.
    clearance_z_mm : float or None
        Not used by the pocket functions (they take ``clearance_z_mm``); kept for job files.
    """

    stepdown_mm: float
    stepover_mm: float | None = None
    engagement_deg: float | None = None
    max_engagement_deg: float | None = None
    stock_to_leave_mm: float = 0.0
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    helix_angle_deg: float = 3.0
    helix_radius_fraction: float = 0.5
    direction: Direction = Direction.CLIMB
    finish: bool = True
    fit_arcs: bool = True
    chip_thinning: bool = False
    tolerance_mm: float = 0.005
    cell_mm: float | None = None
    clearance_z_mm: float | None = None

    def target_deg(self, tool: Tool) -> float:
        """Target engagement angle, degrees."""
        if self.engagement_deg is not None:
            return float(self.engagement_deg)
        assert self.stepover_mm is not None  # validated
        return target_engagement_deg(self.stepover_mm, tool.radius_mm)

    def max_deg(self, tool: Tool) -> float:
        """Largest engagement of a step, degrees."""
        if self.max_engagement_deg is not None:
            return float(self.max_engagement_deg)
        return min(90.0, 1.15 * self.target_deg(tool))

    def stepover_of(self, tool: Tool) -> float:
        """Radial width of cut matching the target angle, mm."""
        return tool.radius_mm * (1.0 - math.cos(math.radians(min(self.target_deg(tool), 180.0))))

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if self.stepover_mm is None and self.engagement_deg is None:
            raise InputError("adaptive clearing needs stepover_mm or engagement_deg")
        if self.stepover_mm is not None and not (0 < self.stepover_mm < tool.diameter_mm):
            raise InputError(
                f"stepover_mm must be in (0, tool diameter {tool.diameter_mm:g}), got {self.stepover_mm!r}"
            )
        if self.engagement_deg is not None and not (0 < self.engagement_deg < 180):
            raise InputError(f"engagement_deg must be in (0, 180), got {self.engagement_deg!r}")
        if self.max_engagement_deg is not None and not (self.target_deg(tool) <= self.max_engagement_deg <= 180):
            raise InputError(f"max_engagement_deg must be in [target, 180], got {self.max_engagement_deg!r}")
        if not (self.stepdown_mm > 0 and math.isfinite(self.stepdown_mm)):
            raise InputError(f"stepdown_mm must be > 0, got {self.stepdown_mm!r}")
        for name in ("feed_mm_min", "plunge_feed_mm_min"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be > 0 mm/min, got {v!r}")
        if not (0 < self.helix_angle_deg <= 90):
            raise InputError(f"helix_angle_deg must be in (0, 90], got {self.helix_angle_deg!r}")
        if not (0 < self.helix_radius_fraction <= 1):
            raise InputError(f"helix_radius_fraction must be in (0, 1], got {self.helix_radius_fraction!r}")
        if not (0 <= self.stock_to_leave_mm < tool.diameter_mm):
            raise InputError(f"stock_to_leave_mm must be in [0, {tool.diameter_mm:g}), got {self.stock_to_leave_mm!r}")
        if not (self.tolerance_mm >= 0):
            raise InputError(f"tolerance_mm must be >= 0, got {self.tolerance_mm!r}")
        if self.cell_mm is not None and not (self.cell_mm > 0):
            raise InputError(f"cell_mm must be > 0, got {self.cell_mm!r}")


@dataclass
class Segment:
    """One piece of the 2D plan.

    ``kind`` is ``"helix"`` (``xy`` = centre, ``radius_mm``), ``"plunge"`` (``xy`` one point), ``"pass"``
    (``xy`` (M, 2) polyline, ``feed_scale`` (M-1,) or None), ``"finish"`` (closed ring), ``"slot"`` (``xy``
    one point, reached at half feed) or ``"troch"`` (trochoidal: full circles of ``radius_mm`` whose centres
    advance by ``pitch_mm`` from ``xy[0]`` to ``xy[1]``, ``xy[2]`` the unit direction; each circle starts
    and ends at the point behind its centre; ``circles`` steps between them when given). ``link`` says how
    the tool reaches the start from the previous segment's end: ``"stay"`` (cut at depth) or ``"retract"``.
    ``slotting`` marks a finishing piece or trochoid cut at half feed and reported as slotting.
    """

    kind: str
    xy: NDArray[np.float64]
    link: str = "retract"
    radius_mm: float = 0.0
    feed_scale: NDArray[np.float64] | None = None
    pitch_mm: float = 0.0
    slotting: bool = False  # a finishing piece or trochoid the raster says exceeds the maximum: half feed, reported
    circles: int | None = None  # trochoid: circle steps from xy[0] to xy[1] (None: as many as the pitch needs)

    def _back(self) -> NDArray[np.float64]:
        """Trochoid: the offset from a circle's centre to its start point (behind it, ``radius_mm`` long)."""
        d = self.xy[2]
        return -self.radius_mm * d

    @property
    def start(self) -> NDArray[np.float64]:
        """Where the segment starts in XY, mm."""
        if self.kind == "helix":
            return self.xy + np.array([self.radius_mm, 0.0])
        if self.kind == "troch":
            return self.xy[0] + self._back()
        return self.xy if self.xy.ndim == 1 else self.xy[0]

    @property
    def end(self) -> NDArray[np.float64]:
        """Where it ends in XY, mm."""
        if self.kind == "helix":
            return self.start
        if self.kind == "troch":
            return self.xy[1] + self._back()
        return self.xy if self.xy.ndim == 1 else self.xy[-1]


@dataclass
class AdaptivePlan:
    """The 2D plan of one pocket and what was found while making it."""

    segments: list[Segment]
    centres: Any
    unreachable: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_area_mm2: float = 0.0
    generation_time_s: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)
    cell_mm: float = 0.0
    #: radius to which the last finishing loop rounds the inside corners of its path, mm: those corners of the
    #: walls are left at the tool's radius plus this (a sliver; see :func:`finish_loops`)
    finish_corner_radius_mm: float = 0.0


class _Grid:
    """The raster of one pocket: origin, cell, material and allowed centres."""

    def __init__(self, pocket: Pocket, centres: Any, r: float, cell: float) -> None:
        reach = centres.buffer(r, quad_segs=16)
        x0, y0, x1, y1 = reach.union(pocket.region).bounds
        pad = 2 * cell
        self.x0, self.y0, self.cell = x0 - pad, y0 - pad, cell
        self.nx = int(math.ceil((x1 - x0 + 2 * pad) / cell)) + 1
        self.ny = int(math.ceil((y1 - y0 + 2 * pad) / cell)) + 1
        # a centre on an allowed cell is within 0.75 cell of that cell's centre, so it stays in C, and so does
        # the pass simplified within _SIMPLIFY_CELL cells
        inner = centres.buffer(-(0.75 + _SIMPLIFY_CELL) * cell)
        self.allowed = rasterize(inner, self.x0, self.y0, cell, self.ny, self.nx)
        region = rasterize(pocket.region, self.x0, self.y0, cell, self.ny, self.nx)
        # cells within reach of an allowed centre (the eroded polygon grown by r less a cell: no slower EDT,
        # and on the safe side of the raster's rounding)
        near = rasterize(inner.buffer(r - cell, quad_segs=16), self.x0, self.y0, cell,
                         self.ny, self.nx) != 0
        # 1: material a roughing centre reaches; 2: material beyond (along walls, in corners)
        self.mat = np.where(region != 0, np.where(near, 1, 2), 0).astype(np.uint8)

    def xy(self, iy: NDArray[np.int64], ix: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.column_stack([self.x0 + ix * self.cell, self.y0 + iy * self.cell])


def _largest_inside(inside: NDArray[np.bool_], cell: float, enough_mm: float) -> tuple[int, int, float]:
    """A cell of ``inside`` far from its outside, and a lower bound of that distance, mm (``(iy, ix, d_mm)``).

    Large grids are searched on blocks of 4 x 4 cells first (a block counts when all its cells are inside;
    the distance is then less the blocks' half diagonals, so it stays a lower bound); when that finds less
    than ``enough_mm``, the exact distance transform of the whole grid decides.
    """
    f = 4
    ny, nx = inside.shape
    if ny * nx > 200_000 and ny >= 4 * f and nx >= 4 * f:
        by, bx = ny // f, nx // f
        blocks = inside[: by * f, : bx * f].reshape(by, f, bx, f).all(axis=(1, 3))
        if blocks.any():
            d = distance_transform_edt(blocks)
            k = int(np.argmax(d))
            jy, jx = divmod(k, bx)
            dk = (float(d[jy, jx]) * f - (f - 1) * math.sqrt(2.0)) * cell
            if dk >= enough_mm:
                return jy * f + f // 2, jx * f + f // 2, dk
    if ny * nx <= 200_000:
        d = distance_transform_edt(inside) * cell
        k = int(np.argmax(d))
        iy, ix = divmod(k, d.shape[1])
        return iy, ix, float(d[iy, ix])
    # small pieces left: the exact transform of each piece's box (the 64 largest pieces), not of the grid
    lab, n = label(inside)
    if n == 0:
        return 0, 0, 0.0
    sizes = np.bincount(lab.ravel())[1:]
    best = (0, 0, 0.0)
    boxes = find_objects(lab)
    for k in np.argsort(sizes)[::-1][:64]:
        sy, sx = boxes[k]
        sub = np.pad(lab[sy, sx] == k + 1, 1)
        d = distance_transform_edt(sub) * cell
        j = int(np.argmax(d))
        iy, ix = divmod(j, d.shape[1])
        if d[iy, ix] > best[2]:
            best = (iy - 1 + sy.start, ix - 1 + sx.start, float(d[iy, ix]))
    return best


def plan_adaptive_2d(pocket: Pocket, tool: Tool, params: AdaptiveParams) -> AdaptivePlan:
    """Plan the adaptive clearing of one pocket in XY (see the module docstring)."""
    t_start = time.perf_counter()
    r = tool.radius_mm
    margin = params.tolerance_mm + params.stock_to_leave_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-(r + margin), quad_segs=64)
    unreachable = tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm + params.stock_to_leave_mm)
    plan = AdaptivePlan([], centres, unreachable)
    if centres.is_empty:
        return plan
    ae = params.stepover_of(tool)
    cell = params.cell_mm if params.cell_mm is not None else min(ae / _CELL_AE, r / 12.0)
    plan.cell_mm = cell
    g = _Grid(pocket, centres, r, cell)
    kk = _circle_count(r, cell)
    cs, sn = circle_samples(kk)
    target = max(1, int(round(params.target_deg(tool) / 360.0 * kk)))
    if target > 1 and target * 360.0 / kk > 1.02 * params.target_deg(tool):
        target -= 1  # a coarse circle count rounded up would aim above the target
    max_count = max(target, int(math.floor(params.max_deg(tool) / 360.0 * kk)))
    side = -1.0 if params.direction is Direction.CLIMB else 1.0
    step = float(np.clip(_STEP_AE * ae, cell, r / 6.0))
    min_step = max(0.25 * cell, step / 8.0)
    max_air = int(r / step) + 2
    probe_r = r + 3.0 * cell
    buf_xy = np.empty((50_000, 2))  # one pass, at most
    buf_e = np.empty(50_000, np.int64)
    log = np.empty(g.mat.size, np.int64)
    mat0 = g.mat.copy()
    own = np.full(g.mat.shape + (2,), np.nan, np.float32)  # centre of the pass disc that cleared each cell
    min_removed = int(0.5 * ae * r / (cell * cell))
    mat, allowed, x0, y0 = g.mat, g.allowed, g.x0, g.y0
    # allowed cells within _EDGE_R tool radii of the region's edge are marked 2: there the pass kernel checks
    # its direction with the owned count (narrow places, tips, rings round islands: where the raster's count
    # ran 10-15 deg low); the open middle keeps the cheaper fresh count
    core = rasterize(centres.buffer(-(0.75 + _SIMPLIFY_CELL) * cell - _EDGE_R * r), x0, y0, cell, g.ny, g.nx)
    # ... but only at narrow places (necks, tips, corners: what an opening by _NARROW_R tool radii takes away)
    # and round islands: along open walls the fresh count held (the check there cost ~15 % on an open
    # rectangle)
    odd = centres.difference(centres.buffer(-_NARROW_R * r).buffer(_NARROW_R * r))
    isles = [shapely.Polygon(h) for p in shapely.get_parts(centres) for h in p.interiors]
    watch = rasterize(shapely.union_all([odd.buffer(r)] + [h.buffer((_EDGE_R + 0.5) * r) for h in isles]),
                      x0, y0, cell, g.ny, g.nx)
    allowed[(allowed != 0) & (core == 0) & (watch != 0)] = 2
    cent_prep = prep(centres.buffer(1e-7))

    n_alive = 0
    alive = np.empty((max(8192, 4 * buf_xy.shape[0]), 2))
    state = np.array([0.0, 0.0, 0.0, 4000.0, 0.0, 0.0, 0.0, 0.0])  # see kernels.adaptive_loop
    out_xy = np.empty((4 * buf_xy.shape[0], 2))
    out_e = np.empty(out_xy.shape[0], np.int64)
    seg_start = np.empty(4097, np.int64)
    seg_link = np.empty(4096, np.int8)
    segs = plan.segments
    target_deg = params.target_deg(tool)
    sin_t = math.sin(math.radians(min(target_deg, 90.0)))

    def pos_now() -> NDArray[np.float64] | None:
        return state[:2].copy() if state[2] > 0 else None

    def set_pos(p: NDArray[np.float64]) -> None:
        state[0], state[1], state[2] = p[0], p[1], 1.0

    def add_alive(pts: NDArray[np.float64]) -> None:
        nonlocal alive, n_alive
        if n_alive + len(pts) > alive.shape[0]:
            grown = np.empty((2 * (n_alive + len(pts)), 2))
            grown[:n_alive] = alive[:n_alive]
            alive = grown
        alive[n_alive : n_alive + len(pts)] = pts
        n_alive += len(pts)

    def window(pad: float) -> tuple[slice, slice] | None:
        """The grid rows and columns around the material left (with ``pad`` mm), or None when none is left."""
        rows, cols = np.flatnonzero(mat.any(axis=1)), np.flatnonzero(mat.any(axis=0))
        if rows.size == 0:
            return None
        k = int(math.ceil(pad / cell)) + 2
        return (slice(max(0, rows[0] - k), min(mat.shape[0], rows[-1] + k + 1)),
                slice(max(0, cols[0] - k), min(mat.shape[1], cols[-1] + k + 1)))

    def refresh() -> bool:
        """Start points where the disc is clear of material and material is near; False when none."""
        w = window(r + 3.0 * cell)
        if w is None:
            return False
        cand = start_band_kernel(mat[w], allowed[w], cell, r + 0.75 * cell, r + 2.25 * cell)
        iy, ix = np.nonzero(cand)
        if iy.size == 0:
            return False
        pts = g.xy(iy + w[0].start, ix + w[1].start)[:: max(1, int(iy.size // 4000))]
        add_alive(pts)
        return True

    def entry() -> bool:
        """A helix (or plunge) in the largest circle of allowed centres over uncut material."""
        inside = (allowed != 0) & (mat == 1)
        if not inside.any():
            return False
        w = window(2.0 * cell)
        assert w is not None
        iy, ix, dk = _largest_inside(inside[w], cell, 0.25 * r + 2 * cell)
        c = g.xy(np.array([iy + w[0].start]), np.array([ix + w[1].start]))[0]
        if dk < (cell if cleanup else 0.25 * r):
            return False
        rh = min(params.helix_radius_fraction * r, dk - cell)
        if rh < max(2 * cell, 0.05 * r):
            segs.append(Segment("plunge", c.copy(), "retract"))
            plan.notes.append(f"plunged at ({c[0]:.3f}, {c[1]:.3f}): no room for a helix")
            clear_disc_kernel(mat, x0, y0, cell, c[0], c[1], r)
            add_alive(c[None])
            set_pos(c)
        else:
            segs.append(Segment("helix", c.copy(), "retract", radius_mm=rh))
            clear_disc_kernel(mat, x0, y0, cell, c[0], c[1], r + rh)
            a = np.linspace(0, 2 * np.pi, 48, endpoint=False)
            add_alive(c + rh * np.column_stack([np.cos(a), np.sin(a)]))
            set_pos(c + np.array([rh, 0.0]))  # where the helix ends
        return True

    cleanup = False
    fruitless = 0  # refreshes since the last accepted pass
    for _ in range(100_000):
        if n_alive + buf_xy.shape[0] // 2 + 1 > alive.shape[0]:
            grown = np.empty((2 * alive.shape[0], 2))
            grown[:n_alive] = alive[:n_alive]
            alive = grown
        status, n_alive, n_seg = pass_loop_kernel(
            mat, mat0, allowed, x0, y0, cell, r, cs, sn, probe_r, step, min_step, target, max_count, side, max_air,
            min_removed, alive, n_alive, state, buf_xy, buf_e, log, out_xy, out_e, seg_start, seg_link, own)
        for k in range(n_seg):
            a, b_ = int(seg_start[k]), int(seg_start[k + 1])
            seg = Segment("pass", out_xy[a:b_].copy(), "stay" if seg_link[k] else "retract")
            if params.chip_thinning:
                e_deg = np.clip(out_e[a + 1 : b_] * 360.0 / kk, 1e-3, 90.0)
                seg.feed_scale = np.clip(sin_t / np.sin(np.radians(e_deg)), 1.0, 2.0)
            segs.append(seg)
        if n_seg:
            fruitless = 0
        if status == LOOP_FULL:
            continue
        fruitless += 1
        if fruitless > 2 or not (refresh() or entry()):
            if fruitless > 2 and entry():
                fruitless = 0
                continue
            if cleanup:
                break
            # clean-up: accept any pass that removes material, plunge where no helix fits
            cleanup, min_removed, fruitless = True, 1, 0
    pos = pos_now()
    plan.stats = {"passes_undone": int(state[4]), "steps_undone": int(state[5]), "passes": int(state[6]),
                  "steps": int(state[7])}
    # fallback where no pass can hold the engagement (necks, slivers): trochoidal circles where the neck
    # leaves room for them, else slot to each piece at half feed
    slots = trochs = hot_trochs = 0
    hot_count = math.ceil(_HOT_FRACTION * 90.0 / 360.0 * kk)

    def hot_limit(xy: NDArray[np.float64], over: float | None = None) -> NDArray[np.bool_]:
        """Per vertex of a fixed path, whether the move to it passes the hot count (clearing ``mat`` on the way);
        on a path smaller than the tool's radius across (a loop round a tip of C a few cells wide, which the
        raster cannot follow: 57-71 deg counted where 91 was measured), whether it passes the target. With
        ``over``, whether it passes that count."""
        got = path_engagement_kernel(mat, x0, y0, cell, np.ascontiguousarray(xy), r, cs, sn, 2.0 * cell)
        if over is not None:
            return got > over
        tiny = float(np.max(np.ptp(xy, axis=0))) < r
        return got >= (target if tiny else hot_count)

    left_cells = np.count_nonzero(mat == 1)
    if left_cells and params.finish and left_cells * cell * cell < ae * r and not np.any(allowed[mat == 1]):
        # a few cells of wall strip (outside C, less than a stepover x a tool radius in all): the finishing loops,
        # which sweep the whole strip along C's edge, take them; no fallback run for a speck
        left_cells = 0
    if left_cells:
        _, near = distance_transform_edt(allowed == 0, return_indices=True)
        room = distance_transform_edt(allowed != 0) * cell  # mm from an allowed cell to the nearest other one
        rho_min = _TROCH_MIN_R * r
        roomy = room >= rho_min + cell
        near_roomy = distance_transform_edt(~roomy, return_indices=True)[1] if roomy.any() else None
        target_rad = math.radians(min(target_deg, 89.0))
        for _ in range(2000):
            left = np.argwhere(mat == 1)
            if left.size == 0:
                break
            here = pos if pos is not None else g.xy(left[:1, 0], left[:1, 1])[0]
            k = int(np.argmin(((g.xy(left[:, 0], left[:, 1]) - here) ** 2).sum(axis=1)))
            lk = tuple(left[k])
            if pos is not None and near_roomy is not None:
                tro = trochoid(g, room, near_roomy, pos, near_roomy[0][lk], near_roomy[1][lk],
                               g.xy(left[k:k + 1, 0], left[k:k + 1, 1])[0], r, rho_min, ae, target_rad)
                if tro is not None:
                    c0, q, d, rho, pitch = tro
                    s0 = c0 - rho * d
                    link = "stay" if cent_prep.covers(LineString([pos, s0]) if np.any(pos != s0) else
                                                      shapely.Point(s0)) else "retract"
                    if link == "stay" and bool(hot_limit(np.array([pos, s0])).any()):
                        # the link cuts into the neck's material (up to 140 deg measured): at half feed, reported
                        segs.append(Segment("slot", s0.copy(), "stay"))
                        slots += 1
                    # circles whose count on the raster passes 1.25 x the target (the raster counts a
                    # trochoid 5-10 deg low: 54 counted, 56-61 measured where a neck opens out) are cut at half
                    # feed and reported as slotting: the run is split where that changes
                    txy = trochoid_xy(c0, q, d, rho, pitch, cw=params.direction is not Direction.CLIMB,
                                      step_mm=0.5 * cell)
                    n_c = trochoid_circles(c0, q, pitch)
                    hot_c = hot_limit(txy, over=_TROCH_OVER * target).reshape(n_c + 1, -1).any(axis=1)
                    cuts = [0, *(np.flatnonzero(hot_c[1:] != hot_c[:-1]) + 1).tolist(), n_c + 1]
                    for i, j in zip(cuts[:-1], cuts[1:], strict=True):
                        ci, cj = c0 + (q - c0) * (i / n_c), c0 + (q - c0) * ((j - 1) / n_c)
                        segs.append(Segment("troch", np.array([ci, cj, d]), link if i == 0 else "stay", radius_mm=rho,
                                            pitch_mm=pitch, circles=j - 1 - i, slotting=bool(hot_c[i])))
                    clear_capsule_kernel(mat, x0, y0, cell, c0[0], c0[1], q[0], q[1], r + rho)
                    trochs += 1
                    hot_trochs += bool(hot_c.any())
                    pos = q - rho * d
                    if mat[lk] != 1:
                        continue
            iy, ix = near[0][lk], near[1][lk]
            q = g.xy(np.array([iy]), np.array([ix]))[0]
            link = "retract"
            got = 0
            if pos is not None and cent_prep.covers(LineString([pos, q]) if np.any(pos != q) else shapely.Point(q)):
                link = "stay"
                got += clear_capsule_kernel(mat, x0, y0, cell, pos[0], pos[1], q[0], q[1], r)
            got += clear_disc_kernel(mat, x0, y0, cell, q[0], q[1], r)
            if mat[lk] == 1:
                mat[lk] = 0  # out of reach of its nearest allowed centre (raster edge): drop it
            if got == 0:
                continue
            segs.append(Segment("slot", q.copy(), link))
            slots += 1
            pos = q
    if trochs:
        plan.notes.append(f"{trochs} trochoidal runs (full circles advancing along necks narrower than a pass needs)")
    if hot_trochs:
        plan.notes.append(f"{hot_trochs} trochoidal runs partly at half feed, reported as slotting (circles whose "
                          "engagement on the raster passes 1.25 x the target)")
    if slots:
        plan.notes.append(f"{slots} slotting moves at half feed where no pass nor trochoid held the engagement "
                          "(necks about the tool's width, slivers)")
    plan.left_area_mm2 = float(np.count_nonzero(mat == 1)) * cell * cell
    if plan.left_area_mm2 > 0.5 * r * r:
        plan.notes.append(f"{plan.left_area_mm2:.2f} mm2 reachable left after roughing (raster)")
    if params.finish:
        climb = params.direction is Direction.CLIMB
        strip = (1.85 + _SIMPLIFY_CELL) * cell + params.tolerance_mm  # what roughing leaves on walls, mm
        plan.finish_corner_radius_mm = _FINISH_STAGES[-1][1] * strip
        tips = finish_tips(centres, strip)
        if tips:
            plan.notes.append(f"{len(tips)} slotting moves at half feed into pointed ends the finishing loops miss")
        # pointed ends of C the rounded loops miss (corners behind islands): slotted before the loops (nearest
        # first), so a loop turning there finds the corner cut (it took up to 99 deg there)
        while tips:
            q = tips.pop(int(np.argmin([np.hypot(*(t - pos)) for t in tips])) if pos is not None else 0)
            link = "stay" if pos is not None and link_is_safe(pos, q, cent_prep) else "retract"
            if link == "stay":
                clear_capsule_kernel(mat, x0, y0, cell, pos[0], pos[1], q[0], q[1], r)
            clear_disc_kernel(mat, x0, y0, cell, q[0], q[1], r)
            segs.append(Segment("slot", q, link))
            pos = q
        hot_pieces_n = 0
        for loop, slot in finish_loops(centres, strip, plan.notes):
            rings = [ring_coords(loop.exterior, ccw=climb)] + [ring_coords(i, ccw=not climb) for i in loop.interiors]
            for lp in rings:
                if len(lp) < 4:
                    continue
                if pos is not None:
                    lp = start_on_edge(lp, pos, r)
                # where the raster says the loop passes the maximum (a piece of C too small for passes, a
                # corner left full), that part is cut at half feed and reported as slotting
                # (a loop round a strip of C thinner than the rounding slots all along: at half feed, reported)
                hot_v = hot_limit(lp)
                for piece, hot in ([(lp, True)] if slot else hot_pieces(lp, hot_v, r)):
                    segs.append(Segment("finish", piece, "retract", slotting=hot))
                    hot_pieces_n += hot and not slot
                pos = lp[-1]
        if hot_pieces_n:
            plan.notes.append(f"{hot_pieces_n} pieces of finishing loops at half feed, reported as slotting (their "
                              "engagement on the raster passes the maximum: pieces of the centre domain too small "
                              "for passes, corners left full)")
    # the 2D links are decided here so every level cuts the same plan
    for i in range(1, len(segs)):
        s, prev = segs[i], segs[i - 1]
        if s.kind in ("finish",) or (s.kind == "pass" and s.link == "retract"):
            s.link = "stay" if link_is_safe(prev.end, s.start, cent_prep) and s.kind == "finish" else s.link
    plan.generation_time_s = time.perf_counter() - t_start
    return plan


def _fit_segments(segments: list[Segment], kind: str, feed_mm_min: float, tol: float, *,
                  simplify_lines: bool) -> tuple[list[Any], NDArray[np.int64], NDArray[np.int64]] | None:
    """Arcs fitted to every segment of ``kind`` (without per-move feeds) in one kernel call, at z = 0.

    Returns ``([kind, xyz, center, feed, z], first, end)``: segment ``k``'s moves are rows ``first[k]`` to
    ``end[k]`` of the columns (``first[k] == -1`` for the other segments), or None when there is no such
    segment (arrays, not a dict of tuples: thousands of small objects made the garbage collector run).
    Row ``first - 1`` before each segment's moves is a straight feed to its start (the
    stay-down link to it). :func:`_level_columns` gives the columns at a level's z.
    """
    idx = [k for k, s in enumerate(segments) if s.kind == kind and s.feed_scale is None and len(s.xy) >= 2]
    if not idx:
        return None
    counts = np.array([len(segments[k].xy) for k in idx], np.int64)
    offsets = np.zeros(len(idx) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    pts = np.zeros((int(offsets[-1]), 3))
    pts[:, :2] = np.concatenate([segments[k].xy for k in idx])
    moves, at = fit_polylines(pts, offsets, feed_mm_min, tol, simplify_lines=simplify_lines)
    # segment j's moves go to rows at[j] + j + 1 .. at[j + 1] + j, its link to row at[j] + j
    n = len(moves) + len(idx)
    lead = at[:-1] + np.arange(len(idx))
    rows = np.ones(n, bool)
    rows[lead] = False
    kinds = np.full(n, int(MoveKind.FEED), np.int8)
    kinds[rows] = moves.kind
    xyz = np.zeros((n, 3))
    xyz[rows] = moves.xyz
    xyz[lead] = pts[offsets[:-1]]
    center = np.full((n, 2), np.nan)
    center[rows] = moves.center
    feed = np.full(n, float(feed_mm_min))
    feed[rows] = moves.feed
    first = np.full(len(segments), -1, np.int64)
    end = np.full(len(segments), -1, np.int64)
    first[idx] = lead + 1
    end[idx] = at[1:] + np.arange(len(idx)) + 1
    return [kinds, xyz, center, feed, math.nan], first, end


def _level_columns(cols: list[Any], z: float) -> list[Any]:
    """The fitted columns of :func:`_fit_segments` at ``z``: the xyz column replaced by a copy at that z when
    it is not there yet (the builder keeps views of the previous level's copy)."""
    if cols[4] != z:
        cols[1] = cols[1].copy()
        cols[1][:, 2] = z
        cols[4] = z
    return cols


def _simplify_all(paths: list[NDArray[np.float64] | None], tol: float) -> list[NDArray[np.float64] | None]:
    """Every polyline (M, 2) simplified within ``tol`` mm (Douglas-Peucker, one shapely call); None stays None."""
    idx = [i for i, xy in enumerate(paths) if xy is not None and len(xy) >= 3]
    out = list(paths)
    if not idx or tol <= 0:
        return out
    lines = shapely.linestrings(np.concatenate([paths[i] for i in idx]),  # type: ignore[misc]
                                indices=np.repeat(np.arange(len(idx)), [len(paths[i]) for i in idx]))  # type: ignore[arg-type]
    simp = shapely.simplify(lines, tol, preserve_topology=False)
    counts = shapely.get_num_coordinates(simp)
    coords = shapely.get_coordinates(simp)
    ends = np.cumsum(counts)
    for j, i in enumerate(idx):
        xy = coords[ends[j] - counts[j] : ends[j]]
        out[i] = xy if len(xy) >= 2 else paths[i][[0, -1]]  # type: ignore[index]
    return out


def adaptive_clearing(
    pocket: Pocket,
    tool: Tool,
    params: AdaptiveParams,
    *,
    builder: ToolpathBuilder | BlockBuilder | None = None,
    clearance_z_mm: float,
    entry_moves: list[int] | None = None,
    finish_moves: list[int] | None = None,
    slot_moves: list[int] | None = None,
    link_moves: list[int] | None = None,
) -> AdaptivePlan:
    """Append the moves clearing ``pocket`` adaptively to ``builder`` (a new one if None).

    The tool starts and ends at ``clearance_z_mm``. Returns the 2D plan (with ``unreachable`` and
    ``notes``). When ``entry_moves`` is a list, the indices of the entry moves (helix, bottom circle, plunge)
    in the builder are appended to it; likewise ``finish_moves`` for the moves of the finishing loops and
    ``slot_moves`` for the fallback slotting moves (at half feed, where no pass held the engagement), and
    ``link_moves`` for the stay-down links between passes (feed moves at depth that cut next to nothing).
    """
    params.validate(tool)
    outer = builder if builder is not None else BlockBuilder()
    plan = plan_adaptive_2d(pocket, tool, params)
    if not plan.segments:
        return plan
    # the moves go to arrays (a plain ToolpathBuilder holds ~200 bytes of Python objects per move)
    b = outer if isinstance(outer, BlockBuilder) else BlockBuilder(position=outer.position)
    base = 0 if b is outer else len(outer)
    tags: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
    _cut_levels(pocket, tool, params, plan, b, clearance_z_mm, tags)
    if b is not outer:
        append_toolpath(outer, b.build())  # type: ignore[arg-type]
    for mine, theirs in zip(tags, (entry_moves, finish_moves, slot_moves, link_moves), strict=True):
        if theirs is not None:
            theirs.extend(i + base for i in mine)
    return plan


def _cut_levels(pocket: Pocket, tool: Tool, params: AdaptiveParams, plan: AdaptivePlan, b: BlockBuilder,
                clearance_z_mm: float, tags: tuple[list[int], list[int], list[int], list[int]]) -> None:
    """Append the plan's moves at every level to ``b``; ``tags`` collect entry, finish, slot and link moves."""
    cent = prep(plan.centres.buffer(1e-7))
    z_floor = pocket.z_bottom_mm + params.stock_to_leave_mm
    if z_floor >= pocket.z_top_mm:
        return
    n = max(1, math.ceil((pocket.z_top_mm - z_floor) / params.stepdown_mm - 1e-9))
    depths = [pocket.z_top_mm - (pocket.z_top_mm - z_floor) * (i + 1) / n for i in range(n)]
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min
    cw = params.direction is not Direction.CLIMB  # climb: material outside the helix on the right: CCW
    slope = math.tan(math.radians(params.helix_angle_deg))
    entries, finishes, slotting, linking = tags

    def enter(xy: NDArray[np.float64], z_from: float) -> None:
        p = b.position
        if p is not None and p[2] < clearance_z_mm - 1e-9:
            b.rapid(p[0], p[1], clearance_z_mm)
        b.rapid(xy[0], xy[1], clearance_z_mm)
        if z_from + 1.0 < clearance_z_mm:
            b.rapid(xy[0], xy[1], z_from + 1.0)
        b.feed(xy[0], xy[1], z_from, fp)

    pass_tol = max(params.tolerance_mm, _SIMPLIFY_CELL * plan.cell_mm, 1e-4)
    simple = _simplify_all([s.xy if s.kind == "pass" else None for s in plan.segments], pass_tol) \
        if not params.fit_arcs else []
    # arcs fitted once to every pass (and finishing loop), in one kernel call each, repeated at every level
    fitted = {kind: _fit_segments(plan.segments, kind, f, tol, simplify_lines=kind == "pass")
              for kind, tol in (("pass", pass_tol), ("finish", params.tolerance_mm))
              if params.fit_arcs and tol > 0}
    z_prev = pocket.z_top_mm
    for z in depths:
        for k, s in enumerate(plan.segments):
            start = s.start
            p = b.position
            at = p is not None and abs(p[2] - z) < 1e-9
            if k == 0:
                stay = p is not None and abs(p[2] - z_prev) < 1e-9 and link_is_safe(np.array(p[:2]), start, cent)
                if stay:
                    b.feed(start[0], start[1], z_prev, f)
                else:
                    enter(start, z_prev)
            elif s.link == "stay" and at:
                if s.kind == "slot":
                    slotting.append(len(b))
                elif s.kind == "finish":
                    (slotting if s.slotting else finishes).append(len(b))  # the approach belongs to the loop
                else:
                    linking.append(len(b))
                fit = fitted.get(s.kind)
                a = int(fit[1][k]) if fit is not None else -1
                if a >= 0:  # the link and the fitted moves in one slice of the level's columns
                    e = int(fit[2][k])
                    cols = _level_columns(fit[0], z)
                    first = len(b) + 1
                    feed = cols[3][a - 1 : e] * (0.5 if s.slotting else 1.0)
                    b.extend_columns(cols[0][a - 1 : e], cols[1][a - 1 : e], cols[2][a - 1 : e], feed)
                    if s.kind == "finish":
                        (slotting if s.slotting else finishes).extend(range(first, len(b)))
                    continue
                b.feed(start[0], start[1], z, 0.5 * f if s.kind == "slot" else f)
            else:
                enter(start, z_prev)
            if s.kind == "helix":
                c, rh = s.xy, s.radius_mm
                zc = b.position[2]  # type: ignore[index]
                turns = max(1, math.ceil((zc - z) / (2 * math.pi * rh * slope) * 2))  # half turns
                for t in range(turns):
                    ang = math.pi * (t + 1) * (-1 if cw else 1)
                    zt = zc - (zc - z) * (t + 1) / turns
                    entries.append(len(b))
                    b.arc(c[0] + rh * math.cos(ang), c[1] + rh * math.sin(ang), zt, c[0], c[1], cw=cw,
                          feed_mm_min=fp)
                end = b.position
                entries.append(len(b))
                b.arc(end[0], end[1], z, c[0], c[1], cw=cw, feed_mm_min=f)  # type: ignore[index]
                continue
            if b.position[2] > z + 1e-9:  # type: ignore[index]
                entries.append(len(b))
                b.feed(start[0], start[1], z, fp)
            if s.kind in ("plunge", "slot"):
                continue
            if s.kind == "troch":
                c0, q, d = s.xy
                n_c = trochoid_circles(c0, q, s.pitch_mm) if s.circles is None else s.circles
                ft = 0.5 * f if s.slotting else f
                first = len(b)
                for i in range(n_c + 1):
                    c = c0 + (q - c0) * (i / max(n_c, 1))
                    st = c - s.radius_mm * d
                    if i:
                        b.feed(st[0], st[1], z, ft)
                    b.arc(st[0], st[1], z, c[0], c[1], cw=cw, feed_mm_min=ft)  # a full circle
                if s.slotting:
                    slotting.extend(range(first, len(b)))
                continue
            xy = s.xy
            if s.kind == "pass" and s.feed_scale is not None:
                b.feeds(np.column_stack([xy[1:], np.full(len(xy) - 1, z)]), f * s.feed_scale)
                continue
            first = len(b)
            fit = fitted.get(s.kind)
            if fit is not None:
                # arcs fitted to the raw pass, the lines between simplified, all within the simplification
                # tolerance; finishing loops (on C's boundary) within tolerance_mm, the clearance to the walls
                cols = _level_columns(fit[0], z)
                a, e = (int(fit[1][k]), int(fit[2][k])) if fit[1][k] >= 0 else (0, 0)
                b.extend_columns(cols[0][a:e], cols[1][a:e], cols[2][a:e], cols[3][a:e] * (0.5 if s.slotting else 1.0))
            else:
                xy = simple[k] if s.kind == "pass" else xy
                # the tool is at the start (xy[0]); the points after it are distinct (steps > 0, simplified)
                b.feeds(np.column_stack([xy[1:], np.full(len(xy) - 1, z)]), 0.5 * f if s.slotting else f)
            if s.kind == "finish":
                (slotting if s.slotting else finishes).extend(range(first, len(b)))
        z_prev = z
    p = b.position
    if p is not None:
        b.rapid(p[0], p[1], clearance_z_mm)


def clear_pockets(
    pockets: list[Pocket],
    tool: Tool,
    params: AdaptiveParams,
    *,
    clearance_z_mm: float,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear every pocket adaptively in order (upper bands first), retracting between them.

    Returns
    -------
    toolpath : Toolpath
    unreachable : list of dict
        ``{"where", "reason"}`` for the material the tool cannot reach, and notes (plunges, leftovers).

    Raises
    ------
    UnreachableError
        When the tool fits in none of the pockets.
    """
    params.validate(tool)
    # as linking.clear_in_order, with the moves in arrays (a part may take tens of millions of moves)
    b = BlockBuilder()
    unreachable: list[dict[str, Any]] = []
    done = 0
    report = _PROGRESS.get()
    if report is not None:
        report(0, len(pockets))
    for i, pocket in enumerate(sorted(pockets, key=lambda p: -p.z_top_mm)):
        plan = adaptive_clearing(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm)
        unreachable.extend(plan.unreachable)
        unreachable.extend({"where": list(pocket.region.bounds), "reason": note} for note in plan.notes)
        done += bool(plan.segments)
        del plan
        if report is not None:
            report(i + 1, len(pockets))
    if pockets and not done:
        raise UnreachableError(
            f"the tool (diameter {tool.diameter_mm:g} mm) fits in none of the {len(pockets)} pockets"
        )
    return b.build(), unreachable


#: The name :mod:`toolpath.job` dispatches ``strategy="adaptive"`` to.
clear_pockets_adaptive = clear_pockets
