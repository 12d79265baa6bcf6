"""The one G-code reader: text (ours or another CAM system's) to a :class:`~toolpath.Program`.

It keeps the modal state an RS274/NGC interpreter keeps and executes each
block in LinuxCNC's order of execution (feed, speed, tool, tool change,
spindle, coolant, dwell, plane, units, offsets, path control, distance
mode, motion, stop). Lines are read one at a time, so memory grows with the
number of moves, not the file size; :func:`iter_operations` bounds it by
handing the program out in parts. Plain motion blocks of large inputs go
through a compiled scanner (:mod:`gcode.fastscan`) with the same results.

What it cannot turn into the right path it reports, naming line and column,
and never guesses: macros (``#``, ``[ ]``), O-word subroutines and control
flow, M98/M99 subprograms, cutter radius compensation (G41/G42), G92
offsets, inverse-time feed, rotary or extra axes, and any G-code it does not
know. With ``strict=True`` the first such error raises
:class:`~toolpath.errors.GcodeSyntaxError`; otherwise reading stops there,
the result holds the moves before that line and ``complete`` is false.

Conventions:

- Units are converted to mm and mm/min (G20 input is multiplied by 25.4).
- The machine is taken to start at (0, 0, 0) (as ``rs274`` does); axes not
  yet programmed are 0.
- Arcs in the G18/G19 planes are turned into G1 chords within 0.001 mm
  (the data model's arcs are XY arcs); a note says so.
- Canned drilling cycles G73, G81-G83, G85, G86, G89 (G98/G99, L repeats)
  are expanded into rapids, feeds and dwells (:mod:`gcode.cycles`).
- Operations split at each tool change (M6). A tool's diameter comes from
  ``tools`` when given, else from a comment ``T<n> ... D=<diameter>`` (our
  writer's and Fusion 360's), else it is 1.0 mm (with a note).
- G28/G30 and G53 moves along Z are read as rapids up to the highest Z the
  program has reached (machine coordinates are unknown here); X/Y moves to
  machine home are skipped with a warning.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import NamedTuple

import numpy as np

from toolpath.enums import Coolant, MoveKind
from toolpath.errors import GcodeError, GcodeSyntaxError
from toolpath.moves import Toolpath
from toolpath.program import Operation, Program
from toolpath.tool import Tool

from .dialect import Dialect, get_dialect
from .lexer import Word, lex_line

__all__ = [
    "Severity", "Diagnostic", "ReadResult", "read", "read_program", "iter_operations", "DEFAULT_TOOL_DIAMETER_MM",
    "FAST_MIN_BYTES",
]

DEFAULT_TOOL_DIAMETER_MM = 1.0
FAST_MIN_BYTES = 2_000_000
_MAX_LINE_CHARS = 65536
_MAX_DIAGNOSTICS = 1000

_O_WORD = re.compile(r"^\s*[oO]\s*(<[^>]*>|\d+)\s*([A-Za-z]+)?")
_HEADER = re.compile(r"^\s*(?:[Nn]\d+\s+)?%(\S+)\s+([Gg]\d+)\s*\*?\s*$")
_LEADING_N = re.compile(r"^\s*[Nn]\d+\s*")
_TOOL_COMMENT = re.compile(r"\bT\s*(\d+)\b.*?\bD\s*=\s*([0-9]*\.?[0-9]+)", re.IGNORECASE)
_TOOL_CR = re.compile(r"\bCR\s*=\s*([0-9]*\.?[0-9]+)", re.IGNORECASE)
_TOOL_KIND = re.compile(r"\b(flat|ball|bull|drill)\b", re.IGNORECASE)


class Severity(str, Enum):
    """How bad a diagnostic is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of the reader, at 1-based ``line`` and ``column`` (0 when not about one column)."""

    line: int
    column: int
    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.severity.value}: {self.message} [{self.code}]"


class ReadResult(NamedTuple):
    """What :func:`read` returns; unpacks as ``program, diagnostics``."""

    program: Program
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The error diagnostics (reading stopped at the first)."""
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def complete(self) -> bool:
        """True when the whole input was read without error."""
        return not self.errors


def _code_key(code: str) -> int:
    """``"G90.1"`` -> 901."""
    try:
        return int(round(float(code.strip()[1:]) * 10))
    except ValueError:
        raise GcodeError(f"{code!r} is not a G-code") from None


class _Stop(Exception):
    """Raised inside the reader to end reading (an error in non-strict mode, or M2/%)."""


class _MoveBuffer:
    """Growable column arrays (chunks of numpy), cheaper than lists of tuples for millions of moves."""

    _CHUNK = 4096

    def __init__(self) -> None:
        self._done: list[np.ndarray] = []
        self._buf = np.empty((self._CHUNK, 7))
        self._n = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add_block(self, rows: np.ndarray) -> None:
        """Append rows (k, 7) at once (from the compiled scanner)."""
        if len(rows) == 0:
            return
        if self._n:
            self._done.append(self._buf[: self._n].copy())
            self._n = 0
        self._done.append(rows.copy())
        self._count += len(rows)

    def add(self, kind: int, x: float, y: float, z: float, cx: float, cy: float, f: float) -> None:
        if self._n == self._CHUNK:
            self._done.append(self._buf)
            self._buf = np.empty((self._CHUNK, 7))
            self._n = 0
        self._count += 1
        row = self._buf[self._n]
        row[0] = kind
        row[1] = x
        row[2] = y
        row[3] = z
        row[4] = cx
        row[5] = cy
        row[6] = f
        self._n += 1

    def build(self) -> Toolpath:
        if len(self) == 0:
            return Toolpath.empty()
        a = np.concatenate([*self._done, self._buf[: self._n]])
        return Toolpath(a[:, 0].astype(np.int8), a[:, 1:4], a[:, 4:6], a[:, 6])


class _Reader:
    def __init__(self, d: Dialect, *, strict: bool, tools: Mapping[int, Tool] | None, block_delete: bool) -> None:
        self.d = d
        self.strict = strict
        self.tools_given = dict(tools or {})
        self.block_delete = block_delete
        self.diags: list[Diagnostic] = []
        self.suppressed = 0
        self.line_no = 0
        # modal state
        self.pos = [0.0, 0.0, 0.0]
        self.mm_per_unit = 1.0
        self.units_seen: str | None = None
        self.absolute = True
        self.arc_absolute = False
        self.plane = 170
        self.motion: int | None = None
        self.feed = math.nan
        self.rpm = 0.0
        self.spindle_dir = 0  # 0 off, 1 cw, -1 ccw
        self.coolant = Coolant.OFF
        self.tool_selected: int | None = None
        self.tool_current: int | None = None
        self.retract_r_plane = True  # G99, LinuxCNC's mode at start (rs274 retracts to R without G98)
        self.cycle_r = math.nan
        self.cycle_z = math.nan
        self.cycle_q = math.nan
        self.cycle_p = 0.0
        self.max_z = 0.0
        self.percent_seen = False
        self.any_code = False
        # output
        self.ops: list[Operation] = []
        self.op_moves = 0  # moves of the current operation, including parts already handed out
        self.n_ops = 0
        self.buf = _MoveBuffer()
        self.op_rpm: float | None = None
        self.op_coolant = Coolant.OFF
        self.op_cw = True
        self.op_name = ""
        self.pending_name = ""
        self.program_name = ""
        self.name_from_comment = False
        self.program_number: int | None = None
        self.tool_comments: dict[int, tuple[float, str, float]] = {}
        self.metadata: dict[str, object] = {"path_control": [], "work_offsets": [], "dialect": d.name,
                                            "path_control_moves": []}
        self.moves_total = 0  # moves of the whole program so far (where each path_control entry takes effect)
        self.notes_once: set[str] = set()
        self.pole: tuple[float, float] | None = None
        self.complete_end = False
        self._cycle_code: int | None = None
        self._cycle_il = 0.0
        self.passthrough = [re.compile(p) for p in d.passthrough]
        self.units_map = {_code_key(d.units_mm): 210, _code_key(d.units_inch): 200}
        self.metadata_codes = {_code_key(c): c for c in d.metadata_codes}

    # diagnostics --------------------------------------------------------------
    def diag(self, severity: Severity, code: str, message: str, column: int = 0) -> None:
        if severity is Severity.ERROR:
            if self.strict:
                raise GcodeSyntaxError(
                    f"line {self.line_no}, column {column}: {message}", line=self.line_no, column=column, code=code
                )
            self.diags.append(Diagnostic(self.line_no, column, code, severity, message))
            raise _Stop
        if len(self.diags) >= _MAX_DIAGNOSTICS:
            self.suppressed += 1
            return
        self.diags.append(Diagnostic(self.line_no, column, code, severity, message))

    def note_once(self, code: str, message: str, column: int = 0) -> None:
        if code not in self.notes_once:
            self.notes_once.add(code)
            self.diag(Severity.INFO, code, message, column)

    def error(self, code: str, message: str, column: int = 0) -> None:
        self.diag(Severity.ERROR, code, message, column)

    # moves --------------------------------------------------------------------
    def _op_state_on_cut(self) -> None:
        if self.op_rpm is None:
            self.op_rpm = self.rpm if self.spindle_dir != 0 else 0.0
            self.op_coolant = self.coolant
            self.op_cw = self.spindle_dir >= 0

    def add(self, kind: int, x: float, y: float, z: float, cx: float = math.nan, cy: float = math.nan,
            f: float = math.nan) -> None:
        if kind != MoveKind.RAPID and kind != MoveKind.DWELL:
            self._op_state_on_cut()
        self.buf.add(kind, x, y, z, cx, cy, f)
        self.op_moves += 1
        self.moves_total += 1
        if kind != MoveKind.DWELL:
            self.pos = [x, y, z]
            if z > self.max_z:
                self.max_z = z

    def tool_for(self, number: int | None) -> Tool:
        n = number if number and number >= 1 else 1
        if n in self.tools_given:
            return self.tools_given[n]
        d, kind, cr = self.tool_comments.get(n, (0.0, "flat", 0.0))
        if d > 0:
            if kind == "ball":
                cr = d / 2.0
            elif kind == "flat" and cr > 0:
                kind = "bull"
            try:
                return Tool(d, number=n, kind=kind, corner_radius_mm=cr)  # type: ignore[arg-type]
            except ValueError:
                return Tool(d, number=n)
        self.note_once(
            f"tool-diameter-{n}",
            f"tool T{n}: diameter unknown (no tools given, no 'T{n} D=' comment); using {DEFAULT_TOOL_DIAMETER_MM} mm",
        )
        return Tool(DEFAULT_TOOL_DIAMETER_MM, number=n)

    def flush_part(self) -> None:
        """Hand the buffered moves of the current operation out as an Operation (streaming)."""
        if len(self.buf) == 0:
            return
        tp = self.buf.build()
        rpm = self.op_rpm if self.op_rpm is not None else (self.rpm if self.spindle_dir else 0.0)
        self.ops.append(
            Operation(self.tool_for(self.tool_current), tp, spindle_rpm=rpm, coolant=self.op_coolant,
                      name=self.op_name, clockwise=self.op_cw)
        )
        self.buf = _MoveBuffer()

    def finish_operation(self) -> None:
        if self.op_moves == 0:
            return
        self.flush_part()
        self.op_moves = 0
        self.n_ops += 1
        self.op_rpm = None
        self.op_coolant = self.coolant
        self.op_name = ""

    # lines --------------------------------------------------------------------
    def feed_line(self, line: str) -> bool:
        """Process one line; False when the program has ended."""
        self.line_no += 1
        if len(line) > _MAX_LINE_CHARS:
            self.error("line-too-long", f"line is longer than {_MAX_LINE_CHARS} characters", 1)
        if self.passthrough:
            bare = _LEADING_N.sub("", line, count=1).strip()
            for pat in self.passthrough:
                if pat.fullmatch(bare):
                    self.metadata.setdefault("passthrough", []).append((self.line_no, bare))  # type: ignore[union-attr]
                    return True
        h = _HEADER.match(line)
        if h:
            key = _code_key(h.group(2))
            if key not in self.units_map:
                self.error("header", f"'%{h.group(1)} {h.group(2)}' is not a program header this reader knows", 1)
            if self.any_code or self.percent_seen:
                return False  # the closing '%NAME G71' of a Heidenhain ISO program
            self.percent_seen = True
            self.program_name = self.program_name or h.group(1)
            self.mm_per_unit = 1.0 if self.units_map[key] == 210 else 25.4
            self.units_seen = "mm" if self.units_map[key] == 210 else "inch"
            return True
        m = _O_WORD.match(line)
        if m:
            ocol = len(line) - len(line.lstrip()) + 1
            if m.group(2) or m.group(1).startswith("<"):
                self.error("o-word", "O-word subroutines and control flow are not supported", ocol)
            # a Fanuc-style program number: O1234 [comment]
            rest = lex_line(line[m.end() :])
            if rest.error or rest.words:
                self.error("o-word", "an O program number must stand alone on its line", ocol)
            self.program_number = int(m.group(1))
            if rest.comments and not self.name_from_comment:
                self.program_name = rest.comments[0]
                self.name_from_comment = True
            return True
        lx = lex_line(line)
        if lx.error:
            self.error("syntax", lx.error, lx.error_column)
        if lx.percent:
            if self.percent_seen or self.any_code:
                return False
            self.percent_seen = True
            return True
        if lx.block_delete and self.block_delete:
            return True
        if not lx.words:
            for c in lx.comments:
                self.comment(c, standalone=True)
            return True
        self.any_code = True
        for c in lx.comments:
            self.comment(c, standalone=False)
        return self.block(lx.words)

    def comment(self, text: str, *, standalone: bool) -> None:
        m = _TOOL_COMMENT.search(text)
        if m:
            try:
                d = float(m.group(2)) * self.mm_per_unit
            except ValueError:
                return
            k = _TOOL_KIND.search(text[m.end() :])
            cr = _TOOL_CR.search(text[m.end() :])
            cr_mm = float(cr.group(1)) * self.mm_per_unit if cr else 0.0
            self.tool_comments.setdefault(int(m.group(1)), (d, k.group(1).lower() if k else "flat", cr_mm))
            return
        if standalone and text and not text.startswith("$"):  # ;$PATH=... is Sinumerik's archive header
            if not self.any_code:
                if not self.name_from_comment:
                    self.program_name = text  # a comment before any code names the program
                    self.name_from_comment = True
            elif not self.pending_name:
                self.pending_name = text  # the first comment line before a tool change names the operation

    def block(self, words: tuple[Word, ...]) -> bool:
        from .executor import execute_block

        return execute_block(self, words)


_CHUNK_BYTES = 1 << 23


def _fast_ok(d: Dialect) -> bool:
    """Whether the compiled scanner may take this dialect's plain motion blocks."""
    return not (d.passthrough or d.arc_center_block or d.integer_increment_mm > 0)


def _run_fast(r: _Reader, fh: io.BufferedIOBase) -> Iterator[None]:
    """Feed a binary stream to the reader, plain motion blocks through the compiled scanner."""
    from .executor import _ARC_ABS_TOL_MM, _ARC_REL_TOL
    from .fastscan import _POW10, STATE_SIZE, scan_kernel

    st = np.zeros(STATE_SIZE)
    out = np.empty((1 << 15, 7))
    carry = b""
    while True:
        chunk = fh.read(_CHUNK_BYTES)
        data = carry + chunk if carry else chunk
        hold = b""
        if chunk and data.endswith(b"\r"):
            data, hold = data[:-1], b"\r"  # its "\n" may open the next read
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # universal newlines, as in text mode
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) <= _MAX_LINE_CHARS + 1:
                    carry = data
                    continue
                cut = len(data)  # an over-long line: the reader reports it
        else:
            cut = len(data)
        carry = data[cut:] + hold
        buf = np.frombuffer(data, dtype=np.uint8, count=cut)
        pos = 0
        while pos < cut:
            st[0:3] = r.pos
            st[3] = r.mm_per_unit
            st[4] = 1.0 if r.absolute else 0.0
            st[5] = 1.0 if r.arc_absolute else 0.0
            st[6] = r.plane
            st[7] = -1 if r.motion is None else r.motion
            st[8] = r.feed
            st[9] = r.max_z
            st[10] = r.line_no
            st[11] = 0.0
            st[12] = _ARC_ABS_TOL_MM
            st[13] = _ARC_REL_TOL
            st[14] = 0.0
            was_empty = r.op_moves == 0
            pos, n, reason = scan_kernel(buf, pos, cut, st, out, 0, _POW10)
            r.pos = [float(st[0]), float(st[1]), float(st[2])]
            r.absolute = bool(st[4])
            r.plane = int(st[6])
            r.motion = None if st[7] < 0 else int(st[7])
            r.feed = float(st[8])
            r.max_z = float(st[9])
            r.line_no = int(st[10])
            if st[11]:
                r._cycle_code = None
            if st[14]:
                r.any_code = True
                if was_empty and r.op_name == "" and r.pending_name:
                    r.op_name = r.pending_name
            if n:
                rows = out[:n]
                if r.op_rpm is None and np.any(rows[:, 0] != MoveKind.RAPID):
                    r._op_state_on_cut()
                r.buf.add_block(rows)
                r.op_moves += n
                r.moves_total += n
            if reason == 1:
                eol = data.find(b"\n", pos, cut)
                stop = cut if eol < 0 else eol
                line = data[pos : min(stop, pos + _MAX_LINE_CHARS + 1)].decode("utf-8", errors="replace")
                if not r.feed_line(line):
                    r.complete_end = True
                    return
                pos = stop + 1
            yield
        if not chunk:
            return


def _lines(source: str | os.PathLike[str] | Iterable[str]) -> tuple[Iterable[str], str, object]:
    """(lines, name, handle to close)."""
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and _is_file(source)
    ):
        p = Path(source)  # type: ignore[arg-type]
        try:
            fh = open(p, encoding="utf-8", errors="replace", newline=None)  # noqa: SIM115
        except OSError as exc:
            raise GcodeError(f"cannot read G-code file {str(p)!r}: {exc.strerror}") from None
        return _bounded(fh), p.stem, fh
    if isinstance(source, str):
        return _bounded(io.StringIO(source, newline=None)), "", None  # universal newlines, as for files
    raise GcodeError(f"read() takes G-code text or a path, got {type(source).__name__}")


def _size(source: str | os.PathLike[str]) -> int:
    if isinstance(source, str) and ("\n" in source or len(source) >= 4096 or not _is_file(source)):
        return len(source)
    try:
        return Path(source).stat().st_size
    except (OSError, TypeError, ValueError):
        return 0


def _binary(source: str | os.PathLike[str]) -> tuple[io.BufferedIOBase, str]:
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and _is_file(source)
    ):
        p = Path(source)  # type: ignore[arg-type]
        try:
            return open(p, "rb"), p.stem  # noqa: SIM115
        except OSError as exc:
            raise GcodeError(f"cannot read G-code file {str(p)!r}: {exc.strerror}") from None
    if isinstance(source, str):
        return io.BytesIO(source.encode("utf-8", errors="replace")), ""
    raise GcodeError(f"read() takes G-code text or a path, got {type(source).__name__}")


def _is_file(s: str) -> bool:
    try:
        return Path(s).is_file()
    except (OSError, ValueError):
        return False


def _bounded(fh: io.TextIOBase) -> Iterable[str]:
    while True:
        line = fh.readline(_MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > _MAX_LINE_CHARS and not line.endswith("\n"):
            yield line  # the reader reports it as too long
            while line and not line.endswith("\n"):
                line = fh.readline(_MAX_LINE_CHARS + 1)
            continue
        yield line.rstrip("\r\n")


def read(
    source: str | os.PathLike[str],
    dialect: str | Dialect | None = None,
    *,
    strict: bool = False,
    tools: Mapping[int, Tool] | None = None,
    block_delete: bool = False,
    fast: bool | None = None,
) -> ReadResult:
    """Read G-code text or a file into a :class:`~toolpath.Program`.

    Parameters
    ----------
    source : str or path-like
        G-code text, or the path of a file (a ``str`` without a newline that
        names an existing file is taken as a path).
    dialect : str or Dialect, optional
        The controller the program is for; it decides what a dwell ``P``
        means (s or ms), whether an arc's ``P`` is a number of turns and how
        integers without a decimal point are read. Default: LinuxCNC's rules.
    strict : bool
        Raise :class:`~toolpath.errors.GcodeSyntaxError` (a GcodeError) at
        the first unsupported or invalid block instead of stopping there.
    tools : mapping of int to Tool, optional
        Tools by number; otherwise diameters come from ``T<n> D=`` comments,
        or are 1.0 mm (:data:`DEFAULT_TOOL_DIAMETER_MM`).
    block_delete : bool
        The block delete switch: when on, lines starting with ``/`` are skipped.
    fast : bool, optional
        Run plain motion blocks through the compiled scanner
        (:mod:`gcode.fastscan`); the result is the same either way (tested).
        By default only inputs of :data:`FAST_MIN_BYTES` or more, where it
        repays loading (0.7 s cached) or compiling (3.4 s) the kernel.

    Returns
    -------
    ReadResult
        ``(program, diagnostics)``; ``program.start_xyz`` is (0, 0, 0),
        ``program.clearance_z_mm`` the highest rapid end Z (5 when none),
        ``program.metadata`` holds ``units`` (of the file), ``path_control``
        (list of (line, code, tolerance_mm)), ``path_control_moves`` (for each of those,
        the index of the first move it applies to), ``work_offsets``,
        ``program_number`` and ``dialect``.

    Examples
    --------
    >>> prog, diags = read("G21 G90\\nG0 X1 Y2\\nG1 X5 F300\\nG2 X5 Y2 I-2 J0\\nM2\\n")
    >>> prog.moves(), prog.operations[0].toolpath.kind.tolist()
    (3, [0, 1, 2])
    """
    d = get_dialect("linuxcnc" if dialect is None else dialect)
    if tools is not None:
        for k, t in tools.items():
            if not isinstance(t, Tool):
                raise GcodeError(f"tools[{k!r}] must be a Tool, got {type(t).__name__}")
    r = _Reader(d, strict=strict, tools=tools, block_delete=block_delete)
    stem = _drive_all(r, source, fast)
    if r.complete_end is False and not any(d.severity is Severity.ERROR for d in r.diags):
        r.diags.append(Diagnostic(r.line_no, 0, "no-end", Severity.WARNING,
                                  "file ended without M2/M30 or a closing '%' (it may be truncated)"))
    r.finish_operation()
    if r.suppressed:
        msg = f"{r.suppressed} more diagnostics not kept"
        r.diags.append(Diagnostic(r.line_no, 0, "suppressed", Severity.INFO, msg))
    tps = [op.toolpath for op in r.ops]
    rapid_z = [float(tp.xyz[tp.kind == MoveKind.RAPID, 2].max()) for tp in tps if np.any(tp.kind == MoveKind.RAPID)]
    clearance = max(rapid_z) if rapid_z else 5.0
    md = dict(r.metadata)
    md["units"] = r.units_seen or "mm"
    md["program_number"] = r.program_number
    program = Program(
        tuple(r.ops), name=r.program_name or stem or "program", clearance_z_mm=clearance, start_xyz=(0.0, 0.0, 0.0),
        metadata=md,
    )
    return ReadResult(program, tuple(r.diags))


def _drive(r: _Reader, source: str | os.PathLike[str], fast: bool | None, out: list[str]) -> Iterator[None]:
    """Feed ``source`` to ``r``, yielding now and then (after a scanner batch or a line); ``out`` gets the stem."""
    if fast is None:
        fast = _size(source) >= FAST_MIN_BYTES
    try:
        if fast and _fast_ok(r.d):
            binary, stem = _binary(source)
            out.append(stem)
            try:
                yield from _run_fast(r, binary)
            finally:
                binary.close()
        else:
            lines, stem, fh = _lines(source)
            out.append(stem)
            try:
                for line in lines:
                    if not r.feed_line(line):
                        r.complete_end = True
                        break
                    yield
            finally:
                if fh is not None:
                    fh.close()  # type: ignore[attr-defined]
    except _Stop:
        pass


def _drive_all(r: _Reader, source: str | os.PathLike[str], fast: bool | None) -> str:
    stem: list[str] = []
    for _ in _drive(r, source, fast, stem):
        pass
    return stem[0] if stem else ""


def iter_operations(
    source: str | os.PathLike[str],
    dialect: str | Dialect | None = None,
    *,
    chunk_moves: int = 1_000_000,
    tools: Mapping[int, Tool] | None = None,
    block_delete: bool = False,
    fast: bool | None = None,
) -> Iterator[Operation]:
    """Read a program as a stream of operations of at most ``chunk_moves`` moves each.

    Memory stays bounded by ``chunk_moves`` whatever the file's size: an
    operation longer than that comes in consecutive parts (same tool, name,
    spindle and coolant; each part's first move starts where the previous
    part ended). The first unsupported block raises
    :class:`~toolpath.errors.GcodeSyntaxError` (as ``strict=True``);
    warnings are not reported here (use :func:`read` for them).
    """
    if not isinstance(chunk_moves, int) or isinstance(chunk_moves, bool) or chunk_moves < 1:
        raise GcodeError(f"chunk_moves must be an integer >= 1, got {chunk_moves!r}")
    d = get_dialect("linuxcnc" if dialect is None else dialect)
    r = _Reader(d, strict=True, tools=tools, block_delete=block_delete)
    for _ in _drive(r, source, fast, []):
        if len(r.buf) >= chunk_moves:
            r.flush_part()
        if r.ops:
            yield from _parts(r.ops, chunk_moves)
            r.ops.clear()
    r.finish_operation()
    yield from _parts(r.ops, chunk_moves)
    r.ops.clear()


def _parts(ops: list[Operation], chunk_moves: int) -> Iterator[Operation]:
    for op in ops:
        n = len(op.toolpath)
        if n <= chunk_moves:
            yield op
            continue
        for a in range(0, n, chunk_moves):
            yield replace(op, toolpath=op.toolpath[a : a + chunk_moves])


def read_program(
    source: str | os.PathLike[str],
    dialect: str | Dialect | None = None,
    *,
    tools: Mapping[int, Tool] | None = None,
    fast: bool | None = None,
) -> Program:
    """:func:`read` with ``strict=True``, returning the program alone."""
    return read(source, dialect, strict=True, tools=tools, fast=fast).program
