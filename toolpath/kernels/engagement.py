"""Raster kernels of adaptive clearing: engagement of the tool circle and material removal (the stepping loop
that uses them: :mod:`toolpath.kernels.adaptive_pass`).

Raster convention: ``mat[iy, ix]`` (uint8, non-zero = material still to cut) holds the cell whose centre
is ``(x0_mm + ix * cell_mm, y0_mm + iy * cell_mm)``; a point belongs to the cell whose centre is nearest.
Points outside the grid hold no material and are not allowed.

Engagement of a tool of radius ``r_mm`` at a centre is counted on ``K`` points evenly spaced on its circle
(unit vectors ``cs``, ``sn``): the number of those points whose cell holds material. The angle in degrees
is ``count * 360 / K``.

Each ``*_kernel`` (Numba) has a ``*_reference`` (plain NumPy/Python) beside it that the tests compare it
with.

Array elements are read and written through the intrinsics of :mod:`toolpath.kernels.access` (``at2(mat, iy,
ix)`` for ``mat[iy, ix]``: cheaper to compile, no wraparound of negative indices); a cell is read only after
its indices passed the bounds test (short-circuit ``and``). Numba's own indexing stays for the 3-d ``own``
(the intrinsics are 1-d and 2-d) and in ``_owner_side`` and ``_front_first``, which the references also run
as plain Python, where the intrinsics cannot be called.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2

__all__ = [
    "circle_samples",
    "engagement_kernel",
    "engagement_reference",
    "engagement_front_kernel",
    "engagement_front_reference",
    "engagement_fresh_kernel",
    "engagement_fresh_reference",
    "engagement_owned_kernel",
    "engagement_owned_reference",
    "material_direction_kernel",
    "material_direction_reference",
    "clear_disc_kernel",
    "clear_disc_reference",
    "clear_capsule_kernel",
    "clear_capsule_reference",
    "engagement_many_kernel",
    "engagement_many_reference",
]

#: :func:`engagement_fresh_kernel` leaves samples less than this many cells beyond the previous disc to their own
#: cell (as the plain count does): part of the plain count's loss is kept, a margin below the target that costs
#: less path (bench A, 10 %: p99 44 -> 42.5 deg at +4-5 % cutting length; 0.0: 40.5-41.5 deg at +10-23 %)
_FRESH_KEEP = 0.25


def circle_samples(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unit vectors of ``n`` points evenly spaced on a circle (cos, sin), each of shape (n,)."""
    a = (np.arange(n) + 0.5) * (2.0 * math.pi / n)
    return np.cos(a), np.sin(a)


# engagement ------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def engagement_kernel(mat, x0, y0, cell, cx, cy, r, cs, sn, stop=1 << 30):  # type: ignore[no-untyped-def]
    """Number of circle points (radius ``r``, centre ``(cx, cy)``) whose cell holds material; the count stops
    as soon as it passes ``stop`` (enough to know it does)."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    n = 0
    for k in range(cs.shape[0]):
        ix = int(math.floor((cx + r * at1(cs, k) - x0) * inv + 0.5))
        iy = int(math.floor((cy + r * at1(sn, k) - y0) * inv + 0.5))
        if 0 <= ix < nx and 0 <= iy < ny and at2(mat, iy, ix) != 0:
            n += 1
            if n > stop:
                break
    return n


def engagement_reference(mat, x0, y0, cell, cx, cy, r, cs, sn) -> int:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`engagement_kernel`."""
    inv = 1.0 / cell
    ix = np.floor((cx + r * cs - x0) * inv + 0.5).astype(np.int64)
    iy = np.floor((cy + r * sn - y0) * inv + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
    return int(np.count_nonzero(mat[iy[ok], ix[ok]]))


def _front_first_py(ang: float, kk: int) -> int:
    """Index of the first of the ``kk // 2`` circle samples (of ``kk``) facing the direction ``ang``, rad:
    the first whose angle is at or after ``ang - 90°``."""
    k0 = int(math.ceil((ang - 0.5 * math.pi) * kk / (2.0 * math.pi) - 0.5)) % kk
    if k0 < 0:
        k0 += kk
    return k0


_front_first = njit(cache=True, nogil=True)(_front_first_py)


@njit(cache=True, nogil=True)
def engagement_front_kernel(mat, x0, y0, cell, cx, cy, r, cs, sn, ang):  # type: ignore[no-untyped-def]
    """Like :func:`engagement_kernel`, counting only the half of the circle facing the direction ``ang``
    (radians): the ``K // 2`` samples whose angle lies in ``[ang - 90°, ang + 90°)``. A tool moving along
    ``ang`` cuts with that half; the other half lies in the sweep behind it."""
    ny, nx = mat.shape
    kk = cs.shape[0]
    inv = 1.0 / cell
    k0 = _front_first(ang, kk)
    n = 0
    for i in range(kk // 2):
        k = k0 + i
        if k >= kk:
            k -= kk
        ix = int(math.floor((cx + r * at1(cs, k) - x0) * inv + 0.5))
        iy = int(math.floor((cy + r * at1(sn, k) - y0) * inv + 0.5))
        if 0 <= ix < nx and 0 <= iy < ny and at2(mat, iy, ix) != 0:
            n += 1
    return n


def engagement_front_reference(mat, x0, y0, cell, cx, cy, r, cs, sn, ang) -> int:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`engagement_front_kernel` (the same sample indices)."""
    kk = cs.shape[0]
    idx = (_front_first_py(ang, kk) + np.arange(kk // 2)) % kk
    return engagement_reference(mat, x0, y0, cell, cx, cy, r, cs[idx], sn[idx])


_NO_OWN = np.full((1, 1, 2), np.nan, np.float32)  # the fresh count's stand-in for ``own`` (never read)


@njit(cache=True, nogil=True)
def _front_count(mat, own, owned, x0, y0, cell, cx, cy, r, rcs, rsn, ang, px, py, stop):  # type: ignore[no-untyped-def]
    """The front-half count of :func:`engagement_fresh_kernel`, and with ``owned`` the owner rule of
    :func:`engagement_owned_kernel` for samples whose cell centre lies outside the previous disc.

    ``rcs``, ``rsn`` are the circle's offsets ``r * cs``, ``r * sn`` (mm), scaled once by the caller: the
    products are the same numbers as scaled here, sample by sample. A sample farther than ``r + 0.708 cell``
    from ``(px, py)`` has its cell centre (at most ``cell / sqrt 2`` from it) outside the previous disc, so
    the test of that centre is skipped there (it would fail): the same count with less work.
    """
    ny, nx = mat.shape
    kk = rcs.shape[0]
    inv = 1.0 / cell
    r2 = r * r
    rk2 = (r + _FRESH_KEEP * cell) ** 2
    rf2 = (r + 0.708 * cell) ** 2
    k0 = _front_first(ang, kk)
    n = 0
    for i in range(kk // 2):
        if n > stop:
            break
        k = k0 + i
        if k >= kk:
            k -= kk
        qx = cx + at1(rcs, k)
        qy = cy + at1(rsn, k)
        ix = int(math.floor((qx - x0) * inv + 0.5))
        iy = int(math.floor((qy - y0) * inv + 0.5))
        if not (0 <= ix < nx and 0 <= iy < ny):
            continue
        if at2(mat, iy, ix) != 0:
            n += 1
            continue
        dx = qx - px
        dy = qy - py
        d2 = dx * dx + dy * dy
        if d2 <= rk2:
            continue
        if d2 <= rf2:
            ex = x0 + ix * cell - px
            ey = y0 + iy * cell - py
            if ex * ex + ey * ey <= r2:
                f = (r + cell) / math.sqrt(d2)
                jx = int(math.floor((px + f * dx - x0) * inv + 0.5))
                jy = int(math.floor((py + f * dy - y0) * inv + 0.5))
                if 0 <= jx < nx and 0 <= jy < ny and at2(mat, jy, jx) != 0:
                    n += 1
                continue
        if owned:
            n += _owner_side(mat, own, x0, y0, cell, qx, qy, r)
    return n


@njit(cache=True, nogil=True)
def engagement_fresh_kernel(mat, x0, y0, cell, cx, cy, r, cs, sn, ang, px, py, stop=1 << 30):  # type: ignore[no-untyped-def]
    """:func:`engagement_front_kernel` for a tool that stepped from ``(px, py)`` to ``(cx, cy)``, without the
    raster's loss at the sides of the fresh crescent.

    Near the two ends of the front half the new circle runs just outside the previous disc (by ``step x
    cos``), closer than a cell: there the sample's cell centre often lies inside the previous disc, cleared
    by it although the sample itself is not. The plain count loses about ``cell / (8 step)`` radians there
    on average (3.6 deg at the default cell and step), with as much noise. Here a sample outside the
    previous disc whose cell is empty and whose cell centre lies inside that disc is decided by the cell
    one further out from ``(px, py)`` (the point at ``r + cell`` from it, whose cell lies outside the disc),
    when it lies more than ``_FRESH_KEEP`` cells outside that disc (closer ones are left to their own cell).
    The count stops as soon as it passes ``stop`` (a probe above the maximum is refused whatever its count).
    """
    return _front_count(mat, _NO_OWN, False, x0, y0, cell, cx, cy, r, r * cs, r * sn, ang, px, py, stop)


def engagement_fresh_reference(mat, x0, y0, cell, cx, cy, r, cs, sn, ang, px, py) -> int:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`engagement_fresh_kernel` (the same sample indices)."""
    kk = cs.shape[0]
    idx = (_front_first_py(ang, kk) + np.arange(kk // 2)) % kk
    qx, qy = cx + r * cs[idx], cy + r * sn[idx]
    inv = 1.0 / cell
    ix = np.floor((qx - x0) * inv + 0.5).astype(np.int64)
    iy = np.floor((qy - y0) * inv + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
    full = np.zeros(idx.size, bool)
    full[ok] = mat[iy[ok], ix[ok]] != 0
    d2 = (qx - px) ** 2 + (qy - py) ** 2
    inside = (x0 + ix * cell - px) ** 2 + (y0 + iy * cell - py) ** 2 <= r * r
    amb = ok & ~full & (d2 > (r + _FRESH_KEEP * cell) ** 2) & inside
    f = (r + cell) / np.sqrt(np.where(amb, d2, 1.0))
    jx = np.floor((px + f * (qx - px) - x0) * inv + 0.5).astype(np.int64)
    jy = np.floor((py + f * (qy - py) - y0) * inv + 0.5).astype(np.int64)
    inb = amb & (jx >= 0) & (jx < mat.shape[1]) & (jy >= 0) & (jy < mat.shape[0])
    extra = np.zeros(idx.size, bool)
    extra[inb] = mat[jy[inb], jx[inb]] != 0
    return int(np.count_nonzero(full | extra))


@njit(cache=True, nogil=True)
def _owner_side(mat, own, x0, y0, cell, qx, qy, r):  # type: ignore[no-untyped-def]
    """1 when the disc that cleared the cell of the point ``q`` (its centre in ``own``, NaN: unknown) leaves
    ``q`` more than ``_FRESH_KEEP`` cells outside it and the cell one further out from that centre (at
    ``r + cell``) holds material, else 0."""
    inv = 1.0 / cell
    ix = int(math.floor((qx - x0) * inv + 0.5))
    iy = int(math.floor((qy - y0) * inv + 0.5))
    ox = float(own[iy, ix, 0])
    if math.isnan(ox):
        return 0
    oy = float(own[iy, ix, 1])
    dx = qx - ox
    dy = qy - oy
    d2 = dx * dx + dy * dy
    if d2 <= (r + _FRESH_KEEP * cell) ** 2:
        return 0
    f = (r + cell) / math.sqrt(d2)
    jx = int(math.floor((ox + f * dx - x0) * inv + 0.5))
    jy = int(math.floor((oy + f * dy - y0) * inv + 0.5))
    ny, nx = mat.shape
    if 0 <= jx < nx and 0 <= jy < ny and mat[jy, jx] != 0:
        return 1
    return 0


_owner_side_py = getattr(_owner_side, "py_func", _owner_side)  # NUMBA_DISABLE_JIT=1: the function itself


@njit(cache=True, nogil=True)
def engagement_owned_kernel(mat, own, x0, y0, cell, cx, cy, r, cs, sn, ang, px, py, stop=1 << 30):  # type: ignore[no-untyped-def]
    """:func:`engagement_fresh_kernel` that also undoes the raster's loss at older boundaries.

    ``own[iy, ix]`` (float32 (ny, nx, 2), NaN where unknown) is the centre of the disc that cleared each
    cell. A front sample outside the previous disc whose cell is empty, and whose cell centre lies outside
    the previous disc too (the fresh count's rule does not apply), is counted when it lies more than
    ``_FRESH_KEEP`` cells outside the disc that cleared its cell and the cell one further out from that
    disc's centre holds material: the sample sits in the sliver, thinner than a cell, that the raster
    dropped along the edge of an earlier cut. Where the tool circle runs nearly
    tangent to such an edge (tight turns, passes beside the previous one at a shallow angle) the plain count
    loses several samples in a row (up to 10-15 deg at a cell of R / 20), and the direction search, which
    takes the first direction counted below the target, picks exactly those. The count stops as soon as it
    passes ``stop``.
    """
    return _front_count(mat, own, True, x0, y0, cell, cx, cy, r, r * cs, r * sn, ang, px, py, stop)


def engagement_owned_reference(mat, own, x0, y0, cell, cx, cy, r, cs, sn, ang, px, py) -> int:  # type: ignore[no-untyped-def]
    """Plain :func:`engagement_owned_kernel`: the fresh reference's count, then the owner rule per sample."""
    kk = cs.shape[0]
    idx = (_front_first_py(ang, kk) + np.arange(kk // 2)) % kk
    qx, qy = cx + r * cs[idx], cy + r * sn[idx]
    inv = 1.0 / cell
    ix = np.floor((qx - x0) * inv + 0.5).astype(np.int64)
    iy = np.floor((qy - y0) * inv + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
    full = np.zeros(idx.size, bool)
    full[ok] = mat[iy[ok], ix[ok]] != 0
    far = (qx - px) ** 2 + (qy - py) ** 2 > (r + _FRESH_KEEP * cell) ** 2
    outside = (x0 + ix * cell - px) ** 2 + (y0 + iy * cell - py) ** 2 > r * r
    n = engagement_fresh_reference(mat, x0, y0, cell, cx, cy, r, cs, sn, ang, px, py)
    for k in np.flatnonzero(ok & ~full & far & outside):
        n += _owner_side_py(mat, own, x0, y0, cell, float(qx[k]), float(qy[k]), r)
    return int(n)


@njit(cache=True, nogil=True)
def engagement_many_kernel(mat, x0, y0, cell, pts, r, cs, sn, value):  # type: ignore[no-untyped-def]
    """At every point of ``pts`` (M, 2), the number of circle points whose cell holds exactly ``value``;
    int64 (M,)."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    out = np.zeros(pts.shape[0], np.int64)
    for i in range(pts.shape[0]):
        n = 0
        for k in range(cs.shape[0]):
            ix = int(math.floor((at2(pts, i, 0) + r * at1(cs, k) - x0) * inv + 0.5))
            iy = int(math.floor((at2(pts, i, 1) + r * at1(sn, k) - y0) * inv + 0.5))
            if 0 <= ix < nx and 0 <= iy < ny and at2(mat, iy, ix) == value:
                n += 1
        set1(out, i, n)
    return out


def engagement_many_reference(mat, x0, y0, cell, pts, r, cs, sn, value) -> NDArray[np.int64]:  # type: ignore[no-untyped-def]
    """Plain :func:`engagement_many_kernel`."""
    return np.array([engagement_reference(mat == value, x0, y0, cell, p[0], p[1], r, cs, sn) for p in pts], np.int64)


@njit(cache=True, nogil=True)
def material_direction_kernel(mat, x0, y0, cell, cx, cy, r, cs, sn):  # type: ignore[no-untyped-def]
    """Sum of the unit vectors of the circle points in material: (mx, my, count)."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    mx = 0.0
    my = 0.0
    n = 0
    for k in range(cs.shape[0]):
        ix = int(math.floor((cx + r * at1(cs, k) - x0) * inv + 0.5))
        iy = int(math.floor((cy + r * at1(sn, k) - y0) * inv + 0.5))
        if 0 <= ix < nx and 0 <= iy < ny and at2(mat, iy, ix) != 0:
            mx += at1(cs, k)
            my += at1(sn, k)
            n += 1
    return mx, my, n


def material_direction_reference(mat, x0, y0, cell, cx, cy, r, cs, sn):  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`material_direction_kernel`."""
    inv = 1.0 / cell
    ix = np.floor((cx + r * cs - x0) * inv + 0.5).astype(np.int64)
    iy = np.floor((cy + r * sn - y0) * inv + 0.5).astype(np.int64)
    ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
    hit = np.zeros(cs.shape[0], bool)
    hit[ok] = mat[iy[ok], ix[ok]] != 0
    # summed left to right like the kernel (NumPy's pairwise sum rounds differently in the last bit)
    return float(sum(cs[hit].tolist())), float(sum(sn[hit].tolist())), int(hit.sum())


# removal --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def clear_disc_kernel(mat, x0, y0, cell, cx, cy, r):  # type: ignore[no-untyped-def]
    """Clear the cells whose centre is within ``r`` of ``(cx, cy)``; return how many held material."""
    return clear_capsule_kernel(mat, x0, y0, cell, cx, cy, cx, cy, r)


def clear_disc_reference(mat, x0, y0, cell, cx, cy, r) -> int:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`clear_disc_kernel`."""
    return clear_capsule_reference(mat, x0, y0, cell, cx, cy, cx, cy, r)


@njit(cache=True, nogil=True)
def clear_capsule_kernel(mat, x0, y0, cell, ax, ay, bx, by, r):  # type: ignore[no-untyped-def]
    """Clear the cells whose centre is within ``r`` of the segment a-b; return how many held material."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    i0 = max(0, int(math.ceil((min(ax, bx) - r - x0) * inv)) - 1)
    i1 = min(nx - 1, int(math.floor((max(ax, bx) + r - x0) * inv)) + 1)
    j0 = max(0, int(math.ceil((min(ay, by) - r - y0) * inv)) - 1)
    j1 = min(ny - 1, int(math.floor((max(ay, by) + r - y0) * inv)) + 1)
    dx = bx - ax
    dy = by - ay
    ll = dx * dx + dy * dy
    r2 = r * r
    n = 0
    for j in range(j0, j1 + 1):
        y = y0 + j * cell
        for i in range(i0, i1 + 1):
            if at2(mat, j, i) == 0:
                continue
            x = x0 + i * cell
            t = 0.0
            if ll > 0.0:
                t = ((x - ax) * dx + (y - ay) * dy) / ll
                t = min(1.0, max(0.0, t))
            ex = x - ax - t * dx
            ey = y - ay - t * dy
            if ex * ex + ey * ey <= r2:
                set2(mat, j, i, 0)
                n += 1
    return n


def clear_capsule_reference(mat, x0, y0, cell, ax, ay, bx, by, r) -> int:  # type: ignore[no-untyped-def]
    """Plain NumPy :func:`clear_capsule_kernel` (whole grid)."""
    yy, xx = np.mgrid[0 : mat.shape[0], 0 : mat.shape[1]]
    x = x0 + xx * cell
    y = y0 + yy * cell
    d = np.array([bx - ax, by - ay])
    ll = float(d @ d)
    t = np.zeros_like(x, dtype=np.float64) if ll == 0 else np.clip(((x - ax) * d[0] + (y - ay) * d[1]) / ll, 0, 1)
    hit = ((x - ax - t * d[0]) ** 2 + (y - ay - t * d[1]) ** 2 <= r * r) & (mat != 0)
    mat[hit] = 0
    return int(hit.sum())


_SUBROWS = 4  # the chord tables' steps per cell of distance between a row and a disc's centre


@njit(cache=True, nogil=True)
def _chord_tables(r, cell):  # type: ignore[no-untyped-def]
    """Half-widths of a disc's chords, in cells, per row distance ``q / _SUBROWS`` cells from its centre:
    ``wo[q]``, at least the chord's on every row that far or farther (plus 1e-6: every cell whose centre lies
    within ``r`` is covered), and ``wi[q]`` (-1: none), at least 0.01 cell short of the chord's on every row
    that far or nearer (the cells it covers lie inside)."""
    rr = r / cell
    nq = int(math.ceil((rr + 1.0) * _SUBROWS)) + 1
    wo = np.empty(nq + 1)
    wi = np.empty(nq + 1)
    for q in range(nq + 1):
        h2 = rr * rr - (q / _SUBROWS) ** 2
        h = math.sqrt(h2) if h2 > 0.0 else 0.0
        set1(wo, q, h + 1e-6)
        set1(wi, q, h - 0.01 if h >= 1.0 else -1.0)
    return wo, wi


@njit(cache=True, nogil=True)
def _clear_disc_logged(mat, x0, y0, cell, cx, cy, r, log, nlog, own):  # type: ignore[no-untyped-def]
    """Clear the disc like :func:`clear_disc_kernel`, appending flat indices of cleared cells to ``log`` and
    writing ``(cx, cy)`` to ``own`` at each (the disc that cleared the cell: see :func:`engagement_owned_kernel`)."""
    wo, wi = _chord_tables(r, cell)
    return _clear_crescent_logged(mat, x0, y0, cell, cx, cy, cx, cy, False, r, wo, wi, log, nlog, own)


@njit(cache=True, nogil=True)
def _clear_crescent_logged(mat, x0, y0, cell, cx, cy, px, py, clear_p, r, wo, wi, log, nlog, own):  # type: ignore[no-untyped-def]
    """Clear the cells whose centre is within ``r`` of ``(cx, cy)``, logging their flat indices (row by row,
    left to right) and writing ``(cx, cy)`` to ``own`` at each; with ``clear_p`` the disc of the same radius at
    ``(px, py)`` is already clear. ``wo``, ``wi``: :func:`_chord_tables` of ``r`` and ``cell``.

    Per row only the cells within the new disc's chord (``wo``, with a cell to spare) are tested, and with
    ``clear_p`` the cells well inside the old disc's chord (``wi``) are skipped: they hold no material. The
    test itself is the plain one (centre within ``r``), so the result is that of testing every cell."""
    ny, nx = mat.shape
    inv = 1.0 / cell
    nq = wo.shape[0] - 1
    fcx = (cx - x0) * inv
    fcy = (cy - y0) * inv
    fpx = (px - x0) * inv
    fpy = (py - y0) * inv
    reach = nq / _SUBROWS
    j0 = max(0, int(math.ceil(fcy - reach)))
    j1 = min(ny - 1, int(math.floor(fcy + reach)))
    r2 = r * r
    for j in range(j0, j1 + 1):
        q = int(abs(j - fcy) * _SUBROWS)  # rounded down: the row is at least q / _SUBROWS cells away
        if q > nq:
            continue
        ia = max(0, int(math.floor(fcx - at1(wo, q))))
        ib = min(nx - 1, int(math.ceil(fcx + at1(wo, q))))
        k0 = ib + 1  # the skipped run k0..k1 (none: k0 > ib)
        k1 = ib
        if clear_p:
            qp = int(math.ceil(abs(j - fpy) * _SUBROWS))  # rounded up: at most qp / _SUBROWS cells away
            if qp <= nq and at1(wi, qp) >= 0.0:
                k0 = max(ia, int(math.ceil(fpx - at1(wi, qp))))
                k1 = min(ib, int(math.floor(fpx + at1(wi, qp))))
        dy = y0 + j * cell - cy
        for part in range(2):
            a = ia if part == 0 else max(ia, k1 + 1)
            b = min(ib, k0 - 1) if part == 0 else ib
            if part == 1 and k0 > ib:
                break  # no skipped run: the first range covered the row
            for i in range(a, b + 1):
                if at2(mat, j, i) == 0:
                    continue
                dx = x0 + i * cell - cx
                if dx * dx + dy * dy <= r2:
                    set2(mat, j, i, 0)
                    own[j, i, 0] = cx
                    own[j, i, 1] = cy
                    if nlog < log.shape[0]:
                        set1(log, nlog, j * nx + i)
                    nlog += 1
    return nlog


def _clear_disc_logged_reference(mat, x0, y0, cell, cx, cy, r, log, nlog, own):  # type: ignore[no-untyped-def]
    yy, xx = np.mgrid[0 : mat.shape[0], 0 : mat.shape[1]]
    hit = ((x0 + xx * cell - cx) ** 2 + (y0 + yy * cell - cy) ** 2 <= r * r) & (mat != 0)
    idx = np.flatnonzero(hit)
    mat[hit] = 0
    own[hit] = (cx, cy)
    k = min(idx.size, max(0, log.shape[0] - nlog))
    log[nlog : nlog + k] = idx[:k]
    return nlog + idx.size
