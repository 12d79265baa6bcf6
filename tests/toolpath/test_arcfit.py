"""Arc fitting: the fitted path stays within the tolerance of the original (two-sided distance measured on
dense samples, exact point-to-segment distances), the kernel equals its NumPy reference, and LinuxCNC's
interpreter runs the arcs along the same path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from toolpath import InputError, MoveKind, Pocket, Tool
from toolpath.arcfit import DEFAULT_ARC_TOLERANCE_MM, append_fitted, fit_arcs, fit_polyline, fit_polylines
from toolpath.kernels.arcfit import (
    arc_through_kernel,
    arc_through_reference,
    fit_arcs_kernel,
    fit_arcs_reference,
    fit_polylines_kernel,
    fit_polylines_reference,
)
from toolpath.moves import Toolpath, ToolpathBuilder

TOL = DEFAULT_ARC_TOLERANCE_MM
ARCS = (MoveKind.ARC_CW, MoveKind.ARC_CCW)


# independent measurement ------------------------------------------------------------------------------------


def _dense(poly: np.ndarray, step: float) -> np.ndarray:
    """Points along a polyline (M, 3), every vertex included, at most ``step`` apart."""
    if len(poly) < 2:
        return poly
    seg = poly[1:] - poly[:-1]
    n = np.maximum(1, np.ceil(np.linalg.norm(seg, axis=1) / step).astype(np.int64))
    idx = np.repeat(np.arange(len(seg)), n)
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
    return np.vstack([poly[idx] + seg[idx] * t[:, None], poly[-1:]])


def _seg_dist(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = b - a
    rel = q - a
    ss = np.sum(s * s, axis=-1)
    u = np.clip(np.sum(rel * s, axis=-1) / np.where(ss > 0, ss, 1.0), 0.0, 1.0)
    return np.linalg.norm(rel - u[..., None] * s, axis=-1)


def distance_to_polyline(q: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Exact 3D distance from each point of ``q`` (K, 3) to the polyline ``poly`` (M, 3).

    The polyline is split into pieces of at most ``lam``; the candidates are the pieces next to the ``k``
    nearest vertices. That is exact when the k-th vertex is farther than the distance found plus ``lam``
    (the nearest piece's ends are within that); the other points are measured again with more
    neighbours, and at last against every piece.
    """
    b = _dense(poly, 0.004)
    if len(b) == 1:
        return np.linalg.norm(q - b[0], axis=1)
    lam = float(np.linalg.norm(b[1:] - b[:-1], axis=1).max())
    tree = cKDTree(b)
    out = np.full(len(q), np.inf)
    todo = np.arange(len(q))
    for k in (12, 96):
        k = min(k, len(b))
        unsure = []
        for lo in range(0, len(todo), 8192):
            idx = todo[lo : lo + 8192]
            dv, iv = tree.query(q[idx], k)
            dv, iv = dv.reshape(len(idx), k), iv.reshape(len(idx), k)
            cand = np.clip(np.concatenate([iv, iv - 1], axis=1), 0, len(b) - 2)
            d = _seg_dist(q[idx][:, None, :], b[cand], b[cand + 1]).min(axis=1)
            out[idx] = d
            unsure.append(idx[(dv[:, -1] <= d + lam) & (k < len(b))])
        todo = np.concatenate(unsure) if unsure else todo[:0]
    for i in todo:
        out[i] = _seg_dist(q[i], b[:-1], b[1:]).min()
    return out


def hausdorff_mm(a: Toolpath, b: Toolpath, start=None, *, step: float = 1e-3, flat: float = 1e-7) -> float:
    """Two-sided distance between two toolpaths: arcs flattened within ``flat``, samples ``step`` apart."""
    pa = a.polyline(start, tolerance_mm=flat)
    pb = b.polyline(start, tolerance_mm=flat)
    return float(max(distance_to_polyline(_dense(pa, step), pb).max(),
                     distance_to_polyline(_dense(pb, step), pa).max()))


def feeds_path(pts, feed=800.0, start=None) -> Toolpath:
    """A rapid to ``start`` (default the first point), then straight feeds through ``pts``."""
    pts = np.asarray(pts, dtype=np.float64)
    b = ToolpathBuilder()
    if start is None:
        start, pts = pts[0], pts[1:]
    b.rapid(*start)
    b.feeds(pts, feed)
    return b.build()


def circle(cx, cy, r, a0, a1, n, z=0.0):
    t = np.linspace(a0, a1, n)
    return np.c_[cx + r * np.cos(t), cy + r * np.sin(t), np.broadcast_to(z, t.shape)]


def arc_radii(tp: Toolpath, start=None) -> tuple[np.ndarray, np.ndarray]:
    """Start and end radius of every arc about its centre, mm."""
    s = tp.starts(start)
    m = np.isin(tp.kind, ARCS)
    return (np.hypot(*(s[m, :2] - tp.center[m]).T), np.hypot(*(tp.xyz[m, :2] - tp.center[m]).T))


# the acceptance cases -----------------------------------------------------------------------------------------


def test_measurement_sees_a_known_offset():
    """The distance helper against an analytic case: a circle of radius 5 and one of 5.003 (both ways)."""
    a = feeds_path(circle(0, 0, 5.0, 0, 2 * np.pi, 4000))
    b = feeds_path(circle(0, 0, 5.003, 0, 2 * np.pi, 4000))
    assert hausdorff_mm(a, b, step=0.01) == pytest.approx(0.003, abs=1e-5)


def test_circle_of_radius_5_becomes_one_or_two_arcs():
    pts = circle(2.0, -1.0, 5.0, 0.0, 2 * np.pi, 100)  # 100 points, the last on the first
    tp = feeds_path(pts)
    fit = fit_arcs(tp)
    arcs = np.isin(fit.kind, ARCS)
    assert fit.kind[0] == MoveKind.RAPID and np.all(arcs[1:]) and 1 <= arcs.sum() <= 2, fit.kind
    assert set(fit.kind[1:].tolist()) == {MoveKind.ARC_CCW}
    np.testing.assert_allclose(fit.center[1:], [[2.0, -1.0]] * int(arcs.sum()), atol=TOL)
    r0, r1 = arc_radii(fit)
    np.testing.assert_allclose(r0, 5.0, atol=TOL)
    np.testing.assert_allclose(r1, r0, rtol=0, atol=1e-9)  # start and end radius the same
    np.testing.assert_array_equal(fit.xyz[-1], pts[-1])  # ends where it ended
    assert hausdorff_mm(tp, fit) <= TOL + 1e-6
    assert fit.length_mm() == pytest.approx(2 * np.pi * 5.0, rel=1e-3)


def test_clockwise_circle_is_g2():
    pts = circle(0, 0, 5.0, 0.0, -1.5 * np.pi, 80)
    fit = fit_arcs(feeds_path(pts))
    assert set(fit.kind[1:].tolist()) == {MoveKind.ARC_CW}


def test_zigzag_of_straight_lines_is_unchanged():
    xs = np.arange(0.0, 20.0, 0.5)
    pts = np.c_[xs, np.where(np.arange(len(xs)) % 2, 3.0, 0.0), np.zeros_like(xs)]
    tp = feeds_path(pts)
    assert fit_arcs(tp) == tp
    # collinear points: no arc whatever the tolerance (the radius would be infinite)
    line = feeds_path(np.c_[np.linspace(0, 10, 30), np.linspace(0, 5, 30), np.zeros(30)])
    assert fit_arcs(line, 0.5) == line


def test_line_arc_line_sampled_becomes_line_arc_line():
    a = np.c_[np.linspace(-10, 0, 6), np.zeros(6), np.zeros(6)]  # along +x to the origin
    arc = circle(0.0, 4.0, 4.0, -np.pi / 2, 0.0, 60)  # tangent quarter turn, CCW, to (4, 4)
    b = np.c_[np.full(6, 4.0), np.linspace(4, 14, 6), np.zeros(6)]  # then along +y
    pts = np.vstack([a, arc[1:], b[1:]])
    tp = feeds_path(pts)
    fit = fit_arcs(tp)
    kinds = fit.kind.tolist()
    assert kinds == [MoveKind.RAPID] + [MoveKind.FEED] * 5 + [MoveKind.ARC_CCW] + [MoveKind.FEED] * 5, kinds
    np.testing.assert_allclose(fit.center[6], [0.0, 4.0], atol=TOL)
    np.testing.assert_array_equal(fit.xyz[6], [4.0, 4.0, 0.0])
    assert hausdorff_mm(tp, fit) <= TOL + 1e-6


def test_existing_arcs_rapids_plunges_and_dwells_are_kept():
    b = ToolpathBuilder()
    b.rapid(0, 0, 5)
    b.feed(0, 0, -1, 200.0)  # plunge
    b.arc(10, 0, -1, 5, 0, cw=True, feed_mm_min=800.0)
    b.dwell(0.5)
    b.feed(10, 5, -1, 800.0)
    b.arc(10, 5, -2, 10, 7, cw=False, feed_mm_min=300.0)  # a full helical turn
    b.rapid(10, 5, 5)
    tp = b.build()
    assert fit_arcs(tp) == tp


def test_runs_break_on_feed_changes_rapids_and_plunges():
    pts = circle(0, 0, 5.0, 0.0, 1.5 * np.pi, 60)
    b = ToolpathBuilder()
    b.rapid(*pts[0])
    for i, p in enumerate(pts[1:]):  # chip thinning: every move its own feed
        b.feed(*p, 800.0 + i)
    tp = b.build()
    assert fit_arcs(tp) == tp
    # a rapid every third move: runs of two feeds, shorter than min_points
    b = ToolpathBuilder()
    b.rapid(*pts[0])
    for i, p in enumerate(pts[1:]):
        (b.rapid if i % 3 == 2 else lambda *q: b.feed(*q, 800.0))(*p)
    tp = b.build()
    assert fit_arcs(tp) == tp
    # two feeds alternating in blocks: each block is fitted on its own, arcs end at the block ends
    b = ToolpathBuilder()
    b.rapid(*pts[0])
    b.feeds(pts[1:30], 800.0)
    b.feeds(pts[30:], 400.0)
    fit = fit_arcs(b.build())
    assert fit.kind.tolist() == [MoveKind.RAPID, MoveKind.ARC_CCW, MoveKind.ARC_CCW]
    np.testing.assert_array_equal(fit.xyz[1], pts[29])
    assert fit.feed[1:].tolist() == [800.0, 400.0]


def test_helix_sampled_becomes_helical_arcs():
    t = np.linspace(0, 3 * np.pi, 240)
    pts = np.c_[3 * np.cos(t), 3 * np.sin(t), -0.4 * t]
    tp = feeds_path(pts)
    fit = fit_arcs(tp)
    assert np.all(np.isin(fit.kind[1:], ARCS)) and 2 <= len(fit) - 1 <= 4
    assert np.all(np.diff(np.r_[pts[0, 2], fit.xyz[1:, 2]]) < 0)  # every arc goes down
    long = np.flatnonzero(np.abs(fit.lengths()) > 3.0)  # a short arc's centre is loosely determined
    assert len(long) >= 2
    np.testing.assert_allclose(fit.center[long], 0.0, atol=TOL)
    assert hausdorff_mm(tp, fit, step=2e-3) <= TOL + 1e-6


def test_max_radius_min_points_and_max_sweep():
    big = circle(0, 0, 2000.0, 0.0, 0.01, 30)  # nearly straight: stays lines at the default limit
    tp = feeds_path(big)
    assert fit_arcs(tp, 0.01) == tp
    assert np.isin(fit_arcs(tp, 0.01, max_radius_mm=5000.0).kind, ARCS).any()
    few = feeds_path(circle(0, 0, 5.0, 0.0, 0.1, 4))  # 4 points, 3 lines
    assert np.isin(fit_arcs(few).kind, ARCS).sum() == 1
    assert fit_arcs(few, min_points=5) == few
    # a circle in arcs of at most 90 degrees
    fit = fit_arcs(feeds_path(circle(0, 0, 5.0, 0.0, 2 * np.pi, 200)), max_sweep_deg=90.0)
    sweeps = np.abs(np.diff(np.unwrap(np.arctan2(fit.xyz[:, 1], fit.xyz[:, 0]))))
    assert len(fit) - 1 >= 4 and np.all(sweeps <= np.pi / 2 + 1e-9)


def test_noisy_arc_within_tolerance_and_simplified_lines():
    rng = np.random.default_rng(7)
    pts = circle(0, 0, 8.0, 0.0, 2.0, 120)
    pts[1:-1, :2] += rng.uniform(-0.3, 0.3, (118, 2)) * TOL
    line = np.c_[np.linspace(pts[-1, 0], pts[-1, 0] + 10, 50), np.full(50, pts[-1, 1]), np.zeros(50)]
    line[1:-1, 1] += rng.uniform(-0.5, 0.5, 48) * TOL  # a wobbly straight line
    tp = feeds_path(np.vstack([pts, line[1:]]))
    fit = fit_arcs(tp)
    simple = fit_arcs(tp, simplify_lines=True)
    for f in (fit, simple):
        # the noisy arc is one arc up to the corner; the wobbly line may become long flat arcs within tolerance
        assert f.kind[1] == MoveKind.ARC_CCW and np.array_equal(f.xyz[1], pts[-1])
        np.testing.assert_allclose(f.center[1], [0.0, 0.0], atol=TOL)
        assert hausdorff_mm(tp, f) <= TOL + 1e-6
    assert len(simple) <= len(fit) < 20
    # without arcs after the corner (min_points above the line's count), the line stays lines unless simplified
    lines = fit_arcs(tp, min_points=60)
    assert lines.kind[1] == MoveKind.ARC_CCW and lines[2:] == tp[len(pts) :]
    kinds = fit_arcs(tp, min_points=60, simplify_lines=True).kind.tolist()
    assert kinds[:2] == [MoveKind.RAPID, MoveKind.ARC_CCW] and kinds[2:] == [MoveKind.FEED] * len(kinds[2:])
    assert 1 <= len(kinds[2:]) <= 3


def test_fit_polyline_and_append_fitted_match_fit_arcs():
    pts = np.vstack([circle(0, 0, 5.0, 0.0, 2.0, 50), circle(10 * np.cos(2.0), 10 * np.sin(2.0), 5.0,
                                                            2.0 + np.pi, 2.0 + np.pi - 1.5, 40)[1:]])
    whole = fit_arcs(feeds_path(pts))
    part = fit_polyline(pts[0], pts[1:], 800.0)
    assert part == whole[1:]
    b = ToolpathBuilder()
    b.rapid(*pts[0])
    assert append_fitted(b, pts[1:], 800.0) == len(whole) - 1
    assert b.build() == whole
    assert whole.kind[1:].tolist() == [MoveKind.ARC_CCW, MoveKind.ARC_CW]  # an S: two arcs, turning both ways


def test_fit_polylines_equals_fit_polyline_on_each():
    s_curve = np.vstack([circle(0, 0, 5.0, 0.0, 2.0, 50), circle(10 * np.cos(2.0), 10 * np.sin(2.0), 5.0,
                                                                2.0 + np.pi, 2.0 + np.pi - 1.5, 40)[1:]])
    zig = np.c_[np.arange(7.0), np.tile([0.0, 1.0], 4)[:7], np.zeros(7)]
    polys = [s_curve, zig, zig[:1], circle(3, -2, 1.5, 0.0, 6.0, 80), zig[:2]]  # one point: no moves
    offsets = np.r_[0, np.cumsum([len(p) for p in polys])]
    moves, at = fit_polylines(np.vstack(polys), offsets, 800.0, simplify_lines=True)
    assert at[0] == 0 and at[-1] == len(moves) and np.all(np.diff(at) >= 0)
    for k, poly in enumerate(polys):
        alone = fit_polyline(poly[0], poly[1:], 800.0, simplify_lines=True)
        assert moves[int(at[k]) : int(at[k + 1])] == alone
    assert at[3] - at[2] == 0 and moves[int(at[0]) : int(at[1])].kind.tolist() == [MoveKind.ARC_CCW, MoveKind.ARC_CW]
    with pytest.raises(InputError, match="offsets"):
        fit_polylines(np.vstack(polys), offsets[:-1], 800.0)
    with pytest.raises(InputError, match="offsets"):
        fit_polylines(np.vstack(polys), offsets[::-1], 800.0)


def test_bad_inputs():
    tp = feeds_path(circle(0, 0, 5.0, 0.0, 1.0, 10))
    for kw, word in [({"tolerance_mm": 0.0}, "tolerance_mm"), ({"tolerance_mm": math.nan}, "tolerance_mm"),
                     ({"min_points": 2}, "min_points"), ({"min_points": 3.5}, "min_points"),
                     ({"max_radius_mm": 0.001}, "max_radius_mm"), ({"max_sweep_deg": 360.0}, "max_sweep_deg"),
                     ({"start": (0, 1)}, "start")]:
        with pytest.raises(InputError, match=word):
            fit_arcs(tp, **kw)
    with pytest.raises(InputError, match="Toolpath"):
        fit_arcs(np.zeros((3, 3)))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="position"):
        append_fitted(ToolpathBuilder(), np.zeros((3, 3)), 100.0)
    with pytest.raises(InputError, match="feed_mm_min"):
        fit_polyline((0, 0, 0), np.ones((3, 3)), 0.0)
    assert len(fit_arcs(Toolpath.empty())) == 0
    assert len(fit_polyline((0, 0, 0), np.zeros((0, 3)), 100.0)) == 0


# kernel against reference, and the tolerance as a property -----------------------------------------------------


@st.composite
def polylines(draw):
    """Points from circles (noise below the tolerance), helices, random walks, with some rapids and feed changes."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["circle", "circle", "helix", "walk", "mixed"]))
    n = draw(st.integers(3, 120))
    r = draw(st.floats(0.05, 300.0))
    step = draw(st.floats(0.002, 0.6)) / max(r, 0.1)
    noise = draw(st.floats(0.0, 0.9)) * TOL
    t = np.cumsum(rng.uniform(0.3, 1.0, n) * step) * draw(st.sampled_from([1.0, -1.0]))
    pts = np.c_[r * np.cos(t), r * np.sin(t), np.zeros(n)]
    if kind == "helix":
        pts[:, 2] = -t * draw(st.floats(0.01, 2.0))
    elif kind == "walk":
        pts = np.cumsum(rng.normal(0, draw(st.floats(0.01, 1.0)), (n, 3)) * [1, 1, 0], axis=0)
    elif kind == "mixed":  # an arc, a line, an arc turning the other way
        m = n // 3
        pts[m:] += np.linspace(0, 1, n - m)[:, None] * [3.0, 1.0, 0.0]
        pts[2 * m :, :2] = pts[2 * m, :2] + (pts[2 * m :, :2] - pts[2 * m, :2]) * [1, -1]
    direction = rng.uniform(0, 2 * np.pi, n)
    pts[:, :2] += np.c_[np.cos(direction), np.sin(direction)] * rng.uniform(0, noise / 2, n)[:, None]
    pts += draw(st.floats(-500, 500))
    kinds = np.full(n, int(MoveKind.FEED), np.int8)
    feed = np.full(n, 800.0)
    if draw(st.booleans()):
        kinds[rng.random(n) < 0.05] = MoveKind.RAPID
        feed[rng.random(n) < 0.05] = 500.0
        feed[kinds == MoveKind.RAPID] = np.nan
    return Toolpath(kinds, pts, np.full((n, 2), np.nan), feed)


def assert_same_arcs(kind: np.ndarray, ends: np.ndarray, starts: np.ndarray, c_a: np.ndarray,
                     c_b: np.ndarray) -> None:
    """Same arcs: same ends, direction and apex (the arc's distance from its chord's midpoint) for the centres
    ``c_a`` and ``c_b``. Not the centres: a short, flat arc's centre is ill-conditioned along the chord's
    bisector, the least squares over nearly collinear points losing digits (2 chords of 1.3 um, radius
    154 mm, 130 mm from the origin: the centres differed by 1.6e-4 mm); the apex is not."""
    arc = np.isin(kind, ARCS)
    a = starts[arc, :2]
    b = ends[arc, :2]
    mid = 0.5 * (a + b)
    turn = np.where(kind[arc] == MoveKind.ARC_CCW, 1.0, -1.0)

    def side(c: np.ndarray) -> np.ndarray:  # +1 when the centre is on the side the arc turns to (sweep < 180)
        left = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        return np.sign(left) * turn

    apex = [np.hypot(*(a - c).T) - np.hypot(*(mid - c).T) * side(c) for c in (c_a[arc], c_b[arc])]
    np.testing.assert_allclose(apex[0], apex[1], rtol=1e-9, atol=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tp=polylines(), simplify=st.booleans(), min_segments=st.integers(2, 5),
       max_sweep_deg=st.sampled_from([90.0, 180.0, 270.0, 359.0]))
def test_kernel_matches_reference(tp, simplify, min_segments, max_sweep_deg):
    args = (tp.kind, tp.xyz, tp.center, tp.feed, tp.xyz[0].copy(), TOL, min_segments, 1000.0,
            math.radians(max_sweep_deg), simplify)
    k = fit_arcs_kernel(*args)
    r = fit_arcs_reference(*args)
    np.testing.assert_array_equal(k[0], r[0])
    np.testing.assert_array_equal(k[1], r[1])  # end points are the original vertices
    np.testing.assert_array_equal(k[3], r[3])
    assert_same_arcs(k[0], k[1], Toolpath(*k).starts(tp.xyz[0]), k[2], r[2])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tps=st.lists(polylines(), min_size=1, max_size=4), cut=st.lists(st.integers(0, 3), max_size=3),
       simplify=st.booleans(), min_segments=st.integers(2, 5))
def test_batch_kernel_matches_reference(tps, cut, simplify, min_segments):
    # polylines of every length (one point: no moves), one after the other
    polys = [tp.xyz[: max(1, len(tp) - c)] for tp, c in zip(tps, cut + [0] * len(tps), strict=False)]
    pts = np.ascontiguousarray(np.vstack(polys))
    offsets = np.r_[0, np.cumsum([len(p) for p in polys])].astype(np.int64)
    args = (pts, offsets, 800.0, TOL, min_segments, 1000.0, math.radians(270.0), simplify)
    k = fit_polylines_kernel(*args)
    r = fit_polylines_reference(*args)
    for j in (0, 1, 3, 4):  # kinds, end points (original vertices), feeds, offsets
        np.testing.assert_array_equal(k[j], r[j])
    starts = np.empty_like(k[1])  # each move's start: the previous end, or the polyline's first point
    starts[1:] = k[1][:-1]
    for j, poly in enumerate(polys):
        if k[4][j + 1] > k[4][j]:
            starts[k[4][j]] = poly[0]
    assert_same_arcs(k[0], k[1], starts, k[2], r[2])
    for j, poly in enumerate(polys):  # and each polyline as the single kernel fits it
        m = len(poly) - 1
        one = fit_arcs_kernel(np.full(m, int(MoveKind.FEED), np.int8), poly[1:], np.full((m, 2), np.nan),
                              np.full(m, 800.0), poly[0].copy(), TOL, min_segments, 1000.0, math.radians(270.0),
                              simplify)
        a, b = k[4][j], k[4][j + 1]
        np.testing.assert_array_equal(k[0][a:b], one[0])
        np.testing.assert_array_equal(k[1][a:b], one[1])
        np.testing.assert_array_equal(k[2][a:b], one[2])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tp=polylines(), simplify=st.booleans())
def test_fitted_path_stays_within_tolerance(tp, simplify):
    fit = fit_arcs(tp, simplify_lines=simplify)
    assert len(fit) <= len(tp)
    r0, r1 = arc_radii(fit)
    assert np.all(np.abs(r0 - r1) <= 1e-9 * np.maximum(1.0, r0))
    assert np.all(r0 <= 1000.0)
    assert hausdorff_mm(tp, fit, step=3e-3, flat=5e-7) <= TOL + 1e-6


def test_arc_through_kernel_matches_reference_on_a_circle():
    p = circle(1.0, 2.0, 3.0, 0.2, 2.0, 30)
    k = arc_through_kernel(p, 0, 29, TOL, 1000.0, math.pi)
    r = arc_through_reference(p, 0, 29, TOL, 1000.0, math.pi)
    assert k[0] and r[0] and k[3] and r[3]
    np.testing.assert_allclose(k[1:3], r[1:3], atol=1e-12)
    np.testing.assert_allclose(k[1:3], [1.0, 2.0], atol=TOL)
    assert not arc_through_kernel(p, 0, 29, TOL, 1000.0, 1.0)[0]  # the sweep limit


# adaptive clearing, LinuxCNC and the simulation ----------------------------------------------------------------


def _adaptive(fit: bool):
    from toolpath.strategies.adaptive import AdaptiveParams, adaptive_clearing

    region = box(0, 0, 16, 11).difference(Point(11, 5.5).buffer(2.0, quad_segs=24))
    pocket = Pocket(region, 0.0, -2.0)
    tool = Tool(3)
    params = AdaptiveParams(stepdown_mm=2.0, stepover_mm=0.45, fit_arcs=fit)
    b = ToolpathBuilder()
    plan = adaptive_clearing(pocket, tool, params, builder=b, clearance_z_mm=5.0)
    # passes are simplified (lines) or fitted (arcs and lines) within this, finishing loops within tolerance_mm
    simplify_mm = max(params.tolerance_mm, 0.1 * plan.cell_mm)
    return pocket, tool, b.build(), simplify_mm


@pytest.fixture(scope="module")
def adaptive_job():
    """A small adaptive job: lines only (``fit_arcs=False``), those fitted afterwards, and arcs fitted by
    adaptive clearing itself (to the raw passes), with the largest distance each may have from the first."""
    pocket, tool, raw, simplify_mm = _adaptive(False)
    built = _adaptive(True)[2]
    return pocket, tool, raw, {"post": (fit_arcs(raw), TOL), "built": (built, 2 * simplify_mm)}


@pytest.mark.parametrize("which", ["post", "built"])
def test_fitted_adaptive_runs_in_rs274_along_the_same_path(adaptive_job, which):
    import gcode
    from gcode.rs274 import rs274_path, run_rs274
    from toolpath.program import Operation, Program

    if rs274_path() is None:
        pytest.skip("rs274 (LinuxCNC) is not installed")
    pocket, tool, raw, paths = adaptive_job
    fit, bound_mm = paths[which]
    assert np.isin(fit.kind, ARCS).sum() >= 50 and len(fit) < len(raw)
    text = gcode.write(Program((Operation(tool, fit),)), "linuxcnc")
    assert "G2" in text or "G3" in text
    canon = [m for m in run_rs274(text, [tool]) if m.kind in ("traverse", "feed", "arc")]
    # the writer leaves out straight moves of no length (arcs of no length are full circles)
    still = np.all(np.abs(fit.xyz - fit.starts()) < 1e-9, axis=1) & ~np.isin(fit.kind, ARCS)
    fit = fit[~still]
    lead = len(canon) - len(fit)  # the writer may rise to a safe height before the first move
    assert lead in (0, 1, 2) and all(m.kind == "traverse" for m in canon[:lead])
    canon = canon[lead:]
    np.testing.assert_allclose([m.xyz for m in canon], fit.xyz, atol=2e-4)  # 4 decimals written
    is_arc = np.array([m.kind == "arc" for m in canon])
    np.testing.assert_array_equal(is_arc, np.isin(fit.kind, ARCS))
    np.testing.assert_allclose([m.center for m in canon if m.kind == "arc"], fit.center[is_arc], atol=2e-4)
    turn = np.array([np.sign(m.rotation) for m in canon if m.kind == "arc"])
    np.testing.assert_array_equal(turn, np.where(fit.kind[is_arc] == MoveKind.ARC_CCW, 1, -1))
    # the motion rs274 planned, as a toolpath, against the lines-only program
    kinds = np.array([MoveKind.RAPID if m.kind == "traverse" else MoveKind.FEED if m.kind == "feed" else
                      MoveKind.ARC_CCW if m.rotation > 0 else MoveKind.ARC_CW for m in canon], np.int8)
    centers = np.array([m.center if m.center is not None else (np.nan, np.nan) for m in canon], float)
    ran = Toolpath(kinds, np.array([m.xyz for m in canon]), centers, np.where(kinds == 0, np.nan, 800.0))
    start = raw.xyz[0]
    assert hausdorff_mm(raw, ran, start, step=1e-2, flat=1e-6) <= bound_mm + 3e-4  # plus the rounding


@pytest.mark.parametrize("which", ["post", "built"])
def test_fitted_adaptive_does_not_gouge(adaptive_job, which):
    import shapely

    from sim.check import check
    from sim.stock import HeightField
    from toolpath import Stock

    pocket, tool, raw, paths = adaptive_job
    fit = paths[which][0]
    x0, y0, x1, y1 = pocket.region.bounds
    stock = Stock.box(x0 - 4, y0 - 4, pocket.z_bottom_mm - 5, x1 + 4, y1 + 4, pocket.z_top_mm)
    hf = HeightField.covering(x0 - 4, y0 - 4, x1 + 4, y1 + 4, 0.1)
    xx, yy = hf.centres()
    inside = shapely.contains_xy(pocket.region, xx, yy)
    part = HeightField(np.where(inside, pocket.z_bottom_mm, pocket.z_top_mm), hf.x0_mm, hf.y0_mm, 0.1)
    res_fit = check(fit, part, tool, stock=stock)
    res_raw = check(raw, part, tool, stock=stock)
    assert res_fit.gouge_count == 0 and not res_fit.rapid_cuts
    shifted = Toolpath(fit.kind, fit.xyz + [0.3, 0.0, 0.0], fit.center + [0.3, 0.0], fit.feed)
    assert check(shifted, part, tool, stock=stock).gouge_count > 0  # the check does see a path 0.3 mm off
    assert res_fit.uncut_area_mm2 <= res_raw.uncut_area_mm2 + 0.05
    assert res_fit.removed_volume_mm3 == pytest.approx(res_raw.removed_volume_mm3, rel=1e-3)
