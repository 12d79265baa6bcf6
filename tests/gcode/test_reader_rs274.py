"""The reader against LinuxCNC's interpreter on programs other CAM systems write: random RS274 text
(G20/G21, G90/G91, IJ and R arcs, helices, canned cycles with G98/G99 and L) and the shared corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gcode_programs import assert_same_moves
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gcode
from gcode.rs274 import CanonMove, run_rs274
from toolpath.enums import MoveKind
from toolpath.moves import Toolpath
from toolpath.program import Program
from toolpath.tool import Tool

SHARED = Path("/work/shared")
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "corpus" / "gcode"


def canon_program(canon: list[CanonMove]) -> Program:
    """rs274's moves as a Program (multi-turn arcs are not generated here)."""
    kinds, xyz, center, feed = [], [], [], []
    for m in canon:
        if m.kind == "arc":
            assert abs(m.rotation) == 1
            kinds.append(MoveKind.ARC_CW if m.rotation < 0 else MoveKind.ARC_CCW)
            center.append(m.center)
        else:
            kinds.append({"traverse": MoveKind.RAPID, "feed": MoveKind.FEED, "dwell": MoveKind.DWELL}[m.kind])
            center.append((np.nan, np.nan))
        xyz.append(m.xyz)
        feed.append(m.feed_mm_min)
    tp = Toolpath(np.array(kinds, np.int8), np.array(xyz).reshape(-1, 3), np.array(center).reshape(-1, 2),
                  np.array(feed))
    return Program.single(Tool(1.0), tp, start_xyz=(0, 0, 0))


def assert_reads_like_rs274(text: str, *, atol_mm: float) -> None:
    ours = gcode.read_program(text)
    theirs = canon_program(run_rs274(text, range(1, 10)))
    ours = Program.single(Tool(1.0), ours.toolpath, start_xyz=(0, 0, 0))
    assert_same_moves(theirs, ours, atol_mm=atol_mm, feed_atol=1e-3)


@st.composite
def foreign_programs(draw: st.DrawFn) -> str:
    """RS274 text the way other posts write it; arcs are built from the current position."""
    inch = draw(st.booleans())
    u = 25.4 if inch else 1.0
    lines = ["G20" if inch else "G21", "G17 G90 G94 G40 G49", f"F{draw(st.integers(5, 2000))}"]
    pos = np.zeros(3)
    absolute = True
    val = st.integers(-5000, 5000).map(lambda v: v / 100.0)

    def coord(axis: int, target: float) -> str:
        v = target if absolute else target - pos[axis]
        return f"{'XYZ'[axis]}{v:.4f}"

    for _ in range(draw(st.integers(1, 12))):
        what = draw(st.sampled_from(["mode", "g0", "g1", "ijk", "r", "cycle"]))
        if what == "mode":
            absolute = draw(st.booleans())
            lines.append("G90" if absolute else "G91")
        elif what in ("g0", "g1"):
            t = np.array([draw(val), draw(val), draw(val)]) / u
            axes = draw(st.sets(st.integers(0, 2), min_size=1))
            words = " ".join(coord(a, t[a]) for a in sorted(axes))
            lines.append(f"{'G0' if what == 'g0' else 'G1'} {words}")
            for a in axes:
                pos[a] = round(t[a] if absolute else pos[a] + round(t[a] - pos[a], 4), 4)
        elif what in ("ijk", "r"):
            i, j = draw(val) / u / 5, draw(val) / u / 5
            if abs(i) + abs(j) < 0.05:
                continue
            c = pos[:2] + (i, j)
            rad = float(np.hypot(i, j))
            ang = draw(st.floats(-np.pi, np.pi))
            end = (round(c[0] + rad * np.cos(ang), 4), round(c[1] + rad * np.sin(ang), 4))
            z = round(pos[2] + draw(st.sampled_from([0.0, -0.5, 0.25])) / u, 4)
            g = draw(st.sampled_from(["G2", "G3"]))
            chord = float(np.hypot(end[0] - pos[0], end[1] - pos[1]))
            if what == "ijk":
                if chord < 1e-3:
                    end = (pos[0], pos[1])
                # radius of the rounded end must stay within LinuxCNC's tolerance
                if abs(np.hypot(end[0] - c[0], end[1] - c[1]) - rad) * u > 0.001:
                    continue
                lines.append(f"{g} {coord(0, end[0])} {coord(1, end[1])} {coord(2, z)} I{i:.4f} J{j:.4f}")
            else:
                if chord < 0.01 * rad + 1e-3 or abs(chord - 2 * rad) < 1e-3:
                    continue
                rr = rad if draw(st.booleans()) else -rad
                lines.append(f"{g} {coord(0, end[0])} {coord(1, end[1])} {coord(2, z)} R{rr:.4f}")
            pos[:] = (end[0], end[1], z)
        else:
            code = draw(st.sampled_from(["G81", "G82", "G83", "G73", "G85", "G89"]))
            mode = draw(st.sampled_from(["G98", "G99"]))
            zr = draw(st.integers(0, 500)) / 100 / u
            depth = draw(st.integers(1, 800)) / 100 / u
            x, y = draw(val) / u, draw(val) / u
            extra = ""
            if code in ("G83", "G73"):
                extra += f" Q{draw(st.integers(10, 300)) / 100 / u:.4f}"
            if code in ("G82", "G89"):
                extra += f" P{draw(st.integers(0, 20)) / 10}"
            if absolute:
                words = f"X{x:.4f} Y{y:.4f} Z{zr - depth:.4f} R{zr:.4f}"
            else:
                words = f"X{x / 5:.4f} Y{y / 5:.4f} Z{-depth:.4f} R{zr:.4f} L{draw(st.integers(1, 3))}"
            lines.append(f"{mode} {code} {words}{extra}")
            lines.append("G80")
            # where the cycle leaves the machine is rs274's business: restart from a known point
            lines.append("G90 G0 X0 Y0 Z10")
            absolute = True
            pos[:] = (0.0, 0.0, 10.0 / u if inch else 10.0)
            pos[2] = float(f"{10:.4f}")
            lines[-1] = "G90 G0 X0 Y0 Z10"
    lines.append("M2")
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(foreign_programs())
def test_random_foreign_programs_read_like_rs274(text):
    inch = text.startswith("G20")
    # rs274 prints 4 decimals in the program's units
    assert_reads_like_rs274(text, atol_mm=(0.00005 * 25.4 if inch else 0.00005) + 1e-9)


def test_spec_canned_cycles_read_like_rs274():
    """The RS274/NGC spec's cycle test (its first 12 blocks: G81, G82, G83, G84, G85, G86 with
    G91 and L repeats), read as LinuxCNC runs it."""
    lines = (CORPUS / "rs274ngc_spec_canned_cycles_lowercase.gcode").read_text().splitlines()[:12]
    assert_reads_like_rs274("\n".join(lines) + "\nm2\n", atol_mm=0.00005 * 25.4 + 1e-9)


# the corpus: what each file gives, and why --------------------------------------------------------
READS = {
    # file: (rs274 comparison possible, reason when not)
    "bcnc_test_sample.gcode": (False, "no M2/%: rs274 refuses, we warn"),
    "camotics_bear_vectric_style.nc": (True, ""),
    "camotics_cameo_Nnumbered_G43.nc": (True, ""),
    "fusion360_personal_grbl_led_floor_1007.nc": (False, "G19 arcs: rs274 gives arcs, we give chords"),
    "fusion360_personal_grbl_led_floor_wall.nc": (False, "G19 arcs: rs274 gives arcs, we give chords"),
    "jscut_jsdc_engrave.gcode": (False, "no M2/%"),
    "jscut_tball_pocket.gcode": (True, ""),
    "openvoronoi_ttt_vcarve.ngc": (False, "6-decimal inches; rs274 prints 4, so its tiny moves vanish"),
    "ugs_cambam_gates_combined.nc": (True, ""),
    "ugs_designer_output.gcode": (False, "no M2/%"),
    "ugs_no_spaces.gcode": (False, "no M2/%"),
    "ugs_pycam_shapeoko_calibration.ngc": (True, ""),
    "ugs_sketchucam_arc_rword.gcode": (True, ""),
}
FAILS = {
    # file: (line, column, words of the reason)
    "heidenhain_aptpost_dem_target2.h": (1, 1, "Heidenhain conversational"),  # conversational Heidenhain
    "heidenhain_aptpost_wall_holes.h": (1, 1, "Heidenhain conversational"),
    "helical_thread_milling_g91_r_arcs.gcode": (5, 1, "cutter radius compensation"),
    "linuxcnc_gmoccapy_2tools_cutter_comp.ngc": (37, 1, "cutter radius compensation"),
    "rs274ngc_spec_canned_cycles_lowercase.gcode": (13, 7, "G87 is not supported"),
    "shapeoko_circle_diamond_square_Nnumbered.gcode": (624, 0, "radius to end"),  # rs274 refuses it too
}


def test_every_corpus_file_is_accounted_for():
    names = {p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix not in (".csv", ".md")}
    assert names == set(READS) | set(FAILS)


@pytest.mark.parametrize("name", sorted(READS))
def test_corpus_file_reads(name):
    prog, diags = gcode.read(CORPUS / name)
    assert not [d for d in diags if d.severity == "error"]
    assert prog.moves() > 0 and prog.length_mm() > 0
    compare, _why = READS[name]
    if compare and (CORPUS / name).stat().st_size < 300_000:
        theirs = canon_program([m for m in run_rs274(CORPUS / name, range(1, 100))])
        ours = Program.single(Tool(1.0), prog.toolpath, start_xyz=(0, 0, 0))
        inch = prog.metadata["units"] == "inch"
        assert_same_moves(theirs, ours, atol_mm=(0.00005 * 25.4 if inch else 0.00005) + 1e-9, feed_atol=1e-3)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_corpus_file_fails_with_a_reason(name):
    line, column, words = FAILS[name]
    with pytest.raises(gcode.GcodeSyntaxError, match=words) as ei:
        gcode.read(CORPUS / name, strict=True)
    assert (ei.value.line, ei.value.column) == (line, column)
