"""Cutting a 2D plan in Z: even stepdowns (with an optional final floor pass and axial stock), entries into
the material (from outside, helix, ramp), stay-down links, retracts, and the finishing pass on the walls
with tangential arc lead-in and lead-out. Shared by offset, zigzag and rest machining."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from shapely.prepared import prep

from ..enums import Direction
from ..errors import InputError
from ..moves import ToolpathBuilder
from ..pocket import Pocket
from .entries import EntryKind, cut_helix, cut_lead, find_air_point, find_helix, lead_arcs
from .linking import link_is_safe, rotate_ring, walk

if TYPE_CHECKING:
    from .offset import OffsetParams, Plan2D

__all__ = ["check_stepdown_and_feeds", "pass_depths", "cut_plan"]


def check_stepdown_and_feeds(params: Any) -> None:
    """Raise :class:`~toolpath.errors.InputError` unless ``params.stepdown_mm`` (mm) and ``params.feed_mm_min``,
    ``params.plunge_feed_mm_min`` (mm/min) are finite and > 0 (the clearing strategies' parameters share them)."""
    if not (params.stepdown_mm > 0 and math.isfinite(params.stepdown_mm)):
        raise InputError(f"stepdown_mm must be > 0, got {params.stepdown_mm!r}")
    for name in ("feed_mm_min", "plunge_feed_mm_min"):
        v = getattr(params, name)
        if not (v > 0 and math.isfinite(v)):
            raise InputError(f"{name} must be > 0 mm/min, got {v!r}")


def pass_depths(z_top_mm: float, z_floor_mm: float, stepdown_mm: float, floor_pass_mm: float = 0.0) -> list[float]:
    """Heights of the passes from ``z_top_mm`` down to ``z_floor_mm``, mm: even steps of at most
    ``stepdown_mm``; with ``floor_pass_mm`` > 0 the even steps end that much above the floor and one more
    pass cuts the floor. Empty when the floor is not below the top.

    Examples
    --------
    >>> pass_depths(0.0, -6.0, 2.5)
    [-2.0, -4.0, -6.0]
    >>> pass_depths(0.0, -6.0, 2.5, 0.5)
    [-1.8333333333333335, -3.666666666666667, -5.5, -6.0]
    >>> pass_depths(0.0, 1.0, 2.0)
    []
    """
    depth = z_top_mm - z_floor_mm
    if not depth > 1e-9:
        return []
    last = z_floor_mm + floor_pass_mm if 0 < floor_pass_mm < depth - 1e-9 else z_floor_mm
    n = max(1, math.ceil((z_top_mm - last) / stepdown_mm - 1e-9))
    out = [z_top_mm - (z_top_mm - last) * (i + 1) / n for i in range(n)]
    if last != z_floor_mm:
        out.append(z_floor_mm)
    return out


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


def _head(xy: NDArray[np.float64], length_mm: float) -> NDArray[np.float64]:
    """The first ``length_mm`` of polyline ``xy`` (all of it when shorter)."""
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    if float(seg.sum()) <= length_mm:
        return xy
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    j = int(np.searchsorted(cum, length_mm, side="left"))
    f = (length_mm - cum[j - 1]) / max(seg[j - 1], 1e-30)
    return np.vstack([xy[:j], xy[j - 1] + f * (xy[j] - xy[j - 1])])


def _feed(b: ToolpathBuilder, x: float, y: float, z: float, f: float) -> None:
    """A straight cut to (x, y, z), unless the tool is there already (no zero-length moves: a writer
    leaves them out, and then the program's moves would not match its G-code)."""
    p = b.position
    if p is None or abs(p[0] - x) + abs(p[1] - y) + abs(p[2] - z) > 1e-9:
        b.feed(x, y, z, f)


def cut_plan(
    plan: Plan2D,
    pocket: Pocket,
    params: OffsetParams,
    *,
    builder: ToolpathBuilder | None = None,
    clearance_z_mm: float,
) -> ToolpathBuilder:
    """Cut a 2D plan at every stepdown of ``pocket``, then its finishing loops; append to ``builder``.

    Closed chains are loops (re-started where the tool is); open chains of two or more points are
    polylines; one-point chains are plunges. Links stay down when the straight move keeps the tool centre
    in ``plan.centres``, else the tool retracts to ``clearance_z_mm``. Every descent into uncut material
    is an entry (:mod:`toolpath.strategies.entries`): from outside the stock when the pocket is open and
    air is near, else a helix (``params.entry`` helix, where one fits), else a ramp along the chain; what
    was done is appended to ``plan.entries``. The finishing loops (``plan.finish``) are cut after all
    stepdowns at the floor (in even passes of at most ``plan.tool_flute_mm`` on taller walls), entered and
    left on tangential arcs.
    """
    b = builder if builder is not None else ToolpathBuilder()
    if not plan.chains and not plan.finish:
        return b
    floor = pocket.z_bottom_mm + params.axial_stock_mm
    depths = pass_depths(pocket.z_top_mm, floor, params.stepdown_mm, params.floor_pass_mm)
    if not depths:
        plan.entries.append({"kind": "none", "reason": f"axial stock {params.axial_stock_mm:g} mm >= depth "
                                                      f"{pocket.z_top_mm - pocket.z_bottom_mm:g} mm"})
        return b
    cent = prep(plan.centres.buffer(1e-7))
    r = float(plan.tool_radius_mm)
    slope = math.tan(math.radians(params.ramp_angle_deg))
    climb = Direction(params.direction) is Direction.CLIMB
    z_prev = pocket.z_top_mm
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min

    def at_depth(z: float) -> bool:
        p = b.position
        return p is not None and abs(p[2] - z) < 1e-9

    def enter(xy: NDArray[np.float64], z_from: float, *, air_above_mm: float = 1.0) -> None:
        """Retract, rapid above ``xy`` and come down to ``z_from`` (cleared there)."""
        p = b.position
        if p is None or p[2] < clearance_z_mm - 1e-9:
            if p is not None:
                b.rapid(p[0], p[1], clearance_z_mm)
        b.rapid(xy[0], xy[1], clearance_z_mm)
        z_safe = z_from + air_above_mm
        if z_safe < clearance_z_mm:
            b.rapid(xy[0], xy[1], z_safe)
        _feed(b, xy[0], xy[1], z_from, fp)

    def note(kind: str, xy: NDArray[np.float64], z_from: float, z_to: float, **kw: Any) -> None:
        plan.entries.append({"kind": kind, "xy": [round(float(xy[0]), 4), round(float(xy[1]), 4)],
                             "z_from_mm": round(z_from, 4), "z_mm": round(z_to, 4), **kw})

    def ramp(xy: NDArray[np.float64], closed: bool, z_from: float, z: float) -> NDArray[np.float64]:
        ramp_len = (z_from - z) / slope
        if closed and params.ramp_length_mm is None:
            path, dist = walk(xy, ramp_len)
            zs = z_from - dist * slope
            zs[-1] = z
            b.polyline(np.column_stack([path, zs]), f)
            return rotate_ring(xy, path[-1])
        head = xy if params.ramp_length_mm is None else _head(xy, params.ramp_length_mm)
        there_back = np.vstack([head, head[-2::-1]])
        path, dist = walk(there_back, ramp_len)
        zs = z_from - dist * slope
        zs[-1] = z
        b.polyline(np.column_stack([path, zs]), f)
        back = _back_to_start(head, ramp_len)
        b.polyline(np.column_stack([back, np.full(len(back), z)]), f)
        return xy

    def descend(xy: NDArray[np.float64], closed: bool, z_from: float, z: float) -> NDArray[np.float64]:
        """From (xy[0], z_from) down to z, ending at xy[0]; returns the chain to cut (maybe re-started)."""
        start = xy[0]
        if len(xy) == 1:
            _feed(b, start[0], start[1], z, fp)
            note("plunge", start, z_from, z)
            return xy
        if r > 0 and pocket.is_open:
            q = find_air_point(pocket, plan.centres, cent, start, r, max_link_mm=4.0 * r)
            if q is not None:
                _feed(b, q[0], q[1], z_from, f)
                _feed(b, q[0], q[1], z, fp)
                _feed(b, start[0], start[1], z, f)
                note("outside", q, z_from, z)
                return xy
        if r > 0 and EntryKind(params.entry) is EntryKind.HELIX:
            rad = 0.5 * (params.helix_diameter_mm if params.helix_diameter_mm is not None else r)
            h = find_helix(plan.centres, cent, start, rad)
            if h is not None:
                lead_mm = 2 * math.pi * h.radius_mm * math.tan(math.radians(params.helix_angle_deg))
                pitch = min(params.stepdown_mm, lead_mm)
                _feed(b, h.start[0], h.start[1], z_from, f)
                cut_helix(b, h, z_from, z, pitch_mm=pitch, ccw=climb, feed_mm_min=f)
                _feed(b, start[0], start[1], z, f)
                note("helix", h.centre, z_from, z, diameter_mm=round(2 * h.radius_mm, 4))
                return xy
        out = ramp(xy, closed, z_from, z)
        note("ramp", start, z_from, z, angle_deg=params.ramp_angle_deg)
        return out

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
                _feed(b, start[0], start[1], z_level, f)
            else:
                enter(start, z_prev)
                z_level = z_prev
            if z_level > z + 1e-9:  # still above the new depth: go down
                xy = descend(xy, ch.closed, z_level, z)
            if len(xy) > 1:
                b.polyline(np.column_stack([xy, np.full(len(xy), z)]), f)
            first = False
        z_prev = z
    _finish(plan, pocket, params, b, cent, floor, clearance_z_mm)
    p = b.position
    if p is not None:
        b.rapid(p[0], p[1], clearance_z_mm)
    return b


def _finish(plan: Plan2D, pocket: Pocket, params: OffsetParams, b: ToolpathBuilder, cent: Any, floor: float,
            clearance_z_mm: float) -> None:
    """The finishing loops at the floor, each entered and left on tangential arcs."""
    if not plan.finish:
        return
    r = float(plan.tool_radius_mm) or 1.0
    lead_r = params.lead_radius_mm if params.lead_radius_mm is not None else r
    flute = float(getattr(plan, "tool_flute_mm", math.inf))
    zs = pass_depths(pocket.z_top_mm, floor, flute)
    laps = 2 if params.spring_pass else 1
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min
    air = min(clearance_z_mm, pocket.z_top_mm + 1.0)
    for z in zs:
        for ch in plan.finish:
            p = b.position
            near = np.array(p[:2]) if p is not None else ch.xy[0]
            lead = lead_arcs(ch.xy, cent, lead_r, near)
            start = np.array(lead.start) if lead is not None else rotate_ring(ch.xy, near)[0]
            if p is not None and abs(p[2] - z) < 1e-9 and link_is_safe(np.array(p[:2]), start, cent):
                _feed(b, start[0], start[1], z, f)
            else:
                if p is not None and p[2] < clearance_z_mm - 1e-9:
                    b.rapid(p[0], p[1], clearance_z_mm)
                b.rapid(start[0], start[1], clearance_z_mm)
                if air < clearance_z_mm:
                    b.rapid(start[0], start[1], air)
                _feed(b, start[0], start[1], z, fp)
            if lead is not None:
                cut_lead(b, lead, z, feed_mm_min=f, laps=laps)
                plan.entries.append({"kind": "finish", "lead": "arc", "radius_mm": round(lead.radius_mm, 4),
                                     "z_mm": round(z, 4), "laps": laps})
            else:
                loop = rotate_ring(ch.xy, start)
                for _ in range(laps):
                    b.polyline(np.column_stack([loop, np.full(len(loop), z)]), f)
                plan.entries.append({"kind": "finish", "lead": "none", "z_mm": round(z, 4), "laps": laps})
