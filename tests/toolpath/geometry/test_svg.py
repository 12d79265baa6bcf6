"""SVG drawings: units and viewBox, y flipped up, transforms, Béziers and arcs against analytic and numeric
references, fill rules, errors named, the corpus."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon, box
from shared_paths import CORPUS as SHARED_CORPUS

from toolpath import FileFormatError, GeometryError, InputError, Tool
from toolpath.geometry.svg import MM_PER_PX, read_svg

CORPUS = SHARED_CORPUS / "svg"
TOL = 0.01


def svg(tmp_path: Path, body: str, *, head: str = 'width="100mm" height="100mm" viewBox="0 0 100 100"',
        name: str = "drawing.svg") -> Path:
    path = tmp_path / name
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {head}>\n{body}\n</svg>\n')
    return path


def circle_bounds(r: float, tol: float = TOL) -> tuple[float, float]:
    return math.pi * r * r - tol * 2 * math.pi * r, math.pi * r * r


def named_points(message: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"\((-?\d+\.\d+), (-?\d+\.\d+)\)", message)]


# ---------------------------------------------------------------------------------------------------
# units, viewBox, y axis
# ---------------------------------------------------------------------------------------------------
def test_y_is_flipped_up_from_the_page_bottom(tmp_path):
    (region,) = read_svg(svg(tmp_path, '<rect x="10" y="0" width="20" height="10"/>'))
    assert region.bounds == pytest.approx((10, 90, 30, 100), rel=1e-5)
    assert region.exterior.is_ccw


@pytest.mark.parametrize(("head", "side", "mm"), [
    ('width="1in" height="1in" viewBox="0 0 1 1"', 1.0, 25.4),
    ('width="72pt" height="72pt" viewBox="0 0 72 72"', 72.0, 25.4),
    ('width="96" height="96"', 96.0, 25.4),  # unitless: CSS px, 96 to the inch
    ('width="200mm" height="200mm" viewBox="0 0 100 100"', 100.0, 200.0),  # the viewBox scales by 2
    ('width="5cm" height="5cm" viewBox="0 0 10 10"', 10.0, 50.0),
])
def test_units_and_viewbox_give_mm(tmp_path, head, side, mm):
    (region,) = read_svg(svg(tmp_path, f'<rect x="0" y="0" width="{side}" height="{side}"/>', head=head))
    assert region.area == pytest.approx(mm * mm, rel=1e-5)
    assert region.bounds == pytest.approx((0, 0, mm, mm), rel=1e-5, abs=1e-9)


def test_viewbox_offset(tmp_path):
    head = 'width="100mm" height="50mm" viewBox="-50 -25 100 50"'
    (region,) = read_svg(svg(tmp_path, '<rect x="-50" y="-25" width="10" height="5"/>', head=head))
    assert region.bounds == pytest.approx((0, 45, 10, 50), rel=1e-5, abs=1e-6)


# ---------------------------------------------------------------------------------------------------
# curves, against analytic and numeric references
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("r", [0.5, 10.0, 45.0])
def test_circle_element_area(tmp_path, r):
    (region,) = read_svg(svg(tmp_path, f'<circle cx="50" cy="50" r="{r}"/>'))
    lo, hi = circle_bounds(r)
    assert lo * (1 - 1e-5) <= region.area <= hi * (1 + 1e-5)
    xy = np.asarray(region.exterior.coords)
    assert np.allclose(np.hypot(xy[:, 0] - 50, xy[:, 1] - 50), r, rtol=1e-5)


def test_arc_commands_make_a_circle(tmp_path):
    (region,) = read_svg(svg(tmp_path, '<path d="M 10 60 A 30 30 0 0 1 70 60 A 30 30 0 0 1 10 60 Z"/>'))
    lo, hi = circle_bounds(30)
    assert lo * (1 - 1e-5) <= region.area <= hi * (1 + 1e-5)
    assert region.centroid.x == pytest.approx(40, abs=1e-4) and region.centroid.y == pytest.approx(40, abs=1e-4)


def bezier(ctrl: np.ndarray, t: np.ndarray) -> np.ndarray:
    n = len(ctrl) - 1
    coef = [math.comb(n, k) * t**k * (1 - t) ** (n - k) for k in range(n + 1)]
    return sum(c[:, None] * p for c, p in zip(coef, ctrl, strict=True))


def test_cubic_and_quadratic_beziers_against_dense_evaluation(tmp_path):
    d = "M 10 50 C 10 10, 60 0, 80 40 Q 95 70, 60 85 C 40 95, 10 90, 10 50 Z"
    (region,) = read_svg(svg(tmp_path, f'<path d="{d}"/>'))
    t = np.linspace(0, 1, 4001)
    pieces = [
        bezier(np.array([[10, 50], [10, 10], [60, 0], [80, 40]], float), t),
        bezier(np.array([[80, 40], [95, 70], [60, 85]], float), t),
        bezier(np.array([[60, 85], [40, 95], [10, 90], [10, 50]], float), t),
    ]
    dense = np.vstack(pieces) * (1.0, -1.0) + (0.0, 100.0)  # y flipped on the 100 mm page
    reference = Polygon(dense)
    length = float(np.hypot(*np.diff(dense, axis=0).T).sum())
    assert abs(region.area - reference.area) <= TOL * length
    assert region.hausdorff_distance(reference) <= TOL * 1.01
    # every vertex is on the curve: within the dense sampling's own chord error of it
    from shapely import distance, points

    assert distance(points(np.asarray(region.exterior.coords)), reference.exterior).max() < 1e-3


def test_transforms_rotate_translate_and_scale(tmp_path):
    body = '<g transform="translate(20,10)"><rect width="10" height="5" transform="rotate(30) scale(2,1)"/></g>'
    (region,) = read_svg(svg(tmp_path, body))
    assert region.area == pytest.approx(100.0, rel=1e-6)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    corners = [(20 + 2 * x * c - y * s, 10 + 2 * x * s + y * c) for x, y in [(0, 0), (10, 0), (10, 5), (0, 5)]]
    expected = Polygon([(x, 100 - y) for x, y in corners])
    assert region.symmetric_difference(expected).area < 1e-6


def test_skewed_ellipse_is_an_ellipse(tmp_path):
    body = '<ellipse cx="0" cy="0" rx="20" ry="8" transform="translate(50 50) matrix(1 0 0.5 1 0 0)"/>'
    (region,) = read_svg(svg(tmp_path, body))
    a, b = 20.0, 8.0
    assert region.area == pytest.approx(math.pi * a * b, abs=TOL * 2 * math.pi * a * 1.5)
    assert region.area <= math.pi * a * b * (1 + 1e-6)
    # vertices mapped back (unflip, untranslate, unskew) lie on x²/a² + y²/b² = 1
    xy = np.asarray(region.exterior.coords)
    x, y = xy[:, 0] - 50.0, (100.0 - xy[:, 1]) - 50.0
    u, v = x - 0.5 * y, y
    assert np.allclose((u / a) ** 2 + (v / b) ** 2, 1.0, atol=1e-5)


def test_use_references_and_hidden_elements(tmp_path):
    body = ('<defs><rect id="r" x="0" y="0" width="10" height="10"/>'
            '<clipPath id="c"><rect x="0" y="0" width="90" height="90"/></clipPath></defs>'
            '<use xlink:href="#r" x="20" y="30"/>'
            '<rect x="50" y="50" width="5" height="5" style="display:none"/>'
            '<rect x="70" y="70" width="5" height="5" visibility="hidden"/>')
    head = 'xmlns:xlink="http://www.w3.org/1999/xlink" width="100mm" height="100mm" viewBox="0 0 100 100"'
    (region,) = read_svg(svg(tmp_path, body, head=head))
    assert region.bounds == pytest.approx((20, 60, 30, 70))


# ---------------------------------------------------------------------------------------------------
# fill rules and nesting
# ---------------------------------------------------------------------------------------------------
OUTER_CW = "M 10 10 L 90 10 L 90 90 L 10 90 Z"  # clockwise on screen (y down)
INNER_SAME = "M 30 30 L 70 30 L 70 70 L 30 70 Z"
INNER_OPPOSITE = "M 30 30 L 30 70 L 70 70 L 70 30 Z"


@pytest.mark.parametrize(("inner", "rule", "area"), [
    (INNER_SAME, "nonzero", 6400.0),
    (INNER_OPPOSITE, "nonzero", 6400.0 - 1600.0),
    (INNER_SAME, "evenodd", 6400.0 - 1600.0),
    (INNER_OPPOSITE, "evenodd", 6400.0 - 1600.0),
])
def test_fill_rule_of_one_path(tmp_path, inner, rule, area):
    (region,) = read_svg(svg(tmp_path, f'<path fill-rule="{rule}" d="{OUTER_CW} {inner}"/>'))
    assert region.area == pytest.approx(area, rel=1e-5)


def test_fill_rule_in_a_style_attribute_and_inherited(tmp_path):
    styled = read_svg(svg(tmp_path, f'<path style="fill-rule:evenodd" d="{OUTER_CW} {INNER_SAME}"/>', name="a.svg"))
    inherited = read_svg(svg(tmp_path, f'<g fill-rule="evenodd"><path d="{OUTER_CW} {INNER_SAME}"/></g>', name="b.svg"))
    assert styled[0].area == pytest.approx(4800, rel=1e-5)
    assert inherited[0].area == pytest.approx(4800, rel=1e-5)


def test_separate_elements_nest_by_containment(tmp_path):
    body = ('<rect x="10" y="10" width="80" height="80"/><circle cx="50" cy="50" r="20"/>'
            '<rect x="45" y="45" width="10" height="10"/>')
    regions = read_svg(svg(tmp_path, body))
    assert len(regions) == 2
    lo, hi = circle_bounds(20)
    assert 6400 - hi * (1 + 1e-5) <= regions[0].area <= 6400 - lo * (1 - 1e-5)
    assert regions[1].area == pytest.approx(100, rel=1e-5)


def test_open_paths_chain_across_elements(tmp_path):
    body = '<path d="M 10 10 L 50 10 L 50 50"/><polyline points="10,10 10,50 50,50"/>'
    (region,) = read_svg(svg(tmp_path, body))
    assert region.area == pytest.approx(1600, rel=1e-5)


# ---------------------------------------------------------------------------------------------------
# errors named
# ---------------------------------------------------------------------------------------------------
def test_gap_between_open_paths_is_named_in_mm_y_up(tmp_path):
    body = '<path d="M 10 10 L 50 10 L 50 50"/><path d="M 50 50 L 10 50 L 10 12"/>'
    with pytest.raises(GeometryError) as exc:
        read_svg(svg(tmp_path, body, name="open.svg"))
    msg = str(exc.value)
    assert msg.startswith("open.svg: open contour: gap of 2.0000 mm")
    assert sorted(named_points(msg)) == [pytest.approx((10.0, 88.0)), pytest.approx((10.0, 90.0))]


def test_self_crossing_path_is_filled_as_a_renderer_fills_it(tmp_path):
    """A bow tie (one path crossing itself): its two triangles, 25 mm2 each, under either fill rule."""
    for rule in ("evenodd", "nonzero"):
        regions = read_svg(svg(tmp_path, f'<path fill-rule="{rule}" d="M 0 0 L 10 10 L 10 0 L 0 10 Z"/>'))
        assert sorted(round(p.area, 9) for p in regions) == [25.0, 25.0]


@pytest.mark.parametrize("rule", ["evenodd", "nonzero"])
def test_pentagram_in_one_stroke_follows_the_fill_rule(tmp_path, rule):
    """A pentagram drawn in one stroke: nonzero fills the whole star (its centre pentagon winds twice),
    evenodd leaves the pentagon empty (five points touching at corners: five regions). Areas against the
    closed forms: star = 5 R r sin 36 deg with the inner radius r = R cos 72 / cos 36 deg; pentagon =
    5/2 r^2 sin 72 deg."""
    big, c = 40.0, 50.0
    pts = [(c + big * math.sin(math.radians(144 * k)), c - big * math.cos(math.radians(144 * k))) for k in range(5)]
    d = "M " + " L ".join(f"{x:.9f} {y:.9f}" for x, y in pts) + " Z"
    regions = read_svg(svg(tmp_path, f'<path fill-rule="{rule}" d="{d}"/>'))
    r = big * math.cos(math.radians(72)) / math.cos(math.radians(36))
    star = 5 * big * r * math.sin(math.radians(36))
    pentagon = 2.5 * r * r * math.sin(math.radians(72))
    want = star if rule == "nonzero" else star - pentagon
    assert sum(p.area for p in regions) == pytest.approx(want, rel=1e-6)
    assert len(regions) == (1 if rule == "nonzero" else 5) and not any(p.interiors for p in regions)


def test_crossing_contours_in_a_dxf_stay_an_error(tmp_path):
    """DXF has no fill rule: a contour crossing itself there is named, not guessed."""
    import ezdxf

    from toolpath.geometry.dxf import read_dxf

    doc = ezdxf.new()
    doc.units = ezdxf.units.MM
    doc.modelspace().add_lwpolyline([(0, 0), (10, 10), (10, 0), (0, 10)], close=True)
    doc.saveas(tmp_path / "bow.dxf")
    with pytest.raises(GeometryError, match="crosses itself"):
        read_dxf(tmp_path / "bow.dxf")


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        read_svg(tmp_path / "missing.svg")
    with pytest.raises(FileFormatError, match="holds no shape.*holds text.*to paths"):
        read_svg(svg(tmp_path, '<text x="1" y="1">hi</text>'))
    with pytest.raises(FileFormatError, match="holds no shape") as err:
        read_svg(svg(tmp_path, '<g id="empty"></g>'))
    assert "text" not in str(err.value)
    bad = tmp_path / "bad.svg"
    bad.write_text("<svg><unclosed")
    with pytest.raises(FileFormatError):
        read_svg(bad)
    with pytest.raises(InputError):
        read_svg(svg(tmp_path, '<rect width="1" height="1"/>'), tolerance_mm=0)


# ---------------------------------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------------------------------
#: file -> (number of regions, of holes) when it loads, or (error type, start of the reason)
CORPUS_OUTCOMES: dict[str, tuple[int, int] | tuple[type, str]] = {
    "camotics_logo_inkscape.svg": (FileFormatError, "SVG file"),  # text only (a font), no outline
    # the cat's outline crosses itself: filled by its fill rule, as a renderer fills it (the body and a
    # sliver where the outline loops over itself)
    "camotics_stretching_cat.svg": (2, 0),
    "camotics_tiny_cat_outline.svg": (3, 4),
    "cncjs_jsdc.svg": (4, 1),
    # test curves for arc fitting: open strokes, not outlines
    "svg2gcode_circular_interpolation.svg": (GeometryError, "svg2gcode_circular_interpolation.svg: open contour"),
    # the <polyline> is open: 29.8 mm between its ends
    "svg2gcode_shapes.svg": (GeometryError, "svg2gcode_shapes.svg: open contour: gap of 29.8423 mm"),
    "svg2gcode_square_transformed_nested_mm.svg": (1, 1),
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(CORPUS_OUTCOMES))
def test_corpus_drawing_loads_or_fails_with_a_reason(name):
    expected = CORPUS_OUTCOMES[name]
    path = CORPUS / name
    if isinstance(expected[0], type):
        err, start = expected
        with pytest.raises(err) as exc:  # type: ignore[call-overload]
            read_svg(path)
        assert str(exc.value).startswith(start) and "\n" not in str(exc.value)
        return
    regions = read_svg(path)
    assert (len(regions), sum(len(p.interiors) for p in regions)) == expected
    assert MultiPolygon(regions).is_valid


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_nested_square_is_a_square_with_a_round_hole():
    # svg2gcode's fixture: a 8 mm square (1..9 mm) with a 1 mm circle at (7.5, 7.5) on screen, y down
    (region,) = read_svg(CORPUS / "svg2gcode_square_transformed_nested_mm.svg")
    assert region.exterior.bounds == pytest.approx((1, 1, 9, 9), abs=1e-4)
    lo, hi = circle_bounds(0.5)
    assert 64 - hi - 1e-3 <= region.area <= 64 - lo + 1e-3
    hole = Polygon(region.interiors[0])
    assert hole.centroid.x == pytest.approx(7.5, abs=1e-3) and hole.centroid.y == pytest.approx(10 - 2.5, abs=1e-3)


def test_mill_accepts_svg_and_shapely(tmp_path):
    from toolpath.job import mill

    path = svg(tmp_path, '<rect x="10" y="10" width="30" height="20"/><circle cx="25" cy="20" r="4"/>')
    res = mill(path, Tool.flat(3.0), depth_mm=2.0)
    assert res.levels_mm == [-2.0] and len(res.pockets) == 1 and len(res.pockets[0].islands) == 1
    assert res.program.toolpath.xyz[:, 2].min() == pytest.approx(-2.0)
    res2 = mill(box(0, 0, 20, 10), Tool.flat(3.0), depth_mm=1.5)
    assert res2.levels_mm == [-1.5] and res2.pockets[0].region.area == pytest.approx(200)
    with pytest.raises(InputError, match="depth_mm"):
        mill(box(0, 0, 20, 10), Tool.flat(3.0))
    with pytest.raises(InputError, match="from \\+Z only"):
        mill(box(0, 0, 20, 10), Tool.flat(3.0), depth_mm=1.0, setup="-Z")
    assert MM_PER_PX == pytest.approx(25.4 / 96)


INKSCAPE_NS = 'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'


def layered_svg(tmp_path: Path) -> Path:
    """Two Inkscape layers whose squares cross, a plain group with an object label inside the first layer, and a
    sub-layer in the second (y down: the page's top is y = 0)."""
    body = (
        '<g inkscape:groupmode="layer" inkscape:label="Pocket" id="layer1">'
        '<g inkscape:label="a labelled object group"><rect x="10" y="10" width="30" height="20"/></g></g>'
        '<g inkscape:groupmode="layer" inkscape:label="Stock" id="layer2">'
        '<rect x="30" y="5" width="40" height="40"/>'
        '<g inkscape:groupmode="layer" inkscape:label="Holes" id="layer3"><circle cx="60" cy="70" r="5"/></g></g>'
        '<rect x="80" y="80" width="10" height="10"/>'  # outside any layer
    )
    return svg(tmp_path, body, head=f'{INKSCAPE_NS} width="100mm" height="100mm" viewBox="0 0 100 100"')


def test_inkscape_layers_select_elements(tmp_path):
    path = layered_svg(tmp_path)
    with pytest.raises(GeometryError, match=r"cross.*3 layers, 'Holes' \(1\), 'Pocket' \(1\), 'Stock' \(1\).*--layer"):
        read_svg(path)
    (pocket,) = read_svg(path, layers="pocket")  # the labelled group inside the layer belongs to it
    assert pocket.area == pytest.approx(600.0) and pocket.bounds == pytest.approx((10, 70, 40, 90))
    (holes,) = read_svg(path, layers=["Holes"])  # an element takes its innermost layer
    lo, hi = circle_bounds(5.0)
    assert lo <= holes.area <= hi
    (stock,) = read_svg(path, layers="Stock")
    assert stock.area == pytest.approx(1600.0)
    # everything but the stock: the pocket, the hole and the square outside any layer
    circle, square, rect = sorted(p.area for p in read_svg(path, exclude_layers="STOCK"))
    assert lo <= circle <= hi and square == pytest.approx(100.0) and rect == pytest.approx(600.0)
    with pytest.raises(FileFormatError, match=r"no shape on layers \['nosuch'\].*Holes, Pocket, Stock"):
        read_svg(path, layers="nosuch")


def test_mill_svg_layer_on_the_command_line_checked_by_simulation(tmp_path):
    from parts_for_tests import check_against_regions

    import gcode
    from toolpath.cli import main

    path = layered_svg(tmp_path)
    out = tmp_path / "x.ngc"
    assert main(["mill", str(path), "-o", str(out), "--depth", "2", "--tool", "3", "--layer", "Pocket,holes"]) == 0
    check_against_regions(gcode.read_program(out), read_svg(path, layers=["Pocket", "Holes"]), 2.0, 3.0)
