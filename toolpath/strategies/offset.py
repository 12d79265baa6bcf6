"""Contour-parallel (offset) clearing of 2.5D pockets.

Per pocket, the tool centre may go anywhere in ``C``: the pocket's domain
(region, plus outside air across open edges) shrunk by the tool radius and a
safety tolerance. Roughing loops are the boundaries of ``C`` shrunk by the
finishing allowance and then by successive stepovers, cut outside-in; a
finishing loop runs on the boundary of ``C`` itself. Whatever reachable material
the loops miss (cusps in sharp corners, the middle of the last loop) is found by
subtracting the swept area from the reachable area and visited. The same 2D
plan is cut at every stepdown (:func:`toolpath.strategies.cutting.cut_plan`):
an entry from the depth already cleared (from outside across an open side, a
helix where one fits, else a ramp along the first loop), stay-down links where
the straight link keeps the centre in ``C``, retract to the clearance height
otherwise; the finishing loop is cut once at the floor after all stepdowns,
with tangential arc lead-in and lead-out. Options: inside-out order, rounded
corners of the roughing loops, axial stock, a final floor pass, spring pass.

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
from .cutting import check_stepdown_and_feeds, cut_plan
from .entries import ClearingOrder, EntryKind
from .linking import clear_plans_in_order, ring_coords, rotate_ring

__all__ = ["OffsetParams", "ClearingOrder", "EntryKind", "Chain", "Plan2D", "plan_offset_2d", "cleanup_visits",
           "cut_plan", "offset_clearing", "clear_pockets", "summarize_entries"]


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
    order : ClearingOrder
        ``outside-in`` (from the walls inwards, the default) or ``inside-out`` (from the middle outwards;
        each loop then runs the other way round, so that climb stays climb). Offset clearing only.
    corner_radius_mm : float
        Round the sharp (convex) corners of the roughing loops by this radius, mm (>= 0; 0: keep them). The
        rounded loop is the opening of the level, inside the unrounded one: never closer to the walls;
        what the rounding leaves is taken by the outer loops, the finishing pass or clean-up visits.
    axial_stock_mm : float
        Stock left on the floor, mm (>= 0, less than the depth): every pass stops that much above it.
    floor_pass_mm : float
        Thickness of a final floor pass, mm (>= 0): the even stepdowns stop this much above the floor
        (floor plus axial stock), then one more pass cuts the floor. 0: the last stepdown is the floor.
    entry : EntryKind
        ``helix`` (default: on a helix where one fits, else a ramp) or ``ramp``. An open pocket is entered
        from outside the stock where that is possible (see :mod:`toolpath.strategies.entries`).
    helix_diameter_mm : float or None
        Diameter of the helix entry, mm (> 0); ``None``: half the tool diameter. Smaller helices down to a
        quarter of it are tried where it does not fit.
    helix_angle_deg : float
        Angle of the helix, degrees, in (0, 45].
    ramp_length_mm : float or None
        Longest ramp, mm (> 0): the ramp goes back and forth over the first this many mm of the path;
        ``None``: along the path as far as the angle needs.
    lead_radius_mm : float or None
        Radius of the tangential lead-in and lead-out arcs of the finishing pass, mm (> 0); ``None``: the
        tool radius (halved, then quartered where it does not fit).
    spring_pass : bool
        Run the finishing pass on the walls twice.
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
    order: ClearingOrder = ClearingOrder.OUTSIDE_IN
    corner_radius_mm: float = 0.0
    axial_stock_mm: float = 0.0
    floor_pass_mm: float = 0.0
    entry: EntryKind = EntryKind.HELIX
    helix_diameter_mm: float | None = None
    helix_angle_deg: float = 3.0
    ramp_length_mm: float | None = None
    lead_radius_mm: float | None = None
    spring_pass: bool = False

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if not (0 < self.stepover_mm <= tool.diameter_mm):
            raise InputError(
                f"stepover_mm must be in (0, tool diameter {tool.diameter_mm:g}], got {self.stepover_mm!r}"
            )
        check_stepdown_and_feeds(self)
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
        for name, enum in (("order", ClearingOrder), ("entry", EntryKind), ("direction", Direction)):
            try:
                enum(getattr(self, name))
            except ValueError:
                accepted = ", ".join(e.value for e in enum)
                raise InputError(f"{name} must be one of {accepted}, got {getattr(self, name)!r}") from None
        for name in ("corner_radius_mm", "axial_stock_mm", "floor_pass_mm"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise InputError(f"{name} must be >= 0 mm, got {v!r}")
        for name in ("helix_diameter_mm", "ramp_length_mm", "lead_radius_mm"):
            v = getattr(self, name)
            if v is not None and not (v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be > 0 mm or None, got {v!r}")
        if not (0 < self.helix_angle_deg <= 45):
            raise InputError(f"helix_angle_deg must be in (0, 45], got {self.helix_angle_deg!r}")
        if self.floor_pass_mm > self.stepdown_mm:
            raise InputError(f"floor_pass_mm must be at most the stepdown {self.stepdown_mm:g} mm, "
                             f"got {self.floor_pass_mm!r}")


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
    #: finishing loops on the walls, cut once at the floor after all stepdowns with arc lead-in/out
    finish: list[Chain] = field(default_factory=list)
    #: radius of the tool the plan is for, mm (helix sizes); 0 when unknown
    tool_radius_mm: float = 0.0
    #: flute length of the tool, mm: the tallest wall one finishing pass takes
    tool_flute_mm: float = math.inf
    #: what :func:`cut_plan` did at each descent: {"kind": outside|helix|ramp|plunge, "xy", "z_mm", ...}
    entries: list[dict[str, Any]] = field(default_factory=list)


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


def _nested(base: Any, geoms: list[Any], tol_mm: float) -> bool:
    """Each kernel level lies within the one before (the first within ``base``), but for slivers of the
    arc tolerance along its boundary: a level that leaves its parent would put the tool into a wall."""
    prev = base
    for g in geoms:
        if g.is_empty:
            continue
        if shapely.area(shapely.difference(g, prev)) > g.length * (tol_mm + 1e-3) + 1e-6:
            return False
        prev = g
    return True


def _roughing_levels(
    domain: Any, centres: Any, r: float, params: OffsetParams
) -> tuple[list[list[Polygon]], str]:
    """Roughing regions, outermost first: the domain shrunk by r + tolerance + allowance + k·stepover.

    All levels come from one call of the Numba offset kernel on the domain itself (erosions by discs
    compose, so shrinking the domain by the sum equals shrinking level by level). The kernel's first level
    is checked against shapely's buffer of the tool-centre domain (area within the arc tolerance times the
    perimeter), and every level must lie within the one before; when the kernel raises or a check fails,
    shapely buffers are used instead.
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
        if geoms and abs(geoms[0].area - base.area) <= slack and _nested(base, geoms, params.arc_tolerance_mm):
            levels = [[p for p in polygons_of(g) if p.area > 1e-6] for g in geoms]
            return [lv for lv in levels if lv], "kernel"
    return _levels_shapely(base, params), "shapely"


def cleanup_visits(
    chains: list[Chain], pocket: Pocket, centres: Any, r: float, *, target: Any = None
) -> list[Chain]:
    """Single-point visits (plunges) clearing what ``chains`` leave of the reachable area.

    The swept area of the chains (discs of radius ``r`` along them) is subtracted from the area the tool
    can reach (or from ``target``); each remaining piece thicker than 10 µm is visited at the point of
    ``centres`` nearest its centroid (nearest a point of it when that visit would not touch it), up to ten
    rounds.
    """
    swept = shapely.union_all([shapely.LineString(c.xy).buffer(r, quad_segs=16) if len(c.xy) > 1
                               else Point(c.xy[0]).buffer(r, quad_segs=16) for c in chains]) if chains else None
    if target is None:
        target = pocket.region.intersection(centres.buffer(r, quad_segs=16))
    left = target.difference(swept) if chains else target
    cent = prep(centres)
    out: list[Chain] = []
    for _ in range(10):
        # an opening by 5 µm first: slivers of facets would join the pieces into one with its
        # representative point on a zero-width strip
        left = left.buffer(-0.005, quad_segs=4).buffer(0.005, quad_segs=4)
        pieces = [p for p in polygons_of(left) if p.area > 1e-4]
        if not pieces:
            break
        for piece in pieces:
            # its centroid, or the nearest point of the domain (a corner sliver: the domain's corner)
            c = piece.centroid
            q = c if cent.covers(c) else nearest_points(centres, c)[0]
            if Point(q.x, q.y).buffer(r, quad_segs=16).intersection(piece).area < 1e-6:
                rp = piece.representative_point()
                q = rp if cent.covers(rp) else nearest_points(centres, rp)[0]
            qxy = np.array([q.x, q.y])
            out.append(Chain(qxy[None], False))
            left = left.difference(Point(qxy).buffer(r, quad_segs=16))
    return out


def _smooth(levels: list[list[Polygon]], radius_mm: float) -> list[list[Polygon]]:
    """Each level polygon opened by ``radius_mm`` (sharp convex corners rounded), or by half or a quarter
    of it where the full opening would split it, drop a part or an island, or move its boundary by more
    than the radius (a corner sharper than 60 degrees, a neck); kept as it is when even a quarter would
    (thin innermost loops are not dropped)."""
    out = []
    for lv in levels:
        polys: list[Polygon] = []
        for p in lv:
            for rc in (radius_mm, radius_mm / 2, radius_mm / 4):
                q = [g for g in polygons_of(p.buffer(-rc, quad_segs=16).buffer(rc, quad_segs=16)) if g.area > 1e-6]
                if (len(q) == 1 and len(q[0].interiors) == len(p.interiors)
                        and shapely.hausdorff_distance(p.boundary, q[0].boundary) <= rc + 1e-6):
                    polys.append(q[0])
                    break
            else:
                polys.append(p)
        out.append(polys)
    return out


def plan_offset_2d(pocket: Pocket, tool: Tool, params: OffsetParams) -> Plan2D:
    """Plan the loops of one pocket in XY.

    Returns
    -------
    Plan2D
        Chains in cutting order (roughing loops, outside-in or inside-out, then clean-up visits), the
        finishing loops, the tool-centre domain, and what cannot be reached.
    """
    r = tool.radius_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-(r + params.tolerance_mm), quad_segs=_QUAD)
    unreachable = tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm)
    if centres.is_empty:
        return Plan2D([], centres, unreachable, tool_radius_mm=r)
    material = prep(pocket.region)
    climb = Direction(params.direction) is Direction.CLIMB
    # roughing: outside-in; climb puts the uncut material (inside) on the right: clockwise outer loops
    levels, loops_from = _roughing_levels(domain, centres, r, params)
    if params.corner_radius_mm > 0:
        levels = _smooth(levels, params.corner_radius_mm)
    children: dict[tuple[int, int], list[int]] = {}
    for lv in range(1, len(levels)):
        for j, p in enumerate(levels[lv]):
            rp = p.representative_point()
            parent = next((i for i, q in enumerate(levels[lv - 1]) if q.covers(rp)), 0)
            children.setdefault((lv - 1, parent), []).append(j)

    chains: list[Chain] = []
    pos = np.array(pocket.region.centroid.coords[0])

    def loop_chain(lp: NDArray[np.float64], into: list[Chain]) -> None:
        nonlocal pos
        if not material.intersects(shapely.LineString(lp).buffer(r, quad_segs=8)):
            return  # air only (outside the stock across an open side)
        lp = rotate_ring(lp, pos)
        into.append(Chain(lp, True))
        pos = lp[-1]

    def visit(lv: int, j: int) -> None:
        loops = _loops_of(levels[lv][j], outer_ccw=not climb)
        loops.sort(key=lambda lp: float(np.min(np.sum((lp - pos) ** 2, axis=1))))
        for lp in loops:
            loop_chain(lp, chains)
        kids = list(children.get((lv, j), []))
        while kids:
            kids.sort(key=lambda c: levels[lv + 1][c].exterior.distance(Point(pos)))
            visit(lv + 1, kids.pop(0))

    roots = list(range(len(levels[0]))) if levels else []
    while roots:
        roots.sort(key=lambda c: levels[0][c].exterior.distance(Point(pos)))
        visit(0, roots.pop(0))
    if ClearingOrder(params.order) is ClearingOrder.INSIDE_OUT:
        # children before parents, innermost first; each loop reversed: the material is now outside it
        chains = [Chain(c.xy[::-1].copy(), True) for c in reversed(chains)]
        if chains:
            pos = chains[-1].xy[-1]
    # finishing: the walls on the right for climb (counter-clockwise around the outside), cut once at the end
    finish: list[Chain] = []
    if params.finish_allowance_mm > 0:
        for poly in polygons_of(centres):
            for lp in _loops_of(poly, outer_ccw=climb):
                loop_chain(lp, finish)
    chains.extend(cleanup_visits(chains + finish, pocket, centres, r))
    return Plan2D(chains, centres, unreachable, loops_from, finish=finish, tool_radius_mm=r,
                  tool_flute_mm=float(tool.flute_length_mm))  # type: ignore[arg-type]


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


def summarize_entries(plans: list[Plan2D]) -> dict[str, int]:
    """How many descents of each kind (outside, helix, ramp, plunge) and finishing passes (finish-arc,
    finish-none) the plans' :func:`cut_plan` made."""
    out: dict[str, int] = {}
    for plan in plans:
        for e in plan.entries:
            k = e["kind"] if e["kind"] != "finish" else f"finish-{e['lead']}"
            out[k] = out.get(k, 0) + 1
    return out


def clear_pockets(
    pockets: list[Pocket],
    tool: Tool,
    params: OffsetParams,
    *,
    clearance_z_mm: float,
    plans: list[Plan2D] | None = None,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear every pocket in order (upper bands first), retracting between them; each pocket's plan is
    appended to ``plans`` when given (its ``entries`` say how the tool went down).

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

    return clear_plans_in_order(
        pockets, tool,
        lambda pocket, b: offset_clearing(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm),
        plans,
    )
