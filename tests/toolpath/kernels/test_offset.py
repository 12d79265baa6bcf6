"""The offset kernel against its plain reference and against shapely's buffer (exact up to 256 chords
per quarter circle): ours lies between the exact offset and the exact offset moved away from the boundary
by the tolerance, and the two-sided Hausdorff distance of the boundaries is at most the tolerance."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box

from toolpath import GeometryError, InputError
from toolpath.kernels.offset import (
    assemble,
    clean_ring,
    offset_polygon,
    offset_polygons,
    offset_rings_kernel,
    offset_rings_reference,
    pack_rings,
)

TOL = 0.01
SLACK = 2e-4  # shapely's own chords at quad_segs=256 on radii up to 40 mm, plus rounding


def exact(geom, d):
    """Exact offset (up to 256 chords per quarter circle) as the region minus (or plus) the union of the
    stadiums of its boundary segments: shapely's ``buffer`` of the polygon itself first simplifies the
    input by 1 % of the distance (GEOS), which moves small features by more than our tolerance."""
    rings = [geom.exterior, *geom.interiors]
    xy = [np.asarray(r.coords) for r in rings]
    segs = shapely.linestrings(np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in xy]))
    band = shapely.union_all(shapely.buffer(segs, abs(d), quad_segs=256))
    return geom.difference(band) if d < 0 else geom.union(band)


def check_against_shapely(geom, d, got, tol=TOL, sliver_mm2=1e-6):
    """``got`` against shapely's exact offset of ``geom`` by ``d``: between the exact offset and the exact offset
    moved out by ``tol`` (area outside at most ``sliver_mm2``), and within ``tol`` of it both ways."""
    ex = exact(geom, d)
    if ex.area < 1e-6:
        assert got.area < 1e-6
        return
    # sandwich: ours lies between the exact offset and the exact offset moved away from geom's boundary by tol
    if d < 0:
        outer, inner = ex, exact(geom, d - tol)
    else:
        outer, inner = exact(geom, d + tol), ex
    assert got.difference(outer.buffer(SLACK)).area < sliver_mm2, "offset comes closer to the boundary than asked"
    assert inner.buffer(-SLACK).difference(got).area < 1e-6, "offset goes further than the tolerance"
    # every point of our boundary within tol of the exact offset's boundary, and the other way round
    # (vertices where offset curves meet lie on the exact crossings)
    assert two_sided(got, ex) <= tol + SLACK, "two-sided Hausdorff distance to the exact offset > tol"


def _far(pts, geom):
    """Largest distance from points to the boundary of ``geom`` (nearest segment on an STRtree)."""
    c = shapely.get_coordinates(geom.boundary if geom.geom_type.endswith("Polygon") else geom)
    parts = shapely.get_parts(geom.boundary)
    segs = np.concatenate([np.stack([q[:-1], q[1:]], axis=1)
                           for q in (np.asarray(p.coords) for p in parts) if len(q) > 1]) if len(c) else None
    if segs is None or len(pts) == 0:
        return 0.0 if len(pts) == 0 else np.inf
    tree = shapely.STRtree(shapely.linestrings(segs))
    _, dist = tree.query_nearest(shapely.points(pts), return_distance=True, all_matches=False)
    return float(dist.max())


def two_sided(got, ex, step=0.02):
    """Hausdorff distance between the boundaries of ``got`` and ``ex`` (both densified to ``step`` mm)."""
    a = shapely.get_coordinates(shapely.segmentize(got.boundary, step))
    b = shapely.get_coordinates(shapely.segmentize(ex.boundary, step))
    return max(_far(a, ex), _far(b, got))


def canon(res, atol=1e-9):
    """Rings of a kernel result as a sorted list of (level, ring rotated to start at its smallest vertex),
    a vertex repeating the one before it (within ``atol``, the ring closed) dropped, and a vertex lying on the
    segment between its neighbours (within ``atol``): the same ring (the reference can write a crossing point
    two or three times where zero-length pieces meet, the kernel once; where collinear raw segments overlap,
    one may split a straight stretch at a crossing the other's kept copy does not have)."""
    pts, rs, lv = res
    out = []
    for q in range(len(rs) - 1):
        ring = pts[rs[q]:rs[q + 1]]
        if len(ring) > 1:
            keep = np.any(np.abs(ring - np.roll(ring, 1, axis=0)) > atol, axis=1)
            ring = ring[keep] if keep.any() else ring[:1]
        if len(ring) > 3:
            a, c = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
            w = c - a
            ww = np.maximum((w * w).sum(axis=1), 1e-300)
            t = ((ring - a) * w).sum(axis=1) / ww
            off = np.hypot(*(a + t[:, None] * w - ring).T)
            on = (t > 0) & (t < 1) & (off <= atol)
            on &= ~np.roll(on, 1)  # never two neighbours at once
            ring = ring[~on]
        k = min(range(len(ring)), key=lambda i: (round(ring[i, 0], 6), round(ring[i, 1], 6)))
        out.append((int(lv[q]), np.roll(ring, -k, axis=0)))
    return sorted(out, key=lambda z: (z[0], round(z[1][0, 0], 6), round(z[1][0, 1], 6)))


def same_rings(a, b, atol=1e-9):
    ca, cb = canon(a, atol), canon(b, atol)
    if len(ca) != len(cb):
        return False
    return all(la == lb and ra.shape == rb.shape and np.allclose(ra, rb, atol=atol)
               for (la, ra), (lb, rb) in zip(ca, cb, strict=True))


def same(a, b):
    return a.symmetric_difference(b).area < 1e-9 and len(shapely.get_parts(a)) == len(shapely.get_parts(b))


@pytest.mark.parametrize("d", [-0.5, -3.0, -7.9, -8.0, -10.0, 0.7, 4.0])
def test_rectangle_island_slot(d):
    reg = box(0, 0, 60, 40).difference(Point(30, 20).buffer(6, quad_segs=16)).difference(box(5, 5, 12, 9))
    got = offset_polygon(reg, d)
    assert got.is_valid
    check_against_shapely(reg, d, got)
    assert same(got, offset_polygon(reg, d, reference=True))


def test_neck_splits_into_two_and_collapse_vanishes():
    reg = shapely.union_all([box(0, 0, 30, 30), box(40, 0, 70, 30), box(29, 12, 41, 18)])
    two = offset_polygon(reg, -4.0)
    assert isinstance(two, MultiPolygon) and len(two.geoms) == 2
    check_against_shapely(reg, -4.0, two)
    one = offset_polygon(reg, -2.0)
    assert isinstance(one, Polygon)
    assert two_sided(one, exact(reg, -2.0)) <= TOL + SLACK
    assert offset_polygon(reg, -15.5).is_empty


def test_square_analytic():
    # a 20 mm square grown by 2: area 400 + 4·20·2 + pi·4 (corners are circumscribed: at most + perimeter·tol)
    got = offset_polygon(box(0, 0, 20, 20), 2.0)
    exact_area = 400 + 160 + np.pi * 4
    assert exact_area <= got.area <= exact_area + 2 * np.pi * 2 * TOL
    assert two_sided(got, exact(box(0, 0, 20, 20), 2.0)) <= TOL + SLACK
    shrunk = offset_polygon(box(0, 0, 20, 20), -2.0)
    assert shrunk.area == pytest.approx(256.0, abs=1e-9)  # convex corners need no arcs: exact


def test_many_distances_kernel_equals_reference():
    reg = box(0, 0, 100, 60).difference(Point(30, 30).buffer(7.5))
    ds = -(3 + 0.3 * np.arange(100))
    xy, starts = pack_rings(reg)
    a = offset_rings_kernel(xy, starts, ds, TOL)
    b = offset_rings_reference(xy, starts, ds, TOL)
    assert same_rings(a, b)


def test_several_distances_in_one_call_match_single_calls():
    reg = box(0, 0, 50, 30).difference(Point(20, 15).buffer(4))
    ds = [-1.0, -2.5, -6.0, 0.0, 3.0]
    many = offset_polygons(reg, ds)
    for d, g in zip(ds, many, strict=True):
        assert same(g, offset_polygon(reg, d)) if d else g.equals(reg)


def test_curves_meeting_at_a_cusp():
    # two tilted diamonds whose tips face each other 4 mm apart: shrinking by nearly 2 mm, the offset
    # arcs around the tips meet the straight offsets at sharp cusps and leave a narrow bridge; the flattened
    # arcs alone would meet up to ~tol / sin(angle / 2) from the exact crossing
    dia = Polygon([(-3, 0), (0, -3.9), (3, 0), (0, 2.1)])
    a = affinity.rotate(affinity.translate(dia, 15, 10), 7, origin=(18, 10))
    b = affinity.rotate(affinity.translate(dia, 25, 10), -13, origin=(22, 10))
    reg = box(0, 0, 40, 20).difference(a).difference(b)
    # at -1.999 and -1.9999 the exact arcs pass each other 0.002 and 0.0002 mm apart, closer than their
    # flattened polygons: the crossings of those go to the middle of the gap
    for d in (-1.5, -1.9, -1.99, -1.999, -1.9999, -2.01, -2.5, -3.5):
        got = offset_polygon(reg, d)
        check_against_shapely(reg, d, got)
        assert same(got, offset_polygon(reg, d, reference=True))
    assert len(offset_polygon(reg, -1.9999).interiors) == 2
    assert len(offset_polygon(reg, -2.01).interiors) == 1


@pytest.mark.xfail(strict=True, reason="known limit: a notch whose walls are exactly 2 d apart, its mouth "
                   "corners' arcs passing each other 0.0025 mm apart (slow profile); two-sided distance 0.016 mm")
def test_known_limit_notch_exactly_two_d_wide():
    reg = Polygon([(-7.919939972803563, 1.1289600644789377), (4.322418446945118, 6.731767878463172), (8, 0),
                   (1, 0.4964039101185671), (1, 1), (0, 1), (0, 0.5673187544212196)])
    check_against_shapely(reg, 0.5, offset_polygon(reg, 0.5))


@pytest.mark.parametrize("reference", [False, True])
def test_micro_step_in_an_edge(reference):
    # a pocket outline of NIST FTC 11 sliced with the faces' shadows added without the slicer's margin (found by
    # the acceptance run of issue 5): edges of 12 and 0.7 micrometres turning -91 and +92 degrees. The arcs of
    # the step's corners nearly coincide; their exact meeting was missing and the neighbours' meeting taken
    # instead lay at another crossing, so a whole corner arc was written (a lobe of 0.53 mm2 kept)
    reg = Polygon([(-5.051069, -18.252219), (-3.696315, -18.579055), (-3.695615, -18.57913),
                   (-3.695617, -18.579142), (-1.393183, -18.886922), (4.0, -26.0), (-11.738255, -26.0)])
    check_against_shapely(reg, -1.5, offset_polygons(reg, [-1.5], reference=reference)[0])


def test_slit_is_cleaned():
    # a region with a 1e-38 mm sliver (found by the strategy's slow profile): the kernel once returned a
    # level outside the region; single and swept calls must agree and nest
    t = 1.1754943508222875e-38
    reg = Polygon([(20, 0), (4, 0), (4, t), (6, t), (6, 5), (0, 5), (0, 20), (20, 20)]).difference(
        Point(0, 9).buffer(1, quad_segs=16))
    ds = -(0.5 + 0.5 * np.arange(12))
    levels = offset_polygons(reg, ds)
    prev = reg
    for d, g in zip(ds, levels, strict=True):
        assert g.difference(prev.buffer(1e-6)).area < 1e-9
        assert same(g, offset_polygon(reg, d))
        check_against_shapely(reg, d, g)
        prev = g


@pytest.mark.parametrize("needle", [True, False])
def test_zero_width_needle_and_slit(needle):
    # a spike of zero width (subnormal coordinates, from the slow profile): out of the polygon (a needle)
    # it matters only when growing, into it (a slit) only when shrinking
    ang = np.array([0, 5e-324, 6e-164, 1.2, 2.5, 3.7, 5.0])
    rad = np.array([8, 9, 8, 9, 8, 10, 9.0]) if needle else np.array([9, 8, 9, 9, 8, 10, 9.0])
    reg = Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)]))
    for d in (-1.0, -0.3, 0.5, 1.0, 3.0):
        got = offset_polygon(reg, d)
        check_against_shapely(reg, d, got)
        assert same(got, offset_polygon(reg, d, reference=True))


def test_clean_ring():
    ring = np.array([(0, 0), (4, 0), (4, 1e-38), (6, 1e-38), (6, 5), (3, 5), (0, 5)])  # a 1e-38 step, collinear
    got = clean_ring(ring)
    assert [tuple(p) for p in got] == [(0.0, 0.0), (6.0, 0.0), (6.0, 5.0), (0.0, 5.0)]
    spike = np.array([(0, 0), (3, 0), (3, -2), (3, 1e-30), (6, 0), (6, 5), (0, 5)])  # the tip (3, -2) stays
    assert [tuple(p) for p in clean_ring(spike)] == [(0.0, 0.0), (3.0, 0.0), (3.0, -2.0), (3.0, 0.0), (6.0, 0.0),
                                                     (6.0, 5.0), (0.0, 5.0)]
    # a spike doubled back along an edge (tips at (6, 0) and (4, 0), found by the slow profile, where the kernel
    # once lost a needle): one tip within the other's far edge goes, the same boundary points stay
    fold = np.array([(0, 0), (6, 0), (4, 1e-38), (6, 1e-30), (6, 5), (0, 5)])
    assert [tuple(p) for p in clean_ring(fold)] == [(0.0, 0.0), (6.0, 0.0), (6.0, 5.0), (0.0, 5.0)]
    # the polygon of that example: a needle from x = 9 to 8 out of it, folded at 10 (the growth lost its tip)
    needle = [(9, 0), (10, 5e-323), (8, 6.690679096853129e-202), (8, 9.08552123417862e-94), (11, 2.44e-15),
              (-2.740345392600136, -12.707891529646261), (0.3008172231038124, -7.994342311803024),
              (2.26929748370581, -7.671394197305108)]
    assert Polygon(needle).is_valid
    assert [tuple(p) for p in clean_ring(np.array(needle))][:4] == [(9.0, 0.0), (8.0, 0.0), (11.0, 0.0),
                                                                    needle[5]]
    grown = offset_polygon(Polygon(needle), 1.0)
    assert grown.contains(Point(7.1, 0)) and not grown.contains(Point(6.9, 0))  # the needle's tip grown by 1
    assert Polygon(got).area == pytest.approx(30.0)
    np.testing.assert_array_equal(clean_ring(got), got)  # idempotent
    assert len(clean_ring(np.array([(0.0, 0.0), (1.0, 0.0), (2.0, 1e-10)]))) < 3  # nothing left
    square = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
    np.testing.assert_array_equal(clean_ring(square), square)


def test_bad_input():
    with pytest.raises(InputError, match="tolerance_mm"):
        offset_polygon(box(0, 0, 1, 1), -0.1, tolerance_mm=0)
    with pytest.raises(GeometryError, match="invalid"):
        offset_polygon(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), -0.1)


@st.composite
def polygons_with_islands(draw):
    n = draw(st.integers(3, 9))
    ang = np.sort(np.array(draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n, unique=True))))
    rad = np.array(draw(st.lists(st.floats(8, 30), min_size=n, max_size=n)))
    outer = Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)]))
    if not outer.is_valid or outer.area < 10:
        outer = box(-20, -15, 20, 15)
    reg = outer
    for _ in range(draw(st.integers(0, 3))):
        cx, cy = draw(st.floats(-15, 15)), draw(st.floats(-15, 15))
        if draw(st.booleans()):
            hole = Point(cx, cy).buffer(draw(st.floats(0.5, 5)), quad_segs=draw(st.integers(2, 16)))
        else:
            hole = shapely.affinity.rotate(box(cx, cy, cx + draw(st.floats(0.5, 8)), cy + draw(st.floats(0.5, 8))),
                                           draw(st.floats(0, 90)))
        reg = reg.difference(hole)
    polys = sorted(shapely.get_parts(reg), key=lambda p: -p.area)
    return polys[0] if polys else outer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=polygons_with_islands(), d=st.one_of(st.floats(-12, -0.05), st.floats(0.05, 6)))
def test_random_polygons_kernel_reference_and_shapely(reg, d):
    got = offset_polygon(reg, d)
    assert got.is_valid
    check_against_shapely(reg, d, got)
    xy, starts = pack_rings(reg)
    a = offset_rings_kernel(xy, starts, np.array([d]), TOL)
    b = offset_rings_reference(xy, starts, np.array([d]), TOL)
    assert same_rings(a, b)


# Slivers of 1.0e-5 and 1.8e-5 mm2 beyond the default 1e-6 (2026-11-26 04:30 UTC run, 1000 examples; the same
# two at 925d6cc) on near-degenerate input (an outward offset of 0.66 mm by a notch of ~0.1 mm edges; an inward
# offset of 5.6 mm of a spike 6e-7 mm wide): the class (b) of the known exceptions in toolpath.kernels.offset's
# docstring. Here the bound is that docstring's: at most 2e-5 mm2.
@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=polygons_with_islands(), d=st.one_of(st.floats(-12, -0.05), st.floats(0.05, 6)))
def test_random_polygons_many(reg, d):
    got = offset_polygon(reg, d)
    assert got.is_valid
    check_against_shapely(reg, d, got, sliver_mm2=2e-5)  # both sides of the Hausdorff distance


@st.composite
def polygons_with_micro_steps(draw, micro_mm: float = 0.02):
    """A random polygon with islands whose outline gets up to three micro-steps: an edge split at a random point
    and shifted sideways there by 1e-6 to ``micro_mm`` (either side), or a two-point notch of that depth, as meshes and
    unions of near-coincident outlines leave them (the slicer's face shadows, DXF exports)."""
    reg = draw(polygons_with_islands())
    ring = list(np.asarray(reg.exterior.coords)[:-1])
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(ring) - 1))
        a, b = ring[k], ring[(k + 1) % len(ring)]
        ln = float(np.hypot(*(b - a)))
        if ln < 0.1:
            continue
        t = draw(st.floats(0.2, 0.8))
        h = draw(st.floats(1e-6, micro_mm)) * draw(st.sampled_from([-1.0, 1.0]))
        nrm = np.array([-(b - a)[1], (b - a)[0]]) / ln
        p = a + t * (b - a)
        if draw(st.booleans()):  # a step: the rest of the edge runs on h to the side, then back at its end
            w = draw(st.floats(1e-6, micro_mm))
            new = [p, p + h * nrm, b + h * nrm - w * (b - a) / ln]
        else:  # a notch of depth h and width w
            w = draw(st.floats(1e-6, micro_mm))
            new = [p, p + h * nrm, p + h * nrm + w * (b - a) / ln, p + w * (b - a) / ln]
        ring[k + 1:k + 1] = new
    got = Polygon(ring, [np.asarray(h.coords) for h in reg.interiors])
    return got if got.is_valid else reg


def boundary_distances(reg, d, got, per_edge=10):
    """Distances (mm) from points of ``got``'s boundary (every vertex and ``per_edge - 1`` points on each edge) to
    ``reg``'s boundary, and whether each lies inside ``reg``: exact point-segment distances, independent of any
    buffer (shapely's ``buffer`` of the polygon itself simplifies small features first)."""
    pts = []
    for ring in shapely.get_rings(shapely.get_parts(got)):
        c = np.asarray(ring.coords)
        t = np.linspace(0.0, 1.0, per_edge + 1)[:-1]
        pts.append((c[:-1, None, :] * (1 - t)[None, :, None] + c[1:, None, :] * t[None, :, None]).reshape(-1, 2))
    p = shapely.points(np.concatenate(pts)) if pts else shapely.points(np.zeros((0, 2)))
    return shapely.distance(reg.boundary, p), shapely.contains_xy(reg, shapely.get_coordinates(p))


# how much closer than asked a boundary point may come (mm): a straight piece from a vertex on one arc to the next
# corner can dip into a nearly coinciding neighbour's disc by nanometres (6e-6 mm seen)
NEAR_MM = 1e-5


def check_safe(reg, d, got):
    """``got`` valid, and every point of its boundary between ``|d|`` (less NEAR_MM) and ``|d| + tol`` from ``reg``'s
    boundary, on the asked side (exact point-segment distances)."""
    assert got.is_valid
    if not got.is_empty:
        dist, inside = boundary_distances(reg, d, got)
        assert dist.min() >= abs(d) - NEAR_MM, f"offset boundary {abs(d) - dist.min():.2e} mm closer than asked"
        assert dist.max() <= abs(d) + TOL + NEAR_MM, f"offset boundary {dist.max() - abs(d):.2e} mm off (> tol)"
        assert np.all(inside == (d < 0)), "offset boundary on the wrong side of the region's"


def check_micro(reg, d):
    got = offset_polygon(reg, d)
    check_safe(reg, d, got)
    check_against_shapely(reg, d, got, sliver_mm2=2e-5)
    xy, starts = pack_rings(reg)
    a = offset_rings_kernel(xy, starts, np.array([d]), TOL)
    b = offset_rings_reference(xy, starts, np.array([d]), TOL)
    assert same_rings(a, b)
    pts, rs = a[0], a[1]
    assert all(shapely.LinearRing(pts[rs[k]:rs[k + 1]]).is_simple for k in range(len(rs) - 1)), "a ring touches itself"


# Micro-steps (edges of micrometres, a step or a notch in an edge, as meshes, unions of near-coincident outlines
# and CAD exports leave them): the offset curves of their corners nearly coincide and cross far from where the
# exact ones meet. Found by these tests and fixed: exact meetings closer than |d| to some edge (then the raw
# crossing stands), a copy of a run on an arc's facets along a collinear moved edge, runs leading nowhere, folded
# zero-width spikes; edges shorter than half the tolerance lose an end on the safe side first (pack_rings).
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=polygons_with_micro_steps(), d=st.one_of(st.floats(-12, -0.05), st.floats(0.05, 6)))
def test_random_micro_steps_never_come_closer(reg, d):
    # the first promise (never closer to a wall than asked, and within the tolerance of it) on every example; the
    # rest (two-sided distance, kernel == reference) is the slow profile's, a known limit below
    check_safe(reg, d, offset_polygon(reg, d))


def test_micro_kink_in_a_straight_wall():
    # a straight wall with a sideways jog of 0.83 micrometres: the reflex corner's quarter-circle arc and the
    # convex corner's chord made a lobe, 0.2 mm of it kept beyond the exact offset (toward the wall)
    reg = Polygon([(-28.043886205, 3.147380462), (9.317915614, -25.853555183), (17.775789925, -13.839215769),
                   (16.231909029, -10.305437038), (16.232670932, -10.305104168), (13.054511578, -3.032713115)])
    check_micro(reg, -7.453929974855939)


@pytest.mark.parametrize("coords, d", [
    # an exact meeting of a line and a near-tangent arc 0.07 mm inside a third edge's band (the raw crossing
    # stands now); steps of 7 and 12 micrometres
    ([(5.635126313, 13.899119336), (-2.023606222, 16.464815161), (-2.025365067, 16.45956492),
      (-14.525502544, 20.647144312), (-14.535238155, 20.656245226), (6.350079976, -26.226558248),
      (5.957753659, -11.599420295), (10.535052727, -6.163695095), (10.52961602, -6.159116969),
      (13.403119163, -2.746717382), (13.409534658, -2.750133157)], -7.567177557129458),
    # two notches on one edge: a run on an arc's facet and its copy on the collinear moved edge (the arc's copy
    # was chained, its arc rewritten 0.004 mm inside the edge's band)
    ([(25.378432854, 6.588650297), (7.659381058, 3.884802753), (12.31981046, 12.387363004),
      (8.057458129, 22.842280673), (-12.190328036, 1.256052878), (-11.399854864, -0.842624952),
      (-11.410310395, -0.846563059), (-11.40330545, -0.865160935), (-11.39284992, -0.861222829),
      (-10.520214082, -3.178039582), (-10.503607047, -3.171784494), (-10.50334766, -3.172473158),
      (-10.519954695, -3.178728246), (-9.064813822, -7.04207491), (0.016633583, -15.348267918)],
     -3.7757625728352586),
    # a square notch of 15.6 micrometres on an edge, the edge kinked by 1 micrometre: growing by 1 mm gave nothing
    # (a piece ended on a point snapped 2e-8 mm into its own band, and the chain ran into a dead end)
    ([(8, 0), (4.543486072085002, 3.182540993889886), (4.543486749435205, 3.18254172955061),
      (4.531992050615372, 3.1931253264836634), (4.531991373265169, 3.193124590822939),
      (1.0869721441700033, 6.365081987779772), (1.0763885472369503, 6.353587288959939),
      (1.0648938484171173, 6.3641708858929915), (1.0754774453501703, 6.3756655847128245),
      (-5.826055711659993, 12.730163975559543), (-7.919939972803563, 1.1289600644789377)], 1.0),
    # growth by 5.8 mm: the arc of a notch's corner written between two crossings, the arc of a vertex 0.55 mm
    # away crossing it twice in between and poking out 3.5e-4 mm with no crossing of the flattened curves
    ([(-7.40474808243003, -5.101327328584562), (-16.60252174792859, 1.0903131049967845),
      (-16.236208457228436, 3.646339328435311), (-16.236209447114575, 3.646339470299446),
      (-16.235142499808415, 3.653784314269911), (-16.235141509922276, 3.6537841724057762),
      (-15.559096333407247, 8.371028245365133), (-1.2653131118529992, 20.40265122957576),
      (2.2979771620791496, 14.549370992018439), (-0.0017189462758029, 14.25239250212833),
      (0.0623183698323635, 13.756510235712538), (2.582519428912776, 14.08196432594037),
      (7.1158567892585625, 6.635224952610963), (-0.1563838626753107, 7.867893053544402),
      (-1.2410061793690472, 1.469062340328114), (6.646487102707026, 0.132106946455598),
      (7.610937854018687, 5.8219742798973275), (9.187088519242133, 3.2328920466431255),
      (9.183974038065559, 3.230996049862786), (9.190218157861954, 3.2207390738110284),
      (9.193332639038529, 3.222635070591368), (12.54901256442281, -2.289611611783084)], 5.834722997267888),
    # growth by 3.5 mm around three vertices within 0.014 mm: a corner 2.3e-3 mm inside a neighbour's disc (the
    # arc's fresh corners were not tested between crossings of the flattened curves), and, with the corner moved
    # out only to its own r / cos(h), a facet between two moved corners 1.2e-5 mm inside
    ([(17.141495873737, -9.93990373241731), (8, 0), (29.31695906311963, 0), (21.538792546004014, -11.443901478111837),
      (21.5388430251523, -11.44393578767154), (15.926049630593816, -19.701955782870034),
      (15.932281504964497, -19.706191449933545), (10.156611840889497, -28.20384889405626),
      (10.150345656959113, -28.199663706141035), (10.142331621890312, -28.211346058749633)], 3.542205920735522),
])
def test_micro_steps_found_by_random_search(coords, d):
    check_micro(Polygon(coords), d)


@pytest.mark.parametrize("reg, d", [
    # growth by 1 mm of a micro-step of 1.2 micrometres: the raw curves make a loop of zero area through a
    # crossing; the kernel's runs closed it as a ring of its own (dropped), the reference chained it into the
    # ring, which then touched itself (invalid; in other cases the kernel did): both cut it out of the written
    # ring now
    (Polygon([(-3.3291746923771393, 7.274379414605454), (0.4966218772839892, 7.003073646534313),
              (0.49662180654678756, 7.003072649039327), (4.306832517042228, 6.732872149744244),
              (4.322418446945118, 6.731767878463172), (8.0, 0.0)]), 1.0),
    # a notch of 0.01 mm, shrunk by 0.99999 mm: the last raw facet of its corner's arc lies along the moved edge
    # beside it, 1e-16 mm off; their boxes (of zero height) did not overlap, so the kernel never split the edge
    # at the facet's end where the reference did
    (Polygon([(-9.974076581587916, -8.549244503897416), (-16.557657009717193, -4.399662640823619),
              (10.619756319805623, 19.53517880793344), (9.743183191764905, 7.33294206879123),
              (9.743182194335244, 7.33294214044367), (9.21692427065177, 0.0072284433008618),
              (9.216406002926856, 0.0), (15.708212412920616, 0.0), (15.708212412920616, 0.01),
              (15.719029419447859, 0.01), (15.719029419447859, 0.0), (17.44993673637749, 0),
              (28.251592954800582, -3.86122841728941)],
             [Point(-0.3255728128795958, -0.4187453701529424).buffer(0.8977177539787, quad_segs=7).exterior.coords]),
     -0.99999),
    # growth by 1.34 mm of an outline with a notch of 12 micrometres: three raw curves cross at one point, one
    # pair's exact meeting not clear; the rows of that point on one segment carried different primitives (the
    # arc, or the line its facet runs on into, found by the neighbour search of another pair) and kernel and
    # reference took different ones (their order of discovery): the raw crossing stands now with the
    # primitives under it
    (Polygon([(-6.048258014012877, -5.498587549871775), (-5.904535674559941, -5.420109215115446),
              (-5.340360894865026, -4.997773265140237), (-4.842033273372262, -4.499445643647474),
              (-4.419697323397053, -3.935270863952557), (-4.081950586964586, -3.316733897624361),
              (-3.835668613647468, -2.6564263735840123), (-3.6858649942038726, -1.9677902488513146),
              (-3.635589298327706, -1.2648441690632293), (-3.6858649942038726, -0.5618980892751433),
              (-3.835668613647468, 0.12673803545755447), (-4.081950586964586, 0.7870455594979031),
              (-4.419697323397053, 1.405582525826098), (-4.842033273372262, 1.9697573055210142),
              (-5.1835148821565635, 2.311238914305316), (-5.175263488243225, 2.3194903082186547),
              (-5.186206515549531, 2.3304333355249613), (-5.19445790946287, 2.3221819416116225),
              (-5.340360894865025, 2.468084927013778), (-5.410969496771776, 2.5209418643246497),
              (-3.674664022198462, 24.370312202348618), (9.588750409075798, 6.626742712097463),
              (13.419863401410216, 6.1855807095716715), (13.506100160219793, 2.925920484888676),
              (8.069366494900777, 3.823618148037543), (7.8901641203212485, 2.7383133480181865),
              (13.535724932558704, 1.8061347532418315), (13.58350758361954, 0.0),
              (13.27421369852975, -13.512460328371352), (-6.160098741588781, -6.905972086443888)],
             [[(0.6378354941720312, -1.4877089264350642), (4.574036268611419, 0.6727588596674643),
               (3.8522978659280893, 1.9877089264350645), (-0.08390290851129834, -0.17275885966746418)]]),
     1.3404804014715992),
    # a shrink by 1 mm with a micro-step of 4 micrometres: kernel and reference both chained a loop of zero area
    # into the ring through the point it starts at (a ring touching itself); cut out now
    (Polygon([(-21.83191311129792, -7.293481097472966), (-14.485431797649717, 13.696419442431885),
              (-10.181163791624572, 11.58238430751501), (-6.600162032451448, 10.703640509290906),
              (-6.599126433062183, 10.707860719143032), (4.1315203420230295, 8.074661983514108),
              (4.142843245067924, 8.067409114618592), (21.584315309977075, 13.01032410455462),
              (13.82085414893908, 4.418196753435151), (13.81920283330478, 4.419688808227592),
              (13.819161914064349, 4.419643521297238), (13.820813229698649, 4.4181514665047965),
              (12.146193075743028, 2.5647835769674714), (12.146193817724095, 2.564782906546636),
              (10.41324218103531, 0.646857274292921), (10.407854019856751, 0.6408954763148642),
              (23.523047555329516, -7.139239688625288), (-23.78596265059411, -9.888310321422008)],
             [Point(0, 0).buffer(3.8646939065971786, quad_segs=6).exterior.coords]), -1.0),
    # growth by 1.7 mm, three raw curves crossing at one point, one pair's exact meeting not clear: the merging of
    # near points had given a row flagged 2 another pair's exact meeting, and the unification (pairs where just
    # one is flagged 2) never reset it (the kernel wrote the exact meeting, the reference the raw point)
    (Polygon([(20.298002722406274, 0.0), (3.393099306981696, -1.559418178375303),
              (3.4535056796655534, -1.4487921664072068), (3.627399719244064, -0.9825642035038413),
              (3.73317261109509, -0.49633406689831827), (3.768671124164376, 0.0),
              (3.73317261109509, 0.4963340668983189),
              (3.627399719244064, 0.9825642035038418), (3.453505679665553, 1.4487921664072068),
              (3.215030473536376, 1.8855268987741214), (2.9168287683476173, 2.2838777408925623),
              (2.8362414082051997, 2.36446510103498), (2.8466290018463662, 2.3748526946761466),
              (2.8372938358675626, 2.3841878606549503), (2.826906242226396, 2.3738002670137837),
              (2.5649710908742147, 2.6357354183659654), (2.1666202487557715, 2.933937123554726),
              (1.7298855163888565, 3.1724123296839024), (1.2636575534854912, 3.3463063692624133),
              (1.0634757482203607, 3.3898532554893155), (5.128026142095789, 4.572079771577123),
              (5.1262277443905715, 4.578262747514148), (5.130748573182761, 4.579577688443623),
              (5.1325469708879785, 4.573394712506597), (6.311169338751733, 4.9162121168232815)]), 1.6962782491207005),
])
def test_kernel_equals_reference_on_micro_steps(reg, d):
    check_micro(reg, d)


def test_corner_moved_out_from_an_island_vertex_not_along_its_own_ray():
    # a shrink by 3.4 mm: the fresh corner next to an exact meeting 0.12 mm from its raw crossing lay nearer to
    # an island's vertex than its own distance from its centre, and was moved out along the ray from its own
    # centre, which ran toward the island: not cleared, the arc's raw corners were written, and the facet from
    # the last of them to the exact meeting cut 0.0075 mm into the island's band (moved out from the vertex now)
    reg = Polygon([(29.70660142406768, -2.992145697646592), (-7.370587804602653, -12.01622505334098),
                   (-10.915025894637344, -0.8255657262915295), (-10.77558189995906, 13.128934184916059),
                   (13.472249998159194, 20.98178621561512), (5.982300465170892, 8.281801828986877),
                   (12.111814763321888, 2.3611545862375696), (12.124328031384104, 2.3741092941198674),
                   (14.567663807486044, 0.014031721537572013), (14.555345819565288, 0.0008883878074731191),
                   (14.993172504107212, 1.4993172504107214e-08), (13.179088949625006, 0.0)],
                  [[(-1.934483662360479, 12.341328997489246), (-4.941298180825988, 11.617981293158648),
                    (-3.4985833399750925, 5.620898695805846), (-0.4917688215095839, 6.344246400136444)]])
    check_micro(reg, -3.3745573127813824)


def test_notch_under_a_large_offset_never_comes_closer():
    # a notch of 16 micrometres shrunk by 8 mm to a region of 0.42 mm2: an arc closed at a crossing whose incoming
    # primitive was another was written to its end, 0.91 mm into the wall (kernel and reference), while only
    # stretches next to far or missing exact meetings were checked
    reg = Polygon([(9.765625, 0.0), (9.823913580427517, 0.03906091056220843), (9.815215295082101, 0.05204091275980933),
                   (9.828195297279702, 0.060739198105225156), (9.836893582625118, 0.04775919590762426),
                   (9.998779321710066, 0.15624364224883372), (12.595861482238382, 3.2162514703087983),
                   (14.918903552136337, 8.150234156271452), (1.2732696300186523, 17.95490975887298),
                   (-7.919939972803563, 1.1289600644789377), (2.26929748370581, -7.671394197305108)])
    check_safe(reg, -8.0, offset_polygon(reg, -8.0))


# The slow profile: 1000 examples, every check (exact distances both ways, shapely's exact offset, kernel ==
# reference, rings that do not touch themselves). Found by it and by 9000 examples drawn afresh, and fixed
# (2026-11-27): up to 0.012 mm (and 3.5e-4, 2.3e-3, 7.5e-3 mm) closer than asked where nearly coinciding arcs
# of a micro-step cross between crossings of the flattened curves, or an arc corner lies in an island vertex's
# disc (the notch tests above and below, test_corner_moved_out_from_an_island_vertex_not_along_its_own_ray,
# the last two of test_micro_steps_found_by_random_search); kernel and reference writing different rings
# (test_kernel_equals_reference_on_micro_steps).
@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=polygons_with_micro_steps(), d=st.one_of(st.floats(-12, -0.05), st.floats(0.05, 6)))
def test_random_micro_steps_many(reg, d):
    check_micro(reg, d)


def test_notch_under_a_large_offset_stays_off_the_nearly_coinciding_arc():
    # a notch of 16 micrometres shrunk by 10 mm to a region of 0.76 mm2: between a crossing without an exact
    # meeting and one 1 mm from its raw crossing, the exact curve is the neighbour's arc (centres 0.07 mm apart);
    # the fresh corners of the arc taken were 0.002 mm inside its band, so its raw corners were written and the
    # facet from them to the exact meeting cut 0.012 mm into the wall. The corners are now moved out onto the
    # neighbour's circumscribed polygon
    reg = Polygon([(9.765625, 0), (9.823913580427517, 0.0390609105622084), (9.819564437754808, 0.0455509116610089),
                   (9.83254443995241, 0.0542491970064247), (9.836893582625118, 0.0477591959076243),
                   (9.998779321710066, 0.1562436422488337), (13.564773903949026, 3.463655429563321),
                   (15.79648611402671, 8.629659694875654), (1.7684300416925727, 24.937374665101363),
                   (-12.869902455805791, 1.8345601047782738), (2.26929748370581, -7.671394197305108)])
    check_micro(reg, -10.0)


sweeps = {"reg": polygons_with_islands(), "d0": st.floats(0.05, 3), "step": st.floats(0.1, 2.5),
          "sign": st.sampled_from([-1.0, 1.0])}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**sweeps)
def test_random_sweeps_kernel_equals_reference(reg, d0, step, sign):
    # growing offsets of one sign: the kernel leaves out features without kept pieces at the previous offset,
    # the reference computes every offset from scratch
    ds = sign * (d0 + step * np.arange(5))
    xy, starts = pack_rings(reg)
    assert same_rings(offset_rings_kernel(xy, starts, ds, TOL), offset_rings_reference(xy, starts, ds, TOL))


def test_collapsed_connector_inside_a_run():
    # (from the slow sweeps) a connector 2e-7 mm long at a nearly straight vertex collapses inside a run: the
    # kernel wrote a spike A, B, A there that the reference cancels as a piece and its reverse
    xy = np.array([[8.0, 0.0], [9.0, 0.0], [18.0, 1.8e-06], [4.322, 6.732]])
    starts = np.array([0, 4])
    ds = -(1.0 + 1.0 * np.arange(4))
    assert same_rings(offset_rings_kernel(xy, starts, ds, TOL), offset_rings_reference(xy, starts, ds, TOL))


def test_crossing_near_the_ends_of_two_non_neighbours():
    # (from the slow sweeps) the vertex (9, ~0) turns left by 5.5e-7 rad: shrinking by 0.25, its connector is
    # 1.4e-7 mm long and the moved edges on either side cross within SNAP_MM of their ends at it (7e-8 mm
    # before x = 9), not being neighbours on the raw ring; the reference dropped that crossing as if it were a
    # shared point and kept the connector as a 1.4e-7 mm backtrack
    reg = Polygon([(8.0, 0.0), (9.0, 5.084957680104184e-167), (10.999999999999945, 1.0999999999999982e-06),
                   (4.322418446945118, 6.731767878463172)])
    ds = -(0.25 + 1.0 * np.arange(12))
    xy, starts = pack_rings(reg)
    got = offset_rings_kernel(xy, starts, ds, TOL)
    assert same_rings(got, offset_rings_reference(xy, starts, ds, TOL))
    pts, rs, lv = got
    assert lv.tolist() == [0]  # one ring at -0.25, nothing left from -1.25 on (inradius ~1 mm)
    ring = pts[rs[0]:rs[1]]
    ev = np.roll(ring, -1, axis=0) - ring
    nx = np.roll(ev, -1, axis=0)
    assert np.all(ev[:, 0] * nx[:, 1] - ev[:, 1] * nx[:, 0] > 0)  # convex, as the region: no backtrack
    for d, g in zip(ds, offset_polygons(reg, ds), strict=True):
        assert g.is_valid
        check_against_shapely(reg, d, g)



_NEEDLE = [[8.0, 0.0], [8.0, 5.352369958056204e-48], [14.0, 1.961817850054744e-44], [13.0, 1.5281426560689738e-37],
           [7.020660495122982, 3.835404308833624], [4.322418446945118, 6.731767878463172],
           [2.5225788991621494, 7.59187695484469], [0.5658976133416233, 7.979959892832436],
           [-3.3291746923771393, 7.274379414605454]]
_THRICE = [[9.0, 0.0], [8.0, 1.1210387714598537e-44], [9.0, 1.0579449157400588e-37],
           [7.020660495122982, 3.835404308833624], [4.322418446945118, 6.731767878463172],
           [0.5658976133416233, 7.979959892832436], [-3.3291746923771393, 7.274379414605454],
           [-7.919939972803563, 1.1289600644789377], [8.0, -9.064862236236767e-15]]


# (both from the default profile) _NEEDLE: a needle 13 -> 14 -> 13 out of the region, the edges before and after
# it nearly opposite (the turn past the tip 180.01 deg: the local rule gave -pi, a slit, and the needle's offset
# was left out: 1.6 mm2). _THRICE: the edge 8 -> 9 run three times (a needle and a slit at once): kernel and
# reference differ in the pieces run both ways along y = -1 (the reference keeps a zero-width spike, the kernel a
# repeated point that makes its raw ring unfit for shapely's overlay), so only offset_polygon's result is checked.
@pytest.mark.parametrize(("ring", "raw"), [(_NEEDLE, True), (_THRICE, False)])
@pytest.mark.parametrize("d", [1.0, -0.4])
def test_spike_tips_turn_as_the_ring_turns(ring, raw, d):
    # a ring's turns add up to 2 pi: the tip of a zero-width spike turns by +pi or -pi as that needs, not as the
    # edges just around it say when they are nearly opposite
    reg = Polygon(ring)
    got = offset_polygon(reg, d)
    assert got.is_valid
    check_against_shapely(reg, d, got)
    if raw:
        xy, starts = pack_rings(reg)
        a = offset_rings_kernel(xy, starts, np.array([d]), TOL)
        assert same_rings(a, offset_rings_reference(xy, starts, np.array([d]), TOL))
        check_against_shapely(reg, d, assemble(a[0], a[1]))

@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**sweeps)
def test_random_sweeps_many(reg, d0, step, sign):
    ds = sign * (d0 + step * np.arange(12))
    xy, starts = pack_rings(reg)
    assert same_rings(offset_rings_kernel(xy, starts, ds, TOL), offset_rings_reference(xy, starts, ds, TOL))


_PLAIN = """
import json, sys
import numpy as np
from toolpath.kernels.offset import pack_rings
from toolpath.kernels.offset_kernel import offset_rings_kernel
from shapely import wkt
xy, starts = pack_rings(wkt.loads(sys.argv[1]))
pts, rs, lv = offset_rings_kernel(xy, starts, np.array(json.loads(sys.argv[2])), 0.01)
print(json.dumps([pts.tolist(), rs.tolist(), lv.tolist()]))
"""


def test_plain_python_run_has_no_out_of_bounds_access():
    """The compiled kernel does not check indices: run its functions as plain Python (NUMBA_DISABLE_JIT, NumPy
    raises on an index past the end) on levels where whole rings fall inactive and then everything does
    (more rings than raw points: once wrote past the end of the chain starts and crashed on a DXF with many
    islands), and compare with the compiled result."""
    import json
    import os
    import subprocess
    import sys

    reg = box(0, 0, 40, 30)
    for i in range(6):
        for j in range(2):
            reg = reg.difference(box(4 + 6 * i, 6 + 14 * j, 6 + 6 * i, 9 + 14 * j))
    dist = [-0.5 - 0.6 * k for k in range(14)] + [0.3, 0.9, 1.4]  # inward past the collapse, then outward
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run([sys.executable, "-c", _PLAIN, reg.wkt, json.dumps(dist)], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    pts, rs, lv = json.loads(out.stdout)
    plain = (np.array(pts).reshape(-1, 2), np.array(rs, np.int64), np.array(lv, np.int64))
    xy, starts = pack_rings(reg)
    got = offset_rings_kernel(xy, starts, np.array(dist), 0.01)
    assert same_rings(plain, got)
    assert set(got[2].tolist()) >= {0, 14, 16}  # rings at the first inward and the outward levels
    assert 13 not in set(got[2].tolist())  # and none once the region has collapsed
