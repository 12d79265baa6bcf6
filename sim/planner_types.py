"""Columns the motion planner works on: :class:`Segments` in, :class:`Profile` out (see :mod:`sim.planner`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Segments", "Profile"]


@dataclass(frozen=True, eq=False)
class Segments:
    """Motion segments as the planner sees them (columns, ``M`` segments).

    Attributes
    ----------
    length_mm : ndarray of shape (M,), float64
        Path length of each segment, > 0 (>= 0 on LinuxCNC, whose blend arcs may consume a short segment).
    cruise_v2 : ndarray of shape (M,), float64
        Largest squared speed on the segment (feed or rapid, axis limits), mm²/s².
    accel_mm_s2 : ndarray of shape (M,), float64
        Tangential acceleration allowed on the segment, mm/s².
    entry_v2 : ndarray of shape (M,), float64
        Largest squared speed at the segment's start (junction speed); 0 = stop before it.
    move : ndarray of shape (M,), int64
        Index of the toolpath move each segment belongs to.
    step_density : ndarray of shape (M,), float64, optional
        Steps of the fastest-stepping axis per mm of path (Grbl's step events per mm); 0 when unknown.
    """

    length_mm: NDArray[np.float64]
    cruise_v2: NDArray[np.float64]
    accel_mm_s2: NDArray[np.float64]
    entry_v2: NDArray[np.float64]
    move: NDArray[np.int64]
    step_density: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return int(self.length_mm.shape[0])

    @classmethod
    def empty(cls) -> Segments:
        """No segments."""
        z = np.zeros(0)
        return cls(z, z, z, z, np.zeros(0, np.int64), z)

    @classmethod
    def concat(cls, parts: list[Segments], move_offsets: list[int]) -> Segments:
        """Join segment lists; ``move_offsets[i]`` is added to part ``i``'s move indices."""
        parts2 = [(p, o) for p, o in zip(parts, move_offsets, strict=True) if len(p)]
        if not parts2:
            return cls.empty()
        density = [p.step_density if p.step_density is not None else np.zeros(len(p)) for p, _ in parts2]
        return cls(
            np.concatenate([p.length_mm for p, _ in parts2]),
            np.concatenate([p.cruise_v2 for p, _ in parts2]),
            np.concatenate([p.accel_mm_s2 for p, _ in parts2]),
            np.concatenate([p.entry_v2 for p, _ in parts2]),
            np.concatenate([p.move + o for p, o in parts2]),
            np.concatenate(density),
        )


@dataclass(frozen=True, eq=False)
class Profile:
    """Planned trapezoid of every segment (columns as Klipper's trapq): speeds in mm/s, times in s."""

    start_v: NDArray[np.float64]
    cruise_v: NDArray[np.float64]
    end_v: NDArray[np.float64]
    accel_t: NDArray[np.float64]
    cruise_t: NDArray[np.float64]
    decel_t: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.start_v.shape[0])

    @property
    def segment_t(self) -> NDArray[np.float64]:
        """Duration of each segment, s."""
        return self.accel_t + self.cruise_t + self.decel_t

    @property
    def time_s(self) -> float:
        """Total duration, s."""
        return float(self.segment_t.sum())

    @classmethod
    def from_array(cls, out: NDArray[np.float64]) -> Profile:
        """From an (M, 6) array of columns (a transposed (6, M) array is taken without a copy)."""
        cols = np.ascontiguousarray(out.T)
        return cls(*cols)
