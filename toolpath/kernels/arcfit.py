"""Arc fitting kernel: runs of straight feeds replaced by (helical) XY arcs within a tolerance.

Input and output are the columns of a :class:`~toolpath.moves.Toolpath` (``kind`` int8, ``xyz`` (N, 3),
``center`` (N, 2), ``feed`` (N,)) plus the start point of the first move. The points are handled as one
array ``P`` of shape (N + 1, 3): ``P[0]`` is the start, ``P[k + 1] = xyz[k]``, so move ``k`` goes from
``P[k]`` to ``P[k + 1]``.

A *run* is a maximal stretch of consecutive FEED moves with one feed (bit-equal). In a run, from the
current point ``P[s]`` the longest stretch ``P[s..e]`` that one arc follows becomes an arc ending at
``P[e]`` (an original vertex, so the path keeps its corners); where no arc of at least ``min_segments``
segments fits, one straight move is kept and the search starts again from the next point. With
``simplify``, each stretch of lines left between arcs is then reduced by Douglas-Peucker within ``tol``
(3D distance to the chord), which keeps that stretch within ``tol`` of the original both ways too.

The candidate arc for ``P[s..e]`` (``_arc_through``):

- its centre lies on the perpendicular bisector of ``P[s] P[e]`` in XY (start and end radii are equal,
  as controllers check), at the position minimising the algebraic residuals
  ``sum_k (|Q_k - c|^2 - r^2)^2`` over the vertices between and the chord midpoints (a one-parameter
  least-squares problem, closed form); with the midpoints, a finely sampled circle is fitted between its
  vertices (outside) and its chords (inside), not through the vertices, which leaves the chords'
  sagitta as the whole error;
- it is accepted when every vertex lies within ``tol`` of the circle and every chord stays outside
  ``r - tol`` (its closest approach to the centre; the farthest point of a chord is a vertex, as the
  distance to the centre is convex along it), so the polyline lies in the annulus ``r +- tol``;
- the points turn one way about the centre (every cross product of successive radii has one strict
  sign, so each chord sweeps less than a half turn) and the total sweep is at most ``max_sweep``;
- ``tol < r <= max_radius``;
- Z: when every point has the start's Z the arc is flat; otherwise Z must be linear in the swept angle
  (a helix) within the tolerance, at the vertices and at the chord midpoints, and the XY and Z checks
  then use ``tol / sqrt(2)`` each so that the 3D distance stays within ``tol``.

With the sweep monotonic and the polyline in the annulus, each polyline point and the arc point at the
same angle are within ``tol`` of each other, so the two-sided (Hausdorff) distance between the run and
its arcs is at most ``tol``.

The longest stretch is searched by galloping (spans ``m, 2m, 4m, ...`` segments) and then bisection
between the last span that fits and the first that does not, so a run of ``L`` points costs
``O(L log L)``. Acceptance is not strictly monotone in the span (noise), so this is "longest" in the
sense of that search; :func:`fit_arcs_reference` does the same search in plain NumPy. When the longest
arc would leave fewer than ``min_segments`` lines before the end of the run (which would stay lines), it
ends ``min_segments`` before the end instead if both that arc and the tail's arc fit (a sampled circle
then becomes arcs only).

:func:`fit_polylines_kernel` fits many polylines in one call (each as one run of feeds, as
:func:`fit_arcs_kernel` fits it), for callers with thousands of short passes; its plain counterpart
:func:`fit_polylines_reference` calls :func:`fit_arcs_reference` on each.

The kernels read and write array elements through the intrinsics of :mod:`toolpath.kernels.access` (cheaper
to compile than ``p[k, 0]``, no wraparound of negative indices). No index is negative, so none keeps Numba's
indexing: the line simplification's ``keep[k - a]`` has ``k >= a`` (its worst point ``at`` is set whenever
its distance passes ``tol``), an arc's end ``e`` is read only once the search found one.
"""

from __future__ import annotations

import math

import numpy as np
from numba import int64, njit
from numpy.typing import NDArray

from .access import at1, at2, set1, set2

__all__ = ["fit_arcs_kernel", "fit_arcs_reference", "fit_polylines_kernel", "fit_polylines_reference",
           "arc_through_kernel", "arc_through_reference"]

_FEED = 1
_ARC_CW = 2
_ARC_CCW = 3
_SQRT_HALF = math.sqrt(0.5)


@njit(cache=True, nogil=True)
def arc_through_kernel(p, s, e, tol, max_radius, max_sweep):  # type: ignore[no-untyped-def]
    """Whether one arc from ``p[s]`` to ``p[e]`` follows the points ``p[s..e]`` (see the module docstring).

    Returns ``(ok, cx, cy, ccw)``: the centre in mm and the direction (``ccw`` True for G3).
    """
    x0 = at2(p, s, 0)
    y0 = at2(p, s, 1)
    z0 = at2(p, s, 2)
    wx = at2(p, e, 0) - x0
    wy = at2(p, e, 1) - y0
    chord = math.hypot(wx, wy)
    if not chord > 0.0:
        return False, 0.0, 0.0, False
    nx = -wy / chord
    ny = wx / chord
    mx = 0.5 * wx
    my = 0.5 * wy
    sab = 0.0
    sbb = 0.0
    helical = at2(p, e, 2) != z0
    for k in range(s + 1, e):
        dx = at2(p, k, 0) - x0
        dy = at2(p, k, 1) - y0
        a = dx * dx + dy * dy - 2.0 * (mx * dx + my * dy)
        b = 2.0 * (nx * dx + ny * dy)
        sab += a * b
        sbb += b * b
        if at2(p, k, 2) != z0:
            helical = True
    for k in range(s, e):  # the chord midpoints: the circle goes between vertices and chords
        dx = 0.5 * (at2(p, k, 0) + at2(p, k + 1, 0)) - x0
        dy = 0.5 * (at2(p, k, 1) + at2(p, k + 1, 1)) - y0
        a = dx * dx + dy * dy - 2.0 * (mx * dx + my * dy)
        b = 2.0 * (nx * dx + ny * dy)
        sab += a * b
        sbb += b * b
    if not sbb > 0.0:
        return False, 0.0, 0.0, False
    t = sab / sbb
    cx = mx + t * nx
    cy = my + t * ny
    r = math.hypot(cx, cy)
    if not (r <= max_radius and r > tol):
        return False, 0.0, 0.0, False
    tl = tol * _SQRT_HALF if helical else tol
    sign = 0
    sweep = 0.0
    ex = -cx
    ey = -cy
    for k in range(s, e):
        fx = at2(p, k + 1, 0) - x0 - cx
        fy = at2(p, k + 1, 1) - y0 - cy
        if abs(math.hypot(fx, fy) - r) > tl:
            return False, 0.0, 0.0, False
        cr = ex * fy - ey * fx
        if cr > 0.0:
            sg = 1
        elif cr < 0.0:
            sg = -1
        else:
            return False, 0.0, 0.0, False
        if sign == 0:
            sign = sg
        elif sg != sign:
            return False, 0.0, 0.0, False
        sweep += math.atan2(abs(cr), ex * fx + ey * fy)
        if sweep > max_sweep:
            return False, 0.0, 0.0, False
        sx = fx - ex
        sy = fy - ey
        u = -(ex * sx + ey * sy) / (sx * sx + sy * sy)
        u = min(1.0, max(0.0, u))
        if r - math.hypot(ex + u * sx, ey + u * sy) > tl:
            return False, 0.0, 0.0, False
        ex = fx
        ey = fy
    if helical:
        dz = at2(p, e, 2) - z0
        acc = 0.0
        ex = -cx
        ey = -cy
        for k in range(s, e):
            fx = at2(p, k + 1, 0) - x0 - cx
            fy = at2(p, k + 1, 1) - y0 - cy
            hx = 0.5 * (ex + fx)
            hy = 0.5 * (ey + fy)
            a_mid = acc + math.atan2(abs(ex * hy - ey * hx), ex * hx + ey * hy)
            acc += math.atan2(abs(ex * fy - ey * fx), ex * fx + ey * fy)
            z_mid = 0.5 * (at2(p, k, 2) + at2(p, k + 1, 2))
            if abs(z_mid - (z0 + dz * a_mid / sweep)) > tl:
                return False, 0.0, 0.0, False
            if abs(at2(p, k + 1, 2) - (z0 + dz * acc / sweep)) > tl:
                return False, 0.0, 0.0, False
            ex = fx
            ey = fy
    return True, cx + x0, cy + y0, sign > 0


@njit(cache=True, nogil=True)
def _longest(p, s, b, tol, min_segments, max_radius, max_sweep):  # type: ignore[no-untyped-def]
    """End index of the longest arc from ``p[s]`` within ``p[s..b]`` (-1 if none), and its centre, direction."""
    lo = s + min_segments
    if lo > b:
        return -1, 0.0, 0.0, False
    # one call site of the fit (each call site is compiled into this function and its callers again):
    # stage 0 searches, stages 1 and 2 try an earlier end when the tail left would be too short for an arc
    good = -1
    bad = -1
    cx = cy = 0.0
    ccw = False
    fs = s
    cand = lo
    span = min_segments
    stage = 0
    e2 = -1
    while True:
        ok, cx2, cy2, ccw2 = arc_through_kernel(p, fs, cand, tol, max_radius, max_sweep)
        if stage == 1:  # the arc to the earlier end e2
            if not ok:
                break
            ex, ey, eccw = cx2, cy2, ccw2
            stage = 2
            fs = e2
            cand = b
            continue
        if stage == 2:  # the tail from e2
            if ok:
                good, cx, cy, ccw = e2, ex, ey, eccw
            break
        if ok:
            good = cand
            cx = cx2
            cy = cy2
            ccw = ccw2
        else:
            bad = cand
        if good < 0:
            return -1, 0.0, 0.0, False
        done = False
        if bad < 0:  # galloping: double the span until the fit fails or the run ends
            if good == b:
                done = True
            else:
                span *= 2
                cand = min(s + span, b)
        elif bad - good <= 1:  # bisecting between the longest fit and the shortest failure
            done = True
        else:
            cand = (good + bad) // 2
        if done:
            if 0 < b - good < min_segments and good - s >= 2 * min_segments:
                e2 = b - min_segments
                stage = 1
                cand = e2
            else:
                break
    return good, cx, cy, ccw


@njit(cache=True, nogil=True)
def _keep_kernel(p, a, c, tol, keep):  # type: ignore[no-untyped-def]
    """Douglas-Peucker on ``p[a..c]`` (3D distance to the chord): sets ``keep[k - a]`` for the kept points."""
    set1(keep, 0, True)
    set1(keep, c - a, True)
    stack = np.empty((c - a + 1, 2), np.int64)
    set2(stack, 0, 0, a)
    set2(stack, 0, 1, c)
    top = 1
    while top > 0:
        top -= 1
        lo = at2(stack, top, 0)
        hi = at2(stack, top, 1)
        if hi - lo < 2:
            continue
        lx = at2(p, lo, 0)
        ly = at2(p, lo, 1)
        lz = at2(p, lo, 2)
        sx = at2(p, hi, 0) - lx
        sy = at2(p, hi, 1) - ly
        sz = at2(p, hi, 2) - lz
        ss = sx * sx + sy * sy + sz * sz
        worst = -1.0
        at = -1
        for k in range(lo + 1, hi):
            dx = at2(p, k, 0) - lx
            dy = at2(p, k, 1) - ly
            dz = at2(p, k, 2) - lz
            u = 0.0
            if ss > 0.0:
                u = min(1.0, max(0.0, (dx * sx + dy * sy + dz * sz) / ss))
            ex = dx - u * sx
            ey = dy - u * sy
            ez = dz - u * sz
            d = math.sqrt(ex * ex + ey * ey + ez * ez)
            if d > worst:
                worst = d
                at = k
        if worst > tol:
            set1(keep, at - a, True)
            set2(stack, top, 0, lo)
            set2(stack, top, 1, at)
            set2(stack, top + 1, 0, at)
            set2(stack, top + 1, 1, hi)
            top += 2


# (locals declared int64: a variable starting at a constant was passed on as Literal[int] and compiled the callee
# for a signature of its own)
@njit(cache=True, nogil=True, locals=dict(lines=int64))
def _fit_run(p, i, b, f, tol, min_segments, max_radius, max_sweep, simplify, keep, ok_, oxyz, oc, of, m):  # type: ignore[no-untyped-def]  # noqa: E501
    """Write the moves fitted to the run of feeds ``p[i] -> ... -> p[b]`` (feed ``f``) at ``m``; the new ``m``."""
    nan = math.nan
    s = i
    lines = -1  # first point of the stretch of lines not yet written
    while s <= b:
        e = -1
        cx = cy = 0.0
        ccw = False
        if s < b:
            e, cx, cy, ccw = _longest(p, s, b, tol, min_segments, max_radius, max_sweep)
        if e < 0 and s < b:
            if lines < 0:
                lines = s
            s += 1
            continue
        if lines >= 0:  # write the lines p[lines] -> ... -> p[s]
            for k in range(s - lines + 1):
                set1(keep, k, not simplify)
            if simplify:
                _keep_kernel(p, lines, s, tol, keep)
            for k in range(lines + 1, s + 1):
                if at1(keep, k - lines):
                    set1(ok_, m, _FEED)
                    for d in range(3):
                        set2(oxyz, m, d, at2(p, k, d))
                    set2(oc, m, 0, nan)
                    set2(oc, m, 1, nan)
                    set1(of, m, f)
                    m += 1
            lines = -1
        if s == b:
            break
        set1(ok_, m, _ARC_CCW if ccw else _ARC_CW)
        for d in range(3):
            set2(oxyz, m, d, at2(p, e, d))
        set2(oc, m, 0, cx)
        set2(oc, m, 1, cy)
        set1(of, m, f)
        m += 1
        s = e
    return m


@njit(cache=True, nogil=True, locals=dict(m=int64))
def fit_arcs_kernel(kind, xyz, center, feed, start, tol, min_segments, max_radius, max_sweep, simplify):  # type: ignore[no-untyped-def]  # noqa: E501
    """Toolpath columns with runs of FEED moves replaced by arcs where they fit (see the module docstring).

    Parameters
    ----------
    kind : ndarray of shape (N,), int8
    xyz : ndarray of shape (N, 3), float64, mm
    center : ndarray of shape (N, 2), float64, mm
    feed : ndarray of shape (N,), float64, mm/min
    start : ndarray of shape (3,), float64
        Start of the first move, mm.
    tol : float
        Largest distance between the polyline and its arcs, mm.
    min_segments : int
        Fewest straight moves one arc replaces (>= 2).
    max_radius, max_sweep : float
        Largest arc radius (mm) and sweep (radians).
    simplify : bool
        Also simplify the stretches of lines left between arcs (Douglas-Peucker within ``tol``).

    Returns
    -------
    kind, xyz, center, feed : the fitted columns (M <= N moves).
    """
    n = kind.shape[0]
    p = np.empty((n + 1, 3))
    for d in range(3):
        set2(p, 0, d, at1(start, d))
        for k in range(n):
            set2(p, k + 1, d, at2(xyz, k, d))
    ok_ = np.empty(n, np.int8)
    oxyz = np.empty((n, 3))
    oc = np.empty((n, 2))
    of = np.empty(n)
    keep = np.empty(n + 1, np.bool_)  # scratch of the line simplification
    m = 0
    i = 0
    while i < n:
        if at1(kind, i) != _FEED:
            set1(ok_, m, at1(kind, i))
            for d in range(3):
                set2(oxyz, m, d, at2(xyz, i, d))
            set2(oc, m, 0, at2(center, i, 0))
            set2(oc, m, 1, at2(center, i, 1))
            set1(of, m, at1(feed, i))
            m += 1
            i += 1
            continue
        fi = at1(feed, i)
        j = i
        while j + 1 < n and at1(kind, j + 1) == _FEED and at1(feed, j + 1) == fi:
            j += 1
        # the run's points are p[i .. j + 1]
        m = _fit_run(p, i, j + 1, fi, tol, min_segments, max_radius, max_sweep, simplify, keep, ok_, oxyz, oc,
                     of, m)
        i = j + 1
    return ok_[:m], oxyz[:m], oc[:m], of[:m]


@njit(cache=True, nogil=True, locals=dict(m=int64))
def fit_polylines_kernel(pts, offsets, feed, tol, min_segments, max_radius, max_sweep, simplify):  # type: ignore[no-untyped-def]  # noqa: E501
    """Many polylines fitted in one call, each as :func:`fit_arcs_kernel` fits one run of feeds.

    Parameters
    ----------
    pts : ndarray of shape (N, 3), float64, mm
        The polylines' points one after the other: polyline ``k`` is ``pts[offsets[k]:offsets[k + 1]]``, its
        first point the start (the tool's position), the moves going through the others.
    offsets : ndarray of shape (K + 1,), int64
        Non-decreasing, ``offsets[0] == 0``, ``offsets[K] == N``.
    feed : float
        Feed of every move, mm/min.
    tol, min_segments, max_radius, max_sweep, simplify
        As in :func:`fit_arcs_kernel`.

    Returns
    -------
    kind, xyz, center, feed : the fitted columns (at most ``N - K`` moves);
    out_offsets : ndarray of shape (K + 1,), int64
        The moves of polyline ``k`` are rows ``out_offsets[k]:out_offsets[k + 1]``.
    """
    n = pts.shape[0]
    n_poly = offsets.shape[0] - 1
    ok_ = np.empty(n, np.int8)
    oxyz = np.empty((n, 3))
    oc = np.empty((n, 2))
    of = np.empty(n)
    keep = np.empty(n + 1, np.bool_)
    out_off = np.zeros(n_poly + 1, np.int64)
    m = 0
    for k in range(n_poly):
        a = at1(offsets, k)
        b = at1(offsets, k + 1) - 1
        if b > a:
            m = _fit_run(pts, a, b, feed, tol, min_segments, max_radius, max_sweep, simplify, keep, ok_, oxyz, oc,
                         of, m)
        set1(out_off, k + 1, m)
    return ok_[:m], oxyz[:m], oc[:m], of[:m], out_off


# plain NumPy reference ------------------------------------------------------------------------------------------


def arc_through_reference(
    p: NDArray[np.float64], s: int, e: int, tol: float, max_radius: float, max_sweep: float
) -> tuple[bool, float, float, bool]:
    """:func:`arc_through_kernel` in vectorised NumPy: least squares by ``lstsq``, angles by ``unwrap``."""
    pts = p[s : e + 1]
    d = pts[:, :2] - pts[0, :2]
    w = d[-1]
    chord = float(np.hypot(*w))
    fail = (False, 0.0, 0.0, False)
    if not chord > 0.0:
        return fail
    n = np.array([-w[1], w[0]]) / chord
    mid = 0.5 * w
    # the interior vertices and the chord midpoints
    inner = np.concatenate([d[1:-1], 0.5 * (d[:-1] + d[1:])])
    # |d_k - (mid + t n)|^2 - |mid + t n|^2 = |d_k|^2 - 2 mid.d_k - 2 t n.d_k  (linear in t)
    a = np.sum(inner * inner, axis=1) - 2.0 * inner @ mid
    bcol = 2.0 * inner @ n
    if not np.sum(bcol * bcol) > 0.0:
        return fail
    t = float(np.linalg.lstsq(bcol[:, None], a, rcond=None)[0][0])
    c = mid + t * n
    r = float(np.hypot(*c))
    if not (r <= max_radius and r > tol):
        return fail
    z = pts[:, 2]
    helical = bool(np.any(z != z[0]))
    tl = tol * _SQRT_HALF if helical else tol
    rel = d - c
    if np.max(np.abs(np.hypot(rel[:, 0], rel[:, 1]) - r)) > tl:
        return fail
    cross = rel[:-1, 0] * rel[1:, 1] - rel[:-1, 1] * rel[1:, 0]
    if not (np.all(cross > 0) or np.all(cross < 0)):
        return fail
    ang = np.unwrap(np.arctan2(rel[:, 1], rel[:, 0]))
    acc = np.abs(ang - ang[0])
    sweep = float(acc[-1])
    if sweep > max_sweep:
        return fail
    seg = rel[1:] - rel[:-1]
    u = np.clip(-np.sum(rel[:-1] * seg, axis=1) / np.sum(seg * seg, axis=1), 0.0, 1.0)
    closest = rel[:-1] + u[:, None] * seg
    if np.max(r - np.hypot(closest[:, 0], closest[:, 1])) > tl:
        return fail
    if helical:
        dz = z[-1] - z[0]
        half = 0.5 * (rel[:-1] + rel[1:])
        e0 = rel[:-1]
        a_mid = acc[:-1] + np.arctan2(np.abs(e0[:, 0] * half[:, 1] - e0[:, 1] * half[:, 0]), np.sum(e0 * half, axis=1))
        if np.max(np.abs(0.5 * (z[:-1] + z[1:]) - (z[0] + dz * a_mid / sweep))) > tl:
            return fail
        if np.max(np.abs(z[1:] - (z[0] + dz * acc[1:] / sweep))) > tl:
            return fail
    ccw = bool(cross[0] > 0)
    return True, float(c[0] + pts[0, 0]), float(c[1] + pts[0, 1]), ccw


def fit_arcs_reference(
    kind: NDArray[np.int8],
    xyz: NDArray[np.float64],
    center: NDArray[np.float64],
    feed: NDArray[np.float64],
    start: NDArray[np.float64],
    tol: float,
    min_segments: int,
    max_radius: float,
    max_sweep: float,
    simplify: bool,
) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`fit_arcs_kernel` in plain Python and NumPy (same search, lists of moves)."""
    n = len(kind)
    p = np.vstack([np.asarray(start, np.float64).reshape(1, 3), xyz]) if n else np.zeros((1, 3))
    out_k: list[int] = []
    out_p: list[NDArray[np.float64]] = []
    out_c: list[tuple[float, float]] = []
    out_f: list[float] = []

    def fits(s: int, e: int) -> tuple[bool, float, float, bool]:
        return arc_through_reference(p, s, e, tol, max_radius, max_sweep)

    i = 0
    while i < n:
        if kind[i] != _FEED:
            out_k.append(int(kind[i]))
            out_p.append(xyz[i])
            out_c.append((float(center[i, 0]), float(center[i, 1])))
            out_f.append(float(feed[i]))
            i += 1
            continue
        j = i
        while j + 1 < n and kind[j + 1] == _FEED and feed[j + 1] == feed[i]:
            j += 1
        s, b = i, j + 1
        pieces: list[tuple[int, int, tuple[float, float, bool] | None]] = []  # (from, to, arc or None)
        while s < b:
            best = None
            lo = s + min_segments
            if lo <= b and fits(s, lo)[0]:
                best, span, bad = lo, min_segments, None
                while best < b:
                    span *= 2
                    cand = min(s + span, b)
                    if fits(s, cand)[0]:
                        best = cand
                    else:
                        bad = cand
                        break
                if bad is not None:
                    while bad - best > 1:
                        mid = (best + bad) // 2
                        if fits(s, mid)[0]:
                            best = mid
                        else:
                            bad = mid
                e2 = b - min_segments  # a tail too short for an arc: end earlier if the tail then fits
                if 0 < b - best < min_segments and best - s >= 2 * min_segments and fits(s, e2)[0] \
                        and fits(e2, b)[0]:
                    best = e2
            if best is None:
                if pieces and pieces[-1][2] is None:
                    pieces[-1] = (pieces[-1][0], s + 1, None)
                else:
                    pieces.append((s, s + 1, None))
                s += 1
            else:
                _, cx, cy, ccw = fits(s, best)
                pieces.append((s, best, (cx, cy, ccw)))
                s = best
        for a, c, arc in pieces:
            if arc is None:
                kept = _douglas_peucker(p, a, c, tol) if simplify else list(range(a + 1, c + 1))
                for k in kept:
                    out_k.append(_FEED)
                    out_p.append(p[k])
                    out_c.append((math.nan, math.nan))
                    out_f.append(float(feed[i]))
            else:
                out_k.append(_ARC_CCW if arc[2] else _ARC_CW)
                out_p.append(p[c])
                out_c.append((arc[0], arc[1]))
                out_f.append(float(feed[i]))
        i = j + 1
    m = len(out_k)
    return (
        np.array(out_k, np.int8),
        np.array(out_p, np.float64).reshape(m, 3),
        np.array(out_c, np.float64).reshape(m, 2),
        np.array(out_f, np.float64),
    )


def fit_polylines_reference(
    pts: NDArray[np.float64],
    offsets: NDArray[np.int64],
    feed: float,
    tol: float,
    min_segments: int,
    max_radius: float,
    max_sweep: float,
    simplify: bool,
) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """:func:`fit_polylines_kernel` in plain Python: :func:`fit_arcs_reference` on each polyline in turn."""
    cols: list[tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]] = []
    out_off = [0]
    for k in range(len(offsets) - 1):
        poly = pts[offsets[k] : offsets[k + 1]]
        if len(poly) >= 2:
            m = len(poly) - 1
            cols.append(fit_arcs_reference(np.full(m, _FEED, np.int8), poly[1:], np.full((m, 2), math.nan),
                                           np.full(m, float(feed)), poly[0], tol, min_segments, max_radius,
                                           max_sweep, simplify))
        out_off.append(out_off[-1] + (len(cols[-1][0]) if len(poly) >= 2 else 0))
    if not cols:
        return np.zeros(0, np.int8), np.zeros((0, 3)), np.zeros((0, 2)), np.zeros(0), np.array(out_off, np.int64)
    return (np.concatenate([c[0] for c in cols]), np.concatenate([c[1] for c in cols]),
            np.concatenate([c[2] for c in cols]), np.concatenate([c[3] for c in cols]), np.array(out_off, np.int64))


def _douglas_peucker(p: NDArray[np.float64], a: int, c: int, tol: float) -> list[int]:
    """Indices after ``a`` up to ``c`` kept by Douglas-Peucker within ``tol`` (recursive, 3D distances)."""
    if c - a < 2:
        return list(range(a + 1, c + 1))
    seg = p[c] - p[a]
    rel = p[a + 1 : c] - p[a]
    ss = float(seg @ seg)
    u = np.clip(rel @ seg / ss, 0.0, 1.0) if ss > 0 else np.zeros(len(rel))
    d = np.linalg.norm(rel - u[:, None] * seg, axis=1)
    k = int(np.argmax(d))
    if d[k] <= tol:
        return [c]
    at = a + 1 + k
    return _douglas_peucker(p, a, at, tol) + _douglas_peucker(p, at, c, tol)
