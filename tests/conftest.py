"""Hypothesis profiles.

``default`` is derandomized: the property tests draw the same examples on every run, so a CI run is
reproducible and a failure it shows is one anybody can rerun. ``explore`` draws fresh random examples
(``HYPOTHESIS_PROFILE=explore pytest -m slow``): run it to look for new failures, and turn what it
finds into a fixed test.
"""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
