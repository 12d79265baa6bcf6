"""pytest-benchmark: G-code writer, reader (plain Python and compiled scanner), lexer and arc fitting.

The peers (gcodeparser, pygcode) are in ``bench_gcode.py``'s table; here each of our pieces is timed
on a synthetic CAM-like program of 50,000 lines (``bench_gcode.synthetic_program``: G1 moves, an R arc
every 50 lines, a comment every 1000) and asserts:

- writer: reading the text back gives the same cutting moves to within the dialect's rounding;
- reader: the feed end points equal the numbers in the text (parsed apart with a regular expression),
  and the compiled scanner gives exactly what the Python reader gives;
- lexer: the words found on each line are the letter-number pairs of the text;
- arc fitting: far fewer blocks, and every original vertex within the tolerance of the fitted path.

Run: ``/work/venv/bin/pytest benchmarks/test_bench_gcode.py --benchmark-only``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import shapely

import gcode
from benchmarks.bench_gcode import synthetic_program
from gcode.arcfit import fit_arcs
from gcode.lexer import lex_line
from sim.sweep import toolpath_segments
from toolpath import MoveKind, Toolpath

N_LINES = 50_000


@pytest.fixture(scope="module")
def program_text() -> str:
    return synthetic_program(N_LINES)


@pytest.fixture(scope="module")
def program(program_text: str):  # noqa: ANN201
    return gcode.read_program(program_text, fast=False)


def _cutting(tp: Toolpath) -> Toolpath:
    return tp[tp.kind != MoveKind.RAPID]


@pytest.mark.parametrize("dialect", ["linuxcnc", "grbl", "fanuc", "heidenhain"])
def test_write(run_timed, program, dialect: str) -> None:
    text = run_timed(gcode.write, program, dialect, rounds=3)
    d = gcode.get_dialect(dialect)
    back = gcode.read_program(text, dialect=dialect)
    p, q = _cutting(program.toolpath), _cutting(back.toolpath)
    assert len(q) == len(p)
    np.testing.assert_array_equal(q.kind, p.kind)
    tol = 0.5 * 10.0**-d.decimals_mm + 1e-9
    np.testing.assert_allclose(q.xyz, p.xyz, atol=tol, rtol=0)
    arcs = np.isin(p.kind, (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW)))
    np.testing.assert_allclose(q.center[arcs], p.center[arcs], atol=10 * tol, rtol=0)


@pytest.mark.parametrize("fast", [False, True], ids=["python", "fast"])
def test_read(run_timed, program_text: str, program, fast: bool) -> None:
    got = run_timed(gcode.read_program, program_text, fast=fast, rounds=3)
    g1 = np.array(re.findall(r"^G1 X(-?[\d.]+) Y(-?[\d.]+)$", program_text, flags=re.M), dtype=np.float64)
    feeds = got.toolpath.xyz[got.toolpath.kind == MoveKind.FEED]
    np.testing.assert_array_equal(feeds[-len(g1):, :2], g1)  # the first feed is the plunge G1 Z-1
    assert got.moves() == program.moves()
    np.testing.assert_array_equal(got.toolpath.kind, program.toolpath.kind)
    np.testing.assert_array_equal(got.toolpath.xyz, program.toolpath.xyz)
    np.testing.assert_array_equal(np.isnan(got.toolpath.center), np.isnan(program.toolpath.center))


def test_lex_lines(run_timed, program_text: str) -> None:
    lines = program_text.splitlines()
    lexed = run_timed(lambda: [lex_line(s) for s in lines], rounds=3)
    assert len(lexed) == len(lines)
    assert not any(x.error for x in lexed)
    pair = re.compile(r"([A-Z])(-?[\d.]+)")
    for s, x in zip(lines[:2000], lexed[:2000], strict=True):
        code = re.sub(r"\(.*?\)", "", s)
        want = [(a, float(v)) for a, v in pair.findall(code)]
        assert [(w.letter.upper(), float(w.value)) for w in x.words] == want, s


def circles_path(n_circles: int, *, step_deg: float = 1.0) -> Toolpath:
    """Circles of radius 5 to 40 mm drawn with straight feeds every ``step_deg``, one after the other."""
    rng = np.random.default_rng(2)
    pts = []
    for i in range(n_circles):
        r = rng.uniform(5.0, 40.0)
        cx, cy = (i % 10) * 100.0, (i // 10) * 100.0
        a = np.radians(np.arange(0.0, 360.0 + step_deg / 2, step_deg))
        pts.append(np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a), np.full(a.size, -1.0)]))
    xyz = np.concatenate(pts)
    n = len(xyz)
    kind = np.full(n, int(MoveKind.FEED), np.int8)
    return Toolpath(kind, xyz, np.full((n, 2), np.nan), np.full(n, 1000.0))


def test_fit_arcs(run_timed) -> None:
    tp = circles_path(100)
    start = tuple(tp.xyz[0])
    tol = 0.005
    fitted = run_timed(fit_arcs, tp, start, tolerance_mm=tol, rounds=3)
    assert len(fitted) < 0.02 * len(tp)
    assert np.isin(fitted.kind, (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW))).sum() >= 100
    np.testing.assert_allclose(fitted.xyz[-1], tp.xyz[-1], atol=1e-9)
    # every vertex of the input lies within the tolerance of the fitted path (arcs flattened to 0.1 µm)
    seg, _ = toolpath_segments(fitted, start, arc_tolerance_mm=1e-4)
    lines = shapely.linestrings(np.stack([seg[:, 0:2], seg[:, 3:5]], axis=1))
    tree = shapely.STRtree(lines)
    _, dist = tree.query_nearest(shapely.points(tp.xyz[:, :2]), return_distance=True, all_matches=False)
    assert dist.max() <= tol + 1e-4 + 1e-9
    assert math.isclose(fitted.length_mm(start), tp.length_mm(start), rel_tol=1e-3)
