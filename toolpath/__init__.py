"""toolpath: 2.5D milling CAM. The data model lives here; geometry, strategies and
kernels in sub-packages; ``gcode`` and ``sim`` are sibling packages.

Importing ``toolpath`` is light: cadquery and Numba kernels load on first use.
"""

from .enums import Coolant, Direction, MoveKind, ToolKind
from .errors import (
    CamError,
    FileFormatError,
    GcodeError,
    GeometryError,
    InputError,
    MachineError,
    ToolError,
    UnreachableError,
)
from .moves import Toolpath, ToolpathBuilder
from .pocket import Pocket
from .program import Operation, Program
from .stock import Stock
from .tool import Tool

__version__ = "0.1.0"

__all__ = [
    "CamError",
    "Coolant",
    "Direction",
    "FileFormatError",
    "GcodeError",
    "GeometryError",
    "InputError",
    "MachineError",
    "MoveKind",
    "Operation",
    "Pocket",
    "Program",
    "Stock",
    "Tool",
    "ToolError",
    "ToolKind",
    "Toolpath",
    "ToolpathBuilder",
    "UnreachableError",
    "__version__",
]
