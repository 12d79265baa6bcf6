"""Polyline helpers shared by strategies: rings as closed point arrays, walks along them,
and the test that a straight link stays where the tool centre may go."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString, Point
from shapely.prepared import PreparedGeometry

from ..errors import UnreachableError
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool

__all__ = ["ring_coords", "rotate_ring", "walk", "link_is_safe", "ring_length", "clear_in_order",
           "clear_plans_in_order", "clearing_progress"]

#: Who hears of each pocket cleared by :func:`clear_in_order`; set only inside :func:`clearing_progress`.
_PROGRESS: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar(
    "toolpath_clearing_progress", default=None
)


@contextlib.contextmanager
def clearing_progress(callback: Callable[[int, int], None] | None) -> Iterator[None]:
    """Within the block, :func:`clear_in_order` calls ``callback(done, total)`` before the first pocket
    (``done`` = 0) and after each pocket; ``None`` reports nothing.

    A context variable rather than a parameter, so that every strategy's ``clear_pockets`` reports
    without a change of its signature; it is local to the thread (and asyncio task) that sets it.
    """
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def ring_coords(ring: object, *, ccw: bool) -> NDArray[np.float64]:
    """Closed ring (shapely LinearRing) as (M+1, 2) points, first == last, in the asked direction."""
    pts = np.asarray(ring.coords, dtype=np.float64)[:, :2]  # type: ignore[attr-defined]
    if len(pts) and not np.array_equal(pts[0], pts[-1]):
        pts = np.vstack([pts, pts[:1]])
    area2 = np.sum(pts[:-1, 0] * pts[1:, 1] - pts[1:, 0] * pts[:-1, 1])
    if (area2 > 0) != ccw:
        pts = pts[::-1].copy()
    return pts


def ring_length(pts: NDArray[np.float64]) -> float:
    """Length of a polyline (M, 2|3), mm."""
    return float(np.linalg.norm(np.diff(pts[:, :2], axis=0), axis=1).sum())


def rotate_ring(pts: NDArray[np.float64], start_xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """The closed ring re-started at its point nearest ``start_xy`` (inserted on the nearest edge)."""
    a, b = pts[:-1], pts[1:]
    ab = b - a
    denom = np.maximum((ab * ab).sum(axis=1), 1e-30)
    t = np.clip(((start_xy - a) * ab).sum(axis=1) / denom, 0.0, 1.0)
    proj = a + ab * t[:, None]
    i = int(np.argmin(((proj - start_xy) ** 2).sum(axis=1)))
    p = proj[i]
    body = np.vstack([pts[i + 1 : -1], pts[: i + 1]])
    out = np.vstack([p[None], body, p[None]])
    keep = np.ones(len(out), bool)
    keep[1:] = np.linalg.norm(np.diff(out, axis=0), axis=1) > 1e-9
    keep[-1] = True
    return out[keep]


def walk(pts: NDArray[np.float64], length_mm: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Walk ``length_mm`` along a closed ring from its start, going round as often as needed.

    Returns
    -------
    path : ndarray of shape (K, 2)
        Points walked, starting at ``pts[0]``.
    dist : ndarray of shape (K,)
        Distance walked at each point, mm.
    """
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    lap = float(seg.sum())
    if lap <= 0:
        return pts[:1].copy(), np.zeros(1)
    laps = int(np.floor(length_mm / lap))
    path = [pts[:1]]
    dist = [np.zeros(1)]
    base = 0.0
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    for _ in range(laps):
        path.append(pts[1:])
        dist.append(base + cum[1:])
        base += lap
    rest = length_mm - base
    if rest > 1e-9:
        j = int(np.searchsorted(cum, rest, side="left"))
        path.append(pts[1:j])
        dist.append(base + cum[1:j])
        f = (rest - cum[j - 1]) / max(seg[j - 1], 1e-30)
        end = pts[j - 1] + f * (pts[j] - pts[j - 1])
        path.append(end[None])
        dist.append(np.array([length_mm]))
    return np.vstack(path), np.concatenate(dist)


def link_is_safe(a: NDArray[np.float64], b: NDArray[np.float64], centres: PreparedGeometry) -> bool:
    """True when the straight move a→b keeps the tool centre inside ``centres`` (no gouge)."""
    if np.allclose(a[:2], b[:2], atol=1e-9):
        return bool(centres.covers(Point(a[0], a[1])))
    return bool(centres.covers(LineString([a[:2], b[:2]])))


def clear_in_order(
    pockets: Sequence[Pocket],
    tool: Tool,
    clear_one: Callable[[Pocket, ToolpathBuilder], tuple[list[dict[str, Any]], bool]],
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear pockets upper bands first into one toolpath, with ``clear_one(pocket, builder)``.

    ``clear_one`` appends a pocket's moves (starting and ending at the clearance height) and
    returns ``(unreachable entries, whether it cut anything)``.

    Raises
    ------
    UnreachableError
        When the tool fits in none of the pockets.
    """
    b = ToolpathBuilder()
    unreachable: list[dict[str, Any]] = []
    done = 0
    report = _PROGRESS.get()
    if report is not None:
        report(0, len(pockets))
    for i, pocket in enumerate(sorted(pockets, key=lambda p: -p.z_top_mm)):
        found, cut = clear_one(pocket, b)
        unreachable.extend(found)
        done += bool(cut)
        if report is not None:
            report(i + 1, len(pockets))
    if pockets and not done:
        raise UnreachableError(
            f"the tool (diameter {tool.diameter_mm:g} mm) fits in none of the {len(pockets)} pockets"
        )
    return b.build(), unreachable


def clear_plans_in_order(
    pockets: Sequence[Pocket],
    tool: Tool,
    cut_one: Callable[[Pocket, ToolpathBuilder], Any],
    plans: list[Any] | None = None,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """:func:`clear_in_order` for strategies whose ``cut_one(pocket, builder)`` returns a plan with
    ``unreachable`` and ``chains``; each plan is appended to ``plans`` when given.

    Raises
    ------
    UnreachableError
        When the tool fits in none of the pockets.
    """

    def one(pocket: Pocket, b: ToolpathBuilder) -> tuple[list[dict[str, Any]], bool]:
        plan = cut_one(pocket, b)
        if plans is not None:
            plans.append(plan)
        return plan.unreachable, bool(plan.chains)

    return clear_in_order(pockets, tool, one)
