"""DXF drawings into regions (shapely polygons with holes, mm), through ezdxf.

Read: LINE, ARC, CIRCLE, LWPOLYLINE and 2D POLYLINE (with bulges), 3D POLYLINE (projected),
SPLINE, ELLIPSE, and the same inside blocks placed by INSERT and MINSERT (with their
transformation; an entity on layer "0" in a block takes the INSERT's layer). Only the model
space is read.
Curves are flattened to chords within ``tolerance_mm``: arcs and bulges from their exact
sagitta, splines and ellipses with ezdxf's adaptive flattening (the distance between a chord's
midpoint and the curve). Entities are projected on the XY plane of the world coordinate system.

Text, dimensions, hatches, points, images and other annotation are ignored. The loose curves
are chained and nested by :mod:`toolpath.geometry.drawing`.

Units: ``$INSUNITS`` says the drawing's unit and coordinates are converted to mm; a unitless
drawing (``$INSUNITS`` 0 or absent) is taken to be in mm.

ezdxf is imported inside :func:`read_dxf`.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Polygon

from ..errors import FileFormatError, GeometryError, InputError
from .drawing import DEFAULT_TOLERANCE_MM, arc_points, bulge_points, curves_to_polygons, layer_hint, layer_set

__all__ = ["INSUNITS_MM", "read_dxf", "dxf_curves"]

#: Millimetres per drawing unit for each ``$INSUNITS`` code (0, unitless, is taken as mm).
INSUNITS_MM: dict[int, float] = {
    0: 1.0,
    1: 25.4,  # inch
    2: 304.8,  # foot
    3: 1_609_344.0,  # mile
    4: 1.0,  # millimetre
    5: 10.0,  # centimetre
    6: 1000.0,  # metre
    7: 1_000_000.0,  # kilometre
    8: 25.4e-6,  # microinch
    9: 0.0254,  # mil
    10: 914.4,  # yard
    11: 1e-7,  # angstrom
    12: 1e-6,  # nanometre
    13: 1e-3,  # micron
    14: 100.0,  # decimetre
    15: 10_000.0,  # decametre
    16: 100_000.0,  # hectometre
    17: 1e12,  # gigametre
    21: 1200.0 / 3937.0 * 1000.0,  # US survey foot
}

_CURVES = frozenset({"LINE", "ARC", "CIRCLE", "LWPOLYLINE", "POLYLINE", "SPLINE", "ELLIPSE"})



def _check_planar(e: Any) -> None:
    ext = e.dxf.get("extrusion", (0.0, 0.0, 1.0))
    if abs(abs(float(ext[2])) - 1.0) > 1e-9:
        raise GeometryError(
            f"{e.dxftype()} (handle {e.dxf.get('handle', '?')}) lies in a plane not parallel to XY "
            f"(extrusion {tuple(round(float(v), 6) for v in ext)}); a 2D drawing must be flat"
        )


def _to_wcs(e: Any, xy: NDArray[np.float64], z: float = 0.0) -> NDArray[np.float64]:
    """OCS points of a planar entity to WCS XY."""
    ext = e.dxf.get("extrusion", (0.0, 0.0, 1.0))
    if float(ext[2]) > 0 and abs(float(ext[0])) < 1e-12 and abs(float(ext[1])) < 1e-12:
        return xy
    ocs = e.ocs()
    pts = ocs.points_to_wcs([(float(x), float(y), z) for x, y in xy])
    return np.array([(p.x, p.y) for p in pts], dtype=np.float64)


def _entity_curves(e: Any, tol: float) -> list[NDArray[np.float64]]:
    """Polylines (in drawing units) of one curve entity."""
    kind = e.dxftype()
    if kind == "LINE":
        s, t = e.dxf.start, e.dxf.end
        return [np.array([[s.x, s.y], [t.x, t.y]], dtype=np.float64)]
    if kind in ("ARC", "CIRCLE"):
        _check_planar(e)
        c = e.dxf.center
        r = float(e.dxf.radius)
        if not r > 0:
            return []
        if kind == "CIRCLE":
            start, sweep = 0.0, 2.0 * math.pi
        else:
            a0, a1 = float(e.dxf.start_angle), float(e.dxf.end_angle)
            sweep_deg = (a1 - a0) % 360.0
            if sweep_deg < 1e-9:
                sweep_deg = 360.0
            start, sweep = math.radians(a0), math.radians(sweep_deg)
        return [_to_wcs(e, arc_points(c.x, c.y, r, start, sweep, tolerance_mm=tol), c.z)]
    if kind == "LWPOLYLINE":
        _check_planar(e)
        pts = [(float(x), float(y), float(b)) for x, y, b in e.get_points("xyb")]
        return [_to_wcs(e, _bulged(pts, bool(e.closed), tol), float(e.dxf.get("elevation", 0.0)))] if pts else []
    if kind == "POLYLINE":
        if e.is_2d_polyline:
            _check_planar(e)
            pts = [(float(v.dxf.location.x), float(v.dxf.location.y), float(v.dxf.get("bulge", 0.0)))
                   for v in e.vertices]
            z = float(e.dxf.elevation.z) if e.dxf.hasattr("elevation") else 0.0
            return [_to_wcs(e, _bulged(pts, bool(e.is_closed), tol), z)] if pts else []
        if e.is_3d_polyline:
            xy = np.array([(v.dxf.location.x, v.dxf.location.y) for v in e.vertices], dtype=np.float64)
            if len(xy) and e.is_closed:
                xy = np.vstack([xy, xy[:1]])
            return [xy] if len(xy) else []
        return []  # polyface and polygon meshes are surfaces, not outlines
    if kind in ("SPLINE", "ELLIPSE"):
        pts = list(e.flattening(tol, segments=8))
        return [np.array([(p.x, p.y) for p in pts], dtype=np.float64)] if pts else []
    return []


def _bulged(pts: list[tuple[float, float, float]], closed: bool, tol: float) -> NDArray[np.float64]:
    """Vertices of a polyline with bulges ``(x, y, bulge)``, the bulge on the segment leaving a vertex."""
    if closed and len(pts) > 1:
        pts = [*pts, (pts[0][0], pts[0][1], 0.0)]
    out: list[NDArray[np.float64]] = [np.array([pts[0][:2]], dtype=np.float64)]
    for (x0, y0, b), (x1, y1, _) in zip(pts[:-1], pts[1:], strict=True):
        out.append(bulge_points((x0, y0), (x1, y1), b, tolerance_mm=tol)[1:])
    return np.vstack(out)


def _walk(entities: Iterable[Any], parent_layer: str | None = None, depth: int = 0) -> Iterable[tuple[Any, str]]:
    """Entities with their effective layer, blocks placed by INSERT expanded into world coordinates.

    Entities on layer "0" inside a block take the layer of the INSERT that places them (as CAD
    programs draw them). Dimensions, leaders and other annotation are not expanded.
    """
    if depth > 32:
        raise FileFormatError("DXF blocks nested more than 32 deep (a block inserting itself?)")
    for e in entities:
        layer = str(e.dxf.get("layer", "0"))
        if parent_layer is not None and layer == "0":
            layer = parent_layer
        if e.dxftype() == "INSERT":
            inserts = e.multi_insert() if e.mcount > 1 else [e]
            for ins in inserts:
                yield from _walk(ins.virtual_entities(), layer, depth + 1)
        else:
            yield e, layer


def dxf_curves(
    path: str | os.PathLike[str],
    *,
    layers: Iterable[str] | str | None = None,
    exclude_layers: Iterable[str] | str | None = None,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
) -> list[NDArray[np.float64]]:
    """The flattened curves of a DXF file, before chaining.

    Parameters are those of :func:`read_dxf`.

    Returns
    -------
    list of ndarray of shape (n, 2), float64
        Polylines in mm, world XY.
    """
    return dxf_layered_curves(path, layers, exclude_layers, tolerance_mm)[0]


def dxf_layered_curves(
    path: str | os.PathLike[str],
    layers: Iterable[str] | str | None,
    exclude_layers: Iterable[str] | str | None,
    tolerance_mm: float,
) -> tuple[list[NDArray[np.float64]], Counter[str]]:
    """:func:`dxf_curves` (positional parameters of the same names), and how many curves each layer gave."""
    import ezdxf

    if not (isinstance(tolerance_mm, (int, float)) and tolerance_mm > 0 and math.isfinite(tolerance_mm)):
        raise InputError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    include = layer_set(layers, "layers")
    exclude = layer_set(exclude_layers, "exclude_layers") or frozenset()
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"DXF file {str(p)!r} does not exist")
    try:
        doc = ezdxf.readfile(p)
    except ezdxf.DXFStructureError:
        try:
            from ezdxf import recover

            doc, _ = recover.readfile(p)
        except Exception as exc:  # noqa: BLE001 - ezdxf raises several types for broken files
            raise FileFormatError(f"could not read DXF file {str(p)!r}: {exc}") from None
    except Exception as exc:  # noqa: BLE001
        raise FileFormatError(f"could not read DXF file {str(p)!r}: {exc}") from None
    units = int(doc.header.get("$INSUNITS", 0) or 0)
    if units not in INSUNITS_MM:
        raise FileFormatError(f"DXF file {str(p)!r}: unsupported $INSUNITS {units} (accepted: {sorted(INSUNITS_MM)})")
    scale = INSUNITS_MM[units]
    tol = float(tolerance_mm) / scale
    curves: list[NDArray[np.float64]] = []
    skipped: Counter[str] = Counter()
    seen_layers: set[str] = set()
    per_layer: Counter[str] = Counter()
    for e, layer in _walk(doc.modelspace()):
        kind = e.dxftype()
        seen_layers.add(layer)
        if include is not None and layer.casefold() not in include:
            continue
        if layer.casefold() in exclude:
            continue
        if kind not in _CURVES:
            skipped[kind] += 1
            continue
        for xy in _entity_curves(e, tol):
            curves.append(xy * scale)
            per_layer[layer] += 1
    if not curves:
        found = ", ".join(f"{k} x{n}" for k, n in sorted(skipped.items())) or "nothing"
        where = f" on layers {sorted(include)}" if include is not None else ""
        raise FileFormatError(
            f"DXF file {str(p)!r} holds no LINE, ARC, CIRCLE, POLYLINE, SPLINE or ELLIPSE{where} "
            f"(found {found}; layers: {', '.join(sorted(seen_layers)) or 'none'})"
        )
    return curves, per_layer


def read_dxf(
    path: str | os.PathLike[str],
    *,
    layers: Iterable[str] | str | None = None,
    exclude_layers: Iterable[str] | str | None = None,
    tolerance_mm: float = DEFAULT_TOLERANCE_MM,
    gap_mm: float | None = None,
) -> list[Polygon]:
    """Regions of a DXF drawing: closed outlines with their islands, mm.

    Parameters
    ----------
    path : str or os.PathLike
        The DXF file.
    layers : list of str, optional
        Read only entities on these layers (names compared case-insensitively); default all.
    exclude_layers : list of str, optional
        Ignore entities on these layers.
    tolerance_mm : float
        Chord tolerance of flattened arcs, splines and ellipses, and the largest gap closed
        between the ends of two curves, mm.
    gap_mm : float, optional
        Close wider gaps between curve ends, up to this width, with straight lines, mm.

    Returns
    -------
    list of Polygon
        Regions, largest first: outer boundaries (loops at even nesting depth) with the loops
        directly inside them as holes; exteriors counter-clockwise.

    Raises
    ------
    FileFormatError
        Missing or unreadable file, unknown ``$INSUNITS``, no curve on the selected layers.
    GeometryError
        A gap larger than ``tolerance_mm`` (its two ends named), a self-intersection or two
        contours crossing (the points named), a closed contour of zero area.
    """
    curves, per_layer = dxf_layered_curves(path, layers, exclude_layers, tolerance_mm)
    try:
        return curves_to_polygons(curves, tolerance_mm=tolerance_mm, gap_mm=gap_mm)
    except GeometryError as exc:
        raise GeometryError(f"{Path(path).name}: {exc}{layer_hint(per_layer)}") from None
