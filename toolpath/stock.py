"""Raw material (stock) the part is cut from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, Polygon, box

from .errors import InputError

__all__ = ["Stock"]


@dataclass(frozen=True, slots=True)
class Stock:
    """A prismatic block of material: a footprint extruded from ``z_bottom_mm`` to ``z_top_mm``.

    Parameters
    ----------
    footprint : shapely Polygon
        Outline seen from the tool (+Z), mm.
    z_bottom_mm, z_top_mm : float
        Bottom and top of the material in mm, ``z_bottom_mm < z_top_mm``.
    """

    footprint: Polygon
    z_bottom_mm: float
    z_top_mm: float

    def __post_init__(self) -> None:
        if not isinstance(self.footprint, Polygon) or self.footprint.is_empty:
            raise InputError(f"stock footprint must be a non-empty Polygon, got {self.footprint!r}")
        if not self.footprint.is_valid:
            raise InputError(f"stock footprint is invalid: {shapely.is_valid_reason(self.footprint)}")
        zb, zt = float(self.z_bottom_mm), float(self.z_top_mm)
        if not (math.isfinite(zb) and math.isfinite(zt) and zb < zt):
            raise InputError(f"stock needs z_bottom_mm < z_top_mm, got {zb!r} and {zt!r}")
        object.__setattr__(self, "z_bottom_mm", zb)
        object.__setattr__(self, "z_top_mm", zt)

    @classmethod
    def box(
        cls,
        xmin: float,
        ymin: float,
        zmin: float,
        xmax: float,
        ymax: float,
        zmax: float,
    ) -> Stock:
        """An axis-aligned block from its corners, mm."""
        if not (xmin < xmax and ymin < ymax):
            raise InputError(f"stock box needs xmin < xmax and ymin < ymax, got {(xmin, ymin, xmax, ymax)}")
        return cls(box(xmin, ymin, xmax, ymax), zmin, zmax)

    @classmethod
    def cylinder(
        cls, cx: float, cy: float, radius_mm: float, zmin: float, zmax: float, *, tolerance_mm: float = 0.01
    ) -> Stock:
        """A round bar standing on Z, its outline a polygon circumscribing the circle."""
        if not radius_mm > 0:
            raise InputError(f"cylinder radius_mm must be > 0, got {radius_mm!r}")
        n = max(16, int(math.ceil(math.pi / math.acos(max(-1.0, 1 - tolerance_mm / radius_mm)))))
        r_out = radius_mm / math.cos(math.pi / n)  # polygon circumscribes the true circle
        return cls(Point(cx, cy).buffer(r_out, quad_segs=max(4, n // 4)), zmin, zmax)

    @property
    def height_mm(self) -> float:
        """Thickness of the block in mm."""
        return self.z_top_mm - self.z_bottom_mm

    @property
    def volume_mm3(self) -> float:
        """Volume of the block in mm³."""
        return self.footprint.area * self.height_mm

    def grown(self, allowance_mm: float) -> Stock:
        """A stock grown by ``allowance_mm`` on the sides and top (not below)."""
        return Stock(
            self.footprint.buffer(allowance_mm, join_style="mitre"),
            self.z_bottom_mm,
            self.z_top_mm + allowance_mm,
        )
