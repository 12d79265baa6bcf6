"""Engraving (follow-path): the tool centre runs along the curves of a drawing, open or closed, at even
stepdowns to a depth: lettering, logos, scribed lines, chamfer or V-bit paths, the strokes a CAM programmer
draws rather than the areas.

- Each curve is cut at every stepdown before the next curve (the groove is finished where the tool is);
  the tool goes down at the curve's start at the plunge feed (an engraving cutter or a centre-cutting end
  mill enters along its axis) and stays down between depths: a closed curve loops back to its start, an
  open one is cut back and forth (odd depths reversed), so there is no rapid inside a curve.
- Curves are taken in a greedy nearest-next order from the tool's position; an open curve may be entered
  from either end. Between curves the tool rises to the clearance height.
- Where the points of a curve lie on circular arcs (within ``tolerance_mm``) the moves are G2/G3 arcs
  (:func:`toolpath.arcfit.append_fitted`); elsewhere straight feeds.

The groove is the curve swept by the tool's disc: a tool of diameter D cuts a groove D wide centred on it.
Units: mm, mm/min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..arcfit import append_fitted
from ..errors import InputError
from ..moves import Toolpath, ToolpathBuilder
from ..tool import Tool

__all__ = ["EngraveParams", "engrave_depths", "order_curves", "engrave_curves"]


@dataclass(frozen=True)
class EngraveParams:
    """Parameters of engraving.

    Parameters
    ----------
    depth_mm : float
        Depth of the groove below ``z_top_mm``, mm (> 0).
    stepdown_mm : float
        Largest depth of cut per pass, mm (> 0); the passes are even.
    feed_mm_min, plunge_feed_mm_min : float
        Feed along the curves and down into the material, mm/min.
    tolerance_mm : float
        Arcs are fitted where the points (and the chords between them) lie within this of a circle, mm
        (0: straight feeds only). The default is the drawing readers' flattening tolerance: a drawn arc,
        flattened within it, comes back as one arc.
    """

    depth_mm: float
    stepdown_mm: float
    feed_mm_min: float = 600.0
    plunge_feed_mm_min: float = 200.0
    tolerance_mm: float = 0.01

    def validate(self) -> None:
        """Raise :class:`~toolpath.errors.InputError` naming the first bad value."""
        for name in ("depth_mm", "stepdown_mm", "feed_mm_min", "plunge_feed_mm_min"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise InputError(f"engraving {name} must be a number > 0, got {v!r}")
        if not (math.isfinite(self.tolerance_mm) and self.tolerance_mm >= 0):
            raise InputError(f"engraving tolerance_mm must be >= 0, got {self.tolerance_mm!r}")


def engrave_depths(depth_mm: float, stepdown_mm: float) -> list[float]:
    """Even depths of cut down to ``depth_mm``, each step at most ``stepdown_mm``, mm below the top.

    >>> engrave_depths(1.0, 0.4)
    [0.3333333333333333, 0.6666666666666666, 1.0]
    """
    n = max(1, math.ceil(depth_mm / stepdown_mm - 1e-9))
    return [depth_mm * (k + 1) / n for k in range(n)]


def _closed(xy: NDArray[np.float64]) -> bool:
    return len(xy) >= 4 and bool(np.hypot(*(xy[-1] - xy[0])) < 1e-9)


def order_curves(curves: list[NDArray[np.float64]], start_xy: tuple[float, float]) -> list[NDArray[np.float64]]:
    """The curves in greedy nearest-next order from ``start_xy``, each open one turned to start at its nearer end.

    A closed curve is entered where it starts. Quadratic in the number of curves (drawings hold hundreds).
    """
    left = list(range(len(curves)))
    pos = np.asarray(start_xy, dtype=np.float64)
    out: list[NDArray[np.float64]] = []
    while left:
        best, flip, dist = -1, False, math.inf
        for i in left:
            c = curves[i]
            d0 = float(np.hypot(*(c[0] - pos)))
            d1 = math.inf if _closed(c) else float(np.hypot(*(c[-1] - pos)))
            if d0 < dist:
                best, flip, dist = i, False, d0
            if d1 < dist:
                best, flip, dist = i, True, d1
        c = curves[best][::-1] if flip else curves[best]
        out.append(c)
        pos = c[-1]
        left.remove(best)
    return out


def engrave_curves(
    curves: list[NDArray[np.float64]] | list[list[tuple[float, float]]],
    tool: Tool,
    params: EngraveParams,
    *,
    z_top_mm: float = 0.0,
    clearance_z_mm: float,
    start_xy: tuple[float, float] = (0.0, 0.0),
) -> Toolpath:
    """Engrave ``curves`` (tool centre on them) ``params.depth_mm`` below ``z_top_mm``.

    Parameters
    ----------
    curves : list of array_like of shape (n, 2), mm
        Polylines; one whose last point equals its first is closed. Points closer than 1e-9 mm are merged;
        curves shorter than that are skipped.
    tool : Tool
        The cutter (its diameter is the groove's width).
    params : EngraveParams
    z_top_mm : float
        Height of the surface engraved, mm.
    clearance_z_mm : float
        Height of the rapids between curves, mm (above ``z_top_mm``).
    start_xy : tuple of float
        Where the tool is before the first curve (orders the curves), mm.

    Returns
    -------
    Toolpath
        Rapids at the clearance height, plunges, feeds and arcs.

    Raises
    ------
    InputError
        Bad parameters, a clearance not above the top, or a curve that is not (n, 2) finite numbers.
    """
    params.validate()
    if not clearance_z_mm > z_top_mm:
        raise InputError(f"clearance_z_mm {clearance_z_mm!r} must be above the engraved top {z_top_mm!r}")
    clean: list[NDArray[np.float64]] = []
    for c in curves:
        xy = np.asarray(c, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or not np.isfinite(xy).all():
            raise InputError(f"an engraving curve must be an (n, 2) array of finite mm, got shape {xy.shape}")
        if len(xy) > 1:
            keep = np.r_[True, np.hypot(*np.diff(xy, axis=0).T) > 1e-9]
            xy = xy[keep]
        if len(xy) >= 2:
            clean.append(xy)
    b = ToolpathBuilder()
    depths = engrave_depths(params.depth_mm, params.stepdown_mm)
    tol = params.tolerance_mm
    for xy in order_curves(clean, start_xy):
        closed = _closed(xy)
        b.rapid(float(xy[0, 0]), float(xy[0, 1]), clearance_z_mm)
        b.rapid(float(xy[0, 0]), float(xy[0, 1]), z_top_mm + min(1.0, clearance_z_mm - z_top_mm))
        pts = xy
        for d in depths:
            z = z_top_mm - d
            b.feed(float(pts[0, 0]), float(pts[0, 1]), z, params.plunge_feed_mm_min)
            run = np.c_[pts[1:], np.full(len(pts) - 1, z)]
            if tol > 0:
                append_fitted(b, run, params.feed_mm_min, tol)
            else:
                b.feeds(run, params.feed_mm_min)
            if not closed:
                pts = pts[::-1]  # back the other way one level down: no rapid within the curve
        b.rapid(*b.position[:2], clearance_z_mm)  # type: ignore[index]
    return b.build()
