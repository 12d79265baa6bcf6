"""Arc fitting: runs of straight feeds (G1) replaced by XY arcs (G2/G3) where the path is circular.

Strategies that step along curves (adaptive clearing, finishing loops about rounded corners) emit many
short lines; a controller runs arcs more smoothly and the program gets shorter. :func:`fit_arcs` works on
any :class:`~toolpath.moves.Toolpath` and keeps everything that is not a run of feeds (rapids, plunges
with another feed, dwells, existing arcs) as it is. The arithmetic lives in
:mod:`toolpath.kernels.arcfit` (a Numba kernel and its NumPy reference); its docstring gives the
acceptance test of an arc. In short: every vertex and every chord of the replaced lines lies within
``tolerance_mm`` of the arc, the arc turns one way by at most ``max_sweep_deg``, its radius is at most
``max_radius_mm``, Z is constant or linear in the angle (helix), and its start and end lie exactly on
the original vertices with the centre on their perpendicular bisector (start and end radii equal, as
LinuxCNC and other controllers check). So the fitted path stays within ``tolerance_mm`` of the
original, measured both ways.

Moves whose feeds differ (chip thinning scales each move's feed) are never merged: a run has one feed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .enums import MoveKind
from .errors import InputError
from .kernels.arcfit import fit_arcs_kernel, fit_polylines_kernel
from .moves import Toolpath, ToolpathBuilder

__all__ = ["DEFAULT_ARC_TOLERANCE_MM", "fit_arcs", "fit_polyline", "fit_polylines", "append_fitted"]

#: Default largest distance between a polyline and the arcs fitted to it, mm.
DEFAULT_ARC_TOLERANCE_MM = 0.005
# the kernel fits a hair inside the tolerance so that its rounding never shows when measured independently
_MARGIN = 1.0 - 1e-6


def _checked(
    tolerance_mm: float, min_points: int, max_radius_mm: float, max_sweep_deg: float
) -> tuple[float, int, float, float]:
    """Validated options as the kernel takes them: tolerance, segments, radius, sweep in radians."""
    tol = float(tolerance_mm)
    if not (math.isfinite(tol) and tol > 0):
        raise InputError(f"tolerance_mm must be a finite number > 0, got {tolerance_mm!r}")
    if isinstance(min_points, bool) or not isinstance(min_points, (int, np.integer)) or min_points < 3:
        raise InputError(f"min_points must be an integer >= 3 (three points define a circle), got {min_points!r}")
    r = float(max_radius_mm)
    if not r > tol:
        raise InputError(f"max_radius_mm must be > tolerance_mm ({tol:g}), got {max_radius_mm!r}")
    sweep = float(max_sweep_deg)
    if not 0 < sweep < 360:
        raise InputError(f"max_sweep_deg must be in (0, 360), got {max_sweep_deg!r}")
    return tol * _MARGIN, int(min_points) - 1, r, math.radians(sweep)


def fit_arcs(
    toolpath: Toolpath,
    tolerance_mm: float = DEFAULT_ARC_TOLERANCE_MM,
    *,
    min_points: int = 4,
    max_radius_mm: float = 1000.0,
    max_sweep_deg: float = 270.0,
    simplify_lines: bool = False,
    start: Sequence[float] | NDArray[np.float64] | None = None,
) -> Toolpath:
    """``toolpath`` with runs of straight feeds replaced by arcs that follow them within ``tolerance_mm``.

    Parameters
    ----------
    toolpath : Toolpath
        Moves; only runs of consecutive ``FEED`` moves with one feed are changed.
    tolerance_mm : float
        Largest distance between a replaced polyline and its arc, mm (finite, > 0).
    min_points : int
        Fewest polyline points (the start included) one arc replaces, >= 3; with the default 4, an arc
        replaces at least 3 lines.
    max_radius_mm : float
        Larger circles stay lines, mm (> ``tolerance_mm``; ``inf`` for no limit).
    max_sweep_deg : float
        Largest sweep of one arc, degrees, in (0, 360); a longer circular stretch becomes several arcs.
        Keeping it under a full turn keeps each arc's end away from its start (no full-circle ambiguity
        once the controller rounds them).
    simplify_lines : bool
        Also drop vertices from the stretches of lines left between arcs (Douglas-Peucker within
        ``tolerance_mm``), so the whole run stays within ``tolerance_mm`` of the original.
    start : sequence of 3 floats, optional
        Where the first move starts, mm; default its own end point (as :meth:`Toolpath.starts`): the first
        move is then kept as it is, so the path still starts there.

    Returns
    -------
    Toolpath
        The same path with at most as many moves: ``ARC_CW``/``ARC_CCW`` (XY plane, helical when Z
        changes along them) where lines were replaced, every other move unchanged. Arc end points are
        vertices of the original path.

    Raises
    ------
    InputError
        For a bad tolerance, ``min_points``, radius or sweep limit, or a start that is not 3 finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from toolpath.moves import ToolpathBuilder
    >>> b = ToolpathBuilder()
    >>> b.rapid(10.0, 0.0, 0.0)
    >>> t = np.linspace(0.0, np.pi, 100)
    >>> b.feeds(np.c_[10 * np.cos(t[1:]), 10 * np.sin(t[1:]), np.zeros(99)], 800.0)
    >>> fitted = fit_arcs(b.build())
    >>> fitted.kind.tolist(), bool(np.hypot(*fitted.center[1]) < 0.005)
    ([0, 3], True)
    >>> len(fit_arcs(ToolpathBuilder().build()))
    0
    """
    tol, min_segments, max_r, max_sweep = _checked(tolerance_mm, min_points, max_radius_mm, max_sweep_deg)
    if not isinstance(toolpath, Toolpath):
        raise InputError(f"toolpath must be a Toolpath, got {type(toolpath).__name__}")
    if len(toolpath) == 0:
        return toolpath
    if start is None:
        # the first move starts where it ends (no length); it stays, so that the path starts at the same point
        head, rest = toolpath[:1], toolpath[1:]
        return head + fit_arcs(rest, tolerance_mm, min_points=min_points, max_radius_mm=max_radius_mm,
                               max_sweep_deg=max_sweep_deg, simplify_lines=simplify_lines, start=head.xyz[0])
    kind, xyz, center, feed = fit_arcs_kernel(
        toolpath.kind, toolpath.xyz, toolpath.center, toolpath.feed, _point(start), tol, min_segments, max_r,
        max_sweep, bool(simplify_lines),
    )
    # the kernel returns views of buffers sized for the input: copy, so the result holds only its own moves
    return Toolpath(kind.copy(), xyz.copy(), center.copy(), feed.copy())


def fit_polyline(
    start: Sequence[float] | NDArray[np.float64],
    xyz: NDArray[np.float64],
    feed_mm_min: float,
    tolerance_mm: float = DEFAULT_ARC_TOLERANCE_MM,
    *,
    min_points: int = 4,
    max_radius_mm: float = 1000.0,
    max_sweep_deg: float = 270.0,
    simplify_lines: bool = False,
) -> Toolpath:
    """Straight feeds from ``start`` through ``xyz``, with arcs where they fit (see :func:`fit_arcs`).

    Parameters
    ----------
    start : sequence of 3 floats
        Where the polyline starts (the tool's position), mm.
    xyz : ndarray of shape (M, 3), float64
        Points to cut to, in order, mm.
    feed_mm_min : float
        Feed of every move, mm/min (finite, > 0).
    tolerance_mm, min_points, max_radius_mm, max_sweep_deg, simplify_lines
        As in :func:`fit_arcs`.

    Returns
    -------
    Toolpath
        At most M moves (FEED, ARC_CW, ARC_CCW), the first starting at ``start``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, np.pi / 2, 20)[1:]
    >>> fit_polyline((5.0, 0.0, -1.0), np.c_[5 * np.cos(t), 5 * np.sin(t), np.full(19, -1.0)], 600.0).kind.tolist()
    [3]
    >>> len(fit_polyline((0.0, 0.0, 0.0), np.zeros((0, 3)), 600.0))
    0
    """
    kind, out, center, feed = _fit_columns(start, xyz, feed_mm_min, tolerance_mm, min_points, max_radius_mm,
                                           max_sweep_deg, simplify_lines)
    return Toolpath(kind.copy(), out.copy(), center.copy(), feed.copy())


def fit_polylines(
    xyz: NDArray[np.float64],
    offsets: NDArray[np.int64] | Sequence[int],
    feed_mm_min: float,
    tolerance_mm: float = DEFAULT_ARC_TOLERANCE_MM,
    *,
    min_points: int = 4,
    max_radius_mm: float = 1000.0,
    max_sweep_deg: float = 270.0,
    simplify_lines: bool = False,
) -> tuple[Toolpath, NDArray[np.int64]]:
    """Many polylines fitted at once (one kernel call), each as :func:`fit_polyline` fits it.

    Parameters
    ----------
    xyz : ndarray of shape (N, 3), float64
        The polylines' points one after the other, mm: polyline ``k`` is ``xyz[offsets[k]:offsets[k + 1]]``,
        its first point where the tool starts, the moves going through the others.
    offsets : array of K + 1 ints
        Non-decreasing, from 0 to N.
    feed_mm_min, tolerance_mm, min_points, max_radius_mm, max_sweep_deg, simplify_lines
        As in :func:`fit_polyline`.

    Returns
    -------
    moves : Toolpath
        The moves of every polyline one after the other (no moves between polylines).
    move_offsets : ndarray of shape (K + 1,), int64
        The moves of polyline ``k`` are ``moves[move_offsets[k]:move_offsets[k + 1]]``; they equal
        ``fit_polyline(xyz[offsets[k]], xyz[offsets[k] + 1 : offsets[k + 1]], ...)``.

    Raises
    ------
    InputError
        For bad options, points or offsets.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, np.pi / 2, 20)
    >>> quarter = np.c_[5 * np.cos(t), 5 * np.sin(t), np.zeros(20)]
    >>> moves, at = fit_polylines(np.vstack([quarter, quarter[:3]]), [0, 20, 23], 600.0)
    >>> moves.kind.tolist(), at.tolist()
    ([3, 1, 1], [0, 1, 3])
    """
    tol, min_segments, max_r, max_sweep = _checked(tolerance_mm, min_points, max_radius_mm, max_sweep_deg)
    f = float(feed_mm_min)
    if not (math.isfinite(f) and f > 0):
        raise InputError(f"feed_mm_min must be a finite number > 0, got {feed_mm_min!r}")
    try:
        pts = np.ascontiguousarray(np.asarray(xyz, dtype=np.float64).reshape(-1, 3))
    except (TypeError, ValueError):
        raise InputError(f"xyz must be an (N, 3) array of points in mm, got shape {np.shape(xyz)}") from None
    if len(pts) and not np.isfinite(pts).all():
        raise InputError("xyz has non-finite coordinates")
    off = np.ascontiguousarray(np.asarray(offsets, dtype=np.int64).reshape(-1))
    if len(off) == 0 or off[0] != 0 or off[-1] != len(pts) or np.any(np.diff(off) < 0):
        raise InputError(f"offsets must go from 0 to {len(pts)} without decreasing")
    kind, out, center, feed, moff = fit_polylines_kernel(pts, off, f, tol, min_segments, max_r, max_sweep,
                                                         bool(simplify_lines))
    return Toolpath(kind.copy(), out.copy(), center.copy(), feed.copy()), moff


def _fit_columns(
    start: Sequence[float] | NDArray[np.float64], xyz: NDArray[np.float64], feed_mm_min: float,
    tolerance_mm: float, min_points: int, max_radius_mm: float, max_sweep_deg: float, simplify_lines: bool,
) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The columns of :func:`fit_polyline` (views of the kernel's buffers), inputs validated."""
    tol, min_segments, max_r, max_sweep = _checked(tolerance_mm, min_points, max_radius_mm, max_sweep_deg)
    s = _point(start)
    f = float(feed_mm_min)
    if not (math.isfinite(f) and f > 0):
        raise InputError(f"feed_mm_min must be a finite number > 0, got {feed_mm_min!r}")
    try:
        pts = np.ascontiguousarray(np.asarray(xyz, dtype=np.float64).reshape(-1, 3))
    except (TypeError, ValueError):
        raise InputError(f"xyz must be an (M, 3) array of points in mm, got shape {np.shape(xyz)}") from None
    m = len(pts)
    if m and not np.isfinite(pts).all():
        raise InputError("xyz has non-finite coordinates")
    return fit_arcs_kernel(  # type: ignore[no-any-return]
        np.full(m, int(MoveKind.FEED), np.int8), pts, np.full((m, 2), np.nan), np.full(m, f),
        s, tol, min_segments, max_r, max_sweep, bool(simplify_lines),
    )


def append_fitted(
    builder: ToolpathBuilder,
    xyz: NDArray[np.float64],
    feed_mm_min: float,
    tolerance_mm: float = DEFAULT_ARC_TOLERANCE_MM,
    *,
    min_points: int = 4,
    max_radius_mm: float = 1000.0,
    max_sweep_deg: float = 270.0,
    simplify_lines: bool = False,
) -> int:
    """Append :func:`fit_polyline` from the builder's position through ``xyz`` to ``builder``.

    Parameters
    ----------
    builder : ToolpathBuilder
        Receives the moves; it must have a position. Any builder with ``position``, ``feeds(xyz, feed)``
        and ``arc`` will do.
    xyz, feed_mm_min, tolerance_mm, min_points, max_radius_mm, max_sweep_deg, simplify_lines
        As in :func:`fit_polyline`.

    Returns
    -------
    int
        Number of moves appended (<= M).
    """
    pos = builder.position
    if pos is None:
        raise InputError("append_fitted needs a builder with a current position (the polyline's start)")
    kind, out, center, _ = _fit_columns(pos, xyz, feed_mm_min, tolerance_mm, min_points, max_radius_mm,
                                        max_sweep_deg, simplify_lines)
    f = float(feed_mm_min)
    n = len(kind)
    # runs of lines in one call (no Toolpath built and validated per polyline), arcs one by one
    kl = kind.tolist()
    line = int(MoveKind.FEED)
    ccw = int(MoveKind.ARC_CCW)
    i = 0
    while i < n:
        if kl[i] == line:
            j = i + 1
            while j < n and kl[j] == line:
                j += 1
            builder.feeds(out[i:j].copy(), f)
            i = j
        else:
            x, y, z = out[i].tolist()
            cx, cy = center[i].tolist()
            builder.arc(x, y, z, cx, cy, cw=kl[i] != ccw, feed_mm_min=f)
            i += 1
    return n


def _point(start: Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
    try:
        p = np.asarray(start, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        raise InputError(f"start must be 3 numbers (x, y, z) in mm, got {start!r}") from None
    if not np.all(np.isfinite(p)):
        raise InputError(f"start must be finite, got {p.tolist()}")
    return p
