"""Where the shared reference material (parts, corpus, reference timings) lives.

Looked up in order: ``$TOOLPATH_SHARED``, ``../shared`` beside the repository,
``/work/shared``. Tests that need it skip with the reason when none exists.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SHARED", "PARTS", "CORPUS", "REFERENCE"]


def _find() -> Path:
    candidates = [os.environ.get("TOOLPATH_SHARED", ""), Path(__file__).resolve().parents[2] / "shared",
                  "/work/shared"]
    for c in candidates:
        if c and (Path(c) / "parts").is_dir():
            return Path(c)
    return Path(__file__).resolve().parents[2] / "shared"


SHARED = _find()
PARTS = SHARED / "parts"
CORPUS = SHARED / "corpus"
REFERENCE = SHARED / "reference"
