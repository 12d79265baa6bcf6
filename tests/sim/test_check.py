"""Tests of sim.check: hand-written programs on cadquery parts, with known gouges, uncut areas and volumes."""

from __future__ import annotations

import json
import math

import pytest

from sim.check import CheckResult, check, default_cell_mm
from sim.partfield import part_heightfield
from sim.stock import HeightField
from toolpath import InputError, Program, Stock, Tool, Toolpath, ToolpathBuilder

cq = pytest.importorskip("cadquery")

R = 3.0
TOOL = Tool.flat(2 * R)
CORNERS = 4 * (R * R - math.pi * R * R / 4)  # what a radius-R tool leaves in the four corners of a square


@pytest.fixture(scope="module")
def pocket_part():  # noqa: ANN201 - a cadquery Workplane
    """A 50 x 50 x 20 block centred on the origin (z -10..10) with a 30 x 30 pocket 5 deep (floor z = 5)."""
    return cq.Workplane().box(50, 50, 20).faces(">Z").workplane().rect(30, 30).cutBlind(-5)


def _pocket_program(
    depths: tuple[float, ...] = (7.5, 5.0), halves: tuple[float, ...] = (12.0, 8.0, 4.0, 0.5), extra=None
) -> Program:  # noqa: ANN001
    """Square rings about the origin (half sizes ``halves``) at each depth; the outer ring at 12 = 15 - R
    touches the pocket walls."""
    b = ToolpathBuilder()
    b.rapid(0.0, 0.0, 15.0)
    for z in depths:
        b.rapid(0.5, 0.5, 12.0)
        b.feed(0.5, 0.5, z, 300.0)
        for h in sorted(halves):
            for x, y in ((h, -h), (h, h), (-h, h), (-h, -h), (h, -h)):
                b.feed(x, y, z, 1000.0)
        b.rapid(b.position[0], b.position[1], 15.0)  # type: ignore[index]
    if extra is not None:
        extra(b)
    return Program.single(TOOL, b.build(), clearance_z_mm=15.0, start_xyz=(0.0, 0.0, 15.0))


def test_correct_pocket_has_no_gouge_and_no_uncut(pocket_part) -> None:  # noqa: ANN001
    res = check(_pocket_program(), pocket_part, cell_mm=0.1)
    assert isinstance(res, CheckResult)
    assert res.gouge_count == 0 and res.gouges == []
    assert res.uncut_area_mm2 == 0.0 and res.uncut == []
    assert res.rapid_cuts == [] and res.ok
    assert res.designed_volume_mm3 == pytest.approx(30 * 30 * 5, rel=1e-9)
    # everything but the corner fillets is removed, and that is what the tool can reach
    assert res.removed_volume_mm3 == pytest.approx((900 - CORNERS) * 5, rel=2e-3)
    assert res.reachable_volume_mm3 == pytest.approx((900 - CORNERS) * 5, rel=2e-3)
    assert res.to_json()["reachable_volume_mm3"] == res.reachable_volume_mm3
    js = res.to_json()
    json.dumps(js)
    for key in ("gouge_count", "uncut_area_mm2", "removed_volume_mm3", "gouges", "uncut", "rapid_cuts"):
        assert key in js
    assert js["gouge_count"] == 0 and js["uncut_area_mm2"] == 0.0


def test_path_into_the_wall_is_a_gouge_at_the_wall(pocket_part) -> None:  # noqa: ANN001
    def into_wall(b: ToolpathBuilder) -> None:  # a pass 0.5 mm into the +x wall, 3 mm deep, y in [-5, 5]
        b.rapid(12.5, -5.0, 15.0)
        b.feed(12.5, -5.0, 7.0, 300.0)
        b.feed(12.5, 5.0, 7.0, 300.0)
        b.rapid(12.5, 5.0, 15.0)

    res = check(_pocket_program(extra=into_wall), pocket_part, cell_mm=0.1)
    assert res.gouge_count > 0 and len(res.gouges) == 1
    g = res.gouges[0]
    assert 15.0 < g.x_mm < 15.5 and -8.0 <= g.y_mm <= 8.0
    assert g.z_mm == pytest.approx(7.0) and g.depth_mm == pytest.approx(3.0)
    # the gouged cells are the 0.5 mm band of the wall swept by the tool: about 0.5 x (10 + 2 sqrt(R^2 - 2.5^2))
    band = 0.5 * 10.0 + 2 * (R * R * math.acos(2.5 / R) - 2.5 * math.sqrt(R * R - 2.5 * 2.5))
    assert g.area_mm2 == pytest.approx(band, rel=0.25)
    assert not res.ok


def test_path_grazing_the_wall_within_tolerance_is_not_a_gouge(pocket_part) -> None:  # noqa: ANN001
    def graze(b: ToolpathBuilder) -> None:  # 0.005 mm into the wall (inside the 0.02 mm xy tolerance)
        b.rapid(12.005, -5.0, 15.0)
        b.feed(12.005, -5.0, 5.0, 300.0)
        b.feed(12.005, 5.0, 5.0, 300.0)
        b.rapid(12.005, 5.0, 15.0)

    assert check(_pocket_program(extra=graze), pocket_part, cell_mm=0.1).gouge_count == 0


def test_too_deep_is_a_gouge_on_the_floor(pocket_part) -> None:  # noqa: ANN001
    res = check(_pocket_program(depths=(7.5, 4.9)), pocket_part, cell_mm=0.2)
    assert res.gouge_count * 0.04 == pytest.approx(900 - CORNERS, rel=0.02)
    assert len(res.gouges) == 1 and res.gouges[0].depth_mm == pytest.approx(0.1)
    # 0.05 mm too deep is inside the default 0.025 mm tolerance? no: it is a gouge; 0.01 is not
    assert check(_pocket_program(depths=(7.5, 4.99)), pocket_part, cell_mm=0.2).gouge_count == 0


def test_stopping_short_leaves_uncut_area(pocket_part) -> None:  # noqa: ANN001
    res = check(_pocket_program(depths=(7.5,)), pocket_part, cell_mm=0.2)
    assert res.gouge_count == 0
    # the whole reachable pocket floor is left 2.5 mm high (minus a cell-wide band at the walls)
    assert res.uncut_area_mm2 == pytest.approx(900 - CORNERS, rel=0.03)
    assert len(res.uncut) == 1 and res.uncut[0].depth_mm == pytest.approx(2.5)
    assert res.removed_volume_mm3 == pytest.approx((900 - CORNERS) * 2.5, rel=3e-3)
    # missing the outer ring leaves a band along the walls
    ring = check(_pocket_program(halves=(8.0, 4.0, 0.5)), pocket_part, cell_mm=0.2)
    band = 900 - 22 * 22 - CORNERS  # outside the square of half size 8 + R = 11
    assert band - 0.3 * 4 * 30 < ring.uncut_area_mm2 <= band  # less a 1.5-cell band along the walls


def test_uncut_on_floors_and_on_slopes() -> None:
    # a block whose top is a 30 mm wide flat floor (z = 5) and a 45 degree chamfer beside it: a program that does
    # not cut at all leaves both; only the flat is "on floors", and a program clearing the flat leaves the slope
    part = cq.Workplane().box(60, 40, 20).edges(">Z and >X").chamfer(8.0)
    stock = Stock.box(-30, -20, -10, 30, 20, 12)
    b = ToolpathBuilder()
    b.rapid(-35.0, -25.0, 15.0)
    nothing = Program.single(TOOL, b.build(), clearance_z_mm=15.0, start_xyz=(-35.0, -25.0, 15.0))
    res = check(nothing, part, stock=stock, cell_mm=0.25)
    assert res.uncut_area_mm2 == pytest.approx(60 * 40, rel=0.05)  # the whole top: 2 mm of stock above it
    assert res.uncut_floor_area_mm2 == pytest.approx(52 * 40, rel=0.05)  # the flat top (x up to 22), not the chamfer
    assert res.to_json()["uncut_floor_area_mm2"] == res.uncut_floor_area_mm2
    b = ToolpathBuilder()  # face the flat top at z = 10 (rows 5 mm apart, the tool 6 mm wide) and the stock over it
    b.rapid(-35.0, -22.0, 15.0)
    y = -22.0
    while y <= 22.0:
        b.feed(-35.0, y, 10.0, 1000.0)
        b.feed(35.0, y, 10.0, 1000.0)
        y += 5.0
    b.rapid(35.0, y - 5.0, 15.0)
    faced = Program.single(TOOL, b.build(), clearance_z_mm=15.0, start_xyz=(-35.0, -22.0, 15.0))
    res = check(faced, part, stock=stock, cell_mm=0.25)
    assert res.gouge_count == 0
    assert res.uncut_floor_area_mm2 < 1.0  # the flat is cleared
    assert res.uncut_area_mm2 > 0.8 * 8 * 40  # the material over the chamfer (z 2..10) is left, on a slope
    # a through hole left whole: its floor is the stock's bottom, reached by the tool
    holed = cq.Workplane().box(50, 50, 20).faces(">Z").workplane().rect(20, 20).cutThruAll()
    b = ToolpathBuilder()
    b.rapid(-35.0, -25.0, 15.0)
    empty = Program.single(TOOL, b.build(), clearance_z_mm=15.0, start_xyz=(-35.0, -25.0, 15.0))
    res = check(empty, holed, stock=Stock.box(-25, -25, -10, 25, 25, 10), cell_mm=0.25)
    assert 400 - CORNERS - 1.5 * 0.25 * 80 <= res.uncut_floor_area_mm2 <= 400 - CORNERS  # less a band at walls
    assert res.uncut_floor_area_mm2 == pytest.approx(res.uncut_area_mm2)


def test_rapid_through_material_is_reported(pocket_part) -> None:  # noqa: ANN001
    def dive(b: ToolpathBuilder) -> None:
        b.rapid(0.0, 0.0, 15.0)
        b.rapid(0.0, 0.0, 6.0)  # rapid down into the (already cleared to 5) pocket: air, fine
        b.rapid(0.0, 0.0, 15.0)
        b.rapid(20.0, 20.0, 15.0)
        b.rapid(20.0, 20.0, 9.0)  # rapid down into the top face: cuts 1 mm

    prog = _pocket_program(extra=dive)
    res = check(prog, pocket_part, cell_mm=0.2)
    n = len(prog.operations[0].toolpath)
    assert [c.move_index for c in res.rapid_cuts] == [n - 1]
    c = res.rapid_cuts[0]
    assert math.hypot(c.x_mm - 20.0, c.y_mm - 20.0) <= R and c.depth_mm == pytest.approx(1.0)
    assert res.gouge_count > 0  # it also cut into the part
    assert res.to_json()["rapid_cuts"][0]["move"] == n - 1


def test_step_file_and_height_field_inputs_agree(pocket_part, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "pocket.step"
    cq.exporters.export(pocket_part, str(path))
    prog = _pocket_program(depths=(7.5,))
    a = check(prog, str(path), cell_mm=0.25)
    b = check(prog, pocket_part, cell_mm=0.25)
    assert a.to_json() == b.to_json()
    stock = Stock.box(-25, -25, -10, 25, 25, 10)
    grid = HeightField.covering(-25, -25, 25, 25, 0.25)
    ph = part_heightfield(pocket_part, like=grid)
    c = check(prog, ph, stock=stock)
    assert c.uncut_area_mm2 == pytest.approx(b.uncut_area_mm2, rel=0.01)
    assert c.removed_volume_mm3 == pytest.approx(b.removed_volume_mm3, rel=1e-9)
    assert c.designed_volume_mm3 == pytest.approx(b.designed_volume_mm3, rel=1e-9)
    with pytest.raises(InputError, match="stock= or floor_mm="):
        check(prog, ph)


def test_through_hole_must_be_cut_to_the_stock_bottom() -> None:
    plate = cq.Workplane().box(30, 30, 6).faces(">Z").workplane().hole(16.0)  # z -3..3, hole r 8 at the origin

    def helix_down(z_end: float) -> Program:
        b = ToolpathBuilder()
        b.rapid(5.0, 0.0, 5.0)
        b.feed(5.0, 0.0, 3.0, 300.0)
        z = 3.0
        while z > z_end + 1e-9:
            z = max(z - 1.0, z_end)
            b.arc(5.0, 0.0, z, 0.0, 0.0, cw=False, feed_mm_min=600.0)
        b.arc(5.0, 0.0, z_end, 0.0, 0.0, cw=False, feed_mm_min=600.0)
        b.feed(0.0, 0.0, z_end, 600.0)  # the core (radius 5 - R = 2) left inside the helix
        b.rapid(0.0, 0.0, 5.0)
        return Program.single(TOOL, b.build(), clearance_z_mm=5.0, start_xyz=(0.0, 0.0, 5.0))

    through = check(helix_down(-3.5), plate, cell_mm=0.1)
    assert through.gouge_count == 0 and through.uncut_area_mm2 == 0.0
    # the tool's path (radius 5 + R = 8) clears exactly the hole: the volume is the hole's
    assert through.removed_volume_mm3 == pytest.approx(math.pi * 64 * 6, rel=5e-3)
    assert through.designed_volume_mm3 == pytest.approx(math.pi * 64 * 6, rel=5e-3)
    short = check(helix_down(-2.0), plate, cell_mm=0.1)
    assert short.gouge_count == 0
    # the hole's area less the 1.5-cell band along its wall and up to half a cell the discrete reach keeps off it
    assert math.pi * (8 - 0.2) ** 2 * 0.99 <= short.uncut_area_mm2 <= math.pi * 64
    assert short.uncut[0].depth_mm == pytest.approx(1.0)


def test_reachable_volume_leaves_out_holes_narrower_than_the_tool() -> None:
    # a 4 mm hole through a 6 mm plate, beside a 10 mm one, and a 6 mm tool: the small hole is designed
    # volume the tool cannot reach; the large one it reaches but for nothing (a flat end mill reaches a hole
    # wider than itself to its bottom)
    plate = (cq.Workplane().box(40, 20, 6).faces(">Z").workplane()
             .pushPoints([(-10, 0)]).hole(4.0).faces(">Z").workplane().pushPoints([(10, 0)]).hole(10.0))
    b = ToolpathBuilder()
    b.rapid(0.0, 0.0, 10.0)
    prog = Program.single(TOOL, b.build(), clearance_z_mm=10.0, start_xyz=(0.0, 0.0, 10.0))
    res = check(prog, plate, cell_mm=0.1)
    small, large = math.pi * 4 * 6, math.pi * 25 * 6
    assert res.designed_volume_mm3 == pytest.approx(small + large, rel=0.02)
    assert res.reachable_volume_mm3 == pytest.approx(large, rel=0.03)
    assert res.removed_volume_mm3 == 0.0


def test_check_input_errors(pocket_part) -> None:  # noqa: ANN001
    tp = _pocket_program().operations[0].toolpath
    with pytest.raises(InputError, match="needs a tool"):
        check(tp, pocket_part)
    with pytest.raises(InputError, match="Program or a Toolpath"):
        check("G0 X0", pocket_part)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="part must be"):
        check(tp, 3.0, TOOL)
    with pytest.raises(InputError, match="max_locations"):
        check(tp, pocket_part, TOOL, max_locations=-1)
    with pytest.raises(InputError, match="nothing to check"):
        check(Program(()), pocket_part)
    res = check(Toolpath.empty(), pocket_part, TOOL, cell_mm=0.5)
    assert res.removed_volume_mm3 == 0.0 and res.gouge_count == 0
    # all the reachable floor, less the 1.5-cell band along the walls where discretisation is forgiven (and up to
    # half a cell the discrete reach keeps off the walls)
    assert (30 - 2 * (0.5 + 0.25)) ** 2 - CORNERS - 1 <= res.uncut_area_mm2 <= 900 - CORNERS


def test_default_cell() -> None:
    assert default_cell_mm(100.0, 50.0, 3.0) == pytest.approx(0.1)
    assert default_cell_mm(10.0, 10.0, 3.0) == pytest.approx(0.05)
    assert default_cell_mm(1000.0, 100.0, 1.0) == pytest.approx(0.25)
    # a tiny tool on a big part: the grid is capped at max_cells
    cell = default_cell_mm(1000.0, 800.0, 0.1)
    assert (1000.0 / cell) * (800.0 / cell) == pytest.approx(20_000_000, rel=1e-9)
