"""Adaptive clearing: the tool's radial engagement held near a target angle.

Per pocket, the tool centre may go anywhere in ``C``: the pocket's domain (region, plus outside air across
open edges) shrunk by the tool radius, the stock to leave and a safety tolerance. The material still to
cut at the level is a raster (:mod:`toolpath.kernels.engagement`): the cells of the region within reach of
``C``. The plan, made once in 2D and cut at every stepdown, is:

1. *Entry*: from outside across an open side when some centre position in ``C`` has a tool disc free of
   material; otherwise a helix (arcs) in the largest inscribed circle of the uncut part of ``C``, then a
   full circle at depth. Where ``C`` is too narrow for a helix the tool plunges at the plunge feed (noted).
2. *Passes*: from a start point whose disc is clear and whose circle touches material, the tool advances
   in steps; each step's direction is searched so that the engagement of the half of the tool circle facing
   the motion with the remaining material is just below the target ``theta = arccos(1 - ae / R)`` (the
   choice counted again with the raster's loss along older cut edges undone,
   :func:`~toolpath.kernels.engagement.engagement_owned_kernel`); the disc
   at each new centre is removed from the raster. A pass ends when it cuts air or no allowed direction keeps
   the engagement within the maximum. Material is kept on the right of the tool (climb, clockwise spindle)
   or on the left.
3. *Links*: the next start is the nearest earlier tool position whose circle still touches material;
   the straight link is cut at depth when the tool stays in ``C`` and its circle meets no more than the
   target engagement on the way, otherwise the tool retracts.

Steps 2 and 3 run as one Numba kernel (:func:`toolpath.kernels.adaptive_loop.pass_loop_kernel`) until no
start is live; Python then seeds new starts (cells at a tool radius from the material,
:func:`toolpath.kernels.adaptive_loop.start_band_kernel`) or a new entry, and calls it again. Raster cell
``min(ae / 4, R / 12)``, about one circle sample per cell, steps of ``ae / 2``.
4. *Finishing*: staged loops along every boundary of ``C`` (walls on the right for climb) at each level,
   their convex corners rounded (:func:`~toolpath.strategies.adaptive_finish.finish_loops`), so the tool
   never drives into a sharp inside corner with the arc facing it uncut (that took 96-111°; now <= ~77° on
   right angles); a sliver of ~0.3 x the roughing strip stays in each corner. Pointed ends of ``C`` the
   rounded loops would miss (corners sharper than about 77°, e.g. room corners behind an island) are slotted
   at half feed before the loops (:func:`~toolpath.strategies.adaptive_finish.finish_tips`, noted). Each loop
   is first run on the raster (:func:`~toolpath.kernels.raster.path_engagement_kernel`); where it would
   pass 0.72 x 90° (pieces of ``C`` too small for passes behind islands: up to 157° measured) that piece
   of the loop goes at half feed and is reported as slotting (``slot_moves``, noted). Strips of ``C``
   thinner than the rounding (a ring round an island about the tool's width, a neck) get loops of their
   own, cut at half feed and reported as slotting: the tool slots there.

Output: the helix and the bottom circle as arcs (G2/G3); passes as arcs where they are circular and lines
elsewhere (:mod:`toolpath.arcfit`, within the simplification tolerance), finishing loops with arcs within
``tolerance_mm`` (``fit_arcs=False``: lines only, simplified within that tolerance). The arcs of all passes
are fitted in one kernel call (:func:`~toolpath.arcfit.fit_polylines`) and the moves of every level are
slices of those columns at the level's z.

5. *Fallback*: where no pass can hold the engagement, trochoidal runs (full circles whose centres
   advance along a straight line with room for them, the pitch holding the target at the circle's front,
   :func:`~toolpath.strategies.adaptive_finish.trochoid`; circles the raster counts over the target
   go at half feed, reported as slotting); where there is no room for circles of 0.1 R
   (necks about the tool's width, slivers) the tool slots to each remaining piece at half feed. The plan's
   ``notes`` say which; a region too narrow for a helix is entered by a plunge at the plunge feed (noted).

Known limits: pieces of ``C`` too small for passes are slotted (reported, at half feed; the engagement
there is a slot's, up to 180°); the path is planned
once in 2D and repeated at every stepdown; chip-thinning passes stay lines (per-move feeds); necks that
the passes can still enter (1.2-1.5 D) are cleared by passes, whose measured p99 there can exceed 1.25 x
the target by a few degrees. Moves are built in NumPy blocks
(:class:`~toolpath.strategies.adaptive_build.BlockBuilder`). Modules: parameters and plan data in
:mod:`~toolpath.strategies.adaptive_params`, the 2D plan in :mod:`~toolpath.strategies.adaptive_plan`, its
finishing and fallback pieces in :mod:`~toolpath.strategies.adaptive_finish`, the moves of every level here.
Speed against FreeCAD's Adaptive2d:
``benchmarks/bench_adaptive.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.prepared import prep

from ..arcfit import fit_polylines
from ..enums import Direction, MoveKind
from ..errors import UnreachableError
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool
from .adaptive_build import BlockBuilder, append_toolpath
from .adaptive_finish import trochoid_circles
from .adaptive_params import AdaptiveParams, AdaptivePlan, Segment, target_engagement_deg
from .adaptive_plan import _SIMPLIFY_CELL, plan_adaptive_2d
from .cutting import pass_depths
from .linking import _PROGRESS, link_is_safe

__all__ = ["AdaptiveParams", "Segment", "AdaptivePlan", "plan_adaptive_2d", "adaptive_clearing", "clear_pockets",
           "clear_pockets_adaptive", "target_engagement_deg"]


def _fit_segments(segments: list[Segment], kind: str, feed_mm_min: float, tol: float, *,
                  simplify_lines: bool) -> tuple[list[Any], NDArray[np.int64], NDArray[np.int64]] | None:
    """Arcs fitted to every segment of ``kind`` (without per-move feeds) in one kernel call, at z = 0.

    Returns ``([kind, xyz, center, feed, z], first, end)``: segment ``k``'s moves are rows ``first[k]`` to
    ``end[k]`` of the columns (``first[k] == -1`` for the other segments), or None when there is no such
    segment (arrays, not a dict of tuples: thousands of small objects made the garbage collector run).
    Row ``first - 1`` before each segment's moves is a straight feed to its start (the
    stay-down link to it). :func:`_level_columns` gives the columns at a level's z.
    """
    idx = [k for k, s in enumerate(segments) if s.kind == kind and s.feed_scale is None and len(s.xy) >= 2]
    if not idx:
        return None
    counts = np.array([len(segments[k].xy) for k in idx], np.int64)
    offsets = np.zeros(len(idx) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    pts = np.zeros((int(offsets[-1]), 3))
    pts[:, :2] = np.concatenate([segments[k].xy for k in idx])
    moves, at = fit_polylines(pts, offsets, feed_mm_min, tol, simplify_lines=simplify_lines)
    # segment j's moves go to rows at[j] + j + 1 .. at[j + 1] + j, its link to row at[j] + j
    n = len(moves) + len(idx)
    lead = at[:-1] + np.arange(len(idx))
    rows = np.ones(n, bool)
    rows[lead] = False
    kinds = np.full(n, int(MoveKind.FEED), np.int8)
    kinds[rows] = moves.kind
    xyz = np.zeros((n, 3))
    xyz[rows] = moves.xyz
    xyz[lead] = pts[offsets[:-1]]
    center = np.full((n, 2), np.nan)
    center[rows] = moves.center
    feed = np.full(n, float(feed_mm_min))
    feed[rows] = moves.feed
    first = np.full(len(segments), -1, np.int64)
    end = np.full(len(segments), -1, np.int64)
    first[idx] = lead + 1
    end[idx] = at[1:] + np.arange(len(idx)) + 1
    return [kinds, xyz, center, feed, math.nan], first, end


def _level_columns(cols: list[Any], z: float) -> list[Any]:
    """The fitted columns of :func:`_fit_segments` at ``z``: the xyz column replaced by a copy at that z when
    it is not there yet (the builder keeps views of the previous level's copy)."""
    if cols[4] != z:
        cols[1] = cols[1].copy()
        cols[1][:, 2] = z
        cols[4] = z
    return cols


def _simplify_all(paths: list[NDArray[np.float64] | None], tol: float) -> list[NDArray[np.float64] | None]:
    """Every polyline (M, 2) simplified within ``tol`` mm (Douglas-Peucker, one shapely call); None stays None."""
    idx = [i for i, xy in enumerate(paths) if xy is not None and len(xy) >= 3]
    out = list(paths)
    if not idx or tol <= 0:
        return out
    lines = shapely.linestrings(np.concatenate([paths[i] for i in idx]),  # type: ignore[misc]
                                indices=np.repeat(np.arange(len(idx)), [len(paths[i]) for i in idx]))  # type: ignore[arg-type]
    simp = shapely.simplify(lines, tol, preserve_topology=False)
    counts = shapely.get_num_coordinates(simp)
    coords = shapely.get_coordinates(simp)
    ends = np.cumsum(counts)
    for j, i in enumerate(idx):
        xy = coords[ends[j] - counts[j] : ends[j]]
        out[i] = xy if len(xy) >= 2 else paths[i][[0, -1]]  # type: ignore[index]
    return out


def adaptive_clearing(
    pocket: Pocket,
    tool: Tool,
    params: AdaptiveParams,
    *,
    builder: ToolpathBuilder | BlockBuilder | None = None,
    clearance_z_mm: float,
    entry_moves: list[int] | None = None,
    finish_moves: list[int] | None = None,
    slot_moves: list[int] | None = None,
    link_moves: list[int] | None = None,
) -> AdaptivePlan:
    """Append the moves clearing ``pocket`` adaptively to ``builder`` (a new one if None).

    The tool starts and ends at ``clearance_z_mm``. Returns the 2D plan (with ``unreachable`` and
    ``notes``). When ``entry_moves`` is a list, the indices of the entry moves (helix, bottom circle, plunge)
    in the builder are appended to it; likewise ``finish_moves`` for the moves of the finishing loops and
    ``slot_moves`` for the fallback slotting moves (at half feed, where no pass held the engagement), and
    ``link_moves`` for the stay-down links between passes (feed moves at depth that cut next to nothing).
    """
    params.validate(tool)
    outer = builder if builder is not None else BlockBuilder()
    plan = plan_adaptive_2d(pocket, tool, params)
    if not plan.segments:
        return plan
    # the moves go to arrays (a plain ToolpathBuilder holds ~200 bytes of Python objects per move)
    b = outer if isinstance(outer, BlockBuilder) else BlockBuilder(position=outer.position)
    base = 0 if b is outer else len(outer)
    tags: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
    _cut_levels(pocket, tool, params, plan, b, clearance_z_mm, tags)
    if b is not outer:
        append_toolpath(outer, b.build())  # type: ignore[arg-type]
    for mine, theirs in zip(tags, (entry_moves, finish_moves, slot_moves, link_moves), strict=True):
        if theirs is not None:
            theirs.extend(i + base for i in mine)
    return plan


def _cut_levels(pocket: Pocket, tool: Tool, params: AdaptiveParams, plan: AdaptivePlan, b: BlockBuilder,
                clearance_z_mm: float, tags: tuple[list[int], list[int], list[int], list[int]]) -> None:
    """Append the plan's moves at every level to ``b``; ``tags`` collect entry, finish, slot and link moves."""
    cent = prep(plan.centres.buffer(1e-7))
    depths = pass_depths(pocket.z_top_mm, pocket.z_bottom_mm + params.floor_stock_mm, params.stepdown_mm,
                         params.floor_pass_mm)
    if not depths:
        return
    f, fp = params.feed_mm_min, params.plunge_feed_mm_min
    cw = params.direction is not Direction.CLIMB  # climb: material outside the helix on the right: CCW
    slope = math.tan(math.radians(params.helix_angle_deg))
    entries, finishes, slotting, linking = tags

    def enter(xy: NDArray[np.float64], z_from: float) -> None:
        p = b.position
        if p is not None and p[2] < clearance_z_mm - 1e-9:
            b.rapid(p[0], p[1], clearance_z_mm)
        b.rapid(xy[0], xy[1], clearance_z_mm)
        if z_from + 1.0 < clearance_z_mm:
            b.rapid(xy[0], xy[1], z_from + 1.0)
        b.feed(xy[0], xy[1], z_from, fp)

    pass_tol = max(params.tolerance_mm, _SIMPLIFY_CELL * plan.cell_mm, 1e-4)
    simple = _simplify_all([s.xy if s.kind == "pass" else None for s in plan.segments], pass_tol) \
        if not params.fit_arcs else []
    # arcs fitted once to every pass (and finishing loop), in one kernel call each, repeated at every level
    fitted = {kind: _fit_segments(plan.segments, kind, f, tol, simplify_lines=kind == "pass")
              for kind, tol in (("pass", pass_tol), ("finish", params.tolerance_mm))
              if params.fit_arcs and tol > 0}
    z_prev = pocket.z_top_mm
    for z in depths:
        for k, s in enumerate(plan.segments):
            start = s.start
            p = b.position
            at = p is not None and abs(p[2] - z) < 1e-9
            if k == 0:
                stay = p is not None and abs(p[2] - z_prev) < 1e-9 and link_is_safe(np.array(p[:2]), start, cent)
                if stay:
                    b.feed(start[0], start[1], z_prev, f)
                else:
                    enter(start, z_prev)
            elif s.link == "stay" and at:
                if s.kind == "slot":
                    slotting.append(len(b))
                elif s.kind == "finish":
                    (slotting if s.slotting else finishes).append(len(b))  # the approach belongs to the loop
                else:
                    linking.append(len(b))
                fit = fitted.get(s.kind)
                a = int(fit[1][k]) if fit is not None else -1
                if a >= 0:  # the link and the fitted moves in one slice of the level's columns
                    e = int(fit[2][k])
                    cols = _level_columns(fit[0], z)
                    first = len(b) + 1
                    feed = cols[3][a - 1 : e] * (0.5 if s.slotting else 1.0)
                    b.extend_columns(cols[0][a - 1 : e], cols[1][a - 1 : e], cols[2][a - 1 : e], feed)
                    if s.kind == "finish":
                        (slotting if s.slotting else finishes).extend(range(first, len(b)))
                    continue
                b.feed(start[0], start[1], z, 0.5 * f if s.kind == "slot" else f)
            else:
                enter(start, z_prev)
            if s.kind == "helix":
                c, rh = s.xy, s.radius_mm
                zc = b.position[2]  # type: ignore[index]
                turns = max(1, math.ceil((zc - z) / (2 * math.pi * rh * slope) * 2))  # half turns
                for t in range(turns):
                    ang = math.pi * (t + 1) * (-1 if cw else 1)
                    zt = zc - (zc - z) * (t + 1) / turns
                    entries.append(len(b))
                    b.arc(c[0] + rh * math.cos(ang), c[1] + rh * math.sin(ang), zt, c[0], c[1], cw=cw,
                          feed_mm_min=fp)
                end = b.position
                entries.append(len(b))
                b.arc(end[0], end[1], z, c[0], c[1], cw=cw, feed_mm_min=f)  # type: ignore[index]
                continue
            if b.position[2] > z + 1e-9:  # type: ignore[index]
                entries.append(len(b))
                b.feed(start[0], start[1], z, fp)
            if s.kind in ("plunge", "slot"):
                continue
            if s.kind == "troch":
                c0, q, d = s.xy
                n_c = trochoid_circles(c0, q, s.pitch_mm) if s.circles is None else s.circles
                ft = 0.5 * f if s.slotting else f
                first = len(b)
                for i in range(n_c + 1):
                    c = c0 + (q - c0) * (i / max(n_c, 1))
                    st = c - s.radius_mm * d
                    if i:
                        b.feed(st[0], st[1], z, ft)
                    b.arc(st[0], st[1], z, c[0], c[1], cw=cw, feed_mm_min=ft)  # a full circle
                if s.slotting:
                    slotting.extend(range(first, len(b)))
                continue
            xy = s.xy
            if s.kind == "pass" and s.feed_scale is not None:
                b.feeds(np.column_stack([xy[1:], np.full(len(xy) - 1, z)]), f * s.feed_scale)
                continue
            first = len(b)
            fit = fitted.get(s.kind)
            if fit is not None:
                # arcs fitted to the raw pass, the lines between simplified, all within the simplification
                # tolerance; finishing loops (on C's boundary) within tolerance_mm, the clearance to the walls
                cols = _level_columns(fit[0], z)
                a, e = (int(fit[1][k]), int(fit[2][k])) if fit[1][k] >= 0 else (0, 0)
                b.extend_columns(cols[0][a:e], cols[1][a:e], cols[2][a:e], cols[3][a:e] * (0.5 if s.slotting else 1.0))
            else:
                xy = simple[k] if s.kind == "pass" else xy
                # the tool is at the start (xy[0]); the points after it are distinct (steps > 0, simplified)
                b.feeds(np.column_stack([xy[1:], np.full(len(xy) - 1, z)]), 0.5 * f if s.slotting else f)
            if s.kind == "finish":
                (slotting if s.slotting else finishes).extend(range(first, len(b)))
        z_prev = z
    p = b.position
    if p is not None:
        b.rapid(p[0], p[1], clearance_z_mm)


def clear_pockets(
    pockets: list[Pocket],
    tool: Tool,
    params: AdaptiveParams,
    *,
    clearance_z_mm: float,
) -> tuple[Toolpath, list[dict[str, Any]]]:
    """Clear every pocket adaptively in order (upper bands first), retracting between them.

    Returns
    -------
    toolpath : Toolpath
    unreachable : list of dict
        ``{"where", "reason"}`` for the material the tool cannot reach, and notes (plunges, leftovers).

    Raises
    ------
    UnreachableError
        When the tool fits in none of the pockets.
    """
    params.validate(tool)
    # as linking.clear_in_order, with the moves in arrays (a part may take tens of millions of moves)
    b = BlockBuilder()
    unreachable: list[dict[str, Any]] = []
    done = 0
    report = _PROGRESS.get()
    if report is not None:
        report(0, len(pockets))
    for i, pocket in enumerate(sorted(pockets, key=lambda p: -p.z_top_mm)):
        plan = adaptive_clearing(pocket, tool, params, builder=b, clearance_z_mm=clearance_z_mm)
        unreachable.extend(plan.unreachable)
        unreachable.extend({"where": list(pocket.region.bounds), "reason": note} for note in plan.notes)
        done += bool(plan.segments)
        del plan
        if report is not None:
            report(i + 1, len(pockets))
    if pockets and not done:
        raise UnreachableError(
            f"the tool (diameter {tool.diameter_mm:g} mm) fits in none of the {len(pockets)} pockets"
        )
    return b.build(), unreachable


#: The name :mod:`toolpath.job` dispatches ``strategy="adaptive"`` to.
clear_pockets_adaptive = clear_pockets
