"""Raster kernels against SciPy and shapely."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolpath.kernels.engagement import circle_samples
from toolpath.kernels.raster import band_kernel, band_reference, path_engagement_kernel, path_engagement_reference


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.05), st.floats(0.05, 0.3), st.floats(0.2, 1.5), st.floats(0.05, 1.0),
       st.booleans())
def test_band_matches_exact_distance_transform(seed, density, allowed_gap, lo, width, block):
    rng = np.random.default_rng(seed)
    mat = (rng.random((50, 64)) < density).astype(np.uint8)
    if block:
        mat[8:30, 10:40] = 1
    allowed = (rng.random(mat.shape) >= allowed_gap).astype(np.uint8)
    cell = 0.1
    got = band_kernel(mat, allowed, cell, lo, lo + width)
    assert np.array_equal(got, band_reference(mat, allowed, cell, lo, lo + width))


def test_band_of_a_single_cell_is_an_annulus():
    mat = np.zeros((81, 81), np.uint8)
    mat[40, 40] = 1
    got = band_kernel(mat, np.ones_like(mat), 0.1, 1.0, 2.0)
    yy, xx = np.mgrid[0:81, 0:81]
    d = np.hypot(yy - 40, xx - 40) * 0.1
    assert np.array_equal(got.astype(bool), (d >= 1.0) & (d < 2.0))
    assert not band_kernel(np.zeros_like(mat), np.ones_like(mat), 0.1, 1.0, 2.0).any()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.tuples(st.floats(0.5, 5.5), st.floats(0.5, 4.5)), min_size=1, max_size=5),
       st.floats(0.3, 1.5), st.sampled_from([48, 96]))
def test_path_engagement_matches_reference(seed, pts, r, kk):
    rng = np.random.default_rng(seed)
    mat = (rng.random((50, 60)) < 0.7).astype(np.uint8)
    xy = np.array(pts, float)
    cs, sn = circle_samples(kk)
    m1, m2 = mat.copy(), mat.copy()
    a = path_engagement_kernel(m1, 0.0, 0.0, 0.1, xy, r, cs, sn, 0.05)
    b = path_engagement_reference(m2, 0.0, 0.0, 0.1, xy, r, cs, sn, 0.05)
    assert np.array_equal(a, b) and np.array_equal(m1, m2)
    assert a[0] == 0 and np.all(a <= kk // 2)


def test_path_engagement_of_a_slot_and_of_a_side_cut():
    """Into full material the front half is engaged (a slot: 180 deg, less a few samples the fresh count
    leaves to the raster beside the previous disc); beside a wall cut ae deep, the count settles at
    arccos(1 - ae / R) within the raster's error (two samples and a degree)."""
    cell, r, kk = 0.05, 1.0, 360
    cs, sn = circle_samples(kk)
    mat = np.ones((100, 200), np.uint8)
    got = path_engagement_kernel(mat, 0.0, 0.0, cell, np.array([[2.0, 2.5], [8.0, 2.5]]), r, cs, sn, 0.1)
    assert 0.95 * kk // 2 <= got[1] <= kk // 2
    ae = 0.3
    mat = np.ones((100, 200), np.uint8)
    mat[np.arange(100) * cell > 2.5 - r + ae] = 0  # cleared above y = 1.8: the tool at y = 2.5 cuts 0.3 deep
    xy = np.array([[1.0, 2.5], [3.0, 2.5], [8.0, 2.5]])
    got = path_engagement_kernel(mat, 0.0, 0.0, cell, xy, r, cs, sn, 0.1)
    exact = np.degrees(np.arccos(1 - ae / r))
    assert abs(got[2] * 360 / kk - exact) <= 2 * 360 / kk + 1.0, (got, exact)
