"""The ``toolpath`` command line.

Exit status: 0 on success, 2 on bad input (one line naming the value), 1 on an
internal failure. This is the one module of ``toolpath`` that imports ``gcode``
and ``sim``, and only inside its commands.

The long commands (``mill``, ``check``, ``compare``, ``sweep``) show a progress bar
(tqdm) on stderr when stderr is a terminal, or always with ``--progress`` (never
with ``--no-progress``); stdout and the ``--json`` figures are the same either way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write, atomic_write_text
from .errors import CamError, InputError

__all__ = ["main", "build_parser", "JobResult", "run_job_file"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own bad-usage path: exit 2, one line
        self.exit(2, f"{self.prog}: error: {message}\n")


def _float(name: str, *, zero: bool = False):  # noqa: ANN202
    """An argparse type: a number > 0 (>= 0 with ``zero``), finite."""
    def conv(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not (v >= 0 if zero else v > 0) or v == math.inf:
            raise argparse.ArgumentTypeError(f"{name} must be {'>=' if zero else '>'} 0 and finite, got {text!r}")
        return v

    return conv


def _add_progress(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar on stderr (default: only when stderr is a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _progress_wanted(args: argparse.Namespace) -> bool:
    """``--progress``/``--no-progress`` when given, else whether stderr is a terminal."""
    if getattr(args, "progress", None) is not None:
        return bool(args.progress)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class _Bar:
    """A tqdm bar on stderr fed by ``(done, total)`` callbacks; created at the first call, so nothing is
    written when no step is reported. Disabled: the callback is ``None`` and nothing is imported."""

    def __init__(self, enabled: bool, desc: str, unit: str, *, before: str = "") -> None:
        self.enabled, self.desc, self.unit = enabled, desc, unit
        self._bar: Any = None
        if enabled and before:  # work before the first step (slicing, compiling): say so at once
            self._open(None, f"{desc} ({before})")

    def _open(self, total: int | None, desc: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=desc, unit=self.unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    @property
    def callback(self) -> Callable[[int, int], None] | None:
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._open(total, self.desc)
        if self._bar.total != total:  # first count, or a new total: restart the clock for the rate
            self._bar.reset(total=total)
            self._bar.set_description_str(self.desc, refresh=False)
        self._bar.n = done
        self._bar.refresh()

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _names(values: list[str] | None) -> list[str] | None:
    """Layer names of a repeated ``--layer A --layer B,C`` option: ["A", "B", "C"] (None when not given)."""
    if values is None:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all subcommands."""
    p = _Parser(prog="toolpath", description="2.5D milling: geometry in, verified G-code and cycle time out.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    m = sub.add_parser("mill", help="slice a part, clear its pockets, write G-code")
    m.add_argument("part", help="STEP file (.step/.stp), or a 2D drawing (.dxf/.svg) with --depth")
    m.add_argument("-o", "--output", required=True, help="G-code file to write")
    m.add_argument("--strategy", default="offset",
                   help="offset, zigzag, adaptive, profile (walls only), or engrave (along a drawing's curves)")
    m.add_argument("--tool", type=_float("tool diameter"), default=6.0, help="flat end mill diameter, mm")
    m.add_argument("--stepover", default="40%", help="mm, or N%% of the tool diameter (default 40%%)")
    m.add_argument("--stepdown", type=_float("stepdown"), default=None, help="mm (default half the tool diameter)")
    m.add_argument("--depth", type=_float("depth"), default=None, help="cut depth for 2D drawings, mm")
    m.add_argument("--setup", default="+Z", help="side the tool comes from: +Z -Z +X -X +Y -Y")
    m.add_argument("--feed", type=_float("feed"), default=1000.0, help="cutting feed, mm/min")
    m.add_argument("--plunge-feed", type=_float("plunge feed"), default=300.0, help="plunge feed, mm/min")
    m.add_argument("--rpm", type=_float("rpm"), default=10000.0, help="spindle speed, rev/min")
    m.add_argument("--dialect", default="linuxcnc", help="G-code dialect (see `toolpath dialects`)")
    m.add_argument("--machine", default="linuxcnc-sim", help="machine profile name or TOML file")
    m.add_argument("--plot", default=None, help="PNG of the toolpath to write")
    m.add_argument("--json", default=None, help="JSON file of the figures to write")
    m.add_argument("--order", default="outside-in", help="offset loops: outside-in or inside-out")
    m.add_argument("--entry", default="helix", help="into material: helix (ramp where none fits) or ramp")
    m.add_argument("--corner-radius", type=_float("corner radius"), default=0.0,
                   help="round sharp corners of offset roughing loops, mm (default 0: keep)")
    m.add_argument("--axial-stock", type=_float("axial stock", zero=True), default=0.0, help="stock left on floors, mm")
    m.add_argument("--floor-pass", type=_float("floor pass", zero=True), default=0.0,
                   help="thickness of a final floor pass after the even stepdowns, mm (default 0: none)")
    m.add_argument("--terrace", type=_float("terrace", zero=True), default=None,
                   help="z-level roughing over sloped and curved faces: terraces at most this high, mm "
                        "(default the smaller of the stepdown and 0.25; 0: none)")
    m.add_argument("--spring-pass", action="store_true", help="run the wall finishing pass twice")
    m.add_argument("--no-bore", action="store_true", help="clear round holes like pockets instead of boring them")
    m.add_argument("--drill", type=_float("drill diameter"), default=None,
                   help="drill round holes of this diameter (within 0.05 mm) with a drill T2 after the end mill, mm")
    m.add_argument("--close-gaps", type=_float("close-gaps width"), default=None,
                   help="a DXF/SVG drawing: close gaps up to this width between contour ends with lines, mm")
    m.add_argument("--layer", action="append", default=None, metavar="NAME",
                   help="a DXF/SVG drawing: read only the entities on this layer (an SVG's Inkscape layers; "
                        "repeat, or NAME,NAME; case-insensitive)")
    m.add_argument("--exclude-layer", action="append", default=None, metavar="NAME",
                   help="a DXF/SVG drawing: leave out the entities on this layer (repeat, or NAME,NAME)")
    m.add_argument("--rest-of", type=_float("rest-of diameter"), default=None,
                   help="rest machining (offset): clear only what an end mill of this diameter left, mm")
    _add_progress(m)

    t = sub.add_parser("time", help="cycle time of a G-code program")
    t.add_argument("program", help="G-code file")
    t.add_argument("--dialect", default=None, help="dialect of the file (default: guess)")
    t.add_argument("--machine", default="linuxcnc-sim", help="machine profile name or TOML file")
    t.add_argument("--part", default=None,
                   help="STEP file of the part: simulate the stock and report link time (feed moves in air) apart")
    t.add_argument("--tool", type=_float("tool diameter"), default=None, help="with --part: flat end mill, mm")
    t.add_argument("--cell", type=_float("cell"), default=None, help="with --part: simulation grid cell, mm")
    t.add_argument("--json", default=None, help="JSON file of the figures to write")

    c = sub.add_parser("check", help="simulate a G-code program against a part: gouges, uncut, removed volume")
    c.add_argument("program", help="G-code file")
    c.add_argument("--part", required=True, help="STEP file of the finished part")
    c.add_argument("--tool", type=_float("tool diameter"), default=None, help="flat end mill diameter, mm")
    c.add_argument("--dialect", default=None, help="dialect of the file (default: guess)")
    c.add_argument("--cell", type=_float("cell"), default=None, help="simulation grid cell, mm")
    c.add_argument("--json", default=None, help="JSON file of the figures to write")
    _add_progress(c)

    w = sub.add_parser("sweep", help="mill every part x strategy x tool x stepover on dask; one CSV row each")
    w.add_argument("parts", nargs="+", help="STEP files (or DXF/SVG drawings with --depth)")
    w.add_argument("--depth", type=_float("depth"), default=None, help="cut depth for 2D drawings, mm")
    w.add_argument("--strategies", default="offset", help="comma-separated strategy names (default offset)")
    w.add_argument("--tools", default="6", help="comma-separated flat end mill diameters, mm (default 6)")
    w.add_argument("--stepovers", default="40%", help="comma-separated stepovers, mm or N%% (default 40%%)")
    w.add_argument("--stepdown", type=_float("stepdown"), default=None, help="mm (default half the tool diameter)")
    w.add_argument("--feed", type=_float("feed"), default=1000.0, help="cutting feed, mm/min")
    w.add_argument("--plunge-feed", type=_float("plunge feed"), default=300.0, help="plunge feed, mm/min")
    w.add_argument("--machine", default="linuxcnc-sim", help="machine profile name or TOML file")
    w.add_argument("--check", action="store_true", help="also simulate each program against its part (slower)")
    w.add_argument("--scheduler", default=None, help="address of a running dask scheduler (default: a LocalCluster)")
    w.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default 2)")
    w.add_argument("--threads", action="store_true", help="LocalCluster workers as threads of this process")
    _add_progress(w)
    w.add_argument("--csv", required=True, help="CSV file of the rows to write")
    w.add_argument("--json", default=None, help="JSON file of the rows to write")

    k = sub.add_parser("compare", help="clear a part with several strategies; planned times, simulation, HTML report")
    k.add_argument("part", help="STEP file (.step/.stp)")
    k.add_argument("--strategies", default="offset,zigzag,adaptive", help="comma-separated strategy names")
    k.add_argument("--tool", type=_float("tool diameter"), default=6.0, help="flat end mill diameter, mm")
    k.add_argument("--flutes", type=int, default=2, help="flutes of the tool (feed per tooth)")
    k.add_argument("--stepover", default="40%",
                   help="mm or N%% for all, or per strategy: offset=40%%,adaptive=10%% (default 40%%)")
    k.add_argument("--stepdown", type=_float("stepdown"), default=None, help="mm (default half the tool diameter)")
    k.add_argument("--setup", default="+Z", help="side the tool comes from: +Z -Z +X -X +Y -Y")
    k.add_argument("--feed", type=_float("feed"), default=1000.0, help="cutting feed, mm/min")
    k.add_argument("--plunge-feed", type=_float("plunge feed"), default=300.0, help="plunge feed, mm/min")
    k.add_argument("--rpm", type=_float("rpm"), default=10000.0, help="spindle speed, rev/min")
    k.add_argument("--machine", default="linuxcnc-sim", help="machine profile name or TOML file")
    k.add_argument("--cell", type=_float("cell"), default=None, help="simulation grid cell, mm")
    k.add_argument("--fair", action="store_true", help="each strategy at the parameters its own engagement allows")
    k.add_argument("--json", default=None, help="JSON file of the figures to write")
    k.add_argument("--html", default=None, help="self-contained HTML report to write")
    _add_progress(k)

    sub.add_parser("dialects", help="list the G-code dialects")
    sub.add_parser("machines", help="list the machine profiles")
    return p


@dataclass(frozen=True)
class JobResult:
    """What :func:`run_job_file` made.

    Attributes
    ----------
    job : toolpath.jobfile.Job
    program : Program
        All operations in order.
    gcode : str
        The program in the job's dialect.
    output : Path or None
        Where the G-code was written (None when not written).
    report : dict
        Figures with the DESIGN.md keys (``cycle_time_s``, ``path_length_mm``, ...), plus one entry per
        operation under ``operations``.
    """

    job: Any
    program: Any
    gcode: str
    output: Path | None
    report: dict[str, Any]


def run_job_file(path: str | os.PathLike[str] | Any, *, output: str | os.PathLike[str] | None = None,
                 write: bool = True, progress: Callable[[int, int], None] | None = None) -> JobResult:
    """Run a job file: mill every operation, write the G-code, plan the cycle time (``toolpath mill JOB.toml``).

    It lives here, beside the command, because it needs ``gcode`` and ``sim`` (DESIGN.md, layers); reading
    and milling the job are :mod:`toolpath.jobfile`.

    Parameters
    ----------
    path : path or toolpath.jobfile.Job
        The job file (or a job already loaded).
    output : path, optional
        G-code file to write instead of the job's ``output``.
    write : bool
        Write the G-code file (atomically); False only builds it.
    progress : callable, optional
        ``progress(done, total)`` as pockets are cleared, over all operations.

    Returns
    -------
    JobResult
    """
    import gcode
    import sim

    from .jobfile import Job, job_dialect, load_job, mill_job

    job = path if isinstance(path, Job) else load_job(path)
    name, text_toml = job_dialect(job)
    dialect = gcode.load_dialect(text_toml, name=name) if text_toml is not None else gcode.get_dialect(name)
    machine = sim.load_machine(job.machine)  # bad names fail before any work
    out = Path(output) if output is not None else job.output
    if write and out is None:
        raise InputError(f"job file {job.source.name}: output is missing and no output file was given")
    milled = mill_job(job, progress=progress)
    program = milled.program
    text = gcode.write(program, dialect)
    ct = sim.cycle_time(program, machine)
    figures = milled.figures()
    report: dict[str, Any] = {"job": figures.pop("job"), "part": figures.pop("part"), "dialect": dialect.name,
                              "machine": machine.name, **figures}
    report.update(ct.to_json())
    per_op = [dict(op) for op in milled.operations]
    owner = milled.program_ops or list(range(len(per_op)))  # program operation -> job operation
    for i, entry in enumerate(report.get("breakdown", {}).get("by_operation", [])):
        t = entry.get("cycle_time_s")
        if i < len(owner) and owner[i] < len(per_op) and isinstance(t, (int, float)):
            j = owner[i]
            per_op[j]["cycle_time_s"] = per_op[j].get("cycle_time_s", 0.0) + t
    report["operations"] = per_op
    written = atomic_write_text(out, text) if write and out is not None else None
    return JobResult(job, program, text, written, report)


def _mill_job_file(args: argparse.Namespace) -> int:
    """``toolpath mill JOB.toml``: run the job, print a summary, write the JSON figures."""
    with _Bar(_progress_wanted(args), "mill", "pocket", before="slicing") as bar:
        res = run_job_file(args.part, output=args.output, progress=bar.callback)
    r = res.report
    if args.json:
        atomic_write_text(args.json, json.dumps(r, indent=2) + "\n")
    print(f"{args.part}: {len(res.job.operations)} operations on {Path(r['part']).name}, {r['pockets']} pockets, "
          f"{len(r['unreachable'])} unreachable")
    for op in r["operations"]:
        ct = op.get("cycle_time_s")
        print(f"  {op['name']}: {op['moves']} moves, {op['path_length_mm']:.0f} mm"
              + (f", {ct:.1f} s" if isinstance(ct, (int, float)) else ""))
    print(f"{r['moves']} moves, {r['path_length_mm']:.0f} mm of path; cycle time {r['cycle_time_s']:.1f} s planned on "
          f"{r['machine']} ({r['naive_time_s']:.1f} s length/feed) -> {res.output}")
    return 0


def _mill(args: argparse.Namespace) -> int:
    import gcode
    import sim

    from .job import mill
    from .tool import Tool

    if str(args.part).lower().endswith(".toml"):  # a job file stands in for the part
        return _mill_job_file(args)
    tool = Tool.flat(args.tool)
    drill = Tool.drill(args.drill, number=2) if args.drill is not None else None
    dialect = gcode.get_dialect(args.dialect)  # bad names fail before any work
    machine = sim.load_machine(args.machine)
    with _Bar(_progress_wanted(args), f"mill {args.strategy}", "pocket", before="slicing") as bar:
        res = mill(
            args.part, tool, strategy=args.strategy, stepover=args.stepover, stepdown_mm=args.stepdown,
            setup=args.setup, feed_mm_min=args.feed, plunge_feed_mm_min=args.plunge_feed, spindle_rpm=args.rpm,
            depth_mm=args.depth, progress=bar.callback, order=args.order, entry=args.entry,
            corner_radius_mm=args.corner_radius, axial_stock_mm=args.axial_stock,
            floor_pass_mm=args.floor_pass, spring_pass=args.spring_pass, bore_holes=not args.no_bore, drill=drill,
            rest_after=Tool.flat(args.rest_of) if args.rest_of is not None else None, gap_mm=args.close_gaps,
            layers=_names(args.layer), exclude_layers=_names(args.exclude_layer), terrace_mm=args.terrace,
        )
    text = gcode.write(res.program, dialect)
    ct = sim.cycle_time(res.program, machine)
    report: dict[str, Any] = {"part": str(args.part), "strategy": args.strategy, "tool_mm": args.tool}
    if drill is not None:
        report["drill_mm"] = args.drill
    if args.rest_of is not None:
        report["rest_of_mm"] = args.rest_of
    report.update(res.to_json())
    report.update(ct.to_json())
    report["dialect"] = dialect.name
    report["machine"] = machine.name
    png = None
    if args.plot:
        from .plot import plot_toolpath

        ax = plot_toolpath(res.program.toolpath, res.pockets, title=f"{args.part}: {args.strategy}, D{args.tool:g}",
                           start=res.program.start_xyz)
        png = ax.figure
    atomic_write_text(args.output, text)
    if png is not None:
        atomic_write(args.plot, lambda tmp: png.savefig(tmp, dpi=120, format="png"))
    if args.json:
        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    print(
        f"{args.part}: {report['pockets']} pockets, levels {report['levels_mm']} mm, "
        f"{len(report['unreachable'])} unreachable"
    )
    for u in report["unreachable"][:10]:
        print(f"  unreachable at {u['where']}: {u['reason']}")
    print(
        f"{report['moves']} moves, {report['path_length_mm']:.0f} mm of path; cycle time "
        f"{report['cycle_time_s']:.1f} s planned on {machine.name} ({report['naive_time_s']:.1f} s length/feed); "
        f"generated in {report['generation_time_s']:.2f} s -> {args.output}"
    )
    return 0


def _time(args: argparse.Namespace) -> int:
    import gcode
    import sim

    machine = sim.load_machine(args.machine)
    program = gcode.read_program(args.program, dialect=args.dialect)
    link = None
    if args.part:  # links (feed moves that remove nothing) from a stock simulation, as `check` runs it
        from sim.check import check
        from sim.cycle_time import links_from_removal

        from .tool import Tool

        first = next((op.toolpath.xyz[0] for op in program.operations if len(op.toolpath)), None)
        sim_prog = program if first is None else dataclasses.replace(program, start_xyz=tuple(map(float, first)))
        res = check(sim_prog, args.part, Tool.flat(args.tool) if args.tool else None, cell_mm=args.cell)
        link = links_from_removal(program, res.stock_result.removed_per_move_mm3, res.cell_mm)
    ct = sim.cycle_time(program, machine, link=link)
    report = {"program": str(args.program), "machine": machine.name}
    report.update(ct.to_json())
    if args.json:
        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    print(f"{args.program}: {ct.cycle_time_s:.2f} s planned on {machine.name} ({ct.naive_time_s:.2f} s length/feed)")
    if link is not None:
        print(f"  cutting {ct.by_kind_s['cut'] + ct.by_kind_s['plunge']:.2f} s, links (feed moves in air) "
              f"{ct.by_kind_s['link']:.2f} s, rapids {ct.by_kind_s['rapid']:.2f} s")
    return 0


def _check(args: argparse.Namespace) -> int:
    import gcode
    from sim.check import check

    from .tool import Tool

    program = gcode.read_program(args.program, dialect=args.dialect)
    first = next((op.toolpath.xyz[0] for op in program.operations if len(op.toolpath)), None)
    if first is not None:
        # where the machine stands before the first block is not in the file: start on the first target
        # (a program's first move comes down from above) rather than at an assumed origin inside the stock
        program = dataclasses.replace(program, start_xyz=tuple(float(v) for v in first))
    tool = Tool.flat(args.tool) if args.tool else None
    with _Bar(_progress_wanted(args), "check", "step") as bar:
        res = check(program, args.part, tool, cell_mm=args.cell, progress=bar.callback)
    report = {"program": str(args.program), "part": str(args.part)}
    report.update(res.to_json())
    if args.json:
        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    print(
        f"{args.program}: {res.gouge_count} gouged cells, {res.uncut_area_mm2:.2f} mm2 reachable uncut "
        f"({res.uncut_floor_area_mm2:.2f} on floors; the rest on slopes, curved faces, or where the part stops "
        f"the tool above), "
        f"{res.removed_volume_mm3:.0f} of {res.designed_volume_mm3:.0f} mm3 removed "
        f"(at least {res.reachable_volume_mm3:.0f} reachable by the tool), "
        f"{len(res.rapid_cuts)} rapids through material (cell {res.cell_mm:g} mm)"
    )
    for g in res.gouges[:5]:
        print(f"  gouge at x={g.x_mm:.3f} y={g.y_mm:.3f} z={g.z_mm:.3f}: {g.depth_mm:.3f} mm deep")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.batch import sweep, sweep_jobs, write_csv

    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be >= 1, got {args.workers}")
    jobs = sweep_jobs(
        args.parts, strategies=args.strategies, tools_mm=args.tools, stepovers=args.stepovers,
        stepdown_mm=args.stepdown, feed_mm_min=args.feed, plunge_feed_mm_min=args.plunge_feed,
        machine=args.machine, check=args.check, depth_mm=args.depth,
    )
    import sim

    sim.load_machine(args.machine)  # a bad machine fails once, before any work
    t0 = time.perf_counter()
    rows = sweep(jobs, scheduler=args.scheduler, workers=args.workers, processes=not args.threads,
                 progress=_progress_wanted(args))
    write_csv(rows, args.csv)
    if args.json:
        atomic_write_text(args.json, json.dumps({"rows": rows}, indent=2) + "\n")
    failed = [r for r in rows if r["error"]]
    print(f"{len(rows)} jobs ({len(rows) - len(failed)} ok, {len(failed)} failed) in "
          f"{time.perf_counter() - t0:.1f} s on dask -> {args.csv}")
    for r in rows:
        what = f"{Path(r['part']).name} {r['strategy']} D{r['tool_mm']:g} {r['stepover']}"
        if r["error"]:
            print(f"  {what}: {r['error']}")
        else:
            print(f"  {what}: {r['cycle_time_s']:.1f} s, {r['path_length_mm']:.0f} mm, {r['moves']} moves")
    return 0


def _compare(args: argparse.Namespace) -> int:
    import sim
    from sim.compare import compare

    from .tool import Tool

    stepover: Any = args.stepover
    if "=" in args.stepover:
        stepover = {}
        for item in args.stepover.split(","):
            name, sep, value = item.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise InputError(f"--stepover must be a value or name=value pairs, got {args.stepover!r}")
            stepover[name.strip().lower()] = value.strip()
        stepover.setdefault("*", "40%")
    machine = sim.load_machine(args.machine)
    tool = Tool.flat(args.tool, flutes=args.flutes)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    with _Bar(_progress_wanted(args), "compare", "step") as bar:
        cmp = compare(
            args.part, strategies, tool, machine, stepover=stepover, stepdown_mm=args.stepdown, fair=args.fair,
            feed_mm_min=args.feed, plunge_feed_mm_min=args.plunge_feed, spindle_rpm=args.rpm, setup=args.setup,
            cell_mm=args.cell, progress=bar.callback,
        )
    if not any(r.ok for r in cmp.runs):
        raise InputError("no strategy could run: " + "; ".join(f"{r.strategy}: {r.error}" for r in cmp.runs))
    report = cmp.to_json()
    if args.json:
        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    if args.html:
        from sim.report import write_html

        write_html(cmp, args.html)
    print(f"{args.part}: D{args.tool:g} on {machine.name}{' (fair mode)' if args.fair else ''}")
    for name, d in report["strategies"].items():
        if d["error"]:
            print(f"  {name}: not run: {d['error']}")
            continue
        eng = d.get("max_engagement_deg")
        fair = ""
        if args.fair and d.get("fair_cycle_time_s") is not None:
            fair = f"fair: {d['fair_cycle_time_s']:.1f} s at stepdown {d['fair_stepdown_mm']:.2f} mm, feeds scheduled; "
        print(
            f"  {name}: {d['cycle_time_s']:.1f} s planned ({d['naive_time_s']:.1f} s length/feed; {fair}"
            f"{d.get('cycle_time_vs_baseline_pct', 0.0):+.1f} % vs {report['baseline']}), "
            f"{d['path_length_mm']:.0f} mm path, air cut {100 * d['air_cut_share']:.1f} %, "
            f"max engagement {'-' if eng is None else f'{eng:.0f} deg'}, "
            f"removed {100 * (d['removed_fraction'] or 0):.1f} % of design, {d['gouge_count']} gouged cells, "
            f"generated in {d['generation_time_s']:.2f} s"
        )
    return 0


def _dialects(_: argparse.Namespace) -> int:
    import gcode

    for name in gcode.dialects():
        d = gcode.get_dialect(name)
        print(f"{name}\t{getattr(d, 'description', '')}")
    return 0


def _machines(_: argparse.Namespace) -> int:
    import sim

    for name in sim.machines():
        m = sim.load_machine(name)
        print(f"{name}\t{getattr(m, 'description', '')}")
    return 0


_COMMANDS = {"mill": _mill, "time": _time, "check": _check, "dialects": _dialects, "machines": _machines}
_COMMANDS["sweep"] = _sweep
_COMMANDS["compare"] = _compare


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad usage (2, one line already printed)
        return int(exc.code or 0)
    t0 = time.perf_counter()
    try:
        return _COMMANDS[args.command](args)
    except (CamError, OSError) as exc:  # bad input: the error names the value
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"toolpath: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"toolpath: interrupted after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one line, exit 1
        print(f"toolpath: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
