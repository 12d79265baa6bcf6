"""Plain NumPy/Python reference of the offset kernel (:mod:`toolpath.kernels.offset_kernel`): the same
method -- raw curve of corners, all-pairs splitting, every piece tested against every edge's flattened
offset, pieces chained through dictionaries. Slow and obvious; used by the tests on small cases."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .offset_kernel import KEEP_EPS_MM, MIN_RING_AREA_MM2, SNAP_MM

__all__ = ["offset_rings_reference"]

_SNAP_MM = SNAP_MM
_MIN_RING_AREA_MM2 = MIN_RING_AREA_MM2


def _raw_reference(ring: NDArray[np.float64], d: float, tol: float) -> NDArray[np.float64]:
    """Raw offset ring (open): per vertex the corners of its circumscribed arc, or the moved edges' end and
    start where they overlap; consecutive points within 1e-13 mm (sum of |dx|, |dy|) merged."""
    nxt = np.roll(ring, -1, axis=0)
    e = nxt - ring
    nrm = np.column_stack([e[:, 1], -e[:, 0]]) / np.hypot(e[:, 0], e[:, 1])[:, None]
    prev = np.roll(nrm, 1, axis=0)
    r = abs(d)
    pts: list[NDArray[np.float64]] = []
    for i, v in enumerate(ring):
        phi = math.atan2(prev[i, 0] * nrm[i, 1] - prev[i, 1] * nrm[i, 0], prev[i] @ nrm[i])
        if d * phi > 0:
            n = max(1, math.ceil(abs(phi) / (2 * math.acos(r / (r + tol))) - 1e-12))
            h = phi / (2 * n)
            a0 = math.atan2(math.copysign(1, d) * prev[i, 1], math.copysign(1, d) * prev[i, 0])
            ang = a0 + (2 * np.arange(n) + 1) * h
            pts.extend(v + (r / math.cos(h)) * np.column_stack([np.cos(ang), np.sin(ang)]))
        else:
            pts.append(v + d * prev[i])
            pts.append(v + d * nrm[i])
    out: list[NDArray[np.float64]] = []
    for p in pts:
        if not out or abs(p[0] - out[-1][0]) + abs(p[1] - out[-1][1]) > 1e-13:
            out.append(p)
    if len(out) > 1 and abs(out[0][0] - out[-1][0]) + abs(out[0][1] - out[-1][1]) <= 1e-13:
        out.pop()
    return np.array(out).reshape(-1, 2)


def _one_reference(rings: list[NDArray[np.float64]], d: float, tol: float) -> list[NDArray[np.float64]]:
    segs = []
    for ring in rings:
        rp = _raw_reference(ring, d, tol)
        if len(rp) >= 2:
            segs.append(np.column_stack([rp, np.roll(rp, -1, axis=0)]))
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
    hit &= ~(end_i & end_j)
    hit &= np.triu(np.ones_like(hit), 1)
    splits: dict[int, list[tuple[float, tuple[float, float]]]] = {}
    sp_list: list[list[float]] = []  # seg, t, x, y in the kernel's order of discovery does not matter here
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
                    sp_list.append([tgt, tt, pt[0], pt[1]])
    for i, j in zip(*np.nonzero(hit), strict=True):
        ti, uj = t[i, j], u[i, j]
        if end_i[i, j]:
            p = tuple(seg[i, :2] if ti <= et[i, 0] else seg[i, 2:])
        elif end_j[i, j]:
            p = tuple(seg[j, :2] if uj <= eu[0, j] else seg[j, 2:])
        else:
            p = (a[i, 0] + ti * rv[i, 0], a[i, 1] + ti * rv[i, 1])
        if not end_i[i, j]:
            sp_list.append([i, ti, p[0], p[1]])
        if not end_j[i, j]:
            sp_list.append([j, uj, p[0], p[1]])
    sp = np.array(sp_list, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(sp[:, 2], kind="mergesort")
    for ka, ia in enumerate(order):
        for ib in order[ka + 1:]:
            if sp[ib, 2] - sp[ia, 2] > _SNAP_MM:
                break
            if abs(sp[ib, 3] - sp[ia, 3]) <= _SNAP_MM:
                sp[ib, 2:] = sp[ia, 2:]
    for row in sp:
        splits.setdefault(int(row[0]), []).append((float(row[1]), (float(row[2]), float(row[3]))))
    edges = np.concatenate([np.column_stack([rg, np.roll(rg, -1, axis=0)]) for rg in rings])
    thr = max(abs(d) - KEEP_EPS_MM, 0.0)
    ein = edges[:, :2] - np.concatenate([np.roll(rg, 1, axis=0) for rg in rings])
    eout = edges[:, 2:] - edges[:, :2]
    turn = np.arctan2(ein[:, 0] * eout[:, 1] - ein[:, 1] * eout[:, 0], (ein * eout).sum(axis=1))
    arc_vertex = d * turn > 0
    sg = math.copysign(1.0, d)
    lin = np.hypot(ein[:, 0], ein[:, 1])
    cap_a0 = np.arctan2(-sg * ein[:, 0] / lin, sg * ein[:, 1] / lin)
    cap_phi = np.where(arc_vertex, turn, 0.0)
    npieces = np.maximum(1, np.ceil(np.abs(turn) / (2 * math.acos(abs(d) / (abs(d) + tol))) - 1e-12))
    cap_h = np.where(arc_vertex, turn / (2 * npieces), 0.0)
    pieces: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for i in range(len(seg)):
        chain = [tuple(seg[i, :2])] + [p for _, p in sorted(splits.get(i, []), key=lambda z: z[0])]
        chain.append(tuple(seg[i, 2:]))
        for p, q in zip(chain[:-1], chain[1:], strict=True):
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
                pieces.append((p, q))
    by_start: dict[tuple[float, float], list[int]] = {}
    for k, (p, _) in enumerate(pieces):
        by_start.setdefault(p, []).append(k)
    used = [False] * len(pieces)
    for k, (p, q) in enumerate(pieces):
        if used[k]:
            continue
        rev = [c for c in by_start.get(q, []) if not used[c] and c != k and pieces[c][1] == p]
        if rev:
            used[k] = used[rev[0]] = True
    out = []
    for k0 in range(len(pieces)):
        if used[k0]:
            continue
        used[k0] = True
        ring = [pieces[k0][0]]
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
                    closed = (end[0] - ring[0][0]) ** 2 + (end[1] - ring[0][1]) ** 2 < _SNAP_MM**2
                    break
                cand = near[:1]
            cur = cand[0]
            used[cur] = True
            ring.append(pieces[cur][0])
        arr = np.array(ring)
        area2 = float(np.sum(arr[:, 0] * np.roll(arr[:, 1], -1) - np.roll(arr[:, 0], -1) * arr[:, 1]))
        if closed and len(arr) >= 3 and abs(area2) >= 2 * _MIN_RING_AREA_MM2:
            out.append(arr)
    return out


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
