"""at1/at2/set1/set2 against Numba's own indexing (the reference) on arrays of several dtypes and layouts."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numba.core.errors import TypingError

from toolpath.kernels import access
from toolpath.kernels.access import at1, at2, set1, set2


@njit(cache=False)
def _read2(a, ii, jj):
    out = np.empty((len(ii), 2), a.dtype)
    for k in range(len(ii)):
        out[k, 0] = at2(a, ii[k], jj[k])
        out[k, 1] = a[ii[k], jj[k]]
    return out


@njit(cache=False)
def _read1(a, ii):
    out = np.empty((len(ii), 2), a.dtype)
    for k in range(len(ii)):
        out[k, 0] = at1(a, ii[k])
        out[k, 1] = a[ii[k]]
    return out


@njit(cache=False)
def _write2(a, b, ii, jj, v):
    for k in range(len(ii)):
        set2(a, ii[k], jj[k], v[k])
        b[ii[k], jj[k]] = v[k]


@njit(cache=False)
def _write1(a, b, ii, v):
    for k in range(len(ii)):
        set1(a, ii[k], v[k])
        b[ii[k]] = v[k]


_DTYPES = [np.float64, np.int64, np.int8, np.bool_]


def _layouts(a2):
    """The 2-d array ``a2`` as C-contiguous, Fortran-ordered and strided (every other column) views."""
    return [a2, np.asfortranarray(a2), a2[:, ::2]]


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 9), cols=st.integers(2, 9), dt=st.sampled_from(_DTYPES), seed=st.integers(0, 2**32 - 1),
       layout=st.integers(0, 2))
def test_reads_and_writes_match_numba_indexing(rows, cols, dt, seed, layout):
    rng = np.random.default_rng(seed)
    base = (rng.normal(size=(rows, 2 * cols)) * 50).astype(dt)
    a = _layouts(base)[layout]
    ii = rng.integers(0, a.shape[0], 20)
    jj = rng.integers(0, a.shape[1], 20)
    got = _read2(a, ii, jj)
    assert np.array_equal(got[:, 0], got[:, 1])
    assert np.array_equal(got[:, 1], a[ii, jj])
    flat = np.ascontiguousarray(a[:, 0])[::-1] if layout else a[:, 0]  # 1-d: strided (negative step) or not
    got1 = _read1(flat, ii)
    assert np.array_equal(got1[:, 0], flat[ii])
    # writes (a value of another type is cast as Numba's setitem casts it)
    vals = rng.normal(size=20) * 50
    x, y = a.copy(order="K"), a.copy(order="K")
    _write2(x, y, ii, jj, vals)
    assert np.array_equal(x, y)
    x1, y1 = flat.copy(), flat.copy()
    _write1(x1, y1, ii, vals)
    assert np.array_equal(x1, y1)


def test_typing_errors_name_the_problem():
    @njit(cache=False)
    def wrong_ndim(a):
        return at2(a, 0, 0)

    @njit(cache=False)
    def float_index(a):
        return at1(a, 0.5)

    @njit(cache=False)
    def not_an_array(t):
        return at1(t, 0)

    with pytest.raises(TypingError, match="expected a 2-d array"):
        wrong_ndim(np.zeros(3))
    with pytest.raises(TypingError, match="indices must be integers"):
        float_index(np.zeros(3))
    with pytest.raises(TypingError, match="expected an array"):
        not_an_array((1.0, 2.0))


def test_read_only_array_is_refused_for_writes():
    @njit(cache=False)
    def write(a):
        set1(a, 0, 1.0)

    a = np.zeros(3)
    a.flags.writeable = False
    with pytest.raises(TypingError, match="read-only"):
        write(a)


def test_plain_versions_refuse_negative_and_past_the_end_indices():
    a = np.arange(6.0).reshape(2, 3)
    assert access._at2_plain(a, 1, 2) == 5.0
    with pytest.raises(IndexError, match="negative"):
        access._at2_plain(a, -1, 0)
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        access._at2_plain(a, 0, 3)
    with pytest.raises(IndexError, match=r"1-d array, got shape \(2, 3\)"):
        access._at1_plain(a, 0)
    b = np.zeros(4, np.int64)
    access._set1_plain(b, 3, 7)
    assert b[3] == 7
    with pytest.raises(IndexError):
        access._set1_plain(b, 4, 7)


_CHECKED = """
import numpy as np
from numba import njit
from toolpath.kernels.access import at1, set2
@njit
def f(a, i):
    return at1(a, i)
@njit
def g(a, i, j):
    set2(a, i, j, 1.0)
a = np.zeros(3)
assert f(a, 2) == 0.0
for bad in (3, -1):
    try:
        f(a, bad)
    except IndexError:
        print('raised', bad)
try:
    g(np.zeros((2, 2)), 0, 2)
except IndexError:
    print('raised set')
"""


def test_bounds_are_checked_with_numba_boundscheck_on():
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=os.environ.get("NUMBA_CACHE_DIR", "/tmp"))
    out = subprocess.run([sys.executable, "-c", _CHECKED], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:3] == ["raised 3", "raised -1", "raised set"]
