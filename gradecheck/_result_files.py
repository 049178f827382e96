"""The results folder of a batch: safe file names, and results only this grader can have written.

Names.  Every input gets a results file named after its path relative to the
inputs' common folder (``group1/alice.py`` -> ``group1__alice.json``): only
``A-Z a-z 0-9 . _ -``, never starting with ``.`` or ``-``, at most
:data:`MAX_NAME` characters before the extension (longer names are cut and end
in a hash of the whole path), distinct even on a case-insensitive file system,
and never the name of the folder's own files (``gradebook.csv``,
``summary.html``, the key).

Trust.  Each results file carries ``gradecheck.signature``: an HMAC-SHA256 of
its canonical JSON (keys sorted, no spaces, ASCII; the signature itself left
out), keyed by a random secret kept in the folder (:data:`KEY_NAME`, mode
0600, created by the first batch and reused by later ``--resume`` runs).
``--resume`` keeps a result only when its signature verifies, so a results
file written by anyone without the key (a submission, another user) is
regraded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gradecheck._safe_files import RefusedFile, read_regular_file

__all__ = [
    "KEY_NAME",
    "MAX_NAME",
    "display_name",
    "result_names",
    "results_key",
    "sign_result",
    "signature_ok",
    "write_atomically",
]

#: The secret of a results folder (hex, mode 0600).
KEY_NAME = ".gradecheck-key"
#: The longest results-file name, before ``-N`` for duplicates and the extension.
MAX_NAME = 100
_HASH_CHARS = 12
#: Stems that a results file must not take: the folder's own files are gradebook.csv and summary.html.
_RESERVED = ("gradebook", "summary")
_KEY_BYTES = 32
_SIGNATURE_CONTEXT = b"gradecheck results v1\0"


# -- names ----------------------------------------------------------------------------------


def display_name(text: str | os.PathLike[str]) -> str:
    """``text`` (a file name or path) as printable text, for results, the gradebook and the console.

    Bytes that are not UTF-8 appear as ``\\xNN`` and control characters
    (newline, tab, escape ...) as their Python escapes, so a name is always
    one printable line; an ordinary name is unchanged.
    """
    raw = os.fspath(text)
    try:
        data = raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = raw.encode("utf-8", "backslashreplace")
    decoded = data.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in decoded)


def result_names(files: Sequence[str | os.PathLike[str]]) -> list[str]:
    """A distinct, safe results-file name (``<name>.json``) for each input path.

    Names come from each path relative to the inputs' common folder
    (``group1/alice.py`` -> ``group1__alice.json``), so they do not depend on
    where the batch runs; see the module's docstring for what a name may hold.
    Never raises on an odd path (newlines, leading dashes, ``..``, bytes that
    are not UTF-8, 240-character names).
    """
    absolute = [os.path.abspath(os.fspath(p)) for p in files]
    root = os.path.commonpath([os.path.dirname(p) for p in absolute]) if absolute else ""
    taken = {name.casefold() for name in _RESERVED}
    names: list[str] = []
    for path in absolute:
        relative = os.path.relpath(path, root) if root else os.path.basename(path)
        stem, extension = os.path.splitext(relative)
        base = _safe_base(stem)
        name = base if base.casefold() not in taken else f"{base}-{re.sub(r'[^A-Za-z0-9]+', '', extension)[:8] or 'file'}"
        candidate, counter = name, 2
        while candidate.casefold() in taken:
            candidate, counter = f"{name}-{counter}", counter + 1
        taken.add(candidate.casefold())
        names.append(candidate + ".json")
    return names


def _safe_base(relative_stem: str) -> str:
    """``a/b`` -> ``a__b``; unsafe runs -> ``_``; no leading ``.``/``-``; long names cut, with a hash."""
    parts = [part for part in re.split(r"[\\/]+", relative_stem) if part]
    joined = "__".join(parts)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", joined).lstrip(".-") or "submission"
    if len(base) > MAX_NAME:
        digest = hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()[:_HASH_CHARS]
        base = f"{base[: MAX_NAME - _HASH_CHARS - 1]}-{digest}"
    return base


# -- the key ---------------------------------------------------------------------------------


def results_key(folder: Path) -> bytes:
    """The secret of the results ``folder``: read from :data:`KEY_NAME`, or made there (mode 0600).

    A key file that another user owns, that others may read or write, that is
    not a regular file (a link, a pipe) or that does not hold a key is not
    trusted: it is replaced by a new key, so every result signed before is
    regraded by ``--resume``.
    """
    path = folder / KEY_NAME
    key = _trusted_key(path)
    if key is None:
        key = secrets.token_bytes(_KEY_BYTES)
        write_atomically(path, key.hex() + "\n")
    return key


def _trusted_key(path: Path) -> bytes | None:
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        text = read_regular_file(path, 1024).decode("ascii").strip()
    except (OSError, RefusedFile, UnicodeDecodeError):
        return None
    if not re.fullmatch(r"[0-9a-f]{%d}" % (2 * _KEY_BYTES), text):
        return None
    return bytes.fromhex(text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one (mode 0600, this user's)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- signatures ------------------------------------------------------------------------------


def _canonical(result: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: the result's JSON with sorted keys, without ``gradecheck.signature``."""
    info = dict(result.get("gradecheck") or {})
    info.pop("signature", None)
    body = {**result, "gradecheck": info}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _signature(result: Mapping[str, Any], key: bytes) -> str:
    return hmac.new(key, _SIGNATURE_CONTEXT + _canonical(result), hashlib.sha256).hexdigest()


def sign_result(result: dict[str, Any], key: bytes) -> None:
    """Set ``result["gradecheck"]["signature"]`` (the result must be JSON: it is verified after a round trip)."""
    result.setdefault("gradecheck", {})
    result["gradecheck"]["signature"] = _signature(result, key)


def signature_ok(result: Any, key: bytes) -> bool:
    """Whether ``result`` (as read back from its file) carries a valid signature made with ``key``."""
    if not isinstance(result, dict) or not isinstance(result.get("gradecheck"), dict):
        return False
    claimed = result["gradecheck"].get("signature")
    if not isinstance(claimed, str):
        return False
    try:
        expected = _signature(result, key)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(claimed, expected)
