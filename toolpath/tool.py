"""Cutting tools."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .enums import ToolKind
from .errors import ToolError

__all__ = ["Tool"]


def _positive(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ToolError(f"{name} must be a number > 0, got {value!r}") from None
    if not (v > 0 and math.isfinite(v)):  # also rejects NaN
        raise ToolError(f"{name} must be a finite number > 0, got {value!r}")
    return v


@dataclass(frozen=True, slots=True)
class Tool:
    """A rotating cutter.

    Parameters
    ----------
    diameter_mm : float
        Cutting diameter in mm, > 0.
    flutes : int
        Number of flutes, >= 1.
    flute_length_mm : float
        Length of the cutting flutes in mm; the deepest single cut (axial) a
        strategy may take. Defaults to three diameters.
    corner_radius_mm : float
        Corner radius in mm: 0 for a flat end mill, the radius for a ball
        (``diameter_mm / 2``) or bull nose (between the two).
    kind : ToolKind
        ``flat``, ``ball``, ``bull`` or ``drill``.
    number : int
        Tool number in the tool changer (T word), >= 1.
    tip_angle_deg : float
        Point angle of a drill in degrees (ignored for mills).
    """

    diameter_mm: float
    flutes: int = 2
    flute_length_mm: float | None = None
    corner_radius_mm: float = 0.0
    kind: ToolKind = ToolKind.FLAT
    number: int = 1
    tip_angle_deg: float = 118.0

    def __post_init__(self) -> None:
        d = _positive("diameter_mm", self.diameter_mm)
        object.__setattr__(self, "diameter_mm", d)
        if not isinstance(self.flutes, int) or isinstance(self.flutes, bool) or self.flutes < 1:
            raise ToolError(f"flutes must be an integer >= 1, got {self.flutes!r}")
        if not isinstance(self.number, int) or isinstance(self.number, bool) or self.number < 1:
            raise ToolError(f"number must be an integer >= 1, got {self.number!r}")
        fl = 3.0 * d if self.flute_length_mm is None else self.flute_length_mm
        object.__setattr__(self, "flute_length_mm", _positive("flute_length_mm", fl))
        try:
            kind = ToolKind(self.kind)
        except ValueError:
            accepted = ", ".join(k.value for k in ToolKind)
            raise ToolError(f"kind must be one of {accepted}, got {self.kind!r}") from None
        object.__setattr__(self, "kind", kind)
        cr = float(self.corner_radius_mm)
        if kind is ToolKind.BALL and cr == 0.0:
            cr = d / 2.0
        if not (0.0 <= cr <= d / 2.0):
            raise ToolError(
                f"corner_radius_mm must be within [0, diameter_mm/2 = {d / 2.0}], got {cr!r}"
            )
        if kind is ToolKind.FLAT and cr != 0.0:
            raise ToolError(f"a flat end mill has corner_radius_mm 0, got {cr!r} (use kind='bull')")
        if kind is ToolKind.BALL and not math.isclose(cr, d / 2.0):
            raise ToolError(f"a ball end mill has corner_radius_mm = diameter_mm/2, got {cr!r}")
        if kind is ToolKind.BULL and not (0.0 < cr < d / 2.0):
            raise ToolError(f"a bull nose needs 0 < corner_radius_mm < {d / 2.0}, got {cr!r}")
        object.__setattr__(self, "corner_radius_mm", cr)
        if not (0.0 < float(self.tip_angle_deg) < 180.0):
            raise ToolError(f"tip_angle_deg must be in (0, 180), got {self.tip_angle_deg!r}")

    @property
    def radius_mm(self) -> float:
        """Cutting radius in mm."""
        return self.diameter_mm / 2.0

    @classmethod
    def flat(cls, diameter_mm: float, **kw: object) -> Tool:
        """A flat end mill of ``diameter_mm``."""
        return cls(diameter_mm, kind=ToolKind.FLAT, **kw)  # type: ignore[arg-type]

    @classmethod
    def ball(cls, diameter_mm: float, **kw: object) -> Tool:
        """A ball end mill of ``diameter_mm``."""
        return cls(diameter_mm, kind=ToolKind.BALL, corner_radius_mm=diameter_mm / 2.0, **kw)  # type: ignore[arg-type]

    @classmethod
    def bull(cls, diameter_mm: float, corner_radius_mm: float, **kw: object) -> Tool:
        """A bull-nose end mill of ``diameter_mm`` with ``corner_radius_mm``."""
        return cls(diameter_mm, kind=ToolKind.BULL, corner_radius_mm=corner_radius_mm, **kw)  # type: ignore[arg-type]

    @classmethod
    def drill(cls, diameter_mm: float, **kw: object) -> Tool:
        """A twist drill of ``diameter_mm``."""
        return cls(diameter_mm, kind=ToolKind.DRILL, **kw)  # type: ignore[arg-type]
