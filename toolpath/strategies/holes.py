"""Round holes found by slicing (``Pocket.hole_diameter_mm``): drilling with a drill, helical boring with
an end mill.

Drilling (:func:`drill_hole`) is written as plain moves -- rapid above the hole, feed down one peck,
rapid out to the retract plane, rapid back down to just above the depth reached, next peck, ... -- so
every dialect gets it; turning it into a canned cycle is the G-code writer's business.

Helical boring (:func:`helical_bore`) descends on a helix (two half-circle arcs per turn, pitch from the
helix angle, at most the stepdown per turn), runs one full circle on the floor (and a spring pass if
asked), then leaves the wall by a quarter-circle lead-out arc. A hole wider than twice the tool
is bored with several concentric helices, inside out, at most one stepover apart. Climb milling inside
a hole (clockwise spindle) runs counter-clockwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import Point

from ..enums import Direction, ToolKind
from ..errors import InputError, ToolError
from ..moves import Toolpath, ToolpathBuilder
from ..pocket import Pocket
from ..tool import Tool

__all__ = ["DrillParams", "BoreParams", "drill_hole", "helical_bore", "make_holes"]


@dataclass(frozen=True, slots=True)
class DrillParams:
    """Drilling cycle.

    Parameters
    ----------
    feed_mm_min : float
        Feed of the drill, mm/min (> 0).
    peck_mm : float or None
        Depth of each peck, mm (> 0); ``None`` drills in one go.
    retract_mm : float
        Height of the retract plane above the hole's top, mm (> 0).
    through_tip : bool
        For a through hole, go deeper by the drill's point length so the full diameter breaks through.
    """

    feed_mm_min: float = 200.0
    peck_mm: float | None = None
    retract_mm: float = 1.0
    through_tip: bool = True

    def validate(self) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if not (self.feed_mm_min > 0 and math.isfinite(self.feed_mm_min)):
            raise InputError(f"feed_mm_min must be > 0, got {self.feed_mm_min!r}")
        if self.peck_mm is not None and not (self.peck_mm > 0 and math.isfinite(self.peck_mm)):
            raise InputError(f"peck_mm must be > 0 or None, got {self.peck_mm!r}")
        if not (self.retract_mm > 0):
            raise InputError(f"retract_mm must be > 0, got {self.retract_mm!r}")


@dataclass(frozen=True, slots=True)
class BoreParams:
    """Helical boring.

    Parameters
    ----------
    feed_mm_min : float
        Cutting feed, mm/min.
    helix_angle_deg : float
        Angle of the helix, degrees, in (0, 45].
    stepdown_mm : float
        Largest drop per turn, mm.
    stepover_mm : float
        Largest radial step between concentric helices, mm.
    radial_stock_mm, axial_stock_mm : float
        Stock left on the wall and on the floor, mm (>= 0).
    direction : Direction
        Climb (counter-clockwise in a hole) or conventional.
    spring_pass : bool
        Repeat the final floor circle once.
    """

    feed_mm_min: float = 800.0
    helix_angle_deg: float = 3.0
    stepdown_mm: float = 1.0
    stepover_mm: float = 2.0
    radial_stock_mm: float = 0.0
    axial_stock_mm: float = 0.0
    direction: Direction = Direction.CLIMB
    spring_pass: bool = False

    def validate(self) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        for name in ("feed_mm_min", "stepdown_mm", "stepover_mm"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise InputError(f"{name} must be > 0, got {v!r}")
        if not (0 < self.helix_angle_deg <= 45):
            raise InputError(f"helix_angle_deg must be in (0, 45], got {self.helix_angle_deg!r}")
        for name in ("radial_stock_mm", "axial_stock_mm"):
            if not (getattr(self, name) >= 0):
                raise InputError(f"{name} must be >= 0, got {getattr(self, name)!r}")


def _hole(pocket: Pocket) -> tuple[float, float, float]:
    if pocket.hole_diameter_mm is None:
        raise InputError(f"pocket at {pocket.region.bounds} is not a round hole (hole_diameter_mm is None)")
    c = pocket.region.centroid
    return c.x, c.y, float(pocket.hole_diameter_mm)


def drill_hole(
    pocket: Pocket, tool: Tool, params: DrillParams, *, builder: ToolpathBuilder | None = None, clearance_z_mm: float
) -> ToolpathBuilder:
    """Append a (peck) drilling cycle of the round hole ``pocket`` with drill ``tool``.

    Raises
    ------
    ToolError
        When ``tool`` is not a drill or its diameter differs from the hole's by more than 0.05 mm.
    """
    params.validate()
    x, y, dia = _hole(pocket)
    if tool.kind is not ToolKind.DRILL:
        raise ToolError(f"drilling needs a drill, got a {tool.kind.value} tool")
    if abs(tool.diameter_mm - dia) > 0.05:
        raise ToolError(f"drill diameter {tool.diameter_mm:g} mm does not match the hole's {dia:g} mm")
    b = builder if builder is not None else ToolpathBuilder()
    bottom = pocket.z_bottom_mm
    if pocket.through and params.through_tip:
        bottom -= tool.radius_mm / math.tan(math.radians(tool.tip_angle_deg / 2))
    r_plane = pocket.z_top_mm + params.retract_mm
    p = b.position
    if p is not None and p[2] < clearance_z_mm - 1e-9:
        b.rapid(p[0], p[1], clearance_z_mm)
    b.rapid(x, y, clearance_z_mm)
    b.rapid(x, y, r_plane)
    peck = params.peck_mm or (r_plane - bottom)
    z = pocket.z_top_mm
    while z > bottom + 1e-9:
        z_next = max(bottom, z - peck)
        if z < pocket.z_top_mm:  # back down to just above the depth reached
            b.rapid(x, y, min(r_plane, z + 0.5))
        b.feed(x, y, z_next, params.feed_mm_min)
        z = z_next
        if z > bottom + 1e-9:
            b.rapid(x, y, r_plane)
    b.rapid(x, y, clearance_z_mm)
    return b


def _circle(b: ToolpathBuilder, cx: float, cy: float, rad: float, z0: float, z1: float, ccw: bool, f: float) -> None:
    """One turn from (cx + rad, cy) as two half arcs, z going linearly from z0 to z1."""
    zm = 0.5 * (z0 + z1)
    b.arc(cx - rad, cy, zm, cx, cy, cw=not ccw, feed_mm_min=f)
    b.arc(cx + rad, cy, z1, cx, cy, cw=not ccw, feed_mm_min=f)


def helical_bore(
    pocket: Pocket, tool: Tool, params: BoreParams, *, builder: ToolpathBuilder | None = None, clearance_z_mm: float
) -> ToolpathBuilder:
    """Append the helical boring of the round hole ``pocket`` with end mill ``tool``.

    Raises
    ------
    ToolError
        When the tool is a drill or does not fit in the hole with the radial stock.
    """
    params.validate()
    cx, cy, dia = _hole(pocket)
    if tool.kind is ToolKind.DRILL:
        raise ToolError("helical boring needs an end mill, got a drill")
    r = tool.radius_mm
    # the wall is the region's boundary (a polygon inscribed in the circle): its distance from the centre
    wall = min(dia / 2, pocket.region.exterior.distance(Point(cx, cy)))
    big = wall - params.radial_stock_mm - r  # helix radius of the last (outer) pass
    if not (big > 1e-3):
        raise ToolError(f"tool diameter {tool.diameter_mm:g} mm does not fit a {dia:g} mm hole with "
                        f"{params.radial_stock_mm:g} mm radial stock")
    radii = [big]
    while radii[-1] > r * 0.95:  # the core of radius (radius - r) would be left: add an inner helix
        radii.append(max(radii[-1] - min(params.stepover_mm, 1.9 * r), 1e-3))
    radii = radii[::-1]
    ccw = Direction(params.direction) is Direction.CLIMB
    f = params.feed_mm_min
    bottom = pocket.z_bottom_mm + params.axial_stock_mm
    b = builder if builder is not None else ToolpathBuilder()
    for rad in radii:
        p = b.position
        if p is not None and p[2] < clearance_z_mm - 1e-9:
            b.rapid(p[0], p[1], clearance_z_mm)
        b.rapid(cx + rad, cy, clearance_z_mm)
        b.rapid(cx + rad, cy, pocket.z_top_mm + 1.0)
        b.feed(cx + rad, cy, pocket.z_top_mm, f)
        pitch = min(params.stepdown_mm, 2 * math.pi * rad * math.tan(math.radians(params.helix_angle_deg)))
        turns = max(1, math.ceil((pocket.z_top_mm - bottom) / pitch - 1e-9))
        for k in range(turns):
            z0 = pocket.z_top_mm - (pocket.z_top_mm - bottom) * k / turns
            z1 = pocket.z_top_mm - (pocket.z_top_mm - bottom) * (k + 1) / turns
            _circle(b, cx, cy, rad, z0, z1, ccw, f)
        _circle(b, cx, cy, rad, bottom, bottom, ccw, f)
        if params.spring_pass and rad == radii[-1]:
            _circle(b, cx, cy, rad, bottom, bottom, ccw, f)
        # lead-out: a quarter circle of half the helix radius towards the centre
        h = 0.5 * rad
        sy = 1.0 if ccw else -1.0
        b.arc(cx + h, cy + sy * h, bottom, cx + h, cy, cw=not ccw, feed_mm_min=f)
        b.rapid(cx + h, cy + sy * h, clearance_z_mm)
    return b


def make_holes(
    pockets: list[Pocket], tool: Tool, *, drill: DrillParams | None = None, bore: BoreParams | None = None,
    clearance_z_mm: float,
) -> tuple[Toolpath, list[Pocket]]:
    """Drill (drill ``tool``) or bore (end mill ``tool``) every round hole among ``pockets``.

    Returns
    -------
    toolpath : Toolpath
    done : list of Pocket
        The holes made; a drill makes only the holes of its diameter, an end mill those it fits in.
    """
    b = ToolpathBuilder()
    done: list[Pocket] = []
    for p in sorted(pockets, key=lambda q: -q.z_top_mm):
        if p.hole_diameter_mm is None:
            continue
        try:
            if tool.kind is ToolKind.DRILL:
                drill_hole(p, tool, drill or DrillParams(), builder=b, clearance_z_mm=clearance_z_mm)
            else:
                helical_bore(p, tool, bore or BoreParams(), builder=b, clearance_z_mm=clearance_z_mm)
        except ToolError:
            continue
        done.append(p)
    return b.build(), done

