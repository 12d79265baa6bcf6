"""Every exception the project raises.

One base, :class:`CamError`; each leaf also derives from the matching builtin
so a caller may catch either ``CamError`` or, say, ``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "CamError",
    "InputError",
    "ToolError",
    "GeometryError",
    "UnreachableError",
    "FileFormatError",
    "GcodeError",
    "GcodeSyntaxError",
    "MachineError",
]


class CamError(Exception):
    """Base of every error raised by ``toolpath``, ``gcode`` and ``sim``."""


class InputError(CamError, ValueError):
    """A value given by the caller is outside what is accepted."""


class ToolError(InputError):
    """A tool description is invalid (non-positive diameter, unknown kind, ...)."""


class GeometryError(InputError):
    """Geometry is unusable: open contour, self-intersection, zero area, ..."""


class UnreachableError(GeometryError):
    """Nothing of the requested geometry can be reached by the tool."""


class FileFormatError(CamError, ValueError):
    """A file could not be read: missing, unknown format, or malformed."""


class GcodeError(CamError, ValueError):
    """G-code could not be written for a dialect, or read back."""


class MachineError(InputError):
    """A machine profile is missing or invalid."""


class GcodeSyntaxError(GcodeError):
    """G-code that cannot be read faithfully; ``line`` and ``column`` (1-based) say where."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.code = code
