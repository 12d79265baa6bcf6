"""Offset rings of the reference pockets: our Numba kernel against a loop of shapely ``buffer`` calls and
pyclipper (Clipper's C++), side by side in one run.

For each pocket of ``shared/reference/pockets.json``, tool 6 mm, stepover 0.3 and 0.6 mm: every
inward offset ring at distances 3, 3 + s, 3 + 2s, ... mm until nothing is left, arcs flattened within
0.01 mm (shapely: quad_segs chosen per distance for that tolerance; Clipper: ArcTolerance 0.01 mm
at 1e4 units per mm). Best of ``--repeat`` runs, in ms. Numba compile time (cold: empty cache dir;
cached: a fresh process with the cache) is measured in subprocesses.

Run: ``/work/venv/bin/python benchmarks/bench_offset.py [--pockets PATH] [--repeat N]``.
pyclipper is optional (``pip install pyclipper``; benchmark only, not a dependency).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon

from toolpath.kernels.offset import offset_polygons, offset_rings_kernel, pack_rings

TOL = 0.01
R = 3.0


def distances(poly: Polygon, step: float) -> np.ndarray:
    x0, y0, x1, y1 = poly.bounds
    n = int(math.ceil(0.5 * max(x1 - x0, y1 - y0) / step)) + 2
    return -(R + step * np.arange(n))


def best(fn, repeat: int) -> float:
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return 1e3 * min(t)


def compile_times() -> tuple[float, float]:
    code = ("import time;t=time.perf_counter();import numpy as np;from toolpath.kernels.offset import "
            "offset_rings_kernel as k;k(np.array([[0.,0],[1,0],[0,1]]),np.array([0,3]),np.array([-0.1]),0.01);"
            "print(time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
        cached = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout)
    return cold, cached


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    ap.add_argument("--pockets", default=str(here.parent / "shared" / "reference" / "pockets.json"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-compile", action="store_true", help="skip the compile-time subprocesses")
    a = ap.parse_args()
    try:
        import pyclipper
    except ImportError:
        pyclipper = None
    data = json.loads(Path(a.pockets).read_text())["pockets"]
    # warm up the kernel
    offset_rings_kernel(np.array([[0.0, 0], [1, 0], [0, 1]]), np.array([0, 3]), np.array([-0.1]), TOL)
    print(f"{'pocket':6} {'step':>5} {'rings':>5} {'numba ms':>9} {'+shapely ms':>11} {'shapely ms':>10} "
          f"{'pyclipper ms':>12} {'x shapely':>9} {'x clipper':>9} {'max area diff mm2':>17}")
    for name, p in data.items():
        poly = Polygon(p["outer"], p["islands"])
        for step in (0.3, 0.6):
            ds = distances(poly, step)
            xy, starts = pack_rings(poly)
            res = offset_rings_kernel(xy, starts, ds, TOL)
            t_k = best(lambda: offset_rings_kernel(xy, starts, ds, TOL), a.repeat)  # noqa: B023
            t_kp = best(lambda: offset_polygons(poly, ds, tolerance_mm=TOL), a.repeat)  # noqa: B023

            def shp() -> list:
                out = []
                for d in ds:  # noqa: B023
                    q = max(1, math.ceil((math.pi / 2) / (2 * math.acos(1 - TOL / abs(d)))))
                    out.append(poly.buffer(d, quad_segs=q))  # noqa: B023
                return out

            t_s = best(shp, a.repeat)
            ours = offset_polygons(poly, ds, tolerance_mm=TOL)
            diff = max(abs(g.area - s.area) for g, s in zip(ours, shp(), strict=True))
            t_c = float("nan")
            if pyclipper is not None:
                scale = 1e4
                paths = [np.round(np.asarray(poly.exterior.coords)[:-1] * scale).astype(np.int64).tolist()]
                paths += [np.round(np.asarray(r.coords)[:-1] * scale).astype(np.int64).tolist() for r in poly.interiors]

                def clip() -> list:
                    pco = pyclipper.PyclipperOffset()
                    pco.ArcTolerance = TOL * scale  # noqa: B023
                    pco.AddPaths(paths, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)  # noqa: B023
                    return [pco.Execute(d * scale) for d in ds]  # noqa: B023

                t_c = best(clip, a.repeat)
            print(f"{name:6} {step:5.1f} {len(res[1]) - 1:5d} {t_k:9.2f} {t_kp:11.2f} {t_s:10.2f} {t_c:12.2f} "
                  f"{t_s / t_k:9.1f} {t_c / t_k:9.2f} {diff:17.4f}")
    print("numba ms: rings only (one kernel call); +shapely ms: rings assembled into shapely polygons")
    # the whole 2D plan of offset clearing (loops, finishing loop, clean-up), kernel loops vs shapely loops
    from toolpath import Pocket, Tool
    from toolpath.strategies.offset import OffsetParams, plan_offset_2d

    print(f"{'pocket':6} {'step':>5} {'plan kernel ms':>14} {'plan shapely ms':>15} {'chains':>6}")
    for name, p in data.items():
        pocket = Pocket(Polygon(p["outer"], p["islands"]), 0.0, -5.0)
        for step in (0.3, 0.6):
            kw = {"stepover_mm": step, "stepdown_mm": 5.0}
            plan = plan_offset_2d(pocket, Tool(6), OffsetParams(**kw))
            t_pk = best(lambda: plan_offset_2d(pocket, Tool(6), OffsetParams(**kw)), 1)  # noqa: B023
            t_ps = best(lambda: plan_offset_2d(pocket, Tool(6), OffsetParams(**kw, use_kernel=False)), 1)  # noqa: B023
            print(f"{name:6} {step:5.1f} {t_pk:14.1f} {t_ps:15.1f} {len(plan.chains):6d} ({plan.loops_from})")
    if not a.no_compile:
        cold, cached = compile_times()
        print(f"numba compile + import: cold {cold:.1f} s, cached {cached:.2f} s")


if __name__ == "__main__":
    main()
