"""Numba kernel of the polygon offset (see :mod:`toolpath.kernels.offset` for the method).

Per distance ``d`` (``r = |d|``):

1. *raw curve* of every ring: at a vertex where the moved edges part (``d·turn > 0``) the corners of the
   polygon circumscribed about the arc of radius ``r`` (its first and last facets run along the moved
   edges, so the moved edges' own end points are not needed); elsewhere the moved edges' end and start
   (a straight connector);
2. *crossings* of all raw segments (on a uniform grid), each recorded on both segments (at a segment's end
   when it meets the other there), points closer than ``SNAP_MM`` merged;
3. *runs*: a raw ring is cut at its crossings into runs. Whether a point of the raw curve is kept (farther
   than ``r`` from every edge's flattened offset, on the asked side) can change only where the raw curve
   meets another part of the raw curve -- the boundary of the union of the flattened edge offsets is made
   of raw segments -- so one test per run (at the middle of its longest piece) decides the whole run;
4. *rings*: kept runs are chained end to start (a run and its exact reverse, a zero-width neck, cancel).

Per call, everything that does not depend on ``d`` (edge normals, turns) is computed once. Units: mm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["KEEP_EPS_MM", "SNAP_MM", "MIN_RING_AREA_MM2", "offset_rings_kernel"]

#: A raw piece is kept when it is at least ``|d| - KEEP_EPS_MM`` from the boundary, mm.
KEEP_EPS_MM = 1e-9
#: Crossings closer than this are merged, mm.
SNAP_MM = 1e-7
#: Rings of smaller area are dropped, mm².
MIN_RING_AREA_MM2 = 1e-9


@njit(cache=True, nogil=True)
def _grow(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``a`` itself when it has at least ``n`` rows, else a copy with room for twice as many."""
    if n <= a.shape[0]:
        return a
    b = np.zeros((max(n, 2 * a.shape[0]), a.shape[1]))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            b[i, j] = a[i, j]
    return b


@njit(cache=True, nogil=True)
def _prep(xy: NDArray[np.float64], starts: NDArray[np.int64]) -> NDArray[np.float64]:
    """Per edge (M, 11): x0, y0, x1, y1, unit right normal (nx, ny), normal of the previous edge, turn at
    the start vertex (rad, left positive), its cosine and sine."""
    m = xy.shape[0]
    e = np.empty((m, 11))
    for q in range(starts.shape[0] - 1):
        s, t = starts[q], starts[q + 1]
        for i in range(s, t):
            j = i + 1 if i + 1 < t else s
            ex = xy[j, 0] - xy[i, 0]
            ey = xy[j, 1] - xy[i, 1]
            ln = math.hypot(ex, ey)
            e[i, 0] = xy[i, 0]
            e[i, 1] = xy[i, 1]
            e[i, 2] = xy[j, 0]
            e[i, 3] = xy[j, 1]
            e[i, 4] = ey / ln
            e[i, 5] = -ex / ln
        for i in range(s, t):
            p = i - 1 if i > s else t - 1
            e[i, 6] = e[p, 4]
            e[i, 7] = e[p, 5]
            cr = e[p, 4] * e[i, 5] - e[p, 5] * e[i, 4]
            dt = e[p, 4] * e[i, 4] + e[p, 5] * e[i, 5]
            e[i, 8] = math.atan2(cr, dt)
            e[i, 9] = dt
            e[i, 10] = cr
    return e


@njit(cache=True, nogil=True)
def _chains(e: NDArray[np.float64], starts: NDArray[np.int64], d: float, tol: float, act: NDArray[np.bool_]
            ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64],
                       NDArray[np.int64]]:
    """The raw offset curve at ``d`` as chains of the segments of active features.

    Per vertex its arc (``caps``, (M, 5)): facet count n (0: no arc), cos h, sin h, cos 2h, sin 2h with
    ``h = turn / 2n`` the signed half facet angle. The raw rings: per vertex the corners of its
    circumscribed arc or the moved edges' end and start, consecutive duplicates (1e-13 mm) removed. Of
    those, the segments whose feature is active (feature ``2v``: the arc or connector of vertex ``v``;
    ``2v + 1``: the moved edge ``v``) form chains (closed when a whole ring is active).

    Returns
    -------
    caps, points (N, 2), chain starts (C + 1,), next point of each point's segment (-1 at the end of an
    open chain), and that segment's feature.
    """
    m = e.shape[0]
    r = abs(d)
    alpha = 2.0 * math.acos(r / (r + tol))
    caps = np.zeros((m, 5))
    for k in range(m):
        phi = e[k, 8]
        if d * phi > 0:
            n = max(1, int(math.ceil(abs(phi) / alpha - 1e-12)))
            if n == 1:
                ch = math.sqrt(0.5 * (1.0 + e[k, 9]))
                sh = math.copysign(math.sqrt(max(0.0, 0.5 * (1.0 - e[k, 9]))), phi)
                c2, s2 = e[k, 9], e[k, 10]
            else:
                h = phi / (2.0 * n)
                ch = math.cos(h)
                sh = math.sin(h)
                c2 = ch * ch - sh * sh
                s2 = 2.0 * sh * ch
            caps[k, 0], caps[k, 1], caps[k, 2], caps[k, 3], caps[k, 4] = n, ch, sh, c2, s2
    sg = 1.0 if d > 0 else -1.0
    cnt = 0
    for k in range(e.shape[0]):
        cnt += max(2, int(caps[k, 0]))
    pts = np.empty((cnt, 2))
    pv = np.empty(cnt, np.int64)
    rs = np.zeros(starts.shape[0], np.int64)
    n = 0
    for q in range(starts.shape[0] - 1):
        b = n
        for i in range(starts[q], starts[q + 1]):
            vx = e[i, 0]
            vy = e[i, 1]
            nc = int(caps[i, 0])
            for j in range(max(nc, 2)):
                if nc == 0:
                    px = vx + d * (e[i, 6] if j == 0 else e[i, 4])
                    py = vy + d * (e[i, 7] if j == 0 else e[i, 5])
                else:
                    if j == 0:
                        rr = r / caps[i, 1]
                        ux = sg * e[i, 6]
                        uy = sg * e[i, 7]
                        fx = ux * caps[i, 1] - uy * caps[i, 2]
                        fy = ux * caps[i, 2] + uy * caps[i, 1]
                    elif j < nc:
                        fx, fy = fx * caps[i, 3] - fy * caps[i, 4], fx * caps[i, 4] + fy * caps[i, 3]
                    else:
                        break
                    px = vx + rr * fx
                    py = vy + rr * fy
                if n > b and abs(px - pts[n - 1, 0]) + abs(py - pts[n - 1, 1]) <= 1e-13:
                    continue
                pts[n, 0], pts[n, 1] = px, py
                pv[n] = i
                n += 1
        if n - b > 1 and abs(pts[b, 0] - pts[n - 1, 0]) + abs(pts[b, 1] - pts[n - 1, 1]) <= 1e-13:
            n -= 1
        if n - b < 2:
            n = b
        rs[q + 1] = n
    pts, pv = pts[:n], pv[:n]
    npts = pts.shape[0]
    out = np.empty((2 * npts + 1, 2))
    nxt = np.empty(2 * npts + 1, np.int64)
    pf = np.empty(2 * npts + 1, np.int64)
    cst = np.zeros(npts + 2, np.int64)
    no, nch = 0, 0
    for q in range(rs.shape[0] - 1):
        a = rs[q]
        ln = rs[q + 1] - a
        x = -1
        for t in range(ln):
            k = a + t
            k1 = a + (t + 1) % ln
            f = 2 * pv[k] if pv[k] == pv[k1] else 2 * pv[k] + 1
            if not act[f]:
                x = t
        if x < 0:  # the whole ring: a closed chain
            for t in range(ln):
                k = a + t
                k1 = a + (t + 1) % ln
                out[no + t, 0] = pts[k, 0]
                out[no + t, 1] = pts[k, 1]
                pf[no + t] = 2 * pv[k] if pv[k] == pv[k1] else 2 * pv[k] + 1
                nxt[no + t] = no + (t + 1) % ln
            no += ln
            nch += 1
            cst[nch] = no
            continue
        open_ = False
        for t in range(ln):
            k = a + (x + 1 + t) % ln
            k1 = a + (x + 2 + t) % ln
            f = 2 * pv[k] if pv[k] == pv[k1] else 2 * pv[k] + 1
            if act[f]:
                if not open_:
                    out[no, 0] = pts[k, 0]
                    out[no, 1] = pts[k, 1]
                    no += 1
                    open_ = True
                pf[no - 1] = f
                nxt[no - 1] = no
                out[no, 0] = pts[k1, 0]
                out[no, 1] = pts[k1, 1]
                pf[no] = -1
                nxt[no] = -1
                no += 1
            elif open_:
                nch += 1
                cst[nch] = no
                open_ = False
        if open_:
            nch += 1
            cst[nch] = no
    return caps, out[:no], cst[: nch + 1], nxt[:no], pf[:no]


@njit(cache=True, nogil=True)
def _grid(e: NDArray[np.float64], c: float) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Uniform grid of cell ``c`` (mm) over the boxes of segments ``e[:, :4]`` (x0, y0, x1, y1):
    ``(x0, y0, cell, nx, ny)``, CSR starts and segment ids."""
    m = e.shape[0]
    x0, y0, x1, y1 = np.inf, np.inf, -np.inf, -np.inf
    for k in range(m):
        x0 = min(x0, e[k, 0], e[k, 2])
        y0 = min(y0, e[k, 1], e[k, 3])
        x1 = max(x1, e[k, 0], e[k, 2])
        y1 = max(y1, e[k, 1], e[k, 3])
    nx = int((x1 - x0) / c) + 1
    ny = int((y1 - y0) / c) + 1
    span = np.empty((m, 4), np.int64)
    cs = np.zeros(nx * ny + 1, np.int64)
    for k in range(m):
        span[k, 0] = int((min(e[k, 0], e[k, 2]) - x0) / c)
        span[k, 1] = int((max(e[k, 0], e[k, 2]) - x0) / c)
        span[k, 2] = int((min(e[k, 1], e[k, 3]) - y0) / c)
        span[k, 3] = int((max(e[k, 1], e[k, 3]) - y0) / c)
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                cs[iy * nx + ix + 1] += 1
    for i in range(nx * ny):
        cs[i + 1] += cs[i]
    fill = np.empty(nx * ny, np.int64)
    for i in range(nx * ny):
        fill[i] = cs[i]
    ids = np.empty(cs[-1], np.int64)
    for k in range(m):
        for iy in range(span[k, 2], span[k, 3] + 1):
            for ix in range(span[k, 0], span[k, 1] + 1):
                ids[fill[iy * nx + ix]] = k
                fill[iy * nx + ix] += 1
    geo = np.array([x0, y0, c, nx, ny])
    return geo, cs, ids


@njit(cache=True, nogil=True)
def _keep(px: float, py: float, e: NDArray[np.float64], caps: NDArray[np.float64], thr: float, sg: float,
          geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64], reach: float, hint: int) -> int:
    """-1 when (px, py) is outside every edge's flattened offset and on the asked side (``sg < 0``: inside);
    else an edge whose offset holds it (``hint`` is tried first), or ``e.shape[0]`` for the wrong side."""
    gx0 = geo[0]
    gy0 = geo[1]
    c = geo[2]
    nx = int(geo[3])
    ny = int(geo[4])
    ix0 = max(0, int(math.floor((px - reach - gx0) / c)))
    ix1 = min(nx - 1, int(math.floor((px + reach - gx0) / c)))
    iy0 = max(0, int(math.floor((py - reach - gy0) / c)))
    iy1 = min(ny - 1, int(math.floor((py + reach - gy0) / c)))
    wx = max(ix1 - ix0 + 1, 0)
    nw = wx * max(iy1 - iy0 + 1, 0)
    reach2 = reach * reach
    for w in range(-1, nw):  # the hint first, then the cells within reach
        if w < 0:
            if hint < 0:
                continue
            qlo, qhi = 0, 1
        else:
            iy = iy0 + w // wx
            ix = ix0 + w % wx
            cell = iy * nx + ix
            qlo, qhi = cs[cell], cs[cell + 1]
            if qlo == qhi:
                continue
            dy = max(gy0 + iy * c - py, 0.0, py - (gy0 + (iy + 1) * c))
            dx = max(gx0 + ix * c - px, 0.0, px - (gx0 + (ix + 1) * c))
            if dx * dx + dy * dy >= reach2:
                continue
        for q in range(qlo, qhi):
            # is (px, py) inside the flattened offset of edge k: closer than thr to its interior, or inside
            # the cap of its start vertex (the circumscribed polygon of its arc, within the arc's sector)?
            k = hint if w < 0 else ids[q]
            while True:  # one pass; break = not inside
                x0, y0, x1, y1 = e[k, 0], e[k, 1], e[k, 2], e[k, 3]
                nc = int(caps[k, 0])
                big = thr / caps[k, 1] if nc > 0 else thr
                if (min(x0, x1) - px > big or px - max(x0, x1) > big or min(y0, y1) - py > big
                        or py - max(y0, y1) > big):
                    break
                ex = x1 - x0
                ey = y1 - y0
                qx = px - x0
                qy = py - y0
                t = (qx * ex + qy * ey) / (ex * ex + ey * ey)
                if 0.0 < t < 1.0:
                    dx = x0 + t * ex - px
                    dy = y0 + t * ey - py
                    if dx * dx + dy * dy < thr * thr:
                        return k
                if nc == 0 or qx * qx + qy * qy >= big * big:
                    break
                u0x = sg * e[k, 6]
                u0y = sg * e[k, 7]
                u1x = sg * e[k, 4]
                u1y = sg * e[k, 5]
                if caps[k, 2] > 0:
                    if u0x * qy - u0y * qx < 0.0 or qx * u1y - qy * u1x < 0.0:
                        break
                elif u0x * qy - u0y * qx > 0.0 or qx * u1y - qy * u1x > 0.0:
                    break
                c2 = caps[k, 3]
                s2 = caps[k, 4]
                fx = u0x
                fy = u0y
                inside = True
                for _ in range(nc + 1):
                    if qx * fx + qy * fy >= thr:
                        inside = False
                        break
                    fx, fy = fx * c2 - fy * s2, fx * s2 + fy * c2
                if inside:
                    return k
                break
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
                y0, y1 = e[k, 1], e[k, 3]
                if (y0 > py) != (y1 > py):
                    xi = e[k, 0] + (py - y0) * (e[k, 2] - e[k, 0]) / (y1 - y0)
                    if (px < xi) == right and min(nx - 1, max(0, int(math.floor((xi - gx0) / c)))) == ix:
                        crossings += 1
    return -1 if (crossings % 2 == 1) == (sg < 0) else e.shape[0]


@njit(cache=True, nogil=True)
def _argsort(a: NDArray[np.float64]) -> NDArray[np.int64]:
    """Indices sorting ``a`` (a bucket pass, then insertion sort): O(n) for spread-out keys."""
    n = a.shape[0]
    idx = np.empty(n, np.int64)
    if n == 0:
        return idx
    lo, hi = a[0], a[0]
    for i in range(n):
        lo = min(lo, a[i])
        hi = max(hi, a[i])
    w = (hi - lo) / n if hi > lo else 1.0
    cnt = np.zeros(n + 1, np.int64)
    b = np.empty(n, np.int64)
    for i in range(n):
        b[i] = min(n - 1, int((a[i] - lo) / w))
        cnt[b[i] + 1] += 1
    for i in range(n):
        cnt[i + 1] += cnt[i]
    k = np.empty(n)
    for i in range(n):
        p = cnt[b[i]]
        cnt[b[i]] += 1
        idx[p] = i
        k[p] = a[i]
    for i in range(1, n):
        v = idx[i]
        kv = k[i]
        j = i
        while j >= 1 and k[j - 1] > kv:
            k[j] = k[j - 1]
            idx[j] = idx[j - 1]
            j -= 1
        k[j] = kv
        idx[j] = v
    return idx


@njit(cache=True, nogil=True)
def _pair(pts: NDArray[np.float64], i: int, j: int, ni: int, nj: int, sp: NDArray[np.float64], ns: int
          ) -> tuple[NDArray[np.float64], int]:
    """Split points of segments ``pts[i] -> pts[ni]`` and ``pts[j] -> pts[nj]`` appended to ``sp``."""
    ax, ay, ix1, iy1 = pts[i, 0], pts[i, 1], pts[ni, 0], pts[ni, 1]
    rx = ix1 - ax
    ry = iy1 - ay
    bx, by, jx1, jy1 = pts[j, 0], pts[j, 1], pts[nj, 0], pts[nj, 1]
    sx = jx1 - bx
    sy = jy1 - by
    den = rx * sy - ry * sx
    wx = bx - ax
    wy = by - ay
    li = math.hypot(rx, ry)
    lj = math.hypot(sx, sy)
    et = SNAP_MM / li
    eu = SNAP_MM / lj
    sp = _grow(sp, ns + 8)
    if abs(den) <= 1e-12 * li * lj:
        # parallel: when collinear, each is split at the other's ends lying inside it, and
        # there at its own end too
        if abs(wx * ry - wy * rx) > SNAP_MM * li:
            return sp, ns
        for q in range(4):
            if q < 2:  # ends of j on i
                px = bx if q == 0 else jx1
                py = by if q == 0 else jy1
                tt = ((px - ax) * rx + (py - ay) * ry) / (li * li)
                tgt = i
                own = j
                ot = 0.0 if q == 0 else 1.0
                e = et
            else:  # ends of i on j
                px = ax if q == 2 else ix1
                py = ay if q == 2 else iy1
                tt = ((px - bx) * sx + (py - by) * sy) / (lj * lj)
                tgt = j
                own = i
                ot = 0.0 if q == 2 else 1.0
                e = eu
            if e < tt < 1.0 - e:
                sp[ns, 0], sp[ns, 1], sp[ns, 2], sp[ns, 3] = tgt, tt, px, py
                sp[ns + 1, 0], sp[ns + 1, 1], sp[ns + 1, 2], sp[ns + 1, 3] = own, ot, px, py
                ns += 2
        return sp, ns
    t = (wx * sy - wy * sx) / den
    u = (wx * ry - wy * rx) / den
    if t < -et or t > 1.0 + et or u < -eu or u > 1.0 + eu:
        return sp, ns
    end_i = t <= et or t >= 1.0 - et
    end_j = u <= eu or u >= 1.0 - eu
    if end_i and end_j and (j == ni or i == nj):
        return sp, ns  # neighbours on one ring meeting at their shared point
    if end_i:
        px = ax if t <= et else ix1
        py = ay if t <= et else iy1
        t = 0.0 if t <= et else 1.0
    elif end_j:
        px = bx if u <= eu else jx1
        py = by if u <= eu else jy1
    else:
        px = ax + t * rx
        py = ay + t * ry
    if end_j:
        u = 0.0 if u <= eu else 1.0
    sp[ns, 0], sp[ns, 1], sp[ns, 2], sp[ns, 3] = i, t, px, py
    sp[ns + 1, 0], sp[ns + 1, 1], sp[ns + 1, 2], sp[ns + 1, 3] = j, u, px, py
    ns += 2
    return sp, ns


@njit(cache=True, nogil=True)
def _crossings(pts: NDArray[np.float64], nxt: NDArray[np.int64]) -> NDArray[np.float64]:
    """Split points (S, 4): segment, t, x, y, sorted by segment then t. Segment ``i`` runs from ``pts[i]``
    to ``pts[nxt[i]]`` (none when -1). A crossing at a segment's end is recorded on it at t = 0 or 1.

    Pairs are found on a uniform grid of about one cell per segment; a pair is tested in the cell holding
    the lower-left corner of the overlap of its boxes."""
    n = pts.shape[0]
    m = 0
    for i in range(n):
        m += nxt[i] >= 0
    bb = np.empty((m, 4))  # box of each segment: min x, min y, max x, max y
    sid = np.empty(m, np.int64)
    m = 0
    for i in range(n):
        j = nxt[i]
        if j >= 0:
            bb[m, 0], bb[m, 1] = min(pts[i, 0], pts[j, 0]), min(pts[i, 1], pts[j, 1])
            bb[m, 2], bb[m, 3] = max(pts[i, 0], pts[j, 0]), max(pts[i, 1], pts[j, 1])
            sid[m] = i
            m += 1
    w, ht = 0.0, 0.0
    if m > 0:
        w = np.max(bb[:, 2]) - np.min(bb[:, 0])
        ht = np.max(bb[:, 3]) - np.min(bb[:, 1])
    ext = max(w, ht, 1e-9)
    geo, cs, ids = _grid(bb, max(math.sqrt(max(w, ext / 64) * max(ht, ext / 64) / max(m, 1)), ext / 1024))
    gx0 = geo[0]
    gy0 = geo[1]
    c = geo[2]
    gnx = int(geo[3])
    sp = np.empty((max(16, n // 4), 4))
    ns = np.int64(0)  # not a literal: one compiled signature of _pair
    for cell in range(cs.shape[0] - 1):
        for pa in range(cs[cell], cs[cell + 1]):
            a = ids[pa]
            for pb in range(pa + 1, cs[cell + 1]):
                b = ids[pb]
                lx = max(bb[a, 0], bb[b, 0])
                ly = max(bb[a, 1], bb[b, 1])
                if lx > min(bb[a, 2], bb[b, 2]) or ly > min(bb[a, 3], bb[b, 3]):
                    continue
                if int((ly - gy0) / c) * gnx + int((lx - gx0) / c) != cell:
                    continue
                i, j = sid[a], sid[b]
                ni, nj = nxt[i], nxt[j]
                if (j == ni or i == nj) and ((pts[ni, 0] - pts[i, 0]) * (pts[nj, 0] - pts[j, 0])
                                             + (pts[ni, 1] - pts[i, 1]) * (pts[nj, 1] - pts[j, 1])) > 0:
                    continue  # neighbours going on (not folding back) meet only at their shared point
                sp, ns = _pair(pts, i, j, ni, nj, sp, ns)
    # split points closer than SNAP_MM (near-concurrent crossings) become one point
    key = np.empty(ns)
    for i in range(ns):
        key[i] = sp[i, 2]
    xo = _argsort(key)
    for a in range(ns):
        ia = xo[a]
        for b in range(a + 1, ns):
            ib = xo[b]
            if sp[ib, 2] - sp[ia, 2] > SNAP_MM:
                break
            if abs(sp[ib, 3] - sp[ia, 3]) <= SNAP_MM:
                sp[ib, 2] = sp[ia, 2]
                sp[ib, 3] = sp[ia, 3]
    for i in range(ns):
        key[i] = sp[i, 0] * 4.0 + sp[i, 1]
    so = _argsort(key)
    out = np.empty((ns, 4))
    for i in range(ns):
        for j in range(4):
            out[i, j] = sp[so[i], j]
    return out


@njit(cache=True, nogil=True)
def _rings(pts: NDArray[np.float64], cst: NDArray[np.int64], nxt: NDArray[np.int64], pf: NDArray[np.int64],
           sp: NDArray[np.float64], e: NDArray[np.float64], caps: NDArray[np.float64], d: float, tol: float,
           mark: NDArray[np.bool_], geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64]
           ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], bool]:
    """Kept runs of the raw chains: points (P, 2), start and end (exclusive) of each run, and whether a run
    at an open chain's end was kept (the chains missed a feature: recompute with all). The features of
    kept runs are set in ``mark``."""
    r = abs(d)
    thr = max(r - KEEP_EPS_MM, 0.0)
    sg = 1.0 if d > 0 else -1.0
    reach = (r + tol) * 1.001 + 1e-9
    ns = sp.shape[0]
    npt = pts.shape[0]
    nch = cst.shape[0] - 1
    rp = np.empty((npt + 2 * ns + nch + 16, 2))
    rseg = np.empty(npt + 2 * ns + nch + 16, np.int64)
    rb = np.empty(ns + nch + 1, np.int64)
    re = np.empty(ns + nch + 1, np.int64)
    nrun = 0
    nrp = 0
    p = 0
    hint = np.int64(-1)  # not a literal: one compiled signature of _keep
    fail = False
    for q in range(nch):
        a, b = cst[q], cst[q + 1]
        if b - a < 2:
            continue
        closed = nxt[b - 1] >= 0
        k0 = p
        while p < ns and int(sp[p, 0]) < b:
            p += 1
        kn = p - k0
        nruns = max(kn, 1) if closed else kn + 1
        for k in range(nruns):
            # closed: run k from split k to split k + 1 (without splits: the whole ring from its first
            # point); open: from the chain's start or split k - 1 to split k or the chain's end
            if closed:
                wrap = k + 1 >= kn
                if kn == 0:
                    s1 = b - 1
                    s2 = b - 1
                    x1, y1 = pts[a, 0], pts[a, 1]
                    x2 = x1
                    y2 = y1
                else:
                    k2 = k0 + (k + 1) % kn
                    s1 = int(sp[k0 + k, 0])
                    s2 = int(sp[k2, 0])
                    x1, y1, x2, y2 = sp[k0 + k, 2], sp[k0 + k, 3], sp[k2, 2], sp[k2, 3]
            else:
                wrap = False
                if k == 0:
                    s1 = a
                    x1, y1 = pts[a, 0], pts[a, 1]
                else:
                    s1 = int(sp[k0 + k - 1, 0])
                    x1, y1 = sp[k0 + k - 1, 2], sp[k0 + k - 1, 3]
                if k == kn:
                    s2 = b - 2
                    x2, y2 = pts[b - 1, 0], pts[b - 1, 1]
                else:
                    s2 = int(sp[k0 + k, 0])
                    x2, y2 = sp[k0 + k, 2], sp[k0 + k, 3]
            beg = nrp
            rp[nrp, 0], rp[nrp, 1] = x1, y1
            rseg[nrp] = s1
            nrp += 1
            if wrap or s2 != s1:
                j = s1
                while True:
                    j = nxt[j]
                    if pts[j, 0] != rp[nrp - 1, 0] or pts[j, 1] != rp[nrp - 1, 1]:
                        rp[nrp, 0] = pts[j, 0]
                        rp[nrp, 1] = pts[j, 1]
                        nrp += 1
                    rseg[nrp - 1] = j
                    if j == s2:
                        break
            if x2 != rp[nrp - 1, 0] or y2 != rp[nrp - 1, 1] or (closed and kn == 0):
                rp[nrp, 0], rp[nrp, 1] = x2, y2
                rseg[nrp] = -1
                nrp += 1
            if nrp - beg < 2:
                nrp = beg
                continue
            best, mx, my = -1.0, 0.0, 0.0
            for i in range(beg, nrp - 1):
                ll = (rp[i + 1, 0] - rp[i, 0]) ** 2 + (rp[i + 1, 1] - rp[i, 1]) ** 2
                if ll > best:
                    best = ll
                    mx = 0.5 * (rp[i, 0] + rp[i + 1, 0])
                    my = 0.5 * (rp[i, 1] + rp[i + 1, 1])
            h = _keep(mx, my, e, caps, thr, sg, geo, cs, ids, reach, hint)
            hint = h if 0 <= h < e.shape[0] else hint
            if h >= 0:
                nrp = beg
                continue
            if not closed and (k == 0 or k == kn):
                fail = True
            for i in range(beg, nrp - 1):
                if rseg[i] >= 0 and pf[rseg[i]] >= 0:
                    mark[pf[rseg[i]]] = True
            rb[nrun] = beg
            re[nrun] = nrp
            nrun += 1
    return rp, rb[:nrun], re[:nrun], fail


@njit(cache=True, nogil=True)
def _chain(rp: NDArray[np.float64], rb: NDArray[np.int64], re: NDArray[np.int64]
           ) -> tuple[NDArray[np.float64], NDArray[np.int64], int]:
    """Runs chained end to start into rings: points (P, 2), ring starts (Q + 1,), and how many chains did
    not close (dropped). A run and its exact reverse (a collapsed neck) cancel; rings of tiny area are
    dropped."""
    nrun = rb.shape[0]
    out = np.empty((rp.shape[0] + 1, 2))
    ors = np.zeros(nrun + 1, np.int64)
    no = 0
    nr = 0
    unclosed = 0
    xs0 = np.empty(nrun)
    ys0 = np.empty(nrun)
    for c in range(nrun):
        xs0[c] = rp[rb[c], 0]
        ys0[c] = rp[rb[c], 1]
    xo = _argsort(xs0)
    xs = np.empty(nrun)
    for c in range(nrun):
        xs[c] = xs0[xo[c]]
    used = np.zeros(nrun, np.bool_)
    for c in range(nrun):
        if used[c]:
            continue
        ex = rp[re[c] - 1, 0]
        ey = rp[re[c] - 1, 1]
        lo = 0
        hi = nrun
        while lo < hi:
            mid = (lo + hi) // 2
            if xs[mid] < ex:
                lo = mid + 1
            else:
                hi = mid
        while lo < nrun and xs[lo] == ex:
            o = xo[lo]
            lo += 1
            if used[o] or o == c or ys0[o] != ey or re[o] - rb[o] != re[c] - rb[c]:
                continue
            ln = re[c] - rb[c]
            same = True
            for i in range(ln):
                if rp[rb[c] + i, 0] != rp[re[o] - 1 - i, 0] or rp[rb[c] + i, 1] != rp[re[o] - 1 - i, 1]:
                    same = False
                    break
            if same:
                used[o] = True
                used[c] = True
                break
    for c0 in range(nrun):
        if used[c0]:
            continue
        used[c0] = True
        begin = no
        cur = c0
        closed = False
        for _ in range(nrun):
            for i in range(rb[cur], re[cur] - 1):
                out[no, 0] = rp[i, 0]
                out[no, 1] = rp[i, 1]
                no += 1
            ex = rp[re[cur] - 1, 0]
            ey = rp[re[cur] - 1, 1]
            if ex == out[begin, 0] and ey == out[begin, 1]:
                closed = True
                break
            nx_ = -1
            lo = 0
            hi = nrun
            while lo < hi:
                mid = (lo + hi) // 2
                if xs[mid] < ex:
                    lo = mid + 1
                else:
                    hi = mid
            while lo < nrun and xs[lo] == ex:
                c = xo[lo]
                lo += 1
                if not used[c] and ys0[c] == ey:
                    nx_ = c
                    break
            if nx_ < 0:
                bd = SNAP_MM * SNAP_MM
                for c in range(nrun):
                    if not used[c]:
                        dd = (xs0[c] - ex) ** 2 + (ys0[c] - ey) ** 2
                        if dd < bd:
                            bd = dd
                            nx_ = c
                if nx_ < 0:
                    closed = (ex - out[begin, 0]) ** 2 + (ey - out[begin, 1]) ** 2 < SNAP_MM * SNAP_MM
                    break
            used[nx_] = True
            cur = nx_
        area2 = 0.0
        for k in range(begin, no):
            k2 = k + 1 if k + 1 < no else begin
            area2 += out[k, 0] * out[k2, 1] - out[k2, 0] * out[k, 1]
        if not closed:
            unclosed += 1
        if not closed or no - begin < 3 or abs(area2) < 2 * MIN_RING_AREA_MM2:
            no = begin
            continue
        nr += 1
        ors[nr] = no
    return out[:no], ors[: nr + 1], unclosed




@njit(cache=True, nogil=True)
def offset_rings_kernel(
    xy: NDArray[np.float64], starts: NDArray[np.int64], distances_mm: NDArray[np.float64], tolerance_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Offset rings by each distance (Numba).

    Parameters
    ----------
    xy : ndarray of shape (M, 2), float64, mm
        Ring vertices from :func:`toolpath.kernels.offset.pack_rings` (material on the left, open rings).
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
    e = _prep(xy, starts)
    m = e.shape[0]
    pts = np.empty((max(16, 4 * xy.shape[0]), 2))
    lv = np.zeros((16, 2))  # ring starts, ring levels (exact in float64)
    npt = 0
    nr = 0
    act = np.ones(2 * m, np.bool_)
    # cell of the edge grid: a quarter of the reach of the keep-test, at least 1/48 of the extent, about two
    # edges per cell; rebuilt when the reach has moved by more than a factor of two
    w = max(np.max(xy[:, 0]) - np.min(xy[:, 0]), 1e-9)
    ht = max(np.max(xy[:, 1]) - np.min(xy[:, 1]), 1e-9)
    base = max(math.sqrt(w * ht / (2 * m + 8)), max(w, ht) / 48.0)
    geo, cs, ids = _grid(e, base)
    for k in range(distances_mm.shape[0]):
        d = distances_mm[k]
        # erosions compose, so a feature (moved edge, vertex arc) without a kept piece at a smaller offset
        # of the same sign has none at this one: its raw segments are left out
        full = k == 0 or d * distances_mm[k - 1] <= 0 or abs(d) < abs(distances_mm[k - 1])
        if full:
            act[:] = True
        c = max(0.25 * (abs(d) + tolerance_mm), base)
        if not 0.5 * c <= geo[2] <= 2.0 * c:
            geo, cs, ids = _grid(e, c)
        for _ in range(2):
            caps, cp, cst, nxt, pf = _chains(e, starts, d, tolerance_mm, act)
            mark = np.zeros(2 * m, np.bool_)
            rp, rb, re, fail = _rings(cp, cst, nxt, pf, _crossings(cp, nxt), e, caps, d, tolerance_mm, mark,
                                    geo, cs, ids)
            o, s, unclosed = _chain(rp, rb, re)
            if full or not (fail or unclosed > 0):
                break
            full = True
            act[:] = True
        act = mark
        pts = _grow(pts, npt + o.shape[0])
        for i in range(o.shape[0]):
            pts[npt + i, 0] = o[i, 0]
            pts[npt + i, 1] = o[i, 1]
        lv = _grow(lv, nr + s.shape[0] + 1)
        for q in range(s.shape[0] - 1):
            lv[nr + 1, 0] = npt + s[q + 1]
            lv[nr, 1] = k
            nr += 1
        npt += o.shape[0]
    rs = np.empty(nr + 1, np.int64)
    lvl = np.empty(nr, np.int64)
    rs[0] = 0
    for q in range(nr):
        rs[q + 1] = int(lv[q + 1, 0])
        lvl[q] = int(lv[q, 1])
    return pts[:npt].copy(), rs, lvl
