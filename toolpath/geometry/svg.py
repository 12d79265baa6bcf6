"""SVG drawings into regions (shapely polygons with holes, mm), through svgelements.

Read: every shape element (path, rect, circle, ellipse, line, polyline, polygon, and ``use``
references) with its transforms, the document's ``viewBox`` and its ``width``/``height`` units;
hidden elements (``display:none``, ``visibility:hidden``), ``defs`` and clip paths are left out.
Path segments (lines, quadratic and cubic Béziers, elliptical arcs) are flattened to chords within
``tolerance_mm``: the number of chords of a Bézier comes from the bound ``|B''| / 8 · h²`` of the
chord error of a uniform subdivision (``h`` the parameter step), that of an arc from the sagitta of
its larger radius.

Regions:

- each element's closed subpaths are combined by its ``fill-rule`` (``nonzero``, the SVG default,
  or ``evenodd``);
- open subpaths are loose curves, chained end to end within ``tolerance_mm`` across the document
  (as a DXF's lines are);
- the elements' regions are then nested by containment with the even-odd rule, so a circle drawn
  inside a rectangle is an island of it, whatever the elements' fill.

Coordinates: SVG's y axis points down, CAM's up. Points are mapped to
``x_mm = x · 25.4/96``, ``y_mm = (H - y) · 25.4/96`` with ``x, y`` in CSS pixels after the
viewBox and transforms and ``H`` the document height in pixels (0 when the document gives none):
the drawing is mirrored top to bottom, the page's lower-left corner is the origin and the
drawing keeps its look seen from +Z.

svgelements is imported inside :func:`read_svg`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Polygon

from ..errors import FileFormatError, GeometryError, InputError
from .drawing import (
    DEFAULT_TOLERANCE_MM,
    FillRule,
    arc_segments,
    chain_curves,
    layer_hint,
    layer_set,
    loops_to_polygons,
)

__all__ = ["MM_PER_PX", "read_svg", "svg_subpaths"]

#: Millimetres per CSS pixel (96 px to the inch).
MM_PER_PX = 25.4 / 96.0

_MAX_SEGMENTS = 100_000  # chords of one curve segment at most (bounded memory on absurd input)


def _mm_per_px(width: str) -> float:
    """Millimetres per pixel of svgelements' output for a document whose width is ``width``.

    svgelements converts metric lengths with 1 mm = 96 x 0.0393701 px (not 96/25.4): undo exactly
    that factor for documents sized in mm or cm, so that a 10 mm page reads as 10 mm.
    """
    if width.strip().lower().endswith(("mm", "cm")):
        return 1.0 / (96.0 * 0.0393701)
    return MM_PER_PX


def _bezier_chords(ctrl: NDArray[np.float64], tol: float) -> int:
    """Chords of a uniform subdivision of a Bézier (control points ``ctrl``) within ``tol``."""
    degree = len(ctrl) - 1
    second = ctrl[:-2] - 2.0 * ctrl[1:-1] + ctrl[2:]
    m = float(np.hypot(second[:, 0], second[:, 1]).max()) * degree * (degree - 1)  # bound of |B''|
    if m <= 0:
        return 1
    return min(_MAX_SEGMENTS, max(1, math.ceil(math.sqrt(m / (8.0 * tol)))))


def _segment_points(seg: Any, tol: float) -> NDArray[np.float64]:
    """Points of one svgelements segment after its start (its end included), px."""
    import svgelements as s

    if isinstance(seg, (s.Line, s.Close)):
        return np.array([[seg.end.x, seg.end.y]], dtype=np.float64)
    if isinstance(seg, s.QuadraticBezier):
        ctrl = np.array([[p.x, p.y] for p in (seg.start, seg.control, seg.end)], dtype=np.float64)
        n = _bezier_chords(ctrl, tol)
    elif isinstance(seg, s.CubicBezier):
        ctrl = np.array([[p.x, p.y] for p in (seg.start, seg.control1, seg.control2, seg.end)], dtype=np.float64)
        n = _bezier_chords(ctrl, tol)
    elif isinstance(seg, s.Arc):
        r = max(abs(float(seg.rx)), abs(float(seg.ry)))
        n = min(_MAX_SEGMENTS, arc_segments(r, float(seg.sweep), tol))
    else:
        return np.array([[seg.end.x, seg.end.y]], dtype=np.float64) if getattr(seg, "end", None) is not None else \
            np.empty((0, 2))
    t = np.arange(1, n + 1, dtype=np.float64) / n
    pts = np.asarray(seg.npoint(t), dtype=np.float64).reshape(-1, 2)
    pts[-1] = (seg.end.x, seg.end.y)
    return pts


_INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"


def _layers_of(doc: Any) -> dict[int, str]:
    """The layer of each shape element (by ``id()``): the label (else the id) of the innermost enclosing group
    that is an Inkscape layer (``inkscape:groupmode="layer"`` among its own attributes); elements outside any
    layer are left out."""
    import svgelements as s

    out: dict[int, str] = {}

    def walk(group: Any, layer: str | None) -> None:
        for child in group:
            if isinstance(child, s.Group):
                own = child.values.get("attributes") or {}
                here = layer
                if str(own.get(_INKSCAPE + "groupmode", "")) == "layer":
                    here = str(own.get(_INKSCAPE + "label") or child.id or "")
                walk(child, here)
            elif layer is not None:
                out[id(child)] = layer

    walk(doc, None)
    return out


def svg_subpaths(
    path: str | os.PathLike[str],
    *,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
    layers: Iterable[str] | str | None = None,
    exclude_layers: Iterable[str] | str | None = None,
) -> list[tuple[FillRule, list[NDArray[np.float64]], list[NDArray[np.float64]]]]:
    """Flattened subpaths of each shape element of an SVG file, mm, y up.

    ``layers`` keeps only the elements in these Inkscape layers (groups with ``inkscape:groupmode="layer"``,
    named by their ``inkscape:label``, compared case-insensitively; an element takes its innermost layer),
    ``exclude_layers`` leaves those out.

    Returns
    -------
    list of (FillRule, closed, open)
        Per element: its fill rule, its closed subpaths and its open subpaths, each an
        ndarray of shape (n, 2), float64, mm (closed ones end on their first point).
    """
    import svgelements as s

    if not (isinstance(tolerance_mm, (int, float)) and tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"SVG file {str(p)!r} does not exist")
    try:
        doc = s.SVG.parse(str(p), reify=False, ppi=96.0)
    except Exception as exc:  # noqa: BLE001 - XML and svgelements errors of several types
        raise FileFormatError(f"could not read SVG file {str(p)!r}: {exc}") from None
    height_px = float(doc.height) if isinstance(doc.height, (int, float)) and math.isfinite(doc.height) else 0.0
    mm_per_px = _mm_per_px(str(doc.values.get("width", "")))
    tol_px = float(tolerance_mm) / mm_per_px
    eps_px = min(1e-9, tol_px * 1e-3)
    include = layer_set(layers, "layers")
    exclude = layer_set(exclude_layers, "exclude_layers") or frozenset()
    layer_of = _layers_of(doc) if include is not None or exclude else {}
    out = []
    for e in doc.elements():
        if not isinstance(e, s.Shape) or isinstance(e, s.Text):
            continue
        if include is not None or exclude:
            layer = layer_of.get(id(e), "").casefold()
            if (include is not None and layer not in include) or layer in exclude:
                continue
        if str(e.values.get("visibility", "visible")).strip().lower() in ("hidden", "collapse"):
            continue  # (display:none elements are already left out by svgelements)
        rule_text = str(e.values.get("fill-rule", "nonzero")).strip().lower()
        rule = FillRule.EVENODD if rule_text == "evenodd" else FillRule.NONZERO
        try:
            geom = s.Path(e)
            m = geom.transform
            mat = np.array([[m.a, m.c, m.e], [m.b, m.d, m.f]], dtype=np.float64)
        except Exception as exc:  # noqa: BLE001
            raise FileFormatError(f"SVG file {str(p)!r}: element {e.id!r} could not be read: {exc}") from None
        # flatten in the element's own coordinates (exact for arcs under any affine map), then map the
        # points: a chord error e becomes at most e times the largest stretch of the map
        stretch = float(np.linalg.svd(mat[:, :2], compute_uv=False)[0])
        if not (stretch > 0 and math.isfinite(stretch)):
            continue
        tol_local = tol_px / stretch
        closed: list[NDArray[np.float64]] = []
        opened: list[NDArray[np.float64]] = []
        for sub in geom.as_subpaths():
            segs = list(sub)
            if not segs:
                continue
            pts: list[NDArray[np.float64]] = []
            is_closed = False
            for seg in segs:
                if isinstance(seg, s.Move):
                    if seg.end is not None:
                        pts.append(np.array([[seg.end.x, seg.end.y]], dtype=np.float64))
                    continue
                if seg.start is not None and not pts:
                    pts.append(np.array([[seg.start.x, seg.start.y]], dtype=np.float64))
                pts.append(_segment_points(seg, tol_local))
                if isinstance(seg, s.Close):
                    is_closed = True
            if not pts:
                continue
            xy = np.vstack(pts) @ mat[:, :2].T + mat[:, 2]
            if len(xy) < 2 or float(np.abs(np.diff(xy, axis=0)).sum()) <= eps_px:
                continue
            mm = np.column_stack([xy[:, 0] * mm_per_px, (height_px - xy[:, 1]) * mm_per_px])
            if is_closed or math.hypot(*(mm[-1] - mm[0])) <= tolerance_mm:
                if (mm[-1] != mm[0]).any():
                    mm = np.vstack([mm, mm[:1]]) if math.hypot(*(mm[-1] - mm[0])) > tolerance_mm else mm
                    mm[-1] = mm[0]
                closed.append(mm)
            else:
                opened.append(mm)
        if closed or opened:
            out.append((rule, closed, opened))
    if not out and (include is not None or exclude):
        found = ", ".join(sorted(set(layer_of.values()))) or "none"
        raise FileFormatError(f"SVG file {str(p)!r} holds no shape on layers {sorted(include or [])} "
                              f"(excluded: {sorted(exclude)}; its Inkscape layers: {found})")
    return out


def _text_hint(path: str | os.PathLike[str]) -> str:
    """A hint for a drawing whose only content is text (SVG ``<text>`` is a font's business, not read)."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return ""
    if re.search(rb"<(?:[A-Za-z_][\w.-]*:)?text[\s>/]", raw):
        return "; it holds text, which is not read: convert the text to paths first (Inkscape: Path > Object to Path)"
    return ""


def read_svg(path: str | os.PathLike[str], *, tolerance_mm: float = DEFAULT_TOLERANCE_MM,
             gap_mm: float | None = None, layers: Iterable[str] | str | None = None,
             exclude_layers: Iterable[str] | str | None = None) -> list[Polygon]:
    """Regions of an SVG drawing: closed outlines with their islands, mm, y up.

    SVG's y axis points down and CAM's up: the drawing is mirrored top to bottom on reading
    (``y_mm = (page height - y) · 25.4/96``, the page's lower-left corner at the origin), so that
    seen from +Z it looks as it does on screen. Units: the ``width``/``height`` units and the
    ``viewBox`` give the scale (96 px to the inch; unitless lengths are px).

    Parameters
    ----------
    path : str or os.PathLike
        The SVG file.
    tolerance_mm : float
        Chord tolerance of flattened Béziers and arcs, and the largest gap closed between the
        ends of two open subpaths, mm.
    gap_mm : float, optional
        Close wider gaps between the ends of open subpaths, up to this width, with straight lines, mm.
    layers, exclude_layers : str or list of str, optional
        Read only the elements in these Inkscape layers / leave those in these out (see :func:`svg_subpaths`).

    Returns
    -------
    list of Polygon
        Regions, largest first; each element's subpaths combined by its ``fill-rule``, the
        elements nested by containment (even-odd); exteriors counter-clockwise.

    Raises
    ------
    FileFormatError
        Missing or unreadable file, or no shape in it.
    GeometryError
        An open subpath with a gap larger than ``tolerance_mm`` to any other (its ends named),
        a self-intersection or two contours crossing (the points named), a contour of zero area.
    """
    elements = svg_subpaths(path, tolerance_mm=tolerance_mm, layers=layers, exclude_layers=exclude_layers)
    if not elements:
        where = "" if layers is None and exclude_layers is None else " in the layers selected"
        raise FileFormatError(f"SVG file {str(path)!r} holds no shape (path, rect, circle, ellipse, line, polygon)"
                              + where + _text_hint(path))
    name = Path(path).name
    try:
        rings: list[NDArray[np.float64]] = []
        loose: list[NDArray[np.float64]] = []
        for rule, closed, opened in elements:
            loose.extend(opened)
            if not closed:
                continue
            for poly in loops_to_polygons(closed, tolerance_mm=tolerance_mm, fill_rule=rule, crossings=True):
                rings.append(np.asarray(poly.exterior.coords))
                rings.extend(np.asarray(h.coords) for h in poly.interiors)
        if loose:
            rings.extend(chain_curves(loose, tolerance_mm=tolerance_mm, gap_mm=gap_mm))
        return loops_to_polygons(rings, tolerance_mm=tolerance_mm, fill_rule=FillRule.EVENODD)
    except GeometryError as exc:
        raise GeometryError(f"{name}: {exc}{layer_hint(_shapes_per_layer(path))}") from None


def _shapes_per_layer(path: str | os.PathLike[str]) -> dict[str, int]:
    """How many shape elements each Inkscape layer of an SVG file holds (for an error's hint)."""
    import svgelements as s

    try:
        doc = s.SVG.parse(str(path), reify=False, ppi=96.0)
    except Exception:  # noqa: BLE001 - the file was read once already; a hint is not worth a second error
        return {}
    counts: dict[str, int] = {}
    for layer in _layers_of(doc).values():
        counts[layer] = counts.get(layer, 0) + 1
    return counts
