"""Exercise specs: load and validate ``exercises/<id>/exercise.toml``.

An exercise is data: a TOML spec, a Markdown statement and starter code in a
folder ``exercises/<id>/``; its reference solution and known-wrong variants
are ``reference/<id>/solution.py`` and ``reference/<id>/mistakes/*.py`` beside
``exercises/`` (:func:`reference_dir`).  The shipped exercises are the
repository's top-level ``exercises/``; a wheel carries them as
``gradecheck/exercises`` (:func:`shipped_exercises_dir`) and does not carry
``reference/``: expected values come from the JAX reference of each kind, so a
student's install holds no solution.  The spec names a *kind*, trusted code
under ``gradecheck._kinds`` that knows how to build instances, compute the
expected values and call the submission.

Spec keys (``docs/exercise-format.md`` is the full reference)::

    id, version, title, kind, statement        required
    decimals                                   optional: hand-computed answers rounded to this many decimals are accepted
    [submission] entry_points, forbidden_imports, starter
    [given] ...                                kind-specific given values
    [[items]] name, outputs, points, instance ("given" | "hidden"), elements,
              element_names, shape, rtol, atol, decimals, examples, visibility,
              self_check, carry_forward, hint
    hints = [...]
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gradecheck._errors import GradecheckError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DEFAULT_FORBIDDEN_IMPORTS",
    "EXERCISES_DIR",
    "Exercise",
    "ExerciseSpecError",
    "ItemSpec",
    "exercise_ids",
    "load_exercise",
    "load_exercise_file",
    "reference_dir",
    "shipped_exercises_dir",
]

def shipped_exercises_dir() -> Path:
    """The shipped exercises: ``gradecheck/exercises`` in a wheel, the checkout's ``exercises/`` otherwise."""
    installed = Path(__file__).with_name("exercises")
    return installed if installed.is_dir() else Path(__file__).resolve().parents[1] / "exercises"


EXERCISES_DIR = shipped_exercises_dir()


def reference_dir(exercise_directory: Path) -> Path | None:
    """``reference/<id>/`` for the exercise folder ``.../exercises/<id>``, where it exists (a course's or
    this checkout's; a wheel ships none)."""
    folder = exercise_directory.resolve()
    candidate = folder.parent.parent / "reference" / folder.name
    return candidate if candidate.is_dir() else None
DEFAULT_FORBIDDEN_IMPORTS = ("gradecheck", "jax", "jaxlib", "torch", "tensorflow", "autograd")
#: Gradescope's visibility values of a test (an item's `visibility`, the pytest `visibility` marker).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
INSTANCES = ("given", "hidden")
#: The top-level tables every spec may have; others are the kind's (``Exercise.sections``).
_TABLES = ("submission", "given", "settings")


class ExerciseSpecError(GradecheckError):
    """An exercise spec is malformed; the message names the file and the key."""


@dataclasses.dataclass(frozen=True)
class ItemSpec:
    """One graded item of an exercise.

    Attributes:
        name: the test name; for ``elements`` items, the base name (elements
            are named ``name[i]`` / ``name[i,j]`` after ``shape``) or a pattern
            with ``{i}`` (0-based) / ``{i1}`` (1-based) flat indices.
        outputs: the kind's output keys this item compares.
        points: total points; ``elements`` items split them equally.
        instance: ``"given"`` (the statement's values) or ``"hidden"``
            (random instances drawn by Hypothesis, deterministic per version).
        elements: score each element separately (partial credit).
        element_names: explicit names, one per element (overrides the pattern).
        shape: how to index elements in names (default: the output's shape).
        rtol, atol: the tolerance; ``decimals`` widens ``atol`` to accept an
            answer rounded to that many decimals.
        examples: how many random instances a hidden item tries.
        visibility: Gradescope visibility of the test.
        self_check: whether ``gradecheck check`` runs it (default: given items).
        carry_forward: let a wrong backward output keep its credit when it is
            the reference's backward rule applied to the submission's own
            (wrong) forward outputs (``ExerciseKind.backward_from_forward``).
        hint: shown to the learner when the item fails.
    """

    name: str
    outputs: tuple[str, ...]
    points: float
    instance: str = "given"
    elements: bool = False
    element_names: tuple[str, ...] | None = None
    shape: tuple[int, ...] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    decimals: int | None = None
    examples: int = 50
    visibility: str = "visible"
    self_check: bool = True
    carry_forward: bool = True
    hint: str | None = None


@dataclasses.dataclass(frozen=True)
class Exercise:
    """A loaded, validated exercise spec."""

    id: str
    version: str
    title: str
    kind: str
    statement: str
    directory: Path
    entry_points: tuple[str, ...]
    forbidden_imports: tuple[str, ...]
    given: Mapping[str, Any]
    items: tuple[ItemSpec, ...]
    hints: tuple[str, ...] = ()
    starter_code: str = ""
    decimals: int | None = None
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: Other top-level tables of the spec (e.g. ``[network]``), for the kind to read: table name -> its contents.
    sections: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return float(sum(item.points for item in self.items))


class _Reader:
    """Typed access to a TOML table with error messages that name file and key."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.table, self.prefix = path, table, prefix

    def fail(self, key: str, expected: str, found: Any = dataclasses.MISSING) -> ExerciseSpecError:
        where = f"{self.prefix}{key}"
        got = "it is missing" if found is dataclasses.MISSING else f"found {found!r}"
        return ExerciseSpecError(f"{self.path}: key {where!r} should be {expected}; {got}.")

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = dataclasses.MISSING) -> Any:
        if key not in self.table:
            if default is dataclasses.MISSING:
                raise self.fail(key, expected)
            return default
        value = self.table[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(key, expected, value)
        if not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value

    def strings(self, key: str, default: Any = dataclasses.MISSING) -> tuple[str, ...]:
        value = self.get(key, (list, str), "a string or a list of strings", default)
        if value is None or isinstance(value, str):
            return value if value is None else (value,)
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings", value)
        return tuple(value)


def _read_item(path: Path, table: Any, position: int, decimals: int | None) -> ItemSpec:
    if not isinstance(table, Mapping):
        raise ExerciseSpecError(f"{path}: items[{position}] should be a table ([[items]]); found {table!r}.")
    r = _Reader(path, table, f"items[{position}].")
    known = {f.name for f in dataclasses.fields(ItemSpec)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ExerciseSpecError(
            f"{path}: items[{position}] has unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}."
        )
    instance = r.get("instance", str, "'given' or 'hidden'", "given")
    if instance not in INSTANCES:
        raise r.fail("instance", "'given' or 'hidden'", instance)
    visibility = r.get("visibility", str, f"one of {', '.join(VISIBILITIES)}", "visible")
    if visibility not in VISIBILITIES:
        raise r.fail("visibility", f"one of {', '.join(VISIBILITIES)}", visibility)
    points = r.get("points", (int, float), "a number of points >= 0")
    if points < 0:
        raise r.fail("points", "a number of points >= 0", points)
    shape = r.get("shape", list, "a list of positive integers", None)
    if shape is not None and not all(isinstance(n, int) and n > 0 for n in shape):
        raise r.fail("shape", "a list of positive integers", shape)
    names = r.strings("element_names", None)
    examples = r.get("examples", int, "a positive integer", 50)
    if examples < 1:
        raise r.fail("examples", "a positive integer", examples)
    item_decimals = r.get("decimals", int, "a non-negative integer", decimals if instance == "given" else None)
    return ItemSpec(
        name=r.get("name", str, "a non-empty string"),
        outputs=r.strings("outputs"),
        points=float(points),
        instance=instance,
        elements=r.get("elements", bool, "true or false", False),
        element_names=names,
        shape=tuple(shape) if shape is not None else None,
        rtol=float(r.get("rtol", (int, float), "a number", 1e-6)),
        atol=float(r.get("atol", (int, float), "a number", 1e-9)),
        decimals=item_decimals,
        examples=examples,
        visibility=visibility,
        self_check=r.get("self_check", bool, "true or false", instance == "given"),
        carry_forward=r.get("carry_forward", bool, "true or false", True),
        hint=r.get("hint", str, "a string", None),
    )


def load_exercise_file(path: str | Path) -> Exercise:
    """Load and validate one ``exercise.toml``; raise :class:`ExerciseSpecError` if malformed."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExerciseSpecError(f"{path}: no such exercise spec file.") from None
    except tomllib.TOMLDecodeError as error:
        raise ExerciseSpecError(f"{path}: not valid TOML: {error}.") from None
    r = _Reader(path, data)
    exercise_id = r.get("id", str, "the exercise id, e.g. 'twelve-weights'")
    if path.parent.name != exercise_id and path.parent.name != "":
        raise r.fail("id", f"the folder name {path.parent.name!r}", exercise_id)
    decimals = r.get("decimals", int, "a non-negative integer", None)
    statement_name = r.get("statement", str, "the statement's file name, e.g. 'statement.md'")
    statement_path = path.parent / statement_name
    if not statement_path.is_file():
        raise ExerciseSpecError(f"{path}: key 'statement' names {statement_name!r}, but {statement_path} does not exist.")
    submission = r.get("submission", dict, "a table [submission]", {})
    s = _Reader(path, submission, "submission.")
    starter_name = s.get("starter", str, "the starter code's file name", None)
    starter = ""
    if starter_name is not None:
        starter_path = path.parent / starter_name
        if not starter_path.is_file():
            raise ExerciseSpecError(f"{path}: key 'submission.starter' names {starter_name!r}, but {starter_path} does not exist.")
        starter = starter_path.read_text(encoding="utf-8")
    raw_items = r.get("items", list, "a list of [[items]] tables")
    if not raw_items:
        raise r.fail("items", "at least one [[items]] table", raw_items)
    items = tuple(_read_item(path, table, k, decimals) for k, table in enumerate(raw_items))
    names = [item.name for item in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExerciseSpecError(f"{path}: item names must be unique; repeated: {', '.join(duplicates)}.")
    exercise = Exercise(
        id=exercise_id,
        version=str(r.get("version", (str, int), "a version string, e.g. '1'")),
        title=r.get("title", str, "a one-line title"),
        kind=r.get("kind", str, "the name of a gradecheck exercise kind"),
        statement=statement_path.read_text(encoding="utf-8"),
        directory=path.parent,
        entry_points=s.strings("entry_points", ()),
        forbidden_imports=s.strings("forbidden_imports", DEFAULT_FORBIDDEN_IMPORTS),
        given=dict(r.get("given", dict, "a table [given]", {})),
        items=items,
        hints=r.strings("hints", ()),
        starter_code=starter,
        decimals=decimals,
        settings=dict(r.get("settings", dict, "a table [settings]", {})),
        sections={key: value for key, value in data.items() if isinstance(value, dict) and key not in _TABLES},
    )
    from gradecheck._kinds import kind_of

    try:
        kind_of(exercise).validate(exercise)
    except ExerciseSpecError:
        raise
    except GradecheckError as error:
        raise ExerciseSpecError(f"{path}: {error}") from None
    return exercise


def exercise_ids(directory: Path | None = None) -> list[str]:
    """The ids of the exercises in ``directory`` (default: the shipped ones), sorted."""
    root = directory or EXERCISES_DIR
    return sorted(p.parent.name for p in root.glob("*/exercise.toml"))


def load_exercise(exercise: str | Path) -> Exercise:
    """Load a shipped exercise by id, or an exercise folder / ``exercise.toml`` by path."""
    candidate = Path(exercise)
    if candidate.suffix == ".toml" and candidate.is_file():
        return load_exercise_file(candidate)
    if candidate.is_dir() and (candidate / "exercise.toml").is_file():
        return load_exercise_file(candidate / "exercise.toml")
    path = EXERCISES_DIR / str(exercise) / "exercise.toml"
    if not path.is_file():
        known = ", ".join(exercise_ids()) or "(none)"
        raise ExerciseSpecError(
            f"unknown exercise {str(exercise)!r}: expected a shipped exercise id ({known}) "
            f"or the path of an exercise folder; run 'gradecheck exercises' to list them."
        )
    return load_exercise_file(path)
