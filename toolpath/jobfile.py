"""Job files: a milling setup as TOML (part, stock, tools, operations, dialect, machine, output).

A job file is data, read with :mod:`tomllib`; nothing in it is executed. Relative paths (part,
output, dialect or machine files) are relative to the job file's folder, so a setup can be versioned
next to its part and run from anywhere::

    part = "bracket.step"          # STEP file, or a DXF/SVG drawing with depth_mm
    depth_mm = 3.0                 # cut depth of a drawing, from z = 0 down (drawings only)
    setup = "+Z"                   # side the tool comes from (optional)
    dialect = "linuxcnc"           # name (see `toolpath dialects`) or a dialect .toml file
    machine = "linuxcnc-sim"       # name (see `toolpath machines`) or a machine .toml file
    output = "bracket.nc"          # G-code file to write (on the command line, -o OUT.nc wins)

    [stock]                        # optional; default the part's bounding box
    allowance_mm = 1.0             # added on the four sides, mm
    allowance_top_mm = 0.5         # added on top, mm
    allowance_bottom_mm = 0.0      # added below, mm
    # or an explicit block: min_mm = [x, y, z], max_mm = [x, y, z]

    [tools.rough]                  # tools by name
    diameter_mm = 6.0
    kind = "flat"                  # flat (ball, bull, drill where a strategy takes them)
    number = 1                     # T word
    flutes = 3
    flute_length_mm = 18.0

    [[operations]]                 # run in this order
    tool = "rough"
    strategy = "offset"
    stepover = "40%"               # mm or percent of the tool diameter
    stepdown_mm = 3.0
    feed_mm_min = 1200.0
    plunge_feed_mm_min = 300.0
    spindle_rpm = 12000.0
    coolant = "flood"              # off, flood, mist
    name = "roughing"
    # options of the clearing (all optional; the command line's flags of the same names):
    order = "outside-in"           # offset loops: outside-in or inside-out
    entry = "helix"                # into material: helix (a ramp where none fits) or ramp
    corner_radius_mm = 0.0         # round the sharp corners of offset roughing loops, mm
    axial_stock_mm = 0.0           # stock left on the floors, mm
    floor_pass_mm = 0.0            # a final floor pass this thick, mm (at most the stepdown)
    spring_pass = false            # run the wall finishing pass twice
    bore = true                    # bore round holes on a helix (false: clear them like pockets)
    drill = "d5"                   # a drill tool: it drills the holes of its diameter after this operation
    rest = false                   # rest machining (offset): clear only what the previous milling
                                   # operation's larger end mill left
    layers = ["Pockets"]           # a DXF/SVG drawing: only the entities on these layers (case-insensitive)
    exclude_layers = ["Notes"]     # a DXF/SVG drawing: leave the entities on these layers out

    [tools.d5]
    diameter_mm = 5.0
    kind = "drill"

    [[operations]]                 # or a drilling operation of its own (after the milling ones)
    kind = "drill"                 # mill (default) or drill
    tool = "d5"
    feed_mm_min = 150.0
    peck_mm = 5.0                  # depth of each peck, mm (default one drill diameter)

Each milling operation clears every pocket of the part from the stock, so a second operation with a smaller
tool recuts what the first cut and reaches what it could not; with ``rest = true`` it clears only what the
previous milling operation's (larger) end mill left (rest machining, offset strategy). The holes a
drill of the job makes (see :func:`toolpath.job.drillable`) are left by every milling operation.

Errors name the file, the key and the bad value (:class:`~toolpath.errors.InputError`).

This module reads a job and mills its operations (:func:`mill_job`: a Program, no G-code, no timing).
Writing the job's G-code and planning its cycle time need ``gcode`` and ``sim``, which ``toolpath``
does not import (DESIGN.md, layers): that is :func:`toolpath.cli.run_job_file` (``toolpath mill JOB.toml``).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CamError, FileFormatError, InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ToolSpec", "OperationSpec", "StockSpec", "Job", "MilledJob", "load_job", "parse_job", "mill_job",
           "job_dialect"]

_TOP_KEYS = {"part", "depth_mm", "setup", "dialect", "machine", "output", "name", "stock", "tools", "operations"}
_TOOL_KEYS = {"diameter_mm", "kind", "number", "flutes", "flute_length_mm", "corner_radius_mm"}
_OP_KEYS = {"tool", "strategy", "stepover", "stepdown_mm", "feed_mm_min", "plunge_feed_mm_min", "spindle_rpm",
            "coolant", "name", "clearance_mm", "kind", "order", "entry", "corner_radius_mm", "axial_stock_mm",
            "floor_pass_mm", "spring_pass", "bore", "drill", "rest", "layers", "exclude_layers", "terrace_mm"}
_DRILL_OP_KEYS = {"tool", "kind", "feed_mm_min", "spindle_rpm", "coolant", "name", "clearance_mm", "peck_mm",
                  "layers", "exclude_layers"}
_OP_KINDS = ("mill", "drill")
_STOCK_KEYS = {"allowance_mm", "allowance_top_mm", "allowance_bottom_mm", "min_mm", "max_mm"}


@dataclass(frozen=True)
class ToolSpec:
    """A tool of the job: its name in the file and the :class:`~toolpath.tool.Tool`."""

    name: str
    tool: Any


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the job (values as in the file, checked)."""

    tool: str
    strategy: str = "offset"
    stepover: str = "40%"
    stepdown_mm: float | None = None
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    spindle_rpm: float = 10000.0
    coolant: str = "off"
    name: str = ""
    clearance_mm: float = 5.0
    kind: str = "mill"
    order: str = "outside-in"
    entry: str = "helix"
    corner_radius_mm: float = 0.0
    axial_stock_mm: float = 0.0
    floor_pass_mm: float = 0.0
    terrace_mm: float | None = None
    spring_pass: bool = False
    bore: bool = True
    drill: str | None = None
    peck_mm: float | None = None
    rest: bool = False
    layers: tuple[str, ...] | None = None
    exclude_layers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class StockSpec:
    """Stock: allowances around the part's bounding box, or an explicit block (``min_mm``, ``max_mm``)."""

    allowance_mm: float = 0.0
    allowance_top_mm: float = 0.0
    allowance_bottom_mm: float = 0.0
    min_mm: tuple[float, float, float] | None = None
    max_mm: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Job:
    """A parsed job file; paths are absolute."""

    source: Path
    part: Path
    tools: dict[str, ToolSpec]
    operations: tuple[OperationSpec, ...]
    stock: StockSpec = field(default_factory=StockSpec)
    setup: str = "+Z"
    dialect: str = "linuxcnc"
    machine: str = "linuxcnc-sim"
    output: Path | None = None
    name: str = ""
    depth_mm: float | None = None


@dataclass(frozen=True)
class MilledJob:
    """What :func:`mill_job` made.

    Attributes
    ----------
    job : Job
    program : Program
        All operations in order.
    results : list of MillResult
        One per operation.
    operations : list of dict
        Figures per operation: ``name``, ``tool``, ``strategy`` and those of
        :meth:`toolpath.job.MillResult.to_json`.
    program_ops : list of int
        For each operation of ``program``, the index of the job's operation it comes from (a milling
        operation with a ``drill`` makes two).
    """

    job: Job
    program: Any
    results: list[Any]
    operations: list[dict[str, Any]]
    program_ops: list[int] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The DESIGN.md figures this layer knows (no cycle time: that is ``sim``'s), plus ``operations``."""
        program = self.program
        tp = program.toolpath
        return {
            "job": str(self.job.source),
            "part": str(self.job.part),
            "moves": program.moves(),
            "path_length_mm": round(tp.length_mm(program.start_xyz), 4),
            "cutting_length_mm": round(tp.cutting_length_mm(program.start_xyz), 4),
            "rapid_length_mm": round(tp.rapid_length_mm(program.start_xyz), 4),
            "generation_time_s": round(sum(r.generation_time_s for r in self.results), 4),
            "pockets": len(self.results[0].pockets),
            "levels_mm": self.operations[0]["levels_mm"],
            "unreachable": [u for r in self.results for u in r.unreachable],
        }


def _where(src: Path, key: str) -> str:
    return f"job file {src.name}: {key}"


def _num(src: Path, key: str, value: Any, *, positive: bool = True, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{_where(src, key)} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{_where(src, key)} must be finite, got {value!r}")
    if positive and not (v > 0 or (allow_zero and v == 0)):
        raise InputError(f"{_where(src, key)} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


def _str(src: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{_where(src, key)} must be a non-empty string, got {value!r}")
    return value.strip()


def _names(src: Path, key: str, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings (or one string), e.g. layer names."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise InputError(f"{_where(src, key)} must be a name or a list of names (non-empty strings), got {value!r}")
    return tuple(v.strip() for v in items)


def _choice(src: Path, key: str, value: Any, accepted: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in accepted:
        raise InputError(f"{_where(src, key)} must be one of {', '.join(accepted)}, got {value!r}")
    return value.strip().lower()


def _bool(src: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{_where(src, key)} must be true or false, got {value!r}")
    return value


def _unknown(src: Path, where: str, got: dict[str, Any], accepted: set[str]) -> None:
    extra = sorted(set(got) - accepted)
    if extra:
        raise InputError(
            f"{_where(src, where + extra[0])} is not a known key; accepted: {', '.join(sorted(accepted))}"
        )


def _resolve(src: Path, text: str) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() else (src.parent / p)


def _triple(src: Path, key: str, value: Any) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3:
        raise InputError(f"{_where(src, key)} must be a list of three numbers [x, y, z], got {value!r}")
    a, b, c = (_num(src, f"{key}[{i}]", v, positive=False) for i, v in enumerate(value))
    return (a, b, c)


def parse_job(data: dict[str, Any], source: str | os.PathLike[str]) -> Job:
    """Check a job's TOML table and build a :class:`Job` (no file is read but none is needed to exist).

    Parameters
    ----------
    data : dict
        The parsed TOML document.
    source : path
        The job file; relative paths in ``data`` are taken from its folder.
    """
    from .geometry.step import SETUPS
    from .tool import Tool

    src = Path(source).absolute()
    if not isinstance(data, dict):
        raise InputError(f"job file {src.name}: the document must be a table, got {type(data).__name__}")
    _unknown(src, "", data, _TOP_KEYS)
    if "part" not in data:
        raise InputError(f"{_where(src, 'part')} is missing (the STEP file to mill, relative to the job file)")
    part = _resolve(src, _str(src, "part", data["part"]))
    setup = _str(src, "setup", data.get("setup", "+Z")).upper()
    if setup not in SETUPS:
        raise InputError(f"{_where(src, 'setup')} must be one of {', '.join(SETUPS)}, got {data['setup']!r}")
    dialect = _str(src, "dialect", data.get("dialect", "linuxcnc"))
    machine = _str(src, "machine", data.get("machine", "linuxcnc-sim"))
    if dialect.endswith(".toml"):
        dialect = str(_resolve(src, dialect))
    if machine.endswith(".toml"):
        machine = str(_resolve(src, machine))
    output = _resolve(src, _str(src, "output", data["output"])) if "output" in data else None
    name = _str(src, "name", data["name"]) if "name" in data else part.stem

    # stock
    st = data.get("stock", {})
    if not isinstance(st, dict):
        raise InputError(f"{_where(src, 'stock')} must be a table, got {st!r}")
    _unknown(src, "stock.", st, _STOCK_KEYS)
    if ("min_mm" in st) != ("max_mm" in st):
        raise InputError(f"{_where(src, 'stock')}: give both min_mm and max_mm for an explicit block, or neither")
    if "min_mm" in st and any(k.startswith("allowance") for k in st):
        raise InputError(f"{_where(src, 'stock')}: give allowances or an explicit block (min_mm, max_mm), not both")
    stock = StockSpec(
        *(_num(src, f"stock.{k}", st.get(k, 0.0), allow_zero=True)
          for k in ("allowance_mm", "allowance_top_mm", "allowance_bottom_mm")),
        _triple(src, "stock.min_mm", st["min_mm"]) if "min_mm" in st else None,
        _triple(src, "stock.max_mm", st["max_mm"]) if "max_mm" in st else None,
    )
    if stock.min_mm is not None and stock.max_mm is not None:
        for i, axis in enumerate("xyz"):
            if not stock.min_mm[i] < stock.max_mm[i]:
                raise InputError(f"{_where(src, 'stock')}: min_mm {axis} must be below max_mm {axis}, "
                                 f"got {stock.min_mm[i]!r} and {stock.max_mm[i]!r}")

    # tools
    tt = data.get("tools")
    if not isinstance(tt, dict) or not tt:
        raise InputError(f"{_where(src, 'tools')} must be a table of named tools, e.g. [tools.rough] diameter_mm = 6")
    tools: dict[str, ToolSpec] = {}
    for i, (tname, spec) in enumerate(tt.items()):
        key = f"tools.{tname}"
        if not isinstance(spec, dict):
            raise InputError(f"{_where(src, key)} must be a table, got {spec!r}")
        _unknown(src, key + ".", spec, _TOOL_KEYS)
        if "diameter_mm" not in spec:
            raise InputError(f"{_where(src, key + '.diameter_mm')} is missing")
        kw: dict[str, Any] = {"diameter_mm": _num(src, key + ".diameter_mm", spec["diameter_mm"])}
        for k in ("number", "flutes"):
            v = spec.get(k, i + 1 if k == "number" else 2)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(f"{_where(src, f'{key}.{k}')} must be an integer >= 1, got {v!r}")
            kw[k] = v
        if "flute_length_mm" in spec:
            kw["flute_length_mm"] = _num(src, key + ".flute_length_mm", spec["flute_length_mm"])
        if "corner_radius_mm" in spec:
            kw["corner_radius_mm"] = _num(src, key + ".corner_radius_mm", spec["corner_radius_mm"], allow_zero=True)
        kw["kind"] = _str(src, key + ".kind", spec.get("kind", "flat")).lower()
        try:
            tool = Tool(**kw)
        except CamError as exc:
            raise InputError(f"{_where(src, key)}: {exc}") from None
        tools[tname] = ToolSpec(tname, tool)

    # operations
    ops_raw = data.get("operations")
    if not isinstance(ops_raw, list) or not ops_raw:
        raise InputError(f"{_where(src, 'operations')} must be a list of [[operations]] tables, got {ops_raw!r}")
    ops: list[OperationSpec] = []
    for i, op in enumerate(ops_raw):
        key = f"operations[{i}]"
        if not isinstance(op, dict):
            raise InputError(f"{_where(src, key)} must be a table, got {op!r}")
        ops.append(_operation(src, key, op, tools))
    _check_drills(src, ops, tools)
    _check_rest(src, ops, tools)
    depth = _num(src, "depth_mm", data["depth_mm"]) if "depth_mm" in data else None
    if depth is not None and part.suffix.lower() not in (".dxf", ".svg"):
        raise InputError(f"{_where(src, 'depth_mm')} applies to 2D drawings (.dxf/.svg), not {part.name!r}")
    for i, o in enumerate(ops):
        for k in ("layers", "exclude_layers"):
            if getattr(o, k) is not None and part.suffix.lower() not in (".dxf", ".svg"):
                raise InputError(f"{_where(src, f'operations[{i}].{k}')} selects layers of a DXF or SVG drawing, "
                                 f"not of {part.name!r}")
    if part.suffix.lower() in (".dxf", ".svg") and any(
        getattr(stock, k) for k in ("allowance_mm", "allowance_top_mm", "allowance_bottom_mm")
    ):
        raise InputError(f"{_where(src, 'stock')}: allowances need a STEP part; give min_mm and max_mm for a drawing")
    return Job(src, part, tools, tuple(ops), stock, setup, dialect, machine, output, name, depth)


def _operation(src: Path, key: str, op: dict[str, Any], tools: dict[str, ToolSpec]) -> OperationSpec:
    """One ``[[operations]]`` table, checked."""
    from .enums import Coolant
    from .strategies.entries import ClearingOrder, EntryKind

    kind = _choice(src, key + ".kind", op.get("kind", "mill"), _OP_KINDS)
    _unknown(src, key + ".", op, _OP_KEYS | _DRILL_OP_KEYS)
    if "peck_mm" in op and kind != "drill":
        raise InputError(f"{_where(src, key + '.peck_mm')} applies to a drill operation (kind = \"drill\") only")
    if "tool" not in op:
        raise InputError(f"{_where(src, key + '.tool')} is missing (one of {', '.join(tools)})")
    tname = _str(src, key + ".tool", op["tool"])
    if tname not in tools:
        raise InputError(f"{_where(src, key + '.tool')} {tname!r} is not defined; defined: {', '.join(tools)}")
    is_drill = tools[tname].tool.kind.value == "drill"
    if is_drill != (kind == "drill"):
        raise InputError(f"{_where(src, key + '.tool')} {tname!r} is a {tools[tname].tool.kind.value} tool: "
                         + ("a drill operation needs a drill (kind = \"drill\" in its tool table)" if kind == "drill"
                            else "a drill makes a drill operation (kind = \"drill\") or a milling operation's "
                                 "drill key"))
    if kind == "drill":
        extra = sorted(set(op) - _DRILL_OP_KEYS)
        if extra:
            raise InputError(f"{_where(src, key + '.' + extra[0])} does not apply to a drill operation; accepted: "
                             f"{', '.join(sorted(_DRILL_OP_KEYS))}")
    coolant = _str(src, key + ".coolant", op.get("coolant", "off")).lower()
    if coolant not in {c.value for c in Coolant}:
        raise InputError(f"{_where(src, key + '.coolant')} must be one of "
                         f"{', '.join(c.value for c in Coolant)}, got {op['coolant']!r}")
    common: dict[str, Any] = {
        "tool": tname, "kind": kind, "coolant": coolant,
        "feed_mm_min": _num(src, key + ".feed_mm_min", op.get("feed_mm_min", 200.0 if kind == "drill" else 1000.0)),
        "spindle_rpm": _num(src, key + ".spindle_rpm", op.get("spindle_rpm", 10000.0), allow_zero=True),
        "name": _str(src, key + ".name", op["name"]) if "name" in op else "",
        "clearance_mm": _num(src, key + ".clearance_mm", op.get("clearance_mm", 5.0)),
        **{k: _names(src, f"{key}.{k}", op[k]) if k in op else None for k in ("layers", "exclude_layers")},
    }
    if kind == "drill":
        peck = _num(src, key + ".peck_mm", op["peck_mm"]) if "peck_mm" in op else None
        return OperationSpec(strategy="drill", peck_mm=peck, **common)
    stepover = op.get("stepover", "40%")
    if isinstance(stepover, bool) or not isinstance(stepover, (str, int, float)):
        raise InputError(f"{_where(src, key + '.stepover')} must be mm or a percentage like \"40%\", "
                         f"got {stepover!r}")
    strategy = _str(src, key + ".strategy", op.get("strategy", "offset")).lower()
    from .job import DRAWING_STRATEGIES, STRATEGIES, parse_stepover

    if strategy not in STRATEGIES and strategy not in DRAWING_STRATEGIES:
        raise InputError(f"{_where(src, key + '.strategy')} {strategy!r} is unknown; accepted: "
                         f"{', '.join((*STRATEGIES, *DRAWING_STRATEGIES))}")
    try:
        parse_stepover(stepover, tools[tname].tool)
    except CamError as exc:
        raise InputError(f"{_where(src, key + '.stepover')}: {exc}") from None
    stepdown = _num(src, key + ".stepdown_mm", op["stepdown_mm"]) if "stepdown_mm" in op else None
    floor_pass = _num(src, key + ".floor_pass_mm", op.get("floor_pass_mm", 0.0), allow_zero=True)
    if stepdown is not None and floor_pass > stepdown:
        raise InputError(f"{_where(src, key + '.floor_pass_mm')} must be at most stepdown_mm {stepdown:g}, "
                         f"got {op['floor_pass_mm']!r}")
    drill = None
    if "drill" in op:
        drill = _str(src, key + ".drill", op["drill"])
        if drill not in tools:
            raise InputError(f"{_where(src, key + '.drill')} {drill!r} is not defined; defined: {', '.join(tools)}")
        if tools[drill].tool.kind.value != "drill":
            raise InputError(f"{_where(src, key + '.drill')} {drill!r} is a {tools[drill].tool.kind.value} tool, "
                             "not a drill (kind = \"drill\" in its tool table)")
        if tools[drill].tool.number == tools[tname].tool.number:
            raise InputError(f"{_where(src, key + '.drill')} {drill!r} has the tool number of {tname!r} "
                             f"(T{tools[tname].tool.number}); give them different numbers")
    return OperationSpec(
        strategy=strategy,
        stepover=str(stepover),
        stepdown_mm=stepdown,
        plunge_feed_mm_min=_num(src, key + ".plunge_feed_mm_min", op.get("plunge_feed_mm_min", 300.0)),
        order=_choice(src, key + ".order", op.get("order", "outside-in"), tuple(o.value for o in ClearingOrder)),
        entry=_choice(src, key + ".entry", op.get("entry", "helix"), tuple(e.value for e in EntryKind)),
        corner_radius_mm=_num(src, key + ".corner_radius_mm", op.get("corner_radius_mm", 0.0), allow_zero=True),
        axial_stock_mm=_num(src, key + ".axial_stock_mm", op.get("axial_stock_mm", 0.0), allow_zero=True),
        floor_pass_mm=floor_pass,
        terrace_mm=_num(src, key + ".terrace_mm", op["terrace_mm"], allow_zero=True) if "terrace_mm" in op else None,
        spring_pass=_bool(src, key + ".spring_pass", op.get("spring_pass", False)),
        bore=_bool(src, key + ".bore", op.get("bore", True)),
        drill=drill,
        rest=_bool(src, key + ".rest", op.get("rest", False)),
        **common,
    )


def _rest_source(ops: list[OperationSpec], i: int) -> int | None:
    """The milling operation before ``ops[i]`` (the one a rest operation follows), or None."""
    return next((j for j in range(i - 1, -1, -1) if ops[j].kind == "mill"), None)


def _check_rest(src: Path, ops: list[OperationSpec], tools: dict[str, ToolSpec]) -> None:
    """A rest operation runs the offset strategy after a milling operation with a larger end mill."""
    for i, o in enumerate(ops):
        if not o.rest:
            continue
        where = _where(src, f"operations[{i}].rest")
        if o.strategy != "offset":
            raise InputError(f"{where}: rest machining runs the offset strategy, got strategy {o.strategy!r}")
        j = _rest_source(ops, i)
        if j is None:
            raise InputError(f"{where}: rest machining follows an earlier milling operation; there is none before")
        big, small = tools[ops[j].tool].tool, tools[o.tool].tool
        if not big.radius_mm > small.radius_mm:
            raise InputError(f"{where}: its tool {o.tool!r} (D{small.diameter_mm:g}) must be smaller than the "
                             f"previous milling operation's {ops[j].tool!r} (D{big.diameter_mm:g})")


def _check_drills(src: Path, ops: list[OperationSpec], tools: dict[str, ToolSpec]) -> None:
    """Drill operations come after the milling ones; each drill drills in one place only."""
    last_mill = max((i for i, o in enumerate(ops) if o.kind == "mill"), default=-1)
    for i, o in enumerate(ops):
        if o.kind == "drill" and i < last_mill:
            raise InputError(f"{_where(src, f'operations[{i}].kind')} \"drill\" must come after the milling "
                             f"operations (it drills into the floors they clear); operations[{last_mill}] mills")
    used: dict[str, int] = {}
    for i, o in enumerate(ops):
        d = o.tool if o.kind == "drill" else o.drill
        if d is None:
            continue
        if d in used:
            where = f"operations[{i}].{'tool' if o.kind == 'drill' else 'drill'}"
            raise InputError(f"{_where(src, where)} {d!r} already drills in operations[{used[d]}]: each drill "
                             "makes its holes once")
        used[d] = i


def load_job(path: str | os.PathLike[str]) -> Job:
    """Read and check a job file (TOML); nothing in it is executed.

    Raises
    ------
    FileFormatError
        The file is missing or is not valid TOML (the message gives the line).
    InputError
        A key is unknown, missing or has a bad value (the message names it).
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"job file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"job file {str(p)!r} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"job file {str(p)!r} is not UTF-8 text: {exc}") from None
    return parse_job(data, p)


def _stock(job: Job) -> Any:
    from .stock import Stock

    s = job.stock
    if s.min_mm is not None and s.max_mm is not None:
        return Stock.box(*s.min_mm, *s.max_mm)
    if s.allowance_mm == 0 and s.allowance_top_mm == 0 and s.allowance_bottom_mm == 0:
        return None  # mill() takes the part's bounding box
    from .geometry.step import load_solid, orient

    bb = orient(load_solid(job.part), job.setup).BoundingBox()
    a = s.allowance_mm
    return Stock.box(bb.xmin - a, bb.ymin - a, bb.zmin - s.allowance_bottom_mm,
                     bb.xmax + a, bb.ymax + a, bb.zmax + s.allowance_top_mm)


def job_dialect(job: Job) -> tuple[str, str | None]:
    """The job's dialect as ``(name, None)`` for a built-in one, or ``(name, TOML text)`` for a dialect file."""
    if job.dialect.endswith(".toml"):
        return Path(job.dialect).stem, Path(job.dialect).read_text(encoding="utf-8")
    return job.dialect, None


def mill_job(job: Job, *, progress: Callable[[int, int], None] | None = None) -> MilledJob:
    """Mill every operation of ``job`` into one program (no G-code, no timing).

    Parameters
    ----------
    job : Job
        A loaded job (:func:`load_job`).
    progress : callable, optional
        ``progress(done, total)`` as pockets are cleared, counted over all operations (each operation
        clears every pocket of the part).

    Returns
    -------
    MilledJob

    Raises
    ------
    CamError
        Of the class the milling raised, its message prefixed with the file and the operation.
    """
    from .job import mill
    from .program import Program

    if not isinstance(job, Job):
        raise InputError(f"mill_job takes a Job (see load_job), got {type(job).__name__}")
    stock = _stock(job)
    ops = []
    per_op: list[dict[str, Any]] = []
    results = []
    program_ops: list[int] = []
    n_ops = len(job.operations)
    any_mill = any(o.kind == "mill" for o in job.operations)
    drills = {i: job.tools[o.tool if o.kind == "drill" else o.drill].tool  # type: ignore[index]
              for i, o in enumerate(job.operations) if o.kind == "drill" or o.drill is not None}
    for i, spec in enumerate(job.operations):
        tool = job.tools[spec.tool].tool
        op_progress = None
        if progress is not None:
            def op_progress(done: int, total: int, i: int = i) -> None:
                progress(i * total + done, n_ops * total)
        kw: dict[str, Any] = {"depth_mm": job.depth_mm} if job.depth_mm is not None else {}
        kw.update(layers=spec.layers, exclude_layers=spec.exclude_layers)
        if spec.kind == "drill":
            from .strategies.holes import DrillParams

            kw.update(material_above_cleared=any_mill,
                      drill_params=DrillParams(feed_mm_min=spec.feed_mm_min, peck_mm=spec.peck_mm or tool.diameter_mm))
        else:
            kw.update(order=spec.order, entry=spec.entry, corner_radius_mm=spec.corner_radius_mm,
                      axial_stock_mm=spec.axial_stock_mm, floor_pass_mm=spec.floor_pass_mm,
                      terrace_mm=spec.terrace_mm, spring_pass=spec.spring_pass, bore_holes=spec.bore,
                      skip_holes_for=tuple(t for j, t in drills.items() if j != i))
            if spec.drill is not None:
                kw["drill"] = job.tools[spec.drill].tool
            if spec.rest:
                kw["rest_after"] = job.tools[job.operations[_rest_source(list(job.operations), i)].tool].tool  # type: ignore[index]
        try:
            res = mill(job.part, tool, strategy=spec.strategy if spec.kind == "mill" else "offset",
                       stepover=spec.stepover, stepdown_mm=spec.stepdown_mm,
                       setup=job.setup, stock=stock, feed_mm_min=spec.feed_mm_min,
                       plunge_feed_mm_min=spec.plunge_feed_mm_min, spindle_rpm=spec.spindle_rpm,
                       coolant=spec.coolant, clearance_mm=spec.clearance_mm,  # type: ignore[arg-type]
                       progress=op_progress, **kw)
        except CamError as exc:  # keep the class (FileFormatError, UnreachableError, ...), add where it came from
            try:
                err = type(exc)(f"{_where(job.source, f'operations[{i}]')}: {exc}")
            except TypeError:
                err = InputError(f"{_where(job.source, f'operations[{i}]')}: {exc}")
            raise err from None
        results.append(res)
        name = spec.name or f"{spec.strategy} T{tool.number} D{tool.diameter_mm:g}"
        for op in res.program.operations:
            op_name = name if op.tool == tool else (f"{name}: " if spec.name else "") + op.name
            ops.append(type(op)(op.tool, op.toolpath, spindle_rpm=op.spindle_rpm, coolant=op.coolant, name=op_name))
            program_ops.append(i)
        per_op.append({"name": name, "tool": spec.tool, "strategy": spec.strategy, **res.to_json()})
    first = results[0].program
    program = Program(tuple(ops), name=job.name, clearance_z_mm=max(r.program.clearance_z_mm for r in results),
                      start_xyz=first.start_xyz)
    return MilledJob(job, program, results, per_op, program_ops)
