"""Sweep kernels: the exact lowest tool-bottom height over every cell centre along a segment table.

Split from :mod:`sim.stock` (which keeps the height field, the results and :func:`sim.stock.simulate`,
and re-exports the public names here). The tool profiles, the exactness of each case and the cell-centre
convention are described in :mod:`sim.stock`. Units: mm, radians.

- :func:`toolpath_segments` turns a toolpath into the (M, 9) segment table the kernel reads.
- :func:`tool_profile_code` turns a :class:`toolpath.Tool` into ``(code, radius_mm, param)``.
- :func:`sweep_kernel` (Numba) lowers a height array in place; :func:`sweep_reference` is the slow plain
  NumPy/SciPy version beside it, evaluating every cell against every segment independently.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from toolpath.enums import MoveKind, ToolKind
from toolpath.errors import InputError
from toolpath.moves import Toolpath, arc_sweep
from toolpath.tool import Tool

__all__ = [
    "FLAT",
    "BALL",
    "BULL",
    "CONE",
    "toolpath_segments",
    "tool_profile_code",
    "sweep_kernel",
    "sweep_reference",
]

FLAT, BALL, BULL, CONE = 0, 1, 2, 3
"""Tool profile codes of :func:`tool_profile_code`: flat, ball, bull nose, cone (drill)."""
_FLAT, _BALL, _BULL, _CONE = FLAT, BALL, BULL, CONE
_GOLDEN_ITERATIONS = 64
_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0

# --------------------------------------------------------------------------------------------------
# toolpath -> segment table
# --------------------------------------------------------------------------------------------------
def toolpath_segments(
    toolpath: Toolpath,
    start_xyz: tuple[float, float, float] | None = None,
    *,
    arc_tolerance_mm: float = 0.005,
    keep_level_arcs: bool = False,
    keep_helical_arcs: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The moves of a toolpath as a segment table for :func:`sweep_kernel`.

    Parameters
    ----------
    toolpath : Toolpath
        The moves.
    start_xyz : tuple of 3 floats or None
        Where the first move starts, mm (default: its own end point).
    arc_tolerance_mm : float
        Greatest distance between a chord and its arc for arcs that are flattened, mm.
    keep_level_arcs, keep_helical_arcs : bool
        Keep arcs without (with) a z change as arcs instead of flattening them to inscribed chords.

    Returns
    -------
    seg : ndarray of shape (M, 9), float64
        Columns ``ax, ay, az, bx, by, bz, cx, cy, sweep``: start and end (mm), and for an arc its centre
        (mm) and signed sweep (radians, CCW positive); NaN in the last three for a straight segment.
    move : ndarray of shape (M,), int64
        Index of the move each segment belongs to (dwells give no segment).
    """
    if not (arc_tolerance_mm > 0 and math.isfinite(arc_tolerance_mm)):
        raise InputError(f"arc_tolerance_mm must be > 0, got {arc_tolerance_mm!r}")
    n = len(toolpath)
    if n == 0:
        return np.zeros((0, 9)), np.zeros(0, np.int64)
    starts = toolpath.starts(start_xyz)
    ends = toolpath.xyz
    kind = toolpath.kind
    is_arc = (kind == MoveKind.ARC_CW) | (kind == MoveKind.ARC_CCW)
    level = starts[:, 2] == ends[:, 2]
    kept = is_arc & ((level & keep_level_arcs) | (~level & keep_helical_arcs))
    flat_arc = is_arc & ~kept
    nseg = (kind != MoveKind.DWELL).astype(np.int64)
    ai = np.flatnonzero(flat_arc)
    if ai.size:
        c = toolpath.center[ai]
        sw = arc_sweep(starts[ai], ends[ai], c, kind[ai])
        r = np.hypot(starts[ai, 0] - c[:, 0], starts[ai, 1] - c[:, 1])
        half = np.arccos(np.clip(1.0 - arc_tolerance_mm / np.maximum(r, 1e-300), -1.0, 1.0))
        k = np.where(r <= arc_tolerance_mm, 1, np.ceil(np.abs(sw) / (2.0 * np.maximum(half, 1e-12))))
        nseg[ai] = np.maximum(k, 1).astype(np.int64)
    move = np.repeat(np.arange(n, dtype=np.int64), nseg)
    first = np.cumsum(nseg) - nseg
    local = np.arange(move.size, dtype=np.int64) - first[move]
    cnt = nseg[move].astype(np.float64)
    t0, t1 = local / cnt, (local + 1) / cnt
    out = np.full((move.size, 9), np.nan)
    out[:, 0:3] = starts[move] + (ends[move] - starts[move]) * t0[:, None]
    out[:, 3:6] = starts[move] + (ends[move] - starts[move]) * t1[:, None]
    chord = flat_arc[move]
    if chord.any():
        m = move[chord]
        c = toolpath.center[m]
        s = starts[m]
        sw = arc_sweep(starts[m], ends[m], c, kind[m])
        r = np.hypot(s[:, 0] - c[:, 0], s[:, 1] - c[:, 1])
        ang0 = np.arctan2(s[:, 1] - c[:, 1], s[:, 0] - c[:, 0])
        for col, t in ((0, t0[chord]), (3, t1[chord])):
            ang = ang0 + sw * t
            out[chord, col] = c[:, 0] + r * np.cos(ang)
            out[chord, col + 1] = c[:, 1] + r * np.sin(ang)
        last = chord & (local == nseg[move] - 1)
        out[last, 3:6] = ends[move[last]]
        firsts = chord & (local == 0)
        out[firsts, 0:3] = starts[move[firsts]]
    keep_seg = kept[move]
    if keep_seg.any():
        m = move[keep_seg]
        out[keep_seg, 6:8] = toolpath.center[m]
        out[keep_seg, 8] = arc_sweep(starts[m], ends[m], toolpath.center[m], kind[m])
    return out, move


def tool_profile_code(tool: Tool) -> tuple[int, float, float]:
    """``(code, radius_mm, param)`` describing a tool's bottom for the kernels.

    ``code`` is 0 flat, 1 ball, 2 bull (``param`` = corner radius, mm), 3 cone (``param`` = cot of half
    the point angle).
    """
    if not isinstance(tool, Tool):
        raise InputError(f"tool must be a toolpath.Tool, got {type(tool).__name__}")
    r = tool.radius_mm
    if tool.kind is ToolKind.FLAT:
        return _FLAT, r, 0.0
    if tool.kind is ToolKind.BALL:
        return _BALL, r, r
    if tool.kind is ToolKind.BULL:
        return _BULL, r, tool.corner_radius_mm
    return _CONE, r, 1.0 / math.tan(math.radians(tool.tip_angle_deg) / 2.0)


# --------------------------------------------------------------------------------------------------
# kernel
# --------------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _profile(code: int, r: float, p: float, rho: float) -> float:
    if code == _FLAT:
        return 0.0
    if code == _BALL:
        q = r * r - rho * rho
        return r - math.sqrt(q if q > 0.0 else 0.0)
    if code == _BULL:
        e = rho - (r - p)
        if e <= 0.0:
            return 0.0
        q = p * p - e * e
        return p - math.sqrt(q if q > 0.0 else 0.0)
    return rho * p


@njit(cache=True, nogil=True)
def _segment_min(
    code: int,
    r: float,
    p: float,
    ax: float,
    ay: float,
    az: float,
    dx: float,
    dy: float,
    dz: float,
    px: float,
    py: float,
) -> float:
    """Lowest tool-bottom height over cell centre (px, py) along segment a -> a + d; +inf if never covered."""
    wx, wy = px - ax, py - ay
    ww = wx * wx + wy * wy
    dd = dx * dx + dy * dy
    r2 = r * r
    if dd <= 1e-18:  # vertical (or null) move: the cell stays at the same distance from the axis
        if ww > r2:
            return math.inf
        lo = az if dz >= 0.0 else az + dz
        return lo + _profile(code, r, p, math.sqrt(ww))
    wd = wx * dx + wy * dy
    disc = wd * wd - dd * (ww - r2)
    if disc < 0.0:
        return math.inf
    sq = math.sqrt(disc)
    t0 = (wd - sq) / dd
    t1 = (wd + sq) / dd
    if t0 < 0.0:
        t0 = 0.0
    if t1 > 1.0:
        t1 = 1.0
    if t0 > t1:
        return math.inf
    if code == _FLAT:
        return az + dz * (t0 if dz >= 0.0 else t1)
    if code == _BALL:
        # lowest point of the capsule of radius r about the segment of sphere centres a + (0,0,r) + t d
        best = math.inf
        for t in (0.0, 1.0):
            ex, ey = wx - t * dx, wy - t * dy
            q = r2 - ex * ex - ey * ey
            if q >= 0.0:
                zc = az + t * dz + r - math.sqrt(q)
                if zc < best:
                    best = zc
        big = dd + dz * dz
        k = wd
        # |v|^2 - (v.D)^2/|D|^2 = r^2 with v = (wx, wy, s): a s^2 + bq s + c = 0, a = dd > 0
        bq = -2.0 * k * dz
        c = big * (ww - r2) - k * k
        dq = bq * bq - 4.0 * dd * c
        if dq >= 0.0:
            s = (-bq - math.sqrt(dq)) / (2.0 * dd)
            t = (k + s * dz) / big
            if 0.0 <= t <= 1.0:
                zc = az + r + s
                if zc < best:
                    best = zc
        return best
    # bull nose and cone: f(t) = z(t) + h(rho(t)) is convex on [t0, t1]; golden-section search
    fa = az + dz * t0 + _profile(code, r, p, math.sqrt(max(0.0, (wx - t0 * dx) ** 2 + (wy - t0 * dy) ** 2)))
    fb = az + dz * t1 + _profile(code, r, p, math.sqrt(max(0.0, (wx - t1 * dx) ** 2 + (wy - t1 * dy) ** 2)))
    best = fa if fa < fb else fb
    lo, hi = t0, t1
    x1 = hi - _INV_PHI * (hi - lo)
    x2 = lo + _INV_PHI * (hi - lo)
    f1 = az + dz * x1 + _profile(code, r, p, math.sqrt((wx - x1 * dx) ** 2 + (wy - x1 * dy) ** 2))
    f2 = az + dz * x2 + _profile(code, r, p, math.sqrt((wx - x2 * dx) ** 2 + (wy - x2 * dy) ** 2))
    for _ in range(_GOLDEN_ITERATIONS):
        if f1 <= f2:
            hi = x2
            x2, f2 = x1, f1
            x1 = hi - _INV_PHI * (hi - lo)
            f1 = az + dz * x1 + _profile(code, r, p, math.sqrt((wx - x1 * dx) ** 2 + (wy - x1 * dy) ** 2))
        else:
            lo = x1
            x1, f1 = x2, f2
            x2 = lo + _INV_PHI * (hi - lo)
            f2 = az + dz * x2 + _profile(code, r, p, math.sqrt((wx - x2 * dx) ** 2 + (wy - x2 * dy) ** 2))
    if f1 < best:
        best = f1
    if f2 < best:
        best = f2
    return best


@njit(cache=True, nogil=True)
def _row_span(ax: float, ay: float, dx: float, dy: float, r: float, py: float) -> tuple[float, float]:
    """x-interval where the row y = ``py`` meets the capsule of radius ``r`` about segment a -> a + d.

    The capsule is convex, the union of the two end discs and the band between them, so the row meets
    it in one interval: the hull of the three pieces' intervals. Empty gives ``(inf, -inf)``.
    """
    xl, xr = math.inf, -math.inf
    for cx, cy in ((ax, ay), (ax + dx, ay + dy)):
        q = r * r - (py - cy) * (py - cy)
        if q >= 0.0:
            s = math.sqrt(q)
            xl = min(xl, cx - s)
            xr = max(xr, cx + s)
    length2 = dx * dx + dy * dy
    if length2 > 1e-18:
        length = math.sqrt(length2)
        ux, uy = dx / length, dy / length
        lo, hi = -math.inf, math.inf
        # |(p - a) . n| <= r with n = (-uy, ux), and 0 <= (p - a) . u <= length
        for k in range(2):
            cx = -uy if k == 0 else ux
            c0 = (py - ay) * (ux if k == 0 else uy)
            cmin = -r if k == 0 else 0.0
            cmax = r if k == 0 else length
            if abs(cx) < 1e-15:
                if c0 < cmin or c0 > cmax:
                    lo, hi = math.inf, -math.inf
            else:
                x1 = ax + (cmin - c0) / cx
                x2 = ax + (cmax - c0) / cx
                lo = max(lo, min(x1, x2))
                hi = min(hi, max(x1, x2))
        if lo <= hi:
            xl = min(xl, lo)
            xr = max(xr, hi)
    return xl, xr


@njit(cache=True, nogil=True)
def _in_sector(span: float, sx: float, sy: float, tx: float, ty: float, vx: float, vy: float) -> bool:
    """Whether direction v lies in the CCW sector from unit s to unit t of angle ``span`` (radians)."""
    if span >= 2.0 * math.pi - 1e-12:
        return True
    c1 = sx * vy - sy * vx
    c2 = vx * ty - vy * tx
    if span <= math.pi:
        return c1 >= 0.0 and c2 >= 0.0
    return not (c1 < 0.0 and c2 < 0.0)


@njit(cache=True, nogil=True)
def _arc_min(
    code: int,
    r: float,
    p: float,
    cx: float,
    cy: float,
    ra: float,
    th0: float,
    sweep: float,
    sx: float,
    sy: float,
    tx: float,
    ty: float,
    ax: float,
    ay: float,
    az: float,
    bx: float,
    by: float,
    dz: float,
    px: float,
    py: float,
) -> float:
    """Lowest tool-bottom height over (px, py) along an XY arc of radius ``ra`` about (cx, cy); +inf if never.

    A level arc (``dz == 0``): ``az + h(distance from the cell to the arc)``. A helical arc (flat end mill
    only): z is linear in the swept angle, the cell is covered while the angle is within
    ``acos((rho^2 + ra^2 - r^2) / (2 ra rho))`` of its own, and the lowest z is at an end of a covered
    angle interval.
    """
    vx, vy = px - cx, py - cy
    rho = math.sqrt(vx * vx + vy * vy)
    span = abs(sweep)
    if dz == 0.0:
        if _in_sector(span, sx, sy, tx, ty, vx, vy):
            d = abs(rho - ra)
        else:
            d = min(math.hypot(px - ax, py - ay), math.hypot(px - bx, py - by))
        if d > r:
            return math.inf
        return az + _profile(code, r, p, d)
    if rho <= 1e-12:
        return math.inf if ra > r else az + min(dz, 0.0)
    k = (rho * rho + ra * ra - r * r) / (2.0 * ra * rho)
    if k > 1.0:
        return math.inf
    if k <= -1.0:
        return az + min(dz, 0.0)
    alpha = math.acos(k)
    two_pi = 2.0 * math.pi
    u = ((math.atan2(vy, vx) - th0) * (1.0 if sweep > 0.0 else -1.0)) % two_pi
    best = math.inf
    for j in range(-1, 2):
        lo = max(u - alpha + two_pi * j, 0.0)
        hi = min(u + alpha + two_pi * j, span)
        if lo <= hi:
            best = min(best, az + dz * lo / span, az + dz * hi / span)
    return best


@njit(cache=True, nogil=True)
def sweep_kernel(
    z: np.ndarray,
    x0: float,
    y0: float,
    cell: float,
    floor: float,
    seg: np.ndarray,
    code: int,
    radius: float,
    param: float,
    drop: np.ndarray,
    removed: np.ndarray,
    where: np.ndarray,
    left: np.ndarray,
) -> None:
    """Sweep the segments of ``seg`` (M, 9; see :func:`toolpath_segments`) in order over ``z``, in place.

    For each segment ``i``: ``drop[i]`` = largest height decrease, ``where[i]`` = flat index of that cell
    (-1 if none), ``left[i]`` = the height it left there (NaN if none), ``removed[i]`` = Σ decrease (mm;
    multiply by the cell area for mm³).

    A straight segment visits only the cells of each row inside its swept footprint (a capsule). On a
    level segment the cells strictly inside the row's span take ``z + h(distance to the segment)``
    directly (just ``z`` for a flat end mill), and on a sloped one a flat end mill's cells take the
    height at the end of their covered interval; the two end cells of each span, and every cell of a
    sloped segment with a curved tool, go through the exact per-cell evaluation :func:`_segment_min`.
    An arc visits its bounding box grown by the radius, each cell through :func:`_arc_min`. A helical
    arc with a curved tool is refused (flatten it to chords first).
    """
    ny, nx = z.shape
    r2 = radius * radius
    for i in range(seg.shape[0]):
        ax, ay, az = seg[i, 0], seg[i, 1], seg[i, 2]
        bx, by, bz = seg[i, 3], seg[i, 4], seg[i, 5]
        cx, cy, sweep = seg[i, 6], seg[i, 7], seg[i, 8]
        dx, dy, dz = bx - ax, by - ay, bz - az
        ra = math.hypot(ax - cx, ay - cy)
        arc = not math.isnan(sweep) and ra > 1e-9 and sweep != 0.0
        xlo, xhi, ylo, yhi = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
        th0, sx, sy, tx, ty = 0.0, 0.0, 0.0, 0.0, 0.0
        if arc:
            if dz != 0.0 and code != _FLAT:
                raise ValueError("a helical arc must be flattened to chords for a curved tool")
            th0 = math.atan2(ay - cy, ax - cx)
            rb = math.hypot(bx - cx, by - cy)
            ux0, uy0 = (ax - cx) / ra, (ay - cy) / ra
            ux1, uy1 = ((bx - cx) / rb, (by - cy) / rb) if rb > 0.0 else (ux0, uy0)
            if sweep > 0.0:
                sx, sy, tx, ty = ux0, uy0, ux1, uy1
            else:
                sx, sy, tx, ty = ux1, uy1, ux0, uy0
            for ex, ey in ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)):
                if _in_sector(abs(sweep), sx, sy, tx, ty, ex, ey):
                    xlo, xhi = min(xlo, cx + ra * ex), max(xhi, cx + ra * ex)
                    ylo, yhi = min(ylo, cy + ra * ey), max(yhi, cy + ra * ey)
        iy0 = max(0, int(math.ceil((ylo - radius - y0) / cell - 1e-9)))
        iy1 = min(ny - 1, int(math.floor((yhi + radius - y0) / cell + 1e-9)))
        best_drop = 0.0
        best_at = -1
        best_left = math.nan
        total = 0.0
        zlow = min(az, bz)
        level = dz == 0.0
        dd = dx * dx + dy * dy
        inv_dd = 1.0 / dd if dd > 1e-18 else 0.0
        for iy in range(iy0, iy1 + 1):
            py = y0 + iy * cell
            # no point of the path is nearer to this row than its y-range, and h grows with distance
            gap = ylo - py if py < ylo else (py - yhi if py > yhi else 0.0)
            zrow = zlow if code == _FLAT else zlow + _profile(code, radius, param, min(gap, radius))
            if arc:
                xl, xr = xlo - radius, xhi + radius
            else:
                xl, xr = _row_span(ax, ay, dx, dy, radius, py)
                if xl > xr:
                    continue
            ix0 = max(0, int(math.ceil((xl - x0) / cell - 1e-9)))
            ix1 = min(nx - 1, int(math.floor((xr - x0) / cell + 1e-9)))
            first = int(math.ceil((xl - x0) / cell - 1e-9))
            last = int(math.floor((xr - x0) / cell + 1e-9))
            wy = py - ay
            for ix in range(ix0, ix1 + 1):
                old = z[iy, ix]
                if old <= zrow or old <= floor:  # the tool bottom never goes below zrow here
                    continue
                px = x0 + ix * cell
                if arc:
                    m = _arc_min(
                        code, radius, param, cx, cy, ra, th0, sweep, sx, sy, tx, ty, ax, ay, az, bx, by, dz, px, py
                    )
                elif first < ix < last and (level or (code == _FLAT and dd > 1e-18)):
                    wx = px - ax
                    if code == _FLAT and level:
                        m = az
                    elif code == _FLAT:  # sloped: z at the last (dz < 0) or first covering parameter
                        wd = wx * dx + wy * dy
                        disc = wd * wd - dd * (wx * wx + wy * wy - r2)
                        sq = math.sqrt(disc) if disc > 0.0 else 0.0
                        if dz < 0.0:
                            t = (wd + sq) * inv_dd
                            m = az + dz * (t if t < 1.0 else 1.0)
                        else:
                            t = (wd - sq) * inv_dd
                            m = az + dz * (t if t > 0.0 else 0.0)
                    else:
                        t = (wx * dx + wy * dy) * inv_dd
                        t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
                        ex, ey = wx - t * dx, wy - t * dy
                        if code == _BALL:
                            q = r2 - ex * ex - ey * ey
                            m = az + radius - math.sqrt(q if q > 0.0 else 0.0)
                        else:
                            m = az + _profile(code, radius, param, math.sqrt(ex * ex + ey * ey))
                else:
                    m = _segment_min(code, radius, param, ax, ay, az, dx, dy, dz, px, py)
                if m < floor:
                    m = floor
                if m < old:
                    d = old - m
                    z[iy, ix] = m
                    total += d
                    if d > best_drop:
                        best_drop = d
                        best_at = iy * nx + ix
                        best_left = m
        drop[i] = best_drop
        removed[i] = total
        where[i] = best_at
        left[i] = best_left


# --------------------------------------------------------------------------------------------------
# reference (slow, plain NumPy / SciPy)
# --------------------------------------------------------------------------------------------------
def _profile_reference(code: int, r: float, p: float, rho: NDArray[np.float64]) -> NDArray[np.float64]:
    rho = np.asarray(rho, dtype=np.float64)
    if code == _FLAT:
        return np.zeros_like(rho)
    if code == _BALL:
        return r - np.sqrt(np.clip(r * r - rho * rho, 0.0, None))
    if code == _BULL:
        e = np.clip(rho - (r - p), 0.0, None)
        return np.where(e > 0, p - np.sqrt(np.clip(p * p - e * e, 0.0, None)), 0.0)
    return rho * p


def _line_reference(
    code: int, radius: float, param: float, pa: NDArray[np.float64], pb: NDArray[np.float64], px: float, py: float
) -> float:
    """Lowest tool bottom over (px, py) along a straight segment: covered interval from the quadratic
    ``|w - t d|^2 <= R^2``, then its two ends and (curved tools) SciPy's bounded Brent minimisation."""
    from scipy.optimize import minimize_scalar

    d = pb - pa
    w = np.array([px - pa[0], py - pa[1]])
    dd = d[0] ** 2 + d[1] ** 2
    if dd <= 1e-18:
        if w @ w > radius**2:
            return math.inf
        t0, t1 = 0.0, 1.0
    else:
        wd = w @ d[:2]
        disc = wd * wd - dd * (w @ w - radius**2)
        if disc < 0:
            return math.inf
        t0 = max(0.0, (wd - math.sqrt(disc)) / dd)
        t1 = min(1.0, (wd + math.sqrt(disc)) / dd)
        if t0 > t1:
            return math.inf

    def f(t: float) -> float:
        rho = float(np.hypot(w[0] - t * d[0], w[1] - t * d[1]))
        return float(pa[2] + t * d[2] + _profile_reference(code, radius, param, np.array(rho)))

    lowest = min(f(t0), f(t1))
    if code != _FLAT and t1 > t0:
        res = minimize_scalar(f, bounds=(t0, t1), method="bounded", options={"xatol": 1e-12})
        lowest = min(lowest, float(res.fun))
    return lowest


def _arc_reference(
    code: int, radius: float, param: float, row: NDArray[np.float64], px: float, py: float, samples: int = 4001
) -> float:
    """Lowest tool bottom over (px, py) along an arc, by dense sampling of the swept angle: for a flat end
    mill the covered samples and the coverage boundaries found by bisection; for a curved tool on a level
    arc, the distance to the arc refined with SciPy's bounded Brent minimisation around the best sample."""
    from scipy.optimize import minimize_scalar

    ax, ay, az, _, _, bz, cx, cy, sweep = (float(v) for v in row)
    ra = math.hypot(ax - cx, ay - cy)
    th0 = math.atan2(ay - cy, ax - cx)

    def rho(u: NDArray[np.float64] | float) -> NDArray[np.float64]:
        ang = th0 + sweep * np.asarray(u)
        return np.hypot(px - cx - ra * np.cos(ang), py - cy - ra * np.sin(ang))

    u = np.linspace(0.0, 1.0, samples)
    rs = rho(u)
    rs[0], rs[-1] = math.hypot(px - ax, py - ay), math.hypot(px - float(row[3]), py - float(row[4]))  # exact ends
    if code == _FLAT:
        cov = rs <= radius
        cand = list(az + (bz - az) * u[cov])
        for k in np.flatnonzero(cov[1:] != cov[:-1]):
            lo, hi = (float(u[k]), float(u[k + 1])) if cov[k] else (float(u[k + 1]), float(u[k]))  # lo covered
            for _ in range(50):
                mid = (lo + hi) / 2
                ang = th0 + sweep * mid
                if math.hypot(px - cx - ra * math.cos(ang), py - cy - ra * math.sin(ang)) <= radius:
                    lo = mid
                else:
                    hi = mid
            cand.append(az + (bz - az) * lo)
        return min(cand) if cand else math.inf
    if bz != az:
        raise InputError("the reference sweeps helical arcs with curved tools only as chords")
    k = int(np.argmin(rs))
    res = minimize_scalar(
        lambda t: float(rho(t)),
        bounds=(u[max(k - 1, 0)], u[min(k + 1, samples - 1)]),
        method="bounded",
        options={"xatol": 1e-13},
    )
    d = min(float(rs[k]), float(res.fun))
    return math.inf if d > radius else az + float(_profile_reference(code, radius, param, np.array(d)))


def sweep_reference(
    z: NDArray[np.float64],
    x0: float,
    y0: float,
    cell: float,
    floor: float,
    seg: NDArray[np.float64],
    code: int,
    radius: float,
    param: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Slow reference for :func:`sweep_kernel`: every cell, every segment, evaluated independently.

    Returns ``(z, drop, removed, where, left)`` as the kernel fills them.
    """
    z = np.array(z, dtype=np.float64, copy=True)
    ny, nx = z.shape
    m = seg.shape[0]
    drop, removed, where, left = np.zeros(m), np.zeros(m), np.full(m, -1, np.int64), np.full(m, np.nan)
    for i in range(m):
        row = np.asarray(seg[i], dtype=np.float64)
        arc = not math.isnan(row[8]) and row[8] != 0.0 and math.hypot(row[0] - row[6], row[1] - row[7]) > 1e-9
        for iy in range(ny):
            for ix in range(nx):
                px, py = x0 + ix * cell, y0 + iy * cell
                if arc:
                    lowest = _arc_reference(code, radius, param, row, px, py)
                else:
                    lowest = _line_reference(code, radius, param, row[0:3], row[3:6], px, py)
                new = max(lowest, floor)
                if new < z[iy, ix]:
                    dz_cell = z[iy, ix] - new
                    z[iy, ix] = new
                    removed[i] += dz_cell
                    if dz_cell > drop[i]:
                        drop[i] = dz_cell
                        where[i] = iy * nx + ix
                        left[i] = new
    return z, drop, removed, where, left
