"""Kernels of adaptive clearing against their plain references, and against geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from toolpath.kernels import adaptive_pass as P
from toolpath.kernels import engagement as K
from toolpath.kernels.raster import fill_kernel, fill_reference, polygon_edges, rasterize

CELL = 0.1


def random_grid(seed: int, shape=(60, 70)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random(shape) < 0.6).astype(np.uint8)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(-1, 8), st.floats(-1, 7), st.floats(0.3, 3.0))
def test_engagement_and_clear_match_reference(seed, cx, cy, r):
    mat = random_grid(seed)
    cs, sn = K.circle_samples(90)
    args = (0.0, 0.0, CELL, cx, cy, r, cs, sn)
    assert K.engagement_kernel(mat, *args) == K.engagement_reference(mat, *args)
    a = K.material_direction_kernel(mat, *args)
    b = K.material_direction_reference(mat, *args)
    assert np.allclose(a, b)
    pts = np.array([[cx, cy], [cx + 0.3, cy - 0.2]])
    mat2 = mat + (np.arange(mat.size).reshape(mat.shape) % 3 == 0) * mat  # values 0, 1, 2
    for value in (1, 2):
        assert np.array_equal(K.engagement_many_kernel(mat2, 0.0, 0.0, CELL, pts, r, cs, sn, value),
                              K.engagement_many_reference(mat2, 0.0, 0.0, CELL, pts, r, cs, sn, value))
    m1, m2 = mat.copy(), mat.copy()
    seg = (0.0, 0.0, CELL, cx, cy, cx + 1.3, cy - 0.4, r)
    assert K.clear_capsule_kernel(m1, *seg) == K.clear_capsule_reference(m2, *seg)
    assert np.array_equal(m1, m2)
    m1, m2 = mat.copy(), mat.copy()
    assert K.clear_disc_kernel(m1, 0.0, 0.0, CELL, cx, cy, r) == K.clear_disc_reference(m2, 0.0, 0.0, CELL, cx, cy, r)
    assert np.array_equal(m1, m2)
    allowed = np.ones_like(mat)
    allowed[:, 50:] = 0
    la = (mat, allowed, 0.0, 0.0, CELL, cx, cy, cx + 1.0, cy + 0.5, r, cs, sn, 20)
    assert P.link_is_clear_kernel(*la) == P.link_is_clear_reference(*la)


def test_engagement_of_a_straight_side_cut_is_arccos():
    """A tool whose circle overlaps a half-plane of material by ae: arc = 2*arccos(1 - ae/R) measured
    across the overlap (both sides of the normal), within the raster's resolution."""
    cell = 0.01
    mat = np.zeros((800, 800), np.uint8)
    r, ae = 2.0, 0.5
    mat[:, 400 + int(round((r - ae) / cell)) :] = 1  # material where x >= 4 + (R - ae), centre at x = 4
    cs, sn = K.circle_samples(3600)
    n = K.engagement_kernel(mat, 0.0, 0.0, cell, 4.0, 4.0, r, cs, sn)
    expected = 2 * math.degrees(math.acos(1 - ae / r))
    assert abs(n / 10.0 - expected) < 1.0


def test_clear_disc_area_is_pi_r2():
    cell = 0.02
    mat = np.ones((400, 400), np.uint8)
    n = K.clear_disc_kernel(mat, 0.0, 0.0, cell, 4.0, 4.0, 1.5)
    assert abs(n * cell * cell - math.pi * 1.5**2) < 0.02


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 1000), st.floats(0, math.tau))
def test_adaptive_pass_matches_reference(seed, heading):
    """The whole stepping loop, kernel against the plain reference, on a small block with a cleared hole."""
    rng = np.random.default_rng(seed)
    cell, r = 0.1, 1.0
    mat = np.ones((60, 60), np.uint8)
    cx, cy = 3.0 + rng.random(), 3.0 + rng.random()
    K.clear_disc_kernel(mat, 0.0, 0.0, cell, cx, cy, 1.5)
    allowed = np.zeros_like(mat)
    allowed[12:48, 12:48] = 2  # near the edge: steps checked with the owned count
    allowed[20:40, 20:40] = 1
    cs, sn = K.circle_samples(120)
    px, py = cx + 0.5, cy
    outs = []
    for fn in (P.adaptive_pass_kernel, P.adaptive_pass_reference):
        m = mat.copy()
        xy, e, log = np.zeros((40, 2)), np.zeros(40, np.int64), np.zeros(m.size, np.int64)
        own = np.full(m.shape + (2,), np.nan, np.float32)
        n, reason, removed = fn(m, allowed, 0.0, 0.0, cell, r, cs, sn, px, py, heading, 0.1, 0.02,
                                12, 16, 1, -1.0, 5, xy, e, log, own)
        outs.append((n, reason, removed, xy[:n].copy(), e[:n].copy(), m, np.sort(log[:removed]), own))
    a, b = outs
    assert a[:3] == b[:3]
    assert np.allclose(a[3], b[3])
    assert np.array_equal(a[4], b[4]) and np.array_equal(a[5], b[5]) and np.array_equal(a[6], b[6])
    assert np.array_equal(a[7], b[7], equal_nan=True)  # the same disc centres recorded for the cleared cells
    # a climb pass keeps the material on its right: from the hole's +x side, a heading back into the hole
    # (about 250-290 deg) finds air on both sides and rightly ends at once; any other heading cuts on
    if not math.radians(240) < heading < math.radians(300):
        assert a[0] > 5, a[:3]
    # every step after the first keeps the engagement at most the maximum
    assert a[4][1:].max() <= 16


def test_pass_undo_log_restores_the_raster():
    cell, r = 0.1, 1.0
    mat = np.ones((60, 60), np.uint8)
    K.clear_disc_kernel(mat, 0.0, 0.0, cell, 3.0, 3.0, 1.5)
    before = mat.copy()
    cs, sn = K.circle_samples(120)
    xy, e, log = np.zeros((30, 2)), np.zeros(30, np.int64), np.zeros(mat.size, np.int64)
    _, _, removed = P.adaptive_pass_kernel(mat, np.ones_like(mat), 0.0, 0.0, cell, r, cs, sn, 3.5, 3.0, 1.57,
                                           0.1, 0.02, 12, 16, 1, -1.0, 5, xy, e, log,
                                           np.full(mat.shape + (2,), np.nan, np.float32))
    assert removed > 0 and not np.array_equal(mat, before)
    mat.flat[log[:removed]] = 1
    assert np.array_equal(mat, before)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.5, 4), st.floats(0.5, 4), st.floats(0.3, 1.5))
def test_fill_matches_shapely(cx, cy, rad):
    geom = box(0, 0, 6, 5).difference(Point(cx, cy).buffer(rad, quad_segs=12))
    got = fill_kernel(polygon_edges(geom), -0.05, -0.05, 0.05, 110, 130)
    ref = fill_reference(geom, -0.05, -0.05, 0.05, 110, 130)
    # cells whose centre lies on a boundary may differ; nothing else
    diff = np.argwhere(got != ref)
    for iy, ix in diff:
        assert geom.boundary.distance(Point(-0.05 + ix * 0.05, -0.05 + iy * 0.05)) < 1e-9
    assert rasterize(geom, -0.05, -0.05, 0.05, 110, 130).sum() == got.sum()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_fill_matches_shapely_with_many_crossings_per_row(seed):
    """Rows crossing a dozen rings or more, their crossings found out of order (the row's sort matters)."""
    rng = np.random.default_rng(seed)
    geom = box(0, 0, 6, 5)
    for _ in range(12):
        geom = geom.difference(Point(*rng.uniform(0.3, 5.7, 2)).buffer(rng.uniform(0.1, 0.35), quad_segs=6))
    got = fill_kernel(polygon_edges(geom), -0.05, -0.05, 0.05, 110, 130)
    ref = fill_reference(geom, -0.05, -0.05, 0.05, 110, 130)
    for iy, ix in np.argwhere(got != ref):
        assert geom.boundary.distance(Point(-0.05 + ix * 0.05, -0.05 + iy * 0.05)) < 1e-9


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(1, 6), st.floats(1, 5), st.floats(0.3, 2.0), st.floats(-7, 7),
       st.sampled_from([96, 120, 126, 360]))
def test_front_engagement_matches_reference_and_is_half_the_circle(seed, cx, cy, r, ang, kk):
    mat = random_grid(seed)
    cs, sn = K.circle_samples(kk)
    args = (0.0, 0.0, CELL, cx, cy, r, cs, sn)
    front = K.engagement_front_kernel(mat, *args, ang)
    assert front == K.engagement_front_reference(mat, *args, ang)
    back = K.engagement_front_kernel(mat, *args, ang + math.pi)
    assert abs(front + back - K.engagement_kernel(mat, *args)) <= 1  # two halves make the circle (a tie may
    # put the sample on the split in both or neither)
    # geometry: the counted samples are those facing the direction (independent check with angles)
    a = (np.arange(kk) + 0.5) * (2 * math.pi / kk)
    rel = (a - ang + math.pi) % (2 * math.pi) - math.pi
    facing = (rel >= -math.pi / 2 - 1e-9) & (rel < math.pi / 2 - 1e-9)
    ix = np.floor((cx + r * cs[facing]) / CELL + 0.5).astype(int)
    iy = np.floor((cy + r * sn[facing]) / CELL + 0.5).astype(int)
    ok = (ix >= 0) & (ix < mat.shape[1]) & (iy >= 0) & (iy < mat.shape[0])
    assert abs(front - int(np.count_nonzero(mat[iy[ok], ix[ok]]))) <= 1  # a sample on the split may differ


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(1, 6), st.floats(1, 5), st.floats(0.3, 2.0), st.floats(-7, 7),
       st.floats(0.0, 1.5))
def test_crescent_clear_equals_disc_clear_after_the_previous_disc(seed, px, py, r, ang, step):
    """With the disc at p already clear, clearing only the crescent of the next disc leaves the raster and the
    count exactly as clearing the whole disc."""
    mat = random_grid(seed)
    K.clear_disc_kernel(mat, 0.0, 0.0, CELL, px, py, r)
    cx, cy = px + step * math.cos(ang), py + step * math.sin(ang)
    m1, m2 = mat.copy(), mat.copy()
    l1, l2 = np.zeros(m1.size, np.int64), np.zeros(m1.size, np.int64)
    o1, o2 = np.full(mat.shape + (2,), np.nan, np.float32), np.full(mat.shape + (2,), np.nan, np.float32)
    wo, wi = K._chord_tables(r, CELL)
    n1 = K._clear_crescent_logged(m1, 0.0, 0.0, CELL, cx, cy, px, py, True, r, wo, wi, l1, 0, o1)
    n2 = K._clear_disc_logged_reference(m2, 0.0, 0.0, CELL, cx, cy, r, l2, 0, o2)
    assert n1 == n2 and np.array_equal(m1, m2)
    assert np.array_equal(o1, o2, equal_nan=True)  # the cleared cells name the disc that cleared them
    assert np.array_equal(np.sort(l1[:n1]), np.sort(l2[:n2]))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(1, 6), st.floats(1, 5), st.floats(0.3, 2.0), st.floats(-7, 7),
       st.floats(0.02, 0.6), st.sampled_from([96, 126, 360]))
def test_fresh_engagement_matches_reference_and_counts_at_least_the_front(seed, cx, cy, r, ang, step, kk):
    mat = random_grid(seed)
    cs, sn = K.circle_samples(kk)
    px, py = cx - step * math.cos(ang), cy - step * math.sin(ang)
    args = (0.0, 0.0, CELL, cx, cy, r, cs, sn, ang)
    fresh = K.engagement_fresh_kernel(mat, *args, px, py)
    assert fresh == K.engagement_fresh_reference(mat, *args, px, py)
    assert K.engagement_front_kernel(mat, *args) <= fresh <= kk // 2  # it only adds samples of the front half


@pytest.mark.parametrize("cell", [0.1, 0.15])
def test_fresh_engagement_of_a_straight_side_cut(cell, monkeypatch):
    """A tool of radius 2 stepping along x beside a wall of material ae = 0.4 deep, the raster cleared disc by
    disc as the pass kernel does, averaged over sub-cell offsets: with nothing left to the raster
    (``_FRESH_KEEP = 0``, the reference) the fresh count matches the analytic angle arccos(1 - ae / R)
    (36.87 deg) within 1.5 deg; the plain front count falls short (1.7 deg at a 0.1 cell), and the kernel
    (``_FRESH_KEEP`` cells left to the raster) lies between the two."""
    r, ae, step = 2.0, 0.4, 0.2
    kk = 360
    cs, sn = K.circle_samples(kk)
    exact = math.degrees(math.acos(1 - ae / r))
    full, kern, plain = [], [], []
    rng = np.random.default_rng(1)
    for _ in range(40):
        ox, oy = rng.uniform(0, cell, 2)
        ny, nx = int(8 / cell), int(12 / cell)
        yy, xx = np.mgrid[0:ny, 0:nx]
        y_wall = 4.0 - (r - ae)  # material below the wall (the previous pass's edge), above y = 0.5
        mat = ((oy + yy * cell < y_wall) & (oy + yy * cell > 0.5)).astype(np.uint8)
        x, y = 3.0, 4.0
        for _ in range(6):  # a few steps so the previous discs are cleared as in a pass
            K.clear_disc_kernel(mat, ox, oy, cell, x, y, r)
            x += step
        args = (ox, oy, cell, x, y, r, cs, sn, 0.0)
        kern.append(K.engagement_fresh_kernel(mat, *args, x - step, y) * 360 / kk)
        assert kern[-1] * kk / 360 == K.engagement_fresh_reference(mat, *args, x - step, y)
        with monkeypatch.context() as m:
            m.setattr(K, "_FRESH_KEEP", 0.0)
            full.append(K.engagement_fresh_reference(mat, *args, x - step, y) * 360 / kk)
        plain.append(K.engagement_front_kernel(mat, *args) * 360 / kk)
    assert abs(np.mean(full) - exact) < 1.5, (np.mean(full), exact)
    assert np.mean(plain) < np.mean(full) - 1.0, (np.mean(plain), np.mean(full))  # the loss it corrects
    assert np.mean(plain) < np.mean(kern) <= np.mean(full), (np.mean(plain), np.mean(kern), np.mean(full))


def _cleared_with_owners(seed: int, n_discs: int = 6):
    """A full raster with a few random discs cleared by the logged clearing (so each cleared cell names the
    disc that cleared it); some owners forgotten (NaN) as after an undone pass."""
    rng = np.random.default_rng(seed)
    mat = np.ones((60, 70), np.uint8)
    own = np.full(mat.shape + (2,), np.nan, np.float32)
    log = np.zeros(mat.size, np.int64)
    for _ in range(n_discs):
        K._clear_disc_logged(mat, 0.0, 0.0, CELL, rng.uniform(1, 6), rng.uniform(1, 5), rng.uniform(0.5, 2.0),
                             log, 0, own)
    own[rng.random(mat.shape) < 0.1] = np.nan
    return mat, own


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(1, 6), st.floats(1, 5), st.floats(0.3, 2.0), st.floats(-7, 7),
       st.floats(0.02, 0.6), st.sampled_from([96, 126, 360]))
def test_owned_engagement_matches_reference_and_only_adds_to_the_fresh_count(seed, cx, cy, r, ang, step, kk):
    mat, own = _cleared_with_owners(seed)
    cs, sn = K.circle_samples(kk)
    px, py = cx - step * math.cos(ang), cy - step * math.sin(ang)
    args = (0.0, 0.0, CELL, cx, cy, r, cs, sn, ang, px, py)
    owned = K.engagement_owned_kernel(mat, own, *args)
    assert owned == K.engagement_owned_reference(mat, own, *args)
    assert K.engagement_fresh_kernel(mat, *args) <= owned <= kk // 2
    # without any owner known it is the fresh count
    assert K.engagement_owned_kernel(mat, np.full_like(own, np.nan), *args) == K.engagement_fresh_kernel(mat, *args)


@pytest.mark.parametrize("ae", [0.2, 0.4])
def test_owned_engagement_of_a_side_cut_beside_an_earlier_pass(ae):
    """A tool of radius 2 stepping along y = 4 beside an earlier pass along y = 4 + ae (both cleared disc by disc
    as the pass kernel does, 0.1 mm cells, 126 samples), averaged over sub-cell offsets: the owned count is
    within 1.5 deg of arccos(1 - ae / R) and not below the fresh count."""
    r, step, cell, kk = 2.0, 0.2, 0.1, 126
    cs, sn = K.circle_samples(kk)
    exact = math.degrees(math.acos(1 - ae / r))
    fresh, owned = [], []
    rng = np.random.default_rng(1)
    for _ in range(40):
        ox, oy = rng.uniform(0, cell, 2)
        mat = np.ones((80, 140), np.uint8)
        own = np.full(mat.shape + (2,), np.nan, np.float32)
        log = np.zeros(mat.size, np.int64)
        for x in np.arange(1.0, 13.0, step):
            K._clear_disc_logged(mat, ox, oy, cell, x, 4.0 + ae, r, log, 0, own)
        x = 3.0
        for _ in range(6):
            K._clear_disc_logged(mat, ox, oy, cell, x, 4.0, r, log, 0, own)
            x += step
        args = (ox, oy, cell, x, 4.0, r, cs, sn, 0.0, x - step, 4.0)
        fresh.append(K.engagement_fresh_kernel(mat, *args) * 360 / kk)
        owned.append(K.engagement_owned_kernel(mat, own, *args) * 360 / kk)
    assert abs(np.mean(owned) - exact) < 1.5, (np.mean(owned), exact)
    assert np.mean(owned) >= np.mean(fresh)
