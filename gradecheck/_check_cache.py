"""The learner's self-check cache: what ``gradecheck check`` would otherwise recompute on every run.

A self-check on the statement's given values needs, besides the submission's
answers, two things that depend only on the exercise and on gradecheck's own
code: the expected values of the given items (the kind's JAX float64
reference: importing JAX and compiling cost about a second) and the words
saying what the hidden checks vary (:func:`gradecheck._unchecked.unchecked`,
which draws Hypothesis instances).  Both are computed on the first check and
kept as JSON in ``<cache folder>/check/`` (the folder of the sandbox's runtime
trees, :func:`gradecheck._sandbox._tree.cache_dir`), one file per entry, named
by a SHA-256 of everything the entry is computed from:

* gradecheck's version and the contents of every one of its files (an editable
  install's edits included);
* every file of the exercise folder (spec, statement, a local ``kind.py``) and
  of its ``reference/<id>/`` folder, where there is one, and the source of the
  kind's module when it comes from outside gradecheck (an entry point);
* for expected values, the given instance itself (a student's variant has
  other given values, so another entry).

It also remembers that a spec's hidden items can be drawn from its
``[settings]`` (:meth:`~gradecheck.kinds.ExerciseKind.validate_instances`,
which imports Hypothesis): :func:`load_exercise` checks that once per spec.

Change any of them and the entry is not found: it is computed again.  A file
is only read if it is a regular file (not a link), owned by this user and
writable by no one else, at most :data:`MAX_BYTES`; an entry that does not
parse, does not repeat its own key, or lacks an output the exercise's items
compare, is computed again and replaced.  Values are float64, written with
``repr`` (which reads back to the same bits).

**Only the self-check reads it.**  The cache lives in a folder the user can
write, so whoever can write there can change what a self-check expects: a
learner can fool only their own self-check.  A grade (``gradecheck grade``,
the batch autograder, Gradescope, PrairieLearn, the pytest plugin) never uses
it: :func:`gradecheck._grading.grade_source` computes expected values itself
unless a caller passes ``given_expected``, and only
:func:`gradecheck._self_check.self_check_bytes` does.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gradecheck._exercises import Exercise, reference_dir
from gradecheck._kinds import ExerciseKind
from gradecheck._version import __version__

__all__ = ["FOLDER_NAME", "MAX_BYTES", "cache_folder", "entry_path", "given_expected", "load_exercise", "not_checked"]

#: The cache's sub-folder of gradecheck's cache folder.
FOLDER_NAME = "check"
#: The largest entry read back (a larger file is ignored, and recomputed).
MAX_BYTES = 4 << 20
_FORMAT = 1
#: Exercise folders larger than this are not fingerprinted (nor cached): hashing them would cost more than it saves.
_MAX_FINGERPRINTED_BYTES = 64 << 20
_PACKAGE = Path(__file__).resolve().parent
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def cache_folder() -> Path:
    """``<gradecheck's cache folder>/check``: ``$GRADECHECK_CACHE_DIR/check``, else /var/cache/gradecheck/check for
    root, else ``~/.cache/gradecheck/check`` (the sandbox's :func:`~gradecheck._sandbox._tree.cache_dir`)."""
    from gradecheck._sandbox._tree import cache_dir

    return cache_dir() / FOLDER_NAME


# -- keys -------------------------------------------------------------------------------------


def _files(folder: Path) -> Iterator[Path]:
    """The regular files under ``folder``, sorted, skipping ``__pycache__`` and hidden names."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(part == "__pycache__" or part.startswith(".") for part in relative):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def _hash_folder(digest: Any, folder: Path, budget: list[int]) -> bool:
    """Add every file of ``folder`` (name and bytes) to ``digest``; ``False`` once ``budget[0]`` bytes are spent."""
    for path in _files(folder):
        data = path.read_bytes()
        budget[0] -= len(data)
        if budget[0] < 0:
            return False
        digest.update(f"{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return True


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of gradecheck's version and the contents of its files (an edit to an editable install changes it)."""
    digest = hashlib.sha256(f"gradecheck {__version__}\0".encode())
    _hash_folder(digest, _PACKAGE, [1 << 62])
    return digest.hexdigest()


def exercise_fingerprint(exercise: Exercise, kind: ExerciseKind) -> str | None:
    """SHA-256 of the exercise's folder, its reference folder and (from outside gradecheck) its kind's source;
    ``None`` for a folder too large to be worth hashing."""
    digest = hashlib.sha256(f"{exercise.id}\0{exercise.version}\0{exercise.kind}\0".encode())
    budget = [_MAX_FINGERPRINTED_BYTES]
    folders = [Path(exercise.directory)]
    reference = reference_dir(Path(exercise.directory))
    if reference is not None:
        folders.append(reference)
    for index, folder in enumerate(folders):
        digest.update(f"\0folder {index}\0".encode())
        if not _hash_folder(digest, folder, budget):
            return None
    try:
        source = inspect.getsourcefile(type(kind))
    except TypeError:
        source = None
    if source is not None and not Path(source).resolve().is_relative_to(_PACKAGE):
        digest.update(b"\0kind\0" + Path(source).read_bytes())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """``value`` as JSON-ready data that tells apart everything ``kind.expected`` could: arrays keep dtype,
    shape and exact bits."""
    if isinstance(value, np.ndarray):
        return {"ndarray": str(value.dtype), "shape": list(value.shape), "hex": np.ascontiguousarray(value).tobytes().hex()}
    if isinstance(value, np.generic):
        return _canonical(np.asarray(value))
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, Mapping):
        return {"mapping": [[str(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [_canonical(v) for v in value]}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return {"repr": f"{type(value).__qualname__}:{value!r}"}


def _key(purpose: str, exercise: Exercise, kind: ExerciseKind, extra: Any = None) -> str | None:
    folder = exercise_fingerprint(exercise, kind)
    if folder is None:
        return None
    described = {
        "format": _FORMAT,
        "purpose": purpose,
        "code": code_fingerprint(),
        "exercise": folder,
        "kind": f"{type(kind).__module__}.{type(kind).__qualname__}",
        "extra": _canonical(extra),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def entry_path(key: str) -> Path:
    """The file of the entry whose key is ``key``."""
    return cache_folder() / f"{key[:40]}.json"


# -- reading and writing ------------------------------------------------------------------------


def _read_own_file(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of this user's that no one else may write, else ``None``."""
    try:
        handle = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            or info.st_size > MAX_BYTES
        ):
            return None
        data = os.read(handle, MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(handle)
    return data if len(data) <= MAX_BYTES else None


def _load(key: str) -> Any:
    """The value stored under ``key``, or ``None`` (no entry, not ours, unreadable, or another key's)."""
    data = _read_own_file(entry_path(key))
    if data is None:
        return None
    try:
        entry = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != _FORMAT or entry.get("key") != key:
        return None
    return entry.get("value")


def _store(key: str, value: Any) -> None:
    """Write the entry (atomically: a reader sees the old file or the new one); a cache that cannot be
    written is no error, the next check computes the values again."""
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=".entry-", suffix=".json", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({"format": _FORMAT, "key": key, "value": value}, file)
            os.replace(temporary, entry_path(key))
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        pass


def _cached(key: str | None, compute: Callable[[], Any], encode: Callable[[Any], Any], decode: Callable[[Any], Any]) -> Any:
    """``decode`` of the stored value, else ``compute()`` (stored as ``encode`` of it, unless that is ``None``)."""
    if key is not None:
        stored = _load(key)
        if stored is not None:
            value = decode(stored)
            if value is not None:
                return value
    value = compute()
    if key is not None:
        encoded = encode(value)
        if encoded is not None:
            _store(key, encoded)
    return value


# -- expected values of the given items -----------------------------------------------------------


def _encode_expected(expected: Mapping[str, Any]) -> dict[str, Any] | None:
    """Output key -> ``{"shape", "values"}``; ``None`` (not cached) unless every value is a float64 array."""
    encoded = {}
    for name, value in expected.items():
        if not isinstance(name, str) or not isinstance(value, np.ndarray) or value.dtype != np.float64:
            return None
        encoded[name] = {"shape": list(value.shape), "values": [float(x) for x in value.reshape(-1)]}
    return encoded


def _decode_expected(stored: Any, wanted: set[str]) -> dict[str, np.ndarray] | None:
    """The arrays of a stored entry, or ``None`` if it is malformed or lacks an output in ``wanted``."""
    if not isinstance(stored, dict) or not wanted <= set(stored):
        return None
    arrays = {}
    for name, entry in stored.items():
        if not isinstance(entry, dict):
            return None
        shape, values = entry.get("shape"), entry.get("values")
        if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
            return None
        if not isinstance(values, list) or len(values) != math.prod(shape):
            return None
        if not all(type(v) in (float, int) for v in values):
            return None
        arrays[name] = np.array(values, dtype=np.float64).reshape(shape)
    return arrays


def given_expected(exercise: Exercise, kind: ExerciseKind, instance: Mapping[str, Any]) -> Mapping[str, np.ndarray]:
    """The expected outputs of the given ``instance`` (``kind.expected(instance)``), from the cache when an entry
    for this exercise, instance and gradecheck is there; computed (and stored) otherwise.

    The signature of :data:`gradecheck._grading.GivenExpected`: only the self-check passes this to grading.
    """
    wanted = {key for item in exercise.items for key in item.outputs if item.instance == "given"}
    return _cached(
        _key("given-expected", exercise, kind, dict(instance)),
        lambda: kind.expected(instance),
        _encode_expected,
        lambda stored: _decode_expected(stored, wanted),
    )


# -- what the self-check leaves out ----------------------------------------------------------------


def _decode_not_checked(stored: Any) -> dict[str, Any] | None:
    return stored if isinstance(stored, dict) and isinstance(stored.get("items"), list) else None


def not_checked(exercise: Exercise) -> dict[str, Any] | None:
    """:func:`gradecheck._unchecked.unchecked` of ``exercise``, from the cache when it is there.

    ``None`` (every item runs) is not stored: it costs nothing to find again.
    """
    from gradecheck._kinds import kind_of
    from gradecheck._unchecked import unchecked

    if all(item.self_check for item in exercise.items):
        return None
    value = _cached(
        _key("not-checked", exercise, kind_of(exercise)),
        lambda: unchecked(exercise),
        lambda computed: computed if isinstance(computed, dict) else None,
        _decode_not_checked,
    )
    return dict(value) if value is not None else None


# -- loading the exercise ---------------------------------------------------------------------------


def load_exercise(exercise: str | Path) -> Exercise:
    """:func:`gradecheck._exercises.load_exercise` for a self-check: the same checks and errors, but whether the
    hidden items can be drawn from ``[settings]`` is checked once per spec and gradecheck (then remembered)."""
    from gradecheck._exercises import load_exercise as load
    from gradecheck._kinds import kind_of

    loaded = load(exercise, draw=False)
    if all(item.instance != "hidden" for item in loaded.items):
        return loaded
    key = _key("instances-drawable", loaded, kind_of(loaded))
    if key is None or _load(key) is not True:
        loaded = load(exercise)  # the full check: a spec error says where, as for a grade
        if key is not None:
            _store(key, True)
    return loaded
