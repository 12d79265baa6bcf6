"""The pass loop of adaptive clearing as one kernel: start-point search, passes, undo, links, bookkeeping.

Raster convention as in :mod:`toolpath.kernels.engagement`. Between calls the caller keeps:

- ``alive`` (cap, 2) float64 mm, the first ``n_alive`` rows: candidate start points (earlier tool positions);
- ``state`` float64 (8,): ``[pos_x_mm, pos_y_mm, has_pos, prune_at, rejected, rejected_steps, accepted,
  accepted_steps]``: where the tool is after the last pass (``has_pos`` 1.0 once it is somewhere), the list
  length at which dead candidates are pruned, and counters (passes undone and kept, and their steps).

One call runs passes until no candidate is live (status :data:`LOOP_NO_START`) or an output buffer is
nearly full (:data:`LOOP_FULL`: drain the segments, grow ``alive`` if asked, call again). Each step:

1. the live candidate nearest to the tool (its circle of radius ``probe_r`` meets material of value 1)
   is taken; dead candidates met on the way are dropped;
2. a pass (:func:`~toolpath.kernels.adaptive_pass.adaptive_pass_kernel`) starts there with the material on
   the chosen side; when it is shorter than two points or removes fewer than ``min_removed`` cells, it
   is undone (cells restored from ``mat0``) and the candidates within ``0.75 r`` of its start are dropped;
3. otherwise the straight link from the tool's position is checked against the material as it was
   before the pass: the centre stays on allowed cells (sampled every 1/20 cell, so the whole segment
   stays in the allowed region) and the circle meets at most ``target`` points; a clear link is cut at
   depth (its capsule cleared), else the tool will retract;
4. the pass is written out (``out_xy``, ``out_e``; segment ``k`` spans ``seg_start[k]:seg_start[k+1]``,
   ``seg_link[k]`` is 1 for a stay-down link) and every second point becomes a candidate.

``pass_loop_kernel`` (Numba) and ``pass_loop_reference`` (plain Python over the NumPy references) make the
same decisions.

Numba's cache keys a kernel on its own file only; this loop inlines the stepping kernel of
:mod:`toolpath.kernels.engagement`: :func:`toolpath.numba_cache.refresh_cache` (run when
:mod:`toolpath.kernels` is imported) drops the directory's cache whenever one of its sources changed.

``own`` (float32 (ny, nx, 2), NaN where unknown) holds for each cell the centre of the pass disc that cleared
it; an undone pass sets its cells back to NaN.

Array elements are read and written through the intrinsics of :mod:`toolpath.kernels.access` (cheaper to
compile than ``a[i, j]``, no wraparound of negative indices). No index is negative: flat indices in ``log``
are, ``buf_xy[n - 1]`` is read only for passes of at least two points, a candidate is swapped out only while
one is left; only the 3-d ``own`` (the intrinsics are 1-d and 2-d) keeps Numba's indexing. With the
same change in :mod:`~toolpath.kernels.engagement`, :mod:`~toolpath.kernels.adaptive_pass`,
:mod:`~toolpath.kernels.raster` and :mod:`~toolpath.kernels.arcfit`, a cold first plan of a small pocket (import,
compile, plan) made 34.9 M Python calls instead of 39.6 M and took 20.7 s CPU instead of 22.6 s (min of 13
interleaved runs; medians 24.9 / 27.3 s).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt

from .access import at1, at2, set1, set2
from .adaptive_pass import adaptive_pass_kernel, adaptive_pass_reference, link_is_clear_kernel, link_is_clear_reference
from .engagement import (
    clear_capsule_kernel,
    clear_capsule_reference,
    engagement_many_reference,
    material_direction_kernel,
    material_direction_reference,
)

__all__ = ["LOOP_NO_START", "LOOP_FULL", "segment_allowed_kernel", "segment_allowed_reference",
           "pass_loop_kernel", "pass_loop_reference", "start_band_kernel", "start_band_reference"]

LOOP_NO_START, LOOP_FULL = 0, 1
_DROP_R = 0.75  # a rejected start drops the candidates within this many tool radii (0.5: 1.5x the undone passes)


@njit(cache=True, nogil=True)
def segment_allowed_kernel(allowed, x0, y0, cell, ax, ay, bx, by):  # type: ignore[no-untyped-def]
    """True when every sample of the segment a-b, every 1/20 cell, lies on an allowed cell."""
    ny, nx = allowed.shape
    m = max(1, int(math.ceil(math.hypot(bx - ax, by - ay) / (0.05 * cell))))
    inv = 1.0 / cell
    for s in range(m + 1):
        t = s / m
        ix = int(math.floor((ax + t * (bx - ax) - x0) * inv + 0.5))
        iy = int(math.floor((ay + t * (by - ay) - y0) * inv + 0.5))
        if not (0 <= ix < nx and 0 <= iy < ny) or at2(allowed, iy, ix) == 0:
            return False
    return True


def segment_allowed_reference(allowed, x0, y0, cell, ax, ay, bx, by) -> bool:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`segment_allowed_kernel`."""
    m = max(1, int(math.ceil(math.hypot(bx - ax, by - ay) / (0.05 * cell))))
    t = np.arange(m + 1) / m
    ix = np.floor((ax + t * (bx - ax) - x0) * (1.0 / cell) + 0.5).astype(np.int64)
    iy = np.floor((ay + t * (by - ay) - y0) * (1.0 / cell) + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < allowed.shape[1]) & (iy >= 0) & (iy < allowed.shape[0])
    return bool(ok.all() and np.all(allowed[iy, ix] != 0))


@njit(cache=True, nogil=True)
def start_band_kernel(mat, allowed, cell, lo, hi):  # type: ignore[no-untyped-def]
    """uint8 mask of the allowed free cells whose distance to the nearest material cell (``mat`` non-zero),
    centre to centre, is in ``[lo, hi)`` mm: where new passes may start.

    The same mask as :func:`toolpath.kernels.raster.band_kernel` (distance ``sqrt(d2) * cell`` as
    :func:`scipy.ndimage.distance_transform_edt` computes it), by row spans: a free cell is in the band when
    some boundary material cell (one with a free cell among its 8 neighbours) is nearer than ``hi`` and
    none nearer than ``lo``. Each boundary cell marks, per row within reach, the span of cells nearer than
    ``hi`` and the span nearer than ``lo`` in two difference arrays (two writes a row, not a disc of
    cells), summed along the rows at the end.
    """
    ny, nx = mat.shape
    rc = int(math.ceil(hi / cell))
    w_lo = np.full(rc + 1, -1, np.int64)  # per row offset, the largest column offset nearer than lo (-1: none)
    w_hi = np.full(rc + 1, -1, np.int64)
    for dj in range(rc + 1):
        for di in range(rc + 1):
            d = math.sqrt(float(di * di + dj * dj)) * cell
            if d < hi:
                set1(w_hi, dj, di)
            if d < lo:
                set1(w_lo, dj, di)
    n_lo = np.zeros((ny, nx + 1), np.int32)
    n_hi = np.zeros((ny, nx + 1), np.int32)
    for j in range(ny):
        for i in range(nx):
            if at2(mat, j, i) == 0:
                continue
            edge = False
            for jj in range(max(0, j - 1), min(ny, j + 2)):
                for ii in range(max(0, i - 1), min(nx, i + 2)):
                    if at2(mat, jj, ii) == 0:
                        edge = True
            if not edge:
                continue
            for jj in range(max(0, j - rc), min(ny, j + rc + 1)):
                dj = abs(jj - j)
                w = at1(w_hi, dj)
                if w >= 0:
                    ia = max(0, i - w)
                    ib = min(nx, i + w + 1)
                    set2(n_hi, jj, ia, at2(n_hi, jj, ia) + 1)
                    set2(n_hi, jj, ib, at2(n_hi, jj, ib) - 1)
                w = at1(w_lo, dj)
                if w >= 0:
                    ia = max(0, i - w)
                    ib = min(nx, i + w + 1)
                    set2(n_lo, jj, ia, at2(n_lo, jj, ia) + 1)
                    set2(n_lo, jj, ib, at2(n_lo, jj, ib) - 1)
    out = np.zeros((ny, nx), np.uint8)
    for j in range(ny):
        a = 0
        b = 0
        for i in range(nx):
            a += at2(n_hi, j, i)
            b += at2(n_lo, j, i)
            if a > 0 and b == 0 and at2(allowed, j, i) != 0 and at2(mat, j, i) == 0:
                set2(out, j, i, 1)
    return out


def start_band_reference(mat: NDArray[np.uint8], allowed: NDArray[np.uint8], cell: float, lo: float,
                         hi: float) -> NDArray[np.uint8]:
    """Plain :func:`start_band_kernel`: SciPy's exact Euclidean distance transform of the free cells."""
    if not np.any(mat != 0):
        return np.zeros(mat.shape, np.uint8)
    free = distance_transform_edt(mat == 0) * cell
    return ((allowed != 0) & (mat == 0) & (free >= lo) & (free < hi)).astype(np.uint8)


@njit(cache=True, nogil=True)
def _live(mat, x0, y0, cell, x, y, r, cs, sn):  # type: ignore[no-untyped-def]
    """1 when some circle point (radius r) lies on a cell holding exactly 1, else 0: whether the count of
    :func:`~toolpath.kernels.engagement.engagement_many_kernel` (value 1) is positive, the same samples,
    stopped at the first hit."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    for k in range(cs.shape[0]):
        ix = int(math.floor((x + r * at1(cs, k) - x0) * inv + 0.5))
        iy = int(math.floor((y + r * at1(sn, k) - y0) * inv + 0.5))
        if 0 <= ix < nx and 0 <= iy < ny and at2(mat, iy, ix) == 1:
            return 1
    return 0


@njit(cache=True, nogil=True)
def _restore(mat, mat0, log, n):  # type: ignore[no-untyped-def]
    nx = mat.shape[1]
    for k in range(n):
        f = at1(log, k)
        j = f // nx
        i = f - j * nx
        set2(mat, j, i, at2(mat0, j, i))


@njit(cache=True, nogil=True)
def _unown(own, log, n):  # type: ignore[no-untyped-def]
    """Forget which disc cleared the logged cells (an undone pass)."""
    nx = own.shape[1]
    for k in range(n):
        f = at1(log, k)
        j = f // nx
        i = f - j * nx
        own[j, i, 0] = np.nan
        own[j, i, 1] = np.nan


@njit(cache=True, nogil=True)
def _zero(mat, log, n):  # type: ignore[no-untyped-def]
    nx = mat.shape[1]
    for k in range(n):
        f = at1(log, k)
        j = f // nx
        set2(mat, j, f - j * nx, 0)


@njit(cache=True, nogil=True)
def pass_loop_kernel(mat, mat0, allowed, x0, y0, cell, r, cs, sn, probe_r, step, min_step,  # type: ignore[no-untyped-def]
                     target, max_count, side, max_air, min_removed, alive, n_alive, state,
                     buf_xy, buf_e, log, out_xy, out_e, seg_start, seg_link, own):
    """Run passes until no start is live or a buffer is nearly full (see the module docstring).

    Returns
    -------
    status : int
        :data:`LOOP_NO_START` or :data:`LOOP_FULL`.
    n_alive : int
        Candidates left in ``alive``.
    n_seg : int
        Passes written (``seg_start[: n_seg + 1]``, ``seg_link[: n_seg]``, ``out_xy[: seg_start[n_seg]]``).
    """
    cap = buf_xy.shape[0]
    dist = np.empty(alive.shape[0])
    n_seg = 0
    n_out = 0
    set1(seg_start, 0, 0)
    max_seg = seg_link.shape[0]
    while True:
        if n_seg >= max_seg or n_out + cap > out_xy.shape[0] or n_alive + cap // 2 + 1 > alive.shape[0]:
            return LOOP_FULL, n_alive, n_seg
        if n_alive > at1(state, 3):  # drop the dead now and then, so the list stays short
            k = 0
            for i in range(n_alive):
                if _live(mat, x0, y0, cell, at2(alive, i, 0), at2(alive, i, 1), probe_r, cs, sn) > 0:
                    set2(alive, k, 0, at2(alive, i, 0))
                    set2(alive, k, 1, at2(alive, i, 1))
                    k += 1
            n_alive = k
            set1(state, 3, max(4000.0, 2.0 * n_alive))
        if n_alive == 0:
            return LOOP_NO_START, n_alive, n_seg
        hx = at1(state, 0) if at1(state, 2) > 0 else at2(alive, 0, 0)
        hy = at1(state, 1) if at1(state, 2) > 0 else at2(alive, 0, 1)
        choice = -1
        # squared distances once; the nearest (first of equals) is checked, a dead one swapped out with its
        # distance and the next nearest taken
        for i in range(n_alive):
            set1(dist, i, (at2(alive, i, 0) - hx) ** 2 + (at2(alive, i, 1) - hy) ** 2)
        while n_alive > 0:
            best = 0
            bd = math.inf
            for i in range(n_alive):
                if at1(dist, i) < bd:
                    bd = at1(dist, i)
                    best = i
            if _live(mat, x0, y0, cell, at2(alive, best, 0), at2(alive, best, 1), probe_r, cs, sn) > 0:
                choice = best
                break
            n_alive -= 1
            set2(alive, best, 0, at2(alive, n_alive, 0))
            set2(alive, best, 1, at2(alive, n_alive, 1))
            set1(dist, best, at1(dist, n_alive))
        if choice < 0:
            return LOOP_NO_START, n_alive, n_seg
        qx = at2(alive, choice, 0)
        qy = at2(alive, choice, 1)
        mx, my, _n = material_direction_kernel(mat, x0, y0, cell, qx, qy, probe_r, cs, sn)
        heading = math.atan2(my, mx) - side * math.pi / 2.0
        n, _reason, removed = adaptive_pass_kernel(mat, allowed, x0, y0, cell, r, cs, sn, qx, qy, heading, step,
                                                   min_step, target, max_count, 1, side, max_air, buf_xy, buf_e,
                                                   log, own)
        nl = min(removed, log.shape[0])
        if n < 2 or removed < min_removed:
            # too little for a pass from here (it runs into a wall): undo, and drop the starts near it
            _restore(mat, mat0, log, nl)
            _unown(own, log, nl)
            set1(state, 4, at1(state, 4) + 1.0)
            set1(state, 5, at1(state, 5) + n)
            k = 0
            for i in range(n_alive):
                if (at2(alive, i, 0) - qx) ** 2 + (at2(alive, i, 1) - qy) ** 2 > (_DROP_R * r) ** 2:
                    set2(alive, k, 0, at2(alive, i, 0))
                    set2(alive, k, 1, at2(alive, i, 1))
                    k += 1
            n_alive = k
            continue
        link = 0
        if at1(state, 2) > 0:
            # the link, checked against the material as it was before the pass
            _restore(mat, mat0, log, nl)
            sx = at1(state, 0)
            sy = at1(state, 1)
            if link_is_clear_kernel(mat, allowed, x0, y0, cell, sx, sy, qx, qy, r, cs, sn, target) \
                    and segment_allowed_kernel(allowed, x0, y0, cell, sx, sy, qx, qy):
                link = 1
            _zero(mat, log, nl)
            if link == 1:
                clear_capsule_kernel(mat, x0, y0, cell, sx, sy, qx, qy, r)
        for i in range(n):
            set2(out_xy, n_out + i, 0, at2(buf_xy, i, 0))
            set2(out_xy, n_out + i, 1, at2(buf_xy, i, 1))
            set1(out_e, n_out + i, at1(buf_e, i))
        set1(seg_link, n_seg, link)
        n_out += n
        n_seg += 1
        set1(seg_start, n_seg, n_out)
        for i in range(0, n, 2):
            set2(alive, n_alive, 0, at2(buf_xy, i, 0))
            set2(alive, n_alive, 1, at2(buf_xy, i, 1))
            n_alive += 1
        set1(state, 0, at2(buf_xy, n - 1, 0))
        set1(state, 1, at2(buf_xy, n - 1, 1))
        set1(state, 2, 1.0)
        set1(state, 6, at1(state, 6) + 1.0)
        set1(state, 7, at1(state, 7) + n)


def pass_loop_reference(mat, mat0, allowed, x0, y0, cell, r, cs, sn, probe_r, step, min_step,  # type: ignore[no-untyped-def]
                        target, max_count, side, max_air, min_removed, alive, n_alive, state,
                        buf_xy, buf_e, log, out_xy, out_e, seg_start, seg_link, own):
    """Plain-Python :func:`pass_loop_kernel` over the NumPy references (same decisions)."""

    def live(x: float, y: float) -> int:
        return int(engagement_many_reference(mat, x0, y0, cell, np.array([[x, y]]), probe_r, cs, sn, 1)[0])

    cap = buf_xy.shape[0]
    n_seg = n_out = 0
    seg_start[0] = 0
    while True:
        if n_seg >= seg_link.shape[0] or n_out + cap > out_xy.shape[0] or n_alive + cap // 2 + 1 > alive.shape[0]:
            return LOOP_FULL, n_alive, n_seg
        if n_alive > state[3]:
            keep = [i for i in range(n_alive) if live(*alive[i]) > 0]
            alive[: len(keep)] = alive[keep]
            n_alive = len(keep)
            state[3] = max(4000.0, 2.0 * n_alive)
        if n_alive == 0:
            return LOOP_NO_START, n_alive, n_seg
        here = state[:2].copy() if state[2] > 0 else alive[0].copy()
        choice = -1
        while n_alive > 0:
            d = ((alive[:n_alive] - here) ** 2).sum(axis=1)
            best = int(np.argmin(d))
            if live(*alive[best]) > 0:
                choice = best
                break
            n_alive -= 1
            alive[best] = alive[n_alive]
        if choice < 0:
            return LOOP_NO_START, n_alive, n_seg
        qx, qy = float(alive[choice, 0]), float(alive[choice, 1])
        mx, my, _ = material_direction_reference(mat, x0, y0, cell, qx, qy, probe_r, cs, sn)
        heading = math.atan2(my, mx) - side * math.pi / 2.0
        n, _reason, removed = adaptive_pass_reference(mat, allowed, x0, y0, cell, r, cs, sn, qx, qy, heading, step,
                                                      min_step, target, max_count, 1, side, max_air, buf_xy, buf_e,
                                                      log, own)
        idx = log[: min(removed, log.shape[0])]
        if n < 2 or removed < min_removed:
            mat.flat[idx] = mat0.flat[idx]
            own.reshape(-1, 2)[idx] = np.nan
            state[4] += 1.0
            state[5] += n
            far = ((alive[:n_alive] - (qx, qy)) ** 2).sum(axis=1) > (_DROP_R * r) ** 2
            k = int(far.sum())
            alive[:k] = alive[:n_alive][far]
            n_alive = k
            continue
        link = 0
        if state[2] > 0:
            mat.flat[idx] = mat0.flat[idx]
            px, py = float(state[0]), float(state[1])
            if link_is_clear_reference(mat, allowed, x0, y0, cell, px, py, qx, qy, r, cs, sn, target) \
                    and segment_allowed_reference(allowed, x0, y0, cell, px, py, qx, qy):
                link = 1
            mat.flat[idx] = 0
            if link:
                clear_capsule_reference(mat, x0, y0, cell, px, py, qx, qy, r)
        out_xy[n_out : n_out + n] = buf_xy[:n]
        out_e[n_out : n_out + n] = buf_e[:n]
        seg_link[n_seg] = link
        n_out += n
        n_seg += 1
        seg_start[n_seg] = n_out
        pts = buf_xy[:n:2]
        alive[n_alive : n_alive + len(pts)] = pts
        n_alive += len(pts)
        state[0], state[1], state[2] = buf_xy[n - 1, 0], buf_xy[n - 1, 1], 1.0
        state[6] += 1.0
        state[7] += n
