"""2D drawings into regions and pockets: chaining, nesting, validation (shared by DXF and SVG input).

A drawing arrives as loose *curves*: polylines of (n, 2) vertices in mm, already flattened
(arcs, splines and Béziers replaced by chords within a stated tolerance). This module

1. chains them end to end into closed *loops*: two ends meet when they are within
   ``tolerance_mm``; an end with no partner that close is a gap, and a :class:`GeometryError`
   names both ends of the smallest such gap and its width;
2. validates the loops: a loop that crosses or touches itself, two loops that cross or overlap,
   and loops of zero area are refused with the coordinates of the problem;
3. nests the loops by containment into polygons with holes: with the even-odd rule a loop at
   even depth (0, 2, ...) is an outer boundary and the loops directly inside it are its islands;
   with the nonzero rule (SVG) a region is filled when the sum of the orientations of the loops
   around it is not zero;
4. turns the regions into :class:`~toolpath.Pocket` s cut ``depth_mm`` deep from ``z_top_mm``
   (:func:`drawing_pockets`), in the same :class:`~toolpath.geometry.slicing.SliceResult` slicing
   returns.

Units: mm everywhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LinearRing, LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from ..errors import FileFormatError, GeometryError, InputError
from ..pocket import Pocket
from ..stock import Stock
from .slicing import SliceResult, _round_hole_diameter, polygons_of

__all__ = [
    "FillRule",
    "DEFAULT_TOLERANCE_MM",
    "DEFAULT_STOCK_MARGIN_MM",
    "arc_points",
    "arc_segments",
    "bulge_points",
    "chain_curves",
    "loops_to_polygons",
    "curves_to_polygons",
    "drawing_pockets",
    "is_drawing",
    "load_drawing",
]

#: Default chord tolerance of flattened curves and gap tolerance of chaining, mm.
DEFAULT_TOLERANCE_MM = 0.01
#: Default stock around a drawing: its bounding box grown by this on every side, mm.
DEFAULT_STOCK_MARGIN_MM = 5.0

_DRAWING_SUFFIXES = (".dxf", ".svg")


class FillRule(Enum):
    """How nested loops make a region (as SVG's ``fill-rule``)."""

    EVENODD = "evenodd"
    """A point is inside when a ray from it crosses the loops an odd number of times."""
    NONZERO = "nonzero"
    """A point is inside when the loops' winding number around it is not zero."""


def _fmt(xy: Sequence[float]) -> str:
    return f"({xy[0]:.4f}, {xy[1]:.4f})"


# --------------------------------------------------------------------------------------------------
# flattening helpers
# --------------------------------------------------------------------------------------------------
def arc_segments(radius_mm: float, sweep_rad: float, tolerance_mm: float) -> int:
    """Number of chords so that a circular arc is within ``tolerance_mm`` of them.

    A chord spanning the angle ``a`` of a circle of radius ``r`` is at most ``r·(1 - cos(a/2))``
    from it (the sagitta).
    """
    r = abs(float(radius_mm))
    sweep = abs(float(sweep_rad))
    if not (r > 0 and sweep > 0):
        return 1
    if tolerance_mm >= r:
        step = math.pi / 2.0
    else:
        step = 2.0 * math.acos(1.0 - tolerance_mm / r)
    return max(1, math.ceil(sweep / step - 1e-9))


def arc_points(
    cx: float, cy: float, radius_mm: float, start_rad: float, sweep_rad: float, *, tolerance_mm: float
) -> NDArray[np.float64]:
    """Vertices of a circular arc flattened to ``tolerance_mm``, both ends included.

    Parameters
    ----------
    cx, cy : float
        Centre, mm.
    radius_mm : float
        Radius, mm.
    start_rad : float
        Angle of the first point, rad (CCW from +X).
    sweep_rad : float
        Signed sweep, rad: positive counter-clockwise; ``2π`` for a full circle.
    tolerance_mm : float
        Largest distance between the arc and its chords, mm.

    Returns
    -------
    ndarray of shape (n + 1, 2), float64
        Points on the circle, mm; for a full circle the last equals the first.
    """
    n = arc_segments(radius_mm, sweep_rad, tolerance_mm)
    if abs(sweep_rad) >= 2.0 * math.pi - 1e-12:
        n = max(n, 8)
    a = start_rad + sweep_rad * np.arange(n + 1) / n
    pts = np.column_stack([cx + radius_mm * np.cos(a), cy + radius_mm * np.sin(a)])
    if abs(sweep_rad) >= 2.0 * math.pi - 1e-12:
        pts[-1] = pts[0]
    return pts


def bulge_points(p0: Sequence[float], p1: Sequence[float], bulge: float, *, tolerance_mm: float) -> NDArray[np.float64]:
    """Vertices of a DXF polyline segment from ``p0`` to ``p1`` with a bulge, both ends included.

    The bulge is ``tan(θ/4)`` of the arc's included angle ``θ``, positive for a counter-clockwise
    arc; 0 is a straight segment.

    Returns
    -------
    ndarray of shape (n + 1, 2), float64, mm
    """
    x0, y0 = float(p0[0]), float(p0[1])
    x1, y1 = float(p1[0]), float(p1[1])
    b = float(bulge)
    dx, dy = x1 - x0, y1 - y0
    c = math.hypot(dx, dy)
    if abs(b) < 1e-12 or c == 0.0:
        return np.array([[x0, y0], [x1, y1]], dtype=np.float64)
    # centre: on the chord's perpendicular bisector, (c/4)(1/b - b) to the left of p0 -> p1
    off = 0.25 * (1.0 / b - b)
    cx = 0.5 * (x0 + x1) - dy * off
    cy = 0.5 * (y0 + y1) + dx * off
    r = math.hypot(x0 - cx, y0 - cy)
    sweep = 4.0 * math.atan(b)
    pts = arc_points(cx, cy, r, math.atan2(y0 - cy, x0 - cx), sweep, tolerance_mm=tolerance_mm)
    pts[0] = (x0, y0)
    pts[-1] = (x1, y1)
    return pts


# --------------------------------------------------------------------------------------------------
# chaining
# --------------------------------------------------------------------------------------------------
def _dedupe(xy: NDArray[np.float64], eps: float) -> NDArray[np.float64]:
    """Drop points within ``eps`` of the point before them, keep the first and the last point."""
    if len(xy) < 2:
        return xy
    step = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    keep = np.concatenate([[True], step > eps])
    if not keep[-1]:  # keep the true end point, drop the one before it instead
        j = int(np.flatnonzero(keep)[-1])
        if j > 0:
            keep[j] = False
        keep[-1] = True
    return xy[keep]


def _drop_overlaps(opens: list[NDArray[np.float64]], loops: list[NDArray[np.float64]],
                   tol: float) -> list[NDArray[np.float64]]:
    """The open curves less the strays: a curve with an end that meets no other curve's end (within ``tol``)
    and that lies within ``2 tol`` of other curves (a line drawn twice, a stray piece over an edge; twice the
    tolerance: the other may be an arc flattened within ``tol``). It adds no boundary, and its loose end
    would leave the contour open. A curve whose ends both meet others belongs to a chain and is kept, unless
    another curve with the same two ends lies along it (a line drawn twice: one of the two stays)."""
    if len(opens) + len(loops) < 2:
        return opens
    ends = np.array([[o[0], o[-1]] for o in opens]).reshape(-1, 2)
    grid = _EndGrid(ends, tol)
    lines = [LineString(c) for c in opens] + [LineString(c) for c in loops]
    tree = shapely.STRtree(lines)
    dropped = np.zeros(len(lines), dtype=bool)
    keep = []
    for i, line in enumerate(lines[: len(opens)]):
        meets = [{k // 2 for k in grid.near(ends[2 * i + e]) if k // 2 != i and not dropped[k // 2]} for e in (0, 1)]
        loose = not meets[0] or not meets[1]
        twins = meets[0] & meets[1]  # curves with the same two ends: a line drawn twice if it lies on this one
        near = [j for j in tree.query(line.buffer(2 * tol)) if j != i and not dropped[j]] if loose else sorted(twins)
        if near and line.within(shapely.union_all([lines[j] for j in near]).buffer(2 * tol, quad_segs=4)):
            dropped[i] = True
        else:
            keep.append(opens[i])
    return keep


class _EndGrid:
    """Curve ends hashed on a grid of cell ``tol``: the ends within ``tol`` of a point are in its 3 x 3 cells."""

    def __init__(self, ends: NDArray[np.float64], tol: float) -> None:
        self.ends = ends
        self.tol = tol
        self.cells: dict[tuple[int, int], list[int]] = {}
        keys = np.floor(ends / tol).astype(np.int64)
        for k, (i, j) in enumerate(keys.tolist()):
            self.cells.setdefault((i, j), []).append(k)

    def near(self, p: NDArray[np.float64]) -> list[int]:
        i, j = int(math.floor(p[0] / self.tol)), int(math.floor(p[1] / self.tol))
        out = []
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for k in self.cells.get((i + di, j + dj), ()):
                    if math.hypot(self.ends[k, 0] - p[0], self.ends[k, 1] - p[1]) <= self.tol:
                        out.append(k)
        return out


def chain_curves(curves: Iterable[Any], *, tolerance_mm: float = DEFAULT_TOLERANCE_MM,
                 gap_mm: float | None = None, keep_open: bool = False) -> list[NDArray[np.float64]]:
    """Join loose curves end to end into closed loops.

    Parameters
    ----------
    curves : iterable of array_like of shape (n, 2), float, mm
        Polylines in any order and direction; a curve whose ends are within ``tolerance_mm``
        is a loop by itself.
    tolerance_mm : float
        Largest gap closed between two ends, mm (curves no longer than it are dropped as specks).
    gap_mm : float, optional
        Close wider gaps, up to this width, with a straight line (drawings whose contours do not
        quite meet), mm; at least ``tolerance_mm``.
    keep_open : bool
        Return the chains that do not close too, after the loops (for engraving strokes), instead of
        raising.

    Returns
    -------
    list of ndarray of shape (m, 2), float64
        Closed loops, mm, the last vertex equal to the first.

    Raises
    ------
    GeometryError
        A curve end with no other end within ``tolerance_mm``: the message names the end, the
        nearest other end and the gap between them (the smallest such gap of the drawing).
    """
    if not (tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    if gap_mm is not None and not (isinstance(gap_mm, (int, float)) and gap_mm > 0 and math.isfinite(gap_mm)):
        raise InputError(f"gap_mm must be a width > 0 mm, got {gap_mm!r}")
    speck = float(tolerance_mm)
    tol = max(speck, float(gap_mm)) if gap_mm is not None else speck
    eps = min(1e-9, speck * 1e-3)
    loops: list[NDArray[np.float64]] = []
    opens: list[NDArray[np.float64]] = []
    for c in curves:
        xy = np.asarray(c, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] < 2:
            raise InputError(f"a curve must be an (n, 2) array of points, got shape {xy.shape}")
        xy = xy[:, :2]
        if not np.isfinite(xy).all():
            raise GeometryError(f"a curve has a non-finite coordinate near {_fmt(xy[np.isfinite(xy).all(axis=1)][0])}"
                                if np.isfinite(xy).all(axis=1).any() else "a curve has no finite coordinate")
        xy = _dedupe(xy, eps)
        if len(xy) < 2:
            continue
        length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
        if length <= speck:  # a speck: nothing to cut, and it would confuse the chaining
            continue
        if math.hypot(*(xy[-1] - xy[0])) <= tol and len(xy) >= 3 and (gap_mm is None or length > 4 * tol):
            loop = xy.copy()
            loop[-1] = loop[0]
            loops.append(loop)
        else:
            opens.append(xy)
    if not opens:
        return loops
    opens = _drop_overlaps(opens, loops, speck)

    ends = np.array([[o[0], o[-1]] for o in opens]).reshape(-1, 2)  # end 2i: start of i, 2i+1: end of i
    grid = _EndGrid(ends, tol)
    used = np.zeros(len(opens), dtype=bool)
    gaps: list[tuple[float, NDArray[np.float64], NDArray[np.float64]]] = []
    opened: list[NDArray[np.float64]] = []
    for first in range(len(opens)):
        if used[first]:
            continue
        used[first] = True
        chain = opens[first]
        parts = [chain]
        start = chain[0]
        cur = chain[-1]
        closed = False
        flipped = False
        while True:
            cand = [k for k in grid.near(cur) if not used[k // 2]]
            shut = math.hypot(*(cur - start))
            if shut <= tol and sum(len(p) for p in parts) >= 3 and (
                    gap_mm is None or not cand or shut <= min(math.hypot(*(ends[k] - cur)) for k in cand)):
                closed = True  # (closing wide gaps: only when no other free end is nearer)
                break
            if not cand:
                if flipped:
                    break
                # stuck going forward: grow the chain from its other end
                flipped = True
                whole = np.vstack(parts)[::-1]
                parts = [whole]
                start, cur = whole[0], whole[-1]
                continue
            k = min(cand, key=lambda k: (math.hypot(*(ends[k] - cur)), k))  # ties: the first curve given
            used[k // 2] = True
            nxt = opens[k // 2] if k % 2 == 0 else opens[k // 2][::-1]
            parts.append(nxt[1:])
            cur = nxt[-1]
        if closed:
            loop = np.vstack(parts)
            loop[-1] = start
            loops.append(loop)
            continue
        if keep_open:
            opened.append(np.vstack(parts))
            continue
        # a dangling end: find the nearest end it could have met (its own start or a free end)
        free = [k for k in range(len(ends)) if not used[k // 2]]
        cands = [start, *[ends[k] for k in free]]
        d = [math.hypot(*(p - cur)) for p in cands]
        j = int(np.argmin(d))
        gaps.append((d[j], cur.copy(), np.asarray(cands[j], dtype=np.float64)))
    if gaps:
        gaps.sort(key=lambda g: g[0])
        w, a, b = gaps[0]
        more = f" (and {len(gaps) - 1} more open chain{'s' if len(gaps) > 2 else ''})" if len(gaps) > 1 else ""
        raise GeometryError(
            f"open contour: gap of {w:.4f} mm between {_fmt(a)} and {_fmt(b)}, "
            f"larger than the tolerance {tol:g} mm{more}; to close gaps up to {w * 1.01:.3g} mm with straight "
            f"lines pass gap_mm (toolpath mill --close-gaps MM); to cut open strokes along their curves, "
            f"engrave them (toolpath mill --strategy engrave)"
        )
    return loops + opened


# --------------------------------------------------------------------------------------------------
# validation and nesting
# --------------------------------------------------------------------------------------------------
def _self_intersections(loop: NDArray[np.float64]) -> list[tuple[float, float]]:
    """Points where a closed loop crosses, touches or doubles back on itself."""
    ring = LinearRing(loop)
    if ring.is_simple:
        return []
    noded = shapely.union_all([LineString(loop)])
    counts: dict[tuple[float, float], int] = {}
    for piece in getattr(noded, "geoms", [noded]):
        cs = piece.coords
        for p in (cs[0], cs[-1]):
            key = (round(p[0], 9), round(p[1], 9))
            counts[key] = counts.get(key, 0) + 1
    bad = [p for p, n in counts.items() if n != 2]
    if not bad:  # noding merged the pieces: fall back on GEOS's own reason
        reason = shapely.is_valid_reason(Polygon(loop))
        return [(float("nan"), float("nan"))] if "[" not in reason else [
            tuple(float(v) for v in reason.split("[", 1)[1].rstrip("]").split()[:2])  # type: ignore[misc]
        ]
    return bad


def _points_of(geom: Any) -> list[tuple[float, float]]:
    """Representative points of an intersection: points, and the ends of overlapping pieces."""
    out: list[tuple[float, float]] = []
    for g in getattr(geom, "geoms", [geom]):
        if g.is_empty:
            continue
        if g.geom_type == "Point":
            out.append((g.x, g.y))
        elif hasattr(g, "geoms"):
            out.extend(_points_of(g))
        else:
            cs = list(g.coords) if g.geom_type != "Polygon" else list(g.exterior.coords)
            out.append((cs[0][0], cs[0][1]))
    return out


def loops_to_polygons(
    loops: Iterable[Any],
    *,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
    fill_rule: FillRule = FillRule.EVENODD,
    crossings: bool = False,
) -> list[Polygon]:
    """Validate closed loops and nest them into polygons with holes.

    Parameters
    ----------
    loops : iterable of array_like of shape (n, 2), float, mm
        Closed loops (the last vertex equal to the first, or it is closed here).
    tolerance_mm : float
        Loops whose area is below ``tolerance_mm²`` are of zero area; a loop repeated within
        ``tolerance_mm`` (a duplicate entity) is kept once.
    fill_rule : FillRule
        ``EVENODD``: loops at even depth are boundaries, loops directly inside them islands.
        ``NONZERO``: a region is filled where the winding number is not zero.
    crossings : bool
        Loops may cross themselves and each other (an SVG element's subpaths): the regions are then the
        faces of their arrangement filled by ``fill_rule`` (winding number odd, or not zero), as a
        renderer fills them; loops of zero area are dropped. Default: such loops are an error.

    Returns
    -------
    list of Polygon
        Regions, exteriors counter-clockwise, largest first.

    Raises
    ------
    GeometryError
        A loop of zero area (named by its bounding box); unless ``crossings``, a loop crossing itself,
        or two loops crossing or whose interiors partly overlap (named by the points where they do). Loops
        with a stretch of outline in common, side by side or one inside the other, are nested even-odd
        (the faces of their arrangement).
    """
    if not isinstance(fill_rule, FillRule):
        raise InputError(f"fill_rule must be a FillRule, got {fill_rule!r}")
    tol = float(tolerance_mm)
    rings: list[NDArray[np.float64]] = []
    for lp in loops:
        xy = np.asarray(lp, dtype=np.float64)[:, :2]
        xy = _dedupe(xy, min(1e-9, tol * 1e-3))
        if len(xy) and (xy[0] != xy[-1]).any():
            xy = np.vstack([xy, xy[:1]])
        if crossings and (len(xy) < 4 or (abs(Polygon(xy).area) <= tol * tol and LinearRing(xy).is_simple)):
            continue  # a renderer fills nothing there (a ring crossing itself may have faces of opposite signs)
        if len(xy) < 4:
            x0, y0 = xy.min(axis=0) if len(xy) else (math.nan, math.nan)
            x1, y1 = xy.max(axis=0) if len(xy) else (math.nan, math.nan)
            raise GeometryError(f"closed contour of zero area within ({x0:.4f}, {y0:.4f}) - ({x1:.4f}, {y1:.4f})")
        rings.append(xy)
    polys = [Polygon(r) for r in rings]
    if not rings:
        return []
    if crossings and (any(not LinearRing(r).is_simple for r in rings) or _any_crossing(rings)):
        return _filled_faces(rings, fill_rule, tol)
    for r, p in zip(rings, polys, strict=True):
        bad = _self_intersections(r)
        if bad:
            pts = ", ".join(_fmt(q) for q in bad[:5])
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            raise GeometryError(f"contour crosses itself at {pts}{more}")
        if abs(p.area) <= tol * tol:
            x0, y0, x1, y1 = p.bounds
            raise GeometryError(
                f"closed contour of zero area ({p.area:.3g} mm2) within ({x0:.4f}, {y0:.4f}) - ({x1:.4f}, {y1:.4f})"
            )
    # duplicates, then crossings between loops
    lines = [LineString(r) for r in rings]
    tree = shapely.STRtree(lines)
    pairs = tree.query(lines, predicate="intersects")
    drop: set[int] = set()
    for i, j in zip(*pairs, strict=True):
        if i >= j or i in drop or j in drop:
            continue
        if lines[i].hausdorff_distance(lines[j]) <= tol:
            drop.add(int(j))
    shared = False
    for i, j in zip(*pairs, strict=True):
        if i >= j or i in drop or j in drop:
            continue
        inter = lines[i].intersection(lines[j])
        if inter.is_empty:
            continue
        linear = any(g.geom_type != "Point" for g in getattr(inter, "geoms", [inter]))
        if not linear and not polys[i].overlaps(polys[j]):
            continue  # they touch at isolated points without crossing: a valid nesting
        if linear:
            # a stretch of outline in common: side by side (interiors apart) or one inside the other (a
            # letter on its frame's edge) is a nesting that touches; the regions are then the faces of the
            # arrangement, filled as nesting fills them (even-odd). Interiors partly overlapping: an error.
            common = polys[i].intersection(polys[j]).area
            if common <= tol * tol or common >= min(polys[i].area, polys[j].area) - tol * tol:
                shared = True
                continue
        pts = _points_of(inter)
        what = "overlap along a line" if linear else "cross"
        shown = ", ".join(_fmt(q) for q in pts[:5])
        more = f" and {len(pts) - 5} more" if len(pts) > 5 else ""
        raise GeometryError(f"two contours {what} at {shown}{more}")
    keep = [k for k in range(len(rings)) if k not in drop]
    rings = [rings[k] for k in keep]
    if shared:
        return _filled_faces(rings, FillRule.EVENODD, tol)
    polys = [Polygon(r) for r in rings]
    n = len(polys)
    if n == 0:
        return []
    tree = shapely.STRtree(polys)
    inner, outer = tree.query(polys, predicate="within")
    containers: list[list[int]] = [[] for _ in range(n)]
    for i, j in zip(inner, outer, strict=True):
        if i != j:
            containers[int(i)].append(int(j))
    depth = [len(c) for c in containers]
    parent = [max(c, key=lambda k: depth[k]) if c else -1 for c in containers]
    children: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(parent):
        if p >= 0:
            children[p].append(i)
    sign = [1 if LinearRing(r).is_ccw else -1 for r in rings]
    faces: list[Polygon] = []
    for i in range(n):
        if fill_rule is FillRule.EVENODD:
            filled = depth[i] % 2 == 0
        else:
            filled = (sign[i] + sum(sign[k] for k in containers[i])) != 0
        if filled:
            faces.append(Polygon(rings[i], [rings[k] for k in children[i]]))
    if fill_rule is FillRule.NONZERO and faces:
        out = polygons_of(shapely.union_all(faces))
    else:
        out = faces
    result: list[Polygon] = []
    for p in out:
        if not p.is_valid:
            raise GeometryError(f"the drawing's regions are invalid: {shapely.is_valid_reason(p)}")
        result.append(orient(p, 1.0))
    result.sort(key=lambda p: -p.area)
    return result


def _any_crossing(rings: list[NDArray[np.float64]]) -> bool:
    """Whether two of the rings cross or overlap (touching at isolated points without crossing does not count)."""
    lines = [LineString(r) for r in rings]
    polys = [Polygon(r) for r in rings]
    i_s, j_s = shapely.STRtree(lines).query(lines, predicate="intersects")
    for i, j in zip(i_s, j_s, strict=True):
        if i < j:
            inter = lines[i].intersection(lines[j])
            if any(g.geom_type != "Point" for g in getattr(inter, "geoms", [inter])) or polys[i].overlaps(polys[j]):
                return True
    return False


def winding_number(ring: NDArray[np.float64], x: float, y: float) -> int:
    """Winding number of the closed ring ``(n, 2)`` (last vertex = first) about the point ``(x, y)``, mm.

    Counter-clockwise turns count +1; 0 outside. The point must not lie on the ring.
    """
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    left = (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0)  # > 0: the point is left of the edge
    up = (y0 <= y) & (y1 > y) & (left > 0)
    down = (y1 <= y) & (y0 > y) & (left < 0)
    return int(np.count_nonzero(up)) - int(np.count_nonzero(down))


def _filled_faces(rings: list[NDArray[np.float64]], fill_rule: FillRule, tol: float) -> list[Polygon]:
    """The regions a renderer fills: faces of the rings' noded arrangement whose winding number (summed over
    the rings, at a point inside the face) is odd (EVENODD) or not zero (NONZERO); merged, largest first."""
    noded = shapely.union_all([LineString(r) for r in rings])
    filled = []
    for face in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))):
        if face.area <= tol * tol:
            continue
        p = face.representative_point()
        w = sum(winding_number(r, p.x, p.y) for r in rings)
        if (w % 2 != 0) if fill_rule is FillRule.EVENODD else (w != 0):
            filled.append(face)
    if not filled:
        return []
    out = [orient(Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area > tol * tol]), 1.0)
           for p in polygons_of(shapely.union_all(filled)) if p.area > tol * tol]
    out.sort(key=lambda p: -p.area)
    return out


def curves_to_polygons(
    curves: Iterable[Any],
    *,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
    fill_rule: FillRule = FillRule.EVENODD,
    gap_mm: float | None = None,
) -> list[Polygon]:
    """Chain loose curves into loops (:func:`chain_curves`, gaps up to ``gap_mm`` closed) and nest them
    (:func:`loops_to_polygons`)."""
    return loops_to_polygons(chain_curves(curves, tolerance_mm=tolerance_mm, gap_mm=gap_mm),
                             tolerance_mm=tolerance_mm, fill_rule=fill_rule)


# --------------------------------------------------------------------------------------------------
# pockets
# --------------------------------------------------------------------------------------------------
def _as_polygons(polygons: Any) -> list[Polygon]:
    if isinstance(polygons, (Polygon, MultiPolygon)):
        items: list[Any] = [polygons]
    else:
        try:
            items = list(polygons)
        except TypeError:
            raise InputError(f"expected shapely polygons, got {type(polygons).__name__}") from None
    out: list[Polygon] = []
    for g in items:
        if not isinstance(g, (Polygon, MultiPolygon)):
            raise InputError(f"expected shapely Polygon or MultiPolygon, got {type(g).__name__}")
        for p in polygons_of(g):
            if not p.is_valid:
                raise GeometryError(f"drawing polygon is invalid: {shapely.is_valid_reason(p)}")
            if not p.area > 0:
                raise GeometryError(f"drawing polygon of zero area within {tuple(round(v, 4) for v in p.bounds)}")
            out.append(p)
    if len(out) > 1:
        merged = shapely.union_all(out)
        if abs(merged.area - sum(p.area for p in out)) > 1e-9 * max(1.0, merged.area):
            out = [orient(p, 1.0) for p in polygons_of(merged)]  # overlapping regions: cut once
    return out


def drawing_pockets(
    polygons: Any,
    *,
    depth_mm: float,
    z_top_mm: float = 0.0,
    stock: Stock | None = None,
) -> SliceResult:
    """Pockets of a 2D drawing cut ``depth_mm`` deep from ``z_top_mm`` down.

    Each connected region is one pocket; its holes are islands (material left standing).

    Parameters
    ----------
    polygons : Polygon, MultiPolygon or iterable of them
        The regions to clear, mm (as :func:`~toolpath.geometry.dxf.read_dxf` and
        :func:`~toolpath.geometry.svg.read_svg` return them); overlapping regions are merged.
    depth_mm : float
        Depth of the cut, mm, > 0.
    z_top_mm : float
        Height of the material's top, mm.
    stock : Stock, optional
        Raw material. Regions are clipped to its footprint, and where a region meets the footprint's
        boundary its edges are open (the tool may come from outside), as in slicing. Default: the
        drawing's bounding box grown by :data:`DEFAULT_STOCK_MARGIN_MM` on each side, from
        ``z_top_mm - 2·depth_mm`` to ``z_top_mm``, so every region is a closed pocket.

    Returns
    -------
    SliceResult
        ``levels_mm == [z_top_mm - depth_mm]``; regions (or parts of them) outside the stock are
        listed in ``unreachable``; ``part_volume_mm3`` is the stock's volume less what the pockets remove.
    """
    d = float(depth_mm) if isinstance(depth_mm, (int, float)) and not isinstance(depth_mm, bool) else math.nan
    if not (d > 0 and math.isfinite(d)):
        raise InputError(f"depth_mm must be a number > 0, got {depth_mm!r}")
    zt = float(z_top_mm)
    if not math.isfinite(zt):
        raise InputError(f"z_top_mm must be finite, got {z_top_mm!r}")
    if stock is not None and not isinstance(stock, Stock):
        raise InputError(f"stock must be a toolpath.Stock, got {type(stock).__name__}")
    regions = _as_polygons(polygons)
    if not regions:
        raise GeometryError("the drawing holds no closed region to cut")
    if stock is None:
        x0, y0, x1, y1 = shapely.MultiPolygon(regions).bounds
        m = DEFAULT_STOCK_MARGIN_MM
        stock = Stock.box(x0 - m, y0 - m, zt - 2.0 * d, x1 + m, y1 + m, zt)
    fp = stock.footprint
    floor = zt - d
    through = floor <= stock.z_bottom_mm + 1e-9
    outside = box(*fp.buffer(1000.0).bounds).difference(fp)
    unreachable: list[dict[str, Any]] = []
    pockets: list[Pocket] = []
    for reg in regions:
        left = reg.difference(fp)
        if left.area > 1e-6:
            bx0, by0, bx1, by1 = left.bounds
            unreachable.append({
                "where": [round(v, 4) for v in (bx0, by0, floor, bx1, by1, zt)],
                "reason": f"drawing region outside the stock: {left.area:.2f} mm2 not cut",
            })
        for piece in polygons_of(reg.intersection(fp)):
            if piece.area <= 1e-6:
                continue
            piece = orient(piece, 1.0)
            edges = piece.boundary.intersection(fp.boundary.buffer(1e-5))
            lines = [g for g in getattr(edges, "geoms", [edges]) if g.geom_type == "LineString"]
            open_ml = MultiLineString([list(ln.coords) for ln in lines if ln.length > 1e-3])
            pockets.append(Pocket(
                piece, zt, floor,
                open_edges=open_ml,
                outside=outside if not open_ml.is_empty else None,
                through=through,
                hole_diameter_mm=_round_hole_diameter(piece),
            ))
    if not pockets:
        raise GeometryError(f"no region of the drawing lies inside the stock (footprint {fp.bounds})")
    zb = max(floor, stock.z_bottom_mm)
    removed = sum(p.region.area for p in pockets) * (min(zt, stock.z_top_mm) - zb)
    return SliceResult(pockets, [floor], unreachable, stock, "+Z", stock.volume_mm3 - max(removed, 0.0), None)


# --------------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------------
def is_drawing(part: Any) -> bool:
    """True for a 2D drawing: a ``.dxf``/``.svg`` path, or shapely Polygon/MultiPolygon (or a list of them)."""
    if isinstance(part, (str, os.PathLike)):
        return Path(part).suffix.lower() in _DRAWING_SUFFIXES
    if isinstance(part, (Polygon, MultiPolygon)):
        return True
    if isinstance(part, (list, tuple)) and part and all(isinstance(g, (Polygon, MultiPolygon)) for g in part):
        return True
    return False


def layer_set(layers: Iterable[str] | str | None, what: str) -> frozenset[str] | None:
    """Layer names (one or a list) casefolded, for case-insensitive matching; None when not given.

    Raises
    ------
    InputError
        Anything but a name or an iterable of names; ``what`` names the parameter.
    """
    if layers is None:
        return None
    if isinstance(layers, str):
        layers = [layers]
    try:
        return frozenset(str(n).casefold() for n in layers)
    except TypeError:
        raise InputError(f"{what} must be a list of layer names, got {layers!r}") from None


def layer_hint(per_layer: Mapping[str, int]) -> str:
    """The tail of an error about a drawing's contours: the layers they came from, when more than one.

    Drawings often keep several outlines on layers of their own (a logo's shadow over its head, the
    stock outline over the parts): read together they cross, read one layer at a time they do not.
    """
    if len(per_layer) < 2:
        return ""
    found = ", ".join(f"{name!r} ({n})" for name, n in sorted(per_layer.items(), key=lambda kv: kv[0].casefold()))
    return (f"; the curves lie on {len(per_layer)} layers, {found}: read some of them at a time "
            "(layers= / exclude_layers=, toolpath mill --layer NAME / --exclude-layer NAME)")


def require_layered_file(part: Any, layers: Any, exclude_layers: Any) -> None:
    """Refuse a layer selection (``layers``, ``exclude_layers``) for a ``part`` that is not a DXF or SVG file.

    Raises
    ------
    InputError
        Either selection given for anything but a ``.dxf`` or ``.svg`` path: refused, not ignored.
    """
    if layers is None and exclude_layers is None:
        return
    if isinstance(part, (str, os.PathLike)) and Path(part).suffix.lower() in _DRAWING_SUFFIXES:
        return
    what = "layers" if layers is not None else "exclude_layers"
    raise InputError(f"{what} (--layer / --exclude-layer) select layers of a DXF or SVG drawing; got "
                     f"{layers if layers is not None else exclude_layers!r} for {part!r}, which has none we read")


def load_curves(part: Any, *, tolerance_mm: float = DEFAULT_TOLERANCE_MM, gap_mm: float | None = None,
                layers: Iterable[str] | str | None = None,
                exclude_layers: Iterable[str] | str | None = None) -> list[NDArray[np.float64]]:
    """The strokes of a DXF or SVG drawing for engraving: closed loops and open chains, (n, 2) arrays, mm.

    Curves are flattened within ``tolerance_mm`` and chained end to end (gaps up to ``gap_mm`` closed,
    strays and lines drawn twice dropped, see :func:`chain_curves`); what does not close stays an open chain.
    A closed chain ends on its first point. ``layers`` / ``exclude_layers``: as in :func:`read_dxf` and
    :func:`svg_subpaths`.
    """
    path = Path(part) if isinstance(part, (str, os.PathLike)) else None
    if path is None or path.suffix.lower() not in (".dxf", ".svg"):
        raise FileFormatError(f"engraving reads the curves of a .dxf or .svg drawing, got {part!r}")
    require_layered_file(part, layers, exclude_layers)
    hint = ""
    if path.suffix.lower() == ".dxf":
        from .dxf import dxf_layered_curves

        curves, per_layer = dxf_layered_curves(path, layers, exclude_layers, tolerance_mm)
        hint = layer_hint(per_layer)
    else:
        from .svg import svg_subpaths

        curves = [c for _, closed, opened in svg_subpaths(path, tolerance_mm=tolerance_mm, layers=layers,
                                                          exclude_layers=exclude_layers) for c in (*closed, *opened)]
    try:
        return chain_curves(curves, tolerance_mm=tolerance_mm, gap_mm=gap_mm, keep_open=True)
    except GeometryError as exc:
        raise GeometryError(f"{path.name}: {exc}{hint}") from None


def load_drawing(part: Any, *, tolerance_mm: float = DEFAULT_TOLERANCE_MM, gap_mm: float | None = None,
                 layers: Iterable[str] | str | None = None,
                 exclude_layers: Iterable[str] | str | None = None) -> list[Polygon]:
    """Regions of a 2D drawing: a DXF or SVG file (see :func:`read_dxf`, :func:`read_svg`) or shapely polygons, mm.

    ``gap_mm`` closes gaps up to that width between the ends of open contours (see :func:`chain_curves`);
    ``layers`` reads only the entities on these layers (DXF layers, Inkscape layers of an SVG),
    ``exclude_layers`` leaves those on these out (names compared case-insensitively; anything but a DXF or SVG
    file refuses them).
    """
    require_layered_file(part, layers, exclude_layers)
    if isinstance(part, (str, os.PathLike)):
        path = Path(part)
        suffix = path.suffix.lower()
        if suffix == ".dxf":
            from .dxf import read_dxf

            return read_dxf(path, tolerance_mm=tolerance_mm, gap_mm=gap_mm, layers=layers,
                            exclude_layers=exclude_layers)
        if suffix == ".svg":
            from .svg import read_svg

            return read_svg(path, tolerance_mm=tolerance_mm, gap_mm=gap_mm, layers=layers,
                            exclude_layers=exclude_layers)
        raise FileFormatError(f"drawing {str(path)!r}: accepted formats are .dxf, .svg")
    return _as_polygons(part)
