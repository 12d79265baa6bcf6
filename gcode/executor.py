"""Executing one block on the reader's modal state (RS274/NGC order of execution).

G and M codes are keyed by ten times their number (G90.1 -> 901), so
G-codes with a decimal are exact integers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from toolpath.enums import Coolant, MoveKind

from .lexer import Word

if TYPE_CHECKING:  # pragma: no cover
    from .reader import _Reader

__all__ = ["execute_block", "KNOWN_G", "MOTION_G"]

MOTION_G = {0, 10, 20, 30}
CYCLE_G = {730, 810, 820, 830, 840, 850, 860, 890}
_MOTION_GROUP = MOTION_G | CYCLE_G | {800, 840, 870, 880, 330, 380, 382, 383, 384, 385, 760, 50, 51}
# non-modal, plane, units, comp, length, coordinate system, path control, distance, arc distance, feed, retract
KNOWN_G = (
    MOTION_G
    | CYCLE_G
    | {40, 90, 170, 180, 190, 200, 210, 280, 300, 400, 430, 431, 490, 530, 540, 550, 560, 570, 580, 590, 591, 592,
       593, 610, 611, 640, 800, 900, 901, 910, 911, 940, 980, 990}
)
_UNSUPPORTED_G = {
    410: "cutter radius compensation (G41) is not supported: the path depends on the controller's offset",
    420: "cutter radius compensation (G42) is not supported: the path depends on the controller's offset",
    411: "cutter radius compensation (G41.1) is not supported",
    421: "cutter radius compensation (G42.1) is not supported",
    920: "G92 coordinate offsets are not supported",
    921: "G92.1 is not supported",
    922: "G92.2 is not supported",
    923: "G92.3 is not supported",
    930: "inverse time feed (G93) is not supported",
    950: "feed per revolution (G95) is not supported",
    100: "G10 (setting offsets and tables) is not supported",
    50: "cubic splines (G5) are not supported",
    51: "quadratic splines (G5.1) are not supported",
    52: "NURBS (G5.2) are not supported",
    330: "spindle-synchronised motion (G33) is not supported",
    380: "probing (G38.x) is not supported",
    760: "threading cycle (G76) is not supported",
    680: "coordinate rotation (G68) is not supported",
    510: "scaling (G51) is not supported",
    150: "polar coordinates (G15/G16) are not supported",
    160: "polar coordinates (G15/G16) are not supported",
    520: "local coordinate systems (G52) are not supported",
}
# An arc whose end is off its circle by more than 0.0254 mm (0.001 in) and 0.1 % of the radius is an
# error. rs274 (LinuxCNC 2.9) is a little more lenient (it accepted 0.028 mm on a 5 mm radius in our
# probes); reading stricter than the controller never yields a path it would not run.
_ARC_ABS_TOL_MM = 0.0254
_ARC_REL_TOL = 0.001
_IGNORED_M = {0, 1, 48, 49, 50, 51, 52, 53, 60}
_ALLOWED_LETTERS = set("GMXYZIJKRFSTPQHDLN")
_PLANES = {170: (0, 1, 2, "I", "J"), 180: (2, 0, 1, "K", "I"), 190: (1, 2, 0, "J", "K")}


def _gkey(r: _Reader, w: Word) -> int:
    k = w.value * 10.0
    ik = int(round(k))
    if abs(k - ik) > 1e-6 or ik < 0:
        r.error("bad-code", f"{w.letter}{w.value:g} is not a valid code", w.column)
    return ik


def _gname(k: int) -> str:
    return f"G{k // 10}" if k % 10 == 0 else f"G{k // 10}.{k % 10}"


def execute_block(r: _Reader, words: tuple[Word, ...]) -> bool:
    """Run one block; returns False when the program ends (M2/M30)."""
    gs: list[tuple[int, Word]] = []
    ms: list[tuple[int, Word]] = []
    vals: dict[str, Word] = {}
    meta_block = False
    for w in words:
        if w.letter == "G":
            k = _gkey(r, w)
            k = r.units_map.get(k, k)  # the dialect's units codes (Sinumerik, Heidenhain G71/G70)
            if k in r.metadata_codes:
                meta_block = True
                r.metadata["path_control"].append((r.line_no, r.metadata_codes[k], None))  # type: ignore[union-attr]
                r.metadata["path_control_moves"].append(r.moves_total)  # type: ignore[union-attr]
                continue
            gs.append((k, w))
        elif w.letter == "M":
            ms.append((_gkey(r, w), w))
        elif w.letter == "N" or (meta_block and w.letter in "EPQR"):
            continue
        elif w.letter not in _ALLOWED_LETTERS:
            if w.letter in "ABCUVW":
                r.error("axis", f"{w.letter} axis words are not supported (3-axis X Y Z only)", w.column)
            r.error("letter", f"word {w.letter} is not supported", w.column)
        elif w.letter in vals:
            r.error("repeated", f"word {w.letter} appears twice in the block", w.column)
        else:
            vals[w.letter] = w
    gset = {k for k, _ in gs}
    for k, w in gs:
        if k in _UNSUPPORTED_G or (k // 10 * 10 == 380):
            r.error("unsupported-g", _UNSUPPORTED_G.get(k, _UNSUPPORTED_G.get(k // 10 * 10, "")) or
                    f"{_gname(k)} is not supported", w.column)
        if k not in KNOWN_G:
            r.error("unknown-g", f"{_gname(k)} is not supported", w.column)
    # G80 beside a motion code (G0 G80, common in posts' safety lines) only cancels the cycle
    motion_codes = [(k, w) for k, w in gs if k in _MOTION_GROUP and k != 800]
    if len(motion_codes) > 1:
        r.error("modal-group", "two motion codes in one block", motion_codes[1][1].column)
    nonmodal_axis = [(k, w) for k, w in gs if k in (280, 300, 530)]

    # units first: the block's numbers are in the block's units
    if 200 in gset:
        r.mm_per_unit = 25.4
        r.units_seen = r.units_seen or "inch"
    if 210 in gset:
        r.mm_per_unit = 1.0
        r.units_seen = r.units_seen or "mm"
    if 200 in gset and 210 in gset:
        r.error("modal-group", "G20 and G21 in one block", 0)
    u = r.mm_per_unit

    # 3-5: feed, speed, tool select
    dwell_f = 40 in gset and r.d.dwell_word == "F"  # Sinumerik/Heidenhain: G4 F<seconds>
    if "F" in vals and not dwell_f:
        f = vals["F"].value
        if f < 0:
            r.error("feed", f"negative feed F{f:g}", vals["F"].column)
        r.feed = f * u
    if "S" in vals:
        s = vals["S"].value
        if s < 0:
            r.error("speed", f"negative spindle speed S{s:g}", vals["S"].column)
        r.rpm = s
    if "T" in vals:
        t = vals["T"].value
        if t < 0 or t != int(t):
            r.error("tool", f"T{t:g} is not a tool number", vals["T"].column)
        r.tool_selected = int(t)
    mset = {k for k, _ in ms}
    if "T" in vals and r.d.tool_change_on_t and 60 not in mset and r.tool_selected != r.tool_current:
        mset.add(60)  # Grbl and friends: a new T word is the tool change
    # 6: tool change
    if 60 in mset:
        r.finish_operation()
        r.tool_current = r.tool_selected if r.tool_selected is not None else r.tool_current
        r.op_name = r.pending_name
        r.pending_name = ""
    elif "T" in vals and r.tool_current is None and r.op_moves == 0 and r.n_ops == 0:
        # Grbl/Fusion programs often select a tool without M6: take it as the first tool
        r.tool_current = r.tool_selected
    # 7-8: spindle, coolant
    for k, w in ms:
        if k == 30:
            r.spindle_dir = 1
        elif k == 40:
            r.spindle_dir = -1
        elif k == 50:
            r.spindle_dir = 0
        elif k == 70:
            r.coolant = Coolant.MIST
        elif k == 80:
            r.coolant = Coolant.FLOOD
        elif k == 90:
            r.coolant = Coolant.OFF
        elif k in (980, 990):
            r.error("subprogram", f"M{k // 10} subprograms are not supported", w.column)
        elif k in (20, 300, 60):
            pass
        elif k // 10 in _IGNORED_M and k % 10 == 0:
            r.note_once(f"m{k}", f"M{k // 10} does not change the path; ignored", w.column)
        else:
            r.diag(_warning(), "unknown-m", f"M{k / 10:g} ignored", w.column)
    if r.op_name == "" and r.pending_name and r.op_moves == 0:
        r.op_name = r.pending_name
    # 10: dwell
    if 40 in gset:
        _dwell(r, vals, dict(gs)[40])
    # 11: plane
    for k in (170, 180, 190):
        if k in gset:
            r.plane = k
    # 13-14: comp, length offsets: G40, G43, G49 accepted (tool tip coordinates)
    for k, w in gs:
        if 540 <= k <= 593:
            r.metadata["work_offsets"].append((r.line_no, _gname(k)))  # type: ignore[union-attr]
            if len(r.metadata["work_offsets"]) > 1 and (r.op_moves or r.n_ops):  # type: ignore[arg-type]
                r.note_once("work-offset", "work offset changed after moves; coordinates are kept as written", w.column)
        elif k in (610, 611, 640):
            p = vals["P"].value * u if (k == 640 and "P" in vals) else None
            r.metadata["path_control"].append((r.line_no, _gname(k), p))  # type: ignore[union-attr]
            r.metadata["path_control_moves"].append(r.moves_total)  # type: ignore[union-attr]
    # 17: distance modes
    if 900 in gset:
        r.absolute = True
    if 910 in gset:
        r.absolute = False
    if 901 in gset:
        r.arc_absolute = True
    if 911 in gset:
        r.arc_absolute = False
    if 980 in gset:
        r.retract_r_plane = False
    if 990 in gset:
        r.retract_r_plane = True
    if 800 in gset:
        r.motion = None
    if 800 in gset or (motion_codes and motion_codes[0][0] not in CYCLE_G):
        r._cycle_code = None
    if r.d.arc_center_block and not any(a in vals for a in "XYZ") and any(a in vals for a in "IJ"):
        # Heidenhain ISO: a block of I J sets the circle centre (pole), absolute under G90
        px = _axis_value(r, vals["I"]) if "I" in vals else (0.0 if not r.absolute else r.pos[0])
        py = _axis_value(r, vals["J"]) if "J" in vals else (0.0 if not r.absolute else r.pos[1])
        r.pole = (px, py) if r.absolute else (r.pos[0] + px, r.pos[1] + py)
        vals.pop("I", None)
        vals.pop("J", None)
    # 19: non-modal axis moves
    if nonmodal_axis:
        _nonmodal(r, vals, nonmodal_axis, motion_codes)
    else:
        # 20: motion
        if motion_codes:
            r.motion = motion_codes[0][0]
        has_axes = any(a in vals for a in "XYZ")
        if has_axes:
            if r.motion is None:
                col = next(vals[a].column for a in "XYZ" if a in vals)
                r.error("no-motion", "axis words with no motion mode active (G80 or none yet)", col)
            _motion(r, vals, r.motion)  # type: ignore[arg-type]
        elif motion_codes and motion_codes[0][0] in (20, 30) and any(a in vals for a in "IJKR"):
            r.error("arc-no-end", "arc with no end point (X/Y) words", motion_codes[0][1].column)
    # 21: stop
    if 20 in mset or 300 in mset:
        return False
    return True


def _warning():  # noqa: ANN202 - avoid a circular import at module load
    from .reader import Severity

    return Severity.WARNING


def _dwell(r: _Reader, vals: dict[str, Word], g: Word) -> None:
    word = r.d.dwell_word
    if word in vals and word != "P":
        w = vals[word]
        secs = w.value / 1000.0 if r.d.dwell_unit == "ms" else w.value
    elif "P" in vals:
        w = vals["P"]
        # in a millisecond dialect a decimal point means seconds (Haas: "G04 P1.5" is 1.5 s)
        secs = w.value / 1000.0 if r.d.dwell_unit == "ms" and not w.point else w.value
    elif "X" in vals and r.d.dwell_unit == "ms":
        secs = vals["X"].value  # Fanuc-style G4 X<seconds>
        del vals["X"]
    else:
        r.error("dwell", "G4 without a P (duration) word", g.column)
        return
    if secs < 0:
        r.error("dwell", f"negative dwell {secs:g} s", g.column)
    r.add(MoveKind.DWELL, *r.pos, f=secs)


def _axis_value(r: _Reader, w: Word) -> float:
    v = w.value
    if r.d.integer_increment_mm > 0 and not w.point:
        # least input increment: 0.001 mm, or 0.0001 in (= 2.54 x 0.001 mm) in inch mode
        return v * r.d.integer_increment_mm * (1.0 if r.mm_per_unit == 1.0 else 2.54)
    return v * r.mm_per_unit


def _target(r: _Reader, vals: dict[str, Word]) -> list[float]:
    t = list(r.pos)
    for i, a in enumerate("XYZ"):
        if a in vals:
            v = _axis_value(r, vals[a])
            t[i] = v if r.absolute else t[i] + v
    return t


def _motion(r: _Reader, vals: dict[str, Word], motion: int) -> None:
    if motion in CYCLE_G:
        from .cycles import canned_cycle

        canned_cycle(r, vals, motion)
        return
    if motion not in MOTION_G:
        r.error("unknown-g", f"{_gname(motion)} motion is not supported", 0)
    end = _target(r, vals)
    if motion == 0:
        r.add(MoveKind.RAPID, *end)  # a block with axis words is a move, even when it goes nowhere
        return
    if not (r.feed > 0):
        col = vals["F"].column if "F" in vals else next(vals[a].column for a in "XYZ" if a in vals)
        r.error("no-feed", "feed move with no feed rate (F) set", col)
    if motion == 10:
        r.add(MoveKind.FEED, *end, f=r.feed)
        return
    _arc(r, vals, motion, end)


def _arc(r: _Reader, vals: dict[str, Word], motion: int, end: list[float]) -> None:
    ia, ib, ic, la, lb = _PLANES[r.plane]
    start = r.pos
    sa, sb = start[ia], start[ib]
    ea, eb = end[ia], end[ib]
    if abs(ea - sa) < 1e-9 and abs(eb - sb) < 1e-9:
        end[ia], end[ib] = sa, sb
        ea, eb = sa, sb
    ccw = motion == 30
    turns = 1
    if "P" in vals:
        w = vals["P"]
        if not r.d.arc_turns_word == "P":
            r.error("arc-p", f"P on an arc has no meaning for dialect {r.d.name}", w.column)
        if w.value < 1 or w.value != int(w.value):
            r.error("arc-p", f"P{w.value:g} on an arc must be a whole number of turns >= 1", w.column)
        turns = int(w.value)
    if "R" in vals:
        w = vals["R"]
        radius = _axis_value(r, w)
        chord = math.sqrt((ea - sa) * (ea - sa) + (eb - sb) * (eb - sb))
        if chord < 1e-9:
            r.error("arc-r", "a full circle cannot be given with R; use I/J", w.column)
        if abs(radius) < chord / 2.0 - max(_ARC_ABS_TOL_MM, _ARC_REL_TOL * abs(radius)):
            r.error("arc-r", f"R{w.value:g} is smaller than half the chord ({chord / 2 / r.mm_per_unit:g})", w.column)
        h = math.sqrt(max(0.0, radius * radius - chord * chord / 4.0))
        ma, mb = (sa + ea) / 2.0, (sb + eb) / 2.0
        na, nb = -(eb - sb) / chord, (ea - sa) / chord  # left normal of the chord
        side = 1.0 if ccw else -1.0
        if radius < 0:
            side = -side
        ca, cb = ma + side * h * na, mb + side * h * nb
    else:
        pole = r.pole if (r.d.arc_center_block and r.plane == 170) else None
        if la not in vals and lb not in vals and pole is None:
            r.error("arc-center", f"arc with neither R nor {la}/{lb} words (plane {_gname(r.plane)})", 0)
        oa = _axis_value(r, vals[la]) if la in vals else 0.0
        ob = _axis_value(r, vals[lb]) if lb in vals else 0.0
        if pole is not None and la not in vals and lb not in vals:
            ca, cb = pole
        elif r.arc_absolute:
            ca, cb = oa if la in vals else sa, ob if lb in vals else sb
        else:
            ca, cb = sa + oa, sb + ob
        r0 = math.sqrt((sa - ca) * (sa - ca) + (sb - cb) * (sb - cb))
        r1 = math.sqrt((ea - ca) * (ea - ca) + (eb - cb) * (eb - cb))
        if r0 < 1e-9:
            r.error("arc-center", "arc radius is zero", 0)
        diff = abs(r0 - r1)
        if diff > _ARC_ABS_TOL_MM and diff > _ARC_REL_TOL * r0:
            r.error(
                "arc-radius",
                f"arc radius to end ({r1 / r.mm_per_unit:.6g}) differs from radius to start "
                f"({r0 / r.mm_per_unit:.6g})", 0,
            )
    # sweep
    a0 = math.atan2(sb - cb, sa - ca)
    a1 = math.atan2(eb - cb, ea - ca)
    d = a1 - a0
    if ccw:
        d = d % (2 * math.pi)
        if d < 1e-12:
            d = 2 * math.pi if (ea == sa and eb == sb) else d
    else:
        d = -((-d) % (2 * math.pi))
        if d > -1e-12:
            d = -2 * math.pi if (ea == sa and eb == sb) else d
    if d == 0.0:  # degenerate: end on the start but not equal; a tiny arc
        if end != r.pos:
            r.add(MoveKind.FEED, *end, f=r.feed)
        return
    total = d + (turns - 1) * (2 * math.pi if ccw else -2 * math.pi)
    kind = MoveKind.ARC_CCW if ccw else MoveKind.ARC_CW
    sc = start[ic]
    dz = end[ic] - sc
    if r.plane == 170:
        full = 2 * math.pi / abs(total)
        for k in range(turns - 1):
            z = sc + dz * full * (k + 1)
            r.add(kind, sa, sb, z, ca, cb, r.feed)
        r.add(kind, end[0], end[1], end[2], ca, cb, r.feed)
        return
    # G18/G19: chords in that plane
    r.note_once("arc-plane", f"arcs in plane {_gname(r.plane)} are read as G1 chords within {0.001} mm")
    radius = math.hypot(sa - ca, sb - cb)
    half = math.acos(max(-1.0, 1.0 - 0.001 / radius)) if radius > 0.001 else math.pi
    n = max(1, math.ceil(abs(total) / (2 * half)))
    ts = np.linspace(0.0, 1.0, n + 1)[1:]
    for t in ts:
        ang = a0 + total * t
        p = [0.0, 0.0, 0.0]
        p[ia] = ca + radius * math.cos(ang)
        p[ib] = cb + radius * math.sin(ang)
        p[ic] = sc + dz * t
        if t == 1.0:
            p = list(end)
        r.add(MoveKind.FEED, *p, f=r.feed)


def _nonmodal(r: _Reader, vals: dict[str, Word], codes: list[tuple[int, Word]], motion_codes: list) -> None:
    k, w = codes[0]
    if len(codes) > 1:
        r.error("modal-group", "two non-modal axis codes in one block", codes[1][1].column)
    if k == 530:
        mc = motion_codes[0][0] if motion_codes else r.motion
        if mc not in (0, 10):
            r.error("g53", "G53 needs G0 or G1 in effect", w.column)
        if motion_codes:
            r.motion = motion_codes[0][0]
        if "Z" in vals:
            top = max(r.max_z, r.pos[2])
            r.diag(_warning(), "machine-coords", f"G53 Z move read as a rapid up to Z={top:g} mm (the highest "
                   "Z so far); machine coordinates are unknown", w.column)
            if top != r.pos[2]:
                r.add(MoveKind.RAPID, r.pos[0], r.pos[1], top)
        if "X" in vals or "Y" in vals:
            r.diag(_warning(), "machine-coords", "G53 X/Y move skipped: machine coordinates are unknown", w.column)
        return
    # G28 / G30: through the intermediate point (given axes), then to home
    inter = _target(r, vals)
    if inter != r.pos:
        r.add(MoveKind.RAPID, *inter)
    if "Z" in vals or not any(a in vals for a in "XYZ"):
        top = max(r.max_z, r.pos[2])
        r.diag(_warning(), "machine-coords", f"{_gname(k)} home in Z read as a rapid up to Z={top:g} mm",
               w.column)
        if top != r.pos[2]:
            r.add(MoveKind.RAPID, r.pos[0], r.pos[1], top)
    if "X" in vals or "Y" in vals or not any(a in vals for a in "XYZ"):
        r.diag(_warning(), "machine-coords", f"{_gname(k)} X/Y home move skipped: machine coordinates are unknown",
               w.column)
