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
   ``|d|`` from the vertex, at most ``|d| + tolerance_mm``); where the moved edges overlap, a straight
   connector joins their ends.
   Every raw point is within ``|d| + tolerance_mm`` of the boundary, at least ``|d|`` from its own
   generator;
2. *splitting*: all raw segments of all rings are cut at their mutual intersections (a sweep over
   segments sorted by smallest x);
3. *trimming*: a piece is kept when its midpoint lies outside the *flattened* offset of every edge --
   its band (closer than ``|d| - 1e-9`` mm to the edge's interior) and, at a vertex with an arc, its cap
   (the circumscribed polygon within the arc's sector; the normal cone of a vertex without an arc holds
   no point on the asked side) -- and on the asked side of ``P`` (crossing-number test). Testing against
   the same flattened shapes the raw curve is made of keeps trimming and curves consistent (a true disc
   would let pieces through between the circle and its polygon). Loops of the raw curve that fold back (inside
   a convex corner when shrinking, a collapsed neck or island, overlapping rings) are closer than
   ``|d|`` to some edge and are dropped; where a neck closes the level set falls apart into several
   rings by itself;
4. *rings*: the kept pieces are chained end to start (intersection points are computed once and shared
   by both pieces, crossings closer than 1e-7 mm are merged, collinear overlaps are split at each other's
   ends, and a piece and its exact reverse, a zero-width collapsed neck, cancel). The raw direction is
   kept: exteriors come out counter-clockwise, holes clockwise, tiny rings (area below ``1e-9`` mm²) are dropped.

The result lies between the exact offset and the exact offset pushed outward (away from ``P``'s
boundary) by at most ``tolerance_mm``: for a tool centre, never closer to a wall than asked.

:func:`offset_rings_kernel` does this with Numba (``O(n log n + k)`` splitting for ``n`` raw segments
and ``k`` pairs overlapping in x, ``O(m·E)`` trimming with early exit), :func:`offset_rings_reference`
with plain NumPy and Python (all pairs, dictionaries), and :func:`offset_polygon` wraps either for
shapely geometries. Units: mm, mm².
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from numba import njit
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from ..errors import GeometryError, InputError

__all__ = [
    "KEEP_EPS_MM",
    "pack_rings",
    "offset_rings_kernel",
    "offset_rings_reference",
    "assemble",
    "offset_polygon",
    "offset_polygons",
]

#: A raw piece is kept when it is at least ``|d| - KEEP_EPS_MM`` from the boundary, mm.
KEEP_EPS_MM = 1e-9
_SNAP_MM = 1e-7
_MIN_RING_AREA_MM2 = 1e-9


# ---------------------------------------------------------------------------------------------------
# input


def pack_rings(geom: Any) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Rings of polygons as one array, oriented with the material on the left.

    Parameters
    ----------
    geom : shapely Polygon or MultiPolygon

    Returns
    -------
    xy : ndarray of shape (M, 2), float64, mm
        Vertices of every ring, each ring open (last != first), duplicates removed.
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
            pts = np.asarray(ring.coords, dtype=np.float64)[:, :2]
            keep = np.ones(len(pts), bool)
            keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 1e-12, axis=1)
            pts = pts[keep]
            if len(pts) > 1 and np.all(np.abs(pts[0] - pts[-1]) <= 1e-12):
                pts = pts[:-1]
            if len(pts) < 3:
                continue
            area2 = float(np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]))
            if (area2 > 0) != (k == 0):
                pts = pts[::-1]
            rings.append(pts)
    starts = np.zeros(len(rings) + 1, np.int64)
    starts[1:] = np.cumsum([len(r) for r in rings])
    xy = np.ascontiguousarray(np.concatenate(rings)) if rings else np.zeros((0, 2))
    return xy, starts


# ---------------------------------------------------------------------------------------------------
# Numba kernel


@njit(cache=True, nogil=True)
def _arc_pieces(phi: float, r: float, tol: float) -> int:
    """Facets of the polygon circumscribed about an arc of sweep ``phi`` and radius ``r`` whose corners are
    at most ``tol`` outside it."""
    n = int(math.ceil(abs(phi) / (2.0 * math.acos(r / (r + tol))) - 1e-12))
    return max(n, 1)


@njit(cache=True, nogil=True)
def _caps(xy: NDArray[np.float64], starts: NDArray[np.int64], d: float, tol: float) -> NDArray[np.float64]:
    """Per vertex, its arc's cap (M, 8): unit start and end directions (u0x, u0y, u1x, u1y), cos and sin of
    the facet step 2h (signed), facet count n, signed half facet angle h (0 when no arc at this offset)."""
    m = xy.shape[0]
    out = np.zeros((m, 8))
    sg = 1.0 if d > 0 else -1.0
    for q in range(starts.shape[0] - 1):
        s = starts[q]
        t = starts[q + 1]
        for i in range(s, t):
            j = i + 1 if i + 1 < t else s
            p = i - 1 if i > s else t - 1
            ax = xy[i, 0] - xy[p, 0]
            ay = xy[i, 1] - xy[p, 1]
            bx = xy[j, 0] - xy[i, 0]
            by = xy[j, 1] - xy[i, 1]
            phi = math.atan2(ax * by - ay * bx, ax * bx + ay * by)
            if d * phi > 0:
                la = math.hypot(ax, ay)
                lb = math.hypot(bx, by)
                n = _arc_pieces(phi, abs(d), tol)
                h = phi / (2.0 * n)
                out[i, 0] = sg * ay / la
                out[i, 1] = -sg * ax / la
                out[i, 2] = sg * by / lb
                out[i, 3] = -sg * bx / lb
                out[i, 4] = math.cos(2.0 * h)
                out[i, 5] = math.sin(2.0 * h)
                out[i, 6] = n
                out[i, 7] = h
    return out


@njit(cache=True, nogil=True)
def _raw_points(xy: NDArray[np.float64], s: int, e: int, d: float, tol: float) -> NDArray[np.float64]:
    """Closed raw offset polyline of ring ``xy[s:e]`` (first point repeated at the end)."""
    m = e - s
    r = abs(d)
    sg = 1.0 if d > 0 else -1.0
    nx = np.empty(m)
    ny = np.empty(m)
    for i in range(m):
        a = s + i
        b = s + (i + 1) % m
        ex = xy[b, 0] - xy[a, 0]
        ey = xy[b, 1] - xy[a, 1]
        ln = math.hypot(ex, ey)
        nx[i] = ey / ln
        ny[i] = -ex / ln
    cnt = 0
    for i in range(m):
        p = (i - 1) % m
        phi = math.atan2(nx[p] * ny[i] - ny[p] * nx[i], nx[p] * nx[i] + ny[p] * ny[i])
        cnt += 2
        if d * phi > 0:
            cnt += _arc_pieces(phi, r, tol)
    out = np.empty((cnt + 1, 2))
    k = 0
    for i in range(m):
        p = (i - 1) % m
        vx = xy[s + i, 0]
        vy = xy[s + i, 1]
        phi = math.atan2(nx[p] * ny[i] - ny[p] * nx[i], nx[p] * nx[i] + ny[p] * ny[i])
        out[k, 0] = vx + d * nx[p]
        out[k, 1] = vy + d * ny[p]
        k += 1
        if d * phi > 0:
            n = _arc_pieces(phi, r, tol)
            h = phi / (2.0 * n)
            rr = r / math.cos(h)
            a0 = math.atan2(sg * ny[p], sg * nx[p])
            for j in range(n):
                ang = a0 + (2 * j + 1) * h
                out[k, 0] = vx + rr * math.cos(ang)
                out[k, 1] = vy + rr * math.sin(ang)
                k += 1
        out[k, 0] = vx + d * nx[i]
        out[k, 1] = vy + d * ny[i]
        k += 1
    out[k, 0] = out[0, 0]
    out[k, 1] = out[0, 1]
    return out[: k + 1]


@njit(cache=True, nogil=True)
def _grow(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    if n < a.shape[0]:
        return a
    b = np.empty((2 * a.shape[0] + 16, a.shape[1]))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            b[i, j] = a[i, j]
    return b


@njit(cache=True, nogil=True)
def _near(
    px: float, py: float, edges: NDArray[np.float64], caps: NDArray[np.float64], k: int, thr: float, thr2: float
) -> bool:
    """Is (px, py) inside the flattened offset of edge ``k``: closer than ``thr`` to its interior, or inside
    the cap of its start vertex (the circumscribed polygon of its arc, within the arc's sector)?"""
    x0 = edges[k, 0]
    y0 = edges[k, 1]
    x1 = edges[k, 2]
    y1 = edges[k, 3]
    h = caps[k, 7]
    big = thr / math.cos(h)
    if min(x0, x1) - px > big or px - max(x0, x1) > big or min(y0, y1) - py > big or py - max(y0, y1) > big:
        return False
    ex = x1 - x0
    ey = y1 - y0
    l2 = ex * ex + ey * ey
    qx = px - x0
    qy = py - y0
    t = (qx * ex + qy * ey) / l2 if l2 > 0 else 0.0
    if 0.0 < t < 1.0:
        dx = x0 + t * ex - px
        dy = y0 + t * ey - py
        if dx * dx + dy * dy < thr2:
            return True
    if h == 0.0 or qx * qx + qy * qy >= big * big:
        return False
    # inside the arc's sector (|phi| < pi), then inside every facet's half-plane
    u0x = caps[k, 0]
    u0y = caps[k, 1]
    if h > 0:
        if u0x * qy - u0y * qx < 0.0 or qx * caps[k, 3] - qy * caps[k, 2] < 0.0:
            return False
    elif u0x * qy - u0y * qx > 0.0 or qx * caps[k, 3] - qy * caps[k, 2] > 0.0:
        return False
    c2 = caps[k, 4]
    s2 = caps[k, 5]
    # facet normals at a0 + 2jh, j = 0..n (j = 0 and n are the edges' own normals)
    fx = u0x
    fy = u0y
    for _ in range(int(caps[k, 6]) + 1):
        if qx * fx + qy * fy >= thr:
            return False
        fx, fy = fx * c2 - fy * s2, fx * s2 + fy * c2
    return True


@njit(cache=True, nogil=True)
def _grid(edges: NDArray[np.float64], reach: float) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Uniform grid over the edges' bounding boxes: ``(x0, y0, cell, nx, ny)``, CSR starts and edge ids.

    The cell is half of ``reach`` (a query visits only the cells that meet the disc of that
    radius) and at least 1/256 of the extent."""
    m = edges.shape[0]
    x0 = np.inf
    y0 = np.inf
    x1 = -np.inf
    y1 = -np.inf
    for k in range(m):
        x0 = min(x0, edges[k, 0], edges[k, 2])
        y0 = min(y0, edges[k, 1], edges[k, 3])
        x1 = max(x1, edges[k, 0], edges[k, 2])
        y1 = max(y1, edges[k, 1], edges[k, 3])
    c = max(0.5 * reach, max(x1 - x0, y1 - y0) / 256.0, 1e-9)
    nx = int((x1 - x0) / c) + 1
    ny = int((y1 - y0) / c) + 1
    span = np.empty((m, 4), np.int64)  # ix0, ix1, iy0, iy1 of each edge's box
    cnt = np.zeros(nx * ny + 1, np.int64)
    for k in range(m):
        span[k, 0] = int((min(edges[k, 0], edges[k, 2]) - x0) / c)
        span[k, 1] = int((max(edges[k, 0], edges[k, 2]) - x0) / c)
        span[k, 2] = int((min(edges[k, 1], edges[k, 3]) - y0) / c)
        span[k, 3] = int((max(edges[k, 1], edges[k, 3]) - y0) / c)
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                cnt[iy * nx + ix + 1] += 1
    cs = np.empty(nx * ny + 1, np.int64)
    fill = np.empty(nx * ny + 1, np.int64)
    acc = 0
    for i in range(nx * ny + 1):
        acc += cnt[i]
        cs[i] = acc
        fill[i] = acc
    ids = np.empty(cs[-1], np.int64)
    for k in range(m):
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                ids[fill[iy * nx + ix]] = k
                fill[iy * nx + ix] += 1
    geo = np.empty(5)
    geo[0] = x0
    geo[1] = y0
    geo[2] = c
    geo[3] = nx
    geo[4] = ny
    return geo, cs, ids


@njit(cache=True, nogil=True)
def _keep(
    px: float, py: float, edges: NDArray[np.float64], caps: NDArray[np.float64], thr2: float, inside: bool, hint: int,
    geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64], reach: float
) -> int:
    """-1 when (px, py) is outside every edge's flattened offset and on the asked side of the polygon;
    else the index of an edge whose offset holds it (``hint`` is tried first), or ``edges.shape[0]``
    for the wrong side. Only edges in grid cells within ``reach`` are looked at."""
    thr = math.sqrt(thr2)
    m = edges.shape[0]
    if 0 <= hint < m and _near(px, py, edges, caps, hint, thr, thr2):
        return hint
    gx0 = geo[0]
    gy0 = geo[1]
    c = geo[2]
    nx = int(geo[3])
    ny = int(geo[4])
    ix0 = max(0, int(math.floor((px - reach - gx0) / c)))
    ix1 = min(nx - 1, int(math.floor((px + reach - gx0) / c)))
    iy0 = max(0, int(math.floor((py - reach - gy0) / c)))
    iy1 = min(ny - 1, int(math.floor((py + reach - gy0) / c)))
    reach2 = reach * reach
    for iy in range(iy0, iy1 + 1):
        dy = max(gy0 + iy * c - py, 0.0, py - (gy0 + (iy + 1) * c))
        for ix in range(ix0, ix1 + 1):
            cell = iy * nx + ix
            if cs[cell] == cs[cell + 1]:
                continue
            dx = max(gx0 + ix * c - px, 0.0, px - (gx0 + (ix + 1) * c))
            if dx * dx + dy * dy >= reach2:
                continue
            for q in range(cs[cell], cs[cell + 1]):
                k = ids[q]
                if _near(px, py, edges, caps, k, thr, thr2):
                    return k
    # crossing number along the shorter of +x and -x, each crossing counted in the cell that holds it
    crossings = 0
    iy = int(math.floor((py - gy0) / c))
    if 0 <= iy < ny:
        ixp = min(nx - 1, max(0, int(math.floor((px - gx0) / c))))
        right = ixp >= nx // 2
        lo = ixp if right else 0
        hi = nx if right else ixp + 1
        for ix in range(lo, hi):
            cell = iy * nx + ix
            for q in range(cs[cell], cs[cell + 1]):
                k = ids[q]
                y0 = edges[k, 1]
                y1 = edges[k, 3]
                if (y0 > py) != (y1 > py):
                    xi = edges[k, 0] + (py - y0) * (edges[k, 2] - edges[k, 0]) / (y1 - y0)
                    if (px < xi) == right and min(nx - 1, max(0, int(math.floor((xi - gx0) / c)))) == ix:
                        crossings += 1
    return -1 if (crossings % 2 == 1) == inside else m


@njit(cache=True, nogil=True)
def _lower_bound(a: NDArray[np.float64], x: float) -> int:
    """First index of sorted ``a`` whose value is not below ``x``."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _offset_one(
    xy: NDArray[np.float64], starts: NDArray[np.int64], edges: NDArray[np.float64], d: float, tol: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    nr = starts.shape[0] - 1
    # 1. raw segments
    seg = np.empty((16, 4))
    n = 0
    for q in range(nr):
        rp = _raw_points(xy, starts[q], starts[q + 1], d, tol)
        for i in range(rp.shape[0] - 1):
            if abs(rp[i + 1, 0] - rp[i, 0]) + abs(rp[i + 1, 1] - rp[i, 1]) > 1e-13:
                seg = _grow(seg, n)
                seg[n, 0] = rp[i, 0]
                seg[n, 1] = rp[i, 1]
                seg[n, 2] = rp[i + 1, 0]
                seg[n, 3] = rp[i + 1, 1]
                n += 1
    seg = seg[:n]
    # 2. intersections (sweep in x)
    minx = np.empty(n)
    maxx = np.empty(n)
    for i in range(n):
        minx[i] = min(seg[i, 0], seg[i, 2])
        maxx[i] = max(seg[i, 0], seg[i, 2])
    order = np.argsort(minx, kind="mergesort")
    sp = np.empty((max(16, n), 4))  # seg, t, x, y
    ns = 0
    for ii in range(n):
        i = order[ii]
        ax = seg[i, 0]
        ay = seg[i, 1]
        rx = seg[i, 2] - ax
        ry = seg[i, 3] - ay
        lo_y = min(ay, seg[i, 3])
        hi_y = max(ay, seg[i, 3])
        li = math.hypot(rx, ry)
        for jj in range(ii + 1, n):
            j = order[jj]
            if minx[j] > maxx[i]:
                break
            if max(seg[j, 1], seg[j, 3]) < lo_y or min(seg[j, 1], seg[j, 3]) > hi_y:
                continue
            bx = seg[j, 0]
            by = seg[j, 1]
            sx = seg[j, 2] - bx
            sy = seg[j, 3] - by
            den = rx * sy - ry * sx
            wx = bx - ax
            wy = by - ay
            lj = math.hypot(sx, sy)
            if abs(den) <= 1e-12 * li * lj:
                # parallel: when collinear, each is split at the other's ends lying inside it
                if abs(wx * ry - wy * rx) > _SNAP_MM * li:
                    continue
                for q in range(4):
                    if q < 2:  # ends of j on i
                        px = bx if q == 0 else seg[j, 2]
                        py = by if q == 0 else seg[j, 3]
                        tt = ((px - ax) * rx + (py - ay) * ry) / (li * li)
                        e = _SNAP_MM / li
                        tgt = i
                    else:  # ends of i on j
                        px = ax if q == 2 else seg[i, 2]
                        py = ay if q == 2 else seg[i, 3]
                        tt = ((px - bx) * sx + (py - by) * sy) / (lj * lj)
                        e = _SNAP_MM / lj
                        tgt = j
                    if e < tt < 1.0 - e:
                        sp = _grow(sp, ns)
                        sp[ns, 0] = tgt
                        sp[ns, 1] = tt
                        sp[ns, 2] = px
                        sp[ns, 3] = py
                        ns += 1
                continue
            t = (wx * sy - wy * sx) / den
            u = (wx * ry - wy * rx) / den
            et = _SNAP_MM / li
            eu = _SNAP_MM / lj
            if t < -et or t > 1.0 + et or u < -eu or u > 1.0 + eu:
                continue
            end_i = t <= et or t >= 1.0 - et
            end_j = u <= eu or u >= 1.0 - eu
            if end_i and end_j:
                continue
            if end_i:
                px = ax if t <= et else seg[i, 2]
                py = ay if t <= et else seg[i, 3]
            elif end_j:
                px = bx if u <= eu else seg[j, 2]
                py = by if u <= eu else seg[j, 3]
            else:
                px = ax + t * rx
                py = ay + t * ry
            if not end_i:
                sp = _grow(sp, ns)
                sp[ns, 0] = i
                sp[ns, 1] = t
                sp[ns, 2] = px
                sp[ns, 3] = py
                ns += 1
            if not end_j:
                sp = _grow(sp, ns)
                sp[ns, 0] = j
                sp[ns, 1] = u
                sp[ns, 2] = px
                sp[ns, 3] = py
                ns += 1
    sp = sp[:ns]
    # split points closer than _SNAP_MM (near-concurrent crossings) become one point
    xo = np.argsort(sp[:, 2], kind="mergesort")
    for a in range(ns):
        ia = xo[a]
        for b in range(a + 1, ns):
            ib = xo[b]
            if sp[ib, 2] - sp[ia, 2] > _SNAP_MM:
                break
            if abs(sp[ib, 3] - sp[ia, 3]) <= _SNAP_MM:
                sp[ib, 2] = sp[ia, 2]
                sp[ib, 3] = sp[ia, 3]
    key = np.empty(ns)
    for i in range(ns):
        key[i] = sp[i, 0] * 2.0 + sp[i, 1]
    so = np.argsort(key, kind="mergesort")
    # 3. pieces and trimming
    r = abs(d)
    thr = max(r - KEEP_EPS_MM, 0.0)
    thr2 = thr * thr
    inside = d < 0
    caps = _caps(xy, starts, d, tol)
    reach = (r + tol) * 1.001 + 1e-9
    geo, cs, ids = _grid(edges, reach)
    kept = np.empty((n + ns, 4))
    nk = 0
    p = 0
    hint = -1
    for i in range(n):
        cx = seg[i, 0]
        cy = seg[i, 1]
        last = False
        while not last:
            if p < ns and int(sp[so[p], 0]) == i:
                qx = sp[so[p], 2]
                qy = sp[so[p], 3]
                p += 1
            else:
                qx = seg[i, 2]
                qy = seg[i, 3]
                last = True
            if cx != qx or cy != qy:
                hint = _keep(0.5 * (cx + qx), 0.5 * (cy + qy), edges, caps, thr2, inside, hint, geo, cs, ids, reach)
            if (cx != qx or cy != qy) and hint == -1:
                kept[nk, 0] = cx
                kept[nk, 1] = cy
                kept[nk, 2] = qx
                kept[nk, 3] = qy
                nk += 1
            cx = qx
            cy = qy
    kept = kept[:nk]
    # 4. chain pieces into rings (exact end matching, _SNAP_MM fallback); a piece and its reverse (a
    # collapsed neck, zero width) cancel
    xo = np.argsort(kept[:, 0], kind="mergesort")
    xs = np.empty(nk)
    for i in range(nk):
        xs[i] = kept[xo[i], 0]
    used = np.zeros(nk, np.bool_)
    for c in range(nk):
        if used[c]:
            continue
        q = _lower_bound(xs, kept[c, 2])
        while q < nk and xs[q] == kept[c, 2]:
            o = xo[q]
            if (not used[o] and o != c and kept[o, 1] == kept[c, 3] and kept[o, 2] == kept[c, 0]
                    and kept[o, 3] == kept[c, 1]):
                used[o] = True
                used[c] = True
                break
            q += 1
    out = np.empty((nk + 16, 2))
    no = 0
    rs = np.zeros(nk + 2, np.int64)
    nrings = 0
    for s0 in range(nk):
        if used[s0]:
            continue
        used[s0] = True
        begin = no
        out[no, 0] = kept[s0, 0]
        out[no, 1] = kept[s0, 1]
        no += 1
        cur = s0
        closed = False
        for _ in range(nk):
            ex = kept[cur, 2]
            ey = kept[cur, 3]
            if ex == kept[s0, 0] and ey == kept[s0, 1]:
                closed = True
                break
            nxt = -1
            q = _lower_bound(xs, ex)
            while q < nk and xs[q] == ex:
                c = xo[q]
                if not used[c] and kept[c, 1] == ey:
                    nxt = c
                    break
                q += 1
            if nxt < 0:
                best = _SNAP_MM * _SNAP_MM
                for c in range(nk):
                    if not used[c]:
                        dd = (kept[c, 0] - ex) ** 2 + (kept[c, 1] - ey) ** 2
                        if dd < best:
                            best = dd
                            nxt = c
                if nxt < 0:
                    if (ex - kept[s0, 0]) ** 2 + (ey - kept[s0, 1]) ** 2 < _SNAP_MM * _SNAP_MM:
                        closed = True
                    break
            used[nxt] = True
            out[no, 0] = kept[nxt, 0]
            out[no, 1] = kept[nxt, 1]
            no += 1
            cur = nxt
        area2 = 0.0
        for k in range(begin, no):
            k2 = k + 1 if k + 1 < no else begin
            area2 += out[k, 0] * out[k2, 1] - out[k2, 0] * out[k, 1]
        if not closed or no - begin < 3 or abs(area2) < 2 * _MIN_RING_AREA_MM2:
            no = begin
            continue
        nrings += 1
        rs[nrings] = no
    return out[:no].copy(), rs[: nrings + 1].copy()


@njit(cache=True, nogil=True)
def _edges_of(xy: NDArray[np.float64], starts: NDArray[np.int64]) -> NDArray[np.float64]:
    """Edges (x0, y0, x1, y1, turn at the start vertex in rad, signed, left positive), (M, 5)."""
    m = xy.shape[0]
    e = np.empty((m, 5))
    for q in range(starts.shape[0] - 1):
        s = starts[q]
        t = starts[q + 1]
        for i in range(s, t):
            j = i + 1 if i + 1 < t else s
            p = i - 1 if i > s else t - 1
            e[i, 0] = xy[i, 0]
            e[i, 1] = xy[i, 1]
            e[i, 2] = xy[j, 0]
            e[i, 3] = xy[j, 1]
            ax = xy[i, 0] - xy[p, 0]
            ay = xy[i, 1] - xy[p, 1]
            bx = xy[j, 0] - xy[i, 0]
            by = xy[j, 1] - xy[i, 1]
            e[i, 4] = math.atan2(ax * by - ay * bx, ax * bx + ay * by)
    return e


@njit(cache=True, nogil=True)
def offset_rings_kernel(
    xy: NDArray[np.float64], starts: NDArray[np.int64], distances_mm: NDArray[np.float64], tolerance_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Offset rings by each distance (Numba).

    Parameters
    ----------
    xy : ndarray of shape (M, 2), float64, mm
        Ring vertices from :func:`pack_rings` (material on the left, open rings).
    starts : ndarray of shape (R + 1,), int64
        Ring offsets into ``xy``.
    distances_mm : ndarray of shape (K,), float64
        Signed offsets, mm: negative shrinks, positive grows; each non-zero.
    tolerance_mm : float
        Largest outward deviation of flattened arcs, mm (> 0).

    Returns
    -------
    pts : ndarray of shape (P, 2), float64
        Vertices of the result rings, each open; exteriors counter-clockwise, holes clockwise.
    ring_starts : ndarray of shape (Q + 1,), int64
        Ring ``q`` is ``pts[ring_starts[q]:ring_starts[q + 1]]``.
    ring_level : ndarray of shape (Q,), int64
        Index into ``distances_mm`` of each ring.
    """
    edges = _edges_of(xy, starts)
    pts = np.empty((16, 2))
    rs = np.zeros(17, np.int64)
    lv = np.zeros(16, np.int64)
    npt = 0
    nr = 0
    for k in range(distances_mm.shape[0]):
        o, s = _offset_one(xy, starts, edges, distances_mm[k], tolerance_mm)
        while pts.shape[0] < npt + o.shape[0]:
            pts = _grow(pts, pts.shape[0])
        for i in range(o.shape[0]):
            pts[npt + i, 0] = o[i, 0]
            pts[npt + i, 1] = o[i, 1]
        for q in range(s.shape[0] - 1):
            if nr + 2 > rs.shape[0]:
                rs2 = np.zeros(2 * rs.shape[0], np.int64)
                for i in range(rs.shape[0]):
                    rs2[i] = rs[i]
                rs = rs2
                lv2 = np.zeros(2 * rs.shape[0], np.int64)
                for i in range(lv.shape[0]):
                    lv2[i] = lv[i]
                lv = lv2
            rs[nr + 1] = npt + s[q + 1]
            lv[nr] = k
            nr += 1
        npt += o.shape[0]
    return pts[:npt].copy(), rs[: nr + 1].copy(), lv[:nr].copy()


# ---------------------------------------------------------------------------------------------------
# plain reference: the same method with NumPy over all pairs and Python dictionaries


def _raw_reference(ring: NDArray[np.float64], d: float, tol: float) -> NDArray[np.float64]:
    nxt = np.roll(ring, -1, axis=0)
    e = nxt - ring
    nrm = np.column_stack([e[:, 1], -e[:, 0]]) / np.hypot(e[:, 0], e[:, 1])[:, None]
    prev = np.roll(nrm, 1, axis=0)
    r = abs(d)
    pts: list[NDArray[np.float64]] = []
    for i, v in enumerate(ring):
        phi = math.atan2(prev[i, 0] * nrm[i, 1] - prev[i, 1] * nrm[i, 0], prev[i] @ nrm[i])
        pts.append(v + d * prev[i])
        if d * phi > 0:
            n = max(1, math.ceil(abs(phi) / (2 * math.acos(r / (r + tol))) - 1e-12))
            h = phi / (2 * n)
            a0 = math.atan2(math.copysign(1, d) * prev[i, 1], math.copysign(1, d) * prev[i, 0])
            ang = a0 + (2 * np.arange(n) + 1) * h
            pts.extend(v + (r / math.cos(h)) * np.column_stack([np.cos(ang), np.sin(ang)]))
        pts.append(v + d * nrm[i])
    pts.append(pts[0])
    return np.array(pts)


def _one_reference(rings: list[NDArray[np.float64]], d: float, tol: float) -> list[NDArray[np.float64]]:
    segs = []
    for ring in rings:
        rp = _raw_reference(ring, d, tol)
        s = np.column_stack([rp[:-1], rp[1:]])
        segs.append(s[np.abs(s[:, 2:] - s[:, :2]).sum(axis=1) > 1e-13])
    seg = np.concatenate(segs)
    a, rv = seg[:, :2], seg[:, 2:] - seg[:, :2]
    ln = np.hypot(rv[:, 0], rv[:, 1])
    den = rv[:, None, 0] * rv[None, :, 1] - rv[:, None, 1] * rv[None, :, 0]  # r_i x s_j
    w = a[None, :, :] - a[:, None, :]  # b_j - a_i
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * rv[None, :, 1] - w[..., 1] * rv[None, :, 0]) / den
        u = (w[..., 0] * rv[:, None, 1] - w[..., 1] * rv[:, None, 0]) / den
    et = (_SNAP_MM / ln)[:, None]
    eu = (_SNAP_MM / ln)[None, :]
    hit = (den != 0) & (t >= -et) & (t <= 1 + et) & (u >= -eu) & (u <= 1 + eu)
    end_i = (t <= et) | (t >= 1 - et)
    end_j = (u <= eu) | (u >= 1 - eu)
    hit &= ~(end_i & end_j)
    hit &= np.triu(np.ones_like(hit), 1)
    splits: dict[int, list[tuple[float, tuple[float, float]]]] = {}
    sp_list: list[list[float]] = []  # seg, t, x, y in the kernel's order of discovery does not matter here
    par = np.abs(den) <= 1e-12 * ln[:, None] * ln[None, :]
    colin = par & (np.abs(w[..., 0] * rv[:, None, 1] - w[..., 1] * rv[:, None, 0]) <= _SNAP_MM * ln[:, None])
    colin &= np.triu(np.ones_like(colin), 1)
    hit &= ~par
    for i, j in zip(*np.nonzero(colin), strict=True):
        for tgt, other in ((i, j), (j, i)):
            for pt in (seg[other, :2], seg[other, 2:]):
                tt = float((pt - a[tgt]) @ rv[tgt]) / ln[tgt] ** 2
                e = _SNAP_MM / ln[tgt]
                if e < tt < 1 - e:
                    sp_list.append([tgt, tt, pt[0], pt[1]])
    for i, j in zip(*np.nonzero(hit), strict=True):
        ti, uj = t[i, j], u[i, j]
        if end_i[i, j]:
            p = tuple(seg[i, :2] if ti <= et[i, 0] else seg[i, 2:])
        elif end_j[i, j]:
            p = tuple(seg[j, :2] if uj <= eu[0, j] else seg[j, 2:])
        else:
            p = (a[i, 0] + ti * rv[i, 0], a[i, 1] + ti * rv[i, 1])
        if not end_i[i, j]:
            sp_list.append([i, ti, p[0], p[1]])
        if not end_j[i, j]:
            sp_list.append([j, uj, p[0], p[1]])
    sp = np.array(sp_list, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(sp[:, 2], kind="mergesort")
    for ka, ia in enumerate(order):
        for ib in order[ka + 1:]:
            if sp[ib, 2] - sp[ia, 2] > _SNAP_MM:
                break
            if abs(sp[ib, 3] - sp[ia, 3]) <= _SNAP_MM:
                sp[ib, 2:] = sp[ia, 2:]
    for row in sp:
        splits.setdefault(int(row[0]), []).append((float(row[1]), (float(row[2]), float(row[3]))))
    edges = np.concatenate([np.column_stack([rg, np.roll(rg, -1, axis=0)]) for rg in rings])
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    ein = edges[:, :2] - np.concatenate([np.roll(rg, 1, axis=0) for rg in rings])
    eout = edges[:, 2:] - edges[:, :2]
    turn = np.arctan2(ein[:, 0] * eout[:, 1] - ein[:, 1] * eout[:, 0], (ein * eout).sum(axis=1))
    arc_vertex = d * turn > 0
    sg = math.copysign(1.0, d)
    lin = np.hypot(ein[:, 0], ein[:, 1])
    cap_a0 = np.arctan2(-sg * ein[:, 0] / lin, sg * ein[:, 1] / lin)
    cap_phi = np.where(arc_vertex, turn, 0.0)
    npieces = np.maximum(1, np.ceil(np.abs(turn) / (2 * math.acos(abs(d) / (abs(d) + tol))) - 1e-12))
    cap_h = np.where(arc_vertex, turn / (2 * npieces), 0.0)
    pieces: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for i in range(len(seg)):
        chain = [tuple(seg[i, :2])] + [p for _, p in sorted(splits.get(i, []), key=lambda z: z[0])]
        chain.append(tuple(seg[i, 2:]))
        for p, q in zip(chain[:-1], chain[1:], strict=True):
            if p == q:
                continue
            m = 0.5 * (np.array(p) + np.array(q))
            e0, e1 = edges[:, :2], edges[:, 2:]
            ev = e1 - e0
            l2 = (ev * ev).sum(axis=1)
            tt = ((m - e0) * ev).sum(axis=1) / np.where(l2 > 0, l2, 1)
            perp = np.hypot(*(e0 + tt[:, None] * ev - m).T)
            qv = m - e0
            qn = np.hypot(qv[:, 0], qv[:, 1])
            delta = np.mod(np.sign(cap_phi) * (np.arctan2(qv[:, 1], qv[:, 0]) - cap_a0), 2 * np.pi)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # no cap: h = 0, masked below
                g = cap_a0 + 2 * np.round(delta / (2 * np.abs(cap_h))) * cap_h
                proj = qv[:, 0] * np.cos(g) + qv[:, 1] * np.sin(g)
            cap = (cap_h != 0) & (qn < thr / np.cos(cap_h)) & (delta <= np.abs(cap_phi)) & (proj < thr)
            near = ((tt > 0) & (tt < 1) & (perp < thr)) | cap
            if np.any(near):
                continue
            y0, y1 = e0[:, 1], e1[:, 1]
            cross = (y0 > m[1]) != (y1 > m[1])
            with np.errstate(divide="ignore", invalid="ignore"):
                xi = e0[:, 0] + (m[1] - y0) * (e1[:, 0] - e0[:, 0]) / (y1 - y0)
            inside = int(np.sum(cross & (m[0] < xi))) % 2 == 1
            if inside == (d < 0):
                pieces.append((p, q))
    by_start: dict[tuple[float, float], list[int]] = {}
    for k, (p, _) in enumerate(pieces):
        by_start.setdefault(p, []).append(k)
    used = [False] * len(pieces)
    for k, (p, q) in enumerate(pieces):
        if used[k]:
            continue
        rev = [c for c in by_start.get(q, []) if not used[c] and c != k and pieces[c][1] == p]
        if rev:
            used[k] = used[rev[0]] = True
    out = []
    for k0 in range(len(pieces)):
        if used[k0]:
            continue
        used[k0] = True
        ring = [pieces[k0][0]]
        cur, closed = k0, False
        while True:
            end = pieces[cur][1]
            if end == pieces[k0][0]:
                closed = True
                break
            cand = [c for c in by_start.get(end, []) if not used[c]]
            if not cand:
                near = [c for c in range(len(pieces)) if not used[c]
                        and (pieces[c][0][0] - end[0]) ** 2 + (pieces[c][0][1] - end[1]) ** 2 < _SNAP_MM**2]
                if not near:
                    closed = (end[0] - ring[0][0]) ** 2 + (end[1] - ring[0][1]) ** 2 < _SNAP_MM**2
                    break
                cand = near[:1]
            cur = cand[0]
            used[cur] = True
            ring.append(pieces[cur][0])
        arr = np.array(ring)
        area2 = float(np.sum(arr[:, 0] * np.roll(arr[:, 1], -1) - np.roll(arr[:, 0], -1) * arr[:, 1]))
        if closed and len(arr) >= 3 and abs(area2) >= 2 * _MIN_RING_AREA_MM2:
            out.append(arr)
    return out


def offset_rings_reference(
    xy: NDArray[np.float64], starts: NDArray[np.int64], distances_mm: NDArray[np.float64], tolerance_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Plain NumPy/Python version of :func:`offset_rings_kernel` (same arguments and results)."""
    rings = [np.asarray(xy[starts[k] : starts[k + 1]], dtype=np.float64) for k in range(len(starts) - 1)]
    pts, rs, lv = [], [0], []
    for k, d in enumerate(np.asarray(distances_mm, dtype=np.float64)):
        for ring in _one_reference(rings, float(d), float(tolerance_mm)):
            pts.append(ring)
            rs.append(rs[-1] + len(ring))
            lv.append(k)
    return (np.concatenate(pts) if pts else np.zeros((0, 2)), np.array(rs, np.int64), np.array(lv, np.int64))


# ---------------------------------------------------------------------------------------------------
# shapely API


def assemble(pts: NDArray[np.float64], ring_starts: NDArray[np.int64]) -> Polygon | MultiPolygon:
    """Polygons from oriented rings: counter-clockwise exteriors, clockwise holes (each hole goes to the
    smallest exterior containing its first vertex)."""
    rings = [pts[ring_starts[k] : ring_starts[k + 1]] for k in range(len(ring_starts) - 1)]
    if not rings:
        return Polygon()
    area2 = np.array([np.sum(r[:, 0] * np.roll(r[:, 1], -1) - np.roll(r[:, 0], -1) * r[:, 1]) for r in rings])
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
        ``geom``'s boundary (inward offsets never come closer to a wall than asked).
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
    xy, starts = pack_rings(geom)
    out: list[Polygon | MultiPolygon] = [Polygon()] * len(d)
    nz = np.flatnonzero(d != 0)
    for k in np.flatnonzero(d == 0):
        out[int(k)] = geom
    if len(starts) < 2 or nz.size == 0:
        return out
    fn = offset_rings_reference if reference else offset_rings_kernel
    pts, rs, lv = fn(xy, starts, np.ascontiguousarray(d[nz]), float(tolerance_mm))
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
    return out


def offset_polygon(
    geom: Polygon | MultiPolygon, distance_mm: float, *, tolerance_mm: float = 0.01, reference: bool = False
) -> Polygon | MultiPolygon:
    """Offset of ``geom`` by ``distance_mm`` (negative shrinks); see :func:`offset_polygons`."""
    return offset_polygons(geom, [distance_mm], tolerance_mm=tolerance_mm, reference=reference)[0]
