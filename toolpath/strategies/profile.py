"""Profiling: cut only the walls of 2.5D pockets, at even stepdowns, with tangential arc lead-in and lead-out.

The tool centre runs on the boundary of ``C``, the pocket's domain (region plus outside air across open
edges) shrunk by the tool radius, the radial stock to leave and a safety tolerance. That boundary is an
inside contour along the pocket's outer wall and an outside contour around its islands (bosses); which
side is cut follows from the region, so there is no side option. Parts of it that run in the air outside
the stock (beyond an open edge) are dropped: a loop that touches the walls everywhere is cut as a closed
loop, one that leaves them as open chains extended into the air at both ends.

- Closed loops: a quarter-circle lead-in tangent to the loop, the loop, a quarter-circle lead-out (both arcs
  in ``C``: :func:`toolpath.strategies.entries.lead_arcs`). From one stepdown to the next the tool ramps
  straight from the lead-out's end down to the next lead-in's start (the chord of the two arcs, cleared by
  them at the depth above), so it never plunges on the wall or into uncut material below its own level.
- Open chains: the tool goes down in the air at the chain's start (outside the stock when the extension
  reaches it) and cuts along the chain, tangentially onto the wall; it leaves into the air at the far end.

Each wall is cut from the top of the material standing over it: a pocket below others in the same list is
cut from the highest of their tops (their interiors are not cleared by a profile), so every rapid runs above
material. Climb (the default, for a clockwise spindle) runs the inside contours counter-clockwise and the
island contours clockwise. With a spring pass the final depth's loop runs twice.

Units: mm, mm/min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Point
from shapely.prepared import prep

from ..enums import Direction
from ..errors import InputError
from ..geometry.slicing import polygons_of, tool_residue
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .cutting import pass_depths
from .entries import cut_lead, lead_arcs
from .linking import clear_in_order, link_is_safe, ring_coords, rotate_ring

__all__ = ["ProfileParams", "ProfileChain", "plan_profile_2d", "material_top", "profile_pocket", "profile_pockets"]

_QUAD = 64


@dataclass(frozen=True, slots=True)
class ProfileParams:
    """Parameters of a wall profile.

    Parameters
    ----------
    stepdown_mm : float
        Largest axial cut, mm (> 0); the height is split into even steps.
    feed_mm_min : float
        Cutting feed, mm/min (> 0).
    plunge_feed_mm_min : float
        Feed of vertical moves down in the air, mm/min (> 0).
    radial_stock_mm : float
        Stock left on the walls, mm (>= 0).
    axial_stock_mm : float
        Stock left above the floor, mm (>= 0): the last pass stops that much above it.
    direction : Direction
        Climb (default) or conventional, for a clockwise spindle.
    lead_radius_mm : float or None
        Radius of the lead-in and lead-out arcs, mm (> 0); ``None``: the tool radius (halved, then quartered
        where it does not fit).
    spring_pass : bool
        Run the loop twice at the final depth.
    tolerance_mm : float
        Extra clearance kept from the walls, mm (>= 0).
    """

    stepdown_mm: float
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    radial_stock_mm: float = 0.0
    axial_stock_mm: float = 0.0
    direction: Direction = Direction.CLIMB
    lead_radius_mm: float | None = None
    spring_pass: bool = False
    tolerance_mm: float = 0.005

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if not isinstance(tool, Tool):
            raise InputError(f"profile needs a Tool, got {tool!r}")
        if tool.kind.value == "drill":
            raise InputError("profile needs an end mill, got a drill")
        for name in ("stepdown_mm", "feed_mm_min", "plunge_feed_mm_min"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be > 0, got {v!r}")
        for name in ("radial_stock_mm", "axial_stock_mm", "tolerance_mm"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
                raise InputError(f"{name} must be >= 0 mm, got {v!r}")
        if self.lead_radius_mm is not None and not (self.lead_radius_mm > 0 and math.isfinite(self.lead_radius_mm)):
            raise InputError(f"lead_radius_mm must be > 0 mm or None, got {self.lead_radius_mm!r}")
        try:
            Direction(self.direction)
        except ValueError:
            accepted = ", ".join(d.value for d in Direction)
            raise InputError(f"direction must be one of {accepted}, got {self.direction!r}") from None


@dataclass(frozen=True)
class ProfileChain:
    """One tool-centre path along walls: a closed loop (first point == last) or an open chain, (M, 2) mm."""

    xy: NDArray[np.float64]
    closed: bool


def _walls(pocket: Pocket) -> Any:
    """The region's boundary without its open edges (the part's walls), shapely lines."""
    b = pocket.region.boundary
    if not pocket.is_open:
        return b
    return b.difference(pocket.open_edges.buffer(1e-6))


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Maximal runs [i, j) of True in ``mask``."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    cuts = np.flatnonzero(np.diff(idx) != 1) + 1
    return [(int(r[0]), int(r[-1]) + 1) for r in np.split(idx, cuts)]


def _densify(xy: NDArray[np.float64], step_mm: float) -> NDArray[np.float64]:
    """Points every ``step_mm`` at most along polyline ``xy`` (its vertices kept)."""
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        n = max(1, int(math.ceil(float(np.hypot(*(b - a))) / step_mm)))
        t = np.arange(1, n + 1)[:, None] / n
        out.append(a + (b - a) * t)
    return np.vstack(out)


def _open_chains(loop: NDArray[np.float64], walls: Any, reach_mm: float, air: Any, step_mm: float
                 ) -> list[NDArray[np.float64]]:
    """The parts of closed ``loop`` within ``reach_mm`` of ``walls`` (an open pocket), each extended along the
    loop into ``air`` (up to the point where the tool touches no material) at both ends."""
    pts = _densify(loop, step_mm)[:-1]  # the ring's points without the repeated last one
    n = len(pts)
    near = shapely.distance(shapely.points(pts), walls) <= reach_mm
    if near.all():
        return []
    in_air = shapely.covers(air, shapely.points(pts)) if air is not None else np.zeros(n, bool)
    # rotate so that the ring starts outside a run
    k = int(np.flatnonzero(~near)[0])
    pts, near, in_air = np.roll(pts, -k, axis=0), np.roll(near, -k), np.roll(in_air, -k)
    out = []
    for i, j in _runs(near):
        a = i
        while a > 0 and not in_air[a - 1] and not near[a - 1]:
            a -= 1
        a = max(a - 1, 0)
        b = j
        while b < n and not in_air[b] and not near[b]:
            b += 1
        b = min(b + 1, n)
        out.append(pts[a:b])
    return [c for c in out if len(c) >= 2]


def plan_profile_2d(pocket: Pocket, tool: Tool, params: ProfileParams) -> tuple[list[ProfileChain], Any]:
    """The tool-centre paths along the walls of ``pocket`` and the tool-centre domain.

    Returns
    -------
    chains : list of ProfileChain
        Closed loops (walls all round) and open chains (walls meeting open edges), oriented for the
        direction asked.
    centres : shapely geometry
        Where the tool centre may go, mm (the domain shrunk by radius + radial stock + tolerance).
    """
    r = tool.radius_mm
    off = r + params.tolerance_mm + params.radial_stock_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-off, quad_segs=_QUAD)
    walls = _walls(pocket)
    if centres.is_empty or walls.is_empty or walls.length < 1e-9:
        return [], centres
    climb = Direction(params.direction) is Direction.CLIMB
    material = prep(pocket.region)
    air = centres.difference(pocket.region.buffer(r + 0.01, quad_segs=16)) if pocket.is_open else None
    chains: list[ProfileChain] = []
    for poly in polygons_of(centres):
        loops = [ring_coords(poly.exterior, ccw=climb)] + [ring_coords(h, ccw=not climb) for h in poly.interiors]
        for lp in loops:
            if len(lp) < 4 or not material.intersects(LineString(lp).buffer(r, quad_segs=8)):
                continue
            if not pocket.is_open:
                chains.append(ProfileChain(lp, True))
                continue
            opened = _open_chains(lp, walls, off + 0.01, air, max(0.05, 0.1 * r))
            if opened:
                chains.extend(ProfileChain(c, False) for c in opened)
            elif shapely.distance(walls, LineString(lp)) <= off + 0.01:
                chains.append(ProfileChain(lp, True))
    return chains, centres


def material_top(pocket: Pocket, pockets: list[Pocket], band: Any) -> float:
    """Top of the material over ``band`` (a shapely geometry near ``pocket``'s walls), mm: the pocket's top, or
    the highest top of the pockets of ``pockets`` above it whose region meets the band (a profile does not clear
    their interiors), whichever is higher."""
    top = pocket.z_top_mm
    for q in pockets:
        if q is pocket or q.z_bottom_mm < pocket.z_top_mm - 1e-6 or q.z_top_mm <= top:
            continue
        if q.region.intersection(band).area > 1e-9:
            top = q.z_top_mm
    return top


def _retract(b: ToolpathBuilder, clearance_z_mm: float) -> None:
    p = b.position
    if p is not None and p[2] < clearance_z_mm - 1e-9:
        b.rapid(p[0], p[1], clearance_z_mm)


def _down(b: ToolpathBuilder, x: float, y: float, z: float, top: float, clearance_z_mm: float, fp: float) -> None:
    """Retract, rapid over (x, y), rapid down to 1 mm above ``top`` and feed down to ``z``."""
    _retract(b, clearance_z_mm)
    b.rapid(x, y, clearance_z_mm)
    z_air = min(clearance_z_mm, top + 1.0)
    if z_air < clearance_z_mm - 1e-9:
        b.rapid(x, y, z_air)
    if z < z_air - 1e-9:
        b.feed(x, y, z, fp)


def profile_pocket(
    pocket: Pocket, tool: Tool, params: ProfileParams, *, builder: ToolpathBuilder | None = None,
    clearance_z_mm: float, top_mm: float | None = None, pockets: list[Pocket] | None = None,
) -> tuple[list[ProfileChain], list[dict[str, Any]]]:
    """Append the profile of ``pocket``'s walls to ``builder``; the tool starts and ends at ``clearance_z_mm``.

    Parameters
    ----------
    top_mm : float, optional
        Height the passes start from, mm; default the top of the material over the walls
        (:func:`material_top` among ``pockets``, or the pocket's top).
    pockets : list of Pocket, optional
        All pockets of the part (to find the material standing over this one's walls).

    Returns
    -------
    chains : list of ProfileChain
        What was cut (empty when the tool fits nowhere or the pocket has no walls).
    entries : list of dict
        ``{"kind": "lead-arc"|"ramp"|"outside"|"plunge", ...}`` for each descent and lead.
    """
    params.validate(tool)
    b = builder if builder is not None else ToolpathBuilder()
    chains, centres = plan_profile_2d(pocket, tool, params)
    entries: list[dict[str, Any]] = []
    if not chains:
        return chains, entries
    r = tool.radius_mm
    band = shapely.union_all([LineString(c.xy).buffer(r + 2 * (params.lead_radius_mm or r) + 0.5, quad_segs=8)
                              for c in chains])
    top = top_mm if top_mm is not None else material_top(pocket, pockets or [pocket], band)
    floor = pocket.z_bottom_mm + params.axial_stock_mm
    depths = pass_depths(top, floor, params.stepdown_mm)
    if not depths:
        return [], [{"kind": "none", "reason": f"axial stock {params.axial_stock_mm:g} mm leaves nothing to cut"}]
    cent = prep(centres.buffer(1e-7))
    lead_r = params.lead_radius_mm if params.lead_radius_mm is not None else r
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min
    material = prep(pocket.region)
    todo = list(chains)
    pos = np.array(pocket.region.centroid.coords[0])
    while todo:
        todo.sort(key=lambda c: float(np.min(np.hypot(*(c.xy - pos).T))))
        ch = todo.pop(0)
        if ch.closed:
            lead = lead_arcs(ch.xy, cent, lead_r, pos)
            if lead is None:  # no arc fits: a ramp along the loop stands in for the leads
                _ramped_loop(b, rotate_ring(ch.xy, pos), depths, top, clearance_z_mm, params, entries)
            else:
                s, e = lead.start, lead.end
                _down(b, e[0], e[1], top, top, clearance_z_mm, fp)
                z_prev = top
                for i, z in enumerate(depths):
                    if not link_is_safe(np.array(e), np.array(s), cent):
                        _down(b, s[0], s[1], z_prev, top, clearance_z_mm, fp)
                        b.feed(s[0], s[1], z, fp)
                        entries.append({"kind": "plunge", "xy": [round(s[0], 4), round(s[1], 4)], "z_mm": round(z, 4)})
                    else:
                        b.feed(s[0], s[1], z, f)  # a ramp on the chord of the two arcs
                        entries.append({"kind": "ramp", "z_from_mm": round(z_prev, 4), "z_mm": round(z, 4)})
                    laps = 2 if params.spring_pass and i == len(depths) - 1 else 1
                    cut_lead(b, lead, z, feed_mm_min=f, laps=laps)
                    entries.append({"kind": "lead-arc", "radius_mm": round(lead.radius_mm, 4), "z_mm": round(z, 4),
                                    "laps": laps})
                    z_prev = z
        else:
            xy = ch.xy
            for i, z in enumerate(depths):
                _down(b, xy[0, 0], xy[0, 1], z, top, clearance_z_mm, fp)
                outside = not material.intersects(Point(float(xy[0, 0]), float(xy[0, 1])).buffer(r, quad_segs=8))
                entries.append({"kind": "outside" if outside else "plunge",
                                "xy": [round(float(xy[0, 0]), 4), round(float(xy[0, 1]), 4)], "z_mm": round(z, 4)})
                laps = 2 if params.spring_pass and i == len(depths) - 1 else 1
                for lap in range(laps):
                    if lap:  # back to the start in the air over the cut, then the chain again
                        _down(b, xy[0, 0], xy[0, 1], z, top, clearance_z_mm, fp)
                    b.polyline(np.column_stack([xy, np.full(len(xy), z)]), f)
        p = b.position
        pos = np.array(p[:2]) if p is not None else pos
        _retract(b, clearance_z_mm)
    return chains, entries


def _ramped_loop(b: ToolpathBuilder, loop: NDArray[np.float64], depths: list[float], top: float,
                 clearance_z_mm: float, params: ProfileParams, entries: list[dict[str, Any]]) -> None:
    """A closed loop with no room for lead arcs: down to each depth on a ramp along the loop itself (one lap
    from the depth above), then a lap at the depth."""
    from .linking import ring_length

    f = params.feed_mm_min
    lap = ring_length(loop)
    _down(b, loop[0, 0], loop[0, 1], top, top, clearance_z_mm, params.plunge_feed_mm_min)
    z_prev = top
    seg = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(loop, axis=0).T))])
    for i, z in enumerate(depths):
        zs = z_prev - (z_prev - z) * seg / max(lap, 1e-12)
        b.polyline(np.column_stack([loop, zs])[1:], f)
        laps = 2 if params.spring_pass and i == len(depths) - 1 else 1
        for _ in range(laps):
            b.polyline(np.column_stack([loop, np.full(len(loop), z)])[1:], f)
        entries.append({"kind": "ramp-loop", "z_from_mm": round(z_prev, 4), "z_mm": round(z, 4)})
        z_prev = z


def profile_pockets(
    pockets: list[Pocket], tool: Tool, params: ProfileParams, *, clearance_z_mm: float,
    entries: list[dict[str, Any]] | None = None,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Profile the walls of every pocket (upper bands first), retracting between them.

    Parameters
    ----------
    pockets : list of Pocket
    tool : Tool
        An end mill.
    params : ProfileParams
    clearance_z_mm : float
        Height of rapids above all material, mm.
    entries : list, optional
        Receives what each descent and lead was (see :func:`profile_pocket`).

    Returns
    -------
    toolpath : Toolpath
    unreachable : list of dict
        ``{"where", "reason"}`` where the tool does not fit (corners narrower than the tool included).

    Raises
    ------
    UnreachableError
        When the tool reaches the walls of none of the pockets.
    """
    params.validate(tool)
    pockets = list(pockets)
    with_walls = [p for p in pockets if not _walls(p).is_empty and _walls(p).length > 1e-9]

    def one(pocket: Pocket, b: ToolpathBuilder) -> tuple[list[dict[str, Any]], bool]:
        chains, found = profile_pocket(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm,
                                       pockets=pockets)
        if entries is not None:
            entries.extend(found)
        return tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm), bool(chains)

    return clear_in_order(with_walls, tool, one)
