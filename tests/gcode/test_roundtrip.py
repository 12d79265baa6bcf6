"""read(write(p)) equals p in geometry within the output's rounding, for every dialect."""

from __future__ import annotations

import numpy as np
import pytest
from gcode_programs import assert_same_moves, hand_program, programs
from hypothesis import HealthCheck, given, settings
from scipy.spatial import cKDTree

import gcode
from toolpath.program import Program


def _tolerances(dialect: gcode.Dialect, units: str) -> tuple[float, float]:
    if units == "inch":
        return 0.5 * 10.0 ** -dialect.decimals_inch * 25.4 + 1e-9, 0.5 * 10.0 ** -dialect.feed_decimals_inch * 25.4
    return 0.5 * 10.0 ** -dialect.decimals_mm + 1e-9, 0.5 * 10.0 ** -dialect.feed_decimals_mm + 1e-9


def _dense(p: Program, step_mm: float = 0.004) -> np.ndarray:
    """Points along the path (dwells and zero-length moves add nothing) at most ``step_mm`` apart."""
    pts = p.toolpath.polyline(p.start_xyz, tolerance_mm=0.0005)
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step_mm)))
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def assert_round_trip(p: Program, dialect: str, units: str = "mm") -> None:
    d = gcode.get_dialect(dialect)
    atol, ftol = _tolerances(d, units)
    text = gcode.write(p, d, units=units)
    q, diags = gcode.read(text, d, strict=True)
    assert [op.tool.number for op in q.operations] == _tool_runs(p)
    # the writer's final retract is an extra rapid when p ends below the clearance
    tp = q.toolpath
    if len(tp) and p.toolpath.xyz[-1, 2] < p.clearance_z_mm - 1e-9:
        assert tp.kind[-1] == 0 and tp.xyz[-1, 2] == pytest.approx(p.clearance_z_mm, abs=atol)
        tp = tp[: len(tp) - 1]
    q = Program.single(p.operations[0].tool, tp, start_xyz=p.start_xyz)
    if d.arcs is gcode.ArcStyle.IJK and d.full_circles and d.helical_arcs:
        assert_same_moves(p, q, atol_mm=atol * 2, feed_atol=ftol)
    else:
        # arcs split or linearised: compare the paths as dense point sets
        step = max(0.004, p.length_mm() / 100_000)  # bounded work on long random paths
        a, b = _dense(p, step), _dense(q, step)
        tol = atol * 2 + d.linearize_tolerance_mm + 0.0005 + step / 2  # rounding, chords, sampling
        assert cKDTree(a).query(b)[0].max() <= tol
        assert cKDTree(b).query(a[1:])[0].max() <= tol


def _tool_runs(p: Program) -> list[int]:
    out: list[int] = []
    for op in p.operations:
        if len(op.toolpath) and (not out or out[-1] != op.tool.number):
            out.append(op.tool.number)
    return out


@pytest.mark.parametrize("dialect", gcode.dialects())
@pytest.mark.parametrize("units", ["mm", "inch"])
def test_hand_program_round_trip(dialect, units):
    assert_round_trip(hand_program(), dialect, units)


@pytest.mark.parametrize("dialect", gcode.dialects())
def test_tools_and_names_survive(dialect):
    p = hand_program()
    q = gcode.read_program(gcode.write(p, dialect), dialect)
    assert [op.tool for op in q.operations] == [op.tool for op in p.operations]
    assert [op.spindle_rpm for op in q.operations] == [op.spindle_rpm for op in p.operations]
    assert [op.coolant for op in q.operations] == [op.coolant for op in p.operations]
    d = gcode.get_dialect(dialect)
    if d.comments is not gcode.CommentStyle.NONE and not d.comment_upper:
        assert [op.name for op in q.operations] == [op.name for op in p.operations]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(p=programs(max_ops=3, max_moves=12))
@pytest.mark.parametrize("dialect", gcode.dialects())
def test_random_round_trip(dialect, p):
    assert_round_trip(p, dialect, "mm")
