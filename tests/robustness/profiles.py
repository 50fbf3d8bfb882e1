"""Hypothesis profiles, chosen by ESSAYGEN_HYPOTHESIS_PROFILE (ci by default).

ci       2,000 examples per pure-stage property; full in-process builds run fewer
nightly  ten times as many (`make test-nightly`)
dev      a quick look while editing (100 / 20)

The profiles are applied per test with `@settings(PURE)` / `@settings(BUILDS)`, never
loaded globally, so other test modules keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

NAME = os.environ.get("ESSAYGEN_HYPOTHESIS_PROFILE", "ci")

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example]

# (examples per pure-stage property, examples per full-build property)
_COUNTS = {"ci": (2_000, 250), "nightly": (20_000, 2_500), "dev": (100, 20)}
if NAME not in _COUNTS:
    raise SystemExit(f"ESSAYGEN_HYPOTHESIS_PROFILE={NAME!r}: use one of {', '.join(_COUNTS)}")

PURE_EXAMPLES, BUILD_EXAMPLES = _COUNTS[NAME]

# No example database: CI machines are fresh, and a failure prints its reproduction blob.
PURE = settings(max_examples=PURE_EXAMPLES, deadline=None, suppress_health_check=_SUPPRESS, database=None, print_blob=True)
BUILDS = settings(max_examples=BUILD_EXAMPLES, deadline=None, suppress_health_check=[*_SUPPRESS, HealthCheck.function_scoped_fixture], database=None, print_blob=True)
