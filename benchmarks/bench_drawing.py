"""Reading 2D drawings: the DXF and SVG corpus, and chaining/nesting loose curves over a size sweep.

Run as a script for plain tables (``python benchmarks/bench_drawing.py [N ...]``). The pytest-benchmark
suite, with a correctness check of each timed result, is ``benchmarks/test_bench_drawing.py``.

What is timed: ``read_dxf`` / ``read_svg`` on each corpus file (reading, flattening, chaining,
validation, nesting; a file that is refused is timed to its error), and ``curves_to_polygons`` on a
synthetic drawing of ``N`` loose line pieces: a grid of rings (outer circle and a hole), each ring cut
into pieces that are shuffled and half of them reversed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from toolpath.errors import CamError
from toolpath.geometry.drawing import curves_to_polygons
from toolpath.geometry.dxf import read_dxf
from toolpath.geometry.svg import read_svg

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():
    SHARED = Path("/work/shared")
CORPUS = SHARED / "corpus"


def synthetic_curves(n_pieces: int, seed: int = 0, points_per_piece: int = 8) -> list[np.ndarray]:
    """About ``n_pieces`` loose pieces of ``points_per_piece`` points: rings on a grid, shuffled."""
    rng = np.random.default_rng(seed)
    pieces_per_loop = 16
    loops = max(2, n_pieces // pieces_per_loop)
    side = int(np.ceil(np.sqrt(loops / 2)))
    curves: list[np.ndarray] = []
    k = 0
    for i in range(side):
        for j in range(side):
            if k >= loops:
                break
            for r in (10.0, 4.0):  # an outline and its hole
                a = np.linspace(0, 2 * np.pi, pieces_per_loop * (points_per_piece - 1) + 1)
                ring = np.column_stack([30.0 * i + r * np.cos(a), 30.0 * j + r * np.sin(a)])
                for p in range(pieces_per_loop):
                    piece = ring[p * (points_per_piece - 1) : (p + 1) * (points_per_piece - 1) + 1]
                    curves.append(piece[::-1].copy() if rng.random() < 0.5 else piece.copy())
                k += 1
    order = rng.permutation(len(curves))
    return [curves[i] for i in order]


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "dxf").glob("*.dxf")) + sorted((CORPUS / "svg").glob("*.svg"))


def read_one(path: Path) -> tuple[float, str]:
    """Seconds to read ``path`` and what came of it."""
    t0 = time.perf_counter()
    try:
        regions = read_dxf(path) if path.suffix == ".dxf" else read_svg(path)
        what = f"{len(regions)} regions, {sum(len(p.interiors) for p in regions)} holes"
    except CamError as exc:
        what = f"refused: {str(exc)[:60]}"
    return time.perf_counter() - t0, what


def main(argv: list[str]) -> None:
    """Print the corpus table and the size sweep."""
    sizes = [int(a) for a in argv if not a.startswith("--")] or [1_000, 10_000, 100_000]
    files = corpus_files()
    if files:
        read_one(files[0])  # imports of ezdxf/svgelements out of the figures
        print(f"{'file':<46} {'ms':>8}  outcome")
        for p in files:
            dt, what = read_one(p)
            print(f"{p.name:<46} {dt * 1e3:>8.1f}  {what}")
        print()
    print(f"{'pieces':>8} {'points':>9} {'regions':>8} {'ms':>9} {'points/s':>11}")
    for n in sizes:
        curves = synthetic_curves(n)
        pts = sum(len(c) for c in curves)
        t0 = time.perf_counter()
        regions = curves_to_polygons(curves)
        dt = time.perf_counter() - t0
        print(f"{len(curves):>8} {pts:>9} {len(regions):>8} {dt * 1e3:>9.1f} {pts / dt:>11.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
