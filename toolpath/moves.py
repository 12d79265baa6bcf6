"""The toolpath: moves as a structure of arrays.

Columns (``N`` moves; a move goes from the previous move's end to its own):

- ``kind``: int8, :class:`~toolpath.enums.MoveKind`;
- ``xyz``: float64 (N, 3), end point in mm;
- ``center``: float64 (N, 2), arc centre (x, y) in mm, NaN for non-arcs;
- ``feed``: float64 (N,), feed in mm/min, NaN for rapids; for a dwell, its
  duration in seconds.

The start of the first move is ``start`` (or, when ``None``, the first end
point, so the first move has no length).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .enums import MoveKind
from .errors import InputError

__all__ = ["Toolpath", "ToolpathBuilder", "arc_sweep"]

_ARCS = (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW))


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Toolpath:
    """Moves of one tool as columns; cheap to slice, concatenate and measure.

    Parameters
    ----------
    kind : ndarray of shape (N,), int8
        Move kinds (:class:`MoveKind` codes).
    xyz : ndarray of shape (N, 3), float64
        End points, mm.
    center : ndarray of shape (N, 2), float64
        Arc centres in XY, mm; NaN on moves that are not arcs.
    feed : ndarray of shape (N,), float64
        Feed, mm/min; NaN on rapids; dwell duration in s on dwells.
    """

    kind: NDArray[np.int8]
    xyz: NDArray[np.float64]
    center: NDArray[np.float64]
    feed: NDArray[np.float64]

    def __post_init__(self) -> None:
        kind = np.asarray(self.kind, dtype=np.int8).reshape(-1)
        n = kind.shape[0]
        xyz = np.asarray(self.xyz, dtype=np.float64).reshape(n, 3) if n else np.zeros((0, 3))
        center = np.asarray(self.center, dtype=np.float64).reshape(n, 2) if n else np.zeros((0, 2))
        feed = np.asarray(self.feed, dtype=np.float64).reshape(-1)
        if feed.shape[0] != n:
            raise InputError(f"feed has {feed.shape[0]} entries for {n} moves")
        if n and (kind.min() < 0 or kind.max() > int(MoveKind.DWELL)):
            bad = int(kind[(kind < 0) | (kind > int(MoveKind.DWELL))][0])
            raise InputError(f"move kind {bad} is not a MoveKind (0..{int(MoveKind.DWELL)})")
        if not np.all(np.isfinite(xyz)):
            i = int(np.argwhere(~np.isfinite(xyz))[0, 0])
            raise InputError(f"move {i} has a non-finite end point {xyz[i].tolist()}")
        is_arc = np.isin(kind, _ARCS)
        if np.any(~np.isfinite(center[is_arc])):
            i = int(np.flatnonzero(is_arc & ~np.all(np.isfinite(center), axis=1))[0])
            raise InputError(f"arc move {i} has no centre")
        cut = (kind == MoveKind.FEED) | is_arc
        if np.any(~(feed[cut] > 0)):
            i = int(np.flatnonzero(cut & ~(feed > 0))[0])
            raise InputError(f"cutting move {i} has feed {feed[i]!r}; feeds must be > 0 mm/min")
        object.__setattr__(self, "kind", _readonly(kind))
        object.__setattr__(self, "xyz", _readonly(xyz))
        object.__setattr__(self, "center", _readonly(center))
        object.__setattr__(self, "feed", _readonly(feed))

    # construction -----------------------------------------------------------
    @classmethod
    def empty(cls) -> Toolpath:
        """A toolpath with no moves."""
        return cls(np.zeros(0, np.int8), np.zeros((0, 3)), np.zeros((0, 2)), np.zeros(0))

    @classmethod
    def concat(cls, parts: Sequence[Toolpath]) -> Toolpath:
        """Join toolpaths end to start, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.kind for p in parts]),
            np.concatenate([p.xyz for p in parts]),
            np.concatenate([p.center for p in parts]),
            np.concatenate([p.feed for p in parts]),
        )

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    def __getitem__(self, index: slice | NDArray[np.bool_] | NDArray[np.int64]) -> Toolpath:
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 if int(index) != -1 else None)
        return Toolpath(self.kind[index], self.xyz[index], self.center[index], self.feed[index])

    def __add__(self, other: Toolpath) -> Toolpath:
        return Toolpath.concat([self, other])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Toolpath):
            return NotImplemented
        return (
            np.array_equal(self.kind, other.kind)
            and np.array_equal(self.xyz, other.xyz)
            and np.array_equal(self.center, other.center, equal_nan=True)
            and np.array_equal(self.feed, other.feed, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]

    # measurement ------------------------------------------------------------
    def starts(self, start: Sequence[float] | None = None) -> NDArray[np.float64]:
        """Start point of every move, (N, 3) mm; the first is ``start`` or the first end."""
        s = np.empty_like(self.xyz)
        if len(self) == 0:
            return s
        s[1:] = self.xyz[:-1]
        s[0] = self.xyz[0] if start is None else np.asarray(start, dtype=np.float64)
        return s

    def lengths(self, start: Sequence[float] | None = None) -> NDArray[np.float64]:
        """Length of each move in mm (arcs along the helix), (N,) float64."""
        a = self.starts(start)
        b = self.xyz
        d = np.linalg.norm(b - a, axis=1)
        is_arc = np.isin(self.kind, _ARCS)
        if np.any(is_arc):
            sweep = arc_sweep(a[is_arc], b[is_arc], self.center[is_arc], self.kind[is_arc])
            r = np.hypot(a[is_arc, 0] - self.center[is_arc, 0], a[is_arc, 1] - self.center[is_arc, 1])
            dz = b[is_arc, 2] - a[is_arc, 2]
            d[is_arc] = np.hypot(np.abs(sweep) * r, dz)
        d[self.kind == MoveKind.DWELL] = 0.0
        return d

    def length_mm(self, start: Sequence[float] | None = None) -> float:
        """Total path length in mm."""
        return float(self.lengths(start).sum())

    def cutting_length_mm(self, start: Sequence[float] | None = None) -> float:
        """Length of feed and arc moves in mm."""
        return float(self.lengths(start)[self.kind != MoveKind.RAPID].sum())

    def rapid_length_mm(self, start: Sequence[float] | None = None) -> float:
        """Length of rapid moves in mm."""
        return float(self.lengths(start)[self.kind == MoveKind.RAPID].sum())

    def bounds(self) -> tuple[float, float, float, float, float, float]:
        """(xmin, ymin, zmin, xmax, ymax, zmax) of the end points, mm."""
        lo, hi = self.xyz.min(axis=0), self.xyz.max(axis=0)
        return (*lo.tolist(), *hi.tolist())  # type: ignore[return-value]

    def polyline(self, start: Sequence[float] | None = None, *, tolerance_mm: float = 0.01) -> NDArray[np.float64]:
        """The path as points (M, 3) mm, arcs flattened to chords within ``tolerance_mm``.

        Dwells add no point. Rapids and feeds are both included.
        """
        pts = [self.starts(start)[:1]] if len(self) else []
        a_all = self.starts(start)
        for i in range(len(self)):
            k = int(self.kind[i])
            if k in _ARCS:
                pts.append(arc_points(a_all[i], self.xyz[i], self.center[i], k, tolerance_mm)[1:])
            elif k != MoveKind.DWELL:
                pts.append(self.xyz[i : i + 1])
        return np.concatenate(pts) if pts else np.zeros((0, 3))


def arc_sweep(
    start: NDArray[np.float64], end: NDArray[np.float64], center: NDArray[np.float64], kind: NDArray[np.int8]
) -> NDArray[np.float64]:
    """Signed sweep angle of arcs in radians (CCW positive), (N,).

    An arc that ends where it starts is a full circle (±2π).
    """
    a0 = np.arctan2(start[:, 1] - center[:, 1], start[:, 0] - center[:, 0])
    a1 = np.arctan2(end[:, 1] - center[:, 1], end[:, 0] - center[:, 0])
    d = a1 - a0
    ccw = kind == MoveKind.ARC_CCW
    d = np.where(ccw, np.mod(d, 2 * np.pi), -np.mod(-d, 2 * np.pi))
    full = np.hypot(end[:, 0] - start[:, 0], end[:, 1] - start[:, 1]) < 1e-9
    d = np.where(full & (np.abs(d) < 1e-9), np.where(ccw, 2 * np.pi, -2 * np.pi), d)
    return d


def arc_points(
    start: NDArray[np.float64], end: NDArray[np.float64], center: NDArray[np.float64], kind: int, tolerance_mm: float
) -> NDArray[np.float64]:
    """Points along one (helical) arc, chords within ``tolerance_mm``, (M, 3) including both ends."""
    sweep = float(arc_sweep(start[None], end[None], center[None], np.array([kind], np.int8))[0])
    r = float(np.hypot(start[0] - center[0], start[1] - center[1]))
    if r <= tolerance_mm:
        n = 1
    else:
        half = np.arccos(max(-1.0, 1.0 - tolerance_mm / r))
        n = max(1, int(np.ceil(abs(sweep) / (2 * half))))
    t = np.linspace(0.0, 1.0, n + 1)
    a0 = np.arctan2(start[1] - center[1], start[0] - center[0])
    ang = a0 + sweep * t
    out = np.empty((n + 1, 3))
    out[:, 0] = center[0] + r * np.cos(ang)
    out[:, 1] = center[1] + r * np.sin(ang)
    out[:, 2] = start[2] + (end[2] - start[2]) * t
    out[-1] = end
    return out


class ToolpathBuilder:
    """Collects moves one at a time (plain lists), then freezes them into a :class:`Toolpath`."""

    def __init__(self) -> None:
        self._kind: list[int] = []
        self._xyz: list[tuple[float, float, float]] = []
        self._center: list[tuple[float, float]] = []
        self._feed: list[float] = []

    def __len__(self) -> int:
        return len(self._kind)

    @property
    def position(self) -> tuple[float, float, float] | None:
        """End of the last move, or ``None`` when empty."""
        return self._xyz[-1] if self._xyz else None

    def rapid(self, x: float, y: float, z: float) -> None:
        """Rapid (G0) to (x, y, z) mm."""
        self._add(MoveKind.RAPID, x, y, z, np.nan, np.nan, np.nan)

    def feed(self, x: float, y: float, z: float, feed_mm_min: float) -> None:
        """Straight cut (G1) to (x, y, z) mm at ``feed_mm_min``."""
        self._add(MoveKind.FEED, x, y, z, np.nan, np.nan, feed_mm_min)

    def arc(self, x: float, y: float, z: float, cx: float, cy: float, *, cw: bool, feed_mm_min: float) -> None:
        """Arc (G2 if ``cw`` else G3) about (cx, cy) to (x, y, z) mm."""
        self._add(MoveKind.ARC_CW if cw else MoveKind.ARC_CCW, x, y, z, cx, cy, feed_mm_min)

    def dwell(self, seconds: float) -> None:
        """Dwell (G4) for ``seconds`` at the current position."""
        p = self.position or (0.0, 0.0, 0.0)
        self._add(MoveKind.DWELL, *p, np.nan, np.nan, seconds)

    def polyline(self, pts: NDArray[np.float64], feed_mm_min: float) -> None:
        """Straight cuts through points (M, 3) mm; a point equal to the current position is skipped."""
        for p in np.asarray(pts, dtype=np.float64):
            cur = self.position
            if cur is not None and abs(cur[0] - p[0]) + abs(cur[1] - p[1]) + abs(cur[2] - p[2]) < 1e-9:
                continue
            self.feed(p[0], p[1], p[2], feed_mm_min)

    def feeds(self, xyz: NDArray[np.float64], feed_mm_min: float) -> None:
        """Straight cuts (G1) through every point of ``xyz`` (M, 3) mm at ``feed_mm_min``, appended at once
        (unlike :meth:`polyline`, no point is skipped)."""
        pts = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
        n = len(pts)
        self._kind.extend([int(MoveKind.FEED)] * n)
        self._xyz.extend(map(tuple, pts.tolist()))
        self._center.extend([(np.nan, np.nan)] * n)
        self._feed.extend([float(feed_mm_min)] * n)

    def _add(self, kind: MoveKind, x: float, y: float, z: float, cx: float, cy: float, f: float) -> None:
        self._kind.append(int(kind))
        self._xyz.append((float(x), float(y), float(z)))
        self._center.append((float(cx), float(cy)))
        self._feed.append(float(f))

    def build(self) -> Toolpath:
        """Freeze into a :class:`Toolpath`."""
        if not self._kind:
            return Toolpath.empty()
        return Toolpath(
            np.array(self._kind, np.int8), np.array(self._xyz), np.array(self._center), np.array(self._feed)
        )
