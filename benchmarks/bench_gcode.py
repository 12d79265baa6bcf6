"""G-code reading and writing speed, side by side with gcodeparser and pygcode.

Run as a script for a plain table (``python benchmarks/bench_gcode.py [--lines N]``); the pytest-benchmark
suite of our reader, writer, lexer and arc fitting is ``benchmarks/test_bench_gcode.py``. gcodeparser and
pygcode are optional (``pip install gcodeparser pygcode``); missing ones are reported, not faked.

What is timed: ours = ``gcode.read_program`` (full modal interpretation into a Program; "fast" with
the compiled scanner, "python" without); gcodeparser = ``GcodeParser(text).lines`` (tokenising only,
no modal state); pygcode = ``Line(...)`` + ``Machine.process_block`` per line (interpretation).
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import gcode

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():
    SHARED = Path("/work/shared")
CORPUS = SHARED / "corpus" / "gcode"


def synthetic_program(n_lines: int, seed: int = 0) -> str:
    """A CAM-like program: G1 moves with an R arc every 50 lines, a comment every 1000."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-100, 100, (n_lines, 2))
    out = ["G21 G90 G17", "G0 X0 Y0 Z5", "G1 Z-1 F600"]
    for i in range(n_lines):
        if i % 1000 == 999:
            out.append(f"(pass {i // 1000})")
        elif i % 50 == 0:
            out.append(f"G2 X{xy[i, 0]:.4f} Y{xy[i, 1]:.4f} R300")
        else:
            out.append(f"G1 X{xy[i, 0]:.4f} Y{xy[i, 1]:.4f}")
    out.append("M2")
    return "\n".join(out) + "\n"


def corpus_texts() -> list[tuple[str, str]]:
    """(name, text) of the corpus files our reader accepts (the others measure error paths)."""
    out = []
    for p in sorted(CORPUS.glob("*")):
        if p.suffix in (".csv", ".md"):
            continue
        if gcode.read(p).complete:
            out.append((p.name, p.read_text(errors="replace")))
    return out


def ours(text: str, *, fast: bool) -> int:
    return gcode.read_program(text, fast=fast).moves()


def ours_file(path: Path, *, fast: bool) -> int:
    return gcode.read_program(path, fast=fast).moves()


def with_gcodeparser(text: str) -> int:
    import warnings

    from gcodeparser import GcodeParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return len(GcodeParser(text).lines)
        except ValueError:  # it cannot parse "X-75." (a Fanuc-style trailing point); the time still counts
            return -1


def with_pygcode(text: str) -> int:
    import pygcode

    m = pygcode.Machine()
    n = 0
    for line in text.splitlines():
        block = pygcode.Line(line).block
        try:
            m.process_block(block)
        except Exception:  # noqa: BLE001 - pygcode raises for what it does not model; count and go on
            pass
        n += 1
    return n


def _time(f, *args, repeat: int = 3, **kw) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return best


def peak_rss_mb_reading(path: Path, fast: bool) -> float:
    """Peak resident memory of a fresh process that reads ``path`` (MB)."""
    # VmHWM of the child (ru_maxrss would carry the parent's high-water mark over fork/exec)
    code = (
        "import gcode, sys, re;"
        f"gcode.read_program(sys.argv[1], fast={fast});"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines of the synthetic program")
    ap.add_argument("--pygcode-lines", type=int, default=20_000, help="pygcode is slow: lines it is timed on")
    args = ap.parse_args()
    have_gp = importlib.util.find_spec("gcodeparser") is not None
    have_pg = importlib.util.find_spec("pygcode") is not None
    t0 = time.perf_counter()
    gcode.read("G1 X1 F1\n", fast=True)
    print(f"scanner load/compile (first call in this process): {time.perf_counter() - t0:.2f} s")

    texts = corpus_texts()
    n_lines = sum(t.count("\n") for _, t in texts)
    rows = [("corpus", len(texts), n_lines)]
    results = {}
    results[("corpus", "ours fast")] = _time(lambda: [ours(t, fast=True) for _, t in texts])
    results[("corpus", "ours python")] = _time(lambda: [ours(t, fast=False) for _, t in texts], repeat=1)
    if have_gp:
        results[("corpus", "gcodeparser")] = _time(lambda: [with_gcodeparser(t) for _, t in texts], repeat=1)
    if have_pg:
        sub = "".join(t for _, t in texts)
        part = "\n".join(sub.splitlines()[: args.pygcode_lines])
        tp = _time(with_pygcode, part, repeat=1)
        results[("corpus", "pygcode")] = tp * n_lines / max(1, part.count("\n") + 1)

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.nc"
        big.write_text(synthetic_program(args.lines))
        text = big.read_text()
        rows.append((f"synthetic {args.lines:,} lines", 1, text.count("\n")))
        key = rows[-1][0]
        results[(key, "ours fast")] = _time(ours_file, big, fast=True)
        results[(key, "ours python")] = _time(ours_file, big, fast=False, repeat=1)
        if have_gp:
            results[(key, "gcodeparser")] = _time(with_gcodeparser, text, repeat=1)
        if have_pg:
            part = "\n".join(text.splitlines()[: args.pygcode_lines])
            results[(key, "pygcode")] = _time(with_pygcode, part, repeat=1) * args.lines / args.pygcode_lines
        mem_fast = peak_rss_mb_reading(big, True)
        mem_py = peak_rss_mb_reading(big, False)
        size_mb = big.stat().st_size / 1e6

    print()
    print(f"{'input':<28}{'reader':<14}{'s':>10}{'lines/s':>14}{'vs best other':>16}")
    for name, _files, lines in rows:
        others = [v for (n, r), v in results.items() if n == name and r in ("gcodeparser", "pygcode")]
        best_other = min(others) if others else float("nan")
        for reader in ("ours fast", "ours python", "gcodeparser", "pygcode"):
            if (name, reader) not in results:
                print(f"{name:<28}{reader:<14}{'not installed':>10}")
                continue
            s = results[(name, reader)]
            note = " (extrapolated)" if reader == "pygcode" else ""
            print(f"{name:<28}{reader:<14}{s:>10.3f}{lines / s:>14,.0f}{best_other / s:>15.1f}x{note}")
    print()
    print(f"peak RSS reading the {size_mb:.0f} MB synthetic file: fast {mem_fast:.0f} MB, python {mem_py:.0f} MB "
          f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")

    # writer and arc fitting
    prog = gcode.read_program(synthetic_program(100_000))
    tw = _time(gcode.write, prog, repeat=1)
    print(f"write 100k moves (linuxcnc): {tw:.2f} s, {prog.moves() / tw:,.0f} moves/s")
    from toolpath.moves import ToolpathBuilder
    from toolpath.program import Program
    from toolpath.tool import Tool

    b = ToolpathBuilder()
    b.rapid(50, 0, 1)
    for k in range(1, 21):  # 20 concentric rings as 0.1 mm chords, like a pocket finishing pass
        r = 50 - k
        t = np.linspace(0, 2 * np.pi, int(2 * np.pi * r / 0.1) + 1)
        b.rapid(r, 0, 1)
        b.feed(r, 0, -1, 300)
        b.polyline(np.c_[r * np.cos(t), r * np.sin(t), np.full_like(t, -1)], 1200)
        b.rapid(r, 0, 1)
    p = Program.single(Tool(6.0), b.build(), clearance_z_mm=5.0)
    plain = gcode.write(p)
    t0 = time.perf_counter()
    fitted = gcode.write(p, arc_fit_tolerance_mm=0.005)
    tf = time.perf_counter() - t0
    print(
        f"arc fitting at 0.005 mm: {len(plain.splitlines()):,} -> {len(fitted.splitlines()):,} blocks, "
        f"{len(plain):,} -> {len(fitted):,} bytes ({len(fitted) / len(plain):.1%}), {tf:.2f} s"
    )


if __name__ == "__main__":
    main()
