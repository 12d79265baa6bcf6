"""Exact swept-area checks of clearing toolpaths (shapely), shared by the strategy tests."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from toolpath import MoveKind, Pocket, Tool
from toolpath.moves import Toolpath, arc_points

__all__ = ["CLEAR", "ARC_CHORD_MM", "segments", "thick", "flatten", "check_toolpath", "pockets_with_islands",
           "pocket_or_refused"]

CLEAR = 10.0
_ARCS = (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW))
#: sagitta of the chords arcs are checked as, mm
ARC_CHORD_MM = 1e-3


def flatten(tp: Toolpath, tolerance_mm: float = ARC_CHORD_MM) -> Toolpath:
    """Arcs as feeds along chords within ``tolerance_mm`` (their sagitta), other moves kept (dwells dropped).

    The chords lie inside the arcs by at most ``tolerance_mm``: the gouge test below adds it to the distance
    it asks of moves that come from arcs, so the test stays conservative."""
    return _flatten(tp, tolerance_mm)[0]


def _flatten(tp: Toolpath, tolerance_mm: float) -> tuple[Toolpath, np.ndarray]:
    is_arc = np.isin(tp.kind, _ARCS)
    if not is_arc.any():
        return tp, np.zeros(len(tp), bool)
    starts = tp.starts(tp.xyz[0])
    keep = tp.kind != MoveKind.DWELL
    pieces_xyz, pieces_kind, pieces_feed, pieces_arc = [], [], [], []
    last = 0
    for i in np.flatnonzero(is_arc):
        sl = slice(last, i)
        m = keep[sl]
        pieces_xyz.append(tp.xyz[sl][m])
        pieces_kind.append(tp.kind[sl][m])
        pieces_feed.append(tp.feed[sl][m])
        pieces_arc.append(np.zeros(int(m.sum()), bool))
        pts = arc_points(starts[i], tp.xyz[i], tp.center[i], int(tp.kind[i]), tolerance_mm)[1:]
        pieces_xyz.append(pts)
        pieces_kind.append(np.full(len(pts), int(MoveKind.FEED), np.int8))
        pieces_feed.append(np.full(len(pts), tp.feed[i]))
        pieces_arc.append(np.ones(len(pts), bool))
        last = i + 1
    m = keep[last:]
    pieces_xyz.append(tp.xyz[last:][m])
    pieces_kind.append(tp.kind[last:][m])
    pieces_feed.append(tp.feed[last:][m])
    pieces_arc.append(np.zeros(int(m.sum()), bool))
    xyz = np.concatenate(pieces_xyz)
    out = Toolpath(np.concatenate(pieces_kind), xyz, np.full((len(xyz), 2), np.nan), np.concatenate(pieces_feed))
    return out, np.concatenate(pieces_arc)


def segments(tp, start):
    """Every move as a 2D shapely LineString (array of N)."""
    a = tp.starts(start)
    return shapely.linestrings(np.stack([a[:, :2], tp.xyz[:, :2]], axis=1)), a


def thick(geom, eps=0.01):
    """What is left of ``geom`` after an opening by ``eps`` mm: drops polygon-facet slivers."""
    return geom.buffer(-eps).buffer(eps)


def _runs(mask, a, xyz):
    """Maximal runs of consecutive moves in ``mask`` as 2D polylines (array of LineString)."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return np.array([], dtype=object)
    out = []
    for run in np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1):
        pts = np.vstack([a[run[0], :2], xyz[run, :2]])
        keep = np.ones(len(pts), bool)
        keep[1:] = np.hypot(*np.diff(pts, axis=0).T) > 1e-12
        pts = pts[keep]
        out.append(shapely.linestrings(pts) if len(pts) > 1 else shapely.points(pts[0]))
    return np.array(out, dtype=object)


def check_toolpath(tp, pocket: Pocket, tool: Tool, params, *, floor_z_mm: float | None = None) -> None:
    """Assert that ``tp`` clears ``pocket`` with ``tool``: no gouge, rapids only at clearance or down into
    cleared material, nothing reachable left on the floor, the floor reached and never passed.

    Arcs are flattened to chords within 1 µm first; moves from arcs must keep 1 µm more from the walls.
    The swept area of the floor moves is the union of
    the buffers of their polylines (runs of consecutive moves), which is the union of the moves' discs.
    ``floor_z_mm`` is the lowest height the tool should reach (default the pocket's floor).
    """
    tp, from_arc = _flatten(tp, ARC_CHORD_MM)
    r = tool.radius_mm
    segs, a = segments(tp, tp.xyz[0])
    cutting = tp.kind != MoveKind.RAPID
    lo = np.minimum(a[:, 2], tp.xyz[:, 2])
    hi = np.maximum(a[:, 2], tp.xyz[:, 2])
    # 1. no gouge: every cutting move below the pocket top keeps the tool disc inside the domain
    domain = pocket.domain(tool.diameter_mm + 1)
    below = cutting & (lo < pocket.z_top_mm - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):  # zero-length moves (plunges)
        dist = shapely.distance(segs[below], domain.boundary) - np.where(from_arc[below], ARC_CHORD_MM, 0.0)
    assert dist.min() >= r - 2e-6, (f"move {int(np.flatnonzero(below)[np.argmin(dist)])} cuts "
                                    f"{r - dist.min():.4f} mm into a wall of {pocket.region.wkt}")
    assert np.all(shapely.covers(domain, segs[below]))
    # 2. rapids: vertical, or horizontal at the clearance height; down only onto material already removed
    for i in np.flatnonzero(tp.kind == MoveKind.RAPID):
        if a[i, 2] != tp.xyz[i, 2]:
            assert np.allclose(a[i, :2], tp.xyz[i, :2]), "rapids change height only vertically"
            zr = tp.xyz[i, 2]
            if zr < a[i, 2] and zr < pocket.z_top_mm:
                earlier = np.flatnonzero(cutting[:i] & (hi[:i] <= zr - 0.5))
                with np.errstate(divide="ignore", invalid="ignore"):
                    d = shapely.distance(segs[earlier], shapely.points(tp.xyz[i, :2]))
                assert d.size and d.min() < 1e-6, f"rapid {i} goes down to z={zr} where nothing was cut"
        else:
            assert tp.xyz[i, 2] == pytest.approx(CLEAR), "horizontal rapids only at the clearance height"
    # 3. nothing reachable left on the floor (reachable: the opening of the region by r + tolerance)
    z_floor = pocket.z_bottom_mm if floor_z_mm is None else floor_z_mm
    at_floor = cutting & (hi <= z_floor + 1e-9)
    plunge_ends = cutting & ~at_floor & (tp.xyz[:, 2] <= z_floor + 1e-9)  # e.g. the bottom of a plunge
    floor = shapely.union_all(np.concatenate([
        shapely.buffer(_runs(at_floor, a, tp.xyz), r, quad_segs=32),
        shapely.buffer(shapely.points(tp.xyz[plunge_ends, :2]), r, quad_segs=32),
    ]))
    reach = domain.buffer(-(r + params.tolerance_mm), quad_segs=64).buffer(r, quad_segs=64)
    left = thick(pocket.region.intersection(reach).difference(floor))
    assert left.area < 0.01, f"{left.area:.4f} mm2 of reachable floor left at {left.bounds} in {pocket.region.wkt}"
    # 4. the floor is reached, and never passed
    assert tp.xyz[:, 2].min() == pytest.approx(z_floor)


@st.composite
def pockets_with_islands(draw, *, max_side_mm: float = 60.0):  # noqa: ANN001, ANN201
    """Random rectangular pockets with up to three round or square islands (hypothesis strategy);
    sides from 20 mm to ``max_side_mm``."""
    w = draw(st.floats(20, max_side_mm))
    h = draw(st.floats(20, max_side_mm))
    region = box(0, 0, w, h)
    for _ in range(draw(st.integers(0, 3))):
        cx, cy = draw(st.floats(0, w)), draw(st.floats(0, h))
        if draw(st.booleans()):
            hole = Point(cx, cy).buffer(draw(st.floats(1, 6)), quad_segs=16)
        else:
            hole = box(cx, cy, cx + draw(st.floats(1, 10)), cy + draw(st.floats(1, 10)))
        region = region.difference(hole)
    polys = sorted(getattr(region, "geoms", [region]), key=lambda p: -p.area)
    return Polygon(polys[0].exterior, polys[0].interiors) if polys else box(0, 0, w, h)


def pocket_or_refused(region, z_top_mm: float, z_bottom_mm: float):  # noqa: ANN001, ANN201
    """``Pocket(region, ...)``, or None when Pocket refuses it as two regions joined by a neck under 1 nm wide
    (the generator can cut an island at a 2e-308 mm coordinate): the refusal must be that one."""
    from toolpath import GeometryError, Pocket

    try:
        return Pocket(region, z_top_mm, z_bottom_mm)
    except GeometryError as exc:
        assert " splits in " in str(exc) and " parts on a 1e-09 mm grid" in str(exc), str(exc)
        return None
