"""Arc fitting: runs of straight cuts replaced by G2/G3 arcs within a tolerance.

A run of consecutive FEED moves at one feed is scanned greedily: from each
point, the longest stretch of points that one (possibly helical) arc
follows within ``tolerance_mm`` becomes one arc move. "Follows" means:

- every point lies within ``tolerance_mm`` of the circle through the
  stretch's first, middle and last points (in XY), and so does every
  straight segment (its closest approach to the centre is checked), so
  the polyline lies in the annulus ``radius +- tolerance_mm`` and the arc
  within ``tolerance_mm`` of the polyline;
- the points turn monotonically one way, sweeping at most half a turn;
- Z varies linearly with the angle within the tolerance (a helix), or not at all;
- the radius is at most ``max_radius_mm`` (nearly straight runs stay lines).

So the fitted path is within ``tolerance_mm`` (plus rounding) of the
polyline, measured both ways; the tests measure it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath, ToolpathBuilder

__all__ = ["fit_arcs", "DEFAULT_ARC_FIT_TOLERANCE_MM"]

DEFAULT_ARC_FIT_TOLERANCE_MM = 0.005
_MIN_SEGMENTS = 3


def _circle(p0: NDArray[np.float64], p1: NDArray[np.float64], p2: NDArray[np.float64]) -> tuple[float, float, float]:
    """Centre (x, y) and radius of the circle through three XY points; radius inf when collinear."""
    ax, ay = p0
    bx, by = p1
    cx, cy = p2
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-12:
        return math.nan, math.nan, math.inf
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    return ux, uy, math.hypot(ax - ux, ay - uy)


def _fits(pts: NDArray[np.float64], tol: float, max_r: float) -> tuple[float, float, bool] | None:
    """(cx, cy, ccw) when one arc follows all of ``pts`` (M, 3) within ``tol``, else None."""
    m = len(pts) // 2
    cx, cy, r = _circle(pts[0, :2], pts[m, :2], pts[-1, :2])
    if not (r <= max_r) or r < 2 * tol:
        return None
    dx = pts[:, 0] - cx
    dy = pts[:, 1] - cy
    if np.max(np.abs(np.hypot(dx, dy) - r)) > tol:
        return None
    # each chord must stay inside the annulus r +- tol: its closest approach to the centre
    sx, sy = np.diff(pts[:, 0]), np.diff(pts[:, 1])
    seg2 = sx * sx + sy * sy
    t = np.clip(-(dx[:-1] * sx + dy[:-1] * sy) / np.where(seg2 > 0, seg2, 1.0), 0.0, 1.0)
    dmin = np.hypot(dx[:-1] + t * sx, dy[:-1] + t * sy)
    if np.max(r - dmin) > tol:
        return None
    ang = np.unwrap(np.arctan2(dy, dx))
    step = np.diff(ang)
    if np.all(step > 0):
        ccw = True
    elif np.all(step < 0):
        ccw = False
    else:
        return None
    total = ang[-1] - ang[0]
    if abs(total) > math.pi + 1e-9:  # at most a half turn per arc: a full circle becomes two
        return None
    z = pts[:, 2]
    zlin = z[0] + (z[-1] - z[0]) * (ang - ang[0]) / total
    if np.max(np.abs(z - zlin)) > tol:
        return None
    return cx, cy, ccw


def fit_arcs(
    toolpath: Toolpath,
    start: tuple[float, float, float] | NDArray[np.float64] | None = None,
    *,
    tolerance_mm: float = DEFAULT_ARC_FIT_TOLERANCE_MM,
    max_radius_mm: float = 5000.0,
) -> Toolpath:
    """``toolpath`` with runs of straight cuts replaced by arcs within ``tolerance_mm``.

    Parameters
    ----------
    toolpath : Toolpath
        Moves; rapids, dwells and existing arcs are kept as they are.
    start : sequence of 3 floats, optional
        Where the first move starts (default: its own end point).
    tolerance_mm : float
        Largest distance between the polyline and the fitted arcs, mm (> 0).
    max_radius_mm : float
        Larger circles are left as lines, mm.

    Returns
    -------
    Toolpath
        The same path with fewer moves; arcs are ``ARC_CW``/``ARC_CCW`` in XY,
        helical when Z varies along them.

    Examples
    --------
    >>> import numpy as np
    >>> from toolpath.moves import ToolpathBuilder
    >>> b = ToolpathBuilder()
    >>> b.rapid(10, 0, 0)
    >>> t = np.linspace(0, np.pi, 60)
    >>> b.polyline(np.c_[10 * np.cos(t), 10 * np.sin(t), np.zeros_like(t)], 500.0)
    >>> fit_arcs(b.build()).kind.tolist()
    [0, 3]
    """
    tol = float(tolerance_mm)
    if not (tol > 0 and math.isfinite(tol)):
        raise InputError(f"tolerance_mm must be a finite number > 0, got {tolerance_mm!r}")
    n = len(toolpath)
    if n == 0:
        return toolpath
    kinds = toolpath.kind
    xyz = toolpath.xyz
    feed = toolpath.feed
    starts = toolpath.starts(None if start is None else np.asarray(start, dtype=np.float64))
    out = ToolpathBuilder()
    i = 0
    while i < n:
        if kinds[i] != MoveKind.FEED:
            _copy(out, toolpath, i)
            i += 1
            continue
        j = i
        while j + 1 < n and kinds[j + 1] == MoveKind.FEED and feed[j + 1] == feed[i]:
            j += 1
        pts = np.vstack([starts[i][None], xyz[i : j + 1]])  # the run's points
        # fit within 99 % of the tolerance: the 1 % absorbs the floating-point error of the
        # circle through three points, so the promised bound holds when measured independently
        _fit_run(out, pts, float(feed[i]), 0.99 * tol, max_radius_mm)
        i = j + 1
    return out.build()


def _copy(out: ToolpathBuilder, tp: Toolpath, i: int) -> None:
    k = int(tp.kind[i])
    x, y, z = (float(v) for v in tp.xyz[i])
    if k == MoveKind.RAPID:
        out.rapid(x, y, z)
    elif k == MoveKind.FEED:
        out.feed(x, y, z, float(tp.feed[i]))
    elif k == MoveKind.DWELL:
        out._add(MoveKind.DWELL, x, y, z, math.nan, math.nan, float(tp.feed[i]))
    else:
        out.arc(x, y, z, float(tp.center[i, 0]), float(tp.center[i, 1]), cw=k == MoveKind.ARC_CW,
                feed_mm_min=float(tp.feed[i]))


def _fit_run(out: ToolpathBuilder, pts: NDArray[np.float64], f: float, tol: float, max_r: float) -> None:
    """Lines and arcs through ``pts`` (M, 3): pts[0] is the current position."""
    m = len(pts)
    i = 0
    while i < m - 1:
        best = None
        lo = i + _MIN_SEGMENTS
        if lo < m and _fits(pts[i : lo + 1], tol, max_r) is not None:
            # grow the stretch exponentially, then bisect the last step
            good, span = lo, _MIN_SEGMENTS
            bad = None
            while True:
                span *= 2
                cand = i + span
                if cand >= m - 1:
                    cand = m - 1
                if _fits(pts[i : cand + 1], tol, max_r) is not None:
                    good = cand
                    if cand == m - 1:
                        break
                else:
                    bad = cand
                    break
            if bad is not None:
                while bad - good > 1:
                    mid = (good + bad) // 2
                    if _fits(pts[i : mid + 1], tol, max_r) is not None:
                        good = mid
                    else:
                        bad = mid
            best = good
        if best is None:
            p = pts[i + 1]
            out.feed(p[0], p[1], p[2], f)
            i += 1
            continue
        cx, cy, ccw = _fits(pts[i : best + 1], tol, max_r)  # type: ignore[misc]
        p = pts[best]
        out.arc(p[0], p[1], p[2], cx, cy, cw=not ccw, feed_mm_min=f)
        i = best
