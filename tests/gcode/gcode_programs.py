"""Programs for the gcode tests: hand-built cases, a hypothesis strategy, and comparisons."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from toolpath.enums import Coolant, MoveKind
from toolpath.moves import ToolpathBuilder, arc_sweep
from toolpath.program import Operation, Program
from toolpath.tool import Tool

ARCS = (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW))


def hand_program() -> Program:
    """Lines, arcs CW/CCW, a helix, full circles (flat and helical), a dwell, two tools."""
    a = ToolpathBuilder()
    a.rapid(0, 0, 5)
    a.rapid(10, 10, 5)
    a.feed(10, 10, -1, 300)
    a.feed(40, 10, -1, 1200)
    a.arc(50, 20, -1, 40, 20, cw=False, feed_mm_min=1200)  # quarter CCW
    a.arc(60, 30, -1, 60, 20, cw=True, feed_mm_min=1200)  # quarter CW... about (60,20)
    a.arc(60, 30, -3, 60, 25, cw=True, feed_mm_min=800)  # full helical circle CW
    a.arc(60, 30, -3, 60, 22.5, cw=False, feed_mm_min=800)  # full flat circle CCW
    ang = math.radians(-20.0)  # partial helix CCW from 90 deg round to 340 deg
    a.arc(60 + 7.5 * math.cos(ang), 22.5 + 7.5 * math.sin(ang), -3.5, 60, 22.5, cw=False, feed_mm_min=800)
    a.dwell(0.75)
    a.feed(70, 10, -3.5, 1000)
    a.rapid(70, 10, 5)
    b = ToolpathBuilder()
    b.rapid(20, 20, 5)
    b.feed(20, 20, -2, 200)
    b.arc(20, 20, -2, 15, 20, cw=True, feed_mm_min=600)
    ang = math.radians(200.0)
    ex, ey = 15 + 5 * math.cos(ang), 20 + 5 * math.sin(ang)
    b.arc(ex, ey, -2.25, 15, 20, cw=False, feed_mm_min=600.37)
    b.rapid(ex, ey, 5)
    return Program(
        (
            Operation(Tool(6.0, number=1), a.build(), spindle_rpm=12000, coolant=Coolant.FLOOD, name="rough"),
            Operation(Tool.ball(3.0, number=2), b.build(), spindle_rpm=18000, coolant=Coolant.MIST, name="finish"),
        ),
        name="hand built",
        clearance_z_mm=5.0,
    )


@st.composite
def toolpaths(draw: st.DrawFn, *, start: tuple[float, float, float], max_moves: int = 12) -> tuple[object, tuple]:
    """A random toolpath starting at ``start``: its first move a rapid, arcs with consistent radii."""
    b = ToolpathBuilder()
    coord = st.floats(-200, 200, allow_nan=False).map(lambda v: round(v, 6))
    zc = st.floats(-20, 10).map(lambda v: round(v, 6))
    feed = st.floats(10, 20000).map(lambda v: round(v, 3))
    b.rapid(draw(coord), draw(coord), draw(zc))
    for _ in range(draw(st.integers(0, max_moves))):
        x, y, z = b.position  # type: ignore[misc]
        kind = draw(st.sampled_from(["rapid", "feed", "arc", "arc", "dwell"]))
        if kind == "rapid":
            b.rapid(draw(coord), draw(coord), draw(zc))
        elif kind == "feed":
            b.feed(draw(coord), draw(coord), draw(zc), draw(feed))
        elif kind == "dwell":
            b.dwell(round(draw(st.floats(0.0, 5.0)), 3))
        else:
            r = draw(st.floats(0.5, 80))
            a0 = draw(st.floats(-math.pi, math.pi))
            cx, cy = x - r * math.cos(a0), y - r * math.sin(a0)
            full = draw(st.booleans())
            sweep = 0.0 if full else draw(st.floats(0.05, 2 * math.pi - 0.05))
            cw = draw(st.booleans())
            a1 = a0 - sweep if cw else a0 + sweep
            ex, ey = (x, y) if full else (cx + r * math.cos(a1), cy + r * math.sin(a1))
            ez = z if draw(st.booleans()) else draw(zc)
            b.arc(ex, ey, ez, cx, cy, cw=cw, feed_mm_min=draw(feed))
    return b.build()


@st.composite
def programs(draw: st.DrawFn, *, max_ops: int = 3, max_moves: int = 12) -> Program:
    """A random program of 1..max_ops operations, tools numbered 1..9."""
    ops = []
    clearance = 15.0
    start = (0.0, 0.0, clearance)
    for i in range(draw(st.integers(1, max_ops))):
        tp = draw(toolpaths(start=start, max_moves=max_moves))
        tool = Tool(round(draw(st.floats(0.5, 25)), 3), number=draw(st.integers(1, 9)))
        rpm = float(draw(st.integers(0, 30000)))
        cool = draw(st.sampled_from(list(Coolant)))
        ops.append(Operation(tool, tp, spindle_rpm=rpm, coolant=cool, name=f"op {i}"))
        start = tuple(tp.xyz[-1])
    return Program(tuple(ops), name="random", clearance_z_mm=clearance)


def nonzero_moves(tp, start, atol: float) -> list[tuple]:
    """(kind, end, center, feed) of moves that move (or dwell), zero-length rapids and feeds dropped."""
    out = []
    pos = np.asarray(start, float)
    for i in range(len(tp)):
        k = int(tp.kind[i])
        end = tp.xyz[i]
        if k in (MoveKind.RAPID, MoveKind.FEED) and np.max(np.abs(end - pos)) <= atol:
            continue
        out.append((k, end.copy(), tp.center[i].copy(), float(tp.feed[i]), pos.copy()))
        if k != MoveKind.DWELL:
            pos = end.copy()
    return out


def assert_same_moves(expected: Program, actual: Program, *, atol_mm: float, feed_atol: float) -> None:
    """Move-by-move equality of the concatenated toolpaths within rounding (zero-length moves dropped)."""
    e = nonzero_moves(expected.toolpath, expected.start_xyz, atol_mm)
    a = nonzero_moves(actual.toolpath, actual.start_xyz, atol_mm)
    assert len(e) == len(a), f"{len(e)} moves expected, {len(a)} read"
    for i, (me, ma) in enumerate(zip(e, a, strict=True)):
        assert me[0] == ma[0], f"move {i}: kind {me[0]} != {ma[0]}"
        np.testing.assert_allclose(ma[1], me[1], atol=atol_mm, rtol=0, err_msg=f"move {i} end")
        if me[0] in ARCS:
            np.testing.assert_allclose(ma[2], me[2], atol=2 * atol_mm, rtol=0, err_msg=f"move {i} centre")
            se = arc_sweep(me[4][None], me[1][None], me[2][None], np.array([me[0]], np.int8))[0]
            sa = arc_sweep(ma[4][None], ma[1][None], ma[2][None], np.array([ma[0]], np.int8))[0]
            r = float(np.hypot(*(me[4][:2] - me[2])))
            assert abs(se - sa) * r <= 4 * atol_mm + 1e-9 or abs(abs(se - sa) - 2 * math.pi) * r < 4 * atol_mm, (
                f"move {i}: sweep {se} != {sa}"
            )
        if me[0] != MoveKind.RAPID:
            assert abs(ma[3] - me[3]) <= feed_atol, f"move {i}: feed {me[3]} != {ma[3]}"
