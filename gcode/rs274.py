"""Running LinuxCNC's own interpreter (``rs274``, Debian package ``linuxcnc-uspace``) on a program.

``rs274 -g -t TOOLS.tbl FILE`` prints the canonical machining commands the
interpreter would send to the motion controller, one per line::

    12 N..... STRAIGHT_TRAVERSE(1.0000, 2.0000, 3.0000, 0.0000, 0.0000, 0.0000)
    14 N..... STRAIGHT_FEED(10.0000, 2.0000, 3.0000, 0.0000, 0.0000, 0.0000)
    15 N..... ARC_FEED(10.0000, 2.0000, 5.5000, 2.0000, -1, 1.0000, 0.0000, 0.0000, 0.0000)

Lengths are printed in the units in force (``USE_LENGTH_UNITS``), with 4
decimals; :func:`run_rs274` converts them to mm (and feeds to mm/min).
``ARC_FEED(end1, end2, centre1, centre2, rotation, end3, a, b, c)``: in the
XY plane, the end X Y, the centre X Y, the turn count (positive CCW,
negative CW; ``|rotation| - 1`` extra full turns) and the end Z.

The standalone interpreter reads its tool table in inches; a tool's length
offset does not change the printed coordinates.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from toolpath.errors import GcodeError
from toolpath.tool import Tool

__all__ = ["CanonMove", "Rs274Error", "rs274_path", "run_rs274", "tool_table"]

_MM_PER_INCH = 25.4
_LINE = re.compile(r"^\s*\d+\s+N\S*\s+([A-Z0-9_]+)\((.*)\)\s*$")


class Rs274Error(GcodeError):
    """``rs274`` is missing, or it rejected the program (its message is kept)."""


@dataclass(frozen=True, slots=True)
class CanonMove:
    """One canonical motion command of rs274, in mm and mm/min.

    Parameters
    ----------
    kind : str
        ``"traverse"``, ``"feed"``, ``"arc"`` or ``"dwell"``.
    xyz : tuple of 3 floats
        End point, mm (the current position for a dwell).
    center : tuple of 2 floats or None
        Arc centre X Y, mm.
    rotation : int
        Arc turns: positive CCW, negative CW (0 for other moves).
    feed_mm_min : float
        Feed rate in force (NaN for traverses); seconds for a dwell.
    """

    kind: str
    xyz: tuple[float, float, float]
    center: tuple[float, float] | None = None
    rotation: int = 0
    feed_mm_min: float = float("nan")


def rs274_path() -> str | None:
    """Path of the ``rs274`` program, or None when it is not installed."""
    found = shutil.which("rs274")
    if found:
        return found
    return "/usr/bin/rs274" if os.access("/usr/bin/rs274", os.X_OK) else None


def tool_table(tools: Iterable[int | Tool] | Mapping[int, Tool]) -> str:
    """A LinuxCNC tool table (inches, zero length offsets) for ``tools``."""
    rows = []
    items = tools.values() if isinstance(tools, Mapping) else tools
    seen = set()
    for t in items:
        n = t.number if isinstance(t, Tool) else int(t)
        d_in = (t.diameter_mm if isinstance(t, Tool) else 0.0) / _MM_PER_INCH
        if n in seen:
            continue
        seen.add(n)
        rows.append(f"T{n} P{n} D{d_in:.6f} Z0 ;tool {n}")
    return "\n".join(rows) + "\n"


def _floats(args: str) -> list[float]:
    return [float(a) for a in args.replace(" ", ",").split(",") if a.strip()]


def run_rs274(
    source: str | os.PathLike[str], tools: Iterable[int | Tool] | Mapping[int, Tool] = (1,), *, timeout_s: float = 60.0
) -> list[CanonMove]:
    """Run rs274 on a program and return its canonical moves in mm.

    Parameters
    ----------
    source : str or path-like
        G-code text, or a path (a ``str`` without newline naming an existing file).
    tools : iterable of int or Tool, or mapping
        Tools the program uses (a tool table is written for them).
    timeout_s : float
        Give up after this many seconds.

    Raises
    ------
    Rs274Error
        When rs274 is not installed, or it stops with an error (the message
        names rs274's complaint and the offending block).
    """
    exe = rs274_path()
    if exe is None:
        raise Rs274Error("rs274 (LinuxCNC's standalone interpreter) is not installed; apt-get install linuxcnc-uspace")
    with tempfile.TemporaryDirectory(prefix="rs274-") as tmp:
        tbl = Path(tmp) / "tools.tbl"
        tbl.write_text(tool_table(tools))
        if isinstance(source, os.PathLike) or ("\n" not in source and Path(source).is_file()):
            prog = Path(source).resolve()  # rs274 runs in the temporary folder
        else:
            prog = Path(tmp) / "program.ngc"
            prog.write_text(source)
        try:
            proc = subprocess.run(
                [exe, "-g", "-t", str(tbl), str(prog)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=timeout_s, cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            raise Rs274Error(f"rs274 did not finish within {timeout_s} s") from None
    out = proc.stdout
    if proc.returncode != 0:
        tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip() and not _LINE.match(ln)]
        msg = "; ".join(t for t in tail if t.strip() != "executing")[-500:]
        raise Rs274Error(f"rs274 rejected the program (exit {proc.returncode}): {msg}")
    return parse_canon(out)


def parse_canon(text: str) -> list[CanonMove]:
    """Canonical moves (mm) from rs274's printed output."""
    scale = 1.0
    feed = float("nan")
    pos = (0.0, 0.0, 0.0)
    moves: list[CanonMove] = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        name, args = m.group(1), m.group(2)
        if name == "USE_LENGTH_UNITS":
            scale = _MM_PER_INCH if "INCH" in args else (10.0 if "CM" in args else 1.0)
        elif name == "SET_FEED_RATE":
            feed = _floats(args)[0] * scale
        elif name in ("STRAIGHT_TRAVERSE", "STRAIGHT_FEED"):
            v = _floats(args)
            if any(abs(a) > 0 for a in v[3:]):
                raise Rs274Error(f"rs274 moved a rotary/extra axis: {line.strip()}")
            pos = (v[0] * scale, v[1] * scale, v[2] * scale)
            kind = "traverse" if name == "STRAIGHT_TRAVERSE" else "feed"
            moves.append(CanonMove(kind, pos, None, 0, feed if kind == "feed" else float("nan")))
        elif name == "ARC_FEED":
            v = _floats(args)
            pos = (v[0] * scale, v[1] * scale, v[5] * scale)
            moves.append(CanonMove("arc", pos, (v[2] * scale, v[3] * scale), int(v[4]), feed))
        elif name == "DWELL":
            moves.append(CanonMove("dwell", pos, None, 0, _floats(args)[0]))
        elif name in ("STRAIGHT_PROBE", "RIGID_TAP", "SPINDLE_RETRACT_TRAVERSE", "NURBS_FEED"):
            raise Rs274Error(f"unhandled canonical command {name}")
    return moves
