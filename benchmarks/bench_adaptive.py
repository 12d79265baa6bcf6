"""Adaptive clearing side by side with FreeCAD's Adaptive2d, in one run, interleaved per pocket.

For each case (the shared pockets A, B, C with 6 and 3 mm tools, or the pockets of DXF drawings with a
3 mm tool), our ``adaptive_clearing`` runs in this process (Numba kernels compiled or loaded from the
cache first, on a tiny pocket, and reported apart), then FreeCAD's Adaptive2d runs on the same polygons in
a system-python subprocess (:mod:`freecad_adaptive`; only its ``Execute`` is timed). Both paths are then
measured the same way, at one level (depth 3 mm, stepdown 3 mm, 10 % stepover, FreeCAD tolerance 0.1 mm):

- ``s``: generation time (ours: the whole 2D plan and the moves; FreeCAD: ``Execute``), the shortest of
  ``--repeat`` runs (default 3) of each side on each pocket, the sides in turn, one run each (the machine is
  shared: a single run of half a second moves by 2-3x with the load; every run's time is printed below the
  case);
- ``cut``: XY length of the cutting moves at the level; ``link``: XY length of everything else (stay-down
  links, FreeCAD's link paths, the horizontal part of rapids);
- ``uncut``: reachable floor area left, mm² (swept discs of the level moves, exact with shapely, against
  the region the tool can reach; slivers under 0.01 mm dropped);
- ``gouge``: swept area outside the pocket (into the part), mm² (same slivers dropped);
- ``p99``/``max``: engagement measured by :func:`sim.engagement.engagement_along` on level moves outside
  the entry, degrees (target arccos(1 - ae/R) = 36.9° at 10 %).

When FreeCAD is not installed, the FreeCAD columns come from shared/reference/freecad_adaptive.csv
(another machine; said in the output).

Run: ``python benchmarks/bench_adaptive.py [--no-engagement] [--only A,B] [--tools 6,3] [--repeat 3]``
or ``python benchmarks/bench_adaptive.py --dxf FILE [FILE...]`` (3 mm tool, 10 %, depth 3).

Last runs (2026-11-26, shared 2-core machine, FreeCAD 0.20 live; ``o/F`` = ours / FreeCAD, each side's
shortest of 3 runs). Run 1, 02:47-03:00 UTC under load 5-6 (our wall time stretched ~3x over our CPU time,
FreeCAD's ~2x), with engagement::

    case tool | ours s  FC s  o/F | cut ours/FC   link ours/FC  uncut ours/FC  p99 ours/FC  max ours/FC
    A     6   |  1.03   2.40 0.43 | 11044/10396   3068/ 4569    0.99/1.22      44.0/39.5     70.0/55.5
    A     3   |  2.76   9.33 0.30 | 20377/20656   3786/ 9069    0.21/0.21      43.5/39.0     74.0/53.0
    B     6   |  1.75   6.95 0.25 | 12455/10090   6118/ 6808    0.99/1.22      45.0/42.5     70.0/57.0
    B     3   |  4.16  18.38 0.23 | 20825/19681   6384/13518    0.20/0.21      44.0/39.5     74.0/57.0
    C     6   |  2.10   9.73 0.22 | 19294/16037   8981/10461    2.03/2.49      44.5/43.5     76.5/61.0
    C     3   |  3.60  32.43 0.11 | 32486/30835  11409/21354    0.37/0.37      44.0/39.5     72.0/59.5

Run 2, 03:15-03:22 UTC under load 2-4, ``--no-engagement`` (same paths: cut, link, uncut, gouge as above)::

    case tool | ours s  FC s  o/F | CPU s ours/FC  o/F
    A     6   |  0.31   1.11 0.28 |  0.31/ 1.11    0.28
    A     3   |  1.03   3.79 0.27 |  1.03/ 3.77    0.27
    B     6   |  0.50   4.26 0.12 |  0.49/ 4.23    0.12
    B     3   |  1.26   8.18 0.15 |  1.26/ 8.12    0.15
    C     6   |  1.55   7.42 0.21 |  1.55/ 7.31    0.21
    C     3   |  2.62  29.14 0.09 |  2.53/28.79    0.09

Gouge 0.00 for both everywhere. Against the previous table (23:40-23:51, A 6 at 0.50-0.54): the arcs of all
passes are fitted in one kernel call and the levels' moves are slices of those columns (was one
``fit_polyline`` and one validated Toolpath per pass: A 6 0.23-0.5 s of the total, now 0.03-0.06 s; output
bit-identical), the start band by row spans (0.05 -> 0.017 s on A 6), candidate distances once per start
search, and a rejected start drops the candidates within 0.75 R (was 0.5: 36-40 % fewer undone passes;
the only change of the paths: cut length +0.7 to +1.3 % on A, B and C 3, +1 % A 6, +2 % B 6, +7 % C 6 with
its link 3 % shorter). Process CPU time of ``adaptive_clearing`` on the same machine, same run, base
(b3828a3) / now, shortest of 5: A 6 0.56 / 0.32 s, A 3 1.74 / 1.01 s.

DXF pockets (``--dxf``, 3 mm tool, shortest of 2, ``--no-engagement``): three drawings made for the
check, not in the repository (``bracket``: an LWPOLYLINE outline with bulged corners and a convex arc side,
two circle islands and a bulged slot island; ``dogbone``: two round lobes of LINE and ARC entities joined
by a 4.4 mm neck, a circle island; ``wavy``: a 2D POLYLINE outline with bulged scallops, a 3.8 mm finger of
material, a hexagon and a circle island), and the corpus' ``camotics_border_R12.dxf`` and
``led_floor_top_cut_R14_spline.dxf`` (its 4 pockets summed)::

    DXF run 1, 03:00-03:15 UTC, load 5-6:
    case     | ours s  FC s  o/F | cut ours/FC    link ours/FC  uncut ours/FC
    bracket  |  2.27  11.90 0.19 |  19322/18184    6418/12097    1.84/2.10
    dogbone  |  0.46   7.74 0.06 |   7263/6700     2188/ 2123    0.00/0.00
    wavy     |  3.91  16.80 0.23 |  18581/17603    5799/11332    0.24/0.24
    border   |  9.64  12.46 0.77 |  45895/47499    5722/15827    0.00/0.00
    led      | 12.06  24.17 0.50 | 132796/132566  10311/29250    0.29/0.28

    DXF run 2, 03:22-03:31 UTC, load 1-4:
    case     | ours s  FC s  o/F | CPU s ours/FC  o/F
    bracket  |  2.22   8.88 0.25 |  2.20/ 8.61    0.26
    dogbone  |  0.78   5.49 0.14 |  0.78/ 5.45    0.14
    wavy     |  1.91   8.65 0.22 |  1.90/ 8.61    0.22
    border   |  2.13   9.48 0.22 |  2.13/ 9.46    0.23
    led      |  7.92  27.82 0.28 |  7.91/27.79    0.28

(same paths in both runs. Border at 0.77 in run 1: our two runs 9.66 and 9.64 s at about a third of a
core, FreeCAD's 17.4 and 12.5 s; 0.22 in run 2, CPU 0.23. Gouge 0 everywhere; uncut at most FreeCAD's but
led, 0.29 / 0.28 mm2; our link is shorter but on ``dogbone``, 2188 / 2123 mm, where FreeCAD's path is
short too.)

All the runs above used the pass kernel compiled before 45d260c (``engagement_fresh_kernel`` with
``_FRESH_KEEP``, 03:19; Numba's cache of :mod:`toolpath.kernels.adaptive_loop` kept the older probes until
03:26). With it, 03:33 UTC, load 0.3, ``--only A --no-engagement``: A 6 0.36 / 0.91 s = 0.39 (CPU 0.39),
cut 11499 / link 3248 mm, uncut 1.00; A 3 1.23 / 3.28 s = 0.37 (CPU 0.37), cut 21374 / link 4038 mm, uncut
0.23 (FreeCAD 0.21): the paths are 4-5 % longer and ~20 % slower to make; A is back near the 0.4 line.

Session of 2026-11-26 12:30-13:20 (0cf518d): the pass kernel does the same work with less. A perf profile of A 6
(symbols mapped to the JIT code) showed the crescent clear at ~40 % of the kernel (a function call and two square
roots per row, every cell of the disc's bounding box tested) and the probes at ~30 %. Now the clear tests only
the new disc's chord less the old one's, bounded by tables made once per pass, inline; the probes skip the
cell-centre test where it cannot hold and use offsets scaled once per pass; liveness and link checks stop at the
deciding sample. Paths bit-identical (A/B/C x 6/3 and 40 random necked pockets; the three STEP acceptance
programs byte for byte). A 6 alone, processes alternated, quiet pairs: 0.415-0.427 s before, 0.312-0.315 s after
(0.74). Full run 12:50-12:58 UTC (a slow spell: FreeCAD's A 6 took 1.34 s), ``--no-engagement``, ours / FC s
(o/F): A 6 0.31 / 1.34 (0.23), A 3 1.07 / 3.67 (0.29), B 6 1.07 / 3.78 (0.28), B 3 1.58 / 8.54 (0.18), C 6
1.40 / 8.20 (0.17), C 3 2.85 / 24.78 (0.11): max 0.29, geometric mean 0.20. ``--only A --tools 6``, 13:14-13:15:
0.30 / 0.88 (0.35) and 0.30 / 0.89 (0.34), every single pair of runs (ours, FreeCAD's) at 0.30-0.43. DXF
(``--dxf``, 3 mm, ``--repeat 2``, 13:06-13:14): bracket 2.73 / 7.64 (0.36), dogbone 0.14, wavy 0.23, autodeskcam
0.29, border 0.32, led 5.55 / 21.84 (0.25): max 0.36, geometric mean 0.25. Cut, link, uncut as in the session
below (same paths). On the DXF pockets half of our time is outside the pass kernel (distance transforms for
entries, the start band, the finishing loops' strait test): the next lever there.

Session of 2026-11-26 10:00-12:00 (paths of A/B/C unchanged: same cut, link, uncut). The host's speed moved in
spells: A 6 alone took 0.40-0.44 s in one process and 0.59-0.73 s in another a minute later (user CPU likewise), and
in slow spells ours slowed more than FreeCAD's (A 6: +60-70 % against +35-50 %). Full runs, ``--no-engagement``,
ours / FC s (o/F): 11:31-11:38 (sides one after the other) A 6 0.58 / 0.89 (0.65), A 3 1.34 / 4.90 (0.27), B 6
0.96 / 3.52 (0.27), B 3 2.29 / 7.23 (0.32), C 6 2.06 / 6.33 (0.33), C 3 3.09 / 22.48 (0.14); 11:47-11:54 (sides
in turn, as now) A 6 0.65 / 1.11 (0.58), A 3 0.35, B 6 0.20, B 3 0.24, C 6 0.20, C 3 0.14. Single-case runs of A 6
in between: 0.44 / 0.90 (0.49), 0.40 / 0.89 (0.45), 0.68 / 1.31 (0.52). So A 6 is under 0.5 in fast spells only:
the goal is **not reliably met on A 6**. With engagement (10:28-10:40, other jobs on the second core; p99 / max,
ours): A 6 43.0 / 70.0, A 3 42.5 / 74.0, B 6 43.5 / 70.0, B 3 43.0 / 74.0, C 6 43.0 / 82.0, C 3 43.0 / 72.0. Exact
uncut ours / FC, mm2: A 6 0.994 / 1.221, A 3 0.203 / 0.207, B 6 0.994 / 1.221, B 3 0.207 / 0.207 (0.2067 /
0.2074), C 6 2.027 / 2.494, C 3 0.356 / 0.367: ours is the right-angle corners' slivers (0.0507 each at 3 mm,
0.2485 at 6 mm) plus specks; a pick into each corner took it to 0.00 but met 88-113 deg as measured (see
:func:`toolpath.strategies.adaptive_finish.finish_loops`), so it is not done.

DXF (``--dxf``, 3 mm, ``--repeat 2``, sides in turn, 12:05-12:13 UTC, quiet): bracket 2.66 / 7.24 s (0.37),
dogbone 0.22, wavy 0.26, autodeskcam 0.36, border 0.36, led 0.37 (max 0.37); uncut at most FreeCAD's but led
0.29 / 0.28; links shorter but dogbone 2316 / 2123 mm.

Session of 2026-11-26 07:00-09:20 (thin strips of C get slotting loops, trochoid circles over the target at half
feed, unbiased checker reach; the paths of A/B/C are unchanged by it, hashes equal). At 15dab37, 09:09-09:17 UTC,
load ~1, ``--no-engagement``, ours / FreeCAD s (o/F): A 6 0.39 / 0.87 (0.45), A 3 1.34 / 3.17 (0.42), B 6 0.82 /
2.88 (0.29), B 3 2.06 / 7.24 (0.28), C 6 1.26 / 6.04 (0.21), C 3 3.11 / 21.64 (0.14); max 0.45, geometric mean
0.28. Uncut ours / FC: A 6 0.99 / 1.22, A 3 0.20 / 0.21, B 6 0.99 / 1.22, B 3 0.21 / 0.21, C 6 2.03 / 2.49, C 3
0.36 / 0.37 (the swept area now includes the disc at the bottom of a plunge: B 3 0.216 -> 0.207); links 0.44-0.99
of FreeCAD's. DXF (``--dxf``, 3 mm, ``--repeat 2``, 07:52-08:00 UTC with another job on the second core): bracket
0.39, dogbone 0.19, wavy 0.25, border 0.49 (ours 3.43 s under that load; alone 2.53 s CPU, as before the session),
led 0.30; uncut at most FreeCAD's but led 0.29 / 0.28; link shorter but dogbone 2316 / 2123 mm.

After a80c84f (the owned-count band only at narrow places and round islands; a speck of wall strip left to
the finishing loops), 06:27-06:32 UTC, load 1-1.7 (a CI run beside it), ``--no-engagement``, ours / FreeCAD s
(o/F): A 6 0.42 / 0.89 (0.46), A 3 1.32 / 3.21 (0.41), B 6 0.78 / 3.13 (0.25), B 3 1.71 / 7.89 (0.22), C 6
1.23 / 5.99 (0.20), C 3 3.09 / 23.58 (0.13): every pocket under 0.5 again. Uncut ours / FC: B 6 1.10 / 1.22,
B 3 0.22 / 0.21, C 6 2.03 / 2.49, C 3 0.36 / 0.37; link below FreeCAD's on every pocket (0.44-0.99 of it).

Merged main (faf3734, necks-quality merged), 05:57-06:07 UTC, load 1.0, ``--no-engagement --repeat 3``,
ours / FreeCAD s (o/F): A 6 0.63 / 1.00 (0.63), A 3 1.91 / 3.26 (0.59), C 6 1.41 / 7.21 (0.20), C 3 4.14 /
24.27 (0.17); whole run max 0.57-0.63 (A), geometric mean 0.29. Uncut A 6 0.99 (FC 2.49-2.99), A 3 0.21,
C 3 0.45 (FC 0.37). Pocket A misses the 0.5 goal after the merge (it was 0.27-0.43): on an open rectangle the
owned-count band along the walls costs ~0.2 s on A 3 and leaves a sliver that brings in the fallback (three
whole-grid distance transforms and a checked trochoidal run, ~0.27 s); with the band off A 3 takes 1.32 s
instead of 1.84 s (same process, /tmp runs). A band only at narrow places and island rings is the next step.

Branch necks-quality (the owned count, :func:`toolpath.kernels.engagement.engagement_owned_kernel`,
checking the pass kernel's steps within 0.5 R of C's edge; finishing loops and trochoids checked on the
raster), 04:53-05:00 UTC, with the owned check on every step (commit f59e272), load ~2, with engagement::

    case tool | ours s  FC s  o/F | cut ours/FC   link ours/FC  uncut ours/FC  p99 ours/FC  max ours/FC
    A     6   |  1.04   1.07 0.97 | 11934/10396   3284/ 4569    0.99/1.22      42.5/39.5     70.0/55.5
    A     3   |  1.95   3.27 0.60 | 21709/20656   4301/ 9069    0.21/0.21      42.5/39.0     74.0/53.0
    B     6   |  0.98   4.42 0.22 | 13403/10090   6835/ 6808    1.01/1.22      43.0/42.5     70.0/57.0
    B     3   |  3.78   7.40 0.51 | 22431/19681   6999/13518    0.20/0.21      42.5/39.5     74.0/57.0
    C     6   |  1.64   6.35 0.26 | 19653/16038  10213/10461    2.07/2.49      42.5/43.5     76.5/61.0

(C 3 not run). Then with the check only near the edge (d40e458), 05:07-05:13 UTC, load 1.2-2,
``--no-engagement``::

    case tool | ours s  FC s  o/F | cut ours/FC   link ours/FC  uncut ours/FC
    A     6   |  0.53   1.31 0.41 | 11574/10396   3321/ 4569    0.99/1.22
    A     3   |  1.94   3.60 0.54 | 24333/20656   4114/ 9069    0.21/0.21
    B     6   |  1.39   2.91 0.48 | 13117/10090   6807/ 6808    1.04/1.22
    B     3   |  2.02   7.24 0.28 | 22009/19681   6759/13518    0.23/0.21
    C     6   |  1.34   6.04 0.22 | 19439/16037   9614/10461    2.03/2.49
    C     3   |  4.08  22.49 0.18 | 34502/30836  12127/21352    0.45/0.37

(max o/F 0.54, geometric mean 0.32.) The same machine's timings move by 1.5-2x with the load (base and
branch run back to back, process CPU, A 6: base 0.34-0.54 s, branch 0.47-0.49 s; B 6: base 0.60-1.04 s,
branch 0.88-1.39 s): the branch costs about +25-40 % generation time, and A 3 / B 6 sit at or above the
0.5 line in this run. Pass kernel ~+35 % per step where checked; C 3 also pays ~0.45 s for the fallback's
three whole-grid distance transforms when a pass leaves a reachable sliver (one fallback slot there).
"""


from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from toolpath import MoveKind, Pocket, Tool
from toolpath.moves import Toolpath, ToolpathBuilder
from toolpath.strategies.adaptive import AdaptiveParams, adaptive_clearing
from toolpath.strategies.adaptive_build import BlockBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from freecad_adaptive import CUTTING, LINK_CLEAR, LINK_CLEAR_AT_PREV_PASS, run_freecad  # noqa: E402

REF = Path("/work/shared/reference")
DEPTH_MM = 3.0
CLEAR_Z_MM = 5.0
FC_TOLERANCE_MM = 0.1


def load_pockets() -> dict[str, Polygon]:
    data = json.loads((REF / "pockets.json").read_text())["pockets"]
    return {k: Polygon(v["outer"], v["islands"]) for k, v in data.items()}


def freecad_rows() -> dict[tuple[str, float], dict[str, str]]:
    rows = [r for r in (REF / "freecad_adaptive.csv").read_text().splitlines() if not r.startswith("#")]
    return {(r["pocket"], float(r["tool_mm"])): r for r in csv.DictReader(rows)}


@dataclass
class Figures:
    """What the table shows for one generator on one case."""

    time_s: float
    cut_mm: float
    link_mm: float
    uncut_mm2: float
    gouge_mm2: float
    p99_deg: float
    max_deg: float
    note: str = ""


def _swept(tp: Toolpath, tool: Tool, z: float) -> Any:
    """Area swept by the tool on the level moves, and its disc where a move down ends at the level (a plunge
    followed by a retract cuts that disc); arcs followed along the arc (chords every <= 0.05 mm)."""
    from sim.engagement import sample_moves

    a = tp.starts()
    lvl = (np.abs(tp.xyz[:, 2] - z) < 1e-6) & (np.abs(a[:, 2] - z) < 1e-6) & (tp.kind != MoveKind.RAPID)
    arc = np.isin(tp.kind, (int(MoveKind.ARC_CW), int(MoveKind.ARC_CCW)))
    straight = lvl & ~arc
    parts = [np.stack([a[straight, :2], tp.xyz[straight, :2]], axis=1)]
    if np.any(lvl & arc):
        pts, mv = sample_moves(tp, 0.05)
        keep = (lvl & arc)[mv]
        prev = np.vstack([a[mv[:1], :2], pts[:-1, :2]])
        first = np.r_[True, mv[1:] != mv[:-1]]
        prev[first] = a[mv[first], :2]
        parts.append(np.stack([prev[keep], pts[keep, :2]], axis=1))
    down = (np.abs(tp.xyz[:, 2] - z) < 1e-6) & (a[:, 2] > z + 1e-6) & (tp.kind != MoveKind.RAPID)
    parts.append(np.stack([tp.xyz[down, :2], tp.xyz[down, :2] + 1e-9], axis=1))
    segs = shapely.linestrings(np.concatenate(parts))
    return shapely.union_all(shapely.buffer(segs, tool.radius_mm, quad_segs=16))


def measure(tp: Toolpath, link_mask: np.ndarray, entry: list[int], tool: Tool, region: Polygon, z: float,
            time_s: float, *, engagement: bool) -> Figures:
    """The table's figures of one path (see the module docstring)."""
    a = tp.starts()
    xy_len = np.hypot(*(tp.xyz[:, :2] - a[:, :2]).T)
    at_level = (np.abs(tp.xyz[:, 2] - z) < 1e-6) & (np.abs(a[:, 2] - z) < 1e-6) & (tp.kind != MoveKind.RAPID)
    cut_mask = at_level & ~link_mask
    # arcs: XY chord is short for a full circle; use the builder's own lengths for the cutting moves
    lens = tp.lengths()
    cut = float(lens[cut_mask].sum())
    link = float(xy_len[~cut_mask].sum())
    swept = _swept(tp, tool, z)
    reach = region.buffer(-tool.radius_mm - 0.01, quad_segs=32).buffer(tool.radius_mm, quad_segs=32)
    left = reach.difference(swept).buffer(-0.01).buffer(0.01)
    gouge = swept.difference(region).buffer(-0.01).buffer(0.01)
    p99 = mx = float("nan")
    if engagement:
        from sim.engagement import engagement_along

        eng = engagement_along(tp, tool, region, z_mm=z, cell_mm=tool.radius_mm / 25)
        st = eng.stats(eng.level & ~np.isin(eng.move, entry))
        p99, mx = st["p99_deg"], st["max_deg"]
    return Figures(time_s, cut, link, float(left.area), float(gouge.area), p99, mx)


def ours(region: Polygon, tool: Tool, *, times: list[float] | None = None,
         cpu: list[float] | None = None) -> tuple[float, Toolpath, np.ndarray, list[int], list[str]]:
    """Our path of one pocket and its generation time, s (appended to ``times``, and the process CPU time
    to ``cpu``, when given)."""
    pocket = Pocket(region, 0.0, -DEPTH_MM)
    params = AdaptiveParams(stepdown_mm=DEPTH_MM, stepover_mm=0.1 * tool.diameter_mm)
    b = BlockBuilder()  # as clear_pockets builds (moves in arrays)
    entries: list[int] = []
    links: list[int] = []
    t, c = time.perf_counter(), time.process_time()
    plan = adaptive_clearing(pocket, tool, params, builder=b, clearance_z_mm=CLEAR_Z_MM, entry_moves=entries,
                             link_moves=links)
    gen = time.perf_counter() - t
    if times is not None:
        times.append(gen)
    if cpu is not None:
        cpu.append(time.process_time() - c)
    tp = b.build()
    mask = np.zeros(len(tp), bool)
    mask[links] = True
    return gen, tp, mask, entries, plan.notes


def freecad_toolpath(result: dict[str, Any], tool: Tool) -> tuple[Toolpath, np.ndarray, list[int]]:
    """FreeCAD's 2D output as moves at one level: helix entry as arcs (as FreeCAD's op emits them with
    UseHelixArcs), cutting and clear links at depth, links not clear through the clearance height, links at
    the previous pass depth 1 mm above the level. Returns the path, the link-move mask and the entry moves."""
    b = ToolpathBuilder()
    z = -DEPTH_MM
    links: list[int] = []
    entries: list[int] = []
    for reg in result["regions"]:
        c = np.array(reg["helix_center"])
        s = np.array(reg["start"])
        rh = float(np.hypot(*(s - c)))
        b.rapid(float(s[0]), float(s[1]), CLEAR_Z_MM)
        b.rapid(float(s[0]), float(s[1]), 1.0)
        b.feed(float(s[0]), float(s[1]), 0.0, 300.0)
        if rh > 0.01:
            turns = max(1, math.ceil(DEPTH_MM / (2 * math.pi * rh * math.tan(math.radians(3.0))) * 2))
            ang0 = math.atan2(s[1] - c[1], s[0] - c[0])
            for t in range(turns):
                ang = ang0 + math.pi * (t + 1)
                entries.append(len(b))
                b.arc(c[0] + rh * math.cos(ang), c[1] + rh * math.sin(ang), -DEPTH_MM * (t + 1) / turns, c[0], c[1],
                      cw=False, feed_mm_min=300.0)
            p = b.position
            entries.append(len(b))
            b.arc(p[0], p[1], z, c[0], c[1], cw=False, feed_mm_min=1000.0)  # type: ignore[index]
        else:
            entries.append(len(b))
            b.feed(float(s[0]), float(s[1]), z, 300.0)
        for mt, pts in reg["paths"]:
            pts = np.asarray(pts, float)
            if len(pts) == 0:
                continue
            if mt == CUTTING or mt == LINK_CLEAR:
                first = len(b)
                for x, y in pts:
                    b.feed(float(x), float(y), z, 1000.0)
                if mt == LINK_CLEAR:
                    links.extend(range(first, len(b)))
                continue
            lift = 0.0 + 1.0 if mt == LINK_CLEAR_AT_PREV_PASS else CLEAR_Z_MM
            p = b.position
            b.rapid(p[0], p[1], lift)  # type: ignore[index]
            for x, y in pts:
                b.rapid(float(x), float(y), lift)
            entries.append(len(b))
            b.feed(float(pts[-1, 0]), float(pts[-1, 1]), z, 300.0)
        p = b.position
        b.rapid(p[0], p[1], CLEAR_Z_MM)  # type: ignore[index]
    tp = b.build()
    mask = np.zeros(len(tp), bool)
    mask[links] = True
    return tp, mask, entries


def _rings(region: Polygon) -> list[list[list[float]]]:
    return [np.asarray(region.exterior.coords)[:-1, :2].tolist()] + [
        np.asarray(i.coords)[:-1, :2].tolist() for i in region.interiors]


def warm_up() -> float:
    t0 = time.perf_counter()
    warm = Pocket(Polygon([(0, 0), (12, 0), (12, 10), (0, 10)]), 0.0, -1.0)
    adaptive_clearing(warm, Tool(3), AdaptiveParams(stepdown_mm=1, stepover_mm=0.3), clearance_z_mm=5)
    return time.perf_counter() - t0


def run_case(name: str, regions: list[Polygon], tool: Tool, *, engagement: bool, use_freecad: bool,
             recorded: dict[str, str] | None, repeat: int = 1,
             runs: tuple[list[float], list[float], list[float], list[float]] | None = None,
             ) -> tuple[Figures, Figures | None]:
    """Ours then FreeCAD's on the pockets of one case (times summed over the pockets); the figures of both.

    Each side generates each pocket ``repeat`` times, the sides in turn (ours, FreeCAD's, ours, ...), and its
    shortest time counts (the paths are the same each time); ``runs`` (ours, FreeCAD's wall times, then both
    CPU times) receive every time, summed over the pockets per run.
    """
    figs_o: list[Figures] = []
    figs_f: list[Figures] = []
    t_o = np.zeros(repeat)
    t_f = np.zeros(repeat)
    c_o = np.zeros(repeat)
    c_f = np.zeros(repeat)
    for k, region in enumerate(regions):
        times: list[float] = []
        cpu: list[float] = []
        job = {"name": f"{name}#{k}", "rings": _rings(region), "tool_mm": tool.diameter_mm,
               "stepover_fraction": 0.1, "tolerance_mm": FC_TOLERANCE_MM, "repeat": 1}
        r: dict[str, Any] = {}
        fc_walls: list[float] = []
        fc_cpus: list[float] = []
        # the two sides in turn, one run each, so a slow spell of the shared machine slows both alike
        for _ in range(repeat):
            _, tp, mask, entries, notes = ours(region, tool, times=times, cpu=cpu)
            if use_freecad and "error" not in r:
                res = run_freecad([job])
                assert res is not None
                r = res[0]
                if "error" not in r:
                    fc_walls.append(r["wall_s"])
                    fc_cpus.append(r.get("cpus_s", [math.nan])[0])
        t_o += times
        c_o += cpu
        f = measure(tp, mask, entries, tool, region, -DEPTH_MM, min(times), engagement=engagement)
        f.note = "; ".join(notes)
        figs_o.append(f)
        if use_freecad:
            if "error" in r:
                figs_f.append(Figures(float("nan"), *(float("nan"),) * 6, note=r["error"]))
                continue
            t_f += fc_walls
            c_f += fc_cpus
            ftp, fmask, fent = freecad_toolpath(r, tool)
            figs_f.append(measure(ftp, fmask, fent, tool, region, -DEPTH_MM, min(fc_walls), engagement=engagement))
    if runs is not None:
        runs[0].extend(t_o.tolist())
        runs[1].extend(t_f.tolist() if use_freecad else [])
        runs[2].extend(c_o.tolist())
        runs[3].extend(c_f.tolist() if use_freecad else [])
    o = _sum(figs_o)
    if use_freecad:
        return o, _sum(figs_f)
    if recorded:
        return o, Figures(float(recorded["wall_s"]), float(recorded["cutting_length_mm"]),
                          float(recorded["link_length_mm"]), float(recorded["uncut_reachable_mm2"]),
                          float(recorded["gouge_mm2"]), float("nan"), float("nan"), "recorded (csv)")
    return o, None


def _sum(figs: list[Figures]) -> Figures:
    if len(figs) == 1:
        return figs[0]

    def most(vals: list[float]) -> float:  # NaN when none was measured (--no-engagement), without a warning
        got = [v for v in vals if math.isfinite(v)]
        return max(got) if got else float("nan")

    return Figures(*(float(sum(getattr(f, k) for f in figs)) for k in
                     ("time_s", "cut_mm", "link_mm", "uncut_mm2", "gouge_mm2")),
                   most([f.p99_deg for f in figs]), most([f.max_deg for f in figs]),
                   "; ".join(f.note for f in figs if f.note))


HDR = (f"{'case':14} {'tool':>4} {'who':>4} | {'s':>7} {'cut mm':>8} {'link mm':>8} {'uncut':>7} {'gouge':>7} "
       f"{'p99':>5} {'max':>5}")


def _row(case: str, d: float, who: str, f: Figures) -> str:
    return (f"{case:14} {d:4.0f} {who:>4} | {f.time_s:7.2f} {f.cut_mm:8.0f} {f.link_mm:8.0f} {f.uncut_mm2:7.2f} "
            f"{f.gouge_mm2:7.2f} {f.p99_deg:5.1f} {f.max_deg:5.1f}")


def _ratio_row(o: Figures, f: Figures) -> str:
    def q(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b and math.isfinite(a) and math.isfinite(b) else "-"

    return (f"{'':14} {'':4} {'o/F':>4} | {q(o.time_s, f.time_s):>7} {q(o.cut_mm, f.cut_mm):>8} "
            f"{q(o.link_mm, f.link_mm):>8} {'':7} {'':7} {'':5} {'':5}")


def dxf_cases(files: list[str]) -> list[tuple[str, list[Polygon]]]:
    from toolpath.errors import CamError
    from toolpath.geometry.drawing import drawing_pockets, load_drawing

    out = []
    for fn in files:
        try:
            sliced = drawing_pockets(load_drawing(fn), depth_mm=DEPTH_MM)
        except CamError as exc:
            print(f"{Path(fn).name}: skipped ({exc})")
            continue
        regions = []
        for p in sliced.pockets:
            regions.extend(g for g in getattr(p.region, "geoms", [p.region]) if isinstance(g, Polygon))
        out.append((Path(fn).stem[:14], [r for r in regions if not MultiPolygon([r]).is_empty]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-engagement", action="store_true", help="skip the engagement simulation")
    ap.add_argument("--no-freecad", action="store_true", help="use the recorded FreeCAD figures (csv)")
    ap.add_argument("--only", default="A,B,C", help="pockets of pockets.json to run, comma separated")
    ap.add_argument("--tools", default="6,3", help="tool diameters, mm, comma separated")
    ap.add_argument("--dxf", nargs="+", metavar="FILE", help="pockets of DXF drawings (3 mm tool) instead")
    ap.add_argument("--repeat", type=int, default=3,
                    help="generations per pocket and side; the shortest time counts (default 3)")
    args = ap.parse_args(argv)
    from freecad_adaptive import freecad_available

    use_fc = not args.no_freecad and freecad_available()
    if not args.no_freecad and not use_fc:
        print("FreeCAD's area module not found (Debian freecad-python3): FreeCAD columns from the recorded csv")
    print(f"first call (Numba compile or cache load + a tiny pocket, excluded below): {warm_up():.2f} s")
    if args.dxf:
        cases = [(n, regs, 3.0) for n, regs in dxf_cases(args.dxf)]
    else:
        pockets = load_pockets()
        cases = [(n, [pockets[n]], float(d)) for n in args.only.split(",") for d in args.tools.split(",")]
    rec = freecad_rows()
    print(HDR)
    print("-" * len(HDR))
    ratios = []
    for name, regions, d in cases:
        tool = Tool(d)
        runs: tuple[list[float], list[float], list[float], list[float]] = ([], [], [], [])
        o, f = run_case(name, regions, tool, engagement=not args.no_engagement, use_freecad=use_fc,
                        recorded=rec.get((name, d)), repeat=max(1, args.repeat), runs=runs)
        print(_row(name, d, "ours", o))
        if f is not None:
            print(_row("", d, "FC", f) + (f"  ({f.note})" if f.note else ""))
            print(_ratio_row(o, f))
            ratios.append(o.time_s / f.time_s)
        if len(runs[0]) > 1:
            print(f"{'':19}runs s: ours {' '.join(f'{t:.2f}' for t in runs[0])}"
                  + (f" | FC {' '.join(f'{t:.2f}' for t in runs[1])}" if runs[1] else ""))
        if runs[3] and all(math.isfinite(t) for t in runs[3]):  # CPU time: what the load does not stretch
            print(f"{'':19}cpu s (min): ours {min(runs[2]):.2f} | FC {min(runs[3]):.2f} | "
                  f"o/F {min(runs[2]) / min(runs[3]):.2f}")
        if o.note:
            print(f"{'':19}notes: {o.note[:150]}")
        sys.stdout.flush()
    if ratios:
        print(f"time ours/FreeCAD: max {max(ratios):.2f}, geometric mean {math.exp(np.mean(np.log(ratios))):.2f}"
              + ("" if use_fc else " (FreeCAD recorded on another machine)"))
    print(f"s: generation time, shortest of {max(1, args.repeat)} per side (Numba compile excluded); cut/link: XY mm;")
    print("uncut: reachable floor left, mm2;")
    print("gouge: swept area outside the pocket, mm2; p99/max: engagement by sim.engagement on level moves")
    print("outside the entry, deg; FC: FreeCAD Adaptive2d " + ("run live in this run" if use_fc else "csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
