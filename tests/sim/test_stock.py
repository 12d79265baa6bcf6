"""Tests of sim.stock: height fields and material removal, against closed-form volumes and heights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from shapely.geometry import LineString

from sim.stock import (
    HeightField,
    simulate,
    sweep_kernel,
    sweep_reference,
    tool_profile_code,
    toolpath_segments,
)
from toolpath import InputError, MoveKind, Operation, Program, Stock, Tool, Toolpath, ToolpathBuilder


def _slot(x0: float, x1: float, y: float, z: float, *, top: float = 5.0) -> Toolpath:
    b = ToolpathBuilder()
    b.rapid(x0, y, top)
    b.feed(x0, y, z, 200.0)
    b.feed(x1, y, z, 800.0)
    b.rapid(x1, y, top)
    return b.build()


# -------------------------------------------------------------------------------------------- HeightField
def test_heightfield_rejects_bad_values() -> None:
    with pytest.raises(InputError, match="NaN"):
        HeightField(np.array([[0.0, np.nan]]), 0.0, 0.0, 1.0)
    with pytest.raises(InputError, match="cell_mm"):
        HeightField(np.zeros((2, 2)), 0.0, 0.0, 0.0)
    with pytest.raises(InputError, match="2D"):
        HeightField(np.zeros(3), 0.0, 0.0, 1.0)
    with pytest.raises(InputError, match="outside"):
        HeightField(np.zeros((2, 2)), 0.0, 0.0, 1.0).at(10.0, 0.0)


def test_heightfield_is_read_only_and_clamped_to_floor() -> None:
    src = np.array([[1.0, -5.0]])
    hf = HeightField(src, 0.0, 0.0, 1.0, floor_mm=-2.0)
    assert hf.z.tolist() == [[1.0, -2.0]]
    src[0, 0] = 9.0  # the field holds its own copy
    assert hf.z[0, 0] == 1.0
    with pytest.raises(ValueError):
        hf.z[0, 0] = 3.0


def test_covering_aligns_centres_on_the_global_lattice() -> None:
    hf = HeightField.covering(0.0, 0.0, 10.0, 4.0, 0.5)
    assert hf.shape == (8, 20)
    assert_allclose(hf.x_mm[:3], [0.25, 0.75, 1.25])
    other = HeightField.covering(-1.2, 0.3, 3.0, 2.0, 0.5)
    # every centre of both grids is an odd multiple of half a cell
    for x in np.concatenate([hf.x_mm, other.x_mm, hf.y_mm, other.y_mm]):
        assert abs((x / 0.25) % 2 - 1) < 1e-9
    assert hf.bounds() == pytest.approx((0.0, 0.0, 10.0, 4.0))


def test_from_stock_volume_box_and_cylinder() -> None:
    box = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.1)
    assert box.volume_above() == pytest.approx(40 * 20 * 10, rel=1e-12)
    assert box.floor_mm == -10.0
    cyl_stock = Stock.cylinder(0.0, 0.0, 10.0, -5.0, 0.0)
    cyl = HeightField.from_stock(cyl_stock, 0.05, margin_mm=1.0)
    assert cyl.volume_above() == pytest.approx(cyl_stock.volume_mm3, rel=2e-3)
    xx, yy = cyl.centres()
    inside = np.hypot(xx, yy) < 9.9
    assert np.all(cyl.z[inside] == 0.0)
    assert np.all(cyl.z[np.hypot(xx, yy) > 10.2] == -5.0)


# -------------------------------------------------------------------------------------------- segments
def test_segments_flatten_arcs_within_tolerance() -> None:
    b = ToolpathBuilder()
    b.rapid(13.0, 10.0, 1.0)
    b.arc(13.0, 10.0, -2.0, 10.0, 10.0, cw=False, feed_mm_min=500.0)  # full helical turn, r = 3
    b.arc(7.0, 10.0, -2.0, 10.0, 10.0, cw=True, feed_mm_min=500.0)  # half circle, clockwise
    b.dwell(1.0)
    tp = b.build()
    seg, move = toolpath_segments(tp, arc_tolerance_mm=0.005)
    a, e = seg[:, 0:3], seg[:, 3:6]
    assert np.all(np.isnan(seg[:, 6:]))  # all flattened to straight chords
    assert set(move.tolist()) == {0, 1, 2}  # the dwell adds no segment
    assert_allclose(a[1:], e[:-1], atol=1e-12)  # segments chain
    arc = np.isin(move, [1, 2])
    r_end = np.hypot(e[arc, 0] - 10.0, e[arc, 1] - 10.0)
    assert_allclose(r_end, 3.0, atol=1e-12)
    mid = (a[arc] + e[arc]) / 2
    sag = 3.0 - np.hypot(mid[:, 0] - 10.0, mid[:, 1] - 10.0)
    assert sag.max() <= 0.005 + 1e-12 and sag.min() >= 0.0
    # the full turn descends linearly: z of each end point follows its angle
    first = move == 1
    ang = np.unwrap(np.arctan2(e[first, 1] - 10.0, e[first, 0] - 10.0))
    ang = np.where(ang < 1e-9, ang + 2 * np.pi, ang) if ang[-1] < 1 else ang
    assert_allclose(e[first, 2], 1.0 - 3.0 * ang / (2 * np.pi), atol=1e-9)
    # the clockwise half circle passes through y = 7 (below the centre)
    assert e[move == 2, 1].min() == pytest.approx(7.0, abs=0.01)
    # kept as arcs: one row per arc with its centre and signed sweep
    kept, kmove = toolpath_segments(tp, keep_level_arcs=True, keep_helical_arcs=True)
    assert kmove.tolist() == [0, 1, 2]
    assert_allclose(kept[1, 6:], [10.0, 10.0, 2 * np.pi])
    assert_allclose(kept[2, 6:], [10.0, 10.0, -np.pi])
    only_level, lmove = toolpath_segments(tp, keep_level_arcs=True)
    assert np.isnan(only_level[lmove == 1, 8]).all() and only_level[lmove == 2, 8] == pytest.approx(-np.pi)


# -------------------------------------------------------------------------------------------- flat tool
def test_flat_slot_volume_is_length_times_width_plus_end_discs() -> None:
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.05)
    depth, r = 2.0, 3.0
    res = simulate(_slot(10.0, 30.0, 10.0, -depth), Tool.flat(2 * r), hf)
    exact = (20.0 * 2 * r + math.pi * r * r) * depth
    assert res.removed_volume_mm3 == pytest.approx(exact, rel=2e-3)
    # the same figure from shapely's area of the swept disc
    swept = shapely.buffer(LineString([(10, 10), (30, 10)]), r, quad_segs=256).area * depth
    assert res.removed_volume_mm3 == pytest.approx(swept, rel=2e-3)
    assert res.removed_per_move_mm3.sum() == pytest.approx(res.removed_volume_mm3)
    assert res.removed_per_move_mm3[0] == 0.0 and res.removed_per_move_mm3[3] == 0.0  # rapids in air
    assert res.rapid_cuts == []
    out = res.heightfield
    xx, yy = out.centres()
    d = shapely.distance(LineString([(10, 10), (30, 10)]), shapely.points(xx, yy))
    assert np.all(out.z[d < r - 1e-9] == -depth)
    assert np.all(out.z[d > r + 1e-9] == 0.0)


def test_flat_ramp_height_is_exact() -> None:
    """A flat tool ramping from z=0 to z=-2 over x in [10, 30]: a cell on the path line is left at the
    height of the last covering position, t = (x + R - 10) / 20."""
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.1)
    b = ToolpathBuilder()
    b.rapid(10.0, 10.05, 0.0)
    b.feed(30.0, 10.05, -2.0, 500.0)
    res = simulate(b.build(), Tool.flat(6.0), hf)
    row = res.heightfield.z[hf.index_of(0.0, 10.05)[0]]
    x = hf.x_mm
    t = np.clip((x + 3.0 - 10.0) / 20.0, 0.0, 1.0)
    expected = np.where((x >= 7.0) & (x <= 33.0), -2.0 * t, 0.0)
    assert_allclose(row, expected, atol=1e-12)


def test_floor_stops_the_tool_at_the_stock_bottom() -> None:
    stock = Stock.box(0, 0, -3, 10, 10, 0)
    hf = HeightField.from_stock(stock, 0.1)
    b = ToolpathBuilder()
    b.rapid(-5.0, 5.0, -8.0)  # far below the bottom, outside the stock
    b.feed(15.0, 5.0, -8.0, 500.0)
    res = simulate(b.build(), Tool.flat(20.0), hf)
    assert np.all(res.heightfield.z == -3.0)
    assert res.removed_volume_mm3 == pytest.approx(stock.volume_mm3, rel=1e-12)


# -------------------------------------------------------------------------------------------- ball, helix
def test_ball_slot_cross_section_and_volume() -> None:
    r, depth = 3.0, 2.0
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.05)
    res = simulate(_slot(10.0, 30.0, 10.0, -depth), Tool.ball(2 * r), hf)
    out = res.heightfield
    ix = out.index_of(20.0, 0.0)[1]
    y = out.y_mm - 10.0
    expected = np.minimum(0.0, -depth + r - np.sqrt(np.clip(r * r - y * y, 0.0, None)))
    expected[np.abs(y) > r] = 0.0
    assert_allclose(out.z[:, ix], expected, atol=1e-9)
    # circular segment below the chord at distance r - depth from the centre, times the length,
    # plus one spherical cap of height `depth` (the two half caps at the ends)
    dist = r - depth
    seg = r * r * math.acos(dist / r) - dist * math.sqrt(r * r - dist * dist)
    cap = math.pi * depth**2 * (3 * r - depth) / 3.0
    assert res.removed_volume_mm3 == pytest.approx(seg * 20.0 + cap, rel=3e-3)


def test_helix_leaves_the_last_covering_height() -> None:
    """A flat tool (R = 2) on one CCW helical turn of radius 3 about (10, 10), z from 0 to -3.

    A cell on the helix circle at angle phi is covered while the tool's angle is within
    delta = 2 asin(R / (2 * 3)) of phi; it keeps the height of the last covering angle."""
    rt, rh, pitch = 2.0, 3.0, 3.0
    b = ToolpathBuilder()
    b.rapid(10.0 + rh, 10.0, 0.0)
    b.arc(10.0 + rh, 10.0, -pitch, 10.0, 10.0, cw=False, feed_mm_min=600.0)
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 20, 20, 0), 0.05)
    res = simulate(b.build(), Tool.flat(2 * rt), hf)
    delta = 2 * math.asin(rt / (2 * rh))
    for phi in np.linspace(1.0, 2 * math.pi - 0.3, 17):  # past the start, so no wrap-around cover
        x, y = 10.0 + rh * math.cos(phi), 10.0 + rh * math.sin(phi)
        iy, ix = hf.index_of(x, y)
        cx, cy = hf.x_mm[ix], hf.y_mm[iy]
        ang = math.atan2(cy - 10.0, cx - 10.0) % (2 * math.pi)
        rho = math.hypot(cx - 10.0, cy - 10.0)
        # last angle (in [0, 2pi]) at which the tool axis is within rt of the cell centre
        half = math.acos((rho * rho + rh * rh - rt * rt) / (2 * rho * rh))
        last = min(ang + half, 2 * math.pi)
        assert abs(half - delta) < 0.05
        assert res.heightfield.z[iy, ix] == pytest.approx(-pitch * last / (2 * math.pi), abs=1e-9)
    # the island in the middle (radius rh - rt = 1) is untouched
    xx, yy = hf.centres()
    rr = np.hypot(xx - 10.0, yy - 10.0)
    assert np.all(res.heightfield.z[rr < 1.0 - 1e-9] == 0.0)
    assert np.all(res.heightfield.z[(rr > 1.0 + 1e-9) & (rr < 5.0 - 1e-9)] < 0.0)
    assert np.all(res.heightfield.z[rr > 5.0 + 1e-9] == 0.0)
    # the same helix as 1e-4 mm chords through the straight-segment path of the kernel
    chords = ToolpathBuilder()
    chords.rapid(10.0 + rh, 10.0, 0.0)
    chords.polyline(b.build().polyline(tolerance_mm=1e-4)[1:], 600.0)
    fine = simulate(chords.build(), Tool.flat(2 * rt), hf).heightfield.z
    diff = np.abs(fine - res.heightfield.z)
    assert np.quantile(diff, 0.99) < 1e-3 and diff.max() < 0.05  # chords differ only near tangency


# -------------------------------------------------------------------------------------------- rapids, programs
def test_rapid_through_material_is_flagged() -> None:
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.1)
    b = ToolpathBuilder()
    b.rapid(5.0, 5.0, 5.0)
    b.feed(5.0, 5.0, -1.0, 200.0)  # plunge: a feed, not flagged
    b.rapid(5.0, 5.0, 5.0)
    b.rapid(20.0, 10.0, 5.0)
    b.rapid(20.0, 10.0, -1.5)  # rapid down into the stock
    b.rapid(20.0, 10.0, 5.0)
    res = simulate(b.build(), Tool.flat(4.0), hf)
    assert [c.move_index for c in res.rapid_cuts] == [4]
    cut = res.rapid_cuts[0]
    assert math.hypot(cut.x_mm - 20.0, cut.y_mm - 10.0) <= 2.0
    assert cut.z_mm == pytest.approx(-1.5) and cut.depth_mm == pytest.approx(1.5)


def test_program_uses_each_operation_tool_and_start() -> None:
    hf = HeightField.from_stock(Stock.box(0, 0, -10, 40, 20, 0), 0.05)
    op1 = Operation(Tool.flat(6.0), _slot(10.0, 30.0, 5.0, -1.0))
    op2 = Operation(Tool.flat(2.0, number=2), _slot(10.0, 30.0, 15.0, -1.0))
    prog = Program((op1, op2), start_xyz=(0.0, 0.0, 5.0))
    res = simulate(prog, None, hf)
    v1 = (20.0 * 6.0 + math.pi * 9.0) * 1.0
    v2 = (20.0 * 2.0 + math.pi * 1.0) * 1.0
    assert res.removed_volume_mm3 == pytest.approx(v1 + v2, rel=3e-3)
    assert res.removed_per_move_mm3[:4].sum() == pytest.approx(v1, rel=3e-3)
    assert res.removed_per_move_mm3[4:].sum() == pytest.approx(v2, rel=5e-3)
    # overriding the tool sweeps both with the 2 mm tool
    small = simulate(prog, Tool.flat(2.0), hf)
    assert small.removed_volume_mm3 == pytest.approx(2 * v2, rel=5e-3)


def test_simulate_rejects_bad_input() -> None:
    hf = HeightField.from_stock(Stock.box(0, 0, -1, 1, 1, 0), 0.5)
    with pytest.raises(InputError, match="needs a tool"):
        simulate(_slot(0, 1, 0.5, -0.5), None, hf)
    with pytest.raises(InputError, match="Program or a Toolpath"):
        simulate([1, 2], Tool.flat(1.0), hf)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="HeightField"):
        simulate(_slot(0, 1, 0.5, -0.5), Tool.flat(1.0), np.zeros((2, 2)))  # type: ignore[arg-type]
    res = simulate(Toolpath.empty(), Tool.flat(1.0), hf)
    assert res.removed_volume_mm3 == 0.0 and res.removed_per_move_mm3.shape == (0,)


# -------------------------------------------------------------------------------------------- kernel vs reference
_TOOLS = [Tool.flat(3.0), Tool.ball(3.0), Tool.bull(3.0, 0.5), Tool.drill(2.0, tip_angle_deg=90.0)]
_coord = st.floats(-1.0, 7.0, allow_nan=False)
_height = st.floats(-3.0, 1.0, allow_nan=False)
# a move: end point, and for an arc (when the flag is set) a centre offset and a signed sweep
_move = st.tuples(
    _coord,
    _coord,
    _height,
    st.booleans(),
    st.floats(-2.5, 2.5),
    st.floats(-2.5, 2.5),
    st.floats(-6.3, 6.3).filter(lambda v: abs(v) > 1e-3),
    st.booleans(),
)


def _seg_table(start: tuple[float, float, float], moves: list[tuple], flat: bool) -> np.ndarray:
    rows = []
    ax, ay, az = start
    for x, y, z, is_arc, ocx, ocy, sweep, level in moves:
        if is_arc:
            cx, cy = ax + ocx, ay + ocy
            ra = math.hypot(ax - cx, ay - cy)
            th = math.atan2(ay - cy, ax - cx) + sweep
            x, y = cx + ra * math.cos(th), cy + ra * math.sin(th)
            z = az if (level or not flat) else z  # helical arcs only for the flat end mill
            rows.append([ax, ay, az, x, y, z, cx, cy, sweep])
        else:
            rows.append([ax, ay, az, x, y, z, np.nan, np.nan, np.nan])
        ax, ay, az = x, y, z
    return np.array(rows, dtype=np.float64)


@settings(max_examples=40, deadline=None)
@given(
    start=st.tuples(_coord, _coord, _height),
    moves=st.lists(_move, min_size=1, max_size=4),
    tool_i=st.integers(0, len(_TOOLS) - 1),
    bumps=st.lists(st.floats(-1.0, 0.0, allow_nan=False), min_size=1, max_size=4),
)
def test_sweep_kernel_matches_reference(start: tuple, moves: list[tuple], tool_i: int, bumps: list[float]) -> None:
    ny, nx, cell = 9, 11, 0.6
    z0 = np.zeros((ny, nx))
    z0.flat[::7] = np.resize(bumps, z0.flat[::7].shape)  # an uneven top
    code, radius, param = tool_profile_code(_TOOLS[tool_i])
    seg = _seg_table(start, moves, code == 0)
    floor = -2.0
    z_k = np.maximum(z0, floor)
    m = seg.shape[0]
    drop, removed, where, left = np.zeros(m), np.zeros(m), np.full(m, -1, np.int64), np.full(m, np.nan)
    # an origin off the lattice of simple numbers, so that no cell centre sits exactly (to rounding) on
    # the boundary of a footprint built from the simple values hypothesis likes: there the kernel and
    # the reference may each round either way
    x0, y0 = 0.2 + 1e-3 * math.pi, -0.3 + 1e-3 * math.e
    sweep_kernel(z_k, x0, y0, cell, floor, seg, code, radius, param, drop, removed, where, left)
    z_r, drop_r, removed_r, where_r, left_r = sweep_reference(
        np.maximum(z0, floor), x0, y0, cell, floor, seg, code, radius, param
    )
    assert_allclose(z_k, z_r, atol=1e-7)
    assert_allclose(drop, drop_r, atol=1e-7)
    assert_allclose(removed, removed_r, atol=1e-6)
    big = drop_r > 1e-6
    assert_allclose(left[big], left_r[big], atol=1e-7)


def test_kernel_matches_reference_on_sloped_passes_and_arcs() -> None:
    """Fixed cases: a sloped pass where the ball's lowest point comes from the swept cylinder, not the
    end spheres; a level arc of more than half a turn; a helical quarter turn (flat end mill)."""
    line = np.array([[0.0, 1.0, 0.0, 6.0, 2.5, -2.0, np.nan, np.nan, np.nan]])
    # centre (3.03, 2.01), radius 2.02 (not on the grid's lattice, so no cell sits exactly on a boundary)
    level_arc = np.array([[5.05, 2.01, -1.0, 3.03, -0.01, -1.0, 3.03, 2.01, 1.5 * np.pi]])
    helix = np.array([[5.05, 2.01, 0.0, 3.03, 4.03, -2.0, 3.03, 2.01, 0.5 * np.pi]])
    cases = [(line, t) for t in _TOOLS] + [(level_arc, t) for t in _TOOLS] + [(helix, _TOOLS[0])]
    for seg, tool in cases:
        code, radius, param = tool_profile_code(tool)
        z_k = np.zeros((10, 14))
        drop, removed, where, left = np.zeros(1), np.zeros(1), np.full(1, -1), np.full(1, np.nan)
        sweep_kernel(z_k, 0.0, 0.0, 0.5, -np.inf, seg, code, radius, param, drop, removed, where, left)
        z_r = sweep_reference(np.zeros((10, 14)), 0.0, 0.0, 0.5, -np.inf, seg, code, radius, param)[0]
        assert_allclose(z_k, z_r, atol=1e-7)
        assert (z_k < 0).sum() > 20
    with pytest.raises(ValueError, match="helical"):
        code, radius, param = tool_profile_code(_TOOLS[1])
        sweep_kernel(
            np.zeros((3, 3)),
            0.0,
            0.0,
            0.5,
            -np.inf,
            helix,
            code,
            radius,
            param,
            np.zeros(1),
            np.zeros(1),
            np.full(1, -1),
            np.full(1, np.nan),
        )


def test_profile_codes() -> None:
    assert tool_profile_code(Tool.flat(4.0)) == (0, 2.0, 0.0)
    assert tool_profile_code(Tool.ball(4.0)) == (1, 2.0, 2.0)
    assert tool_profile_code(Tool.bull(4.0, 0.5)) == (2, 2.0, 0.5)
    code, r, cot = tool_profile_code(Tool.drill(4.0, tip_angle_deg=90.0))
    assert code == 3 and r == 2.0 and cot == pytest.approx(1.0)
    assert int(MoveKind.RAPID) == 0  # the kernel input relies on kinds only through simulate()
