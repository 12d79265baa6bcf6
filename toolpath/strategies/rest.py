"""Rest machining: clear with a smaller tool only what a previous, larger tool left.

The rest is ``M = (region ∩ reach(small)) − reach(large)``, where ``reach(t)`` is the opening of the
pocket's domain by tool ``t`` (tool-centre domain grown back by the radius). The small tool's offset
loops (:func:`toolpath.strategies.offset.plan_offset_2d`) are clipped to where their swept disc can
touch ``M`` (the loops within ``M`` grown by the small radius and a margin): the pieces run as open
polylines, ramped into along themselves, linked staying down where the straight link keeps the centre
in the small tool's domain. Clean-up visits take what is left of ``M``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from ..errors import InputError
from ..geometry.slicing import polygons_of
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .offset import Chain, OffsetParams, Plan2D, cleanup_visits, cut_plan, plan_offset_2d

__all__ = ["rest_region", "plan_rest_2d", "rest_clearing"]


def rest_region(pocket: Pocket, small: Tool, large: Tool, *, tolerance_mm: float = 0.005) -> Any:
    """Material a ``large`` tool leaves that ``small`` can reach, shapely (Multi)Polygon, mm."""
    if not small.radius_mm < large.radius_mm:
        raise InputError(f"rest machining needs a smaller tool: {small.diameter_mm:g} mm is not smaller than "
                         f"{large.diameter_mm:g} mm")

    def reach(t: Tool) -> Any:
        dom = pocket.domain(t.diameter_mm + 1.0)
        return dom.buffer(-(t.radius_mm + tolerance_mm), quad_segs=64).buffer(t.radius_mm, quad_segs=64)

    left = pocket.region.intersection(reach(small)).difference(reach(large))
    return shapely.union_all([p for p in polygons_of(left) if p.area > 1e-4 and not p.buffer(-0.005).is_empty])


def plan_rest_2d(pocket: Pocket, small: Tool, large: Tool, params: OffsetParams) -> Plan2D:
    """The small tool's loops clipped to the rest of ``large``, then clean-up visits."""
    full = plan_offset_2d(pocket, small, params)
    rest = rest_region(pocket, small, large, tolerance_mm=params.tolerance_mm)
    if rest.is_empty or not full.chains:
        return Plan2D([], full.centres, full.unreachable, full.loops_from)
    r = small.radius_mm
    zone = rest.buffer(r + 0.5 * params.stepover_mm)
    chains: list[Chain] = []
    for ch in full.chains + full.finish:  # the finishing loops too: near the walls is where rest is left
        if len(ch.xy) < 2:
            continue
        cut = LineString(ch.xy).intersection(zone)
        parts = cut.geoms if isinstance(cut, MultiLineString) else [cut]
        for g in parts:
            if isinstance(g, LineString) and g.length > 1e-6:
                chains.append(Chain(np.asarray(g.coords)[:, :2], False))
    chains.extend(cleanup_visits(chains, pocket, full.centres, r, target=rest))
    return Plan2D(chains, full.centres, full.unreachable, full.loops_from, tool_radius_mm=r,
                  tool_flute_mm=full.tool_flute_mm)


def rest_clearing(
    pockets: list[Pocket], small: Tool, large: Tool, params: OffsetParams, *, clearance_z_mm: float
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Rest machining of every pocket with ``small`` after ``large`` (upper bands first).

    Returns
    -------
    toolpath : Toolpath
    unreachable : list of dict
        What even the small tool cannot reach.
    """
    params.validate(small)
    b = ToolpathBuilder()
    unreachable: list[dict[str, Any]] = []
    for p in sorted(pockets, key=lambda q: -q.z_top_mm):
        plan = plan_rest_2d(p, small, large, params)
        unreachable.extend(plan.unreachable)
        cut_plan(plan, p, params, builder=b, clearance_z_mm=clearance_z_mm)
    return b.build(), unreachable
