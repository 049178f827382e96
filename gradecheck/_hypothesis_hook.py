"""Hypothesis's ``hypothesis`` entry point: gradecheck's profiles are registered when Hypothesis is imported.

Hypothesis calls :func:`register` at the end of its own import (see pyproject.toml), so that
``import gradecheck`` need not import Hypothesis to register them.  This module imports nothing
at load time: Hypothesis may be imported *by* :mod:`gradecheck._profiles`, which then registers
them itself once it has finished loading.
"""

from __future__ import annotations

import sys

__all__ = ["register"]


def register() -> None:
    """Register :data:`~gradecheck._profiles.GRADING_PROFILE` and :data:`~gradecheck._profiles.DEV_PROFILE`."""
    profiles = sys.modules.get("gradecheck._profiles")
    if profiles is not None and not hasattr(profiles, "register_profiles"):
        return  # gradecheck._profiles is importing Hypothesis right now; it registers them when it is loaded
    from gradecheck._profiles import register_profiles

    register_profiles()
