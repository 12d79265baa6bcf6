"""Plain NumPy/Python reference of the offset kernel (:mod:`toolpath.kernels.offset_kernel`): the same
method -- raw curve of corners, all-pairs splitting, every piece tested against every edge's flattened
offset, pieces chained through dictionaries. Slow and obvious; used by the tests on small cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .offset_chain import LOOP_POINTS, NEIGHBOUR_EDGES
from .offset_kernel import KEEP_EPS_MM, MIN_RING_AREA_MM2, SNAP_MM

__all__ = ["offset_rings_reference"]

_SNAP_MM = SNAP_MM
_MIN_RING_AREA_MM2 = MIN_RING_AREA_MM2


def _turns(ring: NDArray[np.float64]) -> NDArray[np.float64]:
    """Turn at each vertex (rad, left positive) from the edges' unit normals; at the tip of a spike (the ring
    turns back) +pi or -pi as the turns of the ring add up (as the kernel's ``_prep``)."""
    ev = np.roll(ring, -1, axis=0) - ring
    ln = np.hypot(ev[:, 0], ev[:, 1])
    n = np.column_stack([ev[:, 1] / ln, -ev[:, 0] / ln])
    p = np.roll(n, 1, axis=0)
    cr = p[:, 0] * n[:, 1] - p[:, 1] * n[:, 0]
    dt = p[:, 0] * n[:, 0] + p[:, 1] * n[:, 1]
    phi = np.arctan2(cr, dt)
    m = len(ring)
    tips, ths = [], []
    for i in range(m):
        if dt[i] < 0 and abs(cr[i]) <= 1e-12:
            a, b = p[(i - 1) % m], n[(i + 1) % m]
            th = math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])
            phi[i] = math.copysign(math.pi, th - phi[(i - 1) % m] - phi[(i + 1) % m])
            tips.append(i)
            ths.append(th)
    return fix_tip_turns(phi, tips, ths, ring_area2(ring))


def ring_area2(ring: NDArray[np.float64]) -> float:
    """Twice the signed area of an open ring (shoelace; mm², positive counter-clockwise)."""
    return float(np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1]))


def fix_tip_turns(phi: NDArray[np.float64], tips: list[int], ths: list[float], area2: float) -> NDArray[np.float64]:
    """Turns ``phi`` of a ring (rad) with the tips of its zero-width spikes (indices ``tips``, each +-pi from
    the turns around it, ``ths`` the turn past it) turned so that the ring's turns add up to 2 pi times its
    orientation (the sign of ``area2``, twice its signed area): where the edges before and after a tip are
    nearly opposite, the turn past it is near +-pi and the local rule's sign is a rounding error's; the tips
    with the turn past them closest to +-pi turn the other way, as many as needed (none when ``area2`` is 0)."""
    if not tips or area2 == 0.0:
        return phi
    k = round((float(np.sum(phi)) - math.copysign(2 * math.pi, area2)) / (2 * math.pi))
    order = sorted(range(len(tips)), key=lambda j: math.pi - abs(ths[j]))
    for j in order:
        i = tips[j]
        if k != 0 and phi[i] * k > 0:
            phi[i] = -phi[i]
            k -= 1 if k > 0 else -1
    return phi


def _raw_reference(ring: NDArray[np.float64], d: float, tol: float) -> tuple[NDArray[np.float64], list[int]]:
    """Raw offset ring (open): per vertex the corners of its circumscribed arc, or the moved edges' end and
    start where they overlap; consecutive points within 1e-13 mm (sum of |dx|, |dy|) merged. Also the vertex
    (index into ``ring``) of each point."""
    nxt = np.roll(ring, -1, axis=0)
    e = nxt - ring
    nrm = np.column_stack([e[:, 1], -e[:, 0]]) / np.hypot(e[:, 0], e[:, 1])[:, None]
    prev = np.roll(nrm, 1, axis=0)
    turns = _turns(ring)
    r = abs(d)
    pts: list[NDArray[np.float64]] = []
    own: list[int] = []
    for i, v in enumerate(ring):
        phi = turns[i]
        if d * phi > 0:
            n = max(1, math.ceil(abs(phi) / (2 * math.acos(r / (r + tol))) - 1e-12))
            h = phi / (2 * n)
            a0 = math.atan2(math.copysign(1, d) * prev[i, 1], math.copysign(1, d) * prev[i, 0])
            ang = a0 + (2 * np.arange(n) + 1) * h
            pts.extend(v + (r / math.cos(h)) * np.column_stack([np.cos(ang), np.sin(ang)]))
            own.extend([i] * n)
        else:
            pts.append(v + d * prev[i])
            pts.append(v + d * nrm[i])
            own.extend([i, i])
    out: list[NDArray[np.float64]] = []
    oo: list[int] = []
    for p, o in zip(pts, own, strict=True):
        if not out or abs(p[0] - out[-1][0]) + abs(p[1] - out[-1][1]) > 1e-13:
            out.append(p)
            oo.append(o)
    if len(out) > 1 and abs(out[0][0] - out[-1][0]) + abs(out[0][1] - out[-1][1]) <= 1e-13:
        out.pop()
        oo.pop()
    return np.array(out).reshape(-1, 2), oo



class _Exact:
    """The exact offset curves at ``d`` (primitives coded as in :mod:`toolpath.kernels.offset_base`: ``2v + 1``
    edge ``v`` moved, ``2v`` vertex ``v``'s arc or connector), plain Python."""

    def __init__(self, rings: list[NDArray[np.float64]], d: float, tol: float) -> None:
        self.d, self.r, self.tol = d, abs(d), tol
        self.sg = 1.0 if d > 0 else -1.0
        self.v = np.concatenate(rings)
        self.v1 = np.concatenate([np.roll(rg, -1, axis=0) for rg in rings])
        ev = self.v1 - self.v
        ln = np.hypot(ev[:, 0], ev[:, 1])
        self.n = np.column_stack([ev[:, 1] / ln, -ev[:, 0] / ln])
        base = np.cumsum([0] + [len(rg) for rg in rings])
        idx = [np.arange(base[k], base[k + 1]) for k in range(len(rings))]
        self.nxt = np.concatenate([np.roll(i, -1) for i in idx])
        self.prv = np.concatenate([np.roll(i, 1) for i in idx])
        self.np_ = self.n[self.prv]
        self.phi = np.concatenate([_turns(rg) for rg in rings])
        alpha = 2 * math.acos(self.r / (self.r + tol))
        self.nc = [max(1, math.ceil(abs(f) / alpha - 1e-12)) if d * f > 0 else 0 for f in self.phi]

    def arc(self, c: int) -> int:
        """Vertex of arc primitive ``c``, -1 for a line."""
        return c // 2 if c >= 0 and c % 2 == 0 and self.nc[c // 2] > 0 else -1

    def line(self, c: int) -> tuple[float, float, float, float]:
        v, d = c // 2, self.d
        a = self.v[v] + d * (self.n[v] if c % 2 else self.np_[v])
        b = (self.v1[v] if c % 2 else self.v[v]) + d * self.n[v]
        return float(a[0]), float(a[1]), float(b[0]), float(b[1])

    def prim_at(self, x: float, y: float, f: int) -> int:
        """Primitive under (x, y) on a raw segment of feature ``f``."""
        if f % 2 == 0:
            return f
        v = f // 2
        ax, ay, bx, by = self.line(f)
        s = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
        if s < 0 and self.nc[v] > 0:
            return 2 * v
        w = int(self.nxt[v])
        return 2 * w if s > 1 and self.nc[w] > 0 else f

    def on(self, c: int, x: float, y: float) -> bool:
        v = c // 2
        if self.arc(c) >= 0:
            q = (x - self.v[v, 0], y - self.v[v, 1])
            t = 1.0 if self.phi[v] > 0 else -1.0
            u0, u1 = self.sg * self.np_[v], self.sg * self.n[v]
            return bool(t * (u0[0] * q[1] - u0[1] * q[0]) >= -1e-9 * self.r
                        and t * (q[0] * u1[1] - q[1] * u1[0]) >= -1e-9 * self.r)
        ax, ay, bx, by = self.line(c)
        ll = (bx - ax) ** 2 + (by - ay) ** 2
        s = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ll if ll > 0 else -1.0
        return -1e-9 <= s <= 1 + 1e-9

    def meet(self, c1: int, c2: int, x0: float, y0: float) -> tuple[float, float, float]:
        """Nearest meeting of two primitives within their extents, and its squared distance (inf: none)."""
        r, cand = self.r, []
        a1, a2 = self.arc(c1) >= 0, self.arc(c2) >= 0
        if a1 and a2:
            u, w = self.v[c1 // 2], self.v[c2 // 2] - self.v[c1 // 2]
            dd = float(w @ w)
            if dd > 0 and r * r - dd / 4 >= 0:
                h = math.sqrt((r * r - dd / 4) / dd)
                m = u + w / 2
                cand = [(m[0] - h * w[1], m[1] + h * w[0]), (m[0] + h * w[1], m[1] - h * w[0])]
        elif a1 or a2:
            ca, cl = (c1, c2) if a1 else (c2, c1)
            u = self.v[ca // 2]
            ax, ay, bx, by = self.line(cl)
            wx, wy = bx - ax, by - ay
            ll = wx * wx + wy * wy
            if ll > 0:
                t0 = ((u[0] - ax) * wx + (u[1] - ay) * wy) / ll
                fx, fy = ax + t0 * wx - u[0], ay + t0 * wy - u[1]
                h2 = (r * r - fx * fx - fy * fy) / ll
                if h2 >= 0:
                    cand = [(ax + (t0 + sgn * math.sqrt(h2)) * wx, ay + (t0 + sgn * math.sqrt(h2)) * wy)
                            for sgn in (-1, 1)]
        else:
            ax, ay, bx, by = self.line(c1)
            qx, qy, sx, sy = self.line(c2)
            rx, ry, sx, sy = bx - ax, by - ay, sx - qx, sy - qy
            den = rx * sy - ry * sx
            if den != 0:
                t = ((qx - ax) * sy - (qy - ay) * sx) / den
                cand = [(ax + t * rx, ay + t * ry)]
        best = (x0, y0, math.inf)
        for x, y in cand:
            dd = (x - x0) ** 2 + (y - y0) ** 2
            if dd < best[2] and self.on(c1, x, y) and self.on(c2, x, y):
                best = (float(x), float(y), dd)
        return best

    def nbrs(self, c: int) -> list[int]:
        v = c // 2
        return [c, c - 1 if c % 2 else 2 * int(self.prv[v]) + 1, c + 1 if c % 2 == 0 else 2 * int(self.nxt[v])]

    def nearest(self, x: float, y: float) -> tuple[float, float, float, float, float, float]:
        """Distance from (x, y) to the nearest point of the edges (their ends included) and that point, then the
        same for the nearest of those points that is an end (a vertex)."""
        return self._nearest(x, y, np.arange(len(self.v)))

    def _nearest(self, x: float, y: float, idx: NDArray[np.int64]) -> tuple[float, float, float, float, float, float]:
        e0, ev = self.v[idx], self.v1[idx] - self.v[idx]
        t = ((x - e0[:, 0]) * ev[:, 0] + (y - e0[:, 1]) * ev[:, 1]) / (ev * ev).sum(axis=1)
        end = (t <= 0) | (t >= 1)
        t = np.clip(t, 0.0, 1.0)
        p = e0 + t[:, None] * ev
        dd = np.hypot(p[:, 0] - x, p[:, 1] - y)
        i = int(np.argmin(dd))
        de = np.where(end, dd, np.inf)
        k = int(np.argmin(de))
        return float(dd[i]), float(p[i, 0]), float(p[i, 1]), float(de[k]), float(p[k, 0]), float(p[k, 1])

    def clear(self, x: float, y: float) -> bool:
        """Whether (x, y) is at least r from every edge (less KEEP_EPS_MM), its ends included."""
        return self.nearest(x, y)[0] >= self.r - KEEP_EPS_MM

    def near_ring(self, v: int, x: float, y: float) -> bool:
        """Whether an edge of the ring within NEIGHBOUR_EDGES of vertex ``v`` is nearer to (x, y) than r, or a
        vertex of one nearer than ``v`` is."""
        j, near = v, []
        for _ in range(NEIGHBOUR_EDGES):
            j = int(self.prv[j])
        for _ in range(2 * NEIGHBOUR_EDGES + 1):
            near.append(j)
            j = int(self.nxt[j])
        dd, _, _, de, _, _ = self._nearest(x, y, np.array(near))
        return dd < self.r - KEEP_EPS_MM or de < math.hypot(x - self.v[v, 0], y - self.v[v, 1]) - KEEP_EPS_MM

    def pushed(self, v: int, x: float, y: float) -> tuple[float, float] | None:
        """Corner (x, y) of vertex ``v``'s arc, moved out to r + tol from the nearest point of an edge nearer than
        r, else of a vertex nearer than its distance from ``v`` (the middle of a facet could dip into that
        vertex's disc), by at most tol below r, up to 4 times; None when then not clear (as the kernel's
        ``_stretch``)."""
        rr, thr = math.hypot(x - self.v[v, 0], y - self.v[v, 1]), self.r - KEEP_EPS_MM
        lim = rr - KEEP_EPS_MM
        for it in range(5):
            da, px, py, de, vx, vy = self.nearest(x, y)
            s = da
            if da >= thr:
                s, px, py = de, vx, vy
                if de >= lim:
                    break
            if thr - s > self.tol or it == 4 or s <= 0:
                break
            x, y = px + (x - px) * (self.r + self.tol) / s, py + (y - py) * (self.r + self.tol) / s
        return (x, y) if da >= thr else None

    def exact(self, x: float, y: float, fi: int, fj: int, lim: float) -> tuple[float, float, int, int, float]:
        """Exact meeting of the curves under a crossing of raw segments of features ``fi`` and ``fj``."""
        qx, qy, ci, cj = self.meeting(x, y, fi, fj, lim)
        if (qx, qy) != (x, y) and not self.clear(qx, qy):  # the raw crossing stands, the primitives under it
            return x, y, self.prim_at(x, y, fi), self.prim_at(x, y, fj), 2.0
        # no exact meeting, or one far from the raw crossing: 3 (the arcs next to it are checked when written)
        far = (qx, qy) == (x, y) or (qx - x) ** 2 + (qy - y) ** 2 > self.tol**2
        return qx, qy, ci, cj, 3.0 if far and (self.arc(ci) >= 0 or self.arc(cj) >= 0) else 1.0

    def meeting(self, x: float, y: float, fi: int, fj: int, lim: float) -> tuple[float, float, int, int]:
        """Where the exact curves under a crossing of raw segments of features ``fi`` and ``fj`` meet (before
        :meth:`exact`'s clearance test), and their primitives."""
        ci, cj = self.prim_at(x, y, fi), self.prim_at(x, y, fj)
        if self.arc(ci) < 0 and self.arc(cj) < 0:
            return x, y, ci, cj
        bx, by, dd = self.meet(ci, cj, x, y)
        if dd < lim * lim:
            return bx, by, ci, cj
        tw = self.twins(ci, cj, x, y)
        if tw is not None:
            return tw[0], tw[1], ci, cj
        best = (x, y, ci, cj, lim * lim)
        for p in self.nbrs(ci):
            for q in self.nbrs(cj):
                if (p, q) == (ci, cj) or q in self.nbrs(p):
                    continue
                bx, by, dd = self.meet(p, q, x, y)
                if dd < best[4]:
                    best = (bx, by, p, q, dd)
        if best[4] == lim * lim:  # no meeting: a neck just closing
            gx, gy, ok = self.gap(min(ci, cj), max(ci, cj))
            if ok and (gx - x) ** 2 + (gy - y) ** 2 < best[4]:
                return gx, gy, ci, cj
        return best[:4]

    def twins(self, c1: int, c2: int, x: float, y: float) -> tuple[float, float] | None:
        """Where primitives of vertices within tol of each other (a micro-step) cross (as the kernel's
        ``_twins``): two such arcs, the raw crossing moved to distance r from one centre (the one whose point
        is farther from the other); an arc and a line with an end at such a vertex, that end (the nearer)."""
        a1, a2 = self.arc(c1) >= 0, self.arc(c2) >= 0
        if not (a1 or a2):
            return None
        ca, co = (c1, c2) if a1 else (c2, c1)
        u = self.v[ca // 2]
        if a1 and a2:
            w = self.v[co // 2]
            if not math.hypot(w[0] - u[0], w[1] - u[1]) <= self.tol:
                return None
            best = (x, y, -1.0)
            for c in (u, w):
                q = math.hypot(x - c[0], y - c[1])
                if q > 0:
                    px, py = c[0] + self.r * (x - c[0]) / q, c[1] + self.r * (y - c[1]) / q
                    m = min(math.hypot(px - u[0], py - u[1]), math.hypot(px - w[0], py - w[1]))
                    if m > best[2]:
                        best = (px, py, m)
            return float(best[0]), float(best[1])
        ax, ay, bx, by = self.line(co)
        v = co // 2
        ends = [(self.v[v], (ax, ay)), (self.v1[v] if co % 2 else self.v[v], (bx, by))]
        near = [(math.hypot(p[0] - x, p[1] - y), p) for w, p in ends
                if math.hypot(w[0] - u[0], w[1] - u[1]) <= self.tol]
        if not near:
            return None
        return min(near, key=lambda t: t[0])[1]

    def gap(self, c1: int, c2: int) -> tuple[float, float, bool]:
        """Middle of the gap where an arc and another primitive that do not meet pass closer than 2 tol."""
        r = self.r
        a1, a2 = self.arc(c1) >= 0, self.arc(c2) >= 0
        if a1 and a2:
            u, w = self.v[c1 // 2], self.v[c2 // 2]
            g = math.hypot(w[0] - u[0], w[1] - u[1]) - 2 * r
            mx, my = 0.5 * (u[0] + w[0]), 0.5 * (u[1] + w[1])
        elif a1 or a2:
            ca, cl = (c1, c2) if a1 else (c2, c1)
            u = self.v[ca // 2]
            ax, ay, bx, by = self.line(cl)
            wx, wy = bx - ax, by - ay
            ll = wx * wx + wy * wy
            t0 = ((u[0] - ax) * wx + (u[1] - ay) * wy) / ll if ll > 0 else -1.0
            if not 0.0 <= t0 <= 1.0:
                return 0.0, 0.0, False
            fx, fy = ax + t0 * wx, ay + t0 * wy
            dd = math.hypot(fx - u[0], fy - u[1])
            if dd <= 0:
                return 0.0, 0.0, False
            g = dd - r
            mx, my = fx + 0.5 * g * (u[0] - fx) / dd, fy + 0.5 * g * (u[1] - fy) / dd
        else:
            return 0.0, 0.0, False
        ok = 0.0 <= g <= 2.0 * self.tol and self.on(c1, mx, my) and self.on(c2, mx, my)
        return float(mx), float(my), ok

    def ang(self, v: int, x: float, y: float) -> float:
        q = (x - self.v[v, 0], y - self.v[v, 1])
        t = 1.0 if self.phi[v] > 0 else -1.0
        u = self.np_[v]
        a = math.atan2(t * self.sg * (u[0] * q[1] - u[1] * q[0]), self.sg * (u[0] * q[0] + u[1] * q[1]))
        return min(max(a, 0.0), abs(self.phi[v]))

    def corners(self, v: int, a0: float, a1: float | None) -> list[tuple[float, float]]:
        """Corners of the polygon circumscribed about vertex ``v``'s arc from ``a0`` to ``a1`` (None: end)."""
        r = self.r
        a1 = abs(self.phi[v]) if a1 is None else a1
        if (a1 - a0) * r <= 1e-9:
            return []
        n = max(1, math.ceil((a1 - a0) / (2 * math.acos(r / (r + self.tol))) - 1e-12))
        h = 0.5 * (a1 - a0) / n
        t = 1.0 if self.phi[v] > 0 else -1.0
        u = self.sg * self.np_[v]
        th = t * (a0 + (2 * np.arange(n) + 1) * h)
        rr = r / math.cos(h)
        return list(zip(self.v[v, 0] + rr * (u[0] * np.cos(th) - u[1] * np.sin(th)),
                        self.v[v, 1] + rr * (u[0] * np.sin(th) + u[1] * np.cos(th)), strict=True))

    def emit(self, ring: list[tuple[float, float]], tags: list[tuple[int, int, int]]) -> NDArray[np.float64]:
        """A ring with its arcs flattened between crossings (tags: crossing flag, arc before, arc after)."""
        starts = [k for k, tg in enumerate(tags) if tg[0] and (tg[1] >= 0 or tg[2] >= 0)]
        if not starts:
            return np.array(ring)
        k0, n, out = starts[0], len(ring), []
        op, a0 = -1, 0.0
        sflag, skipped = 0, []  # the crossing flag where the arc op's stretch began; its raw corners

        def stretch(v: int, a0: float, a1: float | None, check: bool, raw: bool) -> list[tuple[float, float]]:
            # fresh corners, each moved out where another edge is nearer (tested against every edge when check:
            # an end is a crossing flagged 2 or 3, or the arc is taken to run to its end at a crossing of another
            # primitive; else against the ring's edges next to v), when then clear and not raw; else the raw
            # corners (on the kept raw curve): an arc under a kept raw piece can lie in another band where the
            # flattened and the exact curves disagree on which is outermost (as the kernel's _stretch)
            fresh = [] if raw else self.corners(v, a0, a1)
            fresh = [self.pushed(v, px, py) if check or self.near_ring(v, px, py) else (px, py) for px, py in fresh]
            if not raw and None not in fresh:
                return fresh
            return list(skipped)

        for t in range(n + 1):
            k = (k0 + t) % n
            (x, y), (flag, vin, vout) = ring[k], tags[k]
            if not flag:
                if vin >= 0 and vin == op:
                    skipped.append((x, y))
                    continue
                if op >= 0:
                    out += stretch(op, a0, None, sflag >= 2, False)
                op, a0, sflag, skipped = vin, 0.0, 0, [(x, y)]
                if vin < 0:
                    out.append((x, y))
                continue
            if t > 0:
                if op >= 0 and op != vin:  # (the arc taken to run to its end: checked)
                    out += stretch(op, a0, None, True, False)
                    op = -1
                if vin >= 0:
                    if op < 0:
                        op, a0, sflag, skipped = vin, 0.0, 0, []
                    # between two crossings whose exact meetings were not clear (raw points): raw corners
                    out += stretch(op, a0, self.ang(op, x, y), sflag >= 2 or flag >= 2, sflag == 2 and flag == 2)
                if t == n:
                    break
            out.append((x, y))
            op, sflag, skipped = vout, flag, []
            a0 = self.ang(op, x, y) if op >= 0 else 0.0
        return np.array(out).reshape(-1, 2)


def _one_reference(rings: list[NDArray[np.float64]], d: float, tol: float) -> list[NDArray[np.float64]]:
    ex = _Exact(rings, d, tol)
    lim = min(100.0 * tol, 2.0 * abs(d))
    segs, owner, feat = [], [], []  # raw segments; vertex of each one's start and end; feature
    snext: list[int] = []  # the next segment along its raw ring
    base = 0
    for ring in rings:
        rp, own = _raw_reference(ring, d, tol)
        if len(rp) >= 2:
            snext += np.roll(np.arange(len(snext), len(snext) + len(rp)), -1).tolist()
            segs.append(np.column_stack([rp, np.roll(rp, -1, axis=0)]))
            o = np.array(own) + base
            o1 = np.roll(o, -1)
            owner += list(zip(o.tolist(), o1.tolist(), strict=True))
            feat += np.where(o == o1, 2 * o, 2 * o + 1).tolist()
        base += len(ring)
    seg = np.concatenate(segs)
    a, rv = seg[:, :2], seg[:, 2:] - seg[:, :2]
    ln = np.hypot(rv[:, 0], rv[:, 1])
    den = rv[:, None, 0] * rv[None, :, 1] - rv[:, None, 1] * rv[None, :, 0]  # r_i x s_j
    w = a[None, :, :] - a[:, None, :]  # b_j - a_i
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * rv[None, :, 1] - w[..., 1] * rv[None, :, 0]) / den
        u = (w[..., 0] * rv[:, None, 1] - w[..., 1] * rv[:, None, 0]) / den
    et = (_SNAP_MM / ln)[:, None]
    eu = (_SNAP_MM / ln)[None, :]
    hit = (den != 0) & (t >= -et) & (t <= 1 + et) & (u >= -eu) & (u <= 1 + eu)
    end_i = (t <= et) | (t >= 1 - et)
    end_j = (u <= eu) | (u >= 1 - eu)
    # a crossing at an end of both segments is their shared point only for neighbours along a raw ring (as in
    # the kernel's _crossings); two other segments meeting there (say nearly parallel moved edges crossing
    # within SNAP_MM of the ends of a connector shorter than 2 SNAP_MM between them) are still split there
    nbr = np.zeros_like(hit)
    nbr[np.arange(len(seg)), snext] = True
    hit &= ~(end_i & end_j & (nbr | nbr.T))
    hit &= np.triu(np.ones_like(hit), 1)
    splits: dict[int, list[tuple[float, tuple[float, float], tuple[int, int, tuple[float, float]]]]] = {}
    # seg, t, x, y, primitive, exact x, y, 1 for a crossing inside the segment (0: at its end, a raw point); the
    # kernel's order of discovery does not matter
    sp_list: list[list[float]] = []
    par = np.abs(den) <= 1e-12 * ln[:, None] * ln[None, :]
    colin = par & (np.abs(w[..., 0] * rv[:, None, 1] - w[..., 1] * rv[:, None, 0]) <= _SNAP_MM * ln[:, None])
    colin &= np.triu(np.ones_like(colin), 1)
    hit &= ~par
    for i, j in zip(*np.nonzero(colin), strict=True):
        for tgt, other in ((i, j), (j, i)):
            for pt in (seg[other, :2], seg[other, 2:]):
                tt = float((pt - a[tgt]) @ rv[tgt]) / ln[tgt] ** 2
                e = _SNAP_MM / ln[tgt]
                if e < tt < 1 - e:
                    sp_list.append([tgt, tt, pt[0], pt[1], ex.prim_at(float(pt[0]), float(pt[1]), feat[tgt]),
                                    pt[0], pt[1], 1.0])
    for i, j in zip(*np.nonzero(hit), strict=True):
        ti, uj = t[i, j], u[i, j]
        if end_i[i, j]:
            p = tuple(seg[i, :2] if ti <= et[i, 0] else seg[i, 2:])
        elif end_j[i, j]:
            p = tuple(seg[j, :2] if uj <= eu[0, j] else seg[j, 2:])
        else:
            p = (float(a[i, 0] + ti * rv[i, 0]), float(a[i, 1] + ti * rv[i, 1]))
        if end_i[i, j] and end_j[i, j]:
            # within SNAP_MM of an end of each (not neighbours): both are split at that end, at t = 0 or 1, at
            # i's raw point; j then runs from its own end to i's (a piece under SNAP_MM long, which cancels
            # against its reverse or is trimmed with the loop it closes), as in the kernel: not a crossing
            # inside either, its arc the raw point's vertex's (primitive 2 v: ex.arc gives v's arc or -1)
            for s, ts, es in ((i, ti, et[i, 0]), (j, uj, eu[0, j])):
                ends = float(ts > es)
                sp_list.append([s, ends, p[0], p[1], 2 * owner[s][int(ends)], p[0], p[1], 0.0])
            continue
        if not end_i[i, j] and not end_j[i, j]:
            qx, qy, ci, cj, fl = ex.exact(p[0], p[1], feat[i], feat[j], lim)
        else:
            qx, qy, fl = p[0], p[1], 1.0
            ci, cj = ex.prim_at(p[0], p[1], feat[i]), ex.prim_at(p[0], p[1], feat[j])
        if not end_i[i, j]:
            sp_list.append([i, ti, p[0], p[1], ci, qx, qy, fl])
        if not end_j[i, j]:
            sp_list.append([j, uj, p[0], p[1], cj, qx, qy, fl])
    sp = np.array(sp_list, dtype=np.float64).reshape(-1, 8)
    order = np.argsort(sp[:, 2], kind="mergesort")
    for ka, ia in enumerate(order):
        for ib in order[ka + 1:]:
            if sp[ib, 2] - sp[ia, 2] > _SNAP_MM:
                break
            if abs(sp[ib, 3] - sp[ia, 3]) <= _SNAP_MM:
                sp[ib, [2, 3, 5, 6]] = sp[ia, [2, 3, 5, 6]]
    fallback = {(row[2], row[3]) for row in sp if row[7] == 2.0}  # crossings at one point: one pair not clear,
    for row in sp:  # all take the raw point (as the kernel's _crossings)
        if row[7] > 0 and (row[2], row[3]) in fallback:
            row[[4, 5, 6, 7]] = ex.prim_at(float(row[2]), float(row[3]), feat[int(row[0])]), row[2], row[3], 2.0
    for row in sp:  # t, point on the raw curve, (crossing flag, arc, exact point)
        splits.setdefault(int(row[0]), []).append((float(row[1]), (float(row[2]), float(row[3])),
                                                   (int(row[7]), ex.arc(int(row[4])),
                                                    (float(row[5]), float(row[6])))))
    edges = np.concatenate([np.column_stack([rg, np.roll(rg, -1, axis=0)]) for rg in rings])
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    ein = edges[:, :2] - np.concatenate([np.roll(rg, 1, axis=0) for rg in rings])
    turn = ex.phi
    arc_vertex = d * turn > 0
    sg = math.copysign(1.0, d)
    lin = np.hypot(ein[:, 0], ein[:, 1])
    cap_a0 = np.arctan2(-sg * ein[:, 0] / lin, sg * ein[:, 1] / lin)
    cap_phi = np.where(arc_vertex, turn, 0.0)
    npieces = np.maximum(1, np.ceil(np.abs(turn) / (2 * math.acos(abs(d) / (abs(d) + tol))) - 1e-12))
    cap_h = np.where(arc_vertex, turn / (2 * npieces), 0.0)
    # a piece: start, end on the raw curve, and at each its tag: (1 at a crossing inside the segment else 0,
    # arc or -1, the point to write)
    pieces: list[tuple[tuple[float, float], tuple[float, float], tuple[Any, ...], tuple[Any, ...]]] = []
    for i in range(len(seg)):
        p0, p1 = tuple(seg[i, :2]), tuple(seg[i, 2:])
        chain = [(p0, (0, ex.arc(2 * owner[i][0]), p0))]
        chain += [(p, tg) for _, p, tg in sorted(splits.get(i, []), key=lambda z: z[0])]
        chain.append((p1, (0, ex.arc(2 * owner[i][1]), p1)))
        for (p, tp), (q, tq) in zip(chain[:-1], chain[1:], strict=True):
            if p == q:
                continue
            m = 0.5 * (np.array(p) + np.array(q))
            e0, e1 = edges[:, :2], edges[:, 2:]
            ev = e1 - e0
            l2 = (ev * ev).sum(axis=1)
            tt = ((m - e0) * ev).sum(axis=1) / np.where(l2 > 0, l2, 1)
            perp = np.hypot(*(e0 + tt[:, None] * ev - m).T)
            qv = m - e0
            qn = np.hypot(qv[:, 0], qv[:, 1])
            delta = np.mod(np.sign(cap_phi) * (np.arctan2(qv[:, 1], qv[:, 0]) - cap_a0), 2 * np.pi)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # no cap: h = 0, masked below
                g = cap_a0 + 2 * np.round(delta / (2 * np.abs(cap_h))) * cap_h
                proj = qv[:, 0] * np.cos(g) + qv[:, 1] * np.sin(g)
            cap = (cap_h != 0) & (qn < thr / np.cos(cap_h)) & (delta <= np.abs(cap_phi)) & (proj < thr)
            near = ((tt > 0) & (tt < 1) & (perp < thr)) | cap
            if np.any(near):
                continue
            y0, y1 = e0[:, 1], e1[:, 1]
            cross = (y0 > m[1]) != (y1 > m[1])
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # horizontal edges: masked
                xi = e0[:, 0] + (m[1] - y0) * (e1[:, 0] - e0[:, 0]) / (y1 - y0)
            inside = int(np.sum(cross & (m[0] < xi))) % 2 == 1
            if inside == (d < 0):
                pieces.append((p, q, tp, tq))
    by_start: dict[tuple[float, float], list[int]] = {}
    for k, (p, *_) in enumerate(pieces):
        by_start.setdefault(p, []).append(k)
    used = [False] * len(pieces)
    for k, (p, q, *_) in enumerate(pieces):
        if used[k]:
            continue
        rev = [c for c in by_start.get(q, []) if not used[c] and c != k and pieces[c][1] == p]
        if rev:
            used[k] = used[rev[0]] = True
    def narcs(pc: tuple[Any, ...]) -> int:
        return int(pc[2][1] >= 0) + int(pc[3][1] >= 0)

    for k, (p, q, *_) in enumerate(pieces):
        # the same piece twice (collinear raw segments: an arc's facet along a moved edge, or a moved edge run on
        # past its end): the copy with more arcs at its ends goes (the line is the exact curve there; an arc on
        # it lies inside the line's band)
        if not used[k] and narcs(pieces[k]) > 0 and any(
                not used[c] and c != k and pieces[c][1] == q and narcs(pieces[c]) < narcs(pieces[k])
                for c in by_start.get(p, [])):
            used[k] = True
    changed = True
    while changed:  # pieces that lead nowhere (no piece starts where they end) cannot be in a ring
        changed = False
        for k, (_, q, *_) in enumerate(pieces):
            if not used[k] and not any(not used[c] for c in by_start.get(q, [])) and not any(
                    not used[c] and (pc[0][0] - q[0]) ** 2 + (pc[0][1] - q[1]) ** 2 < _SNAP_MM**2
                    for c, pc in enumerate(pieces)):
                used[k] = changed = True
    out = []
    for k0 in range(len(pieces)):
        if used[k0]:
            continue
        used[k0] = True
        ring = [pieces[k0][2][2]]  # points to write
        tags = [(pieces[k0][2][0], -1, pieces[k0][2][1])]  # crossing flag, arc before, arc after
        cur, closed = k0, False
        while True:
            end = pieces[cur][1]
            if end == pieces[k0][0]:
                closed = True
                break
            cand = [c for c in by_start.get(end, []) if not used[c]]
            if not cand:
                near = [c for c in range(len(pieces)) if not used[c]
                        and (pieces[c][0][0] - end[0]) ** 2 + (pieces[c][0][1] - end[1]) ** 2 < _SNAP_MM**2]
                if not near:
                    start = pieces[k0][0]
                    closed = (end[0] - start[0]) ** 2 + (end[1] - start[1]) ** 2 < _SNAP_MM**2
                    break
                cand = near[:1]
            tin = pieces[cur][3]
            cur = cand[0]
            used[cur] = True
            ring.append(pieces[cur][2][2])
            tags.append((max(pieces[cur][2][0], tin[0]), tin[1], pieces[cur][2][1]))
        if not closed or len(ring) < 3:
            continue
        tags[0] = (max(tags[0][0], pieces[cur][3][0]), pieces[cur][3][1], tags[0][2])
        arr = drop_zero_loops(ex.emit(ring, tags))
        area2 = ring_area2(arr)
        if len(arr) >= 3 and abs(area2) >= 2 * _MIN_RING_AREA_MM2:
            out.append(arr)
    return out


def drop_zero_loops(ring: NDArray[np.float64]) -> NDArray[np.float64]:
    """``ring`` without the loops of zero area closed inside it (a point met again within ``LOOP_POINTS``
    points, what lies between enclosing less than ``1e-9`` mm²): a spike A, B, A, or a fold A, B, C, A of pieces
    through a point passed twice (as the kernel's ``_chain``, on the written points)."""
    out: list[tuple[float, float]] = []
    for x, y in ring.tolist():
        cut = 0
        for b in range(2, min(LOOP_POINTS, len(out)) + 1):
            if out[-b] == (x, y):
                if abs(ring_area2(np.array(out[-b:]))) < 2 * _MIN_RING_AREA_MM2:
                    cut = b - 1
                break
        if cut:
            del out[len(out) - cut:]
            continue
        out.append((x, y))
    return np.array(out).reshape(-1, 2)


def offset_rings_reference(
    xy: NDArray[np.float64], starts: NDArray[np.int64], distances_mm: NDArray[np.float64], tolerance_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Plain NumPy/Python version of :func:`offset_rings_kernel` (same arguments and results)."""
    rings = [np.asarray(xy[starts[k] : starts[k + 1]], dtype=np.float64) for k in range(len(starts) - 1)]
    pts, rs, lv = [], [0], []
    for k, d in enumerate(np.asarray(distances_mm, dtype=np.float64)):
        for ring in _one_reference(rings, float(d), float(tolerance_mm)):
            pts.append(ring)
            rs.append(rs[-1] + len(ring))
            lv.append(k)
    return (np.concatenate(pts) if pts else np.zeros((0, 2)), np.array(rs, np.int64), np.array(lv, np.int64))
