"""Trimming of the raw offset curve (Numba, part of :mod:`toolpath.kernels.offset_kernel`): the keep-test
of a point against every edge's flattened offset and the asked side, and the kept runs of the raw chains.
Units: mm."""

from __future__ import annotations

import math

import numpy as np
from numba import boolean, int64, njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2
from .offset_base import INNER_JIT, KEEP_EPS_MM, _row4

__all__: list[str] = []


@njit(**INNER_JIT)
def _av(v: int, caps: NDArray[np.float64]) -> int:
    """``v`` when vertex ``v`` has an arc, else -1."""
    if at2(caps, v, 0) > 0:
        return v
    return -1


@njit(**INNER_JIT)
def _tag(row: NDArray[np.float64], po: NDArray[np.int64], nxt: NDArray[np.int64], caps: NDArray[np.float64]
         ) -> tuple[int, int]:
    """Arc under a split point (its vertex, -1 on a line) and its crossing flag: 1 or more when it is a crossing
    inside the segment (2 when its exact meeting was not clear: the raw crossing stands; 3 when the arcs next to
    it are to be checked, see :func:`toolpath.kernels.offset_cross._crossings`), 0 at a raw point (then the arc of
    the raw point's vertex)."""
    if at1(row, 5) > 0:
        c = int(at1(row, 4))
        f = int(at1(row, 5))  # 1, 2 or 3 (see above)
        if c % 2 == 0:  # c = -1 (none) is odd
            return _av(c // 2, caps), f
        return -1, f
    s = int(at1(row, 0))
    v = at1(po, s) if at1(row, 1) == 0.0 else at1(po, at1(nxt, s))
    return _av(v, caps), 0


@njit(**INNER_JIT, locals=dict(fail=boolean, p=int64, nrp=int64, nrun=int64, h=int64, hint=int64,
                                 crossings=int64))
def _rings(pts: NDArray[np.float64], cst: NDArray[np.int64], nxt: NDArray[np.int64], pf: NDArray[np.int64],
           po: NDArray[np.int64], sp: NDArray[np.float64], e: NDArray[np.float64], caps: NDArray[np.float64],
           d: float, tol: float, geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64]
           ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], bool, NDArray[np.int64]]:
    """Kept runs of the raw chains: points (P, 2), each run as (start, end (exclusive), arc and crossing flag
    of its first point, arc and crossing flag of its last point) (see :func:`_tag`; the arc of every other
    point is ``rarc``), and whether a run at an open chain's end was kept (the chains missed a feature:
    recompute with all), and the features of kept runs (``mark``, (2M,)).

    Returns
    -------
    rp, rarc, runs (R, 6), fail, mark
    """
    r = abs(d)
    thr = max(r - KEEP_EPS_MM, 0.0)
    sg = math.copysign(1.0, d)  # d != 0
    reach = (r + tol) * 1.001 + 1e-9
    reach2 = reach * reach
    gx0 = at1(geo, 0)  # the edge grid of the keep-test
    gy0 = at1(geo, 1)
    c = at1(geo, 2)
    nx = int(at1(geo, 3))
    ny = int(at1(geo, 4))
    ns = sp.shape[0]
    npt = pts.shape[0]
    nch = cst.shape[0] - 1
    nb = npt + 2 * ns + nch + 16
    rp = np.empty((nb, 4))  # x, y on the raw curve, x, y to write
    rseg = np.empty(nb, np.int64)
    rarc = np.empty(nb, np.int64)
    runs = np.empty((ns + nch + 1, 6), np.int64)
    mark = np.empty(2 * e.shape[0], np.int64)  # flags
    for i in range(mark.shape[0]):
        set1(mark, i, 0)
    nrun = 0
    nrp = 0
    p = 0
    hint = -1  # an edge whose offset held the last test point (declared int64)
    fail = False
    for q in range(nch):
        a, b = at1(cst, q), at1(cst, q + 1)
        if b - a < 2:
            continue
        closed = at1(nxt, b - 1) >= 0
        k0 = p
        for _ in range(p, ns):  # (a for loop: a while loop's test is compiled twice)
            if int(at2(sp, p, 0)) >= b:
                break
            p += 1
        kn = p - k0
        nruns = max(kn, 1) if closed else kn + 1
        cut = closed & (kn > 0)
        for k in range(nruns):
            # a closed chain with splits: run k from split k to split k + 1; else from the chain's start or
            # split k - 1 to split k or the chain's end (a closed chain without splits: from its first point
            # round to it again, over its last segment)
            k1 = k0 + k - 1 + cut
            k2 = k0 + ((k + 1) % kn if cut else k)
            wrap = cut & (k + 1 >= kn)
            if k1 >= k0:
                s1 = int(at2(sp, k1, 0))
                x1 = at2(sp, k1, 2)
                y1 = at2(sp, k1, 3)
                set2(rp, nrp, 2, at2(sp, k1, 6))
                set2(rp, nrp, 3, at2(sp, k1, 7))
                ta, tf = _tag(sp[k1], po, nxt, caps)
            else:
                s1 = a
                x1, y1 = at2(pts, a, 0), at2(pts, a, 1)
                set2(rp, nrp, 2, x1)
                set2(rp, nrp, 3, y1)
                ta, tf = _av(at1(po, a), caps), 0
            if cut | (k < kn):
                s2 = int(at2(sp, k2, 0))
                x2, y2 = at2(sp, k2, 2), at2(sp, k2, 3)
                ua, uf = _tag(sp[k2], po, nxt, caps)
            else:
                s2 = b - 2 + closed  # the last segment, ending at the chain's last point (closed: its first)
                j = at1(nxt, s2)
                x2, y2 = at2(pts, j, 0), at2(pts, j, 1)
                ua, uf = _av(at1(po, j), caps), 0
            beg = nrp
            set2(rp, nrp, 0, x1)
            set2(rp, nrp, 1, y1)
            set1(rseg, nrp, s1)
            set1(rarc, nrp, -1)
            nrp += 1
            if wrap | (s2 != s1):
                j = s1
                while True:
                    j = at1(nxt, j)
                    if (at2(pts, j, 0) != at2(rp, nrp - 1, 0)) | (at2(pts, j, 1) != at2(rp, nrp - 1, 1)):
                        x = at2(pts, j, 0)
                        y = at2(pts, j, 1)
                        set2(rp, nrp, 0, x)
                        set2(rp, nrp, 2, x)
                        set2(rp, nrp, 1, y)
                        set2(rp, nrp, 3, y)
                        set1(rarc, nrp, _av(at1(po, j), caps))
                        nrp += 1
                    set1(rseg, nrp - 1, j)
                    if j == s2:
                        break
            if (x2 != at2(rp, nrp - 1, 0)) | (y2 != at2(rp, nrp - 1, 1)) | (closed & (kn == 0)):
                set2(rp, nrp, 0, x2)
                set2(rp, nrp, 1, y2)
                set2(rp, nrp, 2, x2)
                set2(rp, nrp, 3, y2)
                set1(rseg, nrp, -1)
                nrp += 1
            if nrp - beg < 2:
                nrp = beg
                continue
            best, mx, my = -1.0, 0.0, 0.0
            for i in range(beg, nrp - 1):
                dx = at2(rp, i + 1, 0) - at2(rp, i, 0)
                dy = at2(rp, i + 1, 1) - at2(rp, i, 1)
                ll = dx * dx + dy * dy
                if ll > best:
                    best = ll
                    mx = 0.5 * (at2(rp, i, 0) + at2(rp, i + 1, 0))
                    my = 0.5 * (at2(rp, i, 1) + at2(rp, i + 1, 1))
            # the keep-test of (mx, my), h: -1 when it is outside every edge's flattened offset and on the asked
            # side (sg < 0: inside); else an edge whose offset holds it (hint is tried first), or e.shape[0] for
            # the wrong side (here, not in a function of its own: its code would be compiled once more)
            h = -2  # no edge found yet
            ix0 = max(0, math.floor((mx - reach - gx0) / c))
            ix1 = min(nx - 1, math.floor((mx + reach - gx0) / c))
            iy0 = max(0, math.floor((my - reach - gy0) / c))
            iy1 = min(ny - 1, math.floor((my + reach - gy0) / c))
            wx = max(ix1 - ix0 + 1, 0)
            nw = wx * max(iy1 - iy0 + 1, 0)
            for w in range(-1, nw):  # the hint first, then the cells within reach
                if w < 0:
                    if hint < 0:
                        continue
                    qlo, qhi = 0, 1
                else:
                    iy = iy0 + w // wx
                    ix = ix0 + w % wx
                    cell = iy * nx + ix
                    qlo, qhi = at1(cs, cell), at1(cs, cell + 1)
                    if qlo == qhi:
                        continue
                    dy = max(max(gy0 + iy * c - my, 0.0), my - (gy0 + (iy + 1) * c))
                    dx = max(max(gx0 + ix * c - mx, 0.0), mx - (gx0 + (ix + 1) * c))
                    if dx * dx + dy * dy >= reach2:
                        continue
                for qe in range(qlo, qhi):
                    # is (mx, my) inside the flattened offset of edge ke: closer than thr to its interior, or
                    # inside the cap of its start vertex (the circumscribed polygon of its arc, within the arc's
                    # sector)?
                    ke = hint if w < 0 else at1(ids, qe)
                    while True:  # one pass; break = not inside, or h set
                        ax0, ay0, ax1, ay1 = _row4(e, ke, 0)
                        nc = int(at2(caps, ke, 0))
                        big = thr / at2(caps, ke, 1) if nc > 0 else thr
                        if ((min(ax0, ax1) - mx > big) | (mx - max(ax0, ax1) > big) | (min(ay0, ay1) - my > big)
                                | (my - max(ay0, ay1) > big)):
                            break
                        ex = ax1 - ax0
                        ey = ay1 - ay0
                        qx = mx - ax0
                        qy = my - ay0
                        t = (qx * ex + qy * ey) / (ex * ex + ey * ey)
                        if (0.0 < t) & (t < 1.0):  # (&, |: no branch per test, less code than and, or)
                            dx = ax0 + t * ex - mx
                            dy = ay0 + t * ey - my
                            if dx * dx + dy * dy < thr * thr:
                                h = ke
                                break
                        if (nc == 0) | (qx * qx + qy * qy >= big * big):
                            break
                        nx_, ny_, mx_, my_ = _row4(e, ke, 4)
                        u0x = sg * mx_
                        u0y = sg * my_
                        u1x = sg * nx_
                        u1y = sg * ny_
                        # within the sector: on the turn's side of both ends
                        side = 1.0 if at2(caps, ke, 2) > 0 else -1.0
                        if ((u0x * qy - u0y * qx) * side < 0.0) | ((qx * u1y - qy * u1x) * side < 0.0):
                            break
                        c2 = at2(caps, ke, 3)
                        sn2 = at2(caps, ke, 4)
                        fx = u0x
                        fy = u0y
                        inside = True
                        for _ in range(nc + 1):
                            if qx * fx + qy * fy >= thr:
                                inside = False
                                break
                            fx, fy = fx * c2 - fy * sn2, fx * sn2 + fy * c2
                        if inside:
                            h = ke
                        break
                    if h >= 0:
                        break
                if h >= 0:
                    break
            if h < 0:
                # crossing number along the shorter of +x and -x, each crossing counted in the cell that holds it
                crossings = 0
                iy = math.floor((my - gy0) / c)
                if 0 <= iy < ny:
                    ixp = min(nx - 1, max(0, math.floor((mx - gx0) / c)))
                    right = ixp >= nx // 2
                    lo = ixp * right  # right: ixp to nx; else 0 to ixp + 1
                    hi = ixp + 1 + (nx - ixp - 1) * right
                    for ix in range(lo, hi):
                        cell = iy * nx + ix
                        for qe in range(at1(cs, cell), at1(cs, cell + 1)):
                            ke = at1(ids, qe)
                            xa, ya0, xb, ya1 = _row4(e, ke, 0)
                            if (ya0 > my) != (ya1 > my):
                                xi = xa + (my - ya0) * (xb - xa) / (ya1 - ya0)
                                if (mx < xi) == right and min(nx - 1, max(0, math.floor((xi - gx0) / c))) == ix:
                                    crossings += 1
                h = -1 if (crossings % 2 == 1) == (sg < 0) else e.shape[0]
            if (0 <= h) & (h < e.shape[0]):
                hint = h
            if h >= 0:
                nrp = beg
                continue
            if not closed and (k == 0 or k == kn):
                fail = True
            for i in range(beg, nrp - 1):
                j = at1(rseg, i)
                if j >= 0 and at1(pf, j) >= 0:
                    set1(mark, at1(pf, j), 1)
            set2(runs, nrun, 0, beg)
            set2(runs, nrun, 1, nrp)
            set2(runs, nrun, 2, ta)
            set2(runs, nrun, 3, tf)
            set2(runs, nrun, 4, ua)
            set2(runs, nrun, 5, uf)
            nrun += 1
    return rp, rarc, runs[:nrun], fail, mark
