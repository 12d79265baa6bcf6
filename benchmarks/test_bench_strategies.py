"""pytest-benchmark: clearing strategies on the reference pockets (offset, zigzag, rest machining) and holes.

Pockets A, B, C of ``shared/reference/pockets.json``, 3 mm deep, flat end mill 6 mm, stepover 40 %,
stepdown 1.5 mm. The offset *kernel* alone is in ``test_bench_offset.py`` and adaptive clearing in
``test_bench_adaptive.py``; here the whole strategy (plan, link, ramp, build the toolpath) is timed.

Properties asserted on each timed toolpath (shapely, independent of the generator): no cutting move
below the pocket top brings the tool closer than its radius to a wall (arcs flattened within 1 µm), the
floor that the tool can reach is cleared (less than 0.5 mm² left), the floor is reached and never passed.
Holes: every hole is made, a drill stays on the hole axis, a helical bore stays within the hole wall.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_strategies.py --benchmark-only``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from sim.sweep import toolpath_segments
from toolpath import MoveKind, Pocket, Tool, Toolpath
from toolpath.strategies.holes import BoreParams, DrillParams, make_holes
from toolpath.strategies.offset import OffsetParams, clear_pockets
from toolpath.strategies.zigzag import ZigzagParams, clear_pockets_zigzag

TOOL = Tool.flat(6.0)
CLEAR_Z_MM = 10.0
ARC_TOL_MM = 0.001


def assert_clears(tp: Toolpath, pocket: Pocket, tool: Tool) -> None:
    """No gouge, reachable floor cleared, floor reached and not passed (see the module notes)."""
    r = tool.radius_mm
    seg, move = toolpath_segments(tp, tuple(tp.xyz[0]), arc_tolerance_mm=ARC_TOL_MM)
    cutting = tp.kind[move] != MoveKind.RAPID
    a, b = seg[:, 0:3], seg[:, 3:6]
    lo, hi = np.minimum(a[:, 2], b[:, 2]), np.maximum(a[:, 2], b[:, 2])
    lines = shapely.linestrings(np.stack([a[:, :2], b[:, :2]], axis=1))
    below = cutting & (lo < pocket.z_top_mm - 1e-9)
    domain = pocket.domain(tool.diameter_mm + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = shapely.distance(lines[below], domain.boundary)
    assert dist.min() >= r - ARC_TOL_MM - 1e-6, f"a move cuts {r - dist.min():.4f} mm into a wall"
    assert np.all(shapely.covers(domain, lines[below]))
    at_floor = cutting & (hi <= pocket.z_bottom_mm + 1e-9)
    swept = shapely.union_all(shapely.buffer(lines[at_floor], r, quad_segs=16))
    reach = domain.buffer(-(r + 0.01), quad_segs=32).buffer(r, quad_segs=32)
    left = pocket.region.intersection(reach).difference(swept).buffer(-0.01).buffer(0.01)
    assert left.area < 0.5, f"{left.area:.3f} mm2 of reachable floor left"
    assert tp.xyz[:, 2].min() == pytest.approx(pocket.z_bottom_mm)


@pytest.mark.parametrize("name", ["A", "B", "C"])
@pytest.mark.parametrize("strategy", ["offset", "zigzag"])
def test_conventional_clearing(run_timed, reference_pockets, name: str, strategy: str) -> None:
    pocket = reference_pockets[name]
    clear, make = {"offset": (clear_pockets, OffsetParams), "zigzag": (clear_pockets_zigzag, ZigzagParams)}[strategy]
    params = make(stepover_mm=0.4 * TOOL.diameter_mm, stepdown_mm=1.5)
    tp, unreachable = run_timed(clear, [pocket], TOOL, params, clearance_z_mm=CLEAR_Z_MM, rounds=5)
    assert len(tp) > 100
    assert_clears(tp, pocket, TOOL)


def hole_pockets(n: int, diameter_mm: float, depth_mm: float) -> list[Pocket]:
    """``n`` through holes on a 20 mm grid (96-gons), ``depth_mm`` deep from z = 0."""
    per_row = int(math.ceil(math.sqrt(n)))
    out = []
    for i in range(n):
        c = Point(10.0 + 20.0 * (i % per_row), 10.0 + 20.0 * (i // per_row))
        out.append(Pocket(c.buffer(diameter_mm / 2, quad_segs=24), 0.0, -depth_mm, through=True,
                          hole_diameter_mm=diameter_mm))
    return out


@pytest.mark.parametrize("how", ["drill", "helical-bore"])
def test_make_holes_100(run_timed, how: str) -> None:
    holes = hole_pockets(100, 10.0, 12.0)
    tool = Tool.drill(10.0) if how == "drill" else TOOL
    kw = {"drill": DrillParams(peck_mm=3.0)} if how == "drill" else {"bore": BoreParams()}
    tp, done = run_timed(make_holes, holes, tool, clearance_z_mm=CLEAR_Z_MM, rounds=5, **kw)
    assert len(done) == len(holes)
    centres = np.array([[p.region.centroid.x, p.region.centroid.y] for p in holes])
    cutting = (tp.kind != MoveKind.RAPID) & (tp.xyz[:, 2] < 0.0)
    # nearest hole of every cutting end point, and its distance from that hole's axis
    d = np.hypot(tp.xyz[cutting, None, 0] - centres[None, :, 0], tp.xyz[cutting, None, 1] - centres[None, :, 1])
    near = d.min(axis=1)
    if how == "drill":
        assert np.all(near < 1e-9)
        assert tp.xyz[:, 2].min() < -12.0  # through: the tip passes the bottom
    else:
        assert np.all(near <= 5.0 - TOOL.radius_mm + 1e-6)
        arcs = np.isin(tp.kind, (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW)))
        rad = np.hypot(tp.xyz[arcs, 0] - tp.center[arcs, 0], tp.xyz[arcs, 1] - tp.center[arcs, 1])
        assert rad.max() <= 5.0 - TOOL.radius_mm + 1e-6
        assert tp.xyz[:, 2].min() <= -12.0 + 1e-9


@pytest.mark.parametrize("name", ["B", "C"])
def test_rest_clearing(run_timed, reference_pockets, name: str) -> None:
    from toolpath.strategies.rest import rest_clearing, rest_region

    pocket = reference_pockets[name]
    small, large = Tool.flat(3.0), Tool.flat(12.0)
    params = OffsetParams(stepover_mm=1.2, stepdown_mm=1.5)
    tp, _ = run_timed(rest_clearing, [pocket], small, large, params, clearance_z_mm=CLEAR_Z_MM, rounds=3)
    r = small.radius_mm
    seg, move = toolpath_segments(tp, tuple(tp.xyz[0]), arc_tolerance_mm=ARC_TOL_MM)
    cutting = tp.kind[move] != MoveKind.RAPID
    lines = shapely.linestrings(np.stack([seg[:, 0:2], seg[:, 3:5]], axis=1))
    low = cutting & (np.minimum(seg[:, 2], seg[:, 5]) < pocket.z_top_mm - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = shapely.distance(lines[low], pocket.region.boundary)
    assert dist.min() >= r - ARC_TOL_MM - 1e-6  # no gouge with the small tool
    # the rest the large tool leaves is swept on the floor by the small one (to within 0.5 mm2)
    floor = cutting & (np.maximum(seg[:, 2], seg[:, 5]) <= pocket.z_bottom_mm + 1e-9)
    swept = shapely.union_all(shapely.buffer(lines[floor], r, quad_segs=16))
    rest = rest_region(pocket, small, large)
    assert rest.area > 10.0
    assert rest.difference(swept).buffer(-0.01).buffer(0.01).area < 0.5
    # and it is a rest pass, not a second full clearing: far shorter than clearing the pocket with the small tool
    full, _ = clear_pockets([pocket], small, params, clearance_z_mm=CLEAR_Z_MM)
    assert tp.cutting_length_mm(tuple(tp.xyz[0])) < 0.5 * full.cutting_length_mm(tuple(full.xyz[0]))
