"""Crossings of the raw offset curve (Numba, part of :mod:`toolpath.kernels.offset_kernel`).

All raw segments are cut at their mutual intersections, found on a uniform grid. Where both segments go
through a crossing, its point is moved to where the exact curves under them meet (arcs, not their
flattened facets: :func:`toolpath.kernels.offset_base._meet`), so the result's vertices at meeting curves
are exact; a crossing at a segment's end stays at that raw point. Units: mm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import int64, njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2
from .offset_base import (
    INNER_JIT,
    KEEP_EPS_MM,
    SNAP_MM,
    _argsort,
    _grid,
    _grow,
    _isarc,
    _meet,
    _near,
    _nearest,
    _prim_at,
    _row4,
    _twins,
)

__all__: list[str] = []


@njit(**INNER_JIT)
def _row(sp: NDArray[np.float64], ns: int, seg: int, t: float, px: float, py: float, c: int, f: float, qx: float,
         qy: float) -> None:
    """Row ``ns`` of split points (see :func:`_crossings`)."""
    set2(sp, ns, 0, seg)
    set2(sp, ns, 1, t)
    set2(sp, ns, 2, px)
    set2(sp, ns, 3, py)
    set2(sp, ns, 4, c)
    set2(sp, ns, 5, f)
    set2(sp, ns, 6, qx)
    set2(sp, ns, 7, qy)


@njit(**INNER_JIT, locals=dict(raw=int64))
def _end(sp: NDArray[np.float64], ns: int, tgt: int, own: int, ax: float, ay: float, rx: float, ry: float, li: float,
         ee: float, px: float, py: float, ot: float, pf: NDArray[np.int64], e: NDArray[np.float64],
         caps: NDArray[np.float64], d: float) -> int:
    """End (px, py) at ``ot`` (0 or 1) of segment ``own``, collinear with segment ``tgt`` (from (ax, ay) along
    (rx, ry), length ``li``): when it lies inside ``tgt`` (farther than ``ee`` in t from its ends), both are
    split there (rows ``ns``, ``ns + 1``); returns the new row count."""
    tt = ((px - ax) * rx + (py - ay) * ry) / (li * li)
    if (ee < tt) & (tt < 1.0 - ee):
        raw = -1  # no primitive: at a raw point (declared int64: one compiled signature of _row)
        _row(sp, ns, tgt, tt, px, py, _prim_at(px, py, at1(pf, tgt), e, caps, d), 1.0, px, py)
        _row(sp, ns + 1, own, ot, px, py, raw, 0.0, px, py)
        return ns + 2
    return ns


@njit(**INNER_JIT, locals=dict(m=int64, ns=int64))
def _crossings(pts: NDArray[np.float64], nxt: NDArray[np.int64], pf: NDArray[np.int64], e: NDArray[np.float64],
               caps: NDArray[np.float64], d: float, tol: float, geo: NDArray[np.float64], cs: NDArray[np.int64],
               ids: NDArray[np.int64]) -> NDArray[np.float64]:
    """Split points (S, 8), sorted by segment then t (rows: segment, t, x, y on the raw curve, primitive there
    (-1 at a raw point), 1 where the segment is crossed inside (2 when the exact meeting found was closer than
    ``|d|`` to some edge: then the raw crossing stands; 3 when it lies farther than ``tol`` from the raw
    crossing, or none was found for an arc), x, y where the exact curves meet). Segment ``i`` runs
    from ``pts[i]`` to ``pts[nxt[i]]`` (none when -1). A crossing at a segment's end is recorded on it at t = 0
    or 1. ``geo, cs, ids``: the grid of the edges (:func:`toolpath.kernels.offset_base._grid`).

    Pairs are found on a uniform grid of about one cell per segment; a pair is tested in the cell holding
    the lower-left corner of the overlap of its boxes (grown by ``SNAP_MM``). The test of a pair is written
    out here, not in a function of its own: a callee's code is linked into, optimised and compiled again in
    every library above it (with the pair test a function, it and all it calls were compiled once more)."""
    n = pts.shape[0]
    bb = np.empty((n, 4))  # box of each segment: min x, min y, max x, max y (rows bb[:m])
    sid = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        j = at1(nxt, i)
        if j >= 0:
            ax = at2(pts, i, 0)
            ay = at2(pts, i, 1)
            bx = at2(pts, j, 0)
            by = at2(pts, j, 1)
            set2(bb, m, 0, min(ax, bx) - SNAP_MM)  # grown by the tolerance of the pair test (collinear
            set2(bb, m, 1, min(ay, by) - SNAP_MM)  # segments 1e-16 mm apart, a crossing within it of an end)
            set2(bb, m, 2, max(ax, bx) + SNAP_MM)
            set2(bb, m, 3, max(ay, by) + SNAP_MM)
            set1(sid, m, i)
            m += 1
    bb = bb[:m]
    sgeo, scs, sids = _grid(bb, 0.0)  # about one cell per segment
    gx0 = at1(sgeo, 0)
    gy0 = at1(sgeo, 1)
    c = at1(sgeo, 2)
    gnx = int(at1(sgeo, 3))
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    lim = min(100.0 * tol, 2.0 * abs(d))  # how far an exact meeting may lie from the raw crossing, mm
    lim2 = lim * lim
    sp = np.empty((max(16, n // 4), 8))
    ns = 0
    for cell in range(scs.shape[0] - 1):
        for pa in range(at1(scs, cell), at1(scs, cell + 1)):
            a = at1(sids, pa)
            for pb in range(pa + 1, at1(scs, cell + 1)):
                b = at1(sids, pb)
                ax0, ay0, ax1, ay1 = _row4(bb, a, 0)
                bx0, by0, bx1, by1 = _row4(bb, b, 0)
                lx = max(ax0, bx0)
                ly = max(ay0, by0)
                if (lx > min(ax1, bx1)) | (ly > min(ay1, by1)):
                    continue
                if int((ly - gy0) / c) * gnx + int((lx - gx0) / c) != cell:
                    continue
                i, j = at1(sid, a), at1(sid, b)
                ni, nj = at1(nxt, i), at1(nxt, j)
                if ((j == ni) | (i == nj)) and (
                        (at2(pts, ni, 0) - at2(pts, i, 0)) * (at2(pts, nj, 0) - at2(pts, j, 0))
                        + (at2(pts, ni, 1) - at2(pts, i, 1)) * (at2(pts, nj, 1) - at2(pts, j, 1))) > 0:
                    continue  # neighbours going on (not folding back) meet only at their shared point
                # split points of segments i -> ni and j -> nj appended to sp
                ax = at2(pts, i, 0)
                ay = at2(pts, i, 1)
                ix1 = at2(pts, ni, 0)
                iy1 = at2(pts, ni, 1)
                rx = ix1 - ax
                ry = iy1 - ay
                bx = at2(pts, j, 0)
                by = at2(pts, j, 1)
                jx1 = at2(pts, nj, 0)
                jy1 = at2(pts, nj, 1)
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
                    # parallel: when collinear, each is split at the other's ends lying inside it, and there at
                    # its own end too
                    if abs(wx * ry - wy * rx) > SNAP_MM * li:
                        continue
                    ns = _end(sp, ns, i, j, ax, ay, rx, ry, li, et, bx, by, 0.0, pf, e, caps, d)  # ends of j on i
                    ns = _end(sp, ns, i, j, ax, ay, rx, ry, li, et, jx1, jy1, 1.0, pf, e, caps, d)
                    ns = _end(sp, ns, j, i, bx, by, sx, sy, lj, eu, ax, ay, 0.0, pf, e, caps, d)  # ends of i on j
                    ns = _end(sp, ns, j, i, bx, by, sx, sy, lj, eu, ix1, iy1, 1.0, pf, e, caps, d)
                    continue
                t = (wx * sy - wy * sx) / den
                u = (wx * ry - wy * rx) / den
                # (| and & of bools: no branch per test, less code than or/and)
                if (t < -et) | (t > 1.0 + et) | (u < -eu) | (u > 1.0 + eu):
                    continue
                end_i = (t <= et) | (t >= 1.0 - et)
                end_j = (u <= eu) | (u >= 1.0 - eu)
                if end_i & end_j & ((j == ni) | (i == nj)):
                    continue  # neighbours on one ring meeting at their shared point
                ci, cj = -1, -1
                qx, qy = 0.0, 0.0
                fl = 1.0  # the crossing flag: 2, 3 below (see the docstring)
                if end_i:
                    if t <= et:
                        px = ax
                        py = ay
                    else:
                        px = ix1
                        py = iy1
                    t = 0.0 + (t > et)
                elif end_j:
                    if u <= eu:
                        px = bx
                        py = by
                    else:
                        px = jx1
                        py = jy1
                else:
                    px, py = ax + t * rx, ay + t * ry
                    # where the exact curves under the crossing meet: the raw crossing when both are lines; else
                    # the nearest meeting of their primitives when closer than lim; where they do not meet and
                    # belong to vertices within tol of each other (a micro-step), the point _twins gives; or else
                    # the nearest meeting of the primitives next to them; else, where the two pass each other
                    # less than 2 tol apart, the middle of that gap (_meet with gap); else the raw crossing
                    ci = _prim_at(px, py, at1(pf, i), e, caps, d)
                    cj = _prim_at(px, py, at1(pf, j), e, caps, d)
                    ci0, cj0 = ci, cj  # the primitives under the raw crossing
                    qx, qy = px, py
                    if _isarc(ci, caps) | _isarc(cj, caps):  # (else two lines: the raw crossing is exact)
                        qx, qy, bd = _meet(ci, cj, px, py, e, caps, d, 0.0)
                        if not bd < lim2:
                            qx, qy, twin = _twins(ci, cj, px, py, e, caps, d, tol)
                            if twin:
                                bd = 0.0
                        if not bd < lim2:  # the primitives under the crossing do not meet near it
                            qx = px
                            qy = py
                            bi = ci
                            bj = cj
                            bd = lim2
                            # the primitives before and after ci and cj along their rings
                            pvi, nxi = _near(ci, e)
                            pvj, nxj = _near(cj, e)
                            for h in range(1, 9):  # ci, its predecessor, its successor against cj, ... (not ci, cj)
                                p = (ci, pvi, nxi)[h // 3]
                                q = (cj, pvj, nxj)[h % 3]
                                pp, pn = _near(p, e)
                                if (p == q) | (q == pp) | (q == pn):
                                    continue  # primitives next to each other meet only at their shared end
                                x, y, dd = _meet(p, q, px, py, e, caps, d, 0.0)
                                if dd < bd:
                                    qx = x
                                    qy = y
                                    bi = p
                                    bj = q
                                    bd = dd
                            if bd == lim2:  # no meeting: a neck just closing, the flattened curves cross in its gap
                                x, y, dd = _meet(ci, cj, px, py, e, caps, d, 2.0 * tol)
                                if dd < bd:
                                    qx = x
                                    qy = y
                            ci = bi
                            cj = bj
                        if ((qx != px) | (qy != py)) and (_nearest(qx, qy, thr, e, geo, cs, ids)[0] < thr * thr):
                            qx = px  # the raw crossing stands, with the primitives under it
                            qy = py
                            fl = 2.0
                            ci, cj = ci0, cj0
                        elif ((qx == px) & (qy == py)) | ((qx - px) * (qx - px) + (qy - py) * (qy - py) > tol * tol):
                            fl = 3.0  # no exact meeting, or one far from the raw crossing: the arcs next to it are
                            # checked when written
                if end_i | end_j:
                    qx, qy = px, py
                if end_j:
                    u = 0.0 + (u > eu)
                if end_i != end_j:
                    if end_i:
                        cj = _prim_at(px, py, at1(pf, j), e, caps, d)
                    else:
                        ci = _prim_at(px, py, at1(pf, i), e, caps, d)
                _row(sp, ns, i, t, px, py, ci, fl * (not end_i), qx, qy)
                _row(sp, ns + 1, j, u, px, py, cj, fl * (not end_j), qx, qy)
                ns += 2
    # split points closer than SNAP_MM (near-concurrent crossings) become one point
    # sort keys: x, and segment then t (columns 0, 1: not changed by the merging), in one loop (each loop of
    # this kind is vectorised by LLVM: code to compile)
    key = np.empty(ns)
    key2 = np.empty(ns)
    for i in range(ns):
        set1(key, i, at2(sp, i, 2))
        set1(key2, i, at2(sp, i, 0) * 4.0 + at2(sp, i, 1))
    xo, _ = _argsort(key)
    for a in range(ns):
        ia = at1(xo, a)
        for b in range(a + 1, ns):
            ib = at1(xo, b)
            if at2(sp, ib, 2) - at2(sp, ia, 2) > SNAP_MM:
                break
            if abs(at2(sp, ib, 3) - at2(sp, ia, 3)) <= SNAP_MM:
                set2(sp, ib, 2, at2(sp, ia, 2))
                set2(sp, ib, 3, at2(sp, ia, 3))
                set2(sp, ib, 6, at2(sp, ia, 6))
                set2(sp, ib, 7, at2(sp, ia, 7))
    for a in range(ns):
        # crossings at one point (three raw curves or more): when the exact meeting of one pair was not clear,
        # all take the raw point (flag 2) and the primitives under it, whichever pair came first (a row flagged
        # 2 too: the merging above may have given it another row's exact point)
        ia = at1(xo, a)
        for b in range(a + 1, ns):
            ib = at1(xo, b)
            if at2(sp, ib, 2) - at2(sp, ia, 2) > 4.0 * SNAP_MM:
                break
            if ((at2(sp, ib, 2) == at2(sp, ia, 2)) & (at2(sp, ib, 3) == at2(sp, ia, 3)) & (at2(sp, ia, 5) > 0)
                    & (at2(sp, ib, 5) > 0) & ((at2(sp, ia, 5) == 2.0) | (at2(sp, ib, 5) == 2.0))):
                for q in (ia, ib):
                    set2(sp, q, 4, _prim_at(at2(sp, q, 2), at2(sp, q, 3), at1(pf, int(at2(sp, q, 0))), e, caps, d))
                    set2(sp, q, 5, 2.0)
                    set2(sp, q, 6, at2(sp, q, 2))
                    set2(sp, q, 7, at2(sp, q, 3))
    so, _ = _argsort(key2)
    out = np.empty((ns, 8))
    for i in range(ns):
        for j in range(8):
            set2(out, i, j, at2(sp, at1(so, i), j))
    return out
