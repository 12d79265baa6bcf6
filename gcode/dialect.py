"""Dialects: what one controller accepts, as data.

A :class:`Dialect` is a frozen value loaded from ``gcode/dialects/<name>.toml``;
the one writer (:mod:`gcode.writer`) and the one reader (:mod:`gcode.reader`)
interpret its fields. Templates are ``str.format`` strings with named fields:

- ``{units}``: the units code (``G21``/``G20``), ``{name}``: the program
  name, ``{ident}``: the name as an identifier (``A-Z 0-9 _``, 24 characters),
  ``{number}``: the program number (an int);
- ``{tool}``: the tool number (and ``{rpm}`` in tool change lines);
- ``{rpm}``: spindle speed (integer), ``{direction}``: ``M3``/``M4``;
- ``{value}``: the dwell in the dialect's dwell unit;
- ``{tolerance}``: the path blending tolerance in output units.

An empty template means "write nothing".
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import Enum
from functools import cache
from importlib import resources

from toolpath.errors import GcodeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ArcStyle", "CommentStyle", "Units", "Dialect", "dialects", "get_dialect", "load_dialect", "as_mapping"]


class ArcStyle(str, Enum):
    """How arcs are written."""

    IJK = "ijk"
    """Centre offsets I, J relative to the arc start (G91.1 semantics)."""
    R = "r"
    """Radius word R (negative for sweeps over 180°); full circles are split."""
    LINEARIZE = "linearize"
    """Straight G1 chords within the linearisation tolerance."""


class CommentStyle(str, Enum):
    """How comments are written."""

    PAREN = "paren"
    SEMICOLON = "semicolon"
    NONE = "none"


class Units(str, Enum):
    """Output (or input) length units."""

    MM = "mm"
    INCH = "inch"


@dataclass(frozen=True, slots=True)
class Dialect:
    """What one controller accepts; read by the writer and the reader.

    Parameters
    ----------
    name : str
        Lowercase name (the TOML file's stem).
    description : str
        One line: controller family and manual the facts come from.
    decimals_mm, decimals_inch : int
        Decimals of coordinates (X Y Z I J K R) in mm and inch output.
    feed_decimals_mm, feed_decimals_inch : int
        Decimals of the F word in mm/min and inch/min output.
    decimal_point : bool
        Always write a decimal point (``X10.``): controllers such as Fanuc
        read an integer as a count of the least input increment.
    integer_increment_mm : float
        When > 0, the reader takes a coordinate written without a decimal
        point as this many mm per count (Fanuc "X10" = 0.010 mm); 0 reads it
        as a plain number.
    pad_codes : bool
        Write ``G00 G01 M03`` rather than ``G0 G1 M3``.
    modal_motion : bool
        Omit a repeated G0/G1 code.
    arcs : ArcStyle
        IJK, R or linearised arcs.
    full_circles : bool
        A full circle may be one block (otherwise it is split in two).
    helical_arcs : bool
        Arcs may move Z (otherwise a helix is written as chords).
    max_arc_sweep_deg : float
        Arcs sweeping more than this are split into equal parts.
    arc_turns_word : str
        Letter giving the number of turns of an arc (LinuxCNC ``P``), "" if none.
    linearize_tolerance_mm : float
        Chord error when arcs are written as G1 chords, mm.
    comments : CommentStyle
        ``( )``, ``;`` or none.
    comment_max_length : int
        Longest comment text (0: unlimited).
    comment_upper : bool
        Upper-case comment text.
    line_numbers : bool
        Number the blocks (N words).
    line_number_start, line_number_step, line_number_max : int
        First N, increment and the largest before wrapping to the start.
    max_line_length : int
        Longest block in characters (0: unlimited); longer is a GcodeError.
    program_start : tuple of str
        Lines opening the program (``%``, ``O{number}``, a name comment).
    preamble : tuple of str
        Modal setup lines after the start.
    units_mm, units_inch : str
        The units codes.
    blending : str
        Path blending line written when a tolerance is given (``G64 P{tolerance}``).
    exact_stop : str
        Line written when blending is turned off (``G61``).
    tool_change : tuple of str
        Lines changing the tool.
    length_offset : str
        Line applying the tool length offset.
    spindle_on : str
        Line starting the spindle.
    spindle_cw, spindle_ccw, spindle_off : str
        Spindle codes.
    coolant_flood, coolant_mist, coolant_off : str
        Coolant codes.
    dwell : str
        Dwell block; ``{value}`` is in ``dwell_unit``.
    dwell_unit : str
        ``"s"`` or ``"ms"``: unit of the dwell word (also when reading).
    dwell_decimals : int
        Decimals of the dwell value.
    operation_end : tuple of str
        Lines after each operation (spindle and coolant off).
    program_end : tuple of str
        Lines closing the program (after the final retract).
    retract : str
        The safe retract at the end (``G0 Z{z}``) in output units.
    block_end : str
        Text ending every block (Heidenhain ISO: ``" *"``).
    arc_center_block : bool
        The arc centre is a block of its own, ``I J`` absolute, before the
        G2/G3 block (Heidenhain ISO); the reader keeps it as the pole.
    dwell_word : str
        Letter carrying the dwell duration (``P``; Sinumerik and Heidenhain ``F``).
    tool_change_on_t : bool
        Reading: a T word alone changes the tool (controllers without M6, e.g. Grbl).
    metadata_codes : tuple of str
        G-codes the reader records as path-control metadata and otherwise
        ignores (``G5.1`` on Fanuc is AI contour control, ``G187`` on Haas).
    canned_cycles : tuple of str
        Drilling cycles the writer may use with the ``canned_cycles`` option
        (``G81``, ``G82``); empty when the control has none.
    work_offsets : tuple of str
        Work offset codes the control has (the ``work_offset`` write option
        must be one of them); empty when it has none in this syntax.
    passthrough : tuple of str
        Regular expressions of whole lines the reader records in
        ``metadata["passthrough"]`` and skips (``CYCLE832(...)``, ``%_N_..._MPF``).
    """

    name: str
    description: str = ""
    decimals_mm: int = 3
    decimals_inch: int = 4
    feed_decimals_mm: int = 0
    feed_decimals_inch: int = 1
    decimal_point: bool = False
    integer_increment_mm: float = 0.0
    pad_codes: bool = False
    modal_motion: bool = True
    arcs: ArcStyle = ArcStyle.IJK
    full_circles: bool = True
    helical_arcs: bool = True
    max_arc_sweep_deg: float = 360.0
    arc_turns_word: str = ""
    linearize_tolerance_mm: float = 0.001
    comments: CommentStyle = CommentStyle.PAREN
    comment_max_length: int = 0
    comment_upper: bool = False
    line_numbers: bool = False
    line_number_start: int = 10
    line_number_step: int = 10
    line_number_max: int = 99999
    max_line_length: int = 0
    program_start: tuple[str, ...] = ("%", "({name})")
    preamble: tuple[str, ...] = ("{units} G90 G17 G94",)
    units_mm: str = "G21"
    units_inch: str = "G20"
    blending: str = ""
    exact_stop: str = ""
    tool_change: tuple[str, ...] = ("T{tool} M6",)
    length_offset: str = "G43 H{tool}"
    spindle_on: str = "S{rpm} {direction}"
    spindle_cw: str = "M3"
    spindle_ccw: str = "M4"
    spindle_off: str = "M5"
    coolant_flood: str = "M8"
    coolant_mist: str = "M7"
    coolant_off: str = "M9"
    dwell: str = "G4 P{value}"
    dwell_unit: str = "s"
    dwell_decimals: int = 3
    operation_end: tuple[str, ...] = ("M9 M5",)
    program_end: tuple[str, ...] = ("M2", "%")
    retract: str = "G0 Z{z}"
    block_end: str = ""
    arc_center_block: bool = False
    dwell_word: str = "P"
    tool_change_on_t: bool = False
    metadata_codes: tuple[str, ...] = ()
    passthrough: tuple[str, ...] = ()
    work_offsets: tuple[str, ...] = ("G54", "G55", "G56", "G57", "G58", "G59")
    canned_cycles: tuple[str, ...] = ("G81", "G82")

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.lower():
            raise GcodeError(f"dialect name must be a non-empty lowercase string, got {self.name!r}")
        for f in ("decimals_mm", "decimals_inch", "feed_decimals_mm", "feed_decimals_inch", "dwell_decimals"):
            v = getattr(self, f)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 8:
                raise GcodeError(f"dialect {self.name}: {f} must be an integer in 0..8, got {v!r}")
        for f, enum in (("arcs", ArcStyle), ("comments", CommentStyle)):
            try:
                object.__setattr__(self, f, enum(getattr(self, f)))
            except ValueError:
                ok = ", ".join(e.value for e in enum)
                raise GcodeError(f"dialect {self.name}: {f} must be one of {ok}, got {getattr(self, f)!r}") from None
        if self.dwell_unit not in ("s", "ms"):
            raise GcodeError(f"dialect {self.name}: dwell_unit must be 's' or 'ms', got {self.dwell_unit!r}")
        if not 0.0 < float(self.max_arc_sweep_deg) <= 360.0:
            raise GcodeError(
                f"dialect {self.name}: max_arc_sweep_deg must be in (0, 360], got {self.max_arc_sweep_deg!r}"
            )
        if not float(self.linearize_tolerance_mm) > 0.0:
            raise GcodeError(
                f"dialect {self.name}: linearize_tolerance_mm must be > 0, got {self.linearize_tolerance_mm!r}"
            )
        if self.integer_increment_mm < 0:
            raise GcodeError(f"dialect {self.name}: integer_increment_mm must be >= 0")
        if self.line_number_step < 1 or self.line_number_start < 0 or self.line_number_max < self.line_number_start:
            raise GcodeError(f"dialect {self.name}: line numbering start/step/max are inconsistent")
        if self.arc_center_block and self.arcs is ArcStyle.R:
            raise GcodeError(f"dialect {self.name}: arc_center_block needs arcs = 'ijk' or 'linearize'")
        if len(self.dwell_word) != 1 or not self.dwell_word.isalpha():
            raise GcodeError(f"dialect {self.name}: dwell_word must be one letter, got {self.dwell_word!r}")
        for f in ("program_start", "preamble", "tool_change", "operation_end", "program_end", "metadata_codes",
                  "passthrough", "work_offsets", "canned_cycles"):
            object.__setattr__(self, f, tuple(str(s) for s in getattr(self, f)))
        for pat in self.passthrough:
            try:
                re.compile(pat)
            except re.error as exc:
                raise GcodeError(f"dialect {self.name}: passthrough pattern {pat!r} is invalid: {exc}") from None

    def with_options(self, **changes: object) -> Dialect:
        """A copy with some fields changed (``dataclasses.replace`` with a clear error)."""
        names = {f.name for f in fields(self)}
        bad = sorted(set(changes) - names)
        if bad:
            raise GcodeError(f"unknown dialect field(s) {', '.join(bad)}; accepted: {', '.join(sorted(names))}")
        return replace(self, **changes)  # type: ignore[arg-type]


def _dialect_files() -> dict[str, str]:
    out = {}
    for entry in resources.files("gcode").joinpath("dialects").iterdir():
        if entry.name.endswith(".toml"):
            out[entry.name[: -len(".toml")]] = entry.read_text(encoding="utf-8")
    return out


def load_dialect(text: str, *, name: str | None = None) -> Dialect:
    """Parse a dialect from TOML text (the format of ``gcode/dialects/*.toml``).

    Parameters
    ----------
    text : str
        TOML with the fields of :class:`Dialect` at top level. An
        ``inherits = "<dialect>"`` key starts from that dialect's values.
    name : str, optional
        The name when the text has no ``name`` key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GcodeError(f"dialect {name or '?'}: invalid TOML: {exc}") from None
    data.setdefault("name", name)
    base = data.pop("inherits", None)
    data.pop("sources", None)
    allowed = {f.name for f in fields(Dialect)}
    bad = sorted(set(data) - allowed)
    if bad:
        raise GcodeError(
            f"dialect {data['name']}: unknown field(s) {', '.join(bad)}; accepted: {', '.join(sorted(allowed))}"
        )
    if base is not None:
        if base == data["name"]:
            raise GcodeError(f"dialect {base} inherits from itself")
        return get_dialect(base).with_options(**data)
    return Dialect(**data)


@cache
def _builtin(name: str) -> Dialect:
    files = _dialect_files()
    return load_dialect(files[name], name=name)


def dialects() -> list[str]:
    """Names of the built-in dialects, sorted."""
    return sorted(_dialect_files())


def get_dialect(dialect: str | Dialect) -> Dialect:
    """The :class:`Dialect` called ``dialect`` (case-insensitive); a Dialect is returned as is.

    Raises
    ------
    GcodeError
        For an unknown name, listing the accepted names.
    """
    if isinstance(dialect, Dialect):
        return dialect
    if not isinstance(dialect, str):
        raise GcodeError(f"dialect must be a name or a Dialect, got {type(dialect).__name__}")
    key = dialect.strip().lower()
    names = dialects()
    if key not in names:
        raise GcodeError(f"unknown G-code dialect {dialect!r}; accepted: {', '.join(names)}")
    return _builtin(key)


def as_mapping(d: Dialect) -> Mapping[str, object]:
    """The dialect's fields as a plain dict (for printing and diffing)."""
    return {f.name: getattr(d, f.name) for f in fields(d)}
