"""The 2D plan of adaptive clearing (:func:`plan_adaptive_2d`): entry, passes, fallback, finishing loops, as
described in :mod:`toolpath.strategies.adaptive`; units mm."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt, find_objects, label
from shapely.geometry import LineString
from shapely.prepared import prep

from ..enums import Direction
from ..geometry.slicing import tool_residue
from ..kernels.adaptive_loop import LOOP_FULL, pass_loop_kernel, start_band_kernel
from ..kernels.engagement import (
    circle_samples,
    clear_capsule_kernel,
    clear_disc_kernel,
)
from ..kernels.raster import path_engagement_kernel, rasterize
from ..pocket import Pocket
from ..tool import Tool
from .adaptive_finish import (
    _FINISH_STAGES,
    _TROCH_MIN_R,
    finish_loops,
    finish_tips,
    hot_pieces,
    start_on_edge,
    trochoid,
    trochoid_circles,
    trochoid_xy,
)
from .adaptive_params import AdaptiveParams, AdaptivePlan, Segment
from .linking import link_is_safe, ring_coords

__all__ = ["plan_adaptive_2d"]

_STEP_AE = 0.5  # step length as a fraction of the stepover (longer steps lose the engagement in curves)
_CELL_AE = 4.0  # raster cells per stepover (3 lets the measured p99 pass 1.25x the target)
_SIMPLIFY_CELL = 0.1  # passes are simplified within this many raster cells (fewer moves; the path keeps it from C)
_K_MAX = 360  # most points on the tool circle in the generator's engagement count
_EDGE_R = 0.5  # the pass kernel checks its steps with the owned count within this many tool radii of C's edge
_NARROW_R = 1.5  # ... where C is narrower than twice this many tool radii, or round an island
#: a finishing loop or trochoid whose raster engagement (:func:`~toolpath.kernels.raster.path_engagement_kernel`)
#: passes this fraction of 90 deg is cut at half feed there and reported as slotting (on the thin strips the
#: loops take in corners the raster's count runs up to ~20 deg below the measured one: 71 vs 91 seen)
_HOT_FRACTION = 0.72
#: trochoid circles counted over this x the target on the raster go at half feed, reported as slotting (the raster
#: counts a trochoid 5-20 deg low: 54 counted, 56-61 measured where a neck opens out; under 46 counted, 54-58
#: measured at another; 1.25 let 1 % of random necked pockets pass the p99 bar)
_TROCH_OVER = 1.0
_STRAIT_CELLS = 3.0  # finishing loops in strips of C narrower than twice this many cells are held to the target


def _circle_count(radius_mm: float, cell_mm: float) -> int:
    """Points on the tool circle: about one per raster cell along it (finer gains nothing), even, 96..360."""
    return int(min(_K_MAX, max(96, 2 * round(math.pi * radius_mm / cell_mm))))



class _Grid:
    """The raster of one pocket: origin, cell, material and allowed centres."""

    def __init__(self, pocket: Pocket, centres: Any, r: float, cell: float) -> None:
        reach = centres.buffer(r, quad_segs=16)
        x0, y0, x1, y1 = reach.union(pocket.region).bounds
        pad = 2 * cell
        self.x0, self.y0, self.cell = x0 - pad, y0 - pad, cell
        self.nx = int(math.ceil((x1 - x0 + 2 * pad) / cell)) + 1
        self.ny = int(math.ceil((y1 - y0 + 2 * pad) / cell)) + 1
        # a centre on an allowed cell is within 0.75 cell of that cell's centre, so it stays in C, and so does
        # the pass simplified within _SIMPLIFY_CELL cells
        inner = centres.buffer(-(0.75 + _SIMPLIFY_CELL) * cell)
        self.allowed = rasterize(inner, self.x0, self.y0, cell, self.ny, self.nx)
        region = rasterize(pocket.region, self.x0, self.y0, cell, self.ny, self.nx)
        # cells within reach of an allowed centre (the eroded polygon grown by r less a cell: no slower EDT,
        # and on the safe side of the raster's rounding)
        near = rasterize(inner.buffer(r - cell, quad_segs=16), self.x0, self.y0, cell,
                         self.ny, self.nx) != 0
        # 1: material a roughing centre reaches; 2: material beyond (along walls, in corners)
        self.mat = np.where(region != 0, np.where(near, 1, 2), 0).astype(np.uint8)

    def xy(self, iy: NDArray[np.int64], ix: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.column_stack([self.x0 + ix * self.cell, self.y0 + iy * self.cell])


def _largest_inside(inside: NDArray[np.bool_], cell: float, enough_mm: float) -> tuple[int, int, float]:
    """A cell of ``inside`` far from its outside, and a lower bound of that distance, mm (``(iy, ix, d_mm)``).

    Large grids are searched on blocks of 4 x 4 cells first (a block counts when all its cells are inside;
    the distance is then less the blocks' half diagonals, so it stays a lower bound); when that finds less
    than ``enough_mm``, the exact distance transform of the whole grid decides.
    """
    f = 4
    ny, nx = inside.shape
    if ny * nx > 200_000 and ny >= 4 * f and nx >= 4 * f:
        by, bx = ny // f, nx // f
        blocks = inside[: by * f, : bx * f].reshape(by, f, bx, f).all(axis=(1, 3))
        if blocks.any():
            d = distance_transform_edt(blocks)
            k = int(np.argmax(d))
            jy, jx = divmod(k, bx)
            dk = (float(d[jy, jx]) * f - (f - 1) * math.sqrt(2.0)) * cell
            if dk >= enough_mm:
                return jy * f + f // 2, jx * f + f // 2, dk
    if ny * nx <= 200_000:
        d = distance_transform_edt(inside) * cell
        k = int(np.argmax(d))
        iy, ix = divmod(k, d.shape[1])
        return iy, ix, float(d[iy, ix])
    # small pieces left: the exact transform of each piece's box (the 64 largest pieces), not of the grid
    lab, n = label(inside)
    if n == 0:
        return 0, 0, 0.0
    sizes = np.bincount(lab.ravel())[1:]
    best = (0, 0, 0.0)
    boxes = find_objects(lab)
    for k in np.argsort(sizes)[::-1][:64]:
        sy, sx = boxes[k]
        sub = np.pad(lab[sy, sx] == k + 1, 1)
        d = distance_transform_edt(sub) * cell
        j = int(np.argmax(d))
        iy, ix = divmod(j, d.shape[1])
        if d[iy, ix] > best[2]:
            best = (iy - 1 + sy.start, ix - 1 + sx.start, float(d[iy, ix]))
    return best


def plan_adaptive_2d(pocket: Pocket, tool: Tool, params: AdaptiveParams) -> AdaptivePlan:
    """Plan the adaptive clearing of one pocket in XY (see the module docstring)."""
    t_start = time.perf_counter()
    r = tool.radius_mm
    margin = params.tolerance_mm + params.stock_to_leave_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-(r + margin), quad_segs=64)
    unreachable = tool_residue(pocket, tool, tolerance_mm=params.tolerance_mm + params.stock_to_leave_mm)
    plan = AdaptivePlan([], centres, unreachable)
    if centres.is_empty:
        return plan
    ae = params.stepover_of(tool)
    cell = params.cell_mm if params.cell_mm is not None else min(ae / _CELL_AE, r / 12.0)
    plan.cell_mm = cell
    g = _Grid(pocket, centres, r, cell)
    kk = _circle_count(r, cell)
    cs, sn = circle_samples(kk)
    target = max(1, int(round(params.target_deg(tool) / 360.0 * kk)))
    if target > 1 and target * 360.0 / kk > 1.02 * params.target_deg(tool):
        target -= 1  # a coarse circle count rounded up would aim above the target
    max_count = max(target, int(math.floor(params.max_deg(tool) / 360.0 * kk)))
    side = -1.0 if params.direction is Direction.CLIMB else 1.0
    step = float(np.clip(_STEP_AE * ae, cell, r / 6.0))
    min_step = max(0.25 * cell, step / 8.0)
    max_air = int(r / step) + 2
    probe_r = r + 3.0 * cell
    buf_xy = np.empty((50_000, 2))  # one pass, at most
    buf_e = np.empty(50_000, np.int64)
    log = np.empty(g.mat.size, np.int64)
    mat0 = g.mat.copy()
    own = np.full(g.mat.shape + (2,), np.nan, np.float32)  # centre of the pass disc that cleared each cell
    min_removed = int(0.5 * ae * r / (cell * cell))
    mat, allowed, x0, y0 = g.mat, g.allowed, g.x0, g.y0
    # allowed cells within _EDGE_R tool radii of the region's edge are marked 2: there the pass kernel checks
    # its direction with the owned count (narrow places, tips, rings round islands: where the raster's count
    # ran 10-15 deg low); the open middle keeps the cheaper fresh count
    core = rasterize(centres.buffer(-(0.75 + _SIMPLIFY_CELL) * cell - _EDGE_R * r), x0, y0, cell, g.ny, g.nx)
    # ... but only at narrow places (necks, tips, corners: what an opening by _NARROW_R tool radii takes away)
    # and round islands: along open walls the fresh count held (the check there cost ~15 % on an open
    # rectangle)
    odd = centres.difference(centres.buffer(-_NARROW_R * r).buffer(_NARROW_R * r))
    isles = [shapely.Polygon(h) for p in shapely.get_parts(centres) for h in p.interiors]
    watch = rasterize(shapely.union_all([odd.buffer(r)] + [h.buffer((_EDGE_R + 0.5) * r) for h in isles]),
                      x0, y0, cell, g.ny, g.nx)
    allowed[(allowed != 0) & (core == 0) & (watch != 0)] = 2
    cent_prep = prep(centres.buffer(1e-7))

    n_alive = 0
    alive = np.empty((max(8192, 4 * buf_xy.shape[0]), 2))
    state = np.array([0.0, 0.0, 0.0, 4000.0, 0.0, 0.0, 0.0, 0.0])  # see kernels.adaptive_loop
    out_xy = np.empty((4 * buf_xy.shape[0], 2))
    out_e = np.empty(out_xy.shape[0], np.int64)
    seg_start = np.empty(4097, np.int64)
    seg_link = np.empty(4096, np.int8)
    segs = plan.segments
    target_deg = params.target_deg(tool)
    sin_t = math.sin(math.radians(min(target_deg, 90.0)))

    def pos_now() -> NDArray[np.float64] | None:
        return state[:2].copy() if state[2] > 0 else None

    def set_pos(p: NDArray[np.float64]) -> None:
        state[0], state[1], state[2] = p[0], p[1], 1.0

    def add_alive(pts: NDArray[np.float64]) -> None:
        nonlocal alive, n_alive
        if n_alive + len(pts) > alive.shape[0]:
            grown = np.empty((2 * (n_alive + len(pts)), 2))
            grown[:n_alive] = alive[:n_alive]
            alive = grown
        alive[n_alive : n_alive + len(pts)] = pts
        n_alive += len(pts)

    def window(pad: float) -> tuple[slice, slice] | None:
        """The grid rows and columns around the material left (with ``pad`` mm), or None when none is left."""
        rows, cols = np.flatnonzero(mat.any(axis=1)), np.flatnonzero(mat.any(axis=0))
        if rows.size == 0:
            return None
        k = int(math.ceil(pad / cell)) + 2
        return (slice(max(0, rows[0] - k), min(mat.shape[0], rows[-1] + k + 1)),
                slice(max(0, cols[0] - k), min(mat.shape[1], cols[-1] + k + 1)))

    def refresh() -> bool:
        """Start points where the disc is clear of material and material is near; False when none."""
        w = window(r + 3.0 * cell)
        if w is None:
            return False
        cand = start_band_kernel(mat[w], allowed[w], cell, r + 0.75 * cell, r + 2.25 * cell)
        iy, ix = np.nonzero(cand)
        if iy.size == 0:
            return False
        pts = g.xy(iy + w[0].start, ix + w[1].start)[:: max(1, int(iy.size // 4000))]
        add_alive(pts)
        return True

    def entry() -> bool:
        """A helix (or plunge) in the largest circle of allowed centres over uncut material."""
        inside = (allowed != 0) & (mat == 1)
        if not inside.any():
            return False
        w = window(2.0 * cell)
        assert w is not None
        iy, ix, dk = _largest_inside(inside[w], cell, 0.25 * r + 2 * cell)
        c = g.xy(np.array([iy + w[0].start]), np.array([ix + w[1].start]))[0]
        if dk < (cell if cleanup else 0.25 * r):
            return False
        rh = min(params.helix_radius_fraction * r, dk - cell)
        if rh < max(2 * cell, 0.05 * r):
            segs.append(Segment("plunge", c.copy(), "retract"))
            plan.notes.append(f"plunged at ({c[0]:.3f}, {c[1]:.3f}): no room for a helix")
            clear_disc_kernel(mat, x0, y0, cell, c[0], c[1], r)
            add_alive(c[None])
            set_pos(c)
        else:
            segs.append(Segment("helix", c.copy(), "retract", radius_mm=rh))
            clear_disc_kernel(mat, x0, y0, cell, c[0], c[1], r + rh)
            a = np.linspace(0, 2 * np.pi, 48, endpoint=False)
            add_alive(c + rh * np.column_stack([np.cos(a), np.sin(a)]))
            set_pos(c + np.array([rh, 0.0]))  # where the helix ends
        return True

    cleanup = False
    fruitless = 0  # refreshes since the last accepted pass
    for _ in range(100_000):
        if n_alive + buf_xy.shape[0] // 2 + 1 > alive.shape[0]:
            grown = np.empty((2 * alive.shape[0], 2))
            grown[:n_alive] = alive[:n_alive]
            alive = grown
        status, n_alive, n_seg = pass_loop_kernel(
            mat, mat0, allowed, x0, y0, cell, r, cs, sn, probe_r, step, min_step, target, max_count, side, max_air,
            min_removed, alive, n_alive, state, buf_xy, buf_e, log, out_xy, out_e, seg_start, seg_link, own)
        for k in range(n_seg):
            a, b_ = int(seg_start[k]), int(seg_start[k + 1])
            seg = Segment("pass", out_xy[a:b_].copy(), "stay" if seg_link[k] else "retract")
            if params.chip_thinning:
                e_deg = np.clip(out_e[a + 1 : b_] * 360.0 / kk, 1e-3, 90.0)
                seg.feed_scale = np.clip(sin_t / np.sin(np.radians(e_deg)), 1.0, 2.0)
            segs.append(seg)
        if n_seg:
            fruitless = 0
        if status == LOOP_FULL:
            continue
        fruitless += 1
        if fruitless > 2 or not (refresh() or entry()):
            if fruitless > 2 and entry():
                fruitless = 0
                continue
            if cleanup:
                break
            # clean-up: accept any pass that removes material, plunge where no helix fits
            cleanup, min_removed, fruitless = True, 1, 0
    pos = pos_now()
    plan.stats = {"passes_undone": int(state[4]), "steps_undone": int(state[5]), "passes": int(state[6]),
                  "steps": int(state[7])}
    # fallback where no pass can hold the engagement (necks, slivers): trochoidal circles where the neck
    # leaves room for them, else slot to each piece at half feed
    slots = trochs = hot_trochs = 0
    hot_count = math.ceil(_HOT_FRACTION * 90.0 / 360.0 * kk)

    def hot_limit(xy: NDArray[np.float64], over: float | None = None,
                  strait: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
        """Per vertex of a fixed path, whether the move to it passes the hot count (clearing ``mat`` on the way);
        on a path smaller than the tool's radius across (a loop round a tip of C a few cells wide, which the
        raster cannot follow: 57-71 deg counted where 91 was measured), or at the vertices marked in ``strait``,
        whether it passes the target. With ``over``, whether it passes that count."""
        got = path_engagement_kernel(mat, x0, y0, cell, np.ascontiguousarray(xy), r, cs, sn, 2.0 * cell)
        if over is not None:
            return got > over
        tiny = float(np.max(np.ptp(xy, axis=0))) < r
        hot = got >= (target if tiny else hot_count)
        return hot if strait is None else hot | (strait & (got >= target))

    left_cells = np.count_nonzero(mat == 1)
    if left_cells and params.finish and left_cells * cell * cell < ae * r and not np.any(allowed[mat == 1]):
        # a few cells of wall strip (outside C, less than a stepover x a tool radius in all): the finishing loops,
        # which sweep the whole strip along C's edge, take them; no fallback run for a speck
        left_cells = 0
    if left_cells:
        _, near = distance_transform_edt(allowed == 0, return_indices=True)
        room = distance_transform_edt(allowed != 0) * cell  # mm from an allowed cell to the nearest other one
        rho_min = _TROCH_MIN_R * r
        roomy = room >= rho_min + cell
        near_roomy = distance_transform_edt(~roomy, return_indices=True)[1] if roomy.any() else None
        target_rad = math.radians(min(target_deg, 89.0))
        for _ in range(2000):
            left = np.argwhere(mat == 1)
            if left.size == 0:
                break
            here = pos if pos is not None else g.xy(left[:1, 0], left[:1, 1])[0]
            k = int(np.argmin(((g.xy(left[:, 0], left[:, 1]) - here) ** 2).sum(axis=1)))
            lk = tuple(left[k])
            if pos is not None and near_roomy is not None:
                tro = trochoid(g, room, near_roomy, pos, near_roomy[0][lk], near_roomy[1][lk],
                               g.xy(left[k:k + 1, 0], left[k:k + 1, 1])[0], r, rho_min, ae, target_rad)
                if tro is not None:
                    c0, q, d, rho, pitch = tro
                    s0 = c0 - rho * d
                    link = "stay" if cent_prep.covers(LineString([pos, s0]) if np.any(pos != s0) else
                                                      shapely.Point(s0)) else "retract"
                    if link == "stay" and bool(hot_limit(np.array([pos, s0])).any()):
                        # the link cuts into the neck's material (up to 140 deg measured): at half feed, reported
                        segs.append(Segment("slot", s0.copy(), "stay"))
                        slots += 1
                    # circles whose count on the raster passes _TROCH_OVER x the target are cut at half feed
                    # and reported as slotting: the run is split where that changes
                    txy = trochoid_xy(c0, q, d, rho, pitch, cw=params.direction is not Direction.CLIMB,
                                      step_mm=0.5 * cell)
                    n_c = trochoid_circles(c0, q, pitch)
                    hot_c = hot_limit(txy, over=_TROCH_OVER * target).reshape(n_c + 1, -1).any(axis=1)
                    cuts = [0, *(np.flatnonzero(hot_c[1:] != hot_c[:-1]) + 1).tolist(), n_c + 1]
                    for i, j in zip(cuts[:-1], cuts[1:], strict=True):
                        ci, cj = c0 + (q - c0) * (i / n_c), c0 + (q - c0) * ((j - 1) / n_c)
                        segs.append(Segment("troch", np.array([ci, cj, d]), link if i == 0 else "stay", radius_mm=rho,
                                            pitch_mm=pitch, circles=j - 1 - i, slotting=bool(hot_c[i])))
                    clear_capsule_kernel(mat, x0, y0, cell, c0[0], c0[1], q[0], q[1], r + rho)
                    trochs += 1
                    hot_trochs += bool(hot_c.any())
                    pos = q - rho * d
                    if mat[lk] != 1:
                        continue
            iy, ix = near[0][lk], near[1][lk]
            q = g.xy(np.array([iy]), np.array([ix]))[0]
            link = "retract"
            got = 0
            if pos is not None and cent_prep.covers(LineString([pos, q]) if np.any(pos != q) else shapely.Point(q)):
                link = "stay"
                got += clear_capsule_kernel(mat, x0, y0, cell, pos[0], pos[1], q[0], q[1], r)
            got += clear_disc_kernel(mat, x0, y0, cell, q[0], q[1], r)
            if mat[lk] == 1:
                mat[lk] = 0  # out of reach of its nearest allowed centre (raster edge): drop it
            if got == 0:
                continue
            segs.append(Segment("slot", q.copy(), link))
            slots += 1
            pos = q
    if trochs:
        plan.notes.append(f"{trochs} trochoidal runs (full circles advancing along necks narrower than a pass needs)")
    if hot_trochs:
        plan.notes.append(f"{hot_trochs} trochoidal runs partly at half feed, reported as slotting (circles whose "
                          "engagement on the raster passes the target)")
    if slots:
        plan.notes.append(f"{slots} slotting moves at half feed where no pass nor trochoid held the engagement "
                          "(necks about the tool's width, slivers)")
    plan.left_area_mm2 = float(np.count_nonzero(mat == 1)) * cell * cell
    if plan.left_area_mm2 > 0.5 * r * r:
        plan.notes.append(f"{plan.left_area_mm2:.2f} mm2 reachable left after roughing (raster)")
    if params.finish:
        climb = params.direction is Direction.CLIMB
        strip = (1.85 + _SIMPLIFY_CELL) * cell + params.tolerance_mm  # what roughing leaves on walls, mm
        plan.finish_corner_radius_mm = _FINISH_STAGES[-1][1] * strip
        tips = finish_tips(centres, strip)
        if tips:
            plan.notes.append(f"{len(tips)} slotting moves at half feed into pointed ends the finishing loops miss")
        # pointed ends of C the rounded loops miss (corners behind islands): slotted before the loops (nearest
        # first), so a loop turning there finds the corner cut (it took up to 99 deg there)
        while tips:
            q = tips.pop(int(np.argmin([np.hypot(*(t - pos)) for t in tips])) if pos is not None else 0)
            link = "stay" if pos is not None and link_is_safe(pos, q, cent_prep) else "retract"
            if link == "stay":
                clear_capsule_kernel(mat, x0, y0, cell, pos[0], pos[1], q[0], q[1], r)
            clear_disc_kernel(mat, x0, y0, cell, q[0], q[1], r)
            segs.append(Segment("slot", q, link))
            pos = q
        hot_pieces_n = 0
        # strips of C under 2 x _STRAIT_CELLS cells wide (a neck's dead end), where the raster's count of a loop
        # ran 30+ deg low (98.5 measured at a dead end): loops there are judged against the target
        w_s = _STRAIT_CELLS * cell
        roomy_c = centres.buffer(-w_s, quad_segs=8).buffer(w_s, quad_segs=8)
        for loop, slot in finish_loops(centres, strip, plan.notes):
            rings = [ring_coords(loop.exterior, ccw=climb)] + [ring_coords(i, ccw=not climb) for i in loop.interiors]
            for lp in rings:
                if len(lp) < 4:
                    continue
                if pos is not None:
                    lp = start_on_edge(lp, pos, r)
                # where the raster says the loop passes the maximum (a piece of C too small for passes, a
                # corner left full), that part is cut at half feed and reported as slotting
                # (a loop round a strip of C thinner than the rounding slots all along: at half feed, reported)
                hot_v = hot_limit(lp, strait=shapely.distance(shapely.points(lp), roomy_c) > w_s)
                for piece, hot in ([(lp, True)] if slot else hot_pieces(lp, hot_v, r)):
                    segs.append(Segment("finish", piece, "retract", slotting=hot))
                    hot_pieces_n += hot and not slot
                pos = lp[-1]
        if hot_pieces_n:
            plan.notes.append(f"{hot_pieces_n} pieces of finishing loops at half feed, reported as slotting (their "
                              "engagement on the raster passes the maximum: pieces of the centre domain too small "
                              "for passes, corners left full)")
    # the 2D links are decided here so every level cuts the same plan
    for i in range(1, len(segs)):
        s, prev = segs[i], segs[i - 1]
        if s.kind in ("finish",) or (s.kind == "pass" and s.link == "retract"):
            s.link = "stay" if link_is_safe(prev.end, s.start, cent_prep) and s.kind == "finish" else s.link
    plan.generation_time_s = time.perf_counter() - t_start
    return plan
