"""The one G-code writer: a :class:`~toolpath.Program` to text for a :class:`~gcode.dialect.Dialect`.

Conventions of the output (every dialect):

- Coordinates are absolute (G90) in the chosen units, rounded to the
  dialect's decimals (LinuxCNC: 4 in mm, 5 in inch); trailing zeros are
  dropped unless the dialect wants a decimal point on every number.
- Modal words are not repeated: an axis is written only when its rounded
  value changes, F only when the rounded feed changes, G0/G1 only when the
  motion mode changes (arcs always carry G2/G3 and both X and Y).
- Arc centres are written relative to the *rounded* start the controller
  holds, so the centre it computes is within half a unit of the last
  decimal of ours.
- Moves that round to no motion are not written.
- The program's position at start is unknown to a controller: when the
  first move is not a rapid, a lead-in ``G0 Z<clearance>``, ``G0 X Y``,
  ``G0 Z`` to ``program.start_xyz`` is written first; and when the last move
  ends below ``program.clearance_z_mm``, a final ``G0 Z<clearance>`` follows.
  So ``read(write(p))`` has those extra rapids when ``p`` lacks them.
- A tool change (and ``G43 H``) is written when the tool number changes; the
  spindle and coolant are started at every operation and stopped at its end.
- A comment ``(T<n> D=<diameter> <kind>)`` in output units documents each
  tool; :func:`gcode.read` uses it to rebuild the tool.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from toolpath.atomic import atomic_write
from toolpath.enums import Coolant, MoveKind
from toolpath.errors import GcodeError
from toolpath.moves import arc_points
from toolpath.program import Program

from .dialect import ArcStyle, CommentStyle, Dialect, Units, get_dialect

__all__ = ["write", "write_file", "iter_lines", "format_number"]

_MM_PER_INCH = 25.4
# our own arcs must close within 0.002 mm (or 0.1 % of the radius) after rounding; the reader and
# LinuxCNC accept more
_ARC_ABS_TOL_MM = 0.002
_ARC_REL_TOL = 0.001
_OPTIONS = (
    "units", "line_numbers", "arcs", "path_tolerance_mm", "program_number", "comments", "program_name",
    "arc_fit_tolerance_mm", "work_offset", "canned_cycles",
)


def format_number(value: float, decimals: int, *, point: bool = False) -> str:
    """``value`` rounded to ``decimals``, trailing zeros dropped, ``-0`` written ``0``.

    With ``point`` a decimal point is always present (``10.``).

    Examples
    --------
    >>> format_number(1.50004, 4), format_number(-0.00001, 4), format_number(10, 3, point=True)
    ('1.5', '0', '10.')
    """
    s = f"{value:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "-", ""):
        s = "0"
    if point and "." not in s:
        s += "."
    return s


class _Emitter:
    """Block formatting and modal state of one write."""

    def __init__(self, d: Dialect, *, units: Units, line_numbers: bool, comments: bool, arcs: ArcStyle) -> None:
        self.d = d
        self.units = units
        self.scale = 1.0 if units is Units.MM else 1.0 / _MM_PER_INCH
        self.dec = d.decimals_mm if units is Units.MM else d.decimals_inch
        self.fdec = d.feed_decimals_mm if units is Units.MM else d.feed_decimals_inch
        self.line_numbers = line_numbers
        self.comments = comments and d.comments is not CommentStyle.NONE
        self.arcs = arcs
        self.n = d.line_number_start
        self.pos_txt: list[str | None] = [None, None, None]
        self._pos_mm: np.ndarray | None = None
        self.motion: str | None = None
        self.feed_txt: str | None = None
        self.canned = False
        self.cycle: tuple[str, str, str, str] | None = None
        self._raw: list[float] = [math.nan] * 3  # the last values _axes formatted, mm, and their text
        self._raw_txt: list[str] = ["", "", ""]
        self._feed_raw = (math.nan, "")  # the last feed _feed_word formatted, mm/min, and its text

    # formatting ---------------------------------------------------------------
    @property
    def pos_mm(self) -> np.ndarray | None:
        """What the controller holds (mm), from the written text; None while an axis is unknown."""
        if self._pos_mm is None and None not in self.pos_txt:
            self._pos_mm = np.array([float(t.rstrip(".") or 0) / self.scale for t in self.pos_txt])  # type: ignore[union-attr]
        return self._pos_mm

    def num(self, v_mm: float) -> str:
        return format_number(v_mm * self.scale, self.dec, point=self.d.decimal_point)

    def code(self, letter: str, n: int) -> str:
        return f"{letter}{n:02d}" if self.d.pad_codes else f"{letter}{n}"

    def block(self, text: str) -> str:
        text = text.strip()
        if not text:
            return ""
        is_comment = text.startswith(("(", ";"))
        if self.line_numbers and not text.startswith(("%", "(", ";", "O", "N")):
            text = f"N{self.n} {text}"
            self.n += self.d.line_number_step
            if self.n > self.d.line_number_max:
                self.n = self.d.line_number_start
        if self.d.block_end and not is_comment and not text.endswith(self.d.block_end.strip()):
            text += self.d.block_end
        if self.d.max_line_length and not is_comment and len(text) > self.d.max_line_length:
            raise GcodeError(
                f"dialect {self.d.name}: block {text!r} is {len(text)} characters, over the limit "
                f"of {self.d.max_line_length}"
            )
        return text

    def comment(self, text: str) -> str:
        if not self.comments:
            return ""
        clean = " ".join(str(text).replace("(", " ").replace(")", " ").replace(";", " ").split())
        if self.d.comment_upper:
            clean = clean.upper()
        if self.d.comment_max_length:
            clean = clean[: self.d.comment_max_length].rstrip()
        if not clean:
            return ""
        return f"({clean})" if self.d.comments is CommentStyle.PAREN else f"; {clean}"

    def template(self, t: str, **kw: object) -> str:
        if not t:
            return ""
        if "{comment}" in t:  # a template that is itself a comment line
            return self.comment(t.format(comment="", **kw))
        text = t.format(**kw)
        if text.startswith("(") and text.endswith(")"):
            return self.comment(text[1:-1])
        return text

    # motion -------------------------------------------------------------------
    def forget_position(self) -> None:
        """Write every axis on the next move (after a tool change); the controller's position is kept."""
        self.cycle = None
        self._known = self.pos_mm
        self.pos_txt = [None, None, None]
        self._pos_mm = self._known
        self.motion = None

    def _axes(self, xyz_mm, *, force_xy: bool = False) -> tuple[list[str], list[str]]:  # noqa: ANN001
        # a value equal to the last one formatted on its axis has its text (z and often x or y repeat)
        raw, last = self._raw, self._raw_txt
        txt = [last[i] if xyz_mm[i] == raw[i] else self.num(xyz_mm[i]) for i in range(3)]
        self._raw, self._raw_txt = [float(v) for v in xyz_mm], txt
        words = []
        for i, letter in enumerate("XYZ"):
            if txt[i] != self.pos_txt[i] or (force_xy and i < 2):
                words.append(letter + txt[i])
        return words, txt

    def _commit(self, txt: list[str]) -> None:
        self.pos_txt = list(txt)
        self._pos_mm = None

    def _motion_word(self, mode: str) -> list[str]:
        if mode == self.motion and self.d.modal_motion and mode in ("0", "1"):
            return []
        self.motion = mode
        return [self.code("G", int(mode))]

    def _feed_word(self, f_mm_min: float) -> list[str]:
        if f_mm_min == self._feed_raw[0]:
            t = self._feed_raw[1]
        else:
            t = format_number(f_mm_min * self.scale, self.fdec, point=self.d.decimal_point)
            if float(t.rstrip(".")) <= 0:
                raise GcodeError(f"feed {f_mm_min!r} mm/min rounds to F{t} in {self.units.value}")
            self._feed_raw = (f_mm_min, t)
        if t == self.feed_txt:
            return []
        self.feed_txt = t
        return ["F" + t]

    def linear(self, xyz_mm: np.ndarray, feed_mm_min: float | None) -> str:
        words, txt = self._axes(xyz_mm)
        if not words:
            return ""
        out = self._motion_word("0" if feed_mm_min is None else "1")
        out += words
        if feed_mm_min is not None:
            out += self._feed_word(feed_mm_min)
        self._commit(txt)
        return " ".join(out)

    def arc(self, end_mm: np.ndarray, center_mm: np.ndarray, cw: bool, feed_mm_min: float, turns: int = 1) -> str:
        assert self.pos_mm is not None
        start = self.pos_mm
        words, txt = self._axes(end_mm, force_xy=True)
        end_w = [float(t.rstrip(".") or 0) / self.scale for t in txt]
        s = self.scale
        out = [self.code("G", 2 if cw else 3)]
        self.motion = "2" if cw else "3"
        out += words
        r_start = math.hypot(start[0] - center_mm[0], start[1] - center_mm[1])
        if self.arcs is ArcStyle.R:
            sweep = _sweep(start, end_w, center_mm, not cw)
            r = r_start if abs(sweep) <= math.pi else -r_start
            out.append("R" + format_number(r * s, self.dec, point=self.d.decimal_point))
        elif self.d.arc_center_block:
            i_txt = format_number(center_mm[0] * s, self.dec, point=self.d.decimal_point)
            j_txt = format_number(center_mm[1] * s, self.dec, point=self.d.decimal_point)
            pole = f"I{i_txt} J{j_txt}"
            cx, cy = float(i_txt.rstrip(".")) / s, float(j_txt.rstrip(".")) / s
        else:
            i_txt = format_number((center_mm[0] - start[0]) * s, self.dec, point=self.d.decimal_point)
            j_txt = format_number((center_mm[1] - start[1]) * s, self.dec, point=self.d.decimal_point)
            out += ["I" + i_txt, "J" + j_txt]
            cx = start[0] + float(i_txt.rstrip(".")) / s
            cy = start[1] + float(j_txt.rstrip(".")) / s
        if self.arcs is not ArcStyle.R:
            r0 = math.hypot(start[0] - cx, start[1] - cy)
            r1 = math.hypot(end_w[0] - cx, end_w[1] - cy)
            if abs(r0 - r1) > _ARC_ABS_TOL_MM and abs(r0 - r1) > _ARC_REL_TOL * r0:
                raise GcodeError(
                    f"arc to {end_mm.tolist()} about {center_mm.tolist()}: start and end radii differ by "
                    f"{abs(r0 - r1):.6f} mm after rounding (start radius {r0:.6f} mm); the arc is inconsistent"
                )
        if turns > 1:
            out.append(f"{self.d.arc_turns_word}{turns}")
        out += self._feed_word(feed_mm_min)
        self._commit(txt)
        if self.d.arc_center_block and self.arcs is not ArcStyle.R:
            return pole + "\n" + " ".join(out)
        return " ".join(out)


def _sweep(start, end, center, ccw: bool) -> float:  # noqa: ANN001
    """Signed sweep of one arc in radians, as :func:`toolpath.moves.arc_sweep` computes it, on plain floats."""
    a0 = math.atan2(start[1] - center[1], start[0] - center[0])
    a1 = math.atan2(end[1] - center[1], end[0] - center[0])
    two_pi = 2 * math.pi
    d = (a1 - a0) % two_pi if ccw else -((a0 - a1) % two_pi)
    if abs(d) < 1e-9 and math.hypot(end[0] - start[0], end[1] - start[1]) < 1e-9:
        d = two_pi if ccw else -two_pi
    return d


def _arc_pieces(
    start: np.ndarray, end: np.ndarray, center: np.ndarray, kind: int, max_sweep_rad: float, *, split_full: bool
) -> list[np.ndarray]:
    """End points splitting one arc into pieces of at most ``max_sweep_rad`` (a full circle into >= 2 if asked)."""
    sweep = _sweep(start, end, center, kind == MoveKind.ARC_CCW)
    n = max(1, math.ceil(abs(sweep) / max_sweep_rad - 1e-9))
    if split_full and n < 2:
        full = abs(abs(sweep) - 2 * math.pi) < 1e-12 and math.hypot(end[0] - start[0], end[1] - start[1]) < 1e-9
        if full:
            n = 2
    if n == 1:
        return [end]
    r = math.hypot(start[0] - center[0], start[1] - center[1])
    a0 = math.atan2(start[1] - center[1], start[0] - center[0])
    pts = []
    for k in range(1, n):
        t = k / n
        a = a0 + sweep * t
        z = start[2] + (end[2] - start[2]) * t
        pts.append(np.array([center[0] + r * math.cos(a), center[1] + r * math.sin(a), z]))
    pts.append(end)
    return pts


def _validate_options(options: dict[str, object]) -> None:
    bad = sorted(set(options) - set(_OPTIONS))
    if bad:
        raise GcodeError(f"unknown write option(s) {', '.join(bad)}; accepted: {', '.join(_OPTIONS)}")


def iter_lines(program: Program, dialect: str | Dialect = "linuxcnc", **options: object) -> Iterator[str]:
    """The blocks of :func:`write`, one string per line (no newline)."""
    _validate_options(options)
    if not isinstance(program, Program):
        raise GcodeError(f"program must be a toolpath.Program, got {type(program).__name__}")
    d = get_dialect(dialect)
    try:
        units = Units(options.get("units", Units.MM))
    except ValueError:
        raise GcodeError(f"units must be 'mm' or 'inch', got {options.get('units')!r}") from None
    try:
        arcs = ArcStyle(options.get("arcs", d.arcs))
    except ValueError:
        ok = ", ".join(a.value for a in ArcStyle)
        raise GcodeError(f"arcs must be one of {ok}, got {options.get('arcs')!r}") from None
    line_numbers = bool(options.get("line_numbers", d.line_numbers))
    e = _Emitter(d, units=units, line_numbers=line_numbers, comments=bool(options.get("comments", True)), arcs=arcs)
    if options.get("canned_cycles"):
        if not d.canned_cycles:
            raise GcodeError(f"dialect {d.name} has no canned drilling cycles; leave canned_cycles unset")
        e.canned = True
    number = options.get("program_number", 1000)
    if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 99999999:
        raise GcodeError(f"program_number must be an integer in 0..99999999, got {number!r}")
    name = str(options.get("program_name", program.name)) or "program"
    comment_name = e.comment(name)[1:-1] if d.comments is CommentStyle.PAREN else name
    ident = re.sub(r"[^A-Z0-9_]", "_", name.upper())[:24] or "PROGRAM"
    if not ident[0].isalpha():
        ident = "P" + ident[:23]
    tol = options.get("path_tolerance_mm")
    units_code = d.units_mm if units is Units.MM else d.units_inch

    def out(text: str) -> Iterator[str]:
        for part in text.split("\n"):
            b = e.block(part)
            if b:
                yield b

    for t in d.program_start:
        yield from out(e.template(t, name=comment_name, ident=ident, number=number, units=units_code))
    for t in d.preamble:
        yield from out(e.template(t, name=comment_name, ident=ident, number=number, units=units_code))
    wo = options.get("work_offset")
    if wo is not None:
        code = str(wo).upper()
        if code not in d.work_offsets:
            ok = ", ".join(d.work_offsets) or "none"
            raise GcodeError(f"work_offset {wo!r} is not a work offset of dialect {d.name}; accepted: {ok}")
        yield from out(code)
    if tol is not None:
        try:
            tol_f = float(tol)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise GcodeError(f"path_tolerance_mm must be a number >= 0, got {tol!r}") from None
        if not (tol_f >= 0 and math.isfinite(tol_f)):
            raise GcodeError(f"path_tolerance_mm must be a number >= 0, got {tol!r}")
        if tol_f == 0:
            if not d.exact_stop:
                raise GcodeError(f"dialect {d.name} has no exact-stop code; path_tolerance_mm=0 cannot be written")
            yield from out(d.exact_stop)
        else:
            if not d.blending:
                raise GcodeError(f"dialect {d.name} has no path blending code; leave path_tolerance_mm unset")
            yield from out(e.template(d.blending, tolerance=format_number(tol_f * e.scale, e.dec + 1)))

    fit_tol = options.get("arc_fit_tolerance_mm")
    if fit_tol is not None:
        from .arcfit import fit_arcs

        try:
            ops = [
                replace(op, toolpath=fit_arcs(op.toolpath, s, tolerance_mm=fit_tol))  # type: ignore[arg-type]
                for op, s in zip(program.operations, program.operation_starts(), strict=True)
            ]
        except ValueError as exc:
            raise GcodeError(f"arc_fit_tolerance_mm: {exc}") from None
        program = replace(program, operations=tuple(ops))
    max_sweep = math.radians(float(d.max_arc_sweep_deg))
    if arcs is ArcStyle.R:
        max_sweep = min(max_sweep, math.radians(179.0))
    model_pos = np.asarray(program.start_xyz, dtype=np.float64)
    current_tool: int | None = None
    first_motion = True
    clearance = float(program.clearance_z_mm)
    last_op = len(program.operations) - 1
    for oi, op in enumerate(program.operations):
        tp = op.toolpath
        yield from out(e.comment(op.name or f"operation {oi + 1}"))
        if op.tool.number != current_tool:
            t = op.tool
            yield from out(
                e.comment(
                    f"T{t.number} D={format_number(t.diameter_mm * e.scale, e.dec)} "
                    f"CR={format_number(t.corner_radius_mm * e.scale, e.dec)} {t.kind.value}"
                )
            )
            for line in d.tool_change:
                yield from out(e.template(line, tool=t.number, rpm=int(round(op.spindle_rpm))))
            yield from out(e.template(d.length_offset, tool=t.number))
            current_tool = t.number
            e.forget_position()
        if op.spindle_rpm > 0:
            direction = d.spindle_cw if op.clockwise else d.spindle_ccw
            yield from out(e.template(d.spindle_on, rpm=int(round(op.spindle_rpm)), direction=direction))
        if op.coolant is Coolant.FLOOD:
            yield from out(d.coolant_flood)
        elif op.coolant is Coolant.MIST:
            yield from out(d.coolant_mist)
        if first_motion and len(tp):
            first_motion = False
            first = tp.xyz[0]
            if int(tp.kind[0]) == MoveKind.RAPID and float(first[2]) >= clearance - 1e-9:
                # the controller's position is unknown: rise alone first, never a diagonal rapid
                zt = e.num(float(first[2]))
                yield from out(f"{e.code('G', 0)} Z{zt}")
                e.motion, e.pos_txt[2] = "0", zt
            elif int(tp.kind[0]) != MoveKind.RAPID:
                # lead-in: the controller's position is unknown, reach start_xyz from above
                s = model_pos
                z_safe = max(clearance, float(s[2]))
                zt = e.num(z_safe)
                yield from out(f"{e.code('G', 0)} Z{zt}")
                e.motion, e.pos_txt[2] = "0", zt
                e._pos_mm = None
                yield from out(e.linear(np.array([s[0], s[1], z_safe]), None))
                yield from out(e.linear(s, None))
        for text in _moves(e, tp, model_pos, max_sweep, arcs, d):
            yield from out(text)
        if len(tp):
            model_pos = tp.xyz[-1].astype(np.float64)
        if oi == last_op and e.pos_mm is not None and model_pos[2] < clearance - 1e-9:
            yield from out(e.template(d.retract, z=e.num(clearance)))
            model_pos = np.array([model_pos[0], model_pos[1], clearance])
        for line in d.operation_end:
            yield from out(line)
    for t in d.program_end:
        yield from out(e.template(t, name=comment_name, ident=ident, number=number, units=units_code))


class _Rows:
    """``array.tolist()`` converted 65536 rows at a time (the last two chunks kept), indexed like the list."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a
        self.chunks: dict[int, list] = {}

    def __len__(self) -> int:
        return len(self.a)

    def __getitem__(self, i: int):  # type: ignore[no-untyped-def]
        c = self.chunks.get(i >> 16)
        if c is None:
            if len(self.chunks) >= 2:
                self.chunks.pop(next(iter(self.chunks)))
            c = self.chunks[i >> 16] = self.a[(i >> 16) << 16 : ((i >> 16) + 1) << 16].tolist()
        return c[i & 0xFFFF]


def _moves(e: _Emitter, tp, start: np.ndarray, max_sweep: float, arcs: ArcStyle, d: Dialect) -> Iterator[str]:
    """Blocks of one toolpath's moves; ``start`` is the model position before its first move."""
    prev = -1  # the last move that went somewhere (dwells do not)
    kinds = tp.kind.tolist()
    big = len(tp) > 1 << 20  # rows as lists a chunk at a time: a whole .tolist() takes ~180 bytes per move
    xyz_l = _Rows(tp.xyz) if big else tp.xyz.tolist()
    xyz = tp.xyz
    center = tp.center
    feed = _Rows(tp.feed) if big else tp.feed.tolist()
    i = -1
    in_cycle = False
    while i + 1 < len(kinds):
        i += 1
        k = kinds[i]
        if e.canned:
            cur = xyz_l[prev] if prev >= 0 else start.tolist()
            hit = _drill(e, kinds, xyz_l, feed, i, cur)
            if hit is not None:
                n_used, text = hit
                in_cycle = True
                yield text
                prev = i + n_used - 1
                i = prev
                continue
            if in_cycle:
                in_cycle = False
                e.motion = None
                e.cycle = None
                yield "G80"
        if k == MoveKind.RAPID:
            b = e.linear(xyz_l[i], None)
        elif k == MoveKind.FEED:
            b = e.linear(xyz_l[i], feed[i])
        elif k == MoveKind.DWELL:
            secs = float(feed[i])
            if not (secs >= 0 and math.isfinite(secs)):
                raise GcodeError(f"dwell move {i} has duration {secs!r} s; it must be >= 0")
            value = secs * (1000.0 if d.dwell_unit == "ms" else 1.0)
            # no decimal point on a count of milliseconds: Haas reads "P750." as 750 s
            point = d.decimal_point and d.dwell_unit == "s"
            yield e.template(d.dwell, value=format_number(value, d.dwell_decimals if d.dwell_unit == "s" else 0,
                                                         point=point))
            continue  # a dwell does not move: prev stays
        else:
            b = ""
            end = xyz[i]
            pos = start if prev < 0 else xyz[prev]
            yield from _arc(e, pos.astype(np.float64), end, center[i], k, float(feed[i]), max_sweep, arcs, d)
            prev = i
            continue
        prev = i
        if b:
            yield b
    if in_cycle:
        e.motion = None
        e.cycle = None
        yield "G80"


def _drill(e: _Emitter, kinds: list, xyz: list, feed: list, i: int, cur: list) -> tuple[int, str] | None:
    """A drilling pattern at move ``i`` as one canned-cycle block: (moves used, block), or None.

    The pattern is what the reader makes of ``G99 G81/G82``: an optional rapid in XY at the
    current height, an optional rapid down to the R plane (at or below the current height), a
    straight feed down, an optional dwell (G82), and a rapid back up to R.
    """
    n = len(kinds)
    num = e.num
    zc = num(cur[2])
    x_t, y_t = num(cur[0]), num(cur[1])
    j = i
    moved = False
    if j < n and kinds[j] == MoveKind.RAPID and num(xyz[j][2]) == zc and (num(xyz[j][0]), num(xyz[j][1])) != (x_t, y_t):
        x_t, y_t = num(xyz[j][0]), num(xyz[j][1])
        moved = True
        j += 1
    r_t = zc
    if j < n and kinds[j] == MoveKind.RAPID and (num(xyz[j][0]), num(xyz[j][1])) == (x_t, y_t) \
            and float(num(xyz[j][2]).rstrip(".")) < float(zc.rstrip(".")):
        r_t = num(xyz[j][2])
        moved = True
        j += 1
    if not moved or j >= n or kinds[j] != MoveKind.FEED or (num(xyz[j][0]), num(xyz[j][1])) != (x_t, y_t):
        return None
    z_t = num(xyz[j][2])
    if not float(z_t.rstrip(".")) < float(r_t.rstrip(".")):
        return None
    f = feed[j]
    j += 1
    dwell = None
    if j < n and kinds[j] == MoveKind.DWELL:
        dwell = feed[j]
        j += 1
    if j >= n or kinds[j] != MoveKind.RAPID or [num(v) for v in xyz[j]] != [x_t, y_t, r_t]:
        return None
    j += 1
    code = "G81" if dwell is None else "G82"
    if code not in e.d.canned_cycles:
        return None
    p_t = ""
    if dwell is not None:
        value = dwell * (1000.0 if e.d.dwell_unit == "ms" else 1.0)
        p_t = format_number(value, e.d.dwell_decimals if e.d.dwell_unit == "s" else 0,
                            point=e.d.decimal_point and e.d.dwell_unit == "s")
    params = (code, z_t, r_t, p_t)
    words = []
    if e.cycle != params or e.motion != code:
        words += ["G99", e.code("G", int(code[1:])), "X" + x_t, "Y" + y_t, "Z" + z_t, "R" + r_t]
        if p_t:
            words.append("P" + p_t)
    else:
        if x_t != e.pos_txt[0]:
            words.append("X" + x_t)
        if y_t != e.pos_txt[1]:
            words.append("Y" + y_t)
        if not words:
            words.append("X" + x_t)
    words += e._feed_word(f)
    e.cycle = params
    e.motion = code
    e.pos_txt = [x_t, y_t, r_t]
    e._pos_mm = None
    return j - i, " ".join(words)


def _arc(
    e: _Emitter, start: np.ndarray, end: np.ndarray, center: np.ndarray, kind: int, f: float, max_sweep: float,
    arcs: ArcStyle, d: Dialect,
) -> Iterator[str]:
    pos = e.pos_mm
    if pos is None or not all(math.isfinite(v) for v in pos):
        raise GcodeError("an arc cannot be the first move: its start is unknown to the controller")
    r0 = math.hypot(start[0] - center[0], start[1] - center[1])
    r1 = math.hypot(end[0] - center[0], end[1] - center[1])
    if abs(r0 - r1) > _ARC_ABS_TOL_MM and abs(r0 - r1) > _ARC_REL_TOL * r0:
        raise GcodeError(
            f"arc from {start.tolist()} to {end.tolist()} about {center.tolist()}: start radius {r0:.6f} mm and "
            f"end radius {r1:.6f} mm differ"
        )
    helical = abs(end[2] - start[2]) > 1e-12
    if arcs is ArcStyle.LINEARIZE or (helical and not d.helical_arcs):
        tol = d.linearize_tolerance_mm
        pts = arc_points(start, np.asarray(end, np.float64), center, kind, tol)[1:]
        for p in pts:
            b = e.linear(p, f)
            if b:
                yield b
        return
    pieces = _arc_pieces(
        start, np.asarray(end, np.float64), center, kind, max_sweep,
        split_full=(arcs is ArcStyle.R or not d.full_circles),
    )
    # an arc that rounds to a point (but is not a full circle) is below the output resolution
    full_model = len(pieces) == 1 and math.hypot(end[0] - start[0], end[1] - start[1]) < 1e-9
    for p in pieces:
        if not full_model and e.num(float(p[0])) == e.pos_txt[0] and e.num(float(p[1])) == e.pos_txt[1]:
            b = e.linear(p, f)
        else:
            b = e.arc(p, center, kind == MoveKind.ARC_CW, f)
        if b:
            yield b


def write(program: Program, dialect: str | Dialect = "linuxcnc", **options: object) -> str:
    """G-code text of ``program`` for ``dialect``.

    Parameters
    ----------
    program : toolpath.Program
        What to write.
    dialect : str or Dialect
        A name from :func:`gcode.dialects` (default ``"linuxcnc"``) or a Dialect.
    **options
        ``units`` (``"mm"`` or ``"inch"``), ``line_numbers`` (bool),
        ``arcs`` (``"ijk"``, ``"r"``, ``"linearize"``), ``path_tolerance_mm``
        (blending tolerance, e.g. ``G64 P0.01``; 0 writes exact stop),
        ``program_number`` (int, for ``O`` lines), ``program_name`` (str),
        ``comments`` (bool), ``canned_cycles`` (write drilling patterns as
        ``G99 G81``/``G82`` blocks where the dialect has them), ``work_offset`` (e.g. ``"G54"``, written after
        the preamble; one of the dialect's ``work_offsets``), ``arc_fit_tolerance_mm`` (fit runs of G1 with
        G2/G3 within this distance, e.g. 0.005; see :func:`gcode.arcfit.fit_arcs`).

    Returns
    -------
    str
        The program, lines joined by ``"\\n"`` with a final newline.

    Raises
    ------
    GcodeError
        For an unknown dialect or option, or moves the dialect cannot express.
    """
    # joined a chunk of lines at a time: one list of all lines holds ~80 bytes per move (gigabytes for 10M moves)
    chunks: list[str] = []
    buf: list[str] = []
    for line in iter_lines(program, dialect, **options):
        buf.append(line)
        if len(buf) >= 65536:
            chunks.append("\n".join(buf))
            buf = []
    if buf:
        chunks.append("\n".join(buf))
    return "\n".join(chunks) + "\n"


def write_file(
    program: Program, path: str | os.PathLike[str], dialect: str | Dialect = "linuxcnc", **options: object
) -> Path:
    """Write ``program`` to ``path`` atomically; returns the path.

    The text goes to a temporary file in the same directory, which is then
    renamed over ``path`` (``os.replace``); on any error no file is left and
    an existing ``path`` is untouched.
    """
    target = Path(path)
    text = write(program, dialect, **options)  # errors surface before any file is touched
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise GcodeError(f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist")
    def _ascii(tmp: str) -> None:
        with open(tmp, "w", encoding="ascii", errors="strict", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(target, _ascii)
    return target
