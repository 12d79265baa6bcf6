"""Slice a solid, seen from its setup direction, into 2.5D pockets.

Method
------
1. Horizontal planar faces facing the tool are the floors; their heights,
   the tops of the sloped and curved faces facing the tool (a bowl, a
   drill-point cone, a fillet at a floor: the material over them is cleared
   down to them), and the stock top and bottom split the part into bands.
2. Each band's material is the section of the part at the band's mid-height
   (2.5D walls are vertical, so one section stands for the whole band). Where
   a sloped or curved face crosses the band, the sections just under its top
   and just over its floor join it, and so does the projection of those faces'
   meshes clipped to the band (:mod:`toolpath.geometry.shadow`): a horizontal
   cylinder, a dome or a cone between two floors is in no section.
3. What the tool can reach at the bottom of a band is the stock footprint
   minus the *shadow* of the part: the union of the sections of this band and
   of every band above it. Material hidden under an overhang is reported as an
   undercut, never cut.
   With ``terrace_mm`` (z-level roughing), a band that such faces cross is halved while what it would
   leave over them (its material's area less the part's section, over its height, by Simpson's rule on
   the three sections) is more than :data:`TERRACE_WORTH` of the volume to remove, down to terraces of
   that height.
4. Each connected region is a :class:`~toolpath.Pocket` cleared from the band's
   top to its bottom; regions at the stock boundary get open edges; regions that
   reach the stock bottom go through it by a breakthrough allowance.
5. Faces a 2.5D setup cannot make (sloped or curved surfaces facing the tool,
   faces facing away from it above the part's bottom) are reported in
   ``unreachable`` with their bounding box and reason.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiLineString, Polygon, box

from ..errors import GeometryError
from ..pocket import Pocket
from ..stock import Stock
from ..tool import Tool
from .sections import section_polygons
from .shadow import band_shadow, face_triangles
from .step import load_solid, orient

__all__ = ["SliceResult", "slice_part", "polygons_of", "tool_residue"]

_EPS_Z = 1e-6
_MESH_TOL_MM = 0.005  # chord tolerance of the meshes of non-vertical faces (their shadows grow by as much)
# a face's shadow grows by this much more than the mesh tolerance: where its edge would run within micrometres of a
# section's edge (a fillet or draft meeting a wall), the pocket outline would get micro-steps, of which the offset
# kernel does not yet handle those of 1-20 micrometres (test_random_micro_steps_kernel_reference_and_shapely, a
# strict xfail); 0.02 mm more material is left there
_SHADOW_MARGIN_MM = 0.02
#: thinnest band between two levels, mm: levels closer than this are taken as one
MIN_BAND_MM = 1e-3
#: with terraces (``slice_part(terrace_mm=...)``), a band over faces facing the tool is halved while it leaves more
#: than this fraction of the volume to remove (stock less part) over them: terraces where they buy volume, not
#: over every small fillet and chamfer (each terrace costs three sections and a pass). (A budget on the sum
#: instead, 1 %, halved FTC 06's bands down to 0.1 mm for nothing: much of what a band leaves lies where the tool
#: does not fit, which slicing does not know.)
TERRACE_WORTH = 1e-3
#: at most this many bands (levels + 1) with terraces
TERRACE_MAX_BANDS = 400


@dataclass(frozen=True)
class SliceResult:
    """What slicing found.

    Attributes
    ----------
    pockets : list of Pocket
        Regions to clear, upper bands first.
    levels_mm : list of float
        Floor heights found (mm), highest first; includes the stock bottom when
        something goes through.
    unreachable : list of dict
        ``{"where": [xmin, ymin, zmin, xmax, ymax, zmax], "reason": str}`` for
        each part of the geometry a 2.5D cut from this setup cannot make.
    stock : Stock
        The stock the pockets are cut from.
    setup : str
        The setup direction.
    part_volume_mm3 : float
        Volume of the part inside the stock.
    """

    pockets: list[Pocket]
    levels_mm: list[float]
    unreachable: list[dict[str, Any]]
    stock: Stock
    setup: str = "+Z"
    part_volume_mm3: float = 0.0
    shape: Any = field(default=None, repr=False)

    @property
    def removed_volume_mm3(self) -> float:
        """Volume the pockets remove, mm³ (through pockets counted to the stock bottom)."""
        total = 0.0
        for p in self.pockets:
            zb = max(p.z_bottom_mm, self.stock.z_bottom_mm)
            total += p.region.intersection(self.stock.footprint).area * (p.z_top_mm - zb)
        return total


def polygons_of(geom: Any) -> list[Polygon]:
    """The non-empty polygons of any shapely geometry."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    out: list[Polygon] = []
    for g in getattr(geom, "geoms", []):
        out.extend(polygons_of(g))
    return out


def _clean(geom: Any, eps: float = 1e-4) -> list[Polygon]:
    """Drop slivers thinner than 2·eps and specks, keep polygons, mm."""
    g = geom.buffer(-eps, join_style="mitre").buffer(eps, join_style="mitre")
    return [p for p in polygons_of(g) if p.area > 1e-3]


def _bbox3(geom: Any, z0: float, z1: float) -> list[float]:
    x0, y0, x1, y1 = geom.bounds
    return [round(v, 4) for v in (x0, y0, min(z0, z1), x1, y1, max(z0, z1))]


def _round_hole_diameter(region: Polygon) -> float | None:
    if region.interiors:
        return None
    x0, y0, x1, y1 = region.bounds
    d = 0.5 * ((x1 - x0) + (y1 - y0))
    if abs((x1 - x0) - (y1 - y0)) > 0.01 * d:
        return None
    circle_area = math.pi * d * d / 4.0
    if abs(region.area - circle_area) > 0.01 * circle_area:
        return None
    return round(d, 6)


def _face_box(face: Any) -> tuple[float, float, float, float, float, float]:
    """Bounding box of a face, mm: OpenCascade's quick box (cadquery's optimal one costs 6 ms a face)."""
    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib

    box = Bnd_Box()
    BRepBndLib.Add_s(face.wrapped, box, True)
    x0, y0, z0, x1, y1, z1 = box.Get()
    gap = box.GetGap()  # Add widens the box by the shape's tolerance: take it back
    return (x0 + gap, y0 + gap, z0 + gap, x1 - gap, y1 - gap, z1 - gap)


def _classify_faces(
    shape: Any, z_top: float, part_bottom: float
) -> tuple[list[float], list[dict[str, Any]], list[Any]]:
    """Floor heights (planar faces facing +Z), faces a 2.5D cut cannot make, and those faces (all the
    part's faces above its bottom that are neither vertical nor floors)."""
    floors: list[float] = []
    bad: list[dict[str, Any]] = []
    faces: list[Any] = []

    def report(face: Any, reason: str) -> None:
        bb = face.BoundingBox()  # the tight box, only for the few faces reported
        bad.append({"where": [round(v, 4) for v in (bb.xmin, bb.ymin, bb.zmin, bb.xmax, bb.ymax, bb.zmax)],
                    "reason": reason})
        faces.append(face)

    for face in shape.Faces():
        zmax = _face_box(face)[5]
        kind = face.geomType()
        if kind == "PLANE":
            nz = face.normalAt().z
            if nz > 1 - 1e-6:
                floors.append(round(zmax, 6))  # a horizontal plane: its quick box is exact in z
            elif nz < -1 + 1e-6:
                if part_bottom + 1e-6 < zmax < z_top - 1e-6:
                    report(face, "undercut: face facing away from the tool")
            elif abs(nz) > 1e-6:
                report(face, "sloped floor facing the tool" if nz > 0 else "undercut: sloped face facing away")
            continue
        # curved face: sample its normals; vertical walls have nz == 0 everywhere
        nzs = []
        for u in np.linspace(0.1, 0.9, 5):
            for v in np.linspace(0.1, 0.9, 5):
                try:
                    nzs.append(_normal_z(face, u, v))
                except Exception:  # noqa: BLE001 - degenerate parametrisations
                    continue
        if not nzs:
            continue
        hi, lo = max(nzs), min(nzs)
        if hi > 1e-4:
            report(face, f"curved surface ({kind.lower()}) facing the tool: fillet or slope")
        elif lo < -1e-4 and zmax > part_bottom + 1e-6:
            report(face, f"undercut: curved surface ({kind.lower()}) facing away")
    return floors, bad, faces


def _normal_z(face: Any, u: float, v: float) -> float:
    """z of the outward normal at fractional (u, v) of the face's parameter box."""
    u0, u1, v0, v1 = face._uvBounds()  # noqa: SLF001
    res = face.normalAt(u0 + (u1 - u0) * u, v0 + (v1 - v0) * v)
    normal = res[0] if isinstance(res, tuple) else res  # cadquery returns (normal, point) for (u, v)
    return float(normal.z)


def tool_residue(pocket: Pocket, tool: Tool, *, tolerance_mm: float = 0.01) -> list[dict[str, Any]]:
    """Parts of a pocket a tool of this diameter cannot reach, as ``unreachable`` entries.

    Material outside the opening of the region by the tool radius is left; the
    pieces larger than the corner left by a sharp inside corner
    (0.5·r² mm²) are reported as "narrower than the tool".
    """
    r = tool.radius_mm + tolerance_mm
    domain = pocket.domain(tool.diameter_mm + 1.0)
    centres = domain.buffer(-r)
    if centres.is_empty:
        return [{
            "where": _bbox3(pocket.region, pocket.z_top_mm, pocket.z_bottom_mm),
            "reason": f"region narrower than the tool (diameter {tool.diameter_mm:g} mm)",
        }]
    reach = centres.buffer(r)
    left = pocket.region.difference(reach)
    out = []
    for piece in polygons_of(left):
        if piece.area > 0.5 * r * r:
            out.append({
                "where": _bbox3(piece, pocket.z_top_mm, pocket.z_bottom_mm),
                "reason": f"narrower than the tool (diameter {tool.diameter_mm:g} mm): {piece.area:.2f} mm2 left",
            })
    return out


def _crosses(spans: list[tuple[float, float]], hi: float, lo: float) -> bool:
    """Whether one of the z ranges ``spans`` (z0, z1) reaches into the band (hi, lo), mm."""
    return any(z0 < hi - 1e-9 and z1 > lo + 1e-9 for z0, z1 in spans)


def _terraces(bands: dict[tuple[float, float], tuple[Any, float]], band: Any, height: float, worth: float) -> None:
    """Z-level terraces, in place: each band of ``bands`` ((hi, lo) -> (material, left over)) that leaves more than
    ``worth`` (mm3) over faces facing the tool is halved (``band(hi, lo)`` makes a band's entry), down to
    ``height`` (mm) and at most :data:`TERRACE_MAX_BANDS` bands, the band leaving the most first."""
    heap = [(-left, hi, lo) for (hi, lo), (_, left) in bands.items() if left > worth and hi - lo > height + _EPS_Z]
    heapq.heapify(heap)
    while heap and len(bands) < TERRACE_MAX_BANDS:
        _, hi, lo = heapq.heappop(heap)
        mid = round(0.5 * (hi + lo), 6)
        halves = {(hi, mid): band(hi, mid), (mid, lo): band(mid, lo)}
        del bands[(hi, lo)]
        bands.update(halves)
        for (top, bot), (_, v) in halves.items():
            if v > worth and top - bot > height + _EPS_Z:
                heapq.heappush(heap, (-v, top, bot))


def slice_part(
    part: Any,
    *,
    setup: str = "+Z",
    stock: Stock | None = None,
    tool: Tool | None = None,
    tolerance_mm: float = 0.002,
    breakthrough_mm: float = 0.5,
    terrace_mm: float | None = None,
) -> SliceResult:
    """Slice a solid into 2.5D pockets seen from ``setup``.

    Parameters
    ----------
    part : str, os.PathLike, cadquery.Workplane or cadquery.Shape
        STEP file or cadquery solid, mm.
    setup : {"+Z", "-Z", "+X", "-X", "+Y", "-Y"}
        Side the tool comes from; the part is rotated so that it is +Z.
    stock : Stock, optional
        Raw material, in the rotated frame. Defaults to the part's bounding box.
    tool : Tool, optional
        When given, regions it cannot reach are added to ``unreachable``.
    tolerance_mm : float
        Chord error for curved edges, mm.
    breakthrough_mm : float
        How far through features are cut below the stock bottom, mm.
    terrace_mm : float, optional
        Z-level roughing over sloped and curved faces facing the tool, mm: a band that such faces cross is
        halved, down to terraces at most this high, while it would leave more than :data:`TERRACE_WORTH` of
        the volume to remove over them (each band is cleared down to the widest section of the part in it,
        so what is left over a slope shrinks with the band's height); the band leaving the most first, at most
        :data:`TERRACE_MAX_BANDS` bands. Default: none (only each face's top is a level; the material over the
        face stays up to the band's widest section).

    Returns
    -------
    SliceResult
    """
    if not (tolerance_mm > 0):
        raise GeometryError(f"tolerance_mm must be > 0, got {tolerance_mm!r}")
    if not (breakthrough_mm >= 0):
        raise GeometryError(f"breakthrough_mm must be >= 0, got {breakthrough_mm!r}")
    if terrace_mm is not None and not (0 < terrace_mm < math.inf):
        raise GeometryError(f"terrace_mm must be a height > 0 mm or None (no terraces), got {terrace_mm!r}")
    shape = orient(load_solid(part), setup)
    bb = shape.BoundingBox()
    if stock is None:
        stock = Stock.box(bb.xmin, bb.ymin, bb.zmin, bb.xmax, bb.ymax, bb.zmax)
    z_top, z_bot = stock.z_top_mm, stock.z_bottom_mm
    floors, unreachable, slanted = _classify_faces(shape, z_top, bb.zmin)
    # the sections miss what non-vertical faces inside a band hold out (a horizontal cylinder's widest
    # extent, a dome or a cone between two floors): their meshes' projections are added (shadow.py)
    mesh_tol = max(tolerance_mm, _MESH_TOL_MM)
    tris = face_triangles(slanted, mesh_tol)
    xy_bounds = (bb.xmin, bb.ymin, bb.xmax, bb.ymax)
    slopes = [(u["where"][2], u["where"][5]) for u in unreachable]  # z ranges of faces that are not vertical
    # the top of each sloped or curved face facing the tool is a level too: the band above it holds none of
    # the face, so it is cleared down to the face (a bowl, a cone, a fillet at a floor: else the face's shadow
    # stood in the band's material up to the next floor above, and everything over the face was left)
    facing = [(u["where"][2], u["where"][5]) for u in unreachable if "facing the tool" in u["reason"]]
    cuts = [*floors, *(z1 for _, z1 in facing)]
    levels = sorted({round(z, 6) for z in cuts if z_bot + _EPS_Z < z < z_top - _EPS_Z} | {z_top, z_bot},
                    reverse=True)
    # levels closer than MIN_BAND_MM are one (a floor a few 1e-5 mm under the stock top or under another floor,
    # as STEP files have them, made a pass over a band of that thickness; the stock bottom is kept)
    kept = levels[:1]
    for z in levels[1:]:
        if kept[-1] - z >= MIN_BAND_MM:
            kept.append(z)
        elif z == z_bot and len(kept) > 1:
            kept[-1] = z
    levels = kept
    fp = stock.footprint

    def band(hi: float, lo: float) -> tuple[Any, float]:
        """The band's material (clipped to the stock) and, with terraces, what it leaves over faces facing the
        tool (mm3: its material's area less the part's section, over the band by Simpson's rule)."""
        # vertical walls give one section per band; where a sloped or curved face crosses the band,
        # take the widest of the sections just under the top, at mid-height and just over the
        # floor: it leaves material on slopes (reported) rather than cutting into them
        eps = min(1e-3, 0.01 * (hi - lo))
        sloped = _crosses(slopes, hi, lo)
        heights = (hi - eps, 0.5 * (hi + lo), lo + eps) if sloped else (0.5 * (hi + lo),)
        sections = [section_polygons(shape, z, tolerance_mm, bounds=xy_bounds) for z in heights]
        material = shapely.union_all(sections)
        if sloped:  # grown by a margin: an edge of it within micrometres of a section's would leave micro-steps
            grow = mesh_tol + _SHADOW_MARGIN_MM
            material = shapely.union_all([material, band_shadow(tris, lo + eps, hi - eps, grow)])
        material = material.intersection(fp)
        if terrace_mm is None or not _crosses(facing, hi, lo):
            return material, 0.0
        gaps = [material.area - sec.intersection(fp).area for sec in sections]
        return material, (hi - lo) * (gaps[0] + 4 * gaps[1] + gaps[2]) / 6

    bands = {(hi, lo): band(hi, lo) for hi, lo in zip(levels[:-1], levels[1:], strict=True)}
    part_volume = float(shape.Volume())
    designed = fp.area * (z_top - z_bot) - part_volume  # the volume to remove, mm3
    if terrace_mm is not None and designed > 0:
        _terraces(bands, band, terrace_mm, TERRACE_WORTH * designed)

    outside = box(*fp.buffer(1000.0).bounds).difference(fp)
    pockets: list[Pocket] = []
    found_levels: list[float] = []
    shadow: Any = Polygon()
    last_band: list[int] = []
    for hi, lo in sorted(bands, reverse=True):
        material = bands[(hi, lo)][0]
        under = material.difference(shadow) if not shadow.is_empty else material
        # material of this band under an overhang (not in the section of a band above): fine;
        # air under material of a band above is an undercut: the shadow hides it
        hidden = shadow.difference(material) if not shadow.is_empty else Polygon()
        for piece in _clean(hidden):
            if piece.area > 1e-2:
                unreachable.append({
                    "where": _bbox3(piece, lo, hi),
                    "reason": "undercut: hidden under material above (not reachable from " + setup + ")",
                })
        del under
        shadow = shapely.union_all([shadow, material]) if not shadow.is_empty else material
        through = lo <= z_bot + _EPS_Z
        floor = lo - breakthrough_mm if through else lo
        band_pockets = 0
        previous = {i: pockets[i] for i in last_band}
        last_band = []
        for region in _clean(fp.difference(shadow)):
            same_tol = 1e-6 * region.area + 1e-4
            same = next(
                (i for i, p in previous.items() if p.region.symmetric_difference(region).area < same_tol), None
            )
            if same is not None:  # the same region continues down: one deeper pocket
                pockets[same] = replace(
                    pockets[same], z_bottom_mm=floor, through=through
                )
                del previous[same]
                last_band.append(same)
                band_pockets += 1
                continue
            open_edges = region.boundary.intersection(fp.boundary.buffer(1e-5))
            lines = [g for g in getattr(open_edges, "geoms", [open_edges]) if g.geom_type in ("LineString",)]
            open_ml = MultiLineString([list(ln.coords) for ln in lines if ln.length > 1e-3])
            pockets.append(
                Pocket(
                    region,
                    hi,
                    floor,
                    open_edges=open_ml,
                    outside=outside if not open_ml.is_empty else None,
                    through=through,
                    hole_diameter_mm=_round_hole_diameter(region),
                )
            )
            last_band.append(len(pockets) - 1)
            band_pockets += 1
        if band_pockets:
            found_levels.append(lo)
    if tool is not None:
        for p in pockets:
            unreachable.extend(tool_residue(p, tool))
    return SliceResult(pockets, found_levels, unreachable, stock, setup, part_volume, shape)


