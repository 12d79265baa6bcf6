"""Numba kernel of the polygon offset (see :mod:`toolpath.kernels.offset` for the method).

Per distance ``d`` (``r = |d|``):

1. *raw curve* of every ring (here): at a vertex where the moved edges part (``d·turn > 0``) the corners
   of the polygon circumscribed about the arc of radius ``r`` (its first and last facets run along the
   moved edges, so the moved edges' own end points are not needed); elsewhere the moved edges' end and
   start (a straight connector);
2. *crossings* of all raw segments (on a uniform grid, :mod:`~toolpath.kernels.offset_cross`), each recorded
   on both segments (at a segment's end when it meets the other there), moved to where the exact curves
   meet, points closer than ``SNAP_MM`` merged;
3. *runs* (:mod:`~toolpath.kernels.offset_trim`): a raw ring is cut at its crossings into runs. Whether a
   point of the raw curve is kept (farther than ``r`` from every edge's flattened offset, on the asked
   side) can change only where the raw curve meets another part of the raw curve -- the boundary of the
   union of the flattened edge offsets is made of raw segments -- so one test per run (at the middle of
   its longest piece) decides the whole run;
4. *rings* (:mod:`~toolpath.kernels.offset_chain`): kept runs are chained end to start (a run and its exact
   reverse, a zero-width neck, cancel), and written with arcs flattened afresh between exact crossings.

Per call, everything that does not depend on ``d`` (edge normals, turns) is computed once
(:mod:`~toolpath.kernels.offset_base`). Units: mm.

Compile time (issue 5 asks for a cold first call, import included, of at most 15 s): every function is
compiled on its own, and each caller is optimised again with its callees' code linked in. Numba's cost grows
with the number of typed operations: each call, operator and array access is resolved against all of its
typing templates once per pass of type inference and once more when lowered. So: loop-carried integers and
flags are declared (``locals``: ``n = 0`` would be ``Literal[int](0)`` first and take one or two more
passes over the whole function to settle), arrays are made with ``np.empty`` and fill loops (no
``np.zeros``), the kernel itself calls few numpy overloads and no ``min``/``max`` (those called from it are
compiled once more, under its flags: :func:`~toolpath.kernels.offset_base._prep` makes its arc and flag
buffers and the grid cell), no
``min``/``max`` of three values (one more overload), no tuple assignments of four or more values, and
:func:`~toolpath.kernels.offset_base._grow` copies in one flat loop (LLVM re-optimised a 2-D copy loop into
4x the code at every caller). The inner functions are called only from jitted code: compiled without
CPython and C wrappers and without Numba's rewrite passes (``INNER_JIT``); all use ``error_model="numpy"``
(no exception paths on division; inputs from :func:`toolpath.kernels.offset.pack_rings` never divide by
zero). Writing all one-call helpers out in their callers (26 -> 11 functions) made the cold compile 4-8 %
*slower* (Numba's bytecode, SSA and typing passes grow faster than linearly with a function's size); writing out
only the mid-level ones that stood at the top of deep call chains was faster: the pair test and the exact
meeting of two primitives (once ``_pair`` and ``_exact``) in ``_crossings``, the ring writer (once ``_emit``)
in ``_chain``, the keep-test (once ``_keep``) in ``_rings`` -- each had been a library of its own that held,
optimised and compiled its callees' code once more (LLVM lines summed over the libraries 40149 -> 33075). The
inner functions are not cached on disk (``INNER_JIT``: the kernel's cache holds their code) and ``_row4`` is
compiled for one signature (a constant column argument made a specialisation per constant). Fewer typed
operations (measured: ``numba`` resolves each
array access, operator and call through its templates, a few ms each): small helpers stand for repeated code
(``_isarc``, ``_near``, ``_row4`` (four array reads in one call), ``_row``/``_end`` of the crossings, ``_av``), the
kernel calls no numpy overload, ``int()`` or ``.shape[0]`` (ring starts and levels come from ``_result``, the
points are a view of their buffer, ``len``), flag arrays are int64 (no bool ``np.empty`` to compile), signs come
from ``math.copysign``, and closed chains go through the open-chain loop. Less LLVM code, which each caller
optimises and compiles to machine code again (a callee's code counts once per library it is linked into, up to
five times): no separate simple loops that LLVM vectorises or unrolls (the flags, arcs and buffer size of
``_chains`` in one loop, the last inactive segment searched backwards with a ``break``, ``_prep``'s reset and
extent in its edge loop, both sort keys of ``_crossings`` in one loop, no copy loops: ``_chain`` writes into the
kernel's buffer, ``_argsort`` returns the sorted keys, ``_grid`` fills from each cell's end), ``_grow`` copies
through flat iterators, ``&``/``|`` of cheap tests instead of ``and``/``or`` (a branch each), ``for`` loops with
``break`` instead of ``while`` loops with compound tests (Python 3.11 compiles a ``while`` test twice), and
repeated cases written once (a closed chain without splits in ``_rings``, the gap point of the exact meeting
from ``_meet``). Array elements are read and written through the intrinsics of :mod:`toolpath.kernels.access`
(``at2(e, i, 0)`` for ``e[i, 0]``, ``set1(po, n, v)`` for ``po[n] = v``): Numba types ``a[i, j]`` by trying a
dozen ``getitem`` templates and lowers it with the general indexing code, ~3 ms of compile per access against
~0.2 ms for an intrinsic (a synthetic function of 300 reads); over the kernel's ~530 accesses Python calls
during a cold compile fell 31.3 M -> 24.5 M and its CPU time by ~15 %. They do not wrap negative indices: the
two reads that may see one (``distances_mm[k - 1]`` at ``k = 0``, ``fin[w - 2]`` before a chain's second
point, both read and not used) keep Numba's indexing. The search for the run starting where another ends
(``_next_run``) is one function shared by the chaining and the pruning of runs that lead nowhere: written out in
both it cost ~2 s of cold compile. Figures in ``benchmarks/bench_offset.py``.

Numba's cache is kept per file and a cached function is not recompiled when a function it calls changes in
another file: :func:`toolpath.numba_cache.refresh_cache` (run when :mod:`toolpath.kernels` is imported) drops
the directory's cache whenever one of its sources changed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import boolean, int64, njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2
from .offset_base import INNER_JIT, KEEP_EPS_MM, MIN_RING_AREA_MM2, SNAP_MM, _grid, _prep, _result
from .offset_chain import _chain
from .offset_cross import _crossings
from .offset_trim import _rings

__all__ = ["KEEP_EPS_MM", "SNAP_MM", "MIN_RING_AREA_MM2", "offset_rings_kernel"]


@njit(**INNER_JIT, locals=dict(cnt=int64, n=int64, no=int64, nch=int64, x=int64, open_=boolean))
def _chains(e: NDArray[np.float64], starts: NDArray[np.int64], d: float, tol: float, act: NDArray[np.int64],
            caps: NDArray[np.float64]
            ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64],
                       NDArray[np.int64]]:
    """The raw offset curve at ``d`` as chains of the segments of active features.

    Per vertex its arc (``caps``, (M, 5)): facet count n (0: no arc), cos h, sin h, cos 2h, sin 2h with
    ``h = turn / 2n`` the signed half facet angle, updated in place (a row whose n is unchanged since the
    last call is kept). The raw rings: per vertex the corners of its
    circumscribed arc or the moved edges' end and start, consecutive duplicates (1e-13 mm) removed. Of
    those, the segments whose feature is active (feature ``2v``: the arc or connector of vertex ``v``;
    ``2v + 1``: the moved edge ``v``) form chains (closed when a whole ring is active).

    Returns
    -------
    points (N, 2), chain starts (C + 1,), next point of each point's segment (-1 at the end of an open
    chain), that segment's feature, and each point's vertex (``caps`` is updated in place).
    """
    m = e.shape[0]
    r = abs(d)
    alpha = 2.0 * math.acos(r / (r + tol))
    # a vertex's raw points are written when a segment of an active feature ends there (its arc, the moved
    # edge leaving it, the moved edge arriving: need) or its successor's are (the duplicate test of the
    # successor's first point needs this vertex's last); every other raw segment is inactive, and a
    # segment across a vertex left out is the moved edge of a vertex whose successor is left out: inactive
    # too (were it active, the successor would be written)
    # flags (int64: no bool array overload to compile; e[i, 11], e[i, 12]: next, previous vertex); the point
    # buffers are sized for every vertex (cnt), all in the one loop over the vertices (a loop of its own
    # would be vectorised by LLVM: more code to compile)
    need = np.empty(m, np.int64)
    cnt = 0
    for k in range(m):
        set1(need, k, at1(act, 2 * k) | at1(act, 2 * k + 1) | at1(act, 2 * int(at2(e, k, 12)) + 1))
        phi = at2(e, k, 8)
        if d * phi <= 0:
            set2(caps, k, 0, 0.0)
        else:
            n = max(1, math.ceil(abs(phi) / alpha - 1e-12))
            if n != at2(caps, k, 0):  # else kept from the last call (the row depends on phi and n only)
                if n == 1:
                    ch = math.sqrt(0.5 * (1.0 + at2(e, k, 9)))
                    sh = math.copysign(math.sqrt(max(0.0, 0.5 * (1.0 - at2(e, k, 9)))), phi)
                    c2, s2 = at2(e, k, 9), at2(e, k, 10)
                else:
                    h = phi / (2.0 * n)
                    ch = math.cos(h)
                    sh = math.sin(h)
                    c2 = ch * ch - sh * sh
                    s2 = 2.0 * sh * ch
                set2(caps, k, 0, n)
                set2(caps, k, 1, ch)
                set2(caps, k, 2, sh)
                set2(caps, k, 3, c2)
                set2(caps, k, 4, s2)
        cnt += max(2, int(at2(caps, k, 0)))
    sg = math.copysign(1.0, d)  # d != 0
    pts = np.empty((cnt, 2))
    pv = np.empty(cnt, np.int64)
    rs = np.empty(starts.shape[0], np.int64)
    set1(rs, 0, 0)
    n = 0
    for q in range(starts.shape[0] - 1):
        b = n
        a, z = at1(starts, q), at1(starts, q + 1)
        for i in range(a, z):
            if not (at1(need, i) | at1(need, int(at2(e, i, 11)))):
                continue
            vx = at2(e, i, 0)
            vy = at2(e, i, 1)
            nc = int(at2(caps, i, 0))
            c2 = at2(caps, i, 3)
            s2 = at2(caps, i, 4)
            # the points vx + rr * (fx, fy): no arc, the moved edges' end (d times the previous edge's normal,
            # columns 6, 7) and start (the edge's normal, 4, 5); an arc, its nc corners, turned by 2h
            rr = d
            fx = at2(e, i, 6)
            fy = at2(e, i, 7)
            if nc > 0:
                rr = r / at2(caps, i, 1)
                ux = sg * fx
                uy = sg * fy
                fx = ux * at2(caps, i, 1) - uy * at2(caps, i, 2)
                fy = ux * at2(caps, i, 2) + uy * at2(caps, i, 1)
            for _ in range(nc + 2 * (nc == 0)):
                px = vx + rr * fx
                py = vy + rr * fy
                if nc == 0:  # the next point's direction (turned on at the end: no first-point case)
                    fx = at2(e, i, 4)
                    fy = at2(e, i, 5)
                else:
                    fx, fy = fx * c2 - fy * s2, fx * s2 + fy * c2
                if n == b or not abs(px - at2(pts, n - 1, 0)) + abs(py - at2(pts, n - 1, 1)) <= 1e-13:
                    set2(pts, n, 0, px)
                    set2(pts, n, 1, py)
                    set1(pv, n, i)
                    n += 1
        if (n - b > 1 and at1(pv, b) == a and at1(pv, n - 1) == z - 1
                and abs(at2(pts, b, 0) - at2(pts, n - 1, 0)) + abs(at2(pts, b, 1) - at2(pts, n - 1, 1)) <= 1e-13):
            n -= 1
        if n - b < 2:
            n = b
        set1(rs, q + 1, n)
    npts = n  # points pts[:n]
    out = np.empty((2 * npts + 1, 2))
    nxt = np.empty(2 * npts + 1, np.int64)
    pf = np.empty(2 * npts + 1, np.int64)
    po = np.empty(2 * npts + 1, np.int64)
    cst = np.empty(npts + 2, np.int64)
    set1(cst, 0, 0)
    no, nch = 0, 0
    for q in range(rs.shape[0] - 1):
        a = at1(rs, q)
        ln = at1(rs, q + 1) - a
        if ln < 2:  # no point written (no active feature on the ring), or a degenerate ring
            continue
        # a segment's feature: the arc or connector of its vertex when both ends are that vertex's, else
        # the moved edge leaving it
        # the last inactive segment; -1: the whole ring active, one chain from the first point, closed (a
        # search from the end: stops at the first found, and LLVM does not vectorise it)
        x = -1
        for t in range(ln - 1, -1, -1):
            k = a + t
            if not at1(act, 2 * at1(pv, k) + (at1(pv, k) != at1(pv, a + (t + 1) % ln))):
                x = t
                break
        b = no
        open_ = False
        for t in range(ln):
            k = a + (x + 1 + t) % ln
            k1 = a + (x + 2 + t) % ln
            f = 2 * at1(pv, k) + (at1(pv, k) != at1(pv, k1))
            if at1(act, f):
                if not open_:
                    set2(out, no, 0, at2(pts, k, 0))
                    set2(out, no, 1, at2(pts, k, 1))
                    set1(po, no, at1(pv, k))
                    no += 1
                    open_ = True
                set1(pf, no - 1, f)
                set1(nxt, no - 1, no)
                set2(out, no, 0, at2(pts, k1, 0))
                set2(out, no, 1, at2(pts, k1, 1))
                set1(po, no, at1(pv, k1))
                set1(pf, no, -1)
                set1(nxt, no, -1)
                no += 1
            elif open_:
                nch += 1
                set1(cst, nch, no)
                open_ = False
        if open_:
            if x < 0:  # the last point repeats the first: dropped, the chain closed
                no -= 1
                set1(nxt, no - 1, b)
            nch += 1
            set1(cst, nch, no)
    return out[:no], cst[: nch + 1], nxt[:no], pf[:no], po[:no]



@njit(cache=True, nogil=True, error_model="numpy", no_rewrites=True, no_cfunc_wrapper=True,
      locals=dict(npt=int64, nr=int64, nf=int64, nl=int64))
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
    # numpy overloads, int() and min/max called here would be compiled once more (other flags than in the
    # inner functions): buffers are made by _prep, which also gives the smallest cell of the edge grid (base),
    # and the ring starts and levels by _result
    # act: set at the first level (full); caps: updated by _chains; pts, lv: result points, ring starts and levels
    e, caps, act, base, pts, lv = _prep(xy, starts)
    m = len(e)  # (len, not .shape[0]: a shape getitem is one more overload compiled under these flags)
    npt = 0
    nr = 0
    geo, cs, ids = _grid(e, base)
    for k in range(len(distances_mm)):
        d = at1(distances_mm, k)
        # erosions compose, so a feature (moved edge, vertex arc) without a kept piece at a smaller offset
        # of the same sign has none at this one: its raw segments are left out
        # (|: no branch per test; distances_mm[-1] at k = 0 is read but not needed)
        full = (k == 0) | (d * distances_mm[k - 1] <= 0) | (abs(d) < abs(distances_mm[k - 1]))
        c = 0.25 * (abs(d) + tolerance_mm)
        if base > c:  # c = max(c, base)
            c = base
        if not 0.5 * c <= at1(geo, 2) <= 2.0 * c:
            geo, cs, ids = _grid(e, c)
        mark = act  # typed before the loop (one pass of type inference fewer)
        nf = npt
        nl = nr
        for _ in range(2):  # a second time with every feature active when the first missed one
            if full:
                for i in range(2 * m):
                    set1(act, i, 1)
            cp, cst, nxt, pf, po = _chains(e, starts, d, tolerance_mm, act, caps)
            sp = _crossings(cp, nxt, pf, e, caps, d, tolerance_mm, geo, cs, ids)
            rp, rarc, runs, fail, mark = _rings(cp, cst, nxt, pf, po, sp, e, caps, d, tolerance_mm, geo, cs, ids)
            # the rings are written to pts from row npt on, their starts and levels to lv from row nr on
            pts, nf, lv, nl, unclosed = _chain(rp, rarc, runs, e, d, tolerance_mm, pts, npt, lv, nr, k, geo, cs,
                                               ids)
            if full | (not (fail | (unclosed > 0))):
                break
            full = True
        act = mark
        npt = nf
        nr = nl
    rs, lvl = _result(lv, nr)
    return pts[:npt], rs, lvl  # a view of the points' buffer (no copy: less code to compile)
