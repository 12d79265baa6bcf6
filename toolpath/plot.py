"""Plots of pockets and toolpaths (matplotlib, imported lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .enums import MoveKind
from .moves import Toolpath
from .pocket import Pocket

__all__ = ["plot_toolpath"]


def plot_toolpath(
    toolpath: Toolpath,
    pockets: Sequence[Pocket] = (),
    *,
    ax: Any = None,
    title: str = "",
    start: Sequence[float] | None = None,
) -> Any:
    """Draw pocket outlines (black), cutting moves (blue) and rapids (red, dashed) in XY.

    Returns the matplotlib Axes.
    """
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 7))
    for p in pockets:
        for ring in [p.region.exterior, *p.region.interiors]:
            x, y = ring.xy
            ax.plot(x, y, color="black", lw=0.9)
    if len(toolpath):
        from matplotlib.collections import LineCollection

        from .moves import arc_points

        a = toolpath.starts(start)
        rapid = toolpath.kind == MoveKind.RAPID
        line = toolpath.kind == MoveKind.FEED
        ax.add_collection(
            LineCollection(np.stack([a[rapid, :2], toolpath.xyz[rapid, :2]], axis=1), color="tab:red", lw=0.5, ls="--")
        )
        segs = list(np.stack([a[line, :2], toolpath.xyz[line, :2]], axis=1))
        for i in np.flatnonzero(np.isin(toolpath.kind, (MoveKind.ARC_CW, MoveKind.ARC_CCW))):
            segs.append(arc_points(a[i], toolpath.xyz[i], toolpath.center[i], int(toolpath.kind[i]), 0.01)[:, :2])
        ax.add_collection(LineCollection(segs, color="tab:blue", lw=0.5))
        lo, hi = toolpath.xyz.min(axis=0), toolpath.xyz.max(axis=0)
        ax.update_datalim([lo[:2], hi[:2]])
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    if title:
        ax.set_title(title)
    return ax
