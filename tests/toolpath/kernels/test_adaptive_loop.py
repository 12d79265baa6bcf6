"""The pass loop of adaptive clearing: kernel against its plain reference, and what it must guarantee."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from toolpath.kernels import engagement as K
from toolpath.kernels.adaptive_loop import (
    LOOP_FULL,
    LOOP_NO_START,
    pass_loop_kernel,
    pass_loop_reference,
    segment_allowed_kernel,
    segment_allowed_reference,
    start_band_kernel,
    start_band_reference,
)
from toolpath.kernels.raster import band_kernel, rasterize


def _setup(seed: int, max_seg: int = 64):
    rng = np.random.default_rng(seed)
    cell, r = 0.1, 1.0
    ny, nx = 60, 70
    allowed = np.zeros((ny, nx), np.uint8)
    allowed[12:48, 12:58] = 2  # near the edge: steps checked with the owned count
    allowed[20:40, 20:50] = 1
    mat = np.ones((ny, nx), np.uint8)
    mat[:2], mat[-2:], mat[:, :2], mat[:, -2:] = 0, 0, 0, 0
    cx, cy = 3.0 + rng.random(), 2.5 + rng.random()
    K.clear_disc_kernel(mat, 0.0, 0.0, cell, cx, cy, 1.5)
    a = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    alive = np.zeros((4000, 2))
    alive[:12] = np.column_stack([cx + 0.5 * np.cos(a), cy + 0.5 * np.sin(a)])
    cs, sn = K.circle_samples(96)
    bufs = dict(buf_xy=np.zeros((300, 2)), buf_e=np.zeros(300, np.int64), log=np.zeros(mat.size, np.int64),
                out_xy=np.zeros((3000, 2)), out_e=np.zeros(3000, np.int64), seg_start=np.zeros(max_seg + 1, np.int64),
                seg_link=np.zeros(max_seg, np.int8), own=np.full((ny, nx, 2), np.nan, np.float32))
    state = np.array([cx + 0.5, cy, 1.0, 4000.0, 0.0, 0.0, 0.0, 0.0])
    args = (mat, mat.copy(), allowed, 0.0, 0.0, cell, r, cs, sn, r + 0.3, 0.1, 0.02, 10, 12, -1.0, 12, 5, alive, 12,
            state)
    return args, bufs


@settings(max_examples=2, deadline=None)
@given(st.integers(0, 1000))
def test_pass_loop_matches_reference(seed):
    outs = []
    for fn in (pass_loop_kernel, pass_loop_reference):
        args, b = _setup(seed)
        status, n_alive, n_seg = fn(*args, b["buf_xy"], b["buf_e"], b["log"], b["out_xy"], b["out_e"],
                                    b["seg_start"], b["seg_link"], b["own"])
        end = b["seg_start"][n_seg]
        outs.append((status, n_alive, n_seg, args[0].copy(), args[19].copy(), b["out_xy"][:end].copy(),
                     b["seg_start"][: n_seg + 1].copy(), b["seg_link"][:n_seg].copy()))
    a, r = outs
    assert a[:3] == r[:3]
    assert a[2] > 3  # several passes
    # the same passes, links, points and raster (the references round the same way)
    assert np.array_equal(a[6], r[6]) and np.array_equal(a[7], r[7])
    assert np.allclose(a[5], r[5], rtol=0, atol=1e-9) and np.allclose(a[4], r[4], rtol=0, atol=1e-9)
    assert np.array_equal(a[3], r[3])


def test_pass_loop_guarantees():
    """Every pass point on an allowed cell; stay-down links entirely on allowed cells; the loop stops for want
    of a start (or a full buffer) and reports it; nothing left near any start that it gave up."""
    args, b = _setup(7, max_seg=500)
    mat, allowed, cell = args[0], args[2], args[5]
    status, _n_alive, n_seg = pass_loop_kernel(*args, b["buf_xy"], b["buf_e"], b["log"], b["out_xy"], b["out_e"],
                                               b["seg_start"], b["seg_link"], b["own"])
    assert status in (LOOP_NO_START, LOOP_FULL) and n_seg > 3
    pts = b["out_xy"][: b["seg_start"][n_seg]]
    ix = np.floor(pts[:, 0] / cell + 0.5).astype(int)
    iy = np.floor(pts[:, 1] / cell + 0.5).astype(int)
    assert np.all(allowed[iy, ix] != 0)
    for k in range(1, n_seg):
        if b["seg_link"][k]:
            a, c = pts[b["seg_start"][k] - 1], pts[b["seg_start"][k]]
            assert segment_allowed_kernel(allowed, 0.0, 0.0, cell, a[0], a[1], c[0], c[1])
    # most of the reachable material is cut
    assert np.count_nonzero(mat[allowed.astype(bool)]) < 0.05 * allowed.sum()


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 8), st.floats(0, 6), st.floats(0, 8), st.floats(0, 6))
def test_segment_allowed_matches_reference_and_keeps_inside(ax, ay, bx, by):
    region = box(1, 1, 7, 5).difference(box(3, 2, 4, 6))
    cell = 0.1
    allowed = rasterize(region.buffer(-0.75 * cell), 0.0, 0.0, cell, 61, 81)
    got = segment_allowed_kernel(allowed, 0.0, 0.0, cell, ax, ay, bx, by)
    assert got == segment_allowed_reference(allowed, 0.0, 0.0, cell, ax, ay, bx, by)
    if got:  # an allowed segment lies in the region (the raster is shrunk by 0.75 cell)
        seg = LineString([(ax, ay), (bx, by)]) if math.hypot(bx - ax, by - ay) > 0 else None
        if seg is not None:
            assert region.buffer(1e-9).covers(seg)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.6), st.floats(0.0, 0.3), st.floats(0.05, 1.5), st.floats(0.01, 1.0),
       st.booleans(), st.floats(0.03, 0.2))
def test_start_band_matches_exact_distance_transform(seed, density, allowed_gap, lo, width, block, cell):
    """Row spans give the band the exact EDT gives (and raster.band_kernel, which stamps discs)."""
    rng = np.random.default_rng(seed)
    mat = (rng.random((47, 61)) < density).astype(np.uint8)
    if block:
        mat[8:30, 10:40] = 1
        mat[0, :] = 1  # material on the grid's edge
    allowed = (rng.random(mat.shape) >= allowed_gap).astype(np.uint8)
    got = start_band_kernel(mat, allowed, cell, lo, lo + width)
    assert np.array_equal(got, start_band_reference(mat, allowed, cell, lo, lo + width))
    assert np.array_equal(got, band_kernel(mat, allowed, cell, lo, lo + width))


def test_start_band_of_a_single_cell_is_an_annulus():
    mat = np.zeros((81, 81), np.uint8)
    mat[40, 40] = 1
    got = start_band_kernel(mat, np.ones_like(mat), 0.1, 1.0, 2.0)
    yy, xx = np.mgrid[0:81, 0:81]
    d = np.hypot(yy - 40, xx - 40) * 0.1
    assert np.array_equal(got.astype(bool), (d >= 1.0 - 1e-9) & (d < 2.0 - 1e-9))
    assert got.sum() > 0.9 * math.pi * (20**2 - 10**2)
    assert not start_band_kernel(np.zeros_like(mat), np.ones_like(mat), 0.1, 1.0, 2.0).any()
