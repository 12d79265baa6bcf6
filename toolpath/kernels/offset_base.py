"""Numba primitives of the offset kernel (:mod:`toolpath.kernels.offset_kernel`): constants, growing
buffers, a bucket argsort, a uniform grid of segment boxes, per-edge data, and the exact offset curves.

Exact curves (*primitives*) of the offset by ``d`` (``r = |d|``), coded as integers: ``2v + 1`` is edge ``v``
moved by ``d·n`` (a line segment); ``2v`` is vertex ``v``'s arc (centre the vertex, radius ``r``, from
direction ``sg·n_prev`` turning by the vertex's turn; ``caps[v, 0] > 0``) or, where the moved edges overlap,
its straight connector (``caps[v, 0] == 0``). The raw (flattened) curve runs along them; the functions here
say which primitive a point of a raw segment lies on, where two primitives meet exactly, and flatten a part
of an arc between two angles (corners of the circumscribed polygon: facets tangent to the arc, endpoints on
it). Units: mm, rad.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2

__all__ = ["KEEP_EPS_MM", "SNAP_MM", "MIN_RING_AREA_MM2"]

#: A raw piece is kept when it is at least ``|d| - KEEP_EPS_MM`` from the boundary, mm.
KEEP_EPS_MM = 1e-7
#: Crossings closer than this are merged, mm.
SNAP_MM = 1e-7
#: Rings of smaller area are dropped, mm².
MIN_RING_AREA_MM2 = 1e-9
#: Numba options of the kernel's inner functions (called only from jitted code): no CPython/C wrappers, no
#: rewrite passes (the code has no array expressions, raises or constant-folded branches for them to act on),
#: and not cached on disk: the kernel's cache holds their code (linked into it), and
#: :func:`toolpath.numba_cache.refresh_cache` drops every cache file of the directory when any source changes, so
#: an inner function's own cache entry would never be loaded (a cold compile saved and looked up 28 of them,
#: ~0.7 s).
INNER_JIT = dict(cache=False, nogil=True, error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True,
                 no_rewrites=True)


@njit(**INNER_JIT)
def _grow(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``a`` itself when it has at least ``n`` rows, else a copy with room for twice as many (rows past
    ``a``'s left unset)."""
    if n <= a.shape[0]:
        return a
    b = np.empty((max(n, 2 * a.shape[0]), a.shape[1]))
    # one flat loop (LLVM code of a 2-D copy loop grows at every caller's optimisation), through flat
    # iterators: less code than reshaped views (this function is linked into four others), as fast
    bf = b.flat
    af = a.flat
    for i in range(a.size):
        bf[i] = af[i]
    return b


# compiled eagerly for its one signature (cached: it is compiled on import): called with a constant column, a
# lazily compiled function would be specialised for each (Literal[int](0), Literal[int](4): two compiles)
@njit("UniTuple(float64, 4)(float64[:, ::1], int64, int64)", **dict(INNER_JIT, cache=True))
def _row4(a: NDArray[np.float64], k: int, j: int) -> tuple[float, float, float, float]:
    """``a[k, j:j + 4]`` as a tuple (one typed call instead of four array reads: quicker to compile)."""
    return at2(a, k, j), at2(a, k, j + 1), at2(a, k, j + 2), at2(a, k, j + 3)


@njit(**INNER_JIT)
def _argsort(a: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Indices sorting ``a`` (stable: a bucket pass, then insertion sort; O(n) for spread-out keys), and
    ``a`` sorted."""
    n = a.shape[0]
    idx = np.empty(n, np.int64)
    if n == 0:
        return idx, a
    cnt = np.empty(n + 1, np.int64)  # np.empty and loops, not np.zeros: one numpy overload fewer to compile
    set1(cnt, n, 0)
    lo, hi = at1(a, 0), at1(a, 0)
    for i in range(n):
        lo = min(lo, at1(a, i))
        hi = max(hi, at1(a, i))
        set1(cnt, i, 0)
    w = (hi - lo) / n if hi > lo else 1.0
    b = np.empty(n, np.int64)
    for i in range(n):
        bi = min(n - 1, int((at1(a, i) - lo) / w))
        set1(b, i, bi)
        set1(cnt, bi + 1, at1(cnt, bi + 1) + 1)
    for i in range(n):
        set1(cnt, i + 1, at1(cnt, i + 1) + at1(cnt, i))
    k = np.empty(n)
    for i in range(n):
        bi = at1(b, i)
        p = at1(cnt, bi)
        set1(cnt, bi, p + 1)
        set1(idx, p, i)
        set1(k, p, at1(a, i))
    for i in range(1, n):
        v = at1(idx, i)
        kv = at1(k, i)
        j = i
        for _ in range(i):  # (a for loop: a while loop's test is compiled twice, at its top and its end)
            if not at1(k, j - 1) > kv:
                break
            set1(k, j, at1(k, j - 1))
            set1(idx, j, at1(idx, j - 1))
            j -= 1
        set1(k, j, kv)
        set1(idx, j, v)
    return idx, k


@njit(**INNER_JIT)
def _grid(e: NDArray[np.float64], c: float) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Uniform grid of cell ``c`` (mm; 0: about one cell per box, for boxes x0 <= x1, y0 <= y1) over the boxes of
    segments ``e[:, :4]`` (x0, y0, x1, y1): ``(x0, y0, cell, nx, ny)``, CSR starts and segment ids."""
    m = e.shape[0]
    x0 = np.inf
    y0 = np.inf
    x1 = -np.inf
    y1 = -np.inf
    for k in range(m):
        # min/max of two (a min/max of three values is one more numba overload to compile)
        ax, ay, bx, by = _row4(e, k, 0)
        x0, y0 = min(min(x0, ax), bx), min(min(y0, ay), by)
        x1, y1 = max(max(x1, ax), bx), max(max(y1, ay), by)
    if m == 0:  # one empty cell (no segment: every feature of a level inactive)
        x0 = 0.0
        y0 = 0.0
        x1 = 0.0
        y1 = 0.0
    if c <= 0.0:
        w = x1 - x0
        ht = y1 - y0
        ext = max(max(w, ht), 1e-9)
        c = max(math.sqrt(max(w, ext / 64) * max(ht, ext / 64) / max(m, 1)), ext / 1024)
    nx = int((x1 - x0) / c) + 1
    ny = int((y1 - y0) / c) + 1
    span = np.empty((m, 4), np.int64)
    cs = np.empty(nx * ny + 1, np.int64)
    for i in range(nx * ny + 1):
        set1(cs, i, 0)
    for k in range(m):
        ax, ay, bx, by = _row4(e, k, 0)
        set2(span, k, 0, int((min(ax, bx) - x0) / c))
        set2(span, k, 1, int((max(ax, bx) - x0) / c))
        set2(span, k, 2, int((min(ay, by) - y0) / c))
        set2(span, k, 3, int((max(ay, by) - y0) / c))
        for iy in range(at2(span, k, 2), at2(span, k, 3) + 1):
            for ix in range(at2(span, k, 0), at2(span, k, 1) + 1):
                q = iy * nx + ix
                set1(cs, q, at1(cs, q) + 1)
    for i in range(nx * ny):  # cs[i]: the end of cell i's ids, cs[nx * ny] their count
        set1(cs, i + 1, at1(cs, i + 1) + at1(cs, i))
    ids = np.empty(at1(cs, nx * ny), np.int64)
    for k in range(m - 1, -1, -1):  # filled from each cell's end, the last box first: cs[i] becomes the start
        for iy in range(at2(span, k, 2), at2(span, k, 3) + 1):
            for ix in range(at2(span, k, 0), at2(span, k, 1) + 1):
                q = iy * nx + ix
                set1(cs, q, at1(cs, q) - 1)
                set1(ids, at1(cs, q), k)
    geo = np.empty(5)
    set1(geo, 0, x0)
    set1(geo, 1, y0)
    set1(geo, 2, c)
    set1(geo, 3, nx)
    set1(geo, 4, ny)
    return geo, cs, ids


@njit(**INNER_JIT)
def _prep(xy: NDArray[np.float64], starts: NDArray[np.int64]
          ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], float, NDArray[np.float64],
                     NDArray[np.float64]]:
    """Per edge (M, 13): x0, y0, x1, y1, unit right normal (nx, ny), normal of the previous edge, turn at
    the start vertex (rad, left positive), its cosine and sine, next and previous vertex of the ring; and
    the kernel's buffers of vertex arcs (M, 5), no arc yet (n = 0), and of active features (2M,), unset
    (allocated here, not in the kernel: numpy overloads called from the kernel are compiled again); and the
    smallest cell of the kernel's edge grid, mm: a quarter of the reach of the keep-test, at least 1/48 of
    the extent, about two edges per cell (the kernel rebuilds the grid when the reach has moved by more
    than a factor of two); and the result buffers: points (4M + 16, 2), ring starts and levels (16, 2)."""
    m = xy.shape[0]
    e = np.empty((m, 13))
    caps = np.empty((m, 5))
    x0 = np.inf
    y0 = np.inf
    x1 = -np.inf
    y1 = -np.inf
    for q in range(starts.shape[0] - 1):
        s, t = at1(starts, q), at1(starts, q + 1)
        a2 = 0.0  # twice the ring's signed area
        for i in range(s, t):  # (every vertex is on a ring: one loop for the edges, caps and extent)
            set2(caps, i, 0, 0.0)
            x0 = min(x0, at2(xy, i, 0))
            y0 = min(y0, at2(xy, i, 1))
            x1 = max(x1, at2(xy, i, 0))
            y1 = max(y1, at2(xy, i, 1))
            j = i + 1 if i + 1 < t else s
            ex = at2(xy, j, 0) - at2(xy, i, 0)
            ey = at2(xy, j, 1) - at2(xy, i, 1)
            ln = math.hypot(ex, ey)
            set2(e, i, 0, at2(xy, i, 0))
            set2(e, i, 1, at2(xy, i, 1))
            set2(e, i, 2, at2(xy, j, 0))
            set2(e, i, 3, at2(xy, j, 1))
            set2(e, i, 4, ey / ln)
            set2(e, i, 5, -ex / ln)
            set2(e, i, 11, j)
            a2 += at2(xy, i, 0) * at2(xy, j, 1) - at2(xy, j, 0) * at2(xy, i, 1)
        for i in range(s, t):
            p = i - 1 if i > s else t - 1
            set2(e, i, 6, at2(e, p, 4))
            set2(e, i, 7, at2(e, p, 5))
            set2(e, i, 12, p)
            cr = at2(e, p, 4) * at2(e, i, 5) - at2(e, p, 5) * at2(e, i, 4)
            dt = at2(e, p, 4) * at2(e, i, 4) + at2(e, p, 5) * at2(e, i, 5)
            set2(e, i, 8, math.atan2(cr, dt))
            set2(e, i, 9, dt)
            set2(e, i, 10, cr)
        for i in range(s, t):
            if (at2(e, i, 9) < 0) & (abs(at2(e, i, 10)) <= 1e-12):
                # the tip of a spike (the ring turns back): +pi or -pi as the ring's turning adds up, not as
                # the sign of a rounding error says (a zero-width slit into the region turns by -pi)
                p, q = int(at2(e, i, 12)), int(at2(e, i, 11))
                th = math.atan2(at2(e, p, 6) * at2(e, q, 5) - at2(e, p, 7) * at2(e, q, 4),
                                at2(e, p, 6) * at2(e, q, 4) + at2(e, p, 7) * at2(e, q, 5))
                set2(e, i, 8, math.copysign(math.pi, th - at2(e, p, 8) - at2(e, q, 8)))
                set2(e, i, 9, -1.0)
                set2(e, i, 10, 0.0)
        # ... and as the ring's turns add up to 2 pi times its orientation: where the edges before and after a
        # tip are nearly opposite, the turn past it (th) is near +-pi and the rule above takes a rounding error's
        # sign; the tips with th closest to +-pi turn the other way, as many as needed (as
        # offset_reference.fix_tip_turns)
        tot = 0.0
        for i in range(s, t):
            tot += at2(e, i, 8)
        k = math.floor((tot - math.copysign(2.0 * math.pi, a2)) / (2.0 * math.pi) + 0.5)
        for _ in range(t - s):
            if (k == 0.0) | (a2 == 0.0):
                break
            best = -1
            bc = 4.0
            for i in range(s, t):
                if (at2(e, i, 9) == -1.0) & (at2(e, i, 10) == 0.0) & (at2(e, i, 8) * k > 0.0):
                    p, q = int(at2(e, i, 12)), int(at2(e, i, 11))
                    th = math.atan2(at2(e, p, 6) * at2(e, q, 5) - at2(e, p, 7) * at2(e, q, 4),
                                    at2(e, p, 6) * at2(e, q, 4) + at2(e, p, 7) * at2(e, q, 5))
                    if math.pi - abs(th) < bc:
                        bc = math.pi - abs(th)
                        best = i
            if best < 0:
                break
            set2(e, best, 8, -at2(e, best, 8))
            k -= math.copysign(1.0, k)
    w = max(x1 - x0, 1e-9)
    ht = max(y1 - y0, 1e-9)
    base = max(math.sqrt(w * ht / (2 * m + 8)), max(w, ht) / 48.0)
    return e, caps, np.empty(2 * m, np.int64), base, np.empty((4 * m + 16, 2)), np.empty((16, 2))


@njit(**INNER_JIT)
def _result(lv: NDArray[np.float64], nr: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The kernel's ring starts and levels from its buffer ``lv`` (rows: the start of ring q + 1 in column 0
    of row q + 1, the level of ring q in column 1 of row q)."""
    rs = np.empty(nr + 1, np.int64)
    lvl = np.empty(nr, np.int64)
    set1(rs, 0, 0)
    for q in range(nr):
        set1(rs, q + 1, int(at2(lv, q + 1, 0)))
        set1(lvl, q, int(at2(lv, q, 1)))
    return rs, lvl


# ---------------------------------------------------------------------------------------------------
# exact primitives


@njit(**INNER_JIT)
def _nearest(x: float, y: float, thr: float, e: NDArray[np.float64], geo: NDArray[np.float64], cs: NDArray[np.int64],
             ids: NDArray[np.int64]) -> tuple[float, float, float, float, float, float]:
    """The squared distance from (x, y) to the nearest point of the edges ``e[:, :4]`` (the segments, their ends
    included) and that point, then the same for the nearest of those points that is an end (a vertex); each
    distance capped at ``thr**2`` (mm2; the point then (x, y)): (x, y) is at least ``thr`` from every edge when
    the first is ``>= thr**2``. On the grid ``geo, cs, ids`` of their boxes (:func:`_grid`)."""
    gx0 = at1(geo, 0)
    gy0 = at1(geo, 1)
    c = at1(geo, 2)
    nx = int(at1(geo, 3))
    ix0 = max(0, math.floor((x - thr - gx0) / c))
    ix1 = min(nx - 1, math.floor((x + thr - gx0) / c))
    iy0 = max(0, math.floor((y - thr - gy0) / c))
    iy1 = min(int(at1(geo, 4)) - 1, math.floor((y + thr - gy0) / c))
    bd = thr * thr
    be = bd
    bx, by, vx, vy = x, y, x, y
    for iy in range(iy0, iy1 + 1):
        for ix in range(ix0, ix1 + 1):
            cell = iy * nx + ix
            for q in range(at1(cs, cell), at1(cs, cell + 1)):
                ax, ay, ex, ey = _row4(e, at1(ids, q), 0)
                ex -= ax
                ey -= ay
                t = ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)
                end = (t <= 0.0) | (t >= 1.0)
                t = min(max(t, 0.0), 1.0)
                px = ax + t * ex
                py = ay + t * ey
                dd = (px - x) ** 2 + (py - y) ** 2
                if dd < bd:
                    bd, bx, by = dd, px, py
                if end & (dd < be):
                    be, vx, vy = dd, px, py
    return bd, bx, by, be, vx, vy


@njit(**INNER_JIT)
def _isarc(c: int, caps: NDArray[np.float64]) -> bool:
    """Whether primitive ``c`` is a vertex arc (one call instead of the test written out: less code to type)."""
    return (c % 2 == 0) & (at2(caps, c // 2, 0) > 0)  # (&, |: no branch per test, less code than and, or)


@njit(**INNER_JIT)
def _near(c: int, e: NDArray[np.float64]) -> tuple[int, int]:
    """The primitives before and after primitive ``c`` along its ring."""
    v = c // 2
    if c % 2 == 1:
        return c - 1, 2 * int(at2(e, v, 11))
    return 2 * int(at2(e, v, 12)) + 1, c + 1


@njit(**INNER_JIT)
def _line(c: int, e: NDArray[np.float64], d: float) -> tuple[float, float, float, float]:
    """End points of line primitive ``c`` (a moved edge or a connector)."""
    v = c // 2
    x0, y0, x1, y1 = _row4(e, v, 0)
    nx, ny, mx, my = _row4(e, v, 4)  # the edge's normal, the previous edge's
    if c % 2 == 1:
        return x0 + d * nx, y0 + d * ny, x1 + d * nx, y1 + d * ny
    return x0 + d * mx, y0 + d * my, x0 + d * nx, y0 + d * ny


@njit(**INNER_JIT)
def _prim_at(px: float, py: float, f: int, e: NDArray[np.float64], caps: NDArray[np.float64], d: float) -> int:
    """Primitive under (px, py) on a raw segment of feature ``f``: a segment along moved edge ``v`` runs on
    into the first and last facets of the arcs at its ends."""
    if f % 2 == 0:
        return f
    v = f // 2
    ax, ay, bx, by = _line(f, e, d)
    wx = bx - ax
    wy = by - ay
    s = ((px - ax) * wx + (py - ay) * wy) / (wx * wx + wy * wy)
    w = int(at2(e, v, 11))
    if (s < 0.0) & (at2(caps, v, 0) > 0):
        return 2 * v
    if (s > 1.0) & (at2(caps, w, 0) > 0):
        return 2 * w
    return f


@njit(**INNER_JIT)
def _on(c: int, x: float, y: float, e: NDArray[np.float64], caps: NDArray[np.float64], d: float) -> bool:
    """Whether (x, y), a point of primitive ``c``'s line or circle, lies within its extent."""
    v = c // 2
    r = abs(d)
    if _isarc(c, caps):
        sg = math.copysign(1.0, d)  # d != 0
        qx, qy = x - at2(e, v, 0), y - at2(e, v, 1)
        t = math.copysign(1.0, at2(e, v, 8))  # an arc: turn != 0
        nx, ny, mx, my = _row4(e, v, 4)
        return ((t * (sg * mx * qy - sg * my * qx) >= -1e-9 * r)
                & (t * (qx * sg * ny - qy * sg * nx) >= -1e-9 * r))
    ax, ay, bx, by = _line(c, e, d)
    wx = bx - ax
    wy = by - ay
    ll = wx * wx + wy * wy
    s = ((x - ax) * wx + (y - ay) * wy) / ll if ll > 0 else -1.0
    return (-1e-9 <= s) & (s <= 1.0 + 1e-9)


@njit(**INNER_JIT)
def _twins(c1: int, c2: int, px: float, py: float, e: NDArray[np.float64], caps: NDArray[np.float64], d: float,
           tol: float) -> tuple[float, float, bool]:
    """Where the primitives of a micro-step in an edge cross (vertices less than ``tol`` apart) and do not meet:
    their circles nearly coincide, or a line nearly touches a circle, so their exact meeting is ill-conditioned
    (missing here, and a neighbour's meeting taken instead may lie at another crossing).

    Two arcs about centres within ``tol``: their circles stay that close everywhere; the raw crossing (px, py)
    moved along the ray from one centre to distance ``|d|`` from it (the centre whose point is farther from the
    other). An arc and a line with an end at a vertex within ``tol`` of the arc's centre: the line touches that
    vertex's circle there, nearly the arc's; that end (the nearer to (px, py) if both qualify). Third value False
    (and (px, py)) for anything else."""
    a1 = _isarc(c1, caps)
    a2 = _isarc(c2, caps)
    if not (a1 | a2):
        return px, py, False
    ca = c1 if a1 else c2
    co = c2 if a1 else c1
    ux, uy = at2(e, ca // 2, 0), at2(e, ca // 2, 1)
    r = abs(d)
    bx, by, bm = px, py, -1.0
    if a1 & a2:
        vx, vy = at2(e, co // 2, 0), at2(e, co // 2, 1)
        if not math.hypot(vx - ux, vy - uy) <= tol:
            return px, py, False
        for k in range(2):
            cx, cy = (ux, uy) if k == 0 else (vx, vy)
            q = math.hypot(px - cx, py - cy)
            if q > 0:
                x, y = cx + r * (px - cx) / q, cy + r * (py - cy) / q
                m = min(math.hypot(x - ux, y - uy), math.hypot(x - vx, y - vy))
                if m > bm:
                    bx, by, bm = x, y, m
        return bx, by, True
    ax, ay, zx, zy = _line(co, e, d)
    v = co // 2
    found = False
    bd = math.inf
    for k in range(2):  # the line's start is at vertex v; its end at the next vertex (a moved edge) or v
        if k == 0:
            wx, wy, x, y = at2(e, v, 0), at2(e, v, 1), ax, ay
        elif co % 2 == 1:
            wx, wy, x, y = at2(e, v, 2), at2(e, v, 3), zx, zy
        else:
            wx, wy, x, y = at2(e, v, 0), at2(e, v, 1), zx, zy
        dd = math.hypot(x - px, y - py)
        if (math.hypot(wx - ux, wy - uy) <= tol) & (dd < bd):
            bx, by, bd, found = x, y, dd, True
    return bx, by, found


@njit(**INNER_JIT)
def _meet(c1: int, c2: int, px: float, py: float, e: NDArray[np.float64], caps: NDArray[np.float64], d: float,
          gap: float) -> tuple[float, float, float]:
    """Exact meeting point of primitives ``c1`` and ``c2`` nearest (px, py) within both extents, and its
    squared distance from (px, py) (inf when they do not meet).

    With ``gap > 0`` (``2 tol``), instead: where an arc primitive and another one pass closest, when they do
    not meet there and pass less than ``gap`` apart (their flattened curves may cross), the middle of that
    gap, if within both extents (written here, not in a function of its own: the arc's and the line's
    set-up is shared)."""
    r = abs(d)
    a1 = _isarc(c1, caps)
    a2 = _isarc(c2, caps)
    x0, y0, x1, y1 = 0.0, 0.0, 0.0, 0.0  # up to two candidate points
    nc = 0
    if a1 & a2:
        ux, uy = at2(e, c1 // 2, 0), at2(e, c1 // 2, 1)
        wx, wy = at2(e, c2 // 2, 0) - ux, at2(e, c2 // 2, 1) - uy
        if gap > 0:
            g = math.hypot(wx, wy) - 2.0 * r
            if (0.0 <= g) & (g <= gap):
                x0, y0 = 0.5 * (ux + at2(e, c2 // 2, 0)), 0.5 * (uy + at2(e, c2 // 2, 1))
                nc = 1
        else:
            dd = wx * wx + wy * wy
            h2 = r * r - 0.25 * dd
            if (dd > 0) & (h2 >= 0):
                h = math.sqrt(h2 / dd)
                mx, my = ux + 0.5 * wx, uy + 0.5 * wy
                x0 = mx - h * wy
                y0 = my + h * wx
                x1 = mx + h * wy
                y1 = my - h * wx
                nc = 2
    elif a1 | a2:
        ca = c1  # the arc and the line
        cl = c2
        if a2:
            ca = c2
            cl = c1
        ux, uy = at2(e, ca // 2, 0), at2(e, ca // 2, 1)
        ax, ay, bx, by = _line(cl, e, d)
        wx, wy = bx - ax, by - ay
        ll = wx * wx + wy * wy
        if ll > 0:
            t0 = ((ux - ax) * wx + (uy - ay) * wy) / ll
            fx, fy = ax + t0 * wx, ay + t0 * wy  # the foot of the arc's centre on the line
            if gap > 0:
                dd = math.hypot(fx - ux, fy - uy)
                g = dd - r
                if (0.0 <= t0) & (t0 <= 1.0) & (dd > 0) & (0.0 <= g) & (g <= gap):
                    x0, y0 = fx + 0.5 * g * (ux - fx) / dd, fy + 0.5 * g * (uy - fy) / dd
                    nc = 1
            else:
                fx = fx - ux
                fy = fy - uy
                h2 = (r * r - fx * fx - fy * fy) / ll
                if h2 >= 0:
                    h = math.sqrt(h2)
                    x0, y0 = ax + (t0 - h) * wx, ay + (t0 - h) * wy
                    x1, y1 = ax + (t0 + h) * wx, ay + (t0 + h) * wy
                    nc = 2
    elif gap <= 0:
        ax, ay, bx, by = _line(c1, e, d)
        qx, qy, sx, sy = _line(c2, e, d)
        rx = bx - ax
        ry = by - ay
        sx = sx - qx
        sy = sy - qy
        den = rx * sy - ry * sx
        if den != 0:
            t = ((qx - ax) * sy - (qy - ay) * sx) / den
            x0, y0 = ax + t * rx, ay + t * ry
            nc = 1
    bx, by, bd = px, py, np.inf
    for k in range(nc):
        x = (x0, x1)[k]
        y = (y0, y1)[k]
        dx = x - px
        dy = y - py
        dd = dx * dx + dy * dy
        if dd < bd and _on(c1, x, y, e, caps, d) and _on(c2, x, y, e, caps, d):
            bx, by, bd = x, y, dd
    return bx, by, bd


@njit(**INNER_JIT)
def _ang(v: int, x: float, y: float, e: NDArray[np.float64], d: float) -> float:
    """Angle of (x, y) along vertex ``v``'s arc from its start, in [0, |turn|]."""
    sg = math.copysign(1.0, d)  # d != 0
    qx, qy = x - at2(e, v, 0), y - at2(e, v, 1)
    t = math.copysign(1.0, at2(e, v, 8))  # an arc: turn != 0
    nx, ny, mx, my = _row4(e, v, 4)
    a = math.atan2(t * sg * (mx * qy - my * qx), sg * (mx * qx + my * qy))
    return min(max(a, 0.0), abs(at2(e, v, 8)))


@njit(**INNER_JIT)
def _arc(v: int, a0: float, a1: float, e: NDArray[np.float64], d: float, tol: float, out: NDArray[np.float64],
         no: int) -> tuple[NDArray[np.float64], int]:
    """Corners of the polygon circumscribed about vertex ``v``'s arc from angle ``a0`` to ``a1`` (< 0: its
    end), facets within ``tol`` of the arc, appended to ``out``."""
    r = abs(d)
    if a1 < 0:
        a1 = abs(at2(e, v, 8))
    if (a1 - a0) * r <= 1e-9:
        return out, no
    n = max(1, math.ceil((a1 - a0) / (2.0 * math.acos(r / (r + tol))) - 1e-12))
    h = 0.5 * (a1 - a0) / n
    sg = math.copysign(1.0, d)  # d != 0
    t = math.copysign(1.0, at2(e, v, 8))  # an arc: turn != 0
    ux, uy = sg * at2(e, v, 6), sg * at2(e, v, 7)
    rr = r / math.cos(h)
    out = _grow(out, no + n)
    th = t * (a0 + h)
    ct, st = math.cos(th), math.sin(th)
    fx, fy = rr * (ux * ct - uy * st), rr * (ux * st + uy * ct)  # the first corner, then turned by 2h
    c2, s2 = math.cos(2.0 * h), t * math.sin(2.0 * h)
    for _ in range(n):
        set2(out, no, 0, at2(e, v, 0) + fx)
        set2(out, no, 1, at2(e, v, 1) + fy)
        fx, fy = fx * c2 - fy * s2, fx * s2 + fy * c2
        no += 1
    return out, no
