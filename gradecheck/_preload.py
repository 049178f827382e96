"""Imported once by the fork server of the default grading pool (see ``_batch._default_executor``).

Everything here is work each grading process would otherwise repeat on its
first submission: importing the exercise kinds, JAX and the notebook reader,
and building nbformat's schema validator.  JAX's backend is not started (that
would start threads, and the fork server forks).
"""

from __future__ import annotations

import pkgutil

import jax  # noqa: F401
import jax.numpy  # noqa: F401
import nbformat

import gradecheck._batch  # noqa: F401
import gradecheck._grading  # noqa: F401
import gradecheck._kinds
import gradecheck._reports  # noqa: F401
from gradecheck._kinds import get_kind

for _module in pkgutil.iter_modules(gradecheck._kinds.__path__):
    if not _module.name.startswith("_"):
        get_kind(_module.name)

nbformat.validate(nbformat.v4.new_notebook())  # builds and caches the validator of the current schema
