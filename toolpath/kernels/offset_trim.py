"""Trimming of the raw offset curve (Numba, part of :mod:`toolpath.kernels.offset_kernel`): the keep-test
of a point against every edge's flattened offset and the asked side, and the kept runs of the raw chains.
Units: mm."""

from __future__ import annotations

import math

import numpy as np
from numba import boolean, int64, njit
from numpy.typing import NDArray

from .offset_base import INNER_JIT, KEEP_EPS_MM, _row4

__all__: list[str] = []


@njit(**INNER_JIT)
def _av(v: int, caps: NDArray[np.float64]) -> int:
    """``v`` when vertex ``v`` has an arc, else -1."""
    if caps[v, 0] > 0:
        return v
    return -1


@njit(**INNER_JIT)
def _tag(row: NDArray[np.float64], po: NDArray[np.int64], nxt: NDArray[np.int64], caps: NDArray[np.float64]
         ) -> tuple[int, int]:
    """Arc under a split point (its vertex, -1 on a line) and 1 when it is a crossing inside the segment, 0 at
    a raw point (then the arc of the raw point's vertex)."""
    if row[5] > 0:
        c = int(row[4])
        if c % 2 == 0:  # c = -1 (none) is odd
            return _av(c // 2, caps), 1
        return -1, 1
    s = int(row[0])
    v = po[s] if row[1] == 0.0 else po[nxt[s]]
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
    gx0 = geo[0]  # the edge grid of the keep-test
    gy0 = geo[1]
    c = geo[2]
    nx = int(geo[3])
    ny = int(geo[4])
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
        mark[i] = 0
    nrun = 0
    nrp = 0
    p = 0
    hint = -1  # an edge whose offset held the last test point (declared int64)
    fail = False
    for q in range(nch):
        a, b = cst[q], cst[q + 1]
        if b - a < 2:
            continue
        closed = nxt[b - 1] >= 0
        k0 = p
        for _ in range(p, ns):  # (a for loop: a while loop's test is compiled twice)
            if int(sp[p, 0]) >= b:
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
                s1 = int(sp[k1, 0])
                x1 = sp[k1, 2]
                y1 = sp[k1, 3]
                rp[nrp, 2] = sp[k1, 6]
                rp[nrp, 3] = sp[k1, 7]
                ta, tf = _tag(sp[k1], po, nxt, caps)
            else:
                s1 = a
                x1, y1 = pts[a, 0], pts[a, 1]
                rp[nrp, 2], rp[nrp, 3] = x1, y1
                ta, tf = _av(po[a], caps), 0
            if cut | (k < kn):
                s2 = int(sp[k2, 0])
                x2, y2 = sp[k2, 2], sp[k2, 3]
                ua, uf = _tag(sp[k2], po, nxt, caps)
            else:
                s2 = b - 2 + closed  # the last segment, ending at the chain's last point (closed: its first)
                j = nxt[s2]
                x2, y2 = pts[j, 0], pts[j, 1]
                ua, uf = _av(po[j], caps), 0
            beg = nrp
            rp[nrp, 0], rp[nrp, 1] = x1, y1
            rseg[nrp] = s1
            rarc[nrp] = -1
            nrp += 1
            if wrap | (s2 != s1):
                j = s1
                while True:
                    j = nxt[j]
                    if (pts[j, 0] != rp[nrp - 1, 0]) | (pts[j, 1] != rp[nrp - 1, 1]):
                        rp[nrp, 0] = rp[nrp, 2] = pts[j, 0]
                        rp[nrp, 1] = rp[nrp, 3] = pts[j, 1]
                        rarc[nrp] = _av(po[j], caps)
                        nrp += 1
                    rseg[nrp - 1] = j
                    if j == s2:
                        break
            if (x2 != rp[nrp - 1, 0]) | (y2 != rp[nrp - 1, 1]) | (closed & (kn == 0)):
                rp[nrp, 0] = x2
                rp[nrp, 1] = y2
                rp[nrp, 2] = x2
                rp[nrp, 3] = y2
                rseg[nrp] = -1
                nrp += 1
            if nrp - beg < 2:
                nrp = beg
                continue
            best, mx, my = -1.0, 0.0, 0.0
            for i in range(beg, nrp - 1):
                dx = rp[i + 1, 0] - rp[i, 0]
                dy = rp[i + 1, 1] - rp[i, 1]
                ll = dx * dx + dy * dy
                if ll > best:
                    best = ll
                    mx = 0.5 * (rp[i, 0] + rp[i + 1, 0])
                    my = 0.5 * (rp[i, 1] + rp[i + 1, 1])
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
                    qlo, qhi = cs[cell], cs[cell + 1]
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
                    ke = hint if w < 0 else ids[qe]
                    while True:  # one pass; break = not inside, or h set
                        ax0, ay0, ax1, ay1 = _row4(e, ke, 0)
                        nc = int(caps[ke, 0])
                        big = thr / caps[ke, 1] if nc > 0 else thr
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
                        side = 1.0 if caps[ke, 2] > 0 else -1.0  # within the sector: on the turn's side of both ends
                        if ((u0x * qy - u0y * qx) * side < 0.0) | ((qx * u1y - qy * u1x) * side < 0.0):
                            break
                        c2 = caps[ke, 3]
                        sn2 = caps[ke, 4]
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
                        for qe in range(cs[cell], cs[cell + 1]):
                            ke = ids[qe]
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
                j = rseg[i]
                if j >= 0 and pf[j] >= 0:
                    mark[pf[j]] = 1
            runs[nrun, 0], runs[nrun, 1], runs[nrun, 2] = beg, nrp, ta
            runs[nrun, 3], runs[nrun, 4], runs[nrun, 5] = tf, ua, uf
            nrun += 1
    return rp, rarc, runs[:nrun], fail, mark
