"""The stepping loop of adaptive clearing on the raster: one pass (:func:`adaptive_pass_kernel`), its direction
search, and the check of a straight link (:func:`link_is_clear_kernel`); raster and engagement counts as in
:mod:`toolpath.kernels.engagement`.

Each ``*_kernel`` (Numba) has a ``*_reference`` (plain NumPy/Python) beside it that the tests compare it
with.

Array elements are read and written through the intrinsics of :mod:`toolpath.kernels.access` (cheaper to
compile than ``a[i, j]``, no wraparound of negative indices); ``allowed`` is read only after the bounds test
(short-circuit ``or``), so no index is ever negative and none keeps Numba's indexing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .access import at2, set1, set2
from .engagement import (
    _chord_tables,
    _clear_crescent_logged,
    _clear_disc_logged,
    _clear_disc_logged_reference,
    _front_count,
    engagement_fresh_reference,
    engagement_kernel,
    engagement_owned_reference,
    engagement_reference,
)

__all__ = [
    "link_is_clear_kernel",
    "link_is_clear_reference",
    "adaptive_pass_kernel",
    "adaptive_pass_reference",
    "END_AIR",
    "END_STUCK",
    "END_STEPS",
]

#: Why a pass ended: it cut air for too long, no allowed direction kept the engagement in bounds,
#: or it used its step budget.
END_AIR, END_STUCK, END_STEPS = 0, 1, 2

_FIRST_DEG = 8.0  # first step of the direction scan from the last step's turn, degrees (then 15° steps)
_BRACKET_DEG = 2.0  # the direction is bisected down to this bracket, degrees (the raster decides below that)


# links ----------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def link_is_clear_kernel(mat, allowed, x0, y0, cell, ax, ay, bx, by, r, cs, sn, max_count):  # type: ignore[no-untyped-def]
    """True when the tool centre stays on allowed cells from a to b and its circle meets at most
    ``max_count`` material points anywhere on the way (sampled every half cell)."""
    ny, nx = allowed.shape
    length = math.hypot(bx - ax, by - ay)
    m = max(1, int(math.ceil(length / (0.5 * cell))))
    inv = 1.0 / cell
    for s in range(m + 1):
        t = s / m
        x = ax + t * (bx - ax)
        y = ay + t * (by - ay)
        ix = int(math.floor((x - x0) * inv + 0.5))
        iy = int(math.floor((y - y0) * inv + 0.5))
        if not (0 <= ix < nx and 0 <= iy < ny) or at2(allowed, iy, ix) == 0:
            return False
        if engagement_kernel(mat, x0, y0, cell, x, y, r, cs, sn, max_count) > max_count:
            return False
    return True


def link_is_clear_reference(mat, allowed, x0, y0, cell, ax, ay, bx, by, r, cs, sn, max_count) -> bool:  # type: ignore[no-untyped-def]
    """Plain :func:`link_is_clear_kernel`."""
    length = math.hypot(bx - ax, by - ay)
    m = max(1, int(math.ceil(length / (0.5 * cell))))
    for t in np.arange(m + 1) / m:
        x, y = ax + t * (bx - ax), ay + t * (by - ay)
        ix, iy = int(np.floor((x - x0) * (1.0 / cell) + 0.5)), int(np.floor((y - y0) * (1.0 / cell) + 0.5))
        if not (0 <= ix < allowed.shape[1] and 0 <= iy < allowed.shape[0]) or allowed[iy, ix] == 0:
            return False
        if engagement_reference(mat, x0, y0, cell, x, y, r, cs, sn) > max_count:
            return False
    return True


# the stepping loop -----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _probe(mat, own, allowed, x0, y0, cell, px, py, ang, step, r, rcs, rsn, owned, stop):  # type: ignore[no-untyped-def]
    """Engagement count at ``p + step * (cos ang, sin ang)`` (:func:`engagement_fresh_kernel` from ``p``, or
    :func:`engagement_owned_kernel` when ``owned``), or a huge value where the centre may not go; a count
    above ``stop`` (the maximum: such a direction is refused) is not finished, which changes no decision."""
    qx = px + step * math.cos(ang)
    qy = py + step * math.sin(ang)
    ny, nx = allowed.shape
    ix = int(math.floor((qx - x0) * (1.0 / cell) + 0.5))
    iy = int(math.floor((qy - y0) * (1.0 / cell) + 0.5))
    if not (0 <= ix < nx and 0 <= iy < ny) or at2(allowed, iy, ix) == 0:
        return 1 << 30
    return _front_count(mat, own, owned, x0, y0, cell, qx, qy, r, rcs, rsn, ang, px, py, stop)


@njit(cache=True, nogil=True)
def _direction(mat, own, allowed, x0, y0, cell, px, py, h, side, turn, ds, r, rcs, rsn,  # type: ignore[no-untyped-def]
               target, max_count, owned):
    """The direction search of one step of length ``ds`` (see :func:`adaptive_pass_kernel`): ``(found, turn,
    count)``, the turn from the heading ``h`` toward the material, radians."""
    big = 1 << 30
    inc = math.radians(15.0)
    t_max = math.radians(120.0)
    t_min = -math.radians(150.0)
    t0 = min(t_max, max(t_min, turn))
    e0 = _probe(mat, own, allowed, x0, y0, cell, px, py, h + side * t0, ds, r, rcs, rsn, owned, max_count)
    t_lo = -1e9
    e_lo = 0
    t_hi = 1e9
    e_hi = big
    t = t0
    d = math.radians(_FIRST_DEG)
    if e0 < target:
        t_lo = t0
        e_lo = e0
        while t < t_max:
            t += d
            d = inc
            e = _probe(mat, own, allowed, x0, y0, cell, px, py, h + side * t, ds, r, rcs, rsn, owned, max_count)
            if e >= target:
                t_hi = t
                e_hi = e
                break
            t_lo = t
            e_lo = e
    else:
        t_hi = t0
        e_hi = e0
        while t > t_min:
            t -= d
            d = inc
            e = _probe(mat, own, allowed, x0, y0, cell, px, py, h + side * t, ds, r, rcs, rsn, owned, max_count)
            if e < target:
                t_lo = t
                e_lo = e
                break
            t_hi = t
            e_hi = e
    if t_lo > -1e8 and t_hi < 1e8:
        while t_hi - t_lo > math.radians(_BRACKET_DEG):
            tm = 0.5 * (t_lo + t_hi)
            e = _probe(mat, own, allowed, x0, y0, cell, px, py, h + side * tm, ds, r, rcs, rsn, owned, max_count)
            if e >= target:
                t_hi = tm
                e_hi = e
            else:
                t_lo = tm
                e_lo = e
    # prefer the low side; the high side if closer and within the maximum
    if t_lo > -1e8:
        if t_hi < 1e8 and e_hi <= max_count and ((e_hi - target) < (target - e_lo) or 2 * e_lo < target):
            return True, t_hi, e_hi
        return True, t_lo, e_lo
    if t_hi < 1e8 and e_hi <= max_count:
        return True, t_hi, e_hi
    return False, 0.0, 0


@njit(cache=True, nogil=True)
def _checked_direction(mat, own, allowed, x0, y0, cell, px, py, h, side, turn, ds, r, rcs, rsn,  # type: ignore[no-untyped-def]
                       target, max_count):
    """:func:`_direction` with the fresh count; where the tool stands on a cell of ``allowed`` marked 2 (near
    the edge of the allowed region: narrow places, walls, tips), its choice counted again with the owned
    count, and searched again with the owned count where that leaves the side chosen."""
    found, t, e = _direction(mat, own, allowed, x0, y0, cell, px, py, h, side, turn, ds, r, rcs, rsn, target,
                             max_count, False)
    ix = int(math.floor((px - x0) * (1.0 / cell) + 0.5))
    iy = int(math.floor((py - y0) * (1.0 / cell) + 0.5))
    ny, nx = allowed.shape
    if not found or not (0 <= ix < nx and 0 <= iy < ny) or at2(allowed, iy, ix) != 2:
        return found, t, e
    e2 = _probe(mat, own, allowed, x0, y0, cell, px, py, h + side * t, ds, r, rcs, rsn, True, max_count)
    if e2 <= (max_count if e >= target else target - 1):
        return True, t, e2
    return _direction(mat, own, allowed, x0, y0, cell, px, py, h, side, turn, ds, r, rcs, rsn, target, max_count,
                      True)


@njit(cache=True, nogil=True)
def adaptive_pass_kernel(mat, allowed, x0, y0, cell, r, cs, sn, px, py, heading, step, min_step,  # type: ignore[no-untyped-def]
                         target, max_count, min_count, side, max_air, out_xy, out_e, log, own):
    """Advance the tool from ``(px, py)`` keeping its engagement near ``target`` circle points.

    At each step the direction is searched (turning toward the material raises the engagement): from the
    previous step's turn, one 8° step then 15° steps toward or away from the material until the target is
    bracketed, then by bisection down to 2°; the engagement is counted on the half of the circle facing
    the motion (:func:`engagement_fresh_kernel`); the direction on the low side of the target is taken,
    unless the high side is within ``max_count`` and nearer the target or the low side has less than half
    of it. Where the tool stands on a cell of ``allowed`` marked 2 (the caller marks the allowed cells near
    the region's edge), the chosen direction is counted again with :func:`engagement_owned_kernel` (the
    raster's loss along older edges undone, about 1.5x the cost of a probe); where that count leaves the
    side chosen (the low side reaches the target, the high side passes ``max_count``), the search is run
    again with the owned count (it costs the search once more, only there). Where no direction stays at or below
    ``max_count`` the step is halved down to ``min_step``. The
    disc at each new centre is cleared from ``mat`` (only its crescent outside the previous disc, which is
    clear already) and the flat indices of the cleared cells are written to ``log`` (so a pass can be
    undone).
    ``side`` is -1 when the material is kept on the right (climb), +1 on the left.

    Returns
    -------
    n : int
        Points written to ``out_xy`` (the start included), trimmed after the last engaged one.
    reason : int
        ``END_AIR``, ``END_STUCK`` or ``END_STEPS``.
    removed : int
        Cells of material removed (the trimmed air steps included; they remove next to nothing); the first
        ``min(removed, log.size)`` entries of ``log`` are their flat indices.
    """
    cap = out_xy.shape[0]
    rcs = r * cs  # the circle's offsets, mm, scaled once for every probe of the pass
    rsn = r * sn
    wo, wi = _chord_tables(r, cell)
    set2(out_xy, 0, 0, px)
    set2(out_xy, 0, 1, py)
    set1(out_e, 0, engagement_kernel(mat, x0, y0, cell, px, py, r, cs, sn))
    removed = _clear_disc_logged(mat, x0, y0, cell, px, py, r, log, 0, own)
    n = 1
    last_engaged = 0
    air = 0
    h = heading
    turn = 0.0  # the previous step's turn: the first guess of this one
    reason = END_STEPS
    while n < cap:
        ds = step
        found = False
        best_t = 0.0
        best_e = 0
        while ds >= min_step * 0.999:
            found, best_t, best_e = _checked_direction(mat, own, allowed, x0, y0, cell, px, py, h, side, turn, ds,
                                                       r, rcs, rsn, target, max_count)
            if found:
                break
            ds *= 0.5
        if not found:
            reason = END_STUCK
            break
        best_a = h + side * best_t
        ox = px
        oy = py
        px = px + ds * math.cos(best_a)
        py = py + ds * math.sin(best_a)
        h = best_a
        turn = best_t
        got = _clear_crescent_logged(mat, x0, y0, cell, px, py, ox, oy, True, r, wo, wi, log, removed, own) - removed
        removed += got
        set2(out_xy, n, 0, px)
        set2(out_xy, n, 1, py)
        set1(out_e, n, best_e)
        n += 1
        if best_e >= min_count and got > 0:
            last_engaged = n - 1
            air = 0
        else:
            air += 1
            if air > max_air:
                reason = END_AIR
                break
    if reason != END_STEPS or air > 0:
        n = last_engaged + 1
    return n, reason, removed


def adaptive_pass_reference(mat, allowed, x0, y0, cell, r, cs, sn, px, py, heading, step, min_step,  # type: ignore[no-untyped-def]
                            target, max_count, min_count, side, max_air, out_xy, out_e, log, own):
    """Plain-Python :func:`adaptive_pass_kernel` (same decisions, NumPy engagement and removal)."""
    big = 1 << 30

    def probe(ang: float, ds: float, owned: bool) -> int:
        qx, qy = px + ds * math.cos(ang), py + ds * math.sin(ang)
        ix, iy = int(np.floor((qx - x0) * (1.0 / cell) + 0.5)), int(np.floor((qy - y0) * (1.0 / cell) + 0.5))
        if not (0 <= ix < allowed.shape[1] and 0 <= iy < allowed.shape[0]) or allowed[iy, ix] == 0:
            return big
        if owned:
            return engagement_owned_reference(mat, own, x0, y0, cell, qx, qy, r, cs, sn, ang, px, py)
        return engagement_fresh_reference(mat, x0, y0, cell, qx, qy, r, cs, sn, ang, px, py)

    def direction(ds: float, owned: bool) -> tuple[bool, float, int]:
        inc = math.radians(15.0)
        t_max, t_min = math.radians(120.0), -math.radians(150.0)
        t0 = min(t_max, max(t_min, turn))
        e0 = probe(h + side * t0, ds, owned)
        t_lo, e_lo, t_hi, e_hi = -1e9, 0, 1e9, big
        t, d = t0, math.radians(_FIRST_DEG)
        if e0 < target:
            t_lo, e_lo = t0, e0
            while t < t_max:
                t += d
                d = inc
                e = probe(h + side * t, ds, owned)
                if e >= target:
                    t_hi, e_hi = t, e
                    break
                t_lo, e_lo = t, e
        else:
            t_hi, e_hi = t0, e0
            while t > t_min:
                t -= d
                d = inc
                e = probe(h + side * t, ds, owned)
                if e < target:
                    t_lo, e_lo = t, e
                    break
                t_hi, e_hi = t, e
        if t_lo > -1e8 and t_hi < 1e8:
            while t_hi - t_lo > math.radians(_BRACKET_DEG):
                tm = 0.5 * (t_lo + t_hi)
                e = probe(h + side * tm, ds, owned)
                if e >= target:
                    t_hi, e_hi = tm, e
                else:
                    t_lo, e_lo = tm, e
        if t_lo > -1e8:
            if t_hi < 1e8 and e_hi <= max_count and ((e_hi - target) < (target - e_lo) or 2 * e_lo < target):
                return True, t_hi, e_hi
            return True, t_lo, e_lo
        if t_hi < 1e8 and e_hi <= max_count:
            return True, t_hi, e_hi
        return False, 0.0, 0

    cap = out_xy.shape[0]
    out_xy[0] = (px, py)
    out_e[0] = engagement_reference(mat, x0, y0, cell, px, py, r, cs, sn)
    removed = _clear_disc_logged_reference(mat, x0, y0, cell, px, py, r, log, 0, own)
    n, last_engaged, air, h = 1, 0, 0, heading
    turn = 0.0
    reason = END_STEPS
    while n < cap:
        ds = step
        found, best_t, best_e = False, 0.0, 0
        while ds >= min_step * 0.999:
            found, best_t, best_e = direction(ds, False)
            ix, iy = int(np.floor((px - x0) * (1.0 / cell) + 0.5)), int(np.floor((py - y0) * (1.0 / cell) + 0.5))
            edge = 0 <= ix < allowed.shape[1] and 0 <= iy < allowed.shape[0] and allowed[iy, ix] == 2
            if found and edge:
                e2 = probe(h + side * best_t, ds, True)
                if e2 <= (max_count if best_e >= target else target - 1):
                    best_e = e2
                else:
                    found, best_t, best_e = direction(ds, True)
            if found:
                break
            ds *= 0.5
        if not found:
            reason = END_STUCK
            break
        best_a = h + side * best_t
        px, py = px + ds * math.cos(best_a), py + ds * math.sin(best_a)
        h, turn = best_a, best_t
        got = _clear_disc_logged_reference(mat, x0, y0, cell, px, py, r, log, removed, own) - removed
        removed += got
        out_xy[n] = (px, py)
        out_e[n] = best_e
        n += 1
        if best_e >= min_count and got > 0:
            last_engaged, air = n - 1, 0
        else:
            air += 1
            if air > max_air:
                reason = END_AIR
                break
    if reason != END_STEPS or air > 0:
        n = last_engaged + 1
    return n, reason, removed
