"""G-code for real controllers: one writer with dialects as data, one reader.

>>> import gcode
>>> "linuxcnc" in gcode.dialects()
True
"""

from toolpath.errors import GcodeError, GcodeSyntaxError

from .arcfit import fit_arcs
from .dialect import ArcStyle, CommentStyle, Dialect, Units, dialects, get_dialect, load_dialect
from .reader import DEFAULT_TOOL_DIAMETER_MM, Diagnostic, ReadResult, Severity, iter_operations, read, read_program
from .writer import format_number, write, write_file

__all__ = [
    "ArcStyle",
    "CommentStyle",
    "DEFAULT_TOOL_DIAMETER_MM",
    "Diagnostic",
    "Dialect",
    "GcodeError",
    "GcodeSyntaxError",
    "ReadResult",
    "Severity",
    "Units",
    "dialects",
    "fit_arcs",
    "format_number",
    "get_dialect",
    "iter_operations",
    "load_dialect",
    "read",
    "read_program",
    "write",
    "write_file",
]
