"""Adaptive clearing's finishing loops (staged, rounded inside corners) and trochoidal fallback in necks.

Helpers of :mod:`toolpath.strategies.adaptive`; units mm and radians.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from ..geometry.slicing import polygons_of

__all__ = ["finish_loops", "finish_tips", "hot_pieces", "start_on_edge", "trochoid", "trochoid_circles",
           "trochoid_pitch", "trochoid_xy"]

#: finishing stages: (offset from the walls, corner radius), in units of the strip roughing leaves on walls
_FINISH_STAGES: list[tuple[float, float]] = [(0.6, 0.4), (0.3, 0.6), (0.0, 0.7)]
#: a vertex of C the rounded last loop misses by more than this many rounding radii gets a slot of its own: the
#: wall strip seen only from there is about that thick (a 59 deg tip, missed by 0.14 mm: 0.67 mm2 left)
_TIP_MISS = 0.6
_TROCH_MIN_R = 0.1  # trochoid circles at least this many tool radii (narrower necks are slotted)
_TROCH_MAX_R = 0.5  # and at most


def trochoid_pitch(r: float, rho: float, ae: float, target_rad: float) -> float:
    """Advance per circle of a trochoid of circle radius ``rho`` whose front crescent holds the target angle.

    The circle before cleared a disc of radius ``R = r + rho``; the tool at the front of the next circle
    (centre ``rho + p`` from the old one) meets material over the arc ``beta`` from its front with
    ``cos beta = (R^2 - (rho + p)^2 - r^2) / (2 r (rho + p))``; the half of it ahead of the tool counts.
    Bisected for ``beta <= target``, at most ``ae``.
    """
    big = r + rho
    lo, hi = 0.0, ae
    for _ in range(40):
        p = 0.5 * (lo + hi)
        dd = rho + p
        c = (big * big - dd * dd - r * r) / (2.0 * r * dd)
        if math.acos(max(-1.0, min(1.0, c))) <= target_rad:
            lo = p
        else:
            hi = p
    return lo


def trochoid(g: Any, room: NDArray[np.float64], near_roomy: NDArray[np.int64], pos: NDArray[np.float64],
             iy: int, ix: int, cell_xy: NDArray[np.float64], r: float, rho_min: float, ae: float,
             target_rad: float) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float,
                                         float] | None:
    """A trochoidal run from the tool at ``pos`` to the roomy cell ``(iy, ix)`` that reaches ``cell_xy``.

    ``room`` is the distance of each cell to the nearest not-allowed one, mm, and ``near_roomy`` (2, ny, nx)
    the indices of the nearest cell with room for the smallest circle; a tool at ``pos`` without room
    starts from the roomy cell nearest to it. Returns ``(first centre, last centre, unit direction, circle
    radius, pitch)`` or None when the straight run has no room for circles of at least ``rho_min`` (each
    circle stays on allowed cells) or its last circle does not reach the cell.
    """
    k = int(math.ceil(0.25 * r / g.cell))

    def roomiest(jy: int, jx: int) -> NDArray[np.float64]:
        """The cell with the most room within r / 4 of cell (jy, jx) (towards the neck's middle), in mm."""
        y0, x0 = max(0, jy - k), max(0, jx - k)
        win = room[y0 : jy + k + 1, x0 : jx + k + 1]
        wy, wx = np.unravel_index(int(np.argmax(win)), win.shape)
        return g.xy(np.array([y0 + wy]), np.array([x0 + wx]))[0]

    jx = int(np.clip(round((pos[0] - g.x0) / g.cell), 0, room.shape[1] - 1))
    jy = int(np.clip(round((pos[1] - g.y0) / g.cell), 0, room.shape[0] - 1))
    p0 = roomiest(int(near_roomy[0][jy, jx]), int(near_roomy[1][jy, jx]))
    for q in (roomiest(iy, ix), g.xy(np.array([iy]), np.array([ix]))[0]):
        v = q - p0
        n = float(np.hypot(*v))
        d = v / n if n > 1e-9 else (cell_xy - p0) / max(float(np.hypot(*(cell_xy - p0))), 1e-9)
        m = max(2, int(math.ceil(n / (0.5 * g.cell))) + 1)
        pts = p0 + np.outer(np.linspace(0.0, 1.0, m), q - p0)
        jx_ = np.clip(np.rint((pts[:, 0] - g.x0) / g.cell).astype(np.int64), 0, room.shape[1] - 1)
        jy_ = np.clip(np.rint((pts[:, 1] - g.y0) / g.cell).astype(np.int64), 0, room.shape[0] - 1)
        # allowed cells already keep 0.85 cell from C: circles may use the room less a quarter cell
        rho = min(_TROCH_MAX_R * r, float(room[jy_, jx_].min()) - 0.25 * g.cell)
        if rho < rho_min or float(np.hypot(*(cell_xy - q))) > r + rho:
            continue
        c0 = p0 - rho * d  # the first circle runs in what the tool has cut (its front reaches p0 + r)
        j0x = int(np.clip(round((c0[0] - g.x0) / g.cell), 0, room.shape[1] - 1))
        j0y = int(np.clip(round((c0[1] - g.y0) / g.cell), 0, room.shape[0] - 1))
        if room[j0y, j0x] < rho + 0.25 * g.cell:
            c0 = p0.copy()
        return c0, q, d, rho, trochoid_pitch(r, rho, ae, target_rad)
    return None


def start_on_edge(pts: NDArray[np.float64], xy: NDArray[np.float64], r: float) -> NDArray[np.float64]:
    """The closed ring re-started on a long edge (``>= min(r, longest / 2)``, away from its ends) near ``xy``.

    Starting a finishing loop in a corner would drive the tool into the corner from the link, not along the
    wall; a long edge's middle half is away from corners.
    """
    a, b = pts[:-1], pts[1:]
    ab = b - a
    ln2 = (ab * ab).sum(axis=1)
    long_ = ln2 >= min(r * r, 0.25 * float(ln2.max()))
    t = np.clip(((xy - a) * ab).sum(axis=1) / np.maximum(ln2, 1e-30), 0.25, 0.75)
    proj = a + ab * t[:, None]
    d = np.where(long_, ((proj - xy) ** 2).sum(axis=1), np.inf)
    i = int(np.argmin(d))
    body = np.vstack([pts[i + 1 : -1], pts[: i + 1]])
    out = np.vstack([proj[i][None], body, proj[i][None]])
    keep = np.ones(len(out), bool)
    keep[1:] = np.linalg.norm(np.diff(out, axis=0), axis=1) > 1e-9
    keep[-1] = True
    return out[keep]


def finish_loops(centres: Any, strip_mm: float, notes: list[str]) -> list[tuple[Any, bool]]:
    """The polygons whose boundaries the finishing loops follow, in order, per piece of ``centres``, each with
    whether its loop slots (a strip of ``centres`` thinner than the last loop's rounding: :func:`_thin_parts`).

    Driving the tool into a sharp inside corner engages the whole arc of its circle facing the corner (90°
    in a right-angle corner: those points are within reach of that position only) plus the strip roughing
    left on the wall ahead (``strip_mm`` thick), ~105° in all. So each piece is finished in stages
    (:data:`_FINISH_STAGES`): a loop along ``centres`` shrunk by ``offset`` with its convex corners rounded
    to ``radius`` (an opening), each rounded enough that its corner arc stays behind what the stage before
    cut, so the arc of the tool facing the corner is already cut when it gets there. The last stage follows
    the walls; it leaves a sliver ``radius * (1 / sin(a / 2) - 1)`` thick in a corner of angle ``a``
    (0.41 ``radius`` at 90°), which is left: all the way into a right-angle corner the tool's circle would meet
    that sliver on ~95° (it reaches past both tangent points), and stopping short enough to stay under 90° as a
    simulation measures it leaves nearly as much (tried: 88-113° measured at 0.005-0.03 mm short). The
    opening drops necks of the piece narrower than twice the radius (their walls keep a strip of at most
    ~``strip_mm``); where it would lose more than a tenth of the piece's area, that piece's loop keeps sharp
    corners.
    """
    out: list[tuple[Any, bool]] = []
    sharp = slim = 0
    for poly in polygons_of(centres):
        first = len(out)
        for off_f, rad_f in _FINISH_STAGES:
            off, rad = off_f * strip_mm, rad_f * strip_mm
            base = poly.buffer(-off, quad_segs=16) if off > 0 else poly
            opened = base.buffer(-rad, quad_segs=16).buffer(rad, quad_segs=8) if rad > 0 else base
            if not opened.is_empty and opened.area >= 0.9 * base.area:  # necks thinner than 2 radius dropped
                out.extend((p, False) for p in polygons_of(opened))
                if off == 0:
                    # the thin strips go first: a loop passing where one joins the rest found its material
                    # uncut (105 deg measured at a ring's joint)
                    thin = _thin_parts(base, opened, rad)
                    slim += len(thin)
                    out[first:first] = [(p, True) for p in thin]
            else:
                out.extend((p, False) for p in polygons_of(base))
                sharp += 1
    if sharp:
        notes.append(f"{sharp} finishing loops keep sharp corners (the rounded loop would lose > 10 % of the area)")
    if slim:
        notes.append(f"{slim} loops at half feed, reported as slotting, round strips of the centre domain thinner than "
                     "the rounded loop (rings round islands, necks about the tool's width)")
    return out


def _thin_parts(base: Any, opened: Any, rad: float) -> list[Any]:
    """Pieces of ``base`` that its opening by ``rad`` drops and that are long: strips of the centre domain
    narrower than ``2 rad`` (a ring round an island or a neck about the tool's width, where the wall's
    material is within reach of those centres only), not the slivers of rounded corners. Following a strip's
    boundary (both its sides) sweeps it."""
    lost = base.difference(opened.buffer(0.05 * rad, quad_segs=8))
    keep = []
    for p in polygons_of(lost):
        x0, y0, x1, y1 = p.bounds
        if p.area > 0.5 * rad * rad and max(x1 - x0, y1 - y0) > 4.0 * rad:
            keep.append(p)
    return keep


def finish_tips(centres: Any, strip_mm: float) -> list[NDArray[np.float64]]:
    """Tips of ``centres`` that the rounded last finishing loop (:func:`finish_loops`) does not reach.

    The last stage rounds convex corners of each piece to ``radius = 0.7 strip_mm``, which leaves the
    position at a corner of angle ``a`` ``radius * (1 / sin(a / 2) - 1)`` away: nothing at right angles
    (0.41 radius, a sliver), but most of a narrow piece's pointed end (a corner of the room behind an island,
    reachable only from there). Returns one point per such tip (corners sharper than about 77°: vertices more
    than ``_TIP_MISS * radius`` from the loop), in mm: the farthest vertex, then the farthest of those more
    than twice its distance plus ``radius`` away, and so on.
    """
    rad = _FINISH_STAGES[-1][1] * strip_mm
    out: list[NDArray[np.float64]] = []
    if rad <= 0:
        return out
    for poly in polygons_of(centres):
        opened = poly.buffer(-rad, quad_segs=16).buffer(rad, quad_segs=8)
        if opened.is_empty or opened.area < 0.9 * poly.area:
            continue  # that piece's loop keeps sharp corners (finish_loops)
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            d = shapely.distance(shapely.points(xy), opened)
            far = np.flatnonzero(d > _TIP_MISS * rad)
            while far.size:  # the farthest vertex, then the next one beyond that tip's reach, ...
                k = far[int(np.argmax(d[far]))]
                out.append(xy[k].copy())
                far = far[np.hypot(*(xy[far] - xy[k]).T) > 2.0 * d[k] + rad]
    return out


def hot_pieces(xy: NDArray[np.float64], hot: NDArray[np.bool_],
               pad_mm: float) -> list[tuple[NDArray[np.float64], bool]]:
    """Split the polyline ``xy`` (M, 2) into consecutive pieces, hot or not, sharing their end points.

    ``hot[i]`` marks the move ending at vertex ``i`` (``hot[0]`` is ignored); each run of hot moves is
    widened by ``pad_mm`` of path on both sides (to whole moves), so the reduced feed starts before the
    engagement rises and ends after it falls. Returns ``[(piece, is_hot), ...]``, each piece at least two
    points, in order; a polyline without hot moves is one cool piece.
    """
    m = len(xy)
    h = np.zeros(m, bool)
    h[1:] = np.asarray(hot[1:], bool)
    if m < 2 or not h.any():
        return [(xy, False)]
    s = np.zeros(m)
    s[1:] = np.cumsum(np.hypot(*np.diff(xy, axis=0).T))
    wide = h.copy()
    for i in np.flatnonzero(h):
        # moves i' whose span [s[i'-1], s[i']] comes within pad_mm of the hot move's span [s[i-1], s[i]]
        near = (s[1:] >= s[i - 1] - pad_mm) & (s[:-1] <= s[i] + pad_mm)
        wide[1:] |= near
    pieces: list[tuple[NDArray[np.float64], bool]] = []
    start = 0
    for i in range(2, m + 1):
        if i == m or wide[i] != wide[i - 1]:
            pieces.append((xy[start:i], bool(wide[i - 1])))
            start = i - 1
    return pieces


def trochoid_circles(c0: NDArray[np.float64], q: NDArray[np.float64], pitch: float) -> int:
    """Circle steps of a trochoidal run from centre ``c0`` to ``q`` advancing at most ``pitch`` mm a circle (the
    run cuts one circle more than this)."""
    return max(1, int(math.ceil(float(np.hypot(*(q - c0))) / max(pitch, 1e-3))))


def trochoid_xy(c0: NDArray[np.float64], q: NDArray[np.float64], d: NDArray[np.float64], rho: float, pitch: float, *,
                cw: bool, step_mm: float) -> NDArray[np.float64]:
    """The XY polyline a trochoidal run is cut along (as adaptive clearing cuts it: from each circle's start
    ``rho`` behind its centre, a full circle, then a straight feed to the next start; centres from ``c0`` to
    ``q`` every ``pitch`` at most, ``d`` the unit direction), points about ``step_mm`` apart on the circles: the
    same count on each circle, circle ``i`` (from 0 to :func:`trochoid_circles`) first."""
    n_c = trochoid_circles(c0, q, pitch)
    k = max(16, int(math.ceil(2 * math.pi * rho / step_mm)))
    a = math.atan2(-d[1], -d[0]) + (-1.0 if cw else 1.0) * np.linspace(0.0, 2 * math.pi, k + 1)
    ring = rho * np.column_stack([np.cos(a), np.sin(a)])
    return np.concatenate([c0 + (q - c0) * (i / n_c) + ring for i in range(n_c + 1)])
