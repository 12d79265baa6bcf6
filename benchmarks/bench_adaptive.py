"""Adaptive clearing on the shared benchmark pockets A, B, C (6 and 3 mm tools, 10 % stepover).

Prints, per pocket and tool: our generation time (Numba compile excluded, measured separately), cutting
and link length (feed moves that stay down between passes, plus rapids), measured engagement (sim.engagement,
p99 and max on level moves outside the entry) and the reachable area left (exact, shapely: swept discs of
the tool along our level moves against the region opened by the tool), beside FreeCAD 0.20.2 Adaptive2d's
figures from shared/reference/freecad_adaptive.csv (measured elsewhere; for orientation only).

Run: ``python benchmarks/bench_adaptive.py [--no-engagement]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

from toolpath import MoveKind, Pocket, Tool
from toolpath.moves import ToolpathBuilder
from toolpath.strategies.adaptive import AdaptiveParams, adaptive_clearing

REF = Path("/work/shared/reference")


def load_pockets() -> dict[str, Polygon]:
    data = json.loads((REF / "pockets.json").read_text())["pockets"]
    return {k: Polygon(v["outer"], v["islands"]) for k, v in data.items()}


def freecad_rows() -> dict[tuple[str, float], dict[str, str]]:
    rows = [r for r in (REF / "freecad_adaptive.csv").read_text().splitlines() if not r.startswith("#")]
    return {(r["pocket"], float(r["tool_mm"])): r for r in csv.DictReader(rows)}


def lengths(tp, plan) -> tuple[float, float, float]:
    """(feed length including stay-down links, stay-down link length, rapid length), mm."""
    lens = tp.lengths()
    rapid = float(lens[tp.kind == MoveKind.RAPID].sum())
    stay = 0.0
    prev = None
    for s in plan.segments:  # 2D plan, one level here (depth = stepdown)
        if prev is not None and s.link == "stay":
            stay += float(np.hypot(*(s.start - prev.end)))
        prev = s
    return float(lens[tp.kind != MoveKind.RAPID].sum()), stay, rapid


def uncut_area(tp, tool: Tool, region: Polygon, z: float) -> float:
    """Reachable floor area left, mm² (exact swept discs of the level moves; slivers under 0.01 mm removed)."""
    a = tp.starts()
    lvl = (np.abs(tp.xyz[:, 2] - z) < 1e-9) & (np.abs(a[:, 2] - z) < 1e-9) & (tp.kind != MoveKind.RAPID)
    pts = tp.polyline()
    del pts
    segs = shapely.linestrings(np.stack([a[lvl, :2], tp.xyz[lvl, :2]], axis=1))
    swept = shapely.union_all(shapely.buffer(segs, tool.radius_mm, quad_segs=16))
    reach = region.buffer(-tool.radius_mm - 0.01, quad_segs=32).buffer(tool.radius_mm, quad_segs=32)
    left = reach.difference(swept).buffer(-0.01).buffer(0.01)
    return float(left.area)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-engagement", action="store_true", help="skip the engagement simulation")
    args = ap.parse_args()
    pockets = load_pockets()
    fc = freecad_rows()
    # compile the kernels once (cached on disk afterwards) and report it
    t0 = time.perf_counter()
    warm = Pocket(Polygon([(0, 0), (12, 0), (12, 10), (0, 10)]), 0.0, -1.0)
    adaptive_clearing(warm, Tool(3), AdaptiveParams(stepdown_mm=1, stepover_mm=0.3), clearance_z_mm=5)
    print(f"first call (imports done; Numba compile or cache load + a tiny pocket): {time.perf_counter() - t0:.2f} s")
    hdr = (f"{'pocket':6} {'tool':>4} | {'ours s':>7} {'cut mm':>8} {'link mm':>8} {'rapid mm':>8} {'links':>9} "
           f"{'uncut':>6} {'p99':>5} {'max':>5} | {'FC s':>6} {'FC cut':>8} {'FC link':>8} {'FC uncut':>8}")
    print(hdr)
    print("-" * len(hdr))
    for name in ("A", "B", "C"):
        region = pockets[name]
        pocket = Pocket(region, 0.0, -3.0)
        for d in (6.0, 3.0):
            tool = Tool(d)
            params = AdaptiveParams(stepdown_mm=3.0, stepover_mm=0.1 * d)
            b = ToolpathBuilder()
            entries: list[int] = []
            finishes: list[int] = []
            t = time.perf_counter()
            plan = adaptive_clearing(pocket, tool, params, builder=b, clearance_z_mm=5.0, entry_moves=entries,
                                     finish_moves=finishes)
            gen = time.perf_counter() - t
            tp = b.build()
            cut, link, rapid = lengths(tp, plan)
            stay = sum(1 for s in plan.segments if s.link == "stay")
            retract = sum(1 for s in plan.segments if s.link == "retract")
            p99 = mx = float("nan")
            if not args.no_engagement:
                from sim.engagement import engagement_along

                eng = engagement_along(tp, tool, region, z_mm=-3.0, cell_mm=tool.radius_mm / 25)
                st = eng.stats(eng.level & ~np.isin(eng.move, entries))
                p99, mx = st["p99_deg"], st["max_deg"]
            left = uncut_area(tp, tool, region, -3.0)
            f = fc.get((name, d), {})
            print(f"{name:6} {d:4.0f} | {gen:7.2f} {cut - link:8.0f} {link + rapid:8.0f} {rapid:8.0f} "
                  f"{stay:4d}/{retract:<4d} {left:6.2f} {p99:5.1f} {mx:5.1f} | {float(f.get('wall_s', 'nan')):6.2f} "
                  f"{float(f.get('cutting_length_mm', 'nan')):8.0f} {float(f.get('link_length_mm', 'nan')):8.0f} "
                  f"{float(f.get('uncut_reachable_mm2', 'nan')):8.2f}")
    print("cut: feed moves minus stay-down links; link mm: stay-down links + rapids; links: stay-down/retract count;")
    print("uncut: reachable floor left, mm2 (exact swept discs); p99/max: measured engagement, deg, level moves but")
    print("the entry (finishing corners and slotting fallback included); FC = FreeCAD 0.20.2 (csv, other machine).")


if __name__ == "__main__":
    main()
