"""Contour-parallel (offset) clearing of 2.5D pockets.

Per pocket, the tool centre may go anywhere in ``C``: the pocket's domain
(region, plus outside air across open edges) shrunk by the tool radius and a
safety tolerance. Roughing loops are the boundaries of ``C`` shrunk by the
finishing allowance and then by successive stepovers, cut outside-in; a
finishing loop runs on the boundary of ``C`` itself. Whatever reachable material
the loops miss (cusps in sharp corners, the middle of the last loop) is found by
subtracting the swept area from the reachable area and visited. The same 2D
plan is cut at every stepdown: a ramp along the first loop from the depth
already cleared, stay-down links where the straight link keeps the centre in
``C``, retract to the clearance height otherwise.

The roughing loops come from the Numba offset kernel (:mod:`toolpath.kernels.offset`), all
levels in one call, checked against shapely and replaced by shapely buffers when the kernel
fails; the tool-centre domain, the finishing loop and the clean-up use shapely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point, Polygon
from shapely.ops import nearest_points
from shapely.prepared import prep

from ..enums import Direction
from ..errors import GeometryError, InputError
from ..geometry.slicing import polygons_of, tool_residue
from ..kernels.offset import offset_polygons
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .linking import clear_in_order, link_is_safe, ring_coords, rotate_ring, walk

__all__ = ["OffsetParams", "Chain", "Plan2D", "plan_offset_2d", "cleanup_visits", "cut_plan", "offset_clearing",
           "clear_pockets"]


@dataclass(frozen=True, slots=True)
class OffsetParams:
    """Parameters of offset clearing.

    Parameters
    ----------
    stepover_mm : float
        Radial distance between loops, mm, in (0, tool diameter].
    stepdown_mm : float
        Largest axial cut, mm (> 0); the depth is split into even steps.
    feed_mm_min : float
        Cutting feed, mm/min.
    plunge_feed_mm_min : float
        Feed of vertical moves into material, mm/min.
    ramp_angle_deg : float
        Angle of the ramp entry along the first loop, degrees, in (0, 90].
    finish_allowance_mm : float
        Radial stock left by roughing for the finishing loop, mm (0 for none).
    direction : Direction
        Climb (default) or conventional, for a clockwise spindle.
    tolerance_mm : float
        Extra clearance kept from walls to absorb chord errors, mm.
    clearance_z_mm : float or None
        Height of rapids between regions, mm; ``None``: 5 mm above the stock top.
    arc_tolerance_mm : float
        Flattening of the roughing loops' arcs, mm (> 0); they only ever move away from the walls.
    use_kernel : bool
        Roughing loops from the Numba offset kernel (:mod:`toolpath.kernels.offset`); ``False``: shapely.
    """

    stepover_mm: float
    stepdown_mm: float
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    ramp_angle_deg: float = 3.0
    finish_allowance_mm: float = 0.1
    direction: Direction = Direction.CLIMB
    tolerance_mm: float = 0.005
    clearance_z_mm: float | None = None
    arc_tolerance_mm: float = 0.005
    use_kernel: bool = True

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if not (0 < self.stepover_mm <= tool.diameter_mm):
            raise InputError(
                f"stepover_mm must be in (0, tool diameter {tool.diameter_mm:g}], got {self.stepover_mm!r}"
            )
        if not (self.stepdown_mm > 0 and math.isfinite(self.stepdown_mm)):
            raise InputError(f"stepdown_mm must be > 0, got {self.stepdown_mm!r}")
        for name in ("feed_mm_min", "plunge_feed_mm_min"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be > 0 mm/min, got {v!r}")
        if not (0 < self.ramp_angle_deg <= 90):
            raise InputError(f"ramp_angle_deg must be in (0, 90], got {self.ramp_angle_deg!r}")
        if not (0 <= self.finish_allowance_mm < tool.diameter_mm):
            raise InputError(
                f"finish_allowance_mm must be in [0, {tool.diameter_mm:g}), got {self.finish_allowance_mm!r}"
            )
        if not (self.tolerance_mm >= 0):
            raise InputError(f"tolerance_mm must be >= 0, got {self.tolerance_mm!r}")
        if not (self.arc_tolerance_mm > 0 and math.isfinite(self.arc_tolerance_mm)):
            raise InputError(f"arc_tolerance_mm must be > 0, got {self.arc_tolerance_mm!r}")


@dataclass(frozen=True)
class Chain:
    """One piece of 2D path: a closed loop (first point == last) or a single point to visit."""

    xy: NDArray[np.float64]
    closed: bool


@dataclass
class Plan2D:
    """The 2D plan of one pocket: chains in cutting order and the tool-centre domain."""

    chains: list[Chain]
    centres: Any
    unreachable: list[dict[str, Any]] = field(default_factory=list)
    #: where the roughing loops came from: "kernel" or "shapely" (fallback or ``use_kernel=False``)
    loops_from: str = "shapely"


_QUAD = 64


def _loops_of(poly: Polygon, *, outer_ccw: bool) -> list[NDArray[np.float64]]:
    loops = [ring_coords(poly.exterior, ccw=outer_ccw)]
    loops += [ring_coords(r, ccw=not outer_ccw) for r in poly.interiors]
    return [lp for lp in loops if len(lp) >= 4]


def _levels_shapely(base: Any, params: OffsetParams) -> list[list[Polygon]]:
    levels: list[list[Polygon]] = []
    k = 0
    while True:
        g = base if k == 0 else base.buffer(-k * params.stepover_mm, quad_segs=16)
        polys = [p for p in polygons_of(g) if p.area > 1e-6]
        if not polys:
            break
        levels.append(polys)
        k += 1
    return levels


def _roughing_levels(
    domain: Any, centres: Any, r: float, params: OffsetParams
) -> tuple[list[list[Polygon]], str]:
    """Roughing regions, outermost first: the domain shrunk by r + tolerance + allowance + k·stepover.

    All levels come from one call of the Numba offset kernel on the domain itself (erosions by discs
    compose, so shrinking the domain by the sum equals shrinking level by level). The kernel's first level
    is checked against shapely's buffer of the tool-centre domain (area within the arc tolerance times the
    perimeter); when the kernel raises or that check fails, shapely buffers are used instead.
    """
    base_d = r + params.tolerance_mm + params.finish_allowance_mm
    base = centres.buffer(-params.finish_allowance_mm, quad_segs=16) if params.finish_allowance_mm > 0 else centres
    if params.use_kernel and not base.is_empty:
        x0, y0, x1, y1 = domain.bounds
        n = int(math.ceil(0.5 * min(x1 - x0, y1 - y0) / params.stepover_mm)) + 2
        dists = -(base_d + params.stepover_mm * np.arange(n))
        try:
            geoms = offset_polygons(domain, dists, tolerance_mm=params.arc_tolerance_mm)
        except GeometryError:
            geoms = []
        slack = base.length * (params.arc_tolerance_mm + 1e-3) + 1e-6
        if geoms and abs(geoms[0].area - base.area) <= slack:
            levels = [[p for p in polygons_of(g) if p.area > 1e-6] for g in geoms]
            return [lv for lv in levels if lv], "kernel"
    return _levels_shapely(base, params), "shapely"


def cleanup_visits(
    chains: list[Chain], pocket: Pocket, centres: Any, r: float, *, target: Any = None
) -> list[Chain]:
    """Single-point visits (plunges) clearing what ``chains`` leave of the reachable area.

    The swept area of the chains (discs of radius ``r`` along them) is subtracted from the area the tool
    can reach (or from ``target``); each remaining piece thicker than 10 µm is visited at a point of it
    inside ``centres`` (or the nearest point of ``centres``), up to four rounds.
    """
    swept = shapely.union_all([shapely.LineString(c.xy).buffer(r, quad_segs=16) if len(c.xy) > 1
                               else Point(c.xy[0]).buffer(r, quad_segs=16) for c in chains]) if chains else None
    if target is None:
        target = pocket.region.intersection(centres.buffer(r, quad_segs=16))
    left = target.difference(swept) if chains else target
    cent = prep(centres)
    out: list[Chain] = []
    for _ in range(4):
        pieces = [p for p in polygons_of(left) if p.area > 1e-4 and not p.buffer(-0.005).is_empty]
        if not pieces:
            break
        for piece in pieces:
            rp = piece.representative_point()
            q = rp if cent.covers(rp) else nearest_points(centres, rp)[0]
            qxy = np.array([q.x, q.y])
            out.append(Chain(qxy[None], False))
            left = left.difference(Point(qxy).buffer(r, quad_segs=16))
    return out


def plan_offset_2d(pocket: Pocket, tool: Tool, params: OffsetParams) -> Plan2D:
    """Plan the loops of one pocket in XY.

    Returns
    -------
    Plan2D
        Chains in cutting order, the tool-centre domain, and what cannot be reached.
    """
    r = tool.radius_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-(r + params.tolerance_mm), quad_segs=_QUAD)
    unreachable = tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm)
    if centres.is_empty:
        return Plan2D([], centres, unreachable)
    material = prep(pocket.region)
    climb = params.direction is Direction.CLIMB
    # roughing: outside-in; climb puts the uncut material (inside) on the right: clockwise outer loops
    levels, loops_from = _roughing_levels(domain, centres, r, params)
    children: dict[tuple[int, int], list[int]] = {}
    for lv in range(1, len(levels)):
        for j, p in enumerate(levels[lv]):
            rp = p.representative_point()
            parent = next((i for i, q in enumerate(levels[lv - 1]) if q.covers(rp)), 0)
            children.setdefault((lv - 1, parent), []).append(j)

    chains: list[Chain] = []
    pos = np.array(pocket.region.centroid.coords[0])

    def emit_loop(lp: NDArray[np.float64]) -> None:
        nonlocal pos
        if not material.intersects(shapely.LineString(lp).buffer(r, quad_segs=8)):
            return  # air only (outside the stock across an open side)
        lp = rotate_ring(lp, pos)
        chains.append(Chain(lp, True))
        pos = lp[-1]

    def visit(lv: int, j: int) -> None:
        loops = _loops_of(levels[lv][j], outer_ccw=not climb)
        loops.sort(key=lambda lp: float(np.min(np.sum((lp - pos) ** 2, axis=1))))
        for lp in loops:
            emit_loop(lp)
        kids = list(children.get((lv, j), []))
        while kids:
            kids.sort(key=lambda c: levels[lv + 1][c].exterior.distance(Point(pos)))
            visit(lv + 1, kids.pop(0))

    roots = list(range(len(levels[0]))) if levels else []
    while roots:
        roots.sort(key=lambda c: levels[0][c].exterior.distance(Point(pos)))
        visit(0, roots.pop(0))
    # finishing: the walls on the right for climb (counter-clockwise around the outside)
    if params.finish_allowance_mm > 0:
        for poly in polygons_of(centres):
            for lp in _loops_of(poly, outer_ccw=climb):
                emit_loop(lp)
    chains.extend(cleanup_visits(chains, pocket, centres, r))
    return Plan2D(chains, centres, unreachable, loops_from)


def offset_clearing(
    pocket: Pocket,
    tool: Tool,
    params: OffsetParams,
    *,
    builder: ToolpathBuilder | None = None,
    clearance_z_mm: float,
) -> Plan2D:
    """Append the moves clearing ``pocket`` to ``builder`` (a new one if None).

    The tool starts and ends at ``clearance_z_mm`` (or stays down when the builder's
    last position allows a safe link; pockets are independent so it retracts).
    Returns the 2D plan (with ``unreachable``).
    """
    params.validate(tool)
    plan = plan_offset_2d(pocket, tool, params)
    cut_plan(plan, pocket, params, builder=builder, clearance_z_mm=clearance_z_mm)
    return plan


def _back_to_start(xy: NDArray[np.float64], s_mm: float) -> NDArray[np.float64]:
    """Points leading back along open polyline ``xy`` to its start from the point ``s_mm`` along its
    there-and-back walk."""
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    total = float(seg.sum())
    s = s_mm % (2 * total) if total > 0 else 0.0
    s = s if s <= total else 2 * total - s
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    j = max(1, int(np.searchsorted(cum, s, side="left")))
    return xy[j - 1 :: -1]


def cut_plan(
    plan: Plan2D,
    pocket: Pocket,
    params: OffsetParams,
    *,
    builder: ToolpathBuilder | None = None,
    clearance_z_mm: float,
) -> ToolpathBuilder:
    """Cut a 2D plan at every stepdown of ``pocket``, appending to ``builder`` (a new one if None).

    Closed chains are loops (re-started where the tool is, ramped into along themselves); open chains
    of two or more points are polylines (ramped into along a there-and-back walk, then cut from their
    start); one-point chains are plunges. Links stay down when the straight move keeps the tool centre
    in ``plan.centres``, else the tool retracts to ``clearance_z_mm``.
    """
    b = builder if builder is not None else ToolpathBuilder()
    if not plan.chains:
        return b
    cent = prep(plan.centres.buffer(1e-7))
    n = max(1, math.ceil((pocket.z_top_mm - pocket.z_bottom_mm) / params.stepdown_mm - 1e-9))
    depths = [pocket.z_top_mm - (pocket.z_top_mm - pocket.z_bottom_mm) * (i + 1) / n for i in range(n)]
    slope = math.tan(math.radians(params.ramp_angle_deg))
    z_prev = pocket.z_top_mm
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min

    def at_depth(z: float) -> bool:
        p = b.position
        return p is not None and abs(p[2] - z) < 1e-9

    def enter(xy: NDArray[np.float64], z_from: float) -> None:
        """Retract, rapid above ``xy`` and come down to ``z_from`` (cleared there)."""
        p = b.position
        if p is None or p[2] < clearance_z_mm - 1e-9:
            if p is not None:
                b.rapid(p[0], p[1], clearance_z_mm)
        b.rapid(xy[0], xy[1], clearance_z_mm)
        z_safe = z_from + 1.0
        if z_safe < clearance_z_mm:
            b.rapid(xy[0], xy[1], z_safe)
        b.feed(xy[0], xy[1], z_from, fp)

    for z in depths:
        first = True
        for ch in plan.chains:
            p = b.position
            cur = np.array(p[:2]) if p is not None else None
            xy = ch.xy
            if ch.closed and cur is not None:
                xy = rotate_ring(xy, cur)
            start = xy[0]
            z_level = z_prev if first else z
            if cur is not None and at_depth(z_level) and link_is_safe(cur, start, cent):
                b.feed(start[0], start[1], z_level, f)
            else:
                enter(start, z_prev)
                z_level = z_prev
            if z_level > z + 1e-9:  # still above the new depth: go down along the loop
                ramp_len = (z_level - z) / slope
                if ch.closed:
                    path, dist = walk(xy, ramp_len)
                    zs = z_level - dist * slope
                    zs[-1] = z
                    b.polyline(np.column_stack([path, zs]), f)
                    xy = rotate_ring(xy, path[-1])
                elif len(xy) > 1:
                    there_back = np.vstack([xy, xy[-2::-1]])
                    path, dist = walk(there_back, ramp_len)
                    zs = z_level - dist * slope
                    zs[-1] = z
                    b.polyline(np.column_stack([path, zs]), f)
                    back = _back_to_start(xy, ramp_len)
                    b.polyline(np.column_stack([back, np.full(len(back), z)]), f)
                else:
                    b.feed(start[0], start[1], z, fp)
            if len(xy) > 1:
                b.polyline(np.column_stack([xy, np.full(len(xy), z)]), f)
            first = False
        z_prev = z
    p = b.position
    if p is not None:
        b.rapid(p[0], p[1], clearance_z_mm)
    return b


def clear_pockets(
    pockets: list[Pocket],
    tool: Tool,
    params: OffsetParams,
    *,
    clearance_z_mm: float,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear every pocket in order (upper bands first), retracting between them.

    Returns
    -------
    toolpath : Toolpath
    unreachable : list of dict
        ``{"where", "reason"}`` for the material the tool cannot reach.

    Raises
    ------
    UnreachableError
        When the tool fits in none of the pockets.
    """
    params.validate(tool)

    def one(pocket: Pocket, b: ToolpathBuilder) -> tuple[list[dict[str, Any]], bool]:
        plan = offset_clearing(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm)
        return plan.unreachable, bool(plan.chains)

    return clear_in_order(pockets, tool, one)
