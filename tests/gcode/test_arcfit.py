"""Arc fitting: fewer blocks, and the fitted path stays within the tolerance of the polyline (measured)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gcode
from gcode.arcfit import DEFAULT_ARC_FIT_TOLERANCE_MM, fit_arcs
from toolpath.enums import MoveKind
from toolpath.errors import InputError
from toolpath.moves import ToolpathBuilder
from toolpath.program import Program
from toolpath.tool import Tool


def polyline_tp(pts, feed=600.0):
    b = ToolpathBuilder()
    b.rapid(*pts[0])
    b.polyline(np.asarray(pts)[1:], feed)
    return b.build()


def _samples(xy: np.ndarray, per_segment: int = 4) -> np.ndarray:
    t = np.linspace(0, 1, per_segment, endpoint=False)[None, :, None]
    return np.concatenate([(xy[:-1, None] + (xy[1:] - xy[:-1])[:, None] * t).reshape(-1, 2), xy[-1:]])


def deviation_mm(original, fitted) -> float:
    """Largest distance, both ways, between two planar paths (shapely, 2D), on dense samples of each."""
    a_xy = original.polyline(tolerance_mm=1e-5)[:, :2]
    b_xy = fitted.polyline(tolerance_mm=1e-5)[:, :2]
    a, b = shapely.LineString(a_xy), shapely.LineString(b_xy)
    d1 = shapely.distance(shapely.points(_samples(a_xy)), b).max()
    d2 = shapely.distance(shapely.points(_samples(b_xy)), a).max()
    return float(max(d1, d2))


def test_circle_chords_become_one_arc():
    t = np.linspace(0, 1.5 * np.pi, 200)
    pts = np.c_[20 + 10 * np.cos(t), 5 + 10 * np.sin(t), np.zeros_like(t)]
    tp = polyline_tp(pts)
    fit = fit_arcs(tp)
    assert fit.kind.tolist() == [MoveKind.RAPID, MoveKind.ARC_CCW, MoveKind.ARC_CCW]  # arcs of <= 180 deg
    np.testing.assert_allclose(fit.center[1:], [[20, 5], [20, 5]], atol=1e-9)
    assert deviation_mm(tp, fit) <= DEFAULT_ARC_FIT_TOLERANCE_MM
    assert fit.length_mm() == pytest.approx(tp.length_mm(), rel=1e-3)


def test_full_circle_is_split_and_helix_fitted():
    t = np.linspace(0, 2 * np.pi, 361)
    pts = np.c_[5 * np.cos(t), 5 * np.sin(t), -t / (2 * np.pi)]  # one turn down 1 mm, clockwise seen as CCW param
    fit = fit_arcs(polyline_tp(pts))
    arcs = fit.kind[1:]
    assert arcs.tolist() == [MoveKind.ARC_CCW] * 2
    np.testing.assert_allclose(fit.xyz[-1], [5, 0, -1], atol=1e-12)


def test_lines_and_corners_stay_lines():
    pts = [(0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0), (0, 0, 0)]
    fit = fit_arcs(polyline_tp(pts))
    assert fit.kind.tolist() == [0, 1, 1, 1, 1]
    zig = polyline_tp([(i, (i % 2) * 0.02, 0) for i in range(50)])  # a zigzag beyond the tolerance
    assert set(fit_arcs(zig).kind[1:].tolist()) == {MoveKind.FEED}


def test_bad_tolerance():
    with pytest.raises(InputError, match="tolerance_mm"):
        fit_arcs(polyline_tp([(0, 0, 0), (1, 0, 0)]), tolerance_mm=0)


@st.composite
def arc_polylines(draw):
    """Chains of arcs and lines sampled as polylines with noise well inside the tolerance."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pts = [np.zeros(2)]
    heading = 0.0
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            length = draw(st.floats(1, 30))
            n = draw(st.integers(1, 10))
            for _k in range(n):
                pts.append(pts[-1] + length / n * np.array([math.cos(heading), math.sin(heading)]))
        else:
            r = draw(st.floats(0.5, 100))
            sweep = draw(st.floats(0.2, 5.5)) * (1 if draw(st.booleans()) else -1)
            n = max(4, int(abs(sweep) * r / draw(st.floats(0.05, 2))))
            n = min(n, 400)
            c = pts[-1] + r * np.array([-math.sin(heading), math.cos(heading)]) * np.sign(sweep)
            a0 = math.atan2(*(pts[-1] - c)[::-1])
            for k in range(1, n + 1):
                a = a0 + sweep * k / n
                pts.append(c + r * np.array([math.cos(a), math.sin(a)]))
            heading += sweep
    p = np.array(pts)
    p[1:] += rng.uniform(-1, 1, p[1:].shape) * DEFAULT_ARC_FIT_TOLERANCE_MM / 5
    return np.c_[p, np.zeros(len(p))]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arc_polylines())
def test_fitted_path_stays_within_tolerance(pts):
    tp = polyline_tp(pts)
    fit = fit_arcs(tp)
    assert len(fit) <= len(tp)
    np.testing.assert_allclose(fit.xyz[-1], tp.xyz[-1])
    assert deviation_mm(tp, fit) <= DEFAULT_ARC_FIT_TOLERANCE_MM + 1e-9


def test_writer_option_saves_blocks_and_rs274_accepts_it():
    from gcode.rs274 import run_rs274

    t = np.linspace(0, 2 * np.pi, 721)
    pts = np.c_[30 * np.cos(t), 30 * np.sin(t), np.zeros_like(t) - 1]
    p = Program.single(Tool(3.0), polyline_tp(pts), clearance_z_mm=5.0)
    plain = gcode.write(p)
    fitted = gcode.write(p, arc_fit_tolerance_mm=0.005)
    assert len(fitted.splitlines()) < len(plain.splitlines()) / 40
    assert len(fitted) < len(plain) / 20
    canon = run_rs274(fitted, [1])
    ends = np.array([m.xyz for m in canon if m.kind == "arc"])
    assert len(ends) >= 2 and np.all(np.abs(np.hypot(ends[:, 0], ends[:, 1]) - 30) < 1e-3)
