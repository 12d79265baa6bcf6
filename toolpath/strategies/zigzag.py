"""Zigzag (raster) clearing of 2.5D pockets at any angle, with a contour pass that removes the cusps
the raster leaves at the walls.

Per pocket, the tool centre may go anywhere in ``C`` (the domain shrunk by the tool radius and the
tolerance, as in :mod:`toolpath.strategies.offset`). The raster runs inside ``C`` shrunk by the
finishing allowance: parallel lines at ``angle_deg`` from the X axis, evenly spaced at most one stepover
apart, clipped to that region; consecutive pieces on neighbouring lines are joined into one zigzag when
the straight link between their ends stays in the region (so the tool stays down), otherwise a new
zigzag starts. Then the contour pass runs along the boundary of that region (walls on the right for
climb), and clean-up visits take whatever reachable material is still left (found by subtracting the
swept area). With a finishing allowance, a finishing pass on the walls (the boundary of ``C``) follows
once at the floor, on tangential arc lead-in and lead-out. Cutting (stepdowns, entries, links, retracts,
finishing) is :func:`toolpath.strategies.cutting.cut_plan`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import affinity
from shapely.geometry import LineString
from shapely.prepared import prep

from ..enums import Direction
from ..errors import InputError
from ..geometry.slicing import polygons_of, tool_residue
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .linking import clear_plans_in_order, ring_coords, rotate_ring
from .offset import Chain, OffsetParams, Plan2D, cleanup_visits, cut_plan

__all__ = ["ZigzagParams", "raster_chains", "plan_zigzag_2d", "zigzag_clearing", "clear_pockets_zigzag"]

_QUAD = 64


@dataclass(frozen=True, slots=True)
class ZigzagParams(OffsetParams):
    """Parameters of zigzag clearing: those of :class:`OffsetParams` plus the raster angle.

    Parameters
    ----------
    angle_deg : float
        Direction of the raster lines, degrees from the X axis (any finite value).
    """

    angle_deg: float = 0.0

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        OffsetParams.validate(self, tool)
        if not math.isfinite(self.angle_deg):
            raise InputError(f"angle_deg must be a finite number of degrees, got {self.angle_deg!r}")


def raster_chains(region: Any, stepover_mm: float, angle_deg: float) -> list[NDArray[np.float64]]:
    """Zigzag polylines covering ``region`` with lines at most ``stepover_mm`` apart at ``angle_deg``.

    Parameters
    ----------
    region : shapely Polygon or MultiPolygon, mm
        Where the tool centre may run.
    stepover_mm : float
        Largest distance between neighbouring lines, mm.
    angle_deg : float
        Line direction, degrees from the X axis.

    Returns
    -------
    list of ndarray of shape (K, 2), float64, mm
        Each polyline stays inside ``region`` (pieces of raster lines and straight links covered by it).
    """
    out: list[NDArray[np.float64]] = []
    for poly in polygons_of(region):
        rot = affinity.rotate(poly, -angle_deg, origin=(0.0, 0.0))
        inside = prep(rot.buffer(1e-9))
        x0, y0, x1, y1 = rot.bounds
        h = y1 - y0
        n = max(1, math.ceil(h / stepover_mm - 1e-9))
        ys = y0 + (np.arange(n) + 0.5) * (h / n)
        active: list[list[NDArray[np.float64]]] = []  # zigzags still open on the previous line
        done: list[list[NDArray[np.float64]]] = []
        for k, y in enumerate(ys):
            cut = rot.intersection(LineString([(x0 - 1.0, y), (x1 + 1.0, y)]))
            pieces = [np.asarray(g.coords)[[0, -1], :2] for g in shapely.get_parts(cut)
                      if isinstance(g, LineString) and g.length > 1e-9]
            pieces.sort(key=lambda a: min(a[0, 0], a[1, 0]))
            nxt: list[list[NDArray[np.float64]]] = []
            leftward = k % 2 == 1
            for seg in pieces:
                seg = seg[np.argsort(seg[:, 0])]
                if leftward:
                    seg = seg[::-1]
                for idx, ch in enumerate(active):
                    end = ch[-1][-1]
                    if inside.covers(LineString([end, seg[0]])):
                        ch.append(seg)
                        nxt.append(active.pop(idx))
                        break
                else:
                    nxt.append([seg])
            done.extend(active)
            active = nxt
        done.extend(active)
        for ch in done:
            pts = np.vstack(ch)
            keep = np.ones(len(pts), bool)
            keep[1:] = np.linalg.norm(np.diff(pts, axis=0), axis=1) > 1e-9
            pts = pts[keep]
            c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
            out.append(np.column_stack([pts[:, 0] * c - pts[:, 1] * s, pts[:, 0] * s + pts[:, 1] * c]))
    return out


def plan_zigzag_2d(pocket: Pocket, tool: Tool, params: ZigzagParams) -> Plan2D:
    """Plan the zigzags, the contour pass and the clean-up of one pocket in XY."""
    r = tool.radius_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-(r + params.tolerance_mm), quad_segs=_QUAD)
    unreachable = tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm)
    if centres.is_empty:
        return Plan2D([], centres, unreachable, tool_radius_mm=r)
    base = centres.buffer(-params.finish_allowance_mm, quad_segs=16) if params.finish_allowance_mm > 0 else centres
    material = prep(pocket.region)
    chains: list[Chain] = []
    pos = np.array(pocket.region.centroid.coords[0])
    lines = [z for z in raster_chains(base, params.stepover_mm, params.angle_deg)
             if material.intersects(LineString(z).buffer(r, quad_segs=8) if len(z) > 1 else shapely.Point(z[0]))]
    while lines:  # nearest end next; a zigzag may be run backwards
        d = [min(np.hypot(*(z[0] - pos)), np.hypot(*(z[-1] - pos))) for z in lines]
        z = lines.pop(int(np.argmin(d)))
        if np.hypot(*(z[-1] - pos)) < np.hypot(*(z[0] - pos)):
            z = z[::-1].copy()
        chains.append(Chain(z, False))
        pos = z[-1]
    climb = Direction(params.direction) is Direction.CLIMB

    def contour(region: Any, into: list[Chain]) -> None:
        nonlocal pos
        for poly in polygons_of(region):
            loops = [ring_coords(poly.exterior, ccw=climb)] + [ring_coords(i, ccw=not climb) for i in poly.interiors]
            for lp in loops:
                if len(lp) >= 4 and material.intersects(LineString(lp).buffer(r, quad_segs=8)):
                    lp = rotate_ring(lp, pos)
                    into.append(Chain(lp, True))
                    pos = lp[-1]

    # the contour pass at every stepdown: on the walls, or at the finishing allowance from them
    contour(base, chains)
    finish: list[Chain] = []
    if params.finish_allowance_mm > 0:  # then the finishing pass on the walls, once at the floor
        contour(centres, finish)
    chains.extend(cleanup_visits(chains + finish, pocket, centres, r))
    return Plan2D(chains, centres, unreachable, "shapely", finish=finish, tool_radius_mm=r,
                  tool_flute_mm=float(tool.flute_length_mm))  # type: ignore[arg-type]


def zigzag_clearing(
    pocket: Pocket, tool: Tool, params: ZigzagParams, *, builder: ToolpathBuilder | None = None,
    clearance_z_mm: float,
) -> Plan2D:
    """Append the moves clearing ``pocket`` by zigzag to ``builder``; returns the 2D plan."""
    params.validate(tool)
    plan = plan_zigzag_2d(pocket, tool, params)
    cut_plan(plan, pocket, params, builder=builder, clearance_z_mm=clearance_z_mm)
    return plan


def clear_pockets_zigzag(
    pockets: list[Pocket], tool: Tool, params: ZigzagParams, *, clearance_z_mm: float,
    plans: list[Plan2D] | None = None,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear every pocket by zigzag in order (upper bands first), retracting between them; each pocket's
    plan is appended to ``plans`` when given.

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
        lambda pocket, b: zigzag_clearing(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm),
        plans,
    )


