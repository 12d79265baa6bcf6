"""Offsets of polygons with islands: inward (shrink) and outward (grow), as a Numba kernel.

Method (the level set of the distance to the boundary)
------------------------------------------------------
The boundary of ``P`` offset by ``d`` (``d < 0`` shrinks, ``d > 0`` grows) is the set of points on the
inside (``d < 0``) or outside (``d > 0``) of ``P`` at distance exactly ``|d|`` from its boundary. Rings
are oriented with the material on the left (exterior counter-clockwise, islands clockwise), so the
outward normal of every edge is its right normal ``n``. Per ring:

1. *raw curve*: every edge moved by ``d·n``; at a vertex where the moved edges part (``d·turn > 0``) a
   circular arc of radius ``|d|`` about the vertex joins them, flattened to chords **outside** the circle
   (the polygon circumscribed about the arc, facets tangent at both ends: every point of it is at least
   ``|d|`` from the vertex, at most ``|d| + tolerance_mm``); its first and last facets run along the moved
   edges, so only its corners are raw points. Where the moved edges overlap, a straight connector joins
   their ends. Every raw point is within ``|d| + tolerance_mm`` of the boundary, at least ``|d|`` from its
   own generator;
2. *splitting*: all raw segments of all rings are cut at their mutual intersections;
3. *trimming*: a piece is kept when its midpoint lies outside the *flattened* offset of every edge --
   its band (closer than ``|d| - 1e-7`` mm to the edge's interior: crossings are merged within that order,
   so a piece ending on a merged point can lie that far inside its own band) and, at a vertex with an arc, its cap
   (the circumscribed polygon within the arc's sector; the normal cone of a vertex without an arc holds
   no point on the asked side) -- and on the asked side of ``P`` (crossing-number test). Testing against
   the same flattened shapes the raw curve is made of keeps trimming and curves consistent (a true disc
   would let pieces through between the circle and its polygon). Loops of the raw curve that fold back
   (inside a convex corner when shrinking, a collapsed neck or island, overlapping rings) are closer than
   ``|d|`` to some edge and are dropped; where a neck closes the level set falls apart into several
   rings by itself;
4. *rings*: the kept pieces are chained end to start (intersection points are computed once and shared
   by both pieces, crossings closer than 1e-7 mm are merged, collinear overlaps are split at each other's
   ends, a piece and its exact reverse, a zero-width collapsed neck, cancel, of a piece and its copy (an arc's
   facet along a collinear moved edge) the one with more arcs goes, and pieces that lead nowhere are dropped
   before chaining, so a branch into a dead end cannot swallow a ring). The raw direction is
   kept: exteriors come out counter-clockwise, holes clockwise, tiny rings (area below ``1e-9`` mm²) are
   dropped;
5. *exact crossings*: where two raw segments cross inside both, the ring's vertex is put where the exact
   curves under them meet (circle-circle, circle-line or line-line, the nearest meeting of the primitives
   there or next to them, within ``min(100 tolerance_mm, 2|d|)``), and every arc is written afresh between
   such vertices (or its ends): corners of the polygon circumscribed about the part of the arc between the
   two angles. The raw crossing is still used for trimming and chaining. Where curves nearly coincide
   (micro-steps: edges of micrometres, nearly collinear edges) the flattened curves can cross far from the
   exact meeting, and the exact curves and the flattened ones disagree on which is outermost, so: an exact
   meeting closer than ``|d|`` to any edge is not used (the raw crossing stands, for every crossing at that
   point); a fresh arc corner nearer than ``|d|`` to another edge, or nearer to another vertex than to its
   own, by at most ``tolerance_mm`` below ``|d|``, is moved out from that edge's or vertex's nearest point
   to ``|d| + tolerance_mm`` from it (so the facets circumscribe the outermost of nearly coinciding arcs,
   which can cross between crossings of the flattened curves), tested against every edge next to such a
   crossing or an exact meeting farther than ``tolerance_mm`` from its raw crossing, else against the four
   edges either side of the arc's vertex along its ring; where a corner cannot be cleared, the arc's raw
   corners (on the kept raw curve) stand. Where three raw curves or more cross at one point and one pair's
   exact meeting is not clear, all take the raw point and the primitives under it. A loop of zero area
   closed inside a written ring (a spike, or a fold through a point passed twice) is cut out.

The result lies between the exact offset and the exact offset pushed outward (away from ``P``'s
boundary) by at most ``tolerance_mm``: for a tool centre, never closer to a wall than asked; and the
two-sided Hausdorff distance between its boundary and the exact one is at most ``tolerance_mm`` (tests:
random polygons with islands against shapely's buffer at 256 chords per quarter circle). Where the
flattened curves cross but the exact ones pass each other less than ``2 tolerance_mm`` apart (a neck just
closing), the crossing goes to the middle of that gap. Known exceptions, from the hypothesis slow profile
and random runs: (a) a notch whose walls are exactly ``2|d|`` apart while its mouth is just closing
(two-sided distance 0.016 mm; ``test_known_limit_notch_exactly_two_d_wide``); (b) where a piece of exact
curve shorter than the arcs' deviation lies between two crossing arcs (the raw curves skip it), the
vertex sits on the arcs' own crossing and the first property fails by a sliver a few micrometres wide
(about 1e-6 mm², 1 case in 300 random ones; up to 1.8e-5 mm² on near-degenerate input: 2 of 1000 in
``test_random_polygons_many``). Micro-steps (random outlines with steps and notches up to twice the
tolerance, offsets of 0.05-12 mm; ``test_random_micro_steps_many``, 1000 examples, and 3000 more drawn
afresh): never closer to a wall than asked by more than 1e-5 mm (exact point-to-boundary distances), within
the tolerance of shapely's exact offset both ways but for exception (a), kernel and reference alike.
Input rings are cleaned first (:func:`clean_ring`: coordinates below 1e-12 mm become 0, vertices within
1e-9 mm of the line between their neighbours are dropped, and of a spike folded back on itself the tip
lying within the other's far edge); at the tip of a zero-width spike or slit the
kernel turns by +pi or -pi as the turns around it add up (a 1e-38 mm slit once came out on the wrong
side) and, where the edges before and after the tip are nearly opposite (that rule then follows a rounding
error), as the ring's turns add up to 2 pi times its orientation (:func:`offset_reference.fix_tip_turns`).

Modules: :mod:`toolpath.kernels.offset_kernel` holds :func:`offset_rings_kernel` (Numba; its parts in
:mod:`~toolpath.kernels.offset_base`, :mod:`~toolpath.kernels.offset_cross`,
:mod:`~toolpath.kernels.offset_trim`, :mod:`~toolpath.kernels.offset_chain`), which does the
same with these shortcuts: crossings found on a uniform grid of the raw segments; the keep-test made once
per *run* (the stretch of a raw ring between two crossings: whether a point is kept can only change where
the raw curve meets itself) on an edge grid; and, for offsets of growing size and one sign, the raw
segments of features (moved edges, arcs) with no kept piece at the previous offset left out (erosions by
discs compose, ``(P - D_a) - D_b = P - D_(a+b)``, so such a feature has no kept piece later either; a
level is recomputed with all features when that ever fails). :mod:`toolpath.kernels.offset_reference`
holds :func:`offset_rings_reference`, the method as written above with NumPy and Python (all pairs,
every piece tested, dictionaries). This module validates inputs and wraps either for shapely
geometries (:func:`offset_polygons`, :func:`offset_polygon`). Units: mm, mm².
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from ..errors import GeometryError, InputError
from .offset_kernel import KEEP_EPS_MM, MIN_RING_AREA_MM2, offset_rings_kernel
from .offset_reference import fix_tip_turns, offset_rings_reference, ring_area2

__all__ = [
    "KEEP_EPS_MM",
    "CLEAN_MM",
    "clean_ring",
    "pack_rings",
    "offset_rings_kernel",
    "offset_rings_reference",
    "assemble",
    "offset_polygon",
    "offset_polygons",
]

_MIN_RING_AREA_MM2 = MIN_RING_AREA_MM2
#: Input vertices between their neighbours whose triangle with them is lower than this are dropped, mm;
#: coordinates smaller than ``_ZERO_MM`` become 0.
CLEAN_MM = 1e-9
MICRO_EDGE_FRACTION = 0.5  # edges shorter than this fraction of the tolerance lose an end (pack_rings, micro_mm)
_ZERO_MM = 1e-12


# ---------------------------------------------------------------------------------------------------
# input


def clean_ring(pts: NDArray[np.float64], *, eps_mm: float = CLEAN_MM) -> NDArray[np.float64]:
    """A ring without degenerate vertices: coordinates below 1e-12 mm snapped to 0, repeated points merged,
    and every vertex between its neighbours whose triangle with them is less than ``eps_mm`` high dropped,
    until none is left. The tip of a spike (a zero-width slit or needle) stays: it is part of the boundary
    (the kernel turns by +-pi there, the sign from the turns around it).

    Parameters
    ----------
    pts : ndarray of shape (N, 2), float64, mm
        An open ring (last != first).

    Returns
    -------
    ndarray of shape (K, 2), float64, mm
        The cleaned open ring; fewer than 3 points when nothing of it is left.
    """
    pts = np.where(np.abs(pts) < _ZERO_MM, 0.0, np.asarray(pts, dtype=np.float64))
    while len(pts) >= 3:
        keep = np.any(np.abs(pts - np.roll(pts, 1, axis=0)) > 1e-12, axis=1)
        if not keep.all():
            pts = pts[keep]
            continue
        a, c = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
        ac = c - a
        # the triangle's height on its longest side: the distance to the line through the neighbours for a
        # point between them, the width for the tip of a spike
        ln = np.max([np.hypot(*(pts - a).T), np.hypot(*(c - pts).T), np.hypot(ac[:, 0], ac[:, 1])], axis=0)
        cr = np.abs(ac[:, 0] * (pts[:, 1] - a[:, 1]) - ac[:, 1] * (pts[:, 0] - a[:, 0]))
        on = np.sum((pts - a) * (c - pts), axis=1) >= 0  # going on, not turning back (a spike stays)
        bad = (cr <= eps_mm * ln) & on
        if not bad.any():
            bad = _fold(pts, (cr <= eps_mm * ln) & ~on)
            if not bad.any():
                break
        bad &= ~np.roll(bad, 1)  # never two neighbours at once: each test used both neighbours
        if not bad.any():  # all flagged (a degenerate ring)
            bad[0] = True
        pts = pts[~bad]
    return pts


def _fold(pts: NDArray[np.float64], tip: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The first tip of a fold (two spike tips in a row on one line, A B C D: the path turns back at B and at C)
    that lies within the other tip's far edge (B within C D, or C within A B): dropping it leaves the same
    boundary points (a spike doubled back on itself is one spike)."""
    m = len(pts)
    out = np.zeros(m, dtype=bool)
    for i in np.flatnonzero(tip & np.roll(tip, -1)):
        a, b, c, e = pts[(i - 1) % m], pts[i], pts[(i + 1) % m], pts[(i + 2) % m]
        for k, p, q0, q1 in ((i, b, c, e), ((i + 1) % m, c, a, b)):
            w = q1 - q0
            ww = float(w @ w)
            if ww > 0 and 0.0 <= float((p - q0) @ w) / ww <= 1.0:
                out[k] = True
                return out
    return out


def _drop_tips(pts: NDArray[np.float64], side: int, eps_mm: float = CLEAN_MM) -> NDArray[np.float64]:
    """``pts`` (oriented, interior on the left, cleaned) without the tips of zero-width spikes that cannot
    change an offset of sign ``side``: needles out of the interior (the ring turns back by +pi) when
    shrinking, slits into it (-pi) when growing."""
    while side != 0 and len(pts) >= 4:
        a, c = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
        u, w = pts - a, c - pts
        lu, lw = np.hypot(u[:, 0], u[:, 1]), np.hypot(w[:, 0], w[:, 1])
        cr = u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0]
        turn = np.arctan2(cr, np.sum(u * w, axis=1))
        tips = np.flatnonzero((np.abs(cr) <= eps_mm * np.maximum(lu, lw)) & (np.sum(u * w, axis=1) < 0))
        m, ths, local = len(pts), [], []
        for i in tips:  # the sign of the turn at a tip: the turns around it add up to the turn past it
            p0, n0 = u[(i - 1) % m], w[(i + 1) % m]
            th = math.atan2(p0[0] * n0[1] - p0[1] * n0[0], p0 @ n0)
            local.append(math.copysign(math.pi, th - turn[(i - 1) % m] - turn[(i + 1) % m]))
            ths.append(th)
        turn[tips] = local
        # ... and the ring's turns to 2 pi times its orientation (the local rule fails where the turn past the tip
        # is near +-pi)
        turn = fix_tip_turns(turn, [int(i) for i in tips], ths, ring_area2(pts))
        drop = [int(i) for i in tips if (turn[i] > 0) == (side < 0)]
        if not drop:
            break
        keep = np.ones(m, bool)
        keep[drop[0]] = False  # one at a time: its neighbours change
        pts = clean_ring(pts[keep])
    return pts


def _collapse_micro_edges(pts: NDArray[np.float64], side: int, micro_mm: float) -> NDArray[np.float64]:
    """``pts`` (oriented, interior on the left, cleaned) with an end of each edge shorter than ``micro_mm`` dropped,
    the end whose removal moves the outline only to the side offsets of sign ``side`` are safe on: a convex one
    (the polygon loses a thin triangle) for shrinking offsets, a reflex one for growing offsets. Edges whose ends
    are both of the other kind stay. Micro-steps and micro-kinks (edges of micrometres turning by large angles,
    from meshes, boolean unions and CAD exports) make the offset curves of their corners nearly coincide,
    where crossings are ill-conditioned."""
    while side != 0 and micro_mm > 0 and len(pts) > 3:
        m = len(pts)
        w = np.roll(pts, -1, axis=0) - pts
        u = np.roll(w, 1, axis=0)
        short = np.flatnonzero(np.hypot(w[:, 0], w[:, 1]) < micro_mm)
        if short.size == 0:
            break
        cr = u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0]
        drop = -1
        for i in short:
            for v in (int(i), (int(i) + 1) % m):
                if cr[v] != 0 and (cr[v] > 0) == (side < 0):
                    drop = v
                    break
            if drop >= 0:
                break
        if drop < 0:
            break
        pts = clean_ring(np.delete(pts, drop, axis=0))
    return pts


def pack_rings(geom: Any, *, side: int = 0, micro_mm: float = 0.0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Rings of polygons as one array, oriented with the material on the left.

    Parameters
    ----------
    geom : shapely Polygon or MultiPolygon
    side : int
        -1: for shrinking offsets, drop needles of zero width out of the polygons; +1: for growing offsets,
        drop slits of zero width into them; 0: keep both (tips of spikes within 1e-9 mm).
    micro_mm : float
        With ``side`` != 0: edges shorter than this lose an end, the one whose removal moves the outline to the
        safe side of offsets of that sign (see :func:`_collapse_micro_edges`), mm; 0: none.

    Returns
    -------
    xy : ndarray of shape (M, 2), float64, mm
        Vertices of every ring, each ring open (last != first), cleaned by :func:`clean_ring`; rings with
        nothing left are dropped.
    starts : ndarray of shape (R + 1,), int64
        Ring ``k`` is ``xy[starts[k]:starts[k + 1]]``.
    """
    polys = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    rings: list[NDArray[np.float64]] = []
    for p in polys:
        if not isinstance(p, Polygon):
            raise GeometryError(f"offset takes polygons, got {type(p).__name__}")
        if p.is_empty:
            continue
        for k, ring in enumerate([p.exterior, *p.interiors]):
            pts = clean_ring(np.asarray(ring.coords, dtype=np.float64)[:-1, :2])
            if len(pts) < 3:
                continue
            area2 = ring_area2(pts)
            if (area2 > 0) != (k == 0):
                pts = pts[::-1]
            pts = _collapse_micro_edges(_drop_tips(pts, side), side, micro_mm)
            if len(pts) >= 3:
                rings.append(pts)
    starts = np.zeros(len(rings) + 1, np.int64)
    starts[1:] = np.cumsum([len(r) for r in rings])
    xy = np.ascontiguousarray(np.concatenate(rings)) if rings else np.zeros((0, 2))
    return xy, starts


# ---------------------------------------------------------------------------------------------------
# shapely API


def assemble(pts: NDArray[np.float64], ring_starts: NDArray[np.int64]) -> Polygon | MultiPolygon:
    """Polygons from oriented rings: counter-clockwise exteriors, clockwise holes (each hole goes to the
    smallest exterior containing its first vertex)."""
    rings = [pts[ring_starts[k] : ring_starts[k + 1]] for k in range(len(ring_starts) - 1)]
    if not rings:
        return Polygon()
    area2 = np.array([ring_area2(r) for r in rings])
    outer = [r for r, a in zip(rings, area2, strict=True) if a > 0]
    holes = [r for r, a in zip(rings, area2, strict=True) if a < 0]
    shells = np.array([Polygon(r) for r in outer], dtype=object)
    shell_area = shapely.area(shells) if outer else np.zeros(0)
    owned: list[list[NDArray[np.float64]]] = [[] for _ in outer]
    if holes and outer:
        inside = np.stack([shapely.contains_xy(shells, h[0, 0], h[0, 1]) for h in holes])  # (holes, shells)
        for hi, row in enumerate(inside):
            cand = np.flatnonzero(row)
            if cand.size:
                owned[int(cand[np.argmin(shell_area[cand])])].append(holes[hi])
    polys = [Polygon(np.vstack([o, o[:1]]), [np.vstack([h, h[:1]]) for h in hs])
             for o, hs in zip(outer, owned, strict=True)]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _check(distances: NDArray[np.float64], tolerance_mm: float) -> None:
    if not (tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be a finite number > 0, got {tolerance_mm!r}")
    if not np.all(np.isfinite(distances)):
        raise InputError(f"offset distances must be finite, got {distances.tolist()!r}")


def offset_polygons(
    geom: Polygon | MultiPolygon,
    distances_mm: Sequence[float] | NDArray[np.float64],
    *,
    tolerance_mm: float = 0.01,
    reference: bool = False,
) -> list[Polygon | MultiPolygon]:
    """Offsets of ``geom`` by each distance (negative shrinks), one geometry per distance.

    Parameters
    ----------
    geom : shapely Polygon or MultiPolygon, mm
        Valid polygons, islands as interior rings.
    distances_mm : sequence of float
        Signed offsets, mm; 0 returns ``geom`` unchanged.
    tolerance_mm : float
        Largest deviation of flattened arcs, mm; the result deviates from the exact offset only away from
        ``geom``'s boundary (inward offsets never come closer to a wall than asked). Edges shorter than
        :data:`MICRO_EDGE_FRACTION` times it lose an end first, the one whose removal moves the outline away
        from the offset (micro-steps and micro-kinks; longer ones are handled by the kernel).
    reference : bool
        Use the plain reference instead of the Numba kernel (for tests).

    Returns
    -------
    list of Polygon or MultiPolygon
        Empty polygons where the offset vanishes.

    Raises
    ------
    GeometryError
        When ``geom`` is not valid polygons, or the rings cannot be rebuilt into valid polygons.
    """
    d = np.asarray(distances_mm, dtype=np.float64).reshape(-1)
    _check(d, tolerance_mm)
    if not shapely.is_valid(geom):
        raise GeometryError(f"cannot offset an invalid geometry: {shapely.is_valid_reason(geom)}")
    out: list[Polygon | MultiPolygon] = [Polygon()] * len(d)
    for k in np.flatnonzero(d == 0):
        out[int(k)] = geom
    fn = offset_rings_reference if reference else offset_rings_kernel
    for side in (-1, 1):  # shrinking and growing: zero-width spikes that cannot matter dropped
        nz = np.flatnonzero(d * side > 0)
        xy, starts = pack_rings(geom, side=side, micro_mm=MICRO_EDGE_FRACTION * float(tolerance_mm))
        if len(starts) < 2 or nz.size == 0:
            continue
        pts, rs, lv = fn(xy, starts, np.ascontiguousarray(d[nz]), float(tolerance_mm))
        _collect(out, geom, d, nz, pts, rs, lv)
    return out


def _collect(out: list[Polygon | MultiPolygon], geom: Any, d: NDArray[np.float64], nz: NDArray[np.int64],
             pts: NDArray[np.float64], rs: NDArray[np.int64], lv: NDArray[np.int64]) -> None:
    """Kernel rings of levels ``nz`` assembled into ``out``."""
    for j, k in enumerate(nz):
        sel = np.flatnonzero(lv == j)
        if sel.size == 0:
            continue
        sub_rs = np.concatenate([[0], np.cumsum(rs[sel + 1] - rs[sel])])
        sub_pts = np.concatenate([pts[rs[q] : rs[q + 1]] for q in sel])
        g = assemble(sub_pts, sub_rs)
        if not g.is_valid:  # a ring touching itself where a neck closes exactly at this distance
            fixed = shapely.make_valid(g)
            parts = [p for p in shapely.get_parts(shapely.get_parts(fixed))
                     if isinstance(p, Polygon) and p.area > _MIN_RING_AREA_MM2]
            g = parts[0] if len(parts) == 1 else MultiPolygon(parts)
        if not g.is_valid:
            raise GeometryError(
                f"offset by {d[k]:g} mm gave invalid rings ({shapely.is_valid_reason(g)}) near {geom.bounds}"
            )
        out[int(k)] = g


def offset_polygon(
    geom: Polygon | MultiPolygon, distance_mm: float, *, tolerance_mm: float = 0.01, reference: bool = False
) -> Polygon | MultiPolygon:
    """Offset of ``geom`` by ``distance_mm`` (negative shrinks); see :func:`offset_polygons`."""
    return offset_polygons(geom, [distance_mm], tolerance_mm=tolerance_mm, reference=reference)[0]
