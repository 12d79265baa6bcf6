"""Enumerations shared by the data model: move kinds, tool kinds, coolant, ..."""

from __future__ import annotations

from enum import Enum, IntEnum

__all__ = ["MoveKind", "ToolKind", "Coolant", "Direction"]


class MoveKind(IntEnum):
    """Kind of one move in a :class:`~toolpath.Toolpath` (stored as int8).

    ``ARC_CW``/``ARC_CCW`` are arcs in the XY plane (G17) about the move's
    centre, optionally helical (z changes linearly along the arc). An arc whose
    end point equals its start point is a full circle. ``DWELL`` does not move;
    its duration in seconds is stored in the feed column.
    """

    RAPID = 0
    FEED = 1
    ARC_CW = 2
    ARC_CCW = 3
    DWELL = 4


class ToolKind(str, Enum):
    """Shape of a cutter's end."""

    FLAT = "flat"
    BALL = "ball"
    BULL = "bull"
    DRILL = "drill"


class Coolant(str, Enum):
    """Coolant state of an operation."""

    OFF = "off"
    FLOOD = "flood"
    MIST = "mist"


class Direction(str, Enum):
    """Milling direction relative to the material (for a clockwise spindle)."""

    CLIMB = "climb"
    CONVENTIONAL = "conventional"
