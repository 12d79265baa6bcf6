"""Parameters, plan segments and plan of adaptive clearing (:mod:`toolpath.strategies.adaptive`); units mm,
degrees and mm/min."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..enums import Direction
from ..errors import InputError
from ..tool import Tool
from .cutting import check_stepdown_and_feeds

__all__ = ["AdaptiveParams", "Segment", "AdaptivePlan", "target_engagement_deg"]


def target_engagement_deg(stepover_mm: float, radius_mm: float) -> float:
    """Engagement angle of a straight side cut, degrees: ``arccos(1 - ae / R)`` (180 beyond a full slot)."""
    if stepover_mm >= 2.0 * radius_mm:
        return 180.0
    return math.degrees(math.acos(1.0 - stepover_mm / radius_mm))


@dataclass(frozen=True, slots=True)
class AdaptiveParams:
    """Parameters of adaptive clearing.

    Parameters
    ----------
    stepdown_mm : float
        Largest axial cut, mm (> 0); the depth is split into even steps.
    stepover_mm : float or None
        Radial width of cut of a straight side cut, mm, in (0, tool diameter); sets the target angle.
    engagement_deg : float or None
        Target engagement angle, degrees, in (0, 180); overrides ``stepover_mm``. One of the two is needed.
    max_engagement_deg : float or None
        Largest engagement a step may take, degrees; default 1.15 x target (at most 90).
    stock_to_leave_mm : float
        Material left on walls (and on the floor unless ``axial_stock_mm`` is given), mm (>= 0).
    axial_stock_mm : float or None
        Material left on the floor, mm (>= 0); default ``stock_to_leave_mm``.
    floor_pass_mm : float
        Thickness of a last level at the floor after the even stepdowns, mm (0: none; at most the stepdown):
        the 2D plan cut once more with a thin axial cut, to leave a clean floor.
    feed_mm_min, plunge_feed_mm_min : float
        Cutting feed and feed of vertical moves and helices, mm/min.
    helix_angle_deg : float
        Descent angle of the helix entry, degrees, in (0, 90].
    helix_radius_fraction : float
        Helix radius as a fraction of the tool radius, in (0, 1].
    direction : Direction
        Climb (default: material on the right of the tool) or conventional.
    finish : bool
        Cut a finishing loop along the walls at each level.
    fit_arcs : bool
        Write passes and finishing loops with arcs (G2/G3) where they are circular (default), not only lines.
    chip_thinning : bool
        Scale each pass's feed by ``sin(target) / sin(engagement)`` (at most 2x) where it cuts less.
    tolerance_mm : float
        Extra clearance from walls and simplification tolerance of the passes, mm.
    cell_mm : float or None
        Raster cell, mm; default ``min(ae / 4, R / 12)``.
    clearance_z_mm : float or None
        Not used by the pocket functions (they take ``clearance_z_mm``); kept for job files.
    """

    stepdown_mm: float
    stepover_mm: float | None = None
    engagement_deg: float | None = None
    max_engagement_deg: float | None = None
    stock_to_leave_mm: float = 0.0
    axial_stock_mm: float | None = None
    floor_pass_mm: float = 0.0
    feed_mm_min: float = 1000.0
    plunge_feed_mm_min: float = 300.0
    helix_angle_deg: float = 3.0
    helix_radius_fraction: float = 0.5
    direction: Direction = Direction.CLIMB
    finish: bool = True
    fit_arcs: bool = True
    chip_thinning: bool = False
    tolerance_mm: float = 0.005
    cell_mm: float | None = None
    clearance_z_mm: float | None = None

    @property
    def floor_stock_mm(self) -> float:
        """Material left on the floor, mm (``axial_stock_mm``, else ``stock_to_leave_mm``)."""
        return self.stock_to_leave_mm if self.axial_stock_mm is None else self.axial_stock_mm

    def target_deg(self, tool: Tool) -> float:
        """Target engagement angle, degrees."""
        if self.engagement_deg is not None:
            return float(self.engagement_deg)
        assert self.stepover_mm is not None  # validated
        return target_engagement_deg(self.stepover_mm, tool.radius_mm)

    def max_deg(self, tool: Tool) -> float:
        """Largest engagement of a step, degrees."""
        if self.max_engagement_deg is not None:
            return float(self.max_engagement_deg)
        return min(90.0, 1.15 * self.target_deg(tool))

    def stepover_of(self, tool: Tool) -> float:
        """Radial width of cut matching the target angle, mm."""
        return tool.radius_mm * (1.0 - math.cos(math.radians(min(self.target_deg(tool), 180.0))))

    def validate(self, tool: Tool) -> None:
        """Raise :class:`InputError` naming the first bad value."""
        if self.stepover_mm is None and self.engagement_deg is None:
            raise InputError("adaptive clearing needs stepover_mm or engagement_deg")
        if self.stepover_mm is not None and not (0 < self.stepover_mm < tool.diameter_mm):
            raise InputError(
                f"stepover_mm must be in (0, tool diameter {tool.diameter_mm:g}), got {self.stepover_mm!r}"
            )
        if self.engagement_deg is not None and not (0 < self.engagement_deg < 180):
            raise InputError(f"engagement_deg must be in (0, 180), got {self.engagement_deg!r}")
        if self.max_engagement_deg is not None and not (self.target_deg(tool) <= self.max_engagement_deg <= 180):
            raise InputError(f"max_engagement_deg must be in [target, 180], got {self.max_engagement_deg!r}")
        check_stepdown_and_feeds(self)
        if not (0 < self.helix_angle_deg <= 90):
            raise InputError(f"helix_angle_deg must be in (0, 90], got {self.helix_angle_deg!r}")
        if not (0 < self.helix_radius_fraction <= 1):
            raise InputError(f"helix_radius_fraction must be in (0, 1], got {self.helix_radius_fraction!r}")
        if not (0 <= self.stock_to_leave_mm < tool.diameter_mm):
            raise InputError(f"stock_to_leave_mm must be in [0, {tool.diameter_mm:g}), got {self.stock_to_leave_mm!r}")
        if self.axial_stock_mm is not None and not (self.axial_stock_mm >= 0 and math.isfinite(self.axial_stock_mm)):
            raise InputError(f"axial_stock_mm must be >= 0 (or None: stock_to_leave_mm), got {self.axial_stock_mm!r}")
        if not (0 <= self.floor_pass_mm <= self.stepdown_mm):
            raise InputError(
                f"floor_pass_mm must be in [0, stepdown {self.stepdown_mm:g}] mm, got {self.floor_pass_mm!r}"
            )
        if not (self.tolerance_mm >= 0):
            raise InputError(f"tolerance_mm must be >= 0, got {self.tolerance_mm!r}")
        if self.cell_mm is not None and not (self.cell_mm > 0):
            raise InputError(f"cell_mm must be > 0, got {self.cell_mm!r}")


@dataclass
class Segment:
    """One piece of the 2D plan.

    ``kind`` is ``"helix"`` (``xy`` = centre, ``radius_mm``), ``"plunge"`` (``xy`` one point), ``"pass"``
    (``xy`` (M, 2) polyline, ``feed_scale`` (M-1,) or None), ``"finish"`` (closed ring), ``"slot"`` (``xy``
    one point, reached at half feed) or ``"troch"`` (trochoidal: full circles of ``radius_mm`` whose centres
    advance by ``pitch_mm`` from ``xy[0]`` to ``xy[1]``, ``xy[2]`` the unit direction; each circle starts
    and ends at the point behind its centre; ``circles`` steps between them when given). ``link`` says how
    the tool reaches the start from the previous segment's end: ``"stay"`` (cut at depth) or ``"retract"``.
    ``slotting`` marks a finishing piece or trochoid cut at half feed and reported as slotting.
    """

    kind: str
    xy: NDArray[np.float64]
    link: str = "retract"
    radius_mm: float = 0.0
    feed_scale: NDArray[np.float64] | None = None
    pitch_mm: float = 0.0
    slotting: bool = False  # a finishing piece or trochoid the raster says exceeds the maximum: half feed, reported
    circles: int | None = None  # trochoid: circle steps from xy[0] to xy[1] (None: as many as the pitch needs)

    def _back(self) -> NDArray[np.float64]:
        """Trochoid: the offset from a circle's centre to its start point (behind it, ``radius_mm`` long)."""
        d = self.xy[2]
        return -self.radius_mm * d

    @property
    def start(self) -> NDArray[np.float64]:
        """Where the segment starts in XY, mm."""
        if self.kind == "helix":
            return self.xy + np.array([self.radius_mm, 0.0])
        if self.kind == "troch":
            return self.xy[0] + self._back()
        return self.xy if self.xy.ndim == 1 else self.xy[0]

    @property
    def end(self) -> NDArray[np.float64]:
        """Where it ends in XY, mm."""
        if self.kind == "helix":
            return self.start
        if self.kind == "troch":
            return self.xy[1] + self._back()
        return self.xy if self.xy.ndim == 1 else self.xy[-1]


@dataclass
class AdaptivePlan:
    """The 2D plan of one pocket and what was found while making it."""

    segments: list[Segment]
    centres: Any
    unreachable: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_area_mm2: float = 0.0
    generation_time_s: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)
    cell_mm: float = 0.0
    #: radius to which the last finishing loop rounds the inside corners of its path, mm: those corners of the
    #: walls are left at the tool's radius plus this (a sliver; see :func:`finish_loops`)
    finish_corner_radius_mm: float = 0.0
