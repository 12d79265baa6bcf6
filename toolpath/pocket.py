"""A 2.5D pocket: a planar region cleared from one height down to a floor."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .errors import GeometryError

__all__ = ["Pocket"]

#: Grid (mm) that coordinates closer to zero than itself are snapped to. GEOS's robust predicates
#: overflow to NaN on products of coordinates like 1e-214; a nanometre is far below any machining
#: tolerance.
_GRID_MM = 1e-9


def _has_tiny_coordinates(geom: BaseGeometry) -> bool:
    xy = shapely.get_coordinates(geom)
    small = (xy != 0.0) & (abs(xy) < _GRID_MM)
    return bool(small.any())


def _snap_region(region: Polygon) -> Polygon:
    """The region with sub-nanometre coordinates snapped to a 1 nm grid; a sliver it collapses is dropped.

    Raises
    ------
    GeometryError
        When snapping splits the region into parts of more than 1e-6 mm² each.
    """
    if not _has_tiny_coordinates(region):
        return region
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS's snapping trips numpy's flags, harmlessly
        snapped = shapely.set_precision(region, _GRID_MM)
    parts = sorted((g for g in getattr(snapped, "geoms", [snapped]) if isinstance(g, Polygon) and g.area > 0),
                   key=lambda g: -g.area)
    if not parts:
        raise GeometryError(f"pocket region collapses on a {_GRID_MM} mm grid near {region.bounds}")
    if len(parts) > 1 and parts[1].area > 1e-6:
        raise GeometryError(f"pocket region splits in {len(parts)} parts on a {_GRID_MM} mm grid near "
                            f"{parts[1].bounds}: pass each part as its own pocket")
    return parts[0]


@dataclass(frozen=True)
class Pocket:
    """One connected region to clear between two heights.

    Parameters
    ----------
    region : shapely Polygon
        The area whose material is removed, mm; its interior rings are islands
        (material left standing: bosses, or the walls of nothing below).
    z_top_mm : float
        Height of the material's top over the region before this pocket is cut.
    z_bottom_mm : float
        Height of the floor in mm, ``< z_top_mm``. For a through feature it lies
        below the stock bottom by the breakthrough allowance.
    open_edges : shapely MultiLineString
        Parts of the region's boundary on the stock boundary: the tool may
        approach from outside there, and no wall stands behind them.
    outside : shapely Polygon or MultiPolygon or None
        Material-free space outside the stock next to the open edges, where the
        tool may travel at this depth. ``None`` when there are no open edges.
    through : bool
        The floor is below the stock: the region goes through the part.
    hole_diameter_mm : float or None
        Set when the region is a round hole (a circle without islands) of that
        diameter, so it may be drilled or bored.
    """

    region: Polygon
    z_top_mm: float
    z_bottom_mm: float
    open_edges: MultiLineString = field(default_factory=MultiLineString)
    outside: Polygon | MultiPolygon | None = None
    through: bool = False
    hole_diameter_mm: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.region, Polygon):
            raise GeometryError(f"pocket region must be a shapely Polygon, got {type(self.region).__name__}")
        if self.region.is_empty or not self.region.area > 0:
            raise GeometryError(f"pocket region has zero area near {self.region.bounds}")
        if not self.region.is_valid:
            raise GeometryError(
                f"pocket region is invalid: {shapely.is_valid_reason(self.region)}"
            )
        object.__setattr__(self, "region", _snap_region(self.region))
        if self.outside is not None and _has_tiny_coordinates(self.outside):
            with np.errstate(divide="ignore", invalid="ignore"):
                object.__setattr__(self, "outside", shapely.set_precision(self.outside, _GRID_MM))
        zt, zb = float(self.z_top_mm), float(self.z_bottom_mm)
        if not (math.isfinite(zt) and math.isfinite(zb) and zb < zt):
            raise GeometryError(f"pocket needs z_bottom_mm < z_top_mm, got {zb!r} and {zt!r}")
        object.__setattr__(self, "z_top_mm", zt)
        object.__setattr__(self, "z_bottom_mm", zb)
        if not isinstance(self.open_edges, BaseGeometry):
            raise GeometryError(f"open_edges must be a shapely geometry, got {self.open_edges!r}")

    @property
    def depth_mm(self) -> float:
        """Depth of material removed, mm."""
        return self.z_top_mm - self.z_bottom_mm

    @property
    def islands(self) -> list[Polygon]:
        """Islands (interior rings) as polygons."""
        return [Polygon(r) for r in self.region.interiors]

    @property
    def volume_mm3(self) -> float:
        """Volume of the material this pocket removes, mm³."""
        return self.region.area * self.depth_mm

    @property
    def is_open(self) -> bool:
        """True when part of the boundary is open to the outside of the stock."""
        return not self.open_edges.is_empty and self.open_edges.length > 0

    def domain(self, reach_mm: float) -> Polygon | MultiPolygon:
        """Where the tool's body may be at this depth: the region plus the
        outside space within ``reach_mm`` of it across open edges, mm."""
        if self.outside is None or not self.is_open:
            return self.region
        near = self.outside.intersection(self.region.buffer(reach_mm))
        edges = self.open_edges.buffer(1e-6)
        parts = [g for g in getattr(near, "geoms", [near]) if not g.is_empty and g.intersects(edges)]
        if not parts:
            return self.region
        # a closing by 1 µm welds the region to the outside across the open edges: coordinates that
        # differ by rounding (1e-20 against 0) would otherwise leave a zero-width slit, a false wall
        merged = shapely.union_all([self.region, *parts])
        return merged.buffer(1e-6, join_style="mitre").buffer(-1e-6, join_style="mitre")
