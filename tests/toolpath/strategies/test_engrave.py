"""Engraving along a drawing's curves, checked by simulation against the exact groove (the curves swept by
the tool's disc, shapely), by LinuxCNC's rs274, and for its move structure (no rapid inside a curve)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from sim.stock import HeightField, simulate
from toolpath import InputError, MoveKind, Tool
from toolpath.job import mill
from toolpath.strategies.engrave import EngraveParams, engrave_curves, engrave_depths

DEPTH = 0.6


def _drawing(tmp_path: Path) -> Path:
    """An SVG (100 x 100 mm page) with an open S stroke (cubic Béziers), an open polyline and a closed circle."""
    body = ('<path d="M 10 80 C 30 40 50 120 70 80 S 90 40 95 60" fill="none"/>'
            '<polyline points="10,20 40,30 60,10" fill="none"/>'
            '<circle cx="75" cy="25" r="12"/>')
    path = tmp_path / "strokes.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">'
                    f'{body}</svg>')
    return path


def test_engraved_groove_is_the_curves_swept_by_the_tool(tmp_path: Path) -> None:
    """Simulated on the stock: every cell within R - cell of a curve is cut to the depth, every cell beyond
    R + cell is untouched, nothing goes deeper than the depth; rapids only at the clearance height or down
    into the groove's start."""
    from toolpath.geometry.drawing import load_curves

    path = _drawing(tmp_path)
    tool = Tool(2.0)
    res = mill(path, tool, strategy="engrave", depth_mm=DEPTH, stepdown_mm=0.25)
    assert res.extra["curves"] == 3 and res.extra["closed_curves"] == 1
    cell = 0.1
    hf = HeightField.from_stock(res.stock, cell)
    z0 = hf.z.copy()
    out = simulate(res.program, None, hf)
    z = out.heightfield.z
    xx, yy = hf.centres()
    lines = shapely.union_all([LineString(c) for c in load_curves(path)])
    dist = shapely.distance(lines, shapely.points(xx, yy))
    r = tool.radius_mm
    top = res.stock.z_top_mm
    assert np.all(np.abs(z[dist <= r - cell] - (top - DEPTH)) < 1e-9)
    far = dist >= r + cell
    assert np.all(z[far] == z0[far])
    assert np.all(z0[dist <= r + 1.0] == top)  # the stock covers the groove with room to spare
    assert z[z0 == top].min() >= top - DEPTH - 1e-9
    tp = res.program.toolpath
    rapids = tp.kind == MoveKind.RAPID
    zr = tp.xyz[rapids, 2]
    assert np.all((zr == res.program.clearance_z_mm) | (zr >= top))  # down to 1 mm above the top, no lower


def test_each_curve_is_cut_at_every_depth_without_a_rapid(tmp_path: Path) -> None:
    """Two rapids per curve (to it, up from it) and one final; the depths are even steps to the depth."""
    tool = Tool(1.0)
    curves = [np.array([(0, 0), (10, 0), (10, 5)], float),
              np.c_[20 + 3 * np.cos(np.linspace(0, 2 * np.pi, 40)), 3 * np.sin(np.linspace(0, 2 * np.pi, 40))]]
    curves[1][-1] = curves[1][0]
    params = EngraveParams(depth_mm=1.0, stepdown_mm=0.4)
    tp = engrave_curves(curves, tool, params, clearance_z_mm=5.0)
    kinds = tp.kind
    assert int(np.count_nonzero(kinds == MoveKind.RAPID)) == 3 * len(curves)
    cut_z = sorted({round(float(v), 9) for v in tp.xyz[kinds != MoveKind.RAPID, 2]})
    assert cut_z == pytest.approx([-1.0, -2 / 3, -1 / 3])
    # the circle came out as arcs (points on a circle within the tolerance)
    assert np.any(np.isin(kinds, (MoveKind.ARC_CW, MoveKind.ARC_CCW)))


def test_rs274_runs_the_engraving(tmp_path: Path) -> None:
    from parts_for_tests import assert_rs274_same_motion

    tool = Tool(1.0)
    res = mill(_drawing(tmp_path), tool, strategy="engrave", depth_mm=DEPTH)
    assert_rs274_same_motion(res.program, [tool])


@given(st.floats(0.01, 20.0), st.floats(0.01, 5.0))
@settings(max_examples=200, deadline=None)
def test_depths_are_even_steps_no_larger_than_the_stepdown(depth: float, step: float) -> None:
    d = engrave_depths(depth, step)
    assert d[-1] == pytest.approx(depth)
    steps = np.diff([0.0, *d])
    assert np.all(steps <= step * (1 + 1e-9)) and np.allclose(steps, steps[0])
    assert len(d) == max(1, math.ceil(depth / step - 1e-9))


def test_engraving_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    cq = pytest.importorskip("cadquery")
    solid = cq.Workplane("XY").box(10, 10, 5)
    with pytest.raises(InputError, match="2D drawing"):
        mill(solid, Tool(1.0), strategy="engrave")
    with pytest.raises(InputError, match="depth_mm"):
        engrave_curves([np.array([(0, 0), (1, 0)], float)], Tool(1.0), EngraveParams(depth_mm=0.0, stepdown_mm=1),
                       clearance_z_mm=5.0)
    with pytest.raises(InputError, match="clearance"):
        engrave_curves([], Tool(1.0), EngraveParams(depth_mm=1.0, stepdown_mm=1), clearance_z_mm=-1.0)
    # shapely polygons: their outlines are engraved
    res = mill(box(0, 0, 10, 10).difference(box(3, 3, 6, 6)), Tool(1.0), strategy="engrave", depth_mm=0.3)
    assert res.extra["curves"] == 2 and res.extra["closed_curves"] == 2
