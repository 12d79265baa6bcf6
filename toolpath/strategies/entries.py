"""Entries into a pocket's material at a new depth: from outside the stock across an open side, on a helix,
or on a ramp; and the finishing of walls with tangential arc lead-in and lead-out.

Entries (chosen by :func:`toolpath.strategies.offset.cut_plan` for every descent into uncut material):

- ``outside``: the pocket is open (``Pocket.open_edges``) and a point of the tool-centre domain where the tool
  touches no material lies near the chain's start: the tool goes down there in air, then cuts in sideways;
- ``helix``: a helical descent (half-turn arcs, pitch from the helix angle, at most the stepdown) on a circle of
  the asked diameter, or the largest smaller one down to a quarter of it, whose whole disc lies in the
  tool-centre domain (so the tool never touches a wall), centred as near the chain's start as possible, ending
  with one flat turn; then a straight link to the chain;
- ``ramp``: down along the chain itself at the ramp angle (a closed loop round and round, an open chain
  there and back), or back and forth over its first ``ramp_length_mm`` when that is given;
- ``plunge``: straight down, only for single-point clean-up visits (a few tenths of a mm² of material).

Wall finishing (:func:`lead_arcs`): a quarter-circle arc tangent to the finishing loop leads the tool onto the
wall and another off it, both inside the tool-centre domain, so the cutter never dwells or plunges on the wall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points
from shapely.prepared import PreparedGeometry

from ..moves import ToolpathBuilder, arc_points

__all__ = ["EntryKind", "ClearingOrder", "Helix", "Lead", "find_helix", "cut_helix", "find_air_point", "lead_arcs",
           "cut_lead"]


class EntryKind(str, Enum):
    """How a clearing strategy goes down into uncut material.

    ``HELIX``: on a helix where one fits, else a ramp along the path (the default). ``RAMP``: always on a ramp.
    In both cases an open pocket is entered from outside the stock where that is possible.
    """

    HELIX = "helix"
    RAMP = "ramp"


class ClearingOrder(str, Enum):
    """Order of the loops of contour-parallel clearing: from the walls inwards, or from the middle outwards."""

    OUTSIDE_IN = "outside-in"
    INSIDE_OUT = "inside-out"


@dataclass(frozen=True, slots=True)
class Helix:
    """A helix position: centre (x, y) mm, radius mm, and the point of its circle where it starts and ends."""

    centre: tuple[float, float]
    radius_mm: float
    start: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Lead:
    """Tangential lead arcs onto and off a closed loop.

    ``loop`` is the loop re-started at the point where the arcs touch it; the lead-in runs from ``start`` about
    ``centre_in`` to ``loop[0]``, the lead-out from ``loop[-1]`` about ``centre_out`` to ``end``; ``cw`` is the
    turning sense of both arcs (that of the loop's walls-on-the-right side for a climb finishing pass).
    """

    loop: NDArray[np.float64]
    start: tuple[float, float]
    centre_in: tuple[float, float]
    end: tuple[float, float]
    centre_out: tuple[float, float]
    cw: bool
    radius_mm: float


def find_helix(
    centres: Any, centres_prep: PreparedGeometry, near_xy: NDArray[np.float64], radius_mm: float,
    *, min_fraction: float = 0.25,
) -> Helix | None:
    """The helix of radius ``radius_mm`` (or the largest smaller one, down to ``min_fraction`` of it) whose
    circle lies in the tool-centre domain ``centres``, centred as near ``near_xy`` as possible.

    The helix starts at the point of its circle nearest ``near_xy``. ``None`` when no circle fits, or the
    straight link from ``near_xy`` to the start would leave ``centres``.
    """
    rad = float(radius_mm)
    while rad >= radius_mm * min_fraction - 1e-12:
        valid = centres.buffer(-(rad + 1e-6), quad_segs=16)
        if not valid.is_empty:
            p = Point(float(near_xy[0]), float(near_xy[1]))
            c = p if valid.covers(p) else nearest_points(valid, p)[0]
            cx, cy = c.x, c.y
            d = math.hypot(near_xy[0] - cx, near_xy[1] - cy)
            if d > 1e-9:
                sx, sy = cx + rad * (near_xy[0] - cx) / d, cy + rad * (near_xy[1] - cy) / d
            else:
                sx, sy = cx + rad, cy
            link_ok = math.hypot(sx - near_xy[0], sy - near_xy[1]) < 1e-9 or centres_prep.covers(
                LineString([tuple(near_xy[:2]), (sx, sy)]))
            if link_ok:
                return Helix((cx, cy), rad, (sx, sy))
        rad *= 0.5
    return None


def cut_helix(
    b: ToolpathBuilder, helix: Helix, z_from_mm: float, z_to_mm: float, *, pitch_mm: float, ccw: bool,
    feed_mm_min: float,
) -> None:
    """Append the helix from its start at ``z_from_mm`` down to ``z_to_mm`` (half-turn arcs, whole turns of at
    most ``pitch_mm`` each), then one flat turn at ``z_to_mm``. The builder must stand at the start point."""
    cx, cy = helix.centre
    sx, sy = helix.start
    ox, oy = 2 * cx - sx, 2 * cy - sy  # opposite point of the circle
    turns = max(1, math.ceil((z_from_mm - z_to_mm) / pitch_mm - 1e-9))
    for k in range(turns + 1):
        za = z_from_mm - (z_from_mm - z_to_mm) * min(k, turns) / turns
        zb = z_from_mm - (z_from_mm - z_to_mm) * min(k + 1, turns) / turns
        b.arc(ox, oy, 0.5 * (za + zb), cx, cy, cw=not ccw, feed_mm_min=feed_mm_min)
        b.arc(sx, sy, zb, cx, cy, cw=not ccw, feed_mm_min=feed_mm_min)


def find_air_point(
    pocket: Any, centres: Any, centres_prep: PreparedGeometry, near_xy: NDArray[np.float64], r_mm: float,
    *, max_link_mm: float,
) -> NDArray[np.float64] | None:
    """A point of ``centres`` where the tool (radius ``r_mm``) touches none of the pocket's material, as near
    ``near_xy`` as possible and at most ``max_link_mm`` from it, with the straight link back inside
    ``centres``; ``None`` for a closed pocket or when there is none."""
    if not pocket.is_open:
        return None
    air = centres.difference(pocket.region.buffer(r_mm + 0.01, quad_segs=16))
    if air.is_empty:
        return None
    p = Point(float(near_xy[0]), float(near_xy[1]))
    q = nearest_points(air.buffer(-1e-6), p)[0] if not air.buffer(-1e-6).is_empty else None
    if q is None or q.distance(p) > max_link_mm:
        return None
    qxy = np.array([q.x, q.y])
    if q.distance(p) > 1e-9 and not centres_prep.covers(LineString([(q.x, q.y), tuple(near_xy[:2])])):
        return None
    return qxy


def _arc_covered(centres_prep: PreparedGeometry, a: NDArray[np.float64], b: NDArray[np.float64],
                 c: NDArray[np.float64], cw: bool) -> bool:
    pts = arc_points(np.array([a[0], a[1], 0.0]), np.array([b[0], b[1], 0.0]), c, 2 if cw else 3, 1e-3)
    return bool(centres_prep.covers(LineString(pts[:, :2])))


def lead_arcs(
    loop: NDArray[np.float64], centres_prep: PreparedGeometry, radius_mm: float, near_xy: NDArray[np.float64],
) -> Lead | None:
    """Quarter-circle lead-in and lead-out arcs for the closed ``loop`` (first point == last).

    The arcs are tangent to the loop at a point in the middle of one of its longest edges (the one nearest
    ``near_xy`` among edges within 10 % of the longest; then the next longest), lie on the side of the loop
    away from the walls (the domain's side), have radius ``radius_mm`` or half,
    or a quarter of it, and lie in the tool-centre domain. ``None`` when none fits.
    """
    from .linking import rotate_ring

    seg = np.diff(loop, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    if not len(length) or length.max() <= 0:
        return None
    order = np.argsort(-length)[:8]
    long = [i for i in order if length[i] >= 0.9 * length.max()]
    mids = (loop[:-1] + loop[1:]) / 2
    long.sort(key=lambda i: float(np.hypot(*(mids[i] - near_xy[:2]))))
    cands = long + [i for i in order if i not in long]
    for rad in (radius_mm, radius_mm / 2, radius_mm / 4):
        for i in cands:
            if length[i] < 1e-6:
                continue
            t = seg[i] / length[i]
            left = np.array([-t[1], t[0]])
            p = mids[i]
            n_left = bool(centres_prep.contains(Point(*(p + 1e-3 * left))))
            n = left if n_left else -left  # away from the walls, into the domain
            cin = p + rad * n
            s = cin - rad * t
            cout = p + rad * n
            e = cout + rad * t
            cw = not n_left  # the arcs turn towards the domain: left (CCW) when it lies on the left
            if _arc_covered(centres_prep, s, p, cin, cw) and _arc_covered(centres_prep, p, e, cout, cw):
                return Lead(rotate_ring(loop, p), (float(s[0]), float(s[1])), (float(cin[0]), float(cin[1])),
                            (float(e[0]), float(e[1])), (float(cout[0]), float(cout[1])), cw, float(rad))
    return None


def cut_lead(b: ToolpathBuilder, lead: Lead, z_mm: float, *, feed_mm_min: float, laps: int = 1) -> None:
    """Append lead-in arc, ``laps`` times the loop, lead-out arc, at height ``z_mm``; the builder stands at
    ``lead.start`` at that height."""
    p = lead.loop[0]
    b.arc(p[0], p[1], z_mm, *lead.centre_in, cw=lead.cw, feed_mm_min=feed_mm_min)
    for _ in range(laps):
        b.polyline(np.column_stack([lead.loop, np.full(len(lead.loop), z_mm)]), feed_mm_min)
    b.arc(lead.end[0], lead.end[1], z_mm, *lead.centre_out, cw=lead.cw, feed_mm_min=feed_mm_min)
