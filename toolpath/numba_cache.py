"""Numba's on-disk cache kept in step with the sources of a whole package directory.

Numba checks a cached function against the source file it is defined in only. Our kernels call jitted
functions of other files (``offset_kernel`` links ``offset_base``'s, ``adaptive_loop`` inlines
``engagement``'s), so after an edit of a callee's file the caller's cached machine code, which holds the
old callee, would still be loaded: tests and benchmarks would silently run old code. A package calls
:func:`refresh_cache` on import: when the combined hash of its ``.py`` files differs from the one stamped
beside the cache, Numba's cache files of that directory are deleted and the stamp rewritten, so every
kernel of the package compiles afresh once. Installed packages whose sources never change pay one hash of
a few small files (well under a millisecond) per import.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["STAMP_NAME", "cache_dirs", "refresh_cache", "sources_hash"]

#: Name of the stamp file written into the cache directory.
STAMP_NAME = "toolpath-sources.sha256"


def sources_hash(package_dir: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) over the names and contents of the ``.py`` files directly in ``package_dir``."""
    h = hashlib.sha256()
    for p in sorted(Path(package_dir).glob("*.py")):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def cache_dirs(package_dir: str | os.PathLike[str]) -> list[Path]:
    """Where Numba may cache the functions of ``package_dir`` (its own rules): ``NUMBA_CACHE_DIR``'s mirror
    of the directory when that is set, else the directory's ``__pycache__`` and, for when that is not
    writable, the user-wide cache's mirror."""
    from numba import config
    from numba.core.caching import _CacheLocator
    from numba.misc.appdirs import AppDirs

    some = str(next(iter(sorted(Path(package_dir).glob("*.py"))), Path(package_dir) / "__init__.py"))
    sub = _CacheLocator.get_suitable_cache_subpath(some)
    if config.CACHE_DIR:
        return [Path(config.CACHE_DIR) / sub]
    return [Path(package_dir) / "__pycache__", Path(AppDirs(appname="numba", appauthor=False).user_cache_dir) / sub]


def refresh_cache(package_dir: str | os.PathLike[str]) -> int:
    """Delete Numba's cache files of ``package_dir`` if any of its sources changed since the last call.

    Parameters
    ----------
    package_dir : path
        A directory of Python modules with jitted functions (``cache=True``).

    Returns
    -------
    int
        Number of cache files deleted (0 when every stamp matched; a cache directory that is missing and
        cannot be made, or is not writable, is left alone).
    """
    digest = sources_hash(package_dir)
    stems = {p.stem for p in Path(package_dir).glob("*.py")}
    gone = 0
    for i, where in enumerate(cache_dirs(package_dir)):
        if i == 0:  # the first is where Numba writes first: made now so that its stamp is written before it
            try:
                where.mkdir(parents=True, exist_ok=True)
            except OSError:
                continue
        if not where.is_dir() or not os.access(where, os.W_OK):
            continue
        stamp = where / STAMP_NAME
        try:
            if stamp.read_text().strip() == digest:
                continue
        except OSError:
            pass
        for f in where.iterdir():
            if f.suffix in (".nbi", ".nbc") and f.name.split(".", 1)[0] in stems:
                try:
                    f.unlink()
                    gone += 1
                except OSError:  # another process took it first
                    pass
        tmp = where / f"{STAMP_NAME}.{os.getpid()}.tmp"
        try:
            tmp.write_text(digest + "\n")
            os.replace(tmp, stamp)
        except OSError:
            tmp.unlink(missing_ok=True)
    return gone
