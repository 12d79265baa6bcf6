"""Rings from the kept runs of the raw offset curve (Numba, part of :mod:`toolpath.kernels.offset_kernel`).

Runs are chained end to start (a run and its exact reverse, a zero-width collapsed neck, cancel). Each ring
is then written out with its arcs flattened afresh between exact angles: from a crossing where two exact
curves meet (:mod:`toolpath.kernels.offset_cross`) to the next one or the arc's end, facets tangent to the
arc within the tolerance, so the ring's vertices at crossings lie on the exact offset. Rings without such a
crossing are written as raw. Units: mm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import boolean, int64, njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2
from .offset_base import (
    INNER_JIT,
    KEEP_EPS_MM,
    MIN_RING_AREA_MM2,
    SNAP_MM,
    _ang,
    _arc,
    _argsort,
    _grow,
    _nearest,
)

__all__: list[str] = []

# edges before and after an arc's vertex along its ring against which each corner of the arc is tested when
# written (all edges where the stretch is checked)
NEIGHBOUR_EDGES = 4
# longest loop of zero area (points) cut out where a written ring passes a point twice
LOOP_POINTS = 8


@njit(**INNER_JIT, locals=dict(lo=int64))
def _first(xs: NDArray[np.float64], x: float) -> int:
    """First index of sorted ``xs`` with ``xs[i] >= x``."""
    lo, hi = 0, xs.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if at1(xs, mid) < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(**INNER_JIT)
def _next_run(xs: NDArray[np.float64], xo: NDArray[np.int64], xs0: NDArray[np.float64], ys0: NDArray[np.float64],
              used: NDArray[np.int64], ex: float, ey: float) -> int:
    """An unused run starting at (ex, ey) (``xs``: the runs' start x sorted, ``xo`` their order), else the unused
    run starting nearest to it within ``SNAP_MM``, else -1."""
    n = xs.shape[0]
    for lo in range(_first(xs, ex), n):  # (for loops: a while loop's test is compiled twice)
        if at1(xs, lo) != ex:
            break
        c = at1(xo, lo)
        if (at1(used, c) == 0) & (at1(ys0, c) == ey):
            return c
    nx_ = -1
    bd = SNAP_MM * SNAP_MM
    for c in range(n):
        dx = at1(xs0, c) - ex
        dy = at1(ys0, c) - ey
        dd = dx * dx + dy * dy
        if (at1(used, c) == 0) & (dd < bd):
            bd = dd
            nx_ = c
    return nx_


@njit(**INNER_JIT)
def _area2(fin: NDArray[np.float64], a: int, b: int) -> float:
    """Twice the signed area of the ring ``fin[a:b]`` (shoelace), mm2."""
    s = 0.0
    for k in range(a, b):
        k2 = k + 1 if k + 1 < b else a
        s += at2(fin, k, 0) * at2(fin, k2, 1) - at2(fin, k2, 0) * at2(fin, k, 1)
    return s


@njit(**INNER_JIT)
def _stretch(v: int, a0: float, a1: float, check: bool, raw: bool, e: NDArray[np.float64], d: float, tol: float,
             fin: NDArray[np.float64], nf: int, out: NDArray[np.float64], k0: int, ts: int, t: int, no: int,
             thr: float, geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64],
             lgeo: NDArray[np.float64], lcs: NDArray[np.int64], lids: NDArray[np.int64]
             ) -> tuple[NDArray[np.float64], int]:
    """Vertex ``v``'s arc from angle ``a0`` to ``a1`` (< 0: its end) appended to ``fin`` from row ``nf``: the
    corners of its polygon flattened afresh, unless ``raw``. A corner nearer than ``thr`` to another edge, or
    nearer to another vertex than to ``v`` (r / cos(h)), by at most the tolerance below ``thr`` (nearly
    coinciding curves: the exact curve there is the other one, or it pokes out between crossings of the
    flattened curves), is moved out from that nearest point to ``r + tol`` from it (up to 4 times), so the
    facets circumscribe the outermost curve; if it is then still nearer than ``thr`` to an edge, the ring's
    raw corners between its points ``ts`` and ``t`` (counted from ``k0``, modulo ``no``), which lie on the
    kept raw curve, are written instead (an arc under a kept raw piece can lie inside another edge's band
    where the flattened curves and the exact ones disagree on which is outermost). The corners are tested
    against every edge when ``check`` (an end is a crossing flagged 2 or 3 by
    :func:`toolpath.kernels.offset_cross._crossings`: exact meeting not clear, none found, or farther than the
    tolerance from the raw crossing; or the arc is taken to run to its end at a crossing of another
    primitive), else against the ``NEIGHBOUR_EDGES`` edges before and after ``v`` along its ring (the
    micro-steps whose curves nearly coincide with the arc's; every edge would cost a grid query per corner,
    ~20 % of the kernel's time on pocket B of the benchmark), on the one-cell grid ``lgeo, lcs, lids`` whose
    ids are written here (the same query, its code compiled once)."""
    if not raw:
        n0 = nf
        fin, nf = _arc(v, a0, a1, e, d, tol, fin, nf)
        ok = True
        j = v
        for _ in range(NEIGHBOUR_EDGES):
            j = int(at2(e, j, 12))
        for i in range(2 * NEIGHBOUR_EDGES + 1):
            set1(lids, i, j)
            j = int(at2(e, j, 11))
        for q in range(n0, nf):
            x = at2(fin, q, 0)
            y = at2(fin, q, 1)
            # its distance from its own centre (r / cos(h)); moved out to r + tol (not r / cos(h): the corners
            # moved onto a neighbour's circle are spaced a little wider seen from its centre, and a facet between
            # two of them at r / cos(h) dipped 1.2e-5 mm into its disc); from the nearest point, not along the
            # ray from v (that ray can run toward the other edge: 0.0075 mm into an island's band)
            rr = math.hypot(x - at2(e, v, 0), y - at2(e, v, 1))
            lim = rr - KEEP_EPS_MM
            if not check:  # the ring's edges next to the arc first
                da, _, _, de, _, _ = _nearest(x, y, lim, e, lgeo, lcs, lids)
                if (da >= thr * thr) & (de >= lim * lim):
                    continue
            da = 0.0
            for it in range(5):
                # moved out from the nearest point of an edge nearer than thr, else of a vertex nearer than rr (the
                # middle of a facet between two corners clear of a vertex's disc can dip into it; not of a line's
                # band: the distance to a line is linear along a facet)
                da, px, py, de, vx, vy = _nearest(x, y, lim, e, geo, cs, ids)
                s2 = da
                if da >= thr * thr:
                    s2, px, py = de, vx, vy
                    if de >= lim * lim:
                        break
                w = math.sqrt(s2)
                if (thr - w > tol) | (it == 4) | (w <= 0.0):
                    break
                w = (abs(d) + tol) / w  # r + tol from that point
                x = px + (x - px) * w
                y = py + (y - py) * w
            if da < thr * thr:
                ok = False
                break
            set2(fin, q, 0, x)
            set2(fin, q, 1, y)
        if ok:
            return fin, nf
        nf = n0
    fin = _grow(fin, nf + max(t - ts, 1))
    for tt in range(ts + 1, t):
        set2(fin, nf, 0, at2(out, (k0 + tt) % no, 0))
        set2(fin, nf, 1, at2(out, (k0 + tt) % no, 1))
        nf += 1
    return fin, nf


@njit(**INNER_JIT, locals=dict(unclosed=int64, pend=int64, parc=int64, no=int64, op=int64, sfl=int64,
                                 ts=int64, na=int64, cut=int64, yes=boolean, no_=boolean))
def _chain(rp: NDArray[np.float64], rarc: NDArray[np.int64], runs: NDArray[np.int64], e: NDArray[np.float64],
           d: float, tol: float, fin: NDArray[np.float64], nf: int, lv: NDArray[np.float64], nr: int, level: int,
           geo: NDArray[np.float64], cs: NDArray[np.int64], ids: NDArray[np.int64]
           ) -> tuple[NDArray[np.float64], int, NDArray[np.float64], int, int]:
    """Runs (from :func:`toolpath.kernels.offset_trim._rings`) chained end to start into rings, written
    straight into the kernel's result buffers (no copies): their points to ``fin`` from row ``nf`` on, and per
    ring ``lv`` rows as the kernel keeps them (the start of ring q + 1 in column 0 of row q + 1, the level in
    column 1 of row q) from ring ``nr`` on. Returns both buffers (grown when needed), their new counts, and how
    many chains did not close (dropped). A run and its exact reverse (a collapsed neck) cancel; rings of tiny
    area are dropped."""
    nrun = runs.shape[0]
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    lgeo = np.empty(5)  # one cell holding everything: the ring's edges next to an arc (see _stretch)
    set1(lgeo, 0, -1e200)
    set1(lgeo, 1, -1e200)
    set1(lgeo, 2, 1e300)
    set1(lgeo, 3, 1.0)
    set1(lgeo, 4, 1.0)
    lcs = np.empty(2, np.int64)
    set1(lcs, 0, 0)
    set1(lcs, 1, 2 * NEIGHBOUR_EDGES + 1)
    lids = np.empty(2 * NEIGHBOUR_EDGES + 1, np.int64)
    rb, re = runs[:, 0], runs[:, 1]
    out = np.empty((rp.shape[0] + 1, 2))
    vt = np.empty((rp.shape[0] + 1, 3), np.int64)
    unclosed = 0
    xs0 = np.empty(nrun)
    ys0 = np.empty(nrun)
    used = np.empty(nrun, np.int64)  # flags
    for c in range(nrun):
        set1(xs0, c, at2(rp, at1(rb, c), 0))
        set1(ys0, c, at2(rp, at1(rb, c), 1))
        set1(used, c, 0)
    xo, xs = _argsort(xs0)  # the runs by the x of their start, and those x
    for c in range(nrun):
        if at1(used, c):
            continue
        bc = at1(rb, c)
        ln = at1(re, c) - bc
        ex = at2(rp, bc + ln - 1, 0)
        ey = at2(rp, bc + ln - 1, 1)
        for lo in range(_first(xs, ex), nrun):  # (for loops: a while loop's test is compiled twice)
            if at1(xs, lo) != ex:
                break
            o = at1(xo, lo)
            eo = at1(re, o) - 1
            if at1(used, o) | (o == c) | (at1(ys0, o) != ey) | (eo + 1 - at1(rb, o) != ln):
                continue
            same = True
            for i in range(ln):
                if (at2(rp, bc + i, 0) != at2(rp, eo - i, 0)) | (at2(rp, bc + i, 1) != at2(rp, eo - i, 1)):
                    same = False
                    break
            if same:
                set1(used, o, 1)
                set1(used, c, 1)
                break
    for c in range(nrun):
        # the same run twice (collinear raw segments: an arc's facets along a moved edge, or a moved edge run on
        # past its end): the copy with more arcs at its ends goes (the line is the exact curve there; an arc on
        # it lies inside the line's band)
        na = (at2(runs, c, 2) >= 0) + (at2(runs, c, 4) >= 0)
        if at1(used, c) | (na == 0):
            continue
        bc = at1(rb, c)
        ln = at1(re, c) - bc
        for lo in range(_first(xs, at1(xs0, c)), nrun):
            if at1(xs, lo) != at1(xs0, c):
                break
            o = at1(xo, lo)
            bo = at1(rb, o)
            if (at1(used, o) | (o == c) | (at1(ys0, o) != at1(ys0, c)) | (at1(re, o) - bo != ln)
                    | ((at2(runs, o, 2) >= 0) + (at2(runs, o, 4) >= 0) >= na)):
                continue
            same = True
            for i in range(ln):
                if (at2(rp, bc + i, 0) != at2(rp, bo + i, 0)) | (at2(rp, bc + i, 1) != at2(rp, bo + i, 1)):
                    same = False
                    break
            if same:
                set1(used, c, 1)
                break
    changed = True
    for _ in range(nrun):  # runs that lead nowhere (no run starts where they end) cannot be in a ring
        if not changed:
            break
        changed = False
        for c in range(nrun):
            if at1(used, c):
                continue
            if _next_run(xs, xo, xs0, ys0, used, at2(rp, at1(re, c) - 1, 0), at2(rp, at1(re, c) - 1, 1)) < 0:
                set1(used, c, 1)
                unclosed += 1
                changed = True
    for c0 in range(nrun):
        if at1(used, c0):
            continue
        set1(used, c0, 1)
        no = 0
        cur = c0
        closed = False
        pend = 0  # the crossing flag and arc of the last run's end
        parc = -1
        for _ in range(nrun):
            s = no
            ec = at1(re, cur) - 1
            for i in range(at1(rb, cur), ec):  # (each run has two points or more)
                set2(out, no, 0, at2(rp, i, 2))  # the exact point at a crossing
                set2(out, no, 1, at2(rp, i, 3))
                a = at1(rarc, i)
                set2(vt, no, 0, 0)
                set2(vt, no, 1, a)
                set2(vt, no, 2, a)
                no += 1
            # the run's first point: where the last run ends (the first run's: set when the ring closes)
            set2(vt, s, 0, max(at2(runs, cur, 3), pend))  # a crossing when either run has one here
            set2(vt, s, 1, parc)
            set2(vt, s, 2, at2(runs, cur, 2))
            ex = at2(rp, ec, 0)
            ey = at2(rp, ec, 1)
            if (ex == at1(xs0, c0)) & (ey == at1(ys0, c0)):
                closed = True
                break
            nx_ = _next_run(xs, xo, xs0, ys0, used, ex, ey)
            if nx_ < 0:
                dx = ex - at1(xs0, c0)
                dy = ey - at1(ys0, c0)
                closed = dx * dx + dy * dy < SNAP_MM * SNAP_MM
                break
            set1(used, nx_, 1)
            parc = at2(runs, cur, 4)  # the arc of the run ending here
            pend = at2(runs, cur, 5)
            cur = nx_
        if not closed:
            unclosed += 1
            continue
        set2(vt, 0, 1, at2(runs, cur, 4))
        set2(vt, 0, 0, max(at2(vt, 0, 0), at2(runs, cur, 5)))
        if no < 3:
            continue
        begin = nf
        # the ring's vertices out[:no] with their tags vt[:no] (crossing flag, arc before, arc after; arc = its
        # vertex or -1 on a line) written to fin: a raw arc corner is replaced by the corners of its arc flattened
        # between the neighbouring crossings (or the arc's ends); a ring without a crossing on an arc is written
        # as it is (here, not in a function of its own: its code and _arc's would be compiled once more)
        k0 = -1
        for k in range(no):
            if (at2(vt, k, 0) > 0) & ((at2(vt, k, 1) >= 0) | (at2(vt, k, 2) >= 0)):  # (&, |: no branch per test)
                k0 = k
                break
        if k0 < 0:
            fin = _grow(fin, nf + no)
            for k in range(no):
                set2(fin, nf + k, 0, at2(out, k, 0))
                set2(fin, nf + k, 1, at2(out, k, 1))
            nf += no
        else:
            op = -1  # the arc being written, from angle a0 (declared int64: one signature of _arc)
            yes, no_ = True, False  # (declared boolean: a constant argument made _stretch a signature of its own)
            a0 = 0.0
            sfl = 0  # the crossing flag where op's stretch began (0: at the arc's start), at t = ts
            ts = 0
            for t in range(no + 1):
                k = (k0 + t) % no
                x, y = at2(out, k, 0), at2(out, k, 1)
                if at2(vt, k, 0) == 0:
                    v = at2(vt, k, 1)
                    if (v >= 0) & (v == op):
                        continue
                    if op >= 0:
                        fin, nf = _stretch(op, a0, -1.0, sfl >= 2, no_, e, d, tol, fin, nf, out, k0, ts, t, no,
                                           thr, geo, cs, ids, lgeo, lcs, lids)
                    op = v
                    a0 = 0.0
                    sfl = 0
                    ts = t - 1  # (this raw corner, not written, is the first of op's)
                    if v < 0:
                        fin = _grow(fin, nf + 1)
                        set2(fin, nf, 0, x)
                        set2(fin, nf, 1, y)
                        nf += 1
                    continue
                if t > 0:
                    w = at2(vt, k, 1)
                    if (op >= 0) & (op != w):  # (the arc taken to run to its end: checked)
                        fin, nf = _stretch(op, a0, -1.0, yes, no_, e, d, tol, fin, nf, out, k0, ts, t, no,
                                           thr, geo, cs, ids, lgeo, lcs, lids)
                        op = -1
                    if w >= 0:
                        if op < 0:
                            op = w
                            a0 = 0.0
                            sfl = 0
                            ts = t - 1
                        # between two crossings whose exact meetings were not clear (raw points), the arc lies in
                        # other bands: its raw corners stand
                        fl = at2(vt, k, 0)
                        fin, nf = _stretch(op, a0, _ang(op, x, y, e, d), (sfl >= 2) | (fl >= 2), (sfl == 2) & (fl == 2),
                                           e, d, tol, fin, nf, out, k0, ts, t, no, thr, geo, cs, ids, lgeo, lcs,
                                           lids)
                    if t == no:
                        break
                fin = _grow(fin, nf + 1)
                set2(fin, nf, 0, x)
                set2(fin, nf, 1, y)
                nf += 1
                op = at2(vt, k, 2)
                sfl = at2(vt, k, 0)
                ts = t
                a0 = 0.0
                if op >= 0:
                    a0 = _ang(op, x, y, e, d)
        w = begin  # a loop of zero area closed inside the ring goes: a spike A, B, A left by a collapsed piece
        # inside a run (as a piece and its reverse), or a fold A, B, C, A of runs through a point passed twice
        for k in range(begin, nf):
            x = at2(fin, k, 0)
            y = at2(fin, k, 1)
            cut = 0
            for b in range(2, min(LOOP_POINTS, w - begin) + 1):
                if (at2(fin, w - b, 0) == x) & (at2(fin, w - b, 1) == y):
                    if abs(_area2(fin, w - b, w)) < 2.0 * MIN_RING_AREA_MM2:
                        cut = b - 1
                    break
            if cut > 0:
                w -= cut
                continue
            set2(fin, w, 0, x)
            set2(fin, w, 1, y)
            w += 1
        nf = w
        if (nf - begin < 3) | (abs(_area2(fin, begin, nf)) < 2 * MIN_RING_AREA_MM2):
            nf = begin
            continue
        lv = _grow(lv, nr + 2)
        set2(lv, nr, 1, level)
        set2(lv, nr + 1, 0, nf)
        nr += 1
    return fin, nf, lv, nr, unclosed
