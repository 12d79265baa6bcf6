"""A move builder that keeps its moves in NumPy blocks, for toolpaths of millions of moves.

:class:`~toolpath.moves.ToolpathBuilder` holds Python objects per move (a tuple of three floats and a few
list slots, about 200 bytes a move); adaptive clearing of a large part at a small stepover writes tens of
millions of moves, so it builds into :class:`BlockBuilder` instead: single moves go to short lists that are
packed into arrays every few thousand moves, and runs of straight cuts are stored as arrays as given
(49 bytes a move, the size of the final :class:`~toolpath.moves.Toolpath`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..enums import MoveKind
from ..moves import Toolpath, ToolpathBuilder

__all__ = ["BlockBuilder", "append_toolpath"]

_PACK = 4096  # single moves kept as Python objects before they become a chunk of arrays
_BLOCK = 1 << 18  # moves in chunks before they are validated into one Toolpath block


class BlockBuilder:
    """The subset of :class:`~toolpath.moves.ToolpathBuilder`'s interface adaptive clearing uses, in blocks."""

    def __init__(self, *, position: tuple[float, float, float] | None = None) -> None:
        self._blocks: list[Toolpath] = []
        self._chunks: list[tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]] = []
        self._n_chunks = 0
        self._kind: list[int] = []
        self._xyz: list[tuple[float, float, float]] = []
        self._center: list[tuple[float, float]] = []
        self._feed: list[float] = []
        self._n = 0
        self._pos = position

    def __len__(self) -> int:
        return self._n

    @property
    def position(self) -> tuple[float, float, float] | None:
        """End of the last move, or ``None`` when empty."""
        return self._pos

    def _add(self, kind: MoveKind, x: float, y: float, z: float, cx: float, cy: float, f: float) -> None:
        self._kind.append(int(kind))
        self._pos = (float(x), float(y), float(z))
        self._xyz.append(self._pos)
        self._center.append((float(cx), float(cy)))
        self._feed.append(float(f))
        self._n += 1
        if len(self._kind) >= _PACK:
            self._flush()

    def _flush(self) -> None:
        """Single moves into a chunk of arrays."""
        if self._kind:
            self._chunks.append((np.array(self._kind, np.int8), np.array(self._xyz), np.array(self._center),
                                 np.array(self._feed)))
            self._n_chunks += len(self._kind)
            self._kind, self._xyz, self._center, self._feed = [], [], [], []
        if self._n_chunks >= _BLOCK:
            self._pack()

    def _pack(self) -> None:
        """Chunks into one validated block."""
        if self._chunks:
            self._blocks.append(Toolpath(*(np.concatenate(c) for c in zip(*self._chunks, strict=True))))
            self._chunks, self._n_chunks = [], 0

    def rapid(self, x: float, y: float, z: float) -> None:
        """Rapid (G0) to (x, y, z) mm."""
        self._add(MoveKind.RAPID, x, y, z, np.nan, np.nan, np.nan)

    def feed(self, x: float, y: float, z: float, feed_mm_min: float) -> None:
        """Straight cut (G1) to (x, y, z) mm at ``feed_mm_min``."""
        self._add(MoveKind.FEED, x, y, z, np.nan, np.nan, feed_mm_min)

    def arc(self, x: float, y: float, z: float, cx: float, cy: float, *, cw: bool, feed_mm_min: float) -> None:
        """Arc (G2 if ``cw`` else G3) about (cx, cy) to (x, y, z) mm."""
        self._add(MoveKind.ARC_CW if cw else MoveKind.ARC_CCW, x, y, z, cx, cy, feed_mm_min)

    def feeds(self, xyz: NDArray[np.float64], feed_mm_min: float | NDArray[np.float64]) -> None:
        """Straight cuts (G1) through every point of ``xyz`` (M, 3) mm, at ``feed_mm_min`` (scalar or (M,))."""
        pts = np.array(xyz, dtype=np.float64).reshape(-1, 3)
        n = len(pts)
        if n == 0:
            return
        if isinstance(feed_mm_min, np.ndarray):
            feed = np.array(feed_mm_min, dtype=np.float64).reshape(n)
        else:
            feed = np.empty(n)
            feed.fill(float(feed_mm_min))
        self._flush()
        kind = np.empty(n, np.int8)
        kind.fill(int(MoveKind.FEED))
        center = np.empty((n, 2))
        center.fill(np.nan)
        self._chunks.append((kind, pts, center, feed))
        self._n_chunks += n
        self._n += n
        self._pos = (float(pts[-1, 0]), float(pts[-1, 1]), float(pts[-1, 2]))
        if self._n_chunks >= _BLOCK:
            self._pack()

    def extend(self, toolpath: Toolpath) -> None:
        """Append the moves of ``toolpath``."""
        n = len(toolpath)
        if n == 0:
            return
        self._flush()
        self._chunks.append((toolpath.kind, toolpath.xyz, toolpath.center, toolpath.feed))
        self._n_chunks += n
        self._n += n
        p = toolpath.xyz[-1]
        self._pos = (float(p[0]), float(p[1]), float(p[2]))
        if self._n_chunks >= _BLOCK:
            self._pack()

    def extend_columns(self, kind: NDArray[np.int8], xyz: NDArray[np.float64], center: NDArray[np.float64],
                       feed: NDArray[np.float64]) -> None:
        """Append moves given as Toolpath columns (kept as given, not copied: do not change them afterwards).

        Unlike :meth:`extend` no :class:`~toolpath.moves.Toolpath` is made per call: the columns are checked
        when the chunks are packed into a block (every ``_BLOCK`` moves and in :meth:`build`).
        """
        n = len(kind)
        if n == 0:
            return
        if self._kind:
            self._flush()
        self._chunks.append((kind, xyz, center, feed))
        self._n_chunks += n
        self._n += n
        p = xyz[n - 1]
        self._pos = (float(p[0]), float(p[1]), float(p[2]))
        if self._n_chunks >= _BLOCK:
            self._pack()

    def build(self) -> Toolpath:
        """Freeze into a :class:`~toolpath.moves.Toolpath`.

        The blocks are copied into the result one at a time and released, so the peak is the result plus one
        block (not twice the result, as a concatenation would take).
        """
        self._flush()
        self._pack()
        if not self._blocks:
            return Toolpath.empty()
        if len(self._blocks) == 1:
            return self._blocks[0]
        n = self._n
        kind = np.empty(n, np.int8)
        xyz = np.empty((n, 3))
        center = np.empty((n, 2))
        feed = np.empty(n)
        blocks, self._blocks = self._blocks[::-1], []
        i = 0
        while blocks:
            blk = blocks.pop()
            j = i + len(blk)
            kind[i:j], xyz[i:j], center[i:j], feed[i:j] = blk.kind, blk.xyz, blk.center, blk.feed
            i = j
            del blk
        tp = Toolpath(kind, xyz, center, feed)
        self._blocks = [tp]
        return tp


def append_toolpath(builder: ToolpathBuilder, toolpath: Toolpath) -> None:
    """Append the moves of ``toolpath`` to a plain :class:`~toolpath.moves.ToolpathBuilder` (move by move)."""
    kinds, xyz, cen, feed = toolpath.kind, toolpath.xyz, toolpath.center, toolpath.feed
    i, n = 0, len(toolpath)
    while i < n:
        if kinds[i] == MoveKind.FEED:  # runs of straight cuts at one feed go in one call
            j = i + 1
            while j < n and kinds[j] == MoveKind.FEED and feed[j] == feed[i]:
                j += 1
            builder.feeds(xyz[i:j], float(feed[i]))
            i = j
            continue
        k = int(kinds[i])
        x, y, z = (float(v) for v in xyz[i])
        if k == MoveKind.RAPID:
            builder.rapid(x, y, z)
        elif k in (MoveKind.ARC_CW, MoveKind.ARC_CCW):
            builder.arc(x, y, z, float(cen[i, 0]), float(cen[i, 1]), cw=k == MoveKind.ARC_CW,
                        feed_mm_min=float(feed[i]))
        elif k == MoveKind.DWELL:
            builder.dwell(float(feed[i]))
        else:
            builder.feed(x, y, z, float(feed[i]))
        i += 1
