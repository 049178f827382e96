"""Hostile: searches its environment and home folder for answers, expected values or grader settings.

It raises with what it found, so the corpus test can check that nothing leaked: the worker gets a
scrubbed environment and a fresh, empty folder.
"""
import os

EXPECTED_KEYS = {"PATH", "LANG", "LC_ALL", "SYSTEMROOT", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE",
                 "PYTHONHASHSEED", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
leaked = sorted(set(os.environ) - EXPECTED_KEYS)
files = sorted(name for name in os.listdir(os.environ.get("HOME", ".")) if name != "output.txt")
if leaked or files:
    raise RuntimeError(f"hostile corpus: found environment {leaked} and files {files}")
raise RuntimeError("hostile corpus: the environment is clean, no answers found")
