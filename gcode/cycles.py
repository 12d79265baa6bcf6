"""Canned drilling cycles (G73, G81-G86, G89) expanded into moves.

Semantics follow the LinuxCNC G-code reference (canned cycles section):

- preliminary motion: if Z is below the R plane, rapid up to R; rapid to
  the hole's X Y; rapid down to R;
- the clear plane is R under G99, and under G98 the higher of R and the
  initial level: the Z when the cycles began (after G80 or G0-G3; switching
  from one cycle code to another keeps it, as LinuxCNC does);
- in G91, X Y are increments repeated L times, R is measured from the
  initial level and the hole bottom Z from the R plane (the written R and Z
  stay in force and are placed again by each block's distance mode);
- R, Z, Q and P are sticky while cycles stay active;
- G83 retracts to R after each peck and comes back down at rapid to 0.254 mm
  (0.010 in) above the last depth; G73 backs off 0.254 mm after each peck;
- G85 feeds back out to R; G89 dwells and feeds out to the clear plane; G86 dwells, stops the
  spindle and rapids out (read here as a dwell and a rapid); G84 taps: feed
  in, dwell P (0 when not given, as rs274 does), feed out to the clear plane
  (the spindle reversal is not a move);
- the retract mode at start is G99 (R plane), as in LinuxCNC.
- Cycles run along Z in the G17 plane only; in G18/G19 they are an error.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from toolpath.enums import MoveKind

from .lexer import Word

if TYPE_CHECKING:  # pragma: no cover
    from .reader import _Reader

__all__ = ["canned_cycle", "PECK_DELTA_MM"]

PECK_DELTA_MM = 0.254


def canned_cycle(r: _Reader, vals: dict[str, Word], code: int) -> None:
    """Execute one block of canned cycle ``code`` (G-code x 10) on the reader ``r``."""
    name = f"G{code // 10}"
    col = next((vals[a].column for a in "XYZR" if a in vals), 0)
    if r.plane != 170:
        r.error("cycle", f"{name} in plane G{r.plane // 10} is not supported (canned cycles along Z in G17 only)", col)
    if r._cycle_code is None:  # a cycle sequence starts (after G80 or G0-G3)
        r.cycle_r = r.cycle_z = r.cycle_q = math.nan
        r.cycle_p = 0.0
        r._cycle_code = code
        r._cycle_il = r.pos[2]
    u = r.mm_per_unit
    old_z = r._cycle_il  # the initial level: Z when this cycle began
    # R and Z stay as written (sticky) and are placed by the distance mode of each block
    if "R" in vals:
        r.cycle_r = vals["R"].value * u
    if "Z" in vals:
        r.cycle_z = vals["Z"].value * u
    if "Q" in vals:
        r.cycle_q = abs(vals["Q"].value) * u
    if "P" in vals:
        r.cycle_p = vals["P"].value / (1000.0 if r.d.dwell_unit == "ms" else 1.0)
    if not math.isfinite(r.cycle_r):
        r.error("cycle", f"{name} without an R plane", col)
    if not math.isfinite(r.cycle_z):
        r.error("cycle", f"{name} without a Z depth", col)
    if code in (730, 830) and not (r.cycle_q > 0):
        r.error("cycle", f"{name} needs a peck depth Q > 0", col)
    if not (r.feed > 0):
        r.error("no-feed", f"{name} with no feed rate (F) set", col)
    repeats = 1
    if "L" in vals:
        lv = vals["L"].value
        if lv < 1 or lv != int(lv):
            r.error("cycle", f"L{lv:g} must be a whole number >= 1", vals["L"].column)
        repeats = int(lv)
    rz = r.cycle_r if r.absolute else old_z + r.cycle_r
    bottom = r.cycle_z if r.absolute else rz + r.cycle_z
    if bottom > rz + 1e-9:
        r.error("cycle", f"{name}: hole bottom Z {bottom / u:g} is above the R plane {rz / u:g}", col)
    clear = rz if r.retract_r_plane else max(rz, old_z)
    dx = _axis(r, vals, "X")
    dy = _axis(r, vals, "Y")
    for _ in range(repeats):
        x, y = r.pos[0], r.pos[1]
        if r.absolute:
            x = dx if dx is not None else x
            y = dy if dy is not None else y
        else:
            x += dx or 0.0
            y += dy or 0.0
        if r.pos[2] < rz:
            r.add(MoveKind.RAPID, r.pos[0], r.pos[1], rz)
        if (x, y) != (r.pos[0], r.pos[1]):
            r.add(MoveKind.RAPID, x, y, r.pos[2])
        if r.pos[2] != rz:
            r.add(MoveKind.RAPID, x, y, rz)
        f = r.feed
        if code == 840:  # tapping: feed in, dwell (P, default 0), spindle reverses, feed out to the clear plane
            r.add(MoveKind.FEED, x, y, bottom, f=f)
            r.add(MoveKind.DWELL, x, y, bottom, f=r.cycle_p)
            r.add(MoveKind.FEED, x, y, clear, f=f)
        elif code in (810, 820, 860, 850, 890):
            r.add(MoveKind.FEED, x, y, bottom, f=f)
            if code in (820, 860, 890):  # rs274 dwells here even for P0
                r.add(MoveKind.DWELL, x, y, bottom, f=r.cycle_p)
            if code == 850:
                r.add(MoveKind.FEED, x, y, rz, f=f)
            elif code == 890:  # LinuxCNC feeds straight out to the clear plane after the dwell
                r.add(MoveKind.FEED, x, y, clear, f=f)
        elif code == 830:
            depth = rz
            while depth > bottom:
                nxt = max(bottom, depth - r.cycle_q)
                if depth < rz:
                    r.add(MoveKind.RAPID, x, y, depth + PECK_DELTA_MM)
                r.add(MoveKind.FEED, x, y, nxt, f=f)
                depth = nxt
                if depth > bottom:
                    r.add(MoveKind.RAPID, x, y, rz)
        elif code == 730:
            depth = rz
            while depth > bottom:
                nxt = max(bottom, depth - r.cycle_q)
                r.add(MoveKind.FEED, x, y, nxt, f=f)
                depth = nxt
                if depth > bottom:
                    r.add(MoveKind.RAPID, x, y, depth + PECK_DELTA_MM)
        if r.pos[2] != clear:
            r.add(MoveKind.RAPID, x, y, clear)


def _axis(r: _Reader, vals: dict[str, Word], a: str) -> float | None:
    if a not in vals:
        return None
    w = vals[a]
    if r.d.integer_increment_mm > 0 and not w.point:
        return w.value * r.d.integer_increment_mm * (1.0 if r.mm_per_unit == 1.0 else 2.54)
    return w.value * r.mm_per_unit
