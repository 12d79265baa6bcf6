"""pytest-benchmark suite of the offset kernel: every inward offset ring of pockets A, B, C (tool 6 mm,
stepover 0.3 and 0.6 mm, arcs within 0.01 mm) by our Numba kernel, by a loop of shapely ``buffer`` calls
and by pyclipper (skipped when pyclipper is not installed; it is not a dependency).

Run with ``/work/venv/bin/pytest benchmarks/test_bench_offset.py --benchmark-only`` and compare the
groups (one group per pocket and stepover). Each benchmark checks what it timed: the kernel's rings
enclose the area shapely finds at every distance to within the arc tolerance times the perimeter, and
the other two return one result per distance.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from toolpath.kernels.offset import assemble, offset_rings_kernel, pack_rings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the suite runs with --import-mode=importlib
from bench_offset import TOL_MM, clipper_loop, distances, shapely_loop  # noqa: E402

CASES = [(name, step) for name in "ABC" for step in (0.3, 0.6)]


def _areas(res, n):
    pts, rs, lv = res
    out = np.zeros(n)
    for k in range(n):
        sel = np.flatnonzero(lv == k)
        if sel.size:
            sub_rs = np.concatenate([[0], np.cumsum(rs[sel + 1] - rs[sel])])
            out[k] = assemble(np.concatenate([pts[rs[q]:rs[q + 1]] for q in sel]), sub_rs).area
    return out


@pytest.mark.parametrize(("name", "step"), CASES)
def test_bench_offset_kernel(benchmark, run_timed, reference_pockets, name, step):
    benchmark.group = f"offset {name} {step}"
    poly = reference_pockets[name].region
    ds = distances(poly, step)
    xy, starts = pack_rings(poly)
    res = run_timed(offset_rings_kernel, xy, starts, ds, TOL_MM, rounds=10)
    ours = _areas(res, len(ds))
    ref = shapely.area(np.array(shapely_loop(poly, ds), dtype=object))
    slack = poly.length * TOL_MM + 1e-6
    assert np.all(np.abs(ours - ref) <= slack)
    assert ours[0] > 0 and ours[-1] == 0


@pytest.mark.parametrize(("name", "step"), CASES)
def test_bench_offset_shapely(benchmark, run_timed, reference_pockets, name, step):
    benchmark.group = f"offset {name} {step}"
    poly = reference_pockets[name].region
    ds = distances(poly, step)
    out = run_timed(shapely_loop, poly, ds, rounds=5)
    assert len(out) == len(ds) and out[0].area > 0


@pytest.mark.parametrize(("name", "step"), CASES)
def test_bench_offset_pyclipper(benchmark, run_timed, reference_pockets, name, step):
    pyclipper = pytest.importorskip("pyclipper")
    benchmark.group = f"offset {name} {step}"
    poly = reference_pockets[name].region
    ds = distances(poly, step)
    out = run_timed(clipper_loop, pyclipper, poly, ds, rounds=3 if name == "B" else 5)
    assert len(out) == len(ds) and len(out[0]) >= 1
