"""Slicing time of the NIST parts (issue 4: at most 5 s each on a 2-core machine).

Run: ``python benchmarks/bench_slicing.py [PARTS_DIR]``; prints a table (load, slice, levels, pockets,
unreachable). The STEP import is timed apart from the slicing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from toolpath.geometry.slicing import slice_part
    from toolpath.geometry.step import load_solid

    folder = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "parts"
    if not folder.is_dir():
        folder = Path("/work/shared/parts")
    print(f"{'part':32} {'load s':>7} {'slice s':>8} {'levels':>6} {'pockets':>7} {'unreach':>7}")
    for path in sorted(folder.glob("*.stp")):
        t0 = time.perf_counter()
        shape = load_solid(path)
        t1 = time.perf_counter()
        res = slice_part(shape)
        t2 = time.perf_counter()
        print(f"{path.name:32} {t1 - t0:7.2f} {t2 - t1:8.2f} {len(res.levels_mm):6d} {len(res.pockets):7d}"
              f" {len(res.unreachable):7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
