"""Tests of sim.compare: every row against direct calls of mill / cycle_time / check, and path figures
against a hand-made program whose answer is known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from sim import cycle_time, load_machine
from sim.check import check
from sim.compare import (
    FAIR_SLOT_DEPTH,
    MOVE_CUT,
    MOVE_LINK,
    MOVE_PLUNGE,
    MOVE_RAPID,
    compare,
    fair_stepdown_mm,
    level_engagement,
    path_figures,
)
from sim.stock import HeightField, simulate
from toolpath import InputError, Pocket, Program, Stock, Tool, ToolpathBuilder
from toolpath.cli import main
from toolpath.job import STRATEGIES, mill
from toolpath.strategies.adaptive import AdaptiveParams, plan_adaptive_2d

cq = pytest.importorskip("cadquery")

TOOL = Tool.flat(6.0)
CELL = 0.2
MACHINE = "grbl-router"
POCKET = (24.0, 16.0, 5.0)  # x, y, depth of the one pocket, mm


def _part():  # noqa: ANN202
    w, h, d = POCKET
    body = cq.Workplane("XY").box(40, 30, 10, centered=False)
    return body.cut(cq.Workplane("XY").workplane(offset=10 - d).center(20, 15).rect(w, h).extrude(d + 1))


def _adaptive_corner_mm() -> float:
    """The corner radius adaptive's finishing loop keeps in this test's pocket, from its plan, mm."""
    w, h, d = POCKET
    pocket = Pocket(shapely.box(20 - w / 2, 15 - h / 2, 20 + w / 2, 15 + h / 2), 10.0, 10.0 - d)
    params = AdaptiveParams(stepdown_mm=d, stepover_mm=0.4 * TOOL.diameter_mm)
    rho = plan_adaptive_2d(pocket, TOOL, params).finish_corner_radius_mm
    assert 0.0 < rho < 0.2 * TOOL.radius_mm
    return rho


@pytest.fixture(scope="module")
def part():  # noqa: ANN201
    return _part()


@pytest.fixture(scope="module")
def names() -> list[str]:
    return ["offset", "zigzag", "adaptive", "spiral-of-doom"]


@pytest.fixture(scope="module")
def comparison(part, names):  # noqa: ANN001, ANN201
    return compare(part, names, TOOL, MACHINE, stepover="40%", cell_mm=CELL, engagement=False)


def test_each_row_is_what_the_direct_calls_give(part, names, comparison) -> None:  # noqa: ANN001
    m = load_machine(MACHINE)
    assert [r.strategy for r in comparison.runs] == names
    ran = 0
    for run in comparison.runs:
        if STRATEGIES.get(run.strategy) is None:
            assert not run.ok and run.error
            assert ("not available" in run.error) or ("unknown strategy" in run.error)
            continue
        assert run.ok, run.error
        ran += 1
        f = run.figures
        # a fresh solid: once tessellated (by the check), OCC grows a shape's bounding box by ~1e-7 mm, and
        # the stock (from that box) moves with it
        fresh = _part()
        direct = mill(fresh, TOOL, strategy=run.strategy, stepover="40%")
        prog = direct.program
        assert np.array_equal(run.program.toolpath.kind, prog.toolpath.kind)
        assert_allclose(run.program.toolpath.xyz, prog.toolpath.xyz, atol=1e-5)
        ct = cycle_time(prog, m)
        assert f["cycle_time_s"] == pytest.approx(ct.cycle_time_s, rel=1e-6)
        assert f["naive_time_s"] == pytest.approx(ct.naive_time_s, rel=1e-6)
        chk = check(prog, fresh, TOOL, stock=direct.stock, cell_mm=CELL)
        assert f["gouge_count"] == chk.gouge_count == 0
        assert f["uncut_area_mm2"] == pytest.approx(chk.uncut_area_mm2, abs=4 * CELL * CELL)
        assert f["removed_volume_mm3"] == pytest.approx(chk.removed_volume_mm3, rel=1e-6)
        assert f["designed_volume_mm3"] == pytest.approx(chk.designed_volume_mm3, rel=1e-6)
        assert f["reachable_volume_mm3"] == pytest.approx(chk.reachable_volume_mm3, rel=1e-6)
        tp, start = prog.toolpath, prog.start_xyz
        assert f["path_length_mm"] == pytest.approx(prog.length_mm(), rel=1e-6)
        assert f["cutting_length_mm"] == pytest.approx(tp.cutting_length_mm(start), rel=1e-6)
        assert f["rapid_length_mm"] == pytest.approx(tp.rapid_length_mm(start), rel=1e-6)
        assert f["moves"] == prog.moves()
        assert f["link_length_mm"] + f["engaged_length_mm"] == pytest.approx(f["cutting_length_mm"])
        assert 0.0 <= f["air_cut_share"] < 1.0
        assert f["generation_time_s"] > 0 and f["mill_time_s"] >= f["generation_time_s"]
        # the pocket's four corners of radius R stay (the part has sharp corners): designed minus them; adaptive's
        # last finishing loop rounds its inside corners by rho (engagement <= 90 deg there): corners R + rho
        w, h, d = POCKET
        r = TOOL.radius_mm + (_adaptive_corner_mm() if run.strategy == "adaptive" else 0.0)
        assert f["designed_volume_mm3"] == pytest.approx(w * h * d, rel=1e-6)
        assert f["removed_volume_mm3"] == pytest.approx(w * h * d - 4 * (1 - math.pi / 4) * r * r * d, rel=5e-3)
    assert ran >= 1


def test_json_has_one_object_per_strategy_with_units_in_keys(comparison, names) -> None:  # noqa: ANN001
    data = comparison.to_json()
    text = json.dumps(data, allow_nan=False)  # no NaN/inf: valid JSON
    assert json.loads(text)["strategies"].keys() == set(names)
    base = data["baseline"]
    assert base == next(r.strategy for r in comparison.runs if r.ok)
    assert data["strategies"][base]["cycle_time_vs_baseline_pct"] == 0.0
    keys = {"cycle_time_s", "naive_time_s", "path_length_mm", "cutting_length_mm", "rapid_length_mm", "moves",
            "generation_time_s", "gouge_count", "uncut_area_mm2", "removed_volume_mm3", "max_engagement_deg",
            "mean_engagement_deg", "link_length_mm", "air_cut_share", "mean_mrr_mm3_min"}
    assert keys <= data["strategies"][base].keys()
    assert data["strategies"]["spiral-of-doom"]["error"].startswith("unknown strategy")
    assert data["strategies"][base]["max_engagement_deg"] is None  # engagement=False


# ------------------------------------------------------------------------------------------- path figures
def _slot_twice() -> tuple[Program, Stock]:
    """Plunge, a slot 40 mm along x at 2 mm deep, back along the same slot (in air), out."""
    b = ToolpathBuilder()
    b.rapid(10.0, 20.0, 12.0)
    b.feed(10.0, 20.0, 8.0, 200.0)
    b.feed(50.0, 20.0, 8.0, 1200.0)
    b.feed(10.0, 20.0, 8.0, 1200.0)
    b.rapid(10.0, 20.0, 12.0)
    prog = Program.single(TOOL, b.build(), start_xyz=(0.0, 0.0, 12.0), spindle_rpm=0.0)
    return prog, Stock.box(0.0, 0.0, 0.0, 60.0, 40.0, 10.0)


def test_path_figures_of_a_slot_cut_twice() -> None:
    prog, stock = _slot_twice()
    res = simulate(prog, None, HeightField.from_stock(stock, CELL / 2))
    ct = cycle_time(prog, MACHINE)
    figs, cls = path_figures(prog, res.removed_per_move_mm3, CELL / 2, ct.move_time_s)
    assert cls.tolist() == [MOVE_RAPID, MOVE_PLUNGE, MOVE_CUT, MOVE_LINK, MOVE_RAPID]
    assert figs["cutting_length_mm"] == pytest.approx(4.0 + 40.0 + 40.0)
    assert figs["link_length_mm"] == pytest.approx(40.0)
    assert figs["air_cut_share"] == pytest.approx(40.0 / 84.0)
    assert figs["rapid_length_mm"] == pytest.approx(math.hypot(10.0, 20.0) + 4.0)
    assert figs["air_cut_time_s"] == pytest.approx(ct.move_time_s[3])
    stadium = (40.0 * 6.0 + math.pi * 9.0) * 2.0  # mm3
    assert res.removed_volume_mm3 == pytest.approx(stadium, rel=5e-3)
    assert figs["mean_mrr_mm3_min"] == pytest.approx(res.removed_volume_mm3 / ct.move_time_s[1:3].sum() * 60.0)
    slot_rate = res.removed_per_move_mm3[2] / ct.move_time_s[2] * 60.0
    plunge_rate = res.removed_per_move_mm3[1] / ct.move_time_s[1] * 60.0
    assert figs["peak_mrr_mm3_min"] == pytest.approx(max(slot_rate, plunge_rate))
    with pytest.raises(InputError, match="entries"):
        path_figures(prog, np.zeros(3), CELL, ct.move_time_s)


# ------------------------------------------------------------------------------------------- fair mode
def test_fair_stepdown_rule() -> None:
    d = TOOL.diameter_mm
    assert fair_stepdown_mm(TOOL, 180.0) == pytest.approx(FAIR_SLOT_DEPTH * d)  # a slot: half the diameter
    assert fair_stepdown_mm(TOOL, 90.0) == pytest.approx(FAIR_SLOT_DEPTH * d * d / TOOL.radius_mm)
    assert fair_stepdown_mm(TOOL, 0.0) == TOOL.flute_length_mm
    assert fair_stepdown_mm(TOOL, 10.0) == TOOL.flute_length_mm  # light cut: the whole flute
    with pytest.raises(InputError, match="max_engagement_deg"):
        fair_stepdown_mm(TOOL, -1.0)


def test_fair_mode_without_engagement_is_refused(part) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="engagement"):
        compare(part, ["offset"], TOOL, MACHINE, fair=True, cell_mm=CELL, engagement=False)


def _as_slot(program: Program, tool: Tool, pockets: list) -> np.ndarray:
    """Every cutting move counted as a full slot (the most cautious engagement)."""
    k = program.toolpath.kind
    return np.where(k == 0, np.nan, 180.0)


def test_fair_mode_applies_the_rule_to_the_measured_engagement(part) -> None:  # noqa: ANN001
    c = compare(part, ["offset"], TOOL, MACHINE, fair=True, cell_mm=CELL, engagement=_as_slot)
    run = c["offset"]
    f = run.figures
    assert f["fair_trial_max_engagement_deg"] == 180.0
    assert f["stepdown_mm"] == f["fair_stepdown_mm"] == pytest.approx(TOOL.radius_mm)
    direct = mill(part, TOOL, strategy="offset", stepdown_mm=TOOL.radius_mm)
    assert np.array_equal(run.program.toolpath.kind, direct.program.toolpath.kind)
    assert_allclose(run.program.toolpath.xyz, direct.program.toolpath.xyz, atol=1e-5)
    # at 180 degrees everywhere the chip is the programmed one: the schedule changes no cutting feed
    assert f["max_engagement_deg"] == f["p95_engagement_deg"] == 180.0
    assert f["mean_engagement_deg"] == pytest.approx(180.0, rel=1e-12)  # a length-weighted mean: rounding
    assert_allclose(run.feeds.feed_mm_min, direct.program.toolpath.feed, equal_nan=True)
    assert f["fair_cycle_time_s"] == pytest.approx(cycle_time(direct.program, MACHINE).cycle_time_s, rel=1e-6)
    assert c.to_json()["fair_rule"]


# ------------------------------------------------------------------------------------------- command line
def test_cli_compare_writes_json_and_html(tmp_path, comparison) -> None:  # noqa: ANN001
    step = tmp_path / "pocket.step"
    cq.exporters.export(_part(), str(step))
    j, h = tmp_path / "c.json", tmp_path / "c.html"
    rc = main(["compare", str(step), "--strategies", "offset,spiral-of-doom", "--tool", "6", "--machine", MACHINE,
               "--cell", str(CELL), "--json", str(j), "--html", str(h)])
    assert rc == 0
    data = json.loads(j.read_text())
    assert list(data["strategies"]) == ["offset", "spiral-of-doom"]
    got, want = data["strategies"]["offset"], comparison["offset"].figures
    for k in ("moves", "gouge_count"):
        assert got[k] == want[k]
    for k in ("cycle_time_s", "path_length_mm", "removed_volume_mm3", "link_length_mm"):
        assert got[k] == pytest.approx(want[k], rel=1e-3)  # STEP round trip vs the solid itself
    text = h.read_text()
    assert text.count('src="data:image/png;base64,') == 4  # cycle-time bars + paths, histogram, velocity


def test_cli_compare_with_no_runnable_strategy_exits_2(tmp_path, capsys) -> None:  # noqa: ANN001
    step = tmp_path / "pocket.step"
    cq.exporters.export(_part(), str(step))
    j = tmp_path / "c.json"
    rc = main(["compare", str(step), "--strategies", "spiral-of-doom", "--json", str(j)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "spiral-of-doom" in err and len(err.strip().splitlines()) == 1
    assert not j.exists()


def test_a_failing_strategy_is_a_row_not_a_crash(part) -> None:  # noqa: ANN001
    c = compare(part, ["offset"], TOOL, MACHINE, cell_mm=CELL, engagement=False, mill_options={"offset": {"bogus": 1}})
    assert not c["offset"].ok and c["offset"].error.startswith("TypeError")
    assert c.baseline is None and c.to_json()["baseline"] is None


# ------------------------------------------------------------------------------------------- engagement
def test_level_engagement_of_slots_and_side_cuts() -> None:
    """A slot into fresh material is 180 deg, a side cut of ae is arccos(1 - ae/R), a retrace is ~0, the second
    level is a new layer; plunges, ramps and rapids are not measured."""
    pytest.importorskip("sim.engagement")
    r = TOOL.radius_mm
    ae = 1.5
    b = ToolpathBuilder()
    b.rapid(5.0, 20.0, 12.0)
    b.feed(5.0, 20.0, 8.0, 300.0)  # 1 plunge
    b.feed(55.0, 20.0, 8.0, 1000.0)  # 2 slot
    b.feed(50.0, 20.0 + ae, 8.0, 1000.0)  # 3 step over
    b.feed(10.0, 20.0 + ae, 8.0, 1000.0)  # 4 side cut, within the straight part of the slot
    b.feed(50.0, 20.0 + ae, 8.0, 1000.0)  # 5 back along the side cut: air
    b.rapid(50.0, 20.0 + ae, 12.0)  # 6
    b.rapid(10.0, 32.0, 12.0)  # 7 across, above the material
    b.feed(50.0, 32.0, 6.0, 1000.0)  # 8 ramp down
    b.feed(10.0, 32.0, 6.0, 1000.0)  # 9 slot at a second level, in fresh material
    b.feed(10.0, 20.0, 5.0, 1000.0)  # 10 ramp
    b.feed(50.0, 20.0, 5.0, 1000.0)  # 11 slot under the first: a new layer
    prog = Program.single(TOOL, b.build(), start_xyz=(0.0, 0.0, 12.0), spindle_rpm=0.0)
    pocket = Pocket(shapely.box(0.0, 0.0, 60.0, 40.0), z_top_mm=10.0, z_bottom_mm=0.0)
    eng = level_engagement(prog, TOOL, [pocket])
    assert np.isnan(eng[[0, 1, 6, 7, 8, 10]]).all()
    assert eng[2] == pytest.approx(180.0, abs=1.0)
    assert eng[4] == pytest.approx(math.degrees(math.acos(1.0 - ae / r)), abs=2.0)
    # retracing a cut: the circle is tangent to the cleared band, and the raster cells within a cell of it
    # (R / 50) still count for a few degrees on each side of the tangent points
    assert 0.0 <= eng[5] < 12.0
    assert eng[9] == pytest.approx(180.0, abs=1.0)
    assert eng[11] == pytest.approx(180.0, abs=1.0)
    # no pocket at a level: nothing measured there
    shallow = Pocket(shapely.box(0.0, 0.0, 60.0, 40.0), z_top_mm=10.0, z_bottom_mm=7.0)
    eng2 = level_engagement(prog, TOOL, [shallow])
    assert np.isnan(eng2[[9, 11]]).all() and eng2[2] == pytest.approx(180.0, abs=1.0)


def test_compare_fills_engagement_columns_when_measured(part) -> None:  # noqa: ANN001
    pytest.importorskip("sim.engagement")
    c = compare(part, ["offset"], TOOL, MACHINE, cell_mm=CELL)
    run = c["offset"]
    f = run.figures
    direct = level_engagement(run.program, TOOL, run.mill.pockets)
    assert_allclose(run.engagement_deg, direct, equal_nan=True)
    sel = np.isfinite(direct) & ((run.move_class == MOVE_CUT) | (run.move_class == MOVE_PLUNGE))
    assert f["max_engagement_deg"] == pytest.approx(direct[sel].max())
    assert f["p95_engagement_deg"] <= f["max_engagement_deg"]
    assert 0.0 < f["mean_engagement_deg"] <= f["p95_engagement_deg"]
    # the offset path's first loop at each level is a full slot
    assert f["max_engagement_deg"] == pytest.approx(180.0, abs=1.0)
    assert f["scheduled_cycle_time_s"] == pytest.approx(run.feeds.cycle_time_after_s)
    assert f["scheduled_cycle_time_s"] <= f["cycle_time_s"]
