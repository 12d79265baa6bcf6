"""Offsets of polygons with islands: inward (shrink) and outward (grow), as a Numba kernel.

Method (the level set of the distance to the boundary)
------------------------------------------------------
The boundary of ``P`` offset by ``d`` (``d < 0`` shrinks, ``d > 0`` grows) is the set of points on the
inside (``d < 0``) or outside (``d > 0``) of ``P`` at distance exactly ``|d|`` from its boundary. Rings
are oriented with the material on the left (exterior counter-clockwise, islands clockwise), so the
outward normal of every edge is its right normal ``n``. Per ring:

1. *raw curve*: every edge moved by ``d·n``; at a vertex where the moved edges part (``d·turn > 0``) a
   circular arc of radius ``|d|`` about the vertex joins them, flattened to chords **outside** the circle
   (the polygon circumscribed about the arc: every point of it is at least ``|d|`` from the vertex, at
   most ``|d| + tolerance_mm``); where the moved edges overlap, a straight connector joins their ends.
   Every raw point is within ``|d| + tolerance_mm`` of the boundary, at least ``|d|`` from its own
   generator;
2. *splitting*: all raw segments of all rings are cut at their mutual intersections (a sweep over
   segments sorted by smallest x);
3. *trimming*: a piece is kept when its midpoint is at least ``|d| - 1e-9`` mm from every edge of ``P``
   and on the asked side of ``P`` (crossing-number test). Loops of the raw curve that fold back (inside
   a convex corner when shrinking, a collapsed neck or island, overlapping rings) are closer than
   ``|d|`` to some edge and are dropped; where a neck closes the level set falls apart into several
   rings by itself;
4. *rings*: the kept pieces are chained end to start (intersection points are computed once and shared
   by both pieces, so ends match exactly). The raw direction is kept: exteriors come out
   counter-clockwise, holes clockwise, tiny rings (area below ``1e-9`` mm²) are dropped.

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
_SNAP_MM = 1e-10
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
def _grid_step(r: float, tol: float) -> float:
    """Angle between facet normals of the regular polygon circumscribed about a circle of radius ``r``
    whose corners are at most ``tol`` outside it, rad."""
    n = int(math.ceil(math.pi / math.acos(r / (r + tol)) - 1e-9))
    return 2.0 * math.pi / max(n, 3)


@njit(cache=True, nogil=True)
def _corner_range(a0: float, phi: float, step: float) -> tuple[int, int, int]:
    """First index, count and direction of the circumscribed polygon's corners ``(k + 1/2)·step`` within
    1.5 steps of the sweep from ``a0`` by ``phi`` (the corners that may stick out of the edge bands)."""
    lo = min(a0, a0 + phi) - 1.5 * step
    hi = max(a0, a0 + phi) + 1.5 * step
    k_lo = int(math.ceil(lo / step - 0.5))
    k_hi = int(math.floor(hi / step - 0.5))
    cnt = max(0, k_hi - k_lo + 1)
    return (k_lo, cnt, 1) if phi > 0 else (k_hi, cnt, -1)


@njit(cache=True, nogil=True)
def _raw_points(xy: NDArray[np.float64], s: int, e: int, d: float, tol: float) -> NDArray[np.float64]:
    """Closed raw offset polyline of ring ``xy[s:e]`` (first point repeated at the end)."""
    m = e - s
    r = abs(d)
    sg = 1.0 if d > 0 else -1.0
    step = _grid_step(r, tol)
    h = 0.5 * step
    rc = r / math.cos(h)
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
            a0 = math.atan2(sg * ny[p], sg * nx[p])
            cnt += _corner_range(a0, phi, step)[1]
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
            a0 = math.atan2(sg * ny[p], sg * nx[p])
            k0, nc, dk = _corner_range(a0, phi, step)
            for j in range(nc):
                c = (k0 + dk * j + 0.5) * step
                out[k, 0] = vx + rc * math.cos(c)
                out[k, 1] = vy + rc * math.sin(c)
                k += 1
        out[k, 0] = vx + d * nx[i]
        out[k, 1] = vy + d * ny[i]
        k += 1
    out[k] = out[0]
    return out[: k + 1]


@njit(cache=True, nogil=True)
def _grow(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    if n < a.shape[0]:
        return a
    b = np.empty((2 * a.shape[0] + 16, a.shape[1]), a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def _near(px: float, py: float, edges: NDArray[np.float64], k: int, thr: float, thr2: float, step: float) -> bool:
    """Is (px, py) inside the flattened offset of edge ``k``: closer than ``thr`` to its interior, or inside
    the cap of its start vertex: the circumscribed polygon (facet normals every ``step`` rad, signed: the
    sign says the offset side) where the raw curve has an arc, else the disc?"""
    x0 = edges[k, 0]
    y0 = edges[k, 1]
    x1 = edges[k, 2]
    y1 = edges[k, 3]
    big = thr / math.cos(0.5 * step)
    arc = edges[k, 4] * step > 0
    step = abs(step)
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
    q2 = qx * qx + qy * qy
    if q2 < thr2:
        return True
    if q2 >= big * big or not arc:
        return False
    g = step * round(math.atan2(qy, qx) / step)
    return qx * math.cos(g) + qy * math.sin(g) < thr


@njit(cache=True, nogil=True)
def _keep(
    px: float, py: float, edges: NDArray[np.float64], thr2: float, inside: bool, hint: int, step: float
) -> int:
    """-1 when (px, py) is at least sqrt(thr2) from every edge and on the asked side of the polygon;
    else the index of an edge closer than that (``hint`` is tried first), or ``edges.shape[0]`` for the
    wrong side."""
    thr = math.sqrt(thr2)
    m = edges.shape[0]
    if 0 <= hint < m and _near(px, py, edges, hint, thr, thr2, step):
        return hint
    for k in range(m):
        if _near(px, py, edges, k, thr, thr2, step):
            return k
    crossings = 0
    for k in range(m):
        y0 = edges[k, 1]
        y1 = edges[k, 3]
        if (y0 > py) != (y1 > py):
            xi = edges[k, 0] + (py - y0) * (edges[k, 2] - edges[k, 0]) / (y1 - y0)
            if px < xi:
                crossings += 1
    return -1 if (crossings % 2 == 1) == inside else m


@njit(cache=True, nogil=True)
def _offset_one(
    xy: NDArray[np.float64], starts: NDArray[np.int64], edges: NDArray[np.float64], d: float, tol: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    nr = starts.shape[0] - 1
    # 1. raw segments
    raws = []
    total = 0
    for q in range(nr):
        rp = _raw_points(xy, starts[q], starts[q + 1], d, tol)
        raws.append(rp)
        total += rp.shape[0] - 1
    seg = np.empty((total, 4))
    n = 0
    for rp in raws:
        for i in range(rp.shape[0] - 1):
            if abs(rp[i + 1, 0] - rp[i, 0]) + abs(rp[i + 1, 1] - rp[i, 1]) > 1e-13:
                seg[n, 0] = rp[i, 0]
                seg[n, 1] = rp[i, 1]
                seg[n, 2] = rp[i + 1, 0]
                seg[n, 3] = rp[i + 1, 1]
                n += 1
    seg = seg[:n]
    # 2. intersections (sweep in x)
    minx = np.minimum(seg[:, 0], seg[:, 2])
    maxx = np.maximum(seg[:, 0], seg[:, 2])
    order = np.argsort(minx)
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
            if den == 0.0:
                continue
            wx = bx - ax
            wy = by - ay
            t = (wx * sy - wy * sx) / den
            u = (wx * ry - wy * rx) / den
            lj = math.hypot(sx, sy)
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
    key = sp[:, 0] * 2.0 + sp[:, 1]
    so = np.argsort(key)
    # 3. pieces and trimming
    r = abs(d)
    thr = max(r - KEEP_EPS_MM, 0.0)
    thr2 = thr * thr
    inside = d < 0
    step = math.copysign(_grid_step(r, tol), d)
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
                hint = _keep(0.5 * (cx + qx), 0.5 * (cy + qy), edges, thr2, inside, hint, step)
            if (cx != qx or cy != qy) and hint == -1:
                kept[nk, 0] = cx
                kept[nk, 1] = cy
                kept[nk, 2] = qx
                kept[nk, 3] = qy
                nk += 1
            cx = qx
            cy = qy
    kept = kept[:nk]
    # 4. chain pieces into rings (exact end matching, 1e-7 mm fallback)
    xo = np.argsort(kept[:, 0])
    xs = kept[xo, 0]
    used = np.zeros(nk, np.bool_)
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
            q = np.searchsorted(xs, ex)
            while q < nk and xs[q] == ex:
                c = xo[q]
                if not used[c] and kept[c, 1] == ey:
                    nxt = c
                    break
                q += 1
            if nxt < 0:
                best = 1e-14
                for c in range(nk):
                    if not used[c]:
                        dd = (kept[c, 0] - ex) ** 2 + (kept[c, 1] - ey) ** 2
                        if dd < best:
                            best = dd
                            nxt = c
                if nxt < 0:
                    if (ex - kept[s0, 0]) ** 2 + (ey - kept[s0, 1]) ** 2 < 1e-14:
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
        pts[npt : npt + o.shape[0]] = o
        for q in range(s.shape[0] - 1):
            if nr + 2 > rs.shape[0]:
                rs2 = np.zeros(2 * rs.shape[0], np.int64)
                rs2[: rs.shape[0]] = rs
                rs = rs2
                lv2 = np.zeros(2 * rs.shape[0], np.int64)
                lv2[: lv.shape[0]] = lv
                lv = lv2
            rs[nr + 1] = npt + s[q + 1]
            lv[nr] = k
            nr += 1
        npt += o.shape[0]
    return pts[:npt].copy(), rs[: nr + 1].copy(), lv[:nr].copy()


# ---------------------------------------------------------------------------------------------------
# plain reference: the same method with NumPy over all pairs and Python dictionaries


def _step_reference(r: float, tol: float) -> float:
    return 2 * math.pi / max(3, math.ceil(math.pi / math.acos(r / (r + tol)) - 1e-9))


def _raw_reference(ring: NDArray[np.float64], d: float, tol: float) -> NDArray[np.float64]:
    nxt = np.roll(ring, -1, axis=0)
    e = nxt - ring
    nrm = np.column_stack([e[:, 1], -e[:, 0]]) / np.hypot(e[:, 0], e[:, 1])[:, None]
    prev = np.roll(nrm, 1, axis=0)
    r = abs(d)
    step = _step_reference(r, tol)
    pts: list[NDArray[np.float64]] = []
    for i, v in enumerate(ring):
        phi = math.atan2(prev[i, 0] * nrm[i, 1] - prev[i, 1] * nrm[i, 0], prev[i] @ nrm[i])
        pts.append(v + d * prev[i])
        if d * phi > 0:
            a0 = math.atan2(math.copysign(1, d) * prev[i, 1], math.copysign(1, d) * prev[i, 0])
            lo, hi = min(a0, a0 + phi) - 1.5 * step, max(a0, a0 + phi) + 1.5 * step
            ks = np.arange(math.ceil(lo / step - 0.5), math.floor(hi / step - 0.5) + 1)
            c = (ks + 0.5) * step
            c = c if phi > 0 else c[::-1]
            rc = r / math.cos(0.5 * step)
            pts.extend(v + rc * np.column_stack([np.cos(c), np.sin(c)]))
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
    for i, j in zip(*np.nonzero(hit), strict=True):
        ti, uj = t[i, j], u[i, j]
        if end_i[i, j]:
            p = tuple(seg[i, :2] if ti <= et[i, 0] else seg[i, 2:])
        elif end_j[i, j]:
            p = tuple(seg[j, :2] if uj <= eu[0, j] else seg[j, 2:])
        else:
            p = (a[i, 0] + ti * rv[i, 0], a[i, 1] + ti * rv[i, 1])
        if not end_i[i, j]:
            splits.setdefault(int(i), []).append((float(ti), p))
        if not end_j[i, j]:
            splits.setdefault(int(j), []).append((float(uj), p))
    edges = np.concatenate([np.column_stack([rg, np.roll(rg, -1, axis=0)]) for rg in rings])
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    step = _step_reference(abs(d), tol)
    ein = edges[:, :2] - np.concatenate([np.roll(rg, 1, axis=0) for rg in rings])
    eout = edges[:, 2:] - edges[:, :2]
    turn = np.arctan2(ein[:, 0] * eout[:, 1] - ein[:, 1] * eout[:, 0], (ein * eout).sum(axis=1))
    arc_vertex = d * turn > 0
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
            g = step * np.round(np.arctan2(qv[:, 1], qv[:, 0]) / step)
            proj = qv[:, 0] * np.cos(g) + qv[:, 1] * np.sin(g)
            cap = np.hypot(qv[:, 0], qv[:, 1]) < thr
            cap |= arc_vertex & (np.hypot(qv[:, 0], qv[:, 1]) < thr / math.cos(0.5 * step)) & (proj < thr)
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
                        and (pieces[c][0][0] - end[0]) ** 2 + (pieces[c][0][1] - end[1]) ** 2 < 1e-14]
                if not near:
                    closed = (end[0] - ring[0][0]) ** 2 + (end[1] - ring[0][1]) ** 2 < 1e-14
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
