"""Numba kernels of the strategies, each with a plain reference beside it.

Kernels here call jitted functions of sibling modules, which Numba's per-file cache does not track:
:func:`toolpath.numba_cache.refresh_cache` drops the directory's cache when any source here changed.
"""

from pathlib import Path

from ..numba_cache import refresh_cache

refresh_cache(Path(__file__).parent)
