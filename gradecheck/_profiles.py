"""Hypothesis settings profiles that gradecheck registers and uses."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

__all__ = ["GRADING_PROFILE", "DEV_PROFILE", "grading_settings", "register_profiles"]

#: Deterministic: the same code always gets the same verdict (CI and grading).
GRADING_PROFILE = "gradecheck"
#: Randomized and with the example database, for exploring while developing.
DEV_PROFILE = "gradecheck-dev"

# The explain phase re-runs the failing example many times to annotate which
# draws matter; a gradient check's report already says that, at a 10-50x cost.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)

_SHARED = dict(
    phases=_PHASES,
    deadline=None,
    print_blob=True,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _hypothesis_defaults() -> settings:
    # A bare ``settings(...)`` inherits from the *current* default profile, which
    # Hypothesis switches to its "ci" profile (derandomized) when $CI is set; our
    # profiles must mean the same thing on a laptop and on a CI runner.
    return settings.get_profile("default")


def grading_settings(max_examples: int = 100) -> settings:
    """Deterministic settings: derandomized, no example database, no deadline."""
    return settings(
        _hypothesis_defaults(), derandomize=True, database=None, max_examples=max_examples, **_SHARED
    )


def register_profiles() -> None:
    """Register :data:`GRADING_PROFILE` and :data:`DEV_PROFILE` with Hypothesis.

    Select one with ``settings.load_profile(name)`` or pytest's
    ``--hypothesis-profile=name``.
    """
    settings.register_profile(GRADING_PROFILE, grading_settings())
    settings.register_profile(DEV_PROFILE, settings(_hypothesis_defaults(), max_examples=200, **_SHARED))


# Whoever imports this module (gradecheck's pytest plugin, its checks, Hypothesis's entry point) finds them registered.
register_profiles()
