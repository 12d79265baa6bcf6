"""Raster kernels against SciPy and shapely."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolpath.kernels.raster import band_kernel, band_reference


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
