"""The registered Hypothesis profiles mean the same thing whatever the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_PROBE = """
import json
from hypothesis import settings
from gradecheck._profiles import DEV_PROFILE, GRADING_PROFILE, register_profiles
register_profiles()
out = {}
for name in (GRADING_PROFILE, DEV_PROFILE):
    p = settings.get_profile(name)
    out[name] = {"derandomize": p.derandomize, "database": p.database is not None, "max_examples": p.max_examples}
out["current"] = settings.get_current_profile_name()
print(json.dumps(out))
"""


@pytest.mark.parametrize("ci", ["", "true"])
def test_profiles_ignore_hypothesis_ci_detection(ci: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "GITHUB_ACTIONS", "TF_BUILD", "BUILDKITE"}}
    if ci:
        env["CI"] = ci
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    profiles = json.loads(done.stdout)
    assert profiles["current"] == ("ci" if ci else "default")  # the probe really saw the environment
    assert profiles["gradecheck"] == {"derandomize": True, "database": False, "max_examples": 100}
    assert profiles["gradecheck-dev"] == {"derandomize": False, "database": True, "max_examples": 200}


_ORDER = """
import json, sys
first = sys.argv[1]
if first == "gradecheck":
    import gradecheck
    imported = "hypothesis" in sys.modules
    from hypothesis import settings
elif first == "gradecheck._profiles":  # imports Hypothesis, whose entry point finds this module half loaded
    import gradecheck._profiles
    imported = True
    from hypothesis import settings
else:
    from hypothesis import settings
    import gradecheck
    imported = True
names = []
for name in ("gradecheck", "gradecheck-dev"):
    try:
        settings.get_profile(name)
        names.append(name)
    except Exception:
        pass
print(json.dumps({"imported_by_gradecheck": imported, "registered": names}))
"""


@pytest.mark.parametrize("first", ["gradecheck", "hypothesis", "gradecheck._profiles"])
@pytest.mark.parametrize("plugins", ["", "1"])
def test_profiles_are_registered_whichever_is_imported_first_without_import_gradecheck_importing_hypothesis(
    first: str, plugins: str
) -> None:
    """``import gradecheck`` does not import Hypothesis; Hypothesis's ``hypothesis`` entry point registers the
    profiles when it is imported (HYPOTHESIS_NO_PLUGINS turns entry points off: then only the other order works)."""
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    if plugins:
        env["HYPOTHESIS_NO_PLUGINS"] = plugins
    done = subprocess.run([sys.executable, "-c", _ORDER, first], env=env, capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)
    if first == "gradecheck":
        assert seen["imported_by_gradecheck"] is False
    expected = [] if (plugins and first == "gradecheck") else ["gradecheck", "gradecheck-dev"]
    assert seen["registered"] == expected
