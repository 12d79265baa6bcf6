"""pytest-benchmark: 2D drawings (``toolpath.geometry.drawing``, ``dxf``, ``svg``).

Timed: chaining and nesting loose curve pieces (``curves_to_polygons`` on ``bench_drawing.synthetic_curves``:
rings of radius 10 mm with a 4 mm hole, cut into shuffled, half-reversed pieces), and reading the DXF/SVG
files of the corpus that load. Properties: every ring comes back as one region with its hole, with the
area of the exact annulus to within the flattening; corpus regions are valid polygons with holes inside
their outline, and reading twice gives the same geometry.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_drawing.py --benchmark-only``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import shapely

from benchmarks.bench_drawing import corpus_files, synthetic_curves
from toolpath.errors import CamError
from toolpath.geometry.drawing import curves_to_polygons
from toolpath.geometry.dxf import read_dxf
from toolpath.geometry.svg import read_svg


@pytest.mark.parametrize("n_pieces", [1_000, 10_000])
def test_chain_and_nest(run_timed, n_pieces: int) -> None:
    curves = synthetic_curves(n_pieces)
    rings = len(curves) // 16 // 2  # 16 pieces a circle, an outline and its hole a ring
    regions = run_timed(curves_to_polygons, curves, rounds=3)
    assert len(regions) == rings
    assert all(len(p.interiors) == 1 for p in regions)
    # 112-gons: area within 0.1 % of the exact annulus
    annulus = math.pi * (10.0**2 - 4.0**2)
    assert sum(p.area for p in regions) == pytest.approx(rings * annulus, rel=1e-3)
    assert all(p.is_valid for p in regions)


def _readable() -> list[Path]:
    out = []
    for p in corpus_files():
        try:
            (read_dxf if p.suffix == ".dxf" else read_svg)(p)
        except CamError:
            continue  # refused files measure error paths; bench_drawing.py's table has them
        out.append(p)
    return out


def test_read_corpus(run_timed) -> None:
    files = _readable()
    if not files:
        pytest.skip("no drawing corpus found")

    def read_all() -> list[list]:
        return [(read_dxf if p.suffix == ".dxf" else read_svg)(p) for p in files]

    got = run_timed(read_all, rounds=3)
    again = read_all()
    for p, regions, regions2 in zip(files, got, again, strict=True):
        assert regions, p.name
        for poly in regions:
            assert poly.is_valid and poly.area > 0, p.name
            assert all(shapely.Polygon(r).within(shapely.Polygon(poly.exterior)) for r in poly.interiors), p.name
        assert [q.wkb for q in regions] == [q.wkb for q in regions2], p.name
