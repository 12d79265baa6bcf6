"""DXF drawings: areas against analytic values, units, layers, blocks, errors named, the corpus, and mill end to end."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import ezdxf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parts_for_tests import check_against_regions
from shapely.geometry import MultiPolygon, Polygon
from shared_paths import CORPUS as SHARED_CORPUS

from toolpath import FileFormatError, GeometryError
from toolpath.geometry.dxf import dxf_curves, read_dxf

CORPUS = SHARED_CORPUS / "dxf"
TOL = 0.01


def save(doc, tmp_path: Path, name: str = "drawing.dxf") -> Path:
    path = tmp_path / name
    doc.saveas(path)
    return path


def new_doc(units: int = 4):
    doc = ezdxf.new("R2010", units=units)
    return doc, doc.modelspace()


def circle_bounds(r: float, tol: float = TOL) -> tuple[float, float]:
    """Area of a circle flattened by inscribed chords within ``tol``: between πr² - tol·2πr and πr²."""
    return math.pi * r * r - tol * 2 * math.pi * r, math.pi * r * r


# ---------------------------------------------------------------------------------------------------
# entities, against analytic areas
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("r", [0.5, 7.0, 250.0])
def test_circle_area_within_the_flattening_tolerance(tmp_path, r):
    doc, msp = new_doc()
    msp.add_circle((3.0, -4.0), r)
    (region,) = read_dxf(save(doc, tmp_path))
    lo, hi = circle_bounds(r)
    assert lo <= region.area <= hi
    xy = np.asarray(region.exterior.coords)
    assert np.allclose(np.hypot(xy[:, 0] - 3.0, xy[:, 1] + 4.0), r, atol=1e-9)


def test_rectangle_with_a_round_hole(tmp_path):
    doc, msp = new_doc()
    msp.add_lwpolyline([(0, 0), (60, 0), (60, 40), (0, 40)], close=True)
    msp.add_circle((30, 20), 8)
    (region,) = read_dxf(save(doc, tmp_path))
    assert len(region.interiors) == 1
    lo, hi = circle_bounds(8)
    assert 2400 - hi <= region.area <= 2400 - lo
    assert region.exterior.is_ccw


def test_lwpolyline_bulges_make_a_slot(tmp_path):
    # a stadium: two straight sides 30 long joined by half circles of radius 5 (bulge 1 = 180 deg)
    doc, msp = new_doc()
    msp.add_lwpolyline([(0, 0, 0), (30, 0, 1), (30, 10, 0), (0, 10, 1)], format="xyb", close=True)
    (region,) = read_dxf(save(doc, tmp_path))
    lo, hi = circle_bounds(5)
    assert 300 + lo <= region.area <= 300 + hi
    x0, y0, x1, y1 = region.bounds
    assert (x0, x1) == (pytest.approx(-5, abs=TOL), pytest.approx(35, abs=TOL))
    assert (y0, y1) == (pytest.approx(0), pytest.approx(10))


def test_polyline2d_bulge_quarter_arcs(tmp_path):
    # a square 20 x 20 with one corner replaced by a quarter arc of radius 10 (bulge tan(90/4))
    b = math.tan(math.radians(90) / 4)
    doc, msp = new_doc()
    msp.add_polyline2d([(0, 0, 0), (20, 0, 0), (20, 10, b), (10, 20, 0), (0, 20, 0)], format="xyb", close=True)
    (region,) = read_dxf(save(doc, tmp_path))
    exact = 400 - 100 + math.pi * 100 / 4
    assert exact - TOL * math.pi * 10 / 2 <= region.area <= exact


def test_arcs_and_lines_chain_into_a_d_shape(tmp_path):
    doc, msp = new_doc()
    msp.add_line((0, -10), (0, 10))
    msp.add_arc((0, 0), 10, -90, 90)  # the right half, counter-clockwise from -90 to 90 deg
    (region,) = read_dxf(save(doc, tmp_path))
    lo, hi = circle_bounds(10)
    assert lo / 2 <= region.area <= hi / 2
    assert region.bounds[2] == pytest.approx(10)


def test_arc_across_zero_degrees_and_mirrored_ocs(tmp_path):
    doc, msp = new_doc()
    # extrusion (0, 0, -1): OCS x is -WCS x, so an arc centred at OCS (5, 0) is centred at WCS (-5, 0)
    msp.add_arc((5, 0), 2, 270, 90, dxfattribs={"extrusion": (0, 0, -1)})
    msp.add_line((-5, 2), (-5, -2))
    (region,) = read_dxf(save(doc, tmp_path))
    lo, hi = circle_bounds(2)
    assert lo / 2 <= region.area <= hi / 2
    x0, y0, x1, y1 = region.bounds
    assert x0 == pytest.approx(-7) and x1 == pytest.approx(-5)


def test_ellipse_area_and_vertices(tmp_path):
    a, b = 20.0, 8.0
    doc, msp = new_doc()
    msp.add_ellipse((10, 5), major_axis=(a * math.cos(0.5), a * math.sin(0.5)), ratio=b / a)
    (region,) = read_dxf(save(doc, tmp_path))
    perimeter = math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))  # Ramanujan
    assert math.pi * a * b - TOL * perimeter <= region.area <= math.pi * a * b
    # every vertex on the ellipse: rotate back and check (x/a)² + (y/b)² = 1
    xy = np.asarray(region.exterior.coords) - (10, 5)
    c, s = math.cos(-0.5), math.sin(-0.5)
    u, v = c * xy[:, 0] - s * xy[:, 1], s * xy[:, 0] + c * xy[:, 1]
    assert np.allclose((u / a) ** 2 + (v / b) ** 2, 1.0, atol=1e-9)


def test_half_ellipse_closed_by_a_line(tmp_path):
    doc, msp = new_doc()
    msp.add_ellipse((0, 0), major_axis=(10, 0), ratio=0.5, start_param=0, end_param=math.pi)
    msp.add_line((-10, 0), (10, 0))
    (region,) = read_dxf(save(doc, tmp_path))
    assert region.area == pytest.approx(math.pi * 10 * 5 / 2, abs=TOL * 25)


def test_spline_against_an_independent_bspline_evaluation(tmp_path):
    from scipy.interpolate import BSpline

    ctrl = [(0, 0), (10, 15), (25, 18), (40, 5), (50, 0)]
    doc, msp = new_doc()
    spline = msp.add_open_spline(ctrl, degree=3)
    msp.add_line((50, 0), (0, 0))
    path = save(doc, tmp_path)
    (region,) = read_dxf(path)
    knots = np.asarray(list(spline.knots), dtype=float)
    bs = BSpline(knots, np.asarray(ctrl, dtype=float), 3)
    t = np.linspace(knots[3], knots[-4], 20001)
    dense = bs(t)
    reference = Polygon(np.vstack([dense, dense[:1]]))
    length = float(np.hypot(*np.diff(dense, axis=0).T).sum())
    assert abs(region.area - reference.area) <= TOL * length
    assert region.hausdorff_distance(reference) <= 2 * TOL


# ---------------------------------------------------------------------------------------------------
# units, layers, blocks
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("units", "mm"), [(1, 25.4), (2, 304.8), (4, 1.0), (5, 10.0), (6, 1000.0), (0, 1.0)])
def test_insunits_convert_to_mm(tmp_path, units, mm):
    doc, msp = new_doc(units)
    msp.add_lwpolyline([(0, 0), (2, 0), (2, 1), (0, 1)], close=True)
    (region,) = read_dxf(save(doc, tmp_path))
    assert region.area == pytest.approx(2 * mm * mm, rel=1e-12)
    assert region.bounds == pytest.approx((0, 0, 2 * mm, mm))


def test_inch_circle_flattened_to_the_tolerance_in_mm(tmp_path):
    doc, msp = new_doc(1)
    msp.add_circle((0, 0), 1.0)  # 1 inch radius
    (region,) = read_dxf(save(doc, tmp_path), tolerance_mm=0.001)
    lo, hi = circle_bounds(25.4, 0.001)
    assert lo <= region.area <= hi


def test_unknown_insunits_are_refused(tmp_path):
    doc, msp = new_doc()
    msp.add_circle((0, 0), 1.0)
    doc.header["$INSUNITS"] = 99
    with pytest.raises(FileFormatError, match="INSUNITS 99"):
        read_dxf(save(doc, tmp_path))


def test_layer_filters(tmp_path):
    doc, msp = new_doc()
    doc.layers.add("CUT")
    doc.layers.add("Notes")
    msp.add_circle((0, 0), 5, dxfattribs={"layer": "CUT"})
    msp.add_circle((20, 0), 3, dxfattribs={"layer": "Notes"})
    msp.add_line((0, 0), (1, 1), dxfattribs={"layer": "Notes"})  # a loose line: a gap if read
    path = save(doc, tmp_path)
    with pytest.raises(GeometryError, match="gap"):
        read_dxf(path)
    (only,) = read_dxf(path, layers=["cut"])  # layer names are case-insensitive
    assert only.centroid.x == pytest.approx(0, abs=1e-9)
    (kept,) = read_dxf(path, exclude_layers="NOTES")
    assert kept.area == pytest.approx(only.area)
    with pytest.raises(FileFormatError, match="no LINE.*on layers"):
        read_dxf(path, layers=["missing"])


def test_blocks_placed_by_insert_are_transformed(tmp_path):
    doc, msp = new_doc()
    blk = doc.blocks.new("TAB")
    blk.add_lwpolyline([(0, 0), (4, 0), (4, 2), (0, 2)], close=True)
    blk.add_circle((1, 1), 0.5)
    msp.add_blockref("TAB", (100, 50), dxfattribs={"xscale": 2.0, "yscale": 2.0, "rotation": 90})
    msp.add_blockref("TAB", (0, 0), dxfattribs={"xscale": 3.0, "yscale": 1.0})  # non-uniform: the circle is an ellipse
    regions = read_dxf(save(doc, tmp_path))
    assert len(regions) == 2
    rotated = min(regions, key=lambda p: abs(p.centroid.x - 100) + abs(p.centroid.y - 50))
    assert rotated.bounds == pytest.approx((96, 50, 100, 58))
    lo, hi = circle_bounds(1.0)
    assert 32 - hi <= rotated.area <= 32 - lo
    stretched = [p for p in regions if p is not rotated][0]
    assert stretched.bounds == pytest.approx((0, 0, 12, 2))
    assert stretched.area == pytest.approx(24 - math.pi * 1.5 * 0.5, abs=TOL * 7)


def test_block_entities_on_layer_0_take_the_insert_layer_and_annotation_is_ignored(tmp_path):
    doc, msp = new_doc()
    doc.layers.add("CUT")
    blk = doc.blocks.new("HOLE")
    blk.add_circle((0, 0), 2)  # layer 0: takes the layer of each INSERT
    msp.add_blockref("HOLE", (10, 10), dxfattribs={"layer": "CUT"})
    msp.add_blockref("HOLE", (30, 10), dxfattribs={"layer": "OTHER"})
    msp.add_lwpolyline([(0, 0), (40, 0), (40, 20), (0, 20)], close=True, dxfattribs={"layer": "CUT"})
    dim = msp.add_linear_dim(base=(0, -5), p1=(0, 0), p2=(40, 0), dxfattribs={"layer": "CUT"})
    dim.render()
    msp.add_text("plate", dxfattribs={"layer": "CUT"})
    (region,) = read_dxf(save(doc, tmp_path), layers=["CUT"])
    assert len(region.interiors) == 1  # the hole inserted on CUT; the one on OTHER is filtered out
    assert Polygon(region.interiors[0]).centroid.x == pytest.approx(10, abs=1e-6)
    lo, hi = circle_bounds(2)
    assert 800 - hi <= region.area <= 800 - lo
    # without a layer filter the dimension's own lines (its block is on layer 0) are not read either
    (same,) = read_dxf(tmp_path / "drawing.dxf", exclude_layers=["OTHER"])
    assert same.area == pytest.approx(region.area)


def test_minsert_arrays(tmp_path):
    doc, msp = new_doc()
    blk = doc.blocks.new("SQ")
    blk.add_lwpolyline([(0, 0), (2, 0), (2, 2), (0, 2)], close=True)
    ref = msp.add_blockref("SQ", (0, 0))
    ref.grid(size=(2, 3), spacing=(5, 10))  # 2 rows (y, 5 apart) x 3 columns (x, 10 apart)
    regions = read_dxf(save(doc, tmp_path))
    assert len(regions) == 6
    assert sorted((round(p.bounds[0]), round(p.bounds[1])) for p in regions) == [
        (x, y) for x in (0, 10, 20) for y in (0, 5)
    ]


# ---------------------------------------------------------------------------------------------------
# errors named
# ---------------------------------------------------------------------------------------------------
def broken_outline(tmp_path: Path) -> Path:
    doc, msp = new_doc()
    msp.add_line((0, 0), (50, 0))
    msp.add_line((50, 0), (50, 30))
    msp.add_line((50, 30), (0, 30))
    msp.add_line((0, 30), (0, 0.25))  # 0.25 mm short of closing
    return save(doc, tmp_path, "broken.dxf")


def test_gap_is_named_with_its_coordinates(tmp_path):
    with pytest.raises(GeometryError) as exc:
        read_dxf(broken_outline(tmp_path))
    msg = str(exc.value)
    assert msg.startswith("broken.dxf: open contour: gap of 0.2500 mm")
    assert "(0.0000, 0.2500)" in msg and "(0.0000, 0.0000)" in msg
    assert "\n" not in msg
    # within a looser tolerance it closes
    (region,) = read_dxf(broken_outline(tmp_path), tolerance_mm=0.3)
    assert region.area == pytest.approx(1500, abs=0.3 * 30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(4, 30),
    factor=st.sampled_from([0.0, 0.2, 0.8, 1.3, 4.0, 100.0]),
    tol=st.sampled_from([0.005, 0.01, 0.05]),
)
def test_random_dxf_outline_with_a_gap_chains_below_and_fails_above(tmp_path, seed, n, factor, tol):
    rng = np.random.default_rng(seed)
    ang = (np.arange(n) + rng.uniform(0.05, 0.95, n)) * 2 * np.pi / n  # gaps < pi: a simple star-shaped outline
    rad = rng.uniform(10, 40, n)
    pts = np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    k = int(rng.integers(0, n))  # the joint at vertex k opens by factor * tol
    direction = rng.normal(size=2)
    direction /= np.hypot(*direction)
    gap = factor * tol
    doc, msp = new_doc()
    for i in range(n):
        a, b = pts[i].copy(), pts[(i + 1) % n].copy()
        if i == k:
            a = a + gap * direction
        if rng.random() < 0.5:
            msp.add_line(tuple(a), tuple(b))
        else:  # an open two-vertex LWPOLYLINE, either way round
            msp.add_lwpolyline([tuple(a), tuple(b)] if rng.random() < 0.5 else [tuple(b), tuple(a)])
    path = save(doc, tmp_path, f"outline_{seed}.dxf")
    if factor < 1.0:
        (region,) = read_dxf(path, tolerance_mm=tol)
        assert region.area == pytest.approx(Polygon(pts).area, abs=gap * 100 + 1e-6)
    else:
        with pytest.raises(GeometryError) as exc:
            read_dxf(path, tolerance_mm=tol)
        msg = str(exc.value)
        assert f"gap of {gap:.4f} mm" in msg
        named = sorted(re.findall(r"\((-?\d+\.\d+), (-?\d+\.\d+)\)", msg))
        expected = sorted([tuple(f"{v:.4f}" for v in pts[k]), tuple(f"{v:.4f}" for v in pts[k] + gap * direction)])
        assert len(named) == 2
        for (x, y), (ex, ey) in zip(named, expected, strict=True):
            assert abs(float(x) - float(ex)) <= 2e-4 and abs(float(y) - float(ey)) <= 2e-4


def test_self_intersection_is_named(tmp_path):
    doc, msp = new_doc()
    msp.add_lwpolyline([(0, 0), (10, 10), (10, 0), (0, 10)], close=True)
    with pytest.raises(GeometryError, match=re.escape("crosses itself at (5.0000, 5.0000)")):
        read_dxf(save(doc, tmp_path))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        read_dxf(tmp_path / "nope.dxf")
    bad = tmp_path / "bad.dxf"
    bad.write_text("this is not a drawing\n")
    with pytest.raises(FileFormatError, match="could not read DXF"):
        read_dxf(bad)
    doc, msp = new_doc()
    msp.add_text("hello")
    with pytest.raises(FileFormatError, match="TEXT x1"):
        read_dxf(save(doc, tmp_path))


# ---------------------------------------------------------------------------------------------------
# the corpus: every drawing loads, or fails with a one-line reason, each outcome deliberate
# ---------------------------------------------------------------------------------------------------
#: file -> (kwargs, expected: number of regions and of holes, or the start of the reason)
CORPUS_OUTCOMES: dict[str, tuple[dict, tuple[int, int] | str]] = {
    # a toolpath exported as DXF: its passes coincide in plan; the curves drawn twice and the loose lead
    # pieces along them are dropped, the tool-centre contours stay
    "autodeskcam_toolpath_led_floor_1007_R10.dxf": ({}, (2, 0)),
    "camotics_border_R12.dxf": ({}, (1, 0)),
    # the outline layer closes once its stray pieces over its edges are dropped; across layers, contours overlap
    "camotics_buildbotics_logo_R2007.dxf": ({}, "two contours overlap along a line at (39.1471, 13.7304)"),
    "camotics_lampshade_side_R2000.dxf": ({}, (1, 21)),
    "ezdxf_nesting_forms_R2018_ellipse.dxf": ({}, (23, 17)),
    "led_floor_top_cut_R14_spline.dxf": ({}, (4, 7)),
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(CORPUS_OUTCOMES))
def test_corpus_drawing_loads_or_fails_with_a_reason(name):
    kwargs, expected = CORPUS_OUTCOMES[name]
    path = CORPUS / name
    if isinstance(expected, str):
        with pytest.raises(GeometryError) as exc:
            read_dxf(path, **kwargs)
        msg = str(exc.value)
        assert msg.startswith(f"{name}: {expected}") and "\n" not in msg
        return
    regions = read_dxf(path, **kwargs)
    assert (len(regions), sum(len(p.interiors) for p in regions)) == expected
    assert all(p.is_valid and p.area > 0 for p in regions)
    # regions never overlap (they are faces of one nesting)
    assert MultiPolygon(regions).is_valid


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_logo_layers_load_without_the_open_outline():
    path = CORPUS / "camotics_buildbotics_logo_R2007.dxf"
    # each layer but the outline is closed on its own (across layers, some contours overlap)
    counts = {layer: len(read_dxf(path, layers=[layer])) for layer in ("Shadow", "Tools", "Head", "Ears", "Inside")}
    assert counts == {"Shadow": 6, "Tools": 3, "Head": 1, "Ears": 2, "Inside": 2}
    with pytest.raises(GeometryError, match="overlap along a line"):
        read_dxf(path, exclude_layers=["Outline"])
    # the outline: eight pieces (lines and arcs) closing a rounded square, plus three stray pieces lying on
    # its edges with a loose end; the strays are dropped
    outline = read_dxf(path, layers=["Outline"])
    assert len(outline) == 1 and not outline[0].interiors
    x0, y0, x1, y1 = outline[0].bounds
    assert (x1 - x0, y1 - y0) == pytest.approx((73.761, 73.685), abs=1e-3)
    assert outline[0].area == pytest.approx(73.761 * 73.685 - (4 - math.pi) * 18 ** 2, rel=1e-3)
    eyes = read_dxf(path, layers=["Eyes"])
    assert len(eyes) == 2
    # each eye is a circle: its area between the inscribed-chord bound and the true one
    for region in eyes:
        x0, y0, x1, y1 = region.bounds
        r = 0.25 * ((x1 - x0) + (y1 - y0))
        lo, hi = circle_bounds(r)
        assert lo - 1e-6 <= region.area <= hi + 1e-6
    assert len(dxf_curves(path, layers=["Eyes"])) == 2


# ---------------------------------------------------------------------------------------------------
# end to end: toolpath mill drawing.dxf --depth 3 --tool 3, checked by simulation
# ---------------------------------------------------------------------------------------------------
def plate_drawing(tmp_path: Path) -> Path:
    doc, msp = new_doc()
    # a plate with a half-round end (bulge), a round island, and a second, square pocket
    msp.add_lwpolyline([(0, 0, 0), (24, 0, 0), (24, 10, 1), (24, 18, 0), (0, 18, 0)], format="xyb", close=True)
    msp.add_circle((9, 9), 3)
    msp.add_lwpolyline([(36, 3), (48, 3), (48, 15), (36, 15)], close=True)
    return save(doc, tmp_path, "drawing.dxf")


def test_mill_drawing_end_to_end_checked_by_simulation(tmp_path, capsys):
    import gcode
    from toolpath.cli import main

    drawing = plate_drawing(tmp_path)
    out = tmp_path / "x.ngc"
    report = tmp_path / "x.json"
    assert main(["mill", str(drawing), "-o", str(out), "--depth", "3", "--tool", "3", "--json", str(report)]) == 0
    summary = capsys.readouterr().out
    assert "2 pockets, levels [-3.0] mm, 0 unreachable" in summary
    figures = json.loads(report.read_text())
    assert figures["levels_mm"] == [-3.0] and figures["unreachable"] == [] and figures["pockets"] == 2
    check_against_regions(gcode.read_program(out), read_dxf(drawing), 3.0, 3.0)


def layered_drawing(tmp_path: Path) -> Path:
    """A pocket with a round island on layer "Pocket", and on layer "Stock" a frame that crosses the pocket
    (a stock outline drawn over the part, as drawings often have): read together they cross."""
    doc, msp = new_doc()
    for name in ("Pocket", "Stock"):
        doc.layers.add(name)
    msp.add_lwpolyline([(0, 0), (30, 0), (30, 20), (0, 20)], close=True, dxfattribs={"layer": "Pocket"})
    msp.add_circle((10, 10), 3, dxfattribs={"layer": "Pocket"})
    msp.add_lwpolyline([(20, -5), (45, -5), (45, 25), (20, 25)], close=True, dxfattribs={"layer": "Stock"})
    return save(doc, tmp_path, "layered.dxf")


def test_crossing_contours_on_several_layers_name_the_layers(tmp_path):
    path = layered_drawing(tmp_path)
    with pytest.raises(GeometryError, match=r"cross.*2 layers, 'Pocket' \(2\), 'Stock' \(1\).*--layer NAME"):
        read_dxf(path)
    (pocket,) = read_dxf(path, layers="pocket")
    assert pocket.area == pytest.approx(600 - math.pi * 9, abs=TOL * 2 * math.pi * 3)
    (same,) = read_dxf(path, exclude_layers=["STOCK"])
    assert same.equals(pocket)
    # the same crossing on one layer names no layer
    doc, msp = new_doc()
    msp.add_lwpolyline([(0, 0), (30, 0), (30, 20), (0, 20)], close=True)
    msp.add_lwpolyline([(20, -5), (45, -5), (45, 25), (20, 25)], close=True)
    with pytest.raises(GeometryError, match="cross") as err:
        read_dxf(save(doc, tmp_path, "single.dxf"))
    assert "layer" not in str(err.value)


def test_mill_selects_layers_on_the_command_line_checked_by_simulation(tmp_path, capsys):
    import gcode
    from toolpath.cli import main

    path = layered_drawing(tmp_path)
    out = tmp_path / "x.ngc"
    assert main(["mill", str(path), "-o", str(out), "--depth", "2", "--tool", "3"]) == 2
    err = capsys.readouterr().err
    assert "'Pocket' (2), 'Stock' (1)" in err and "--layer" in err and not out.exists()
    assert main(["mill", str(path), "-o", str(out), "--depth", "2", "--tool", "3", "--layer", "Pocket"]) == 0
    check_against_regions(gcode.read_program(out), read_dxf(path, layers="Pocket"), 2.0, 3.0)
    # --exclude-layer A,B takes a list; a layer selection on anything but a DXF file is refused
    assert main(["mill", str(path), "-o", str(out), "--depth", "2", "--tool", "3",
                 "--exclude-layer", "stock,notes"]) == 0
    svg = tmp_path / "a.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm" viewBox="0 0 10 10">'
                   '<rect x="1" y="1" width="8" height="8"/></svg>')
    out2 = tmp_path / "y.ngc"
    assert main(["mill", str(svg), "-o", str(out2), "--depth", "1", "--layer", "Pocket"]) == 2
    err = capsys.readouterr().err
    assert "layers" in err and "a.svg" in err and not out2.exists()


def test_job_file_operations_select_layers(tmp_path):
    from toolpath import InputError
    from toolpath.jobfile import load_job, mill_job

    path = layered_drawing(tmp_path)
    job = tmp_path / "job.toml"
    text = (f'part = "{path.name}"\ndepth_mm = 2.0\n[tools.t3]\ndiameter_mm = 3.0\n'
            '[[operations]]\ntool = "t3"\nlayers = ["pocket"]\n')
    job.write_text(text)
    done = mill_job(load_job(job))
    check_against_regions(done.program, read_dxf(path, layers="Pocket"), 2.0, 3.0)
    job.write_text(text.replace('layers = ["pocket"]', "layers = []"))
    with pytest.raises(InputError, match=r"operations\[0\]\.layers must be a name or a list of names"):
        load_job(job)
    job.write_text(text.replace(path.name, "part.step").replace("depth_mm = 2.0\n", ""))
    (tmp_path / "part.step").write_text("ISO-10303-21;\n")
    with pytest.raises(InputError, match=r"operations\[0\]\.layers selects layers of a DXF or SVG drawing"):
        load_job(job)


def test_mill_broken_drawing_exits_2_naming_the_gap(tmp_path, capsys):
    from toolpath.cli import main

    out = tmp_path / "out.ngc"
    assert main(["mill", str(broken_outline(tmp_path)), "--depth", "3", "-o", str(out), "--tool", "6"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "gap of 0.2500 mm between" in err and "(0.0000, 0.2500)" in err and "(0.0000, 0.0000)" in err
    assert not out.exists()


def test_mill_drawing_without_depth_exits_2_naming_it(tmp_path, capsys):
    from toolpath.cli import main

    out = tmp_path / "out.ngc"
    assert main(["mill", str(plate_drawing(tmp_path)), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--depth" in err and "2D drawing" in err and err.count("\n") == 1
    assert not out.exists()
