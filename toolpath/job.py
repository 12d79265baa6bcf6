"""One milling job: part in, pockets, toolpath, program out (no G-code, no timing)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import box

from .enums import Coolant
from .errors import FileFormatError, InputError, UnreachableError
from .moves import Toolpath
from .pocket import Pocket
from .program import Operation, Program
from .stock import Stock
from .strategies.entries import ClearingOrder
from .strategies.holes import BoreParams, DrillParams, make_holes
from .strategies.offset import OffsetParams, clear_pockets, summarize_entries
from .tool import Tool

__all__ = [
    "STRATEGIES", "DRAWING_STRATEGIES", "DRILL_MATCH_MM", "TERRACE_MM", "MillResult", "parse_stepover", "drillable",
    "mill",
]

#: Strategies by name; ``None`` marks the ones not built yet. ``profile`` cuts only the walls.
STRATEGIES: dict[str, str | None] = {"offset": "offset", "zigzag": "zigzag", "adaptive": "adaptive",
                                     "profile": "profile"}

#: Strategies of 2D drawings only (they follow the drawing's curves, not pockets of a solid).
DRAWING_STRATEGIES = ("engrave",)

#: Largest difference between a drill's diameter and a round hole's for the drill to make it, mm.
DRILL_MATCH_MM = 0.05

#: Default terrace height of z-level roughing over sloped and curved faces (``mill(terrace_mm=...)``), mm; at
#: most the stepdown.
TERRACE_MM = 0.25


@dataclass(frozen=True)
class MillResult:
    """What :func:`mill` made.

    Attributes
    ----------
    program : Program
    pockets : list of Pocket
    levels_mm : list of float
    unreachable : list of dict
    stock : Stock
    generation_time_s : float
        Path generation alone, s (after imports and slicing; slicing time is in ``extra``).
    """

    program: Program
    pockets: list[Any]
    levels_mm: list[float]
    unreachable: list[dict[str, Any]]
    stock: Stock
    generation_time_s: float
    part_volume_mm3: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The figures of the DESIGN.md contract this layer knows."""
        tp = self.program.toolpath
        start = self.program.start_xyz
        return {
            "pockets": len(self.pockets),
            "levels_mm": [round(z, 6) for z in self.levels_mm],
            "unreachable": self.unreachable,
            "moves": self.program.moves(),
            "path_length_mm": round(tp.length_mm(start), 4),
            "cutting_length_mm": round(tp.cutting_length_mm(start), 4),
            "rapid_length_mm": round(tp.rapid_length_mm(start), 4),
            "generation_time_s": round(self.generation_time_s, 4),
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in self.extra.items()},
        }


def _boreable(pockets: list[Any], tool: Tool) -> list[Any]:
    """The round holes among ``pockets`` an end mill ``tool`` can bore on a helix: wider than the tool by
    more than 2 µm, and with no non-round pocket below them (that one must be cleared after the hole, and
    a helix would not leave its top open first)."""
    if tool.kind.value == "drill":
        return []
    holes = [p for p in pockets if p.hole_diameter_mm is not None
             and min(p.hole_diameter_mm / 2, p.region.exterior.distance(p.region.centroid)) - tool.radius_mm > 1e-3]
    out = []
    for h in holes:
        below = [p for p in pockets if p is not h and p.hole_diameter_mm is None
                 and p.z_top_mm <= h.z_bottom_mm + 1e-6 and p.region.intersects(h.region)]
        if not below:
            out.append(h)
    return out


def _below(h: Any, p: Any) -> bool:
    """Pocket ``p`` lies under hole ``h`` (it must be cut after it)."""
    return p is not h and p.z_top_mm <= h.z_bottom_mm + 1e-6 and p.region.intersection(h.region).area > 1e-9


def drillable(pockets: list[Any], drill: Tool, *, tolerance_mm: float = DRILL_MATCH_MM) -> list[Any]:
    """The round holes among ``pockets`` a drill makes: those whose diameter (``Pocket.hole_diameter_mm``)
    is within ``tolerance_mm`` of the drill's, with nothing below them but other such holes (a pocket under a
    hole is cut before it is drilled, and would be reached through the hole's uncut material)."""
    if drill.kind.value != "drill":
        return []
    cand = [p for p in pockets if p.hole_diameter_mm is not None
            and abs(p.hole_diameter_mm - drill.diameter_mm) <= tolerance_mm + 1e-12]
    while True:
        keep = [h for h in cand if not any(_below(h, p) and not any(p is c for c in cand) for p in pockets)]
        if len(keep) == len(cand):
            return keep
        cand = keep


def _above_cleared(h: Any, pockets: list[Any], tool: Tool, skip: list[Any]) -> bool:
    """Every pocket above hole ``h`` (cut by end mill ``tool`` unless in ``skip``) is cleared over the hole."""
    for p in pockets:
        if p is h or p.z_bottom_mm < h.z_top_mm - 1e-6 or p.region.intersection(h.region).area <= 1e-9:
            continue
        if any(p is q for q in skip):
            continue
        reach = p.domain(tool.diameter_mm + 1.0).buffer(-(tool.radius_mm + 0.005), quad_segs=32)
        if reach.is_empty or not reach.buffer(tool.radius_mm, quad_segs=32).covers(h.region.buffer(-0.01)):
            return False
    return True


def _where(p: Any) -> list[float]:
    return [round(v, 4) for v in (*p.region.bounds[:2], p.z_bottom_mm, *p.region.bounds[2:], p.z_top_mm)]


def parse_stepover(text: str | float, tool: Tool) -> float:
    """Stepover in mm from ``"1.5"`` (mm) or ``"40%"`` (of the tool diameter)."""
    s = str(text).strip()
    try:
        v = float(s[:-1]) / 100.0 * tool.diameter_mm if s.endswith("%") else float(s)
    except ValueError:
        raise InputError(f"stepover must be a length in mm or a percentage like 40%, got {text!r}") from None
    if not (0 < v <= tool.diameter_mm):
        raise InputError(f"stepover must be in (0, tool diameter {tool.diameter_mm:g} mm], got {text!r}")
    return v


def mill(
    part: str | os.PathLike[str] | Any,
    tool: Tool,
    *,
    strategy: str = "offset",
    stepover: str | float = "40%",
    stepdown_mm: float | None = None,
    setup: str = "+Z",
    stock: Stock | None = None,
    feed_mm_min: float = 1000.0,
    plunge_feed_mm_min: float = 300.0,
    spindle_rpm: float = 10000.0,
    coolant: Coolant = Coolant.OFF,
    clearance_mm: float = 5.0,
    depth_mm: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    order: str = "outside-in",
    entry: str = "helix",
    corner_radius_mm: float = 0.0,
    axial_stock_mm: float = 0.0,
    floor_pass_mm: float = 0.0,
    spring_pass: bool = False,
    bore_holes: bool = True,
    drill: Tool | None = None,
    drill_params: DrillParams | None = None,
    skip_holes_for: tuple[Tool, ...] | list[Tool] = (),
    material_above_cleared: bool = False,
    rest_after: Tool | None = None,
    gap_mm: float | None = None,
    layers: Sequence[str] | str | None = None,
    exclude_layers: Sequence[str] | str | None = None,
    terrace_mm: float | None = None,
) -> MillResult:
    """Slice ``part`` and clear every pocket with one tool.

    Parameters
    ----------
    part : path, cadquery shape or shapely polygons
        STEP file or solid; or a 2D drawing: a DXF or SVG file, or shapely Polygon/MultiPolygon
        (regions in mm), cut ``depth_mm`` deep from z = 0 down.
    tool : Tool
    strategy : {"offset", "zigzag", "adaptive", "profile", "engrave"}
        Clearing strategy; ``"profile"`` cuts only the walls; ``"engrave"`` runs the tool centre along the
        curves of a 2D drawing (open or closed), ``depth_mm`` deep (:mod:`toolpath.strategies.engrave`).
    stepover : str or float
        Radial step, mm or a percentage of the tool diameter ("40%").
    stepdown_mm : float, optional
        Largest axial step, mm; default half the tool diameter, at most its flute length.
    setup : str
        Side the tool comes from (+Z, -Z, +X, -X, +Y, -Y).
    stock : Stock, optional
        Defaults to the part's bounding box.
    clearance_mm : float
        Height of rapids above the stock top, mm.
    depth_mm : float, optional
        Cut depth of a 2D drawing, mm (required for DXF, SVG and shapely input; not accepted for a solid).
    progress : callable, optional
        ``progress(done, total)`` with the pockets cleared so far (0 before the first), for a progress bar.
    order : {"outside-in", "inside-out"}
        Order of the offset loops (offset strategy; adaptive refuses any but the default).
    entry : {"helix", "ramp"}
        How offset and zigzag go down into material: a helix where one fits (else a ramp), or a ramp
        (adaptive: helix only).
    corner_radius_mm : float
        Round the sharp corners of the offset roughing loops by this radius, mm (0: keep them; not adaptive).
    axial_stock_mm : float
        Stock left on the floors, mm (offset, zigzag, adaptive and bored holes).
    floor_pass_mm : float
        Thickness of a final floor pass after the even stepdowns, mm (offset, zigzag and adaptive; 0: none).
    spring_pass : bool
        Finishing passes on the walls (and the last circle of bored holes) run twice (not adaptive).
    bore_holes : bool
        Round holes found by slicing (``Pocket.hole_diameter_mm``) that the tool fits in, with no other
        pocket below them, are bored on a helix (:func:`toolpath.strategies.holes.helical_bore`) instead
        of being cleared by the strategy.
    drill : Tool, optional
        A drill (``ToolKind.DRILL``): the round holes of its diameter (within :data:`DRILL_MATCH_MM`, see
        :func:`drillable`) are drilled by a second operation after the end mill's, with a tool change; the
        end mill leaves them. A hole under a pocket the end mill cannot clear over it is not drilled (it is
        reported unreachable).
    drill_params : DrillParams, optional
        The drilling cycle; default a peck of one drill diameter at ``plunge_feed_mm_min``.
    skip_holes_for : sequence of Tool
        Drills of later operations (a job file): the holes they make are left by this one.
    material_above_cleared : bool
        When ``tool`` itself is a drill (a drilling operation alone): earlier operations have cleared the
        pockets above the holes. Without it only holes open to the stock top are drilled; the others are
        reported unreachable.
    rest_after : Tool, optional
        Rest machining: a larger end mill has cleared the part before (an earlier operation); ``tool``
        clears only what that one left and ``tool`` can reach (:func:`toolpath.strategies.rest.rest_clearing`,
        offset loops clipped to the rest; ``strategy`` must be ``"offset"``). Holes the larger tool fits are
        left (it bored or cleared them).

    gap_mm : float, optional
        A 2D drawing whose contours do not quite meet: gaps between their ends up to this width are closed
        with straight lines, mm (default: only gaps within the 0.01 mm drawing tolerance).
    layers, exclude_layers : str or sequence of str, optional
        A DXF or SVG drawing: read only the entities on these layers (DXF layers, Inkscape layers) / leave those
        on these out (names compared case-insensitively). Drawings often keep outlines that cross on layers of
        their own.
    terrace_mm : float, optional
        A solid: z-level roughing over sloped and curved faces facing the tool (a dome, a drafted wall, a
        large fillet): the bands over them are halved down to terraces this high while a band would leave more
        than 0.1 % of the volume to remove (:func:`toolpath.geometry.slicing.slice_part`), mm. Default the
        smaller of the stepdown and 0.25 mm; 0: no terraces (the material over such a face stays up to the
        floor above it).

    With a drill as ``tool`` the call makes one drilling operation and ``strategy``, ``stepover`` and the
    clearing options are not used.
    """
    name = "drill" if tool.kind.value == "drill" else str(strategy).lower()
    if drill is not None and (not isinstance(drill, Tool) or drill.kind.value != "drill"):
        raise InputError(f"drill must be a drill (Tool.drill(D)), got {drill!r}")
    if drill is not None and drill.number == tool.number:
        raise InputError(f"the drill and the end mill need different tool numbers, both are T{tool.number}")
    if name in ("drill", *DRAWING_STRATEGIES):
        pass
    elif name not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; accepted: {', '.join((*STRATEGIES, *DRAWING_STRATEGIES))}")
    if name in STRATEGIES and STRATEGIES[name] is None:
        built = ", ".join(k for k, v in STRATEGIES.items() if v)
        raise InputError(f"strategy {strategy!r} is not available yet; available: {built}")
    if name == "adaptive":
        # options of the offset/zigzag loops adaptive clearing has no use for: refused, not ignored
        unused = [(flag, v) for flag, v, default in (("entry", entry, "helix"), ("order", order, "outside-in"),
                                                    ("corner_radius_mm", corner_radius_mm, 0.0),
                                                    ("spring_pass", spring_pass, False)) if v != default]
        if unused:
            flag, v = unused[0]
            raise InputError(f"adaptive clearing does not take {flag}={v!r} (it enters by helix, plunging where "
                             "none fits, and its passes hold the engagement instead of following offset loops); "
                             "accepted with it: stepover, stepdown, axial_stock_mm, floor_pass_mm")
    if rest_after is not None:
        if not isinstance(rest_after, Tool) or rest_after.kind.value == "drill":
            raise InputError(f"rest_after must be the end mill of an earlier operation (a Tool), got {rest_after!r}")
        if name != "offset":
            raise InputError(f"rest machining runs the offset strategy; got strategy {strategy!r} (use \"offset\")")
        if not rest_after.radius_mm > tool.radius_mm:
            raise InputError(f"rest machining needs a tool smaller than the earlier one: D{tool.diameter_mm:g} is "
                             f"not smaller than D{rest_after.diameter_mm:g} mm")
    if isinstance(part, (str, os.PathLike)):
        path = Path(part)
        if not path.is_file():
            raise FileFormatError(f"part file {str(path)!r} does not exist")
        if path.suffix.lower() not in (".step", ".stp", ".dxf", ".svg"):
            raise FileFormatError(f"part file {str(path)!r}: accepted formats are .step, .stp, .dxf, .svg")
    from .geometry.drawing import is_drawing

    drawing = is_drawing(part)
    if drawing and depth_mm is None:
        raise InputError("depth_mm (--depth) is required for a 2D drawing (DXF, SVG or shapely polygons): "
                         "how deep to cut from z = 0, mm")
    if not drawing and depth_mm is not None:
        raise InputError(f"depth_mm (--depth) applies to 2D drawings (DXF, SVG, shapely), got {depth_mm!r} "
                         "for a solid")
    if gap_mm is not None and not drawing:
        raise InputError(f"gap_mm (--close-gaps) applies to 2D drawings (DXF, SVG), got {gap_mm!r} for a solid")
    read_kw: dict[str, Any] = {"gap_mm": gap_mm, "layers": layers, "exclude_layers": exclude_layers}
    from .geometry.drawing import require_layered_file

    require_layered_file(part, layers, exclude_layers)
    if drawing and setup != "+Z":
        raise InputError(f"a 2D drawing is cut from +Z only, got setup {setup!r}")
    step = parse_stepover(stepover, tool) if name != "drill" else tool.diameter_mm
    sd = tool.diameter_mm / 2.0 if stepdown_mm is None else float(stepdown_mm)
    if not (sd > 0):
        raise InputError(f"stepdown must be > 0 mm, got {stepdown_mm!r}")
    sd = min(sd, float(tool.flute_length_mm))  # type: ignore[arg-type]
    terrace = min(sd, TERRACE_MM) if terrace_mm is None else float(terrace_mm)
    if not (0 <= terrace < math.inf):
        raise InputError(f"terrace_mm must be a height >= 0 mm (0: no terraces), got {terrace_mm!r}")
    if not (clearance_mm > 0):
        raise InputError(f"clearance must be > 0 mm, got {clearance_mm!r}")
    from .geometry.slicing import slice_part

    t0 = time.perf_counter()
    if name == "engrave":
        if not drawing:
            raise InputError("engraving follows the curves of a 2D drawing (DXF, SVG or shapely polygons); "
                             f"got a solid {part!r}: use offset, zigzag, adaptive or profile")
        return _engrave(part, tool, depth_mm, sd, stock, feed_mm_min, plunge_feed_mm_min, spindle_rpm, coolant,
                        clearance_mm, read_kw, t0)  # type: ignore[arg-type]
    if drawing:
        from .geometry.drawing import drawing_pockets, load_drawing

        sliced = drawing_pockets(load_drawing(part, **read_kw), depth_mm=depth_mm, stock=stock)  # type: ignore[arg-type]
    else:
        sliced = slice_part(part, setup=setup, stock=stock, terrace_mm=terrace or None)
    t1 = time.perf_counter()
    clearance_z = sliced.stock.z_top_mm + clearance_mm
    x0, y0, _, _ = sliced.stock.footprint.bounds
    program_name = Path(str(part)).stem if isinstance(part, (str, os.PathLike)) else "part"
    dparams = drill_params or DrillParams(feed_mm_min=plunge_feed_mm_min,
                                          peck_mm=(drill or tool).diameter_mm, retract_mm=1.0)
    if name == "drill":
        return _drill_only(sliced, tool, dparams, clearance_z, t0, t1, program_name, spindle_rpm, coolant,
                           material_above_cleared)
    kw = {"stepover_mm": step, "stepdown_mm": sd, "feed_mm_min": feed_mm_min, "plunge_feed_mm_min": plunge_feed_mm_min}
    more: dict[str, Any] = {"entry": entry, "axial_stock_mm": float(axial_stock_mm),
                            "floor_pass_mm": float(floor_pass_mm), "spring_pass": bool(spring_pass)}
    plans: list[Any] | None = None
    profile_entries: list[dict[str, Any]] | None = None
    if name == "zigzag":
        from .strategies.zigzag import ZigzagParams, clear_pockets_zigzag

        params: Any = ZigzagParams(**kw, **more)
        clear: Any = clear_pockets_zigzag
        plans = []
    elif name == "adaptive":
        from .strategies.adaptive import AdaptiveParams, clear_pockets_adaptive

        kw["stepover_mm"] = min(step, 0.999 * tool.diameter_mm)  # the target angle needs ae < D
        params = AdaptiveParams(**kw, axial_stock_mm=float(axial_stock_mm), floor_pass_mm=float(floor_pass_mm))
        params.validate(tool)
        clear = clear_pockets_adaptive
    elif name == "profile":
        from .strategies.profile import ProfileParams, profile_pockets

        params = ProfileParams(stepdown_mm=sd, feed_mm_min=feed_mm_min, plunge_feed_mm_min=plunge_feed_mm_min,
                               axial_stock_mm=float(axial_stock_mm), spring_pass=bool(spring_pass))
        params.validate(tool)
        profile_entries = []

        def clear(pockets: list[Any], t: Tool, prm: Any, *, clearance_z_mm: float) -> Any:
            return profile_pockets(pockets, t, prm, clearance_z_mm=clearance_z_mm, entries=profile_entries)
    else:
        params = OffsetParams(**kw, **more, order=order, corner_radius_mm=float(corner_radius_mm))  # type: ignore[arg-type]
        clear = clear_pockets
        plans = []
        if rest_after is not None:
            from .strategies.rest import rest_clearing

            def clear(pockets: list[Any], t: Tool, prm: Any, *, clearance_z_mm: float, plans: Any = None) -> Any:
                return rest_clearing(pockets, t, rest_after, prm, clearance_z_mm=clearance_z_mm)
    if plans is not None:
        try:
            params.validate(tool)
            ClearingOrder(order)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    # the strategy's Numba kernels compile (or load from the cache) on a tiny pocket first, so that
    # generation_time_s is path generation alone, as the JSON contract says; compile time is reported apart
    d = tool.diameter_mm
    clear([Pocket(box(0.0, 0.0, 4.0 * d, 3.0 * d), 0.0, -min(sd, 1.0))], tool, params, clearance_z_mm=5.0)
    if profile_entries is not None:
        profile_entries.clear()
    t2 = time.perf_counter()
    from .strategies.linking import clearing_progress

    unreachable: list[dict[str, Any]] = []
    skip = [h for t in skip_holes_for for h in drillable(sliced.pockets, t)]
    drilled: list[Any] = []
    if drill is not None:
        for h in drillable(sliced.pockets, drill):
            if _above_cleared(h, sliced.pockets, tool, skip):
                drilled.append(h)
            else:
                unreachable.append({"where": _where(h), "reason": f"hole D{h.hole_diameter_mm:g} lies under "
                                    f"material the D{tool.diameter_mm:g} end mill cannot clear: not drilled"})
    left_out = skip + drilled
    rest = [p for p in sliced.pockets if not any(p is q for q in left_out)]
    holes = _boreable(rest, tool) if bore_holes else []
    if rest_after is not None:  # the larger tool bored (or cleared) the holes it fits: nothing left in them
        done = _boreable(rest, rest_after)
        holes = [h for h in holes if not any(h is q for q in done)]
        rest = [p for p in rest if not any(p is q for q in done)]
    others = [p for p in rest if not any(p is h for h in holes)]
    tp = Toolpath.empty()
    if others or not (holes or left_out):
        try:
            with clearing_progress(progress):
                if plans is not None:
                    tp, found = clear(others, tool, params, clearance_z_mm=clearance_z, plans=plans)
                else:
                    tp, found = clear(others, tool, params, clearance_z_mm=clearance_z)
            unreachable += found
        except UnreachableError as exc:
            if not (holes or drilled):  # the tool fits nowhere
                raise
            unreachable += [{"where": _where(p), "reason": str(exc)} for p in others]
    if holes:
        bore = BoreParams(feed_mm_min=feed_mm_min, stepdown_mm=sd, stepover_mm=step, spring_pass=bool(spring_pass),
                          axial_stock_mm=float(axial_stock_mm))
        tp_holes, _ = make_holes(holes, tool, bore=bore, clearance_z_mm=clearance_z)
        tp = Toolpath.concat([tp, tp_holes])
    label = f"{name} clearing D{tool.diameter_mm:g}" if rest_after is None else \
        f"{name} rest D{tool.diameter_mm:g} after D{rest_after.diameter_mm:g}"
    ops = [Operation(tool, tp, spindle_rpm=spindle_rpm, coolant=coolant, name=label)]
    if drilled:
        tp_drill, _ = make_holes(drilled, drill, drill=dparams, clearance_z_mm=clearance_z)  # type: ignore[arg-type]
        op_d = Operation(drill, tp_drill, spindle_rpm=spindle_rpm, coolant=coolant,  # type: ignore[arg-type]
                         name=f"drill T{drill.number} D{drill.diameter_mm:g}")  # type: ignore[union-attr]
        ops = [op_d] if not len(tp) else [*ops, op_d]
    gen = time.perf_counter() - t2
    extra: dict[str, Any] = {"slicing_time_s": t1 - t0, "compile_time_s": t2 - t1, "holes_bored": len(holes),
                             "holes_drilled": len(drilled)}
    if plans is not None:
        extra["entries"] = summarize_entries(plans)
    if profile_entries is not None:
        extra["entries"] = {k: sum(1 for e in profile_entries if e["kind"] == k)
                            for k in sorted({e["kind"] for e in profile_entries})}
    program = Program(tuple(ops), name=program_name, clearance_z_mm=clearance_z, start_xyz=(x0, y0, clearance_z))
    return MillResult(program, sliced.pockets, sliced.levels_mm, sliced.unreachable + unreachable,
                      sliced.stock, gen, sliced.part_volume_mm3, extra)


def _engrave(part: Any, tool: Tool, depth_mm: float, sd: float, stock: Stock | None, feed_mm_min: float,
             plunge_feed_mm_min: float, spindle_rpm: float, coolant: Coolant, clearance_mm: float,
             read_kw: dict[str, Any], t0: float) -> MillResult:
    """Engrave the curves of a drawing (see :func:`mill`, strategy ``"engrave"``)."""
    import numpy as np

    from .geometry.drawing import load_curves
    from .geometry.slicing import polygons_of
    from .strategies.engrave import EngraveParams, engrave_curves

    if isinstance(part, (str, os.PathLike)):
        curves = load_curves(part, **read_kw)
    else:
        curves = [np.asarray(r.coords)[:, :2] for p in polygons_of(part) for r in (p.exterior, *p.interiors)]
    if not curves:
        raise InputError(f"the drawing {part!r} holds no curve to engrave")
    r = tool.radius_mm
    allxy = np.vstack(curves)
    (x0, y0), (x1, y1) = allxy.min(axis=0) - r - 1.0, allxy.max(axis=0) + r + 1.0
    st = stock or Stock.box(float(x0), float(y0), -2.0 * depth_mm, float(x1), float(y1), 0.0)
    params = EngraveParams(depth_mm=depth_mm, stepdown_mm=sd, feed_mm_min=feed_mm_min,
                           plunge_feed_mm_min=plunge_feed_mm_min)
    t1 = time.perf_counter()
    ring = np.c_[np.cos(np.linspace(0, 2 * np.pi, 9)), np.sin(np.linspace(0, 2 * np.pi, 9))]
    engrave_curves([ring], tool, params, clearance_z_mm=1.0)  # arc fitting's kernels compiled or loaded first
    t2 = time.perf_counter()
    sx, sy = st.footprint.bounds[:2]
    clearance_z = st.z_top_mm + clearance_mm
    tp = engrave_curves(curves, tool, params, z_top_mm=st.z_top_mm, clearance_z_mm=clearance_z, start_xy=(sx, sy))
    op = Operation(tool, tp, spindle_rpm=spindle_rpm, coolant=coolant, name=f"engrave D{tool.diameter_mm:g}")
    name = Path(str(part)).stem if isinstance(part, (str, os.PathLike)) else "part"
    program = Program((op,), name=name, clearance_z_mm=clearance_z, start_xyz=(sx, sy, clearance_z))
    extra = {"slicing_time_s": t1 - t0, "compile_time_s": t2 - t1, "holes_bored": 0, "holes_drilled": 0,
             "curves": len(curves), "closed_curves": sum(1 for c in curves if len(c) >= 4 and
                                                         bool(np.hypot(*(c[-1] - c[0])) < 1e-9))}
    return MillResult(program, [], [st.z_top_mm - depth_mm], [], st, time.perf_counter() - t2, 0.0, extra)


def _drill_only(sliced: Any, drill: Tool, params: DrillParams, clearance_z: float, t0: float, t1: float,
                program_name: str, spindle_rpm: float, coolant: Coolant, above_cleared: bool) -> MillResult:
    """A drilling operation alone: the holes of the drill's diameter (see :func:`mill`)."""
    t2 = time.perf_counter()
    unreachable: list[dict[str, Any]] = []
    holes = []
    top = sliced.stock.z_top_mm
    for h in drillable(sliced.pockets, drill):
        covered = any(p is not h and p.z_bottom_mm >= h.z_top_mm - 1e-6 and p.region.intersection(h.region).area
                      > 1e-9 for p in sliced.pockets)
        if covered and not above_cleared:
            unreachable.append({"where": _where(h), "reason": f"hole D{h.hole_diameter_mm:g} at z {h.z_top_mm:g} "
                                f"(stock top {top:g}) lies under material no earlier operation cleared: not drilled"})
        else:
            holes.append(h)
    if not holes:
        raise UnreachableError(f"no round hole of the drill's diameter {drill.diameter_mm:g} mm (within "
                               f"{DRILL_MATCH_MM:g} mm) can be drilled"
                               + (f"; {len(unreachable)} lie under uncleared material" if unreachable else ""))
    tp, _ = make_holes(holes, drill, drill=params, clearance_z_mm=clearance_z)
    op = Operation(drill, tp, spindle_rpm=spindle_rpm, coolant=coolant,
                   name=f"drill T{drill.number} D{drill.diameter_mm:g}")
    x0, y0, _, _ = sliced.stock.footprint.bounds
    program = Program((op,), name=program_name, clearance_z_mm=clearance_z, start_xyz=(x0, y0, clearance_z))
    extra = {"slicing_time_s": t1 - t0, "compile_time_s": 0.0, "holes_bored": 0, "holes_drilled": len(holes)}
    return MillResult(program, sliced.pockets, sliced.levels_mm, sliced.unreachable + unreachable, sliced.stock,
                      time.perf_counter() - t2, sliced.part_volume_mm3, extra)
