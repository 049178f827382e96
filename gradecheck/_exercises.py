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
    [variants] KEY = {min, max, decimals, nonzero} | {choices}   given values drawn per student
    [[items]] name, outputs, points, instance ("given" | "hidden"), elements,
              element_names, shape, rtol, atol, decimals, examples, visibility,
              self_check, carry_forward, hint, hint_for
    hints = [...]
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gradecheck import _points
from gradecheck._errors import GradecheckError, InvalidArgumentError
from gradecheck._toml_lines import key_lines, line_of
from gradecheck._variants import PROBE_STUDENT, Variant, VariantError, VariantRule, draw_variant, read_rules

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
_TABLES = ("submission", "given", "settings", "variants")


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
        hint: shown to the learner when the item fails with a wrong answer
            (not when no answer came back: an error, a missing function, a
            time-out).
        hint_for: the mistake ids the hint is about: it is then shown only
            when the grading diagnoses one of them (``None``: on every wrong
            answer).
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
    hint_for: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class Exercise:
    """A loaded, validated exercise spec."""

    id: str
    version: str
    title: str
    kind: str
    #: The statement as written, placeholders and all (:attr:`statement` is what learners read).
    statement_source: str
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
    #: The statement's file (for messages about its placeholders).
    statement_file: Path | None = None
    #: Installed packages (top-level import names) a submission may import besides the standard library and
    #: numpy; they, and what they require, go into the sandbox's runtime tree for this exercise.
    allowed_packages: tuple[str, ...] = ()
    #: ``[variants]``: how given values are drawn per student (``[given]`` key -> rule); empty: the same for all.
    variants: Mapping[str, VariantRule] = dataclasses.field(default_factory=dict)
    #: The student whose variant this is (:meth:`for_student`); ``None``: the spec's own ``[given]`` values.
    variant: Variant | None = None

    def for_student(self, student: str) -> Exercise:
        """This exercise as ``student`` sees it: ``[given]`` drawn for them (:mod:`gradecheck._variants`).

        The statement, the given items, the audit and the template all use the
        drawn values; hidden items are the same for every student.  An
        exercise without ``[variants]`` is returned unchanged.  Raises
        :class:`ExerciseSpecError` when the kind refuses every draw.
        """
        if not self.variants or (self.variant is not None and self.variant.student == student):
            return self
        try:
            given, variant = draw_variant(self, student)
        except InvalidArgumentError:
            raise
        except GradecheckError as error:
            raise ExerciseSpecError(str(error)) from None
        return dataclasses.replace(self, given=given, variant=variant)

    @property
    def max_score(self) -> float:
        """The points of all items, summed exactly (:mod:`gradecheck._points`)."""
        return _points.total(item.points for item in self.items)

    @functools.cached_property
    def statement(self) -> str:
        """The statement as learners read it: :attr:`statement_source` with its placeholders filled.

        Computed values (``{{ expected.a[0] }}``) come from the kind's
        reference on the given values, computed the first time this is read.
        Raises :class:`ExerciseSpecError` (naming the file, the line and the
        placeholder) when one does not resolve.
        """
        from gradecheck._statements import PlaceholderError, placeholders, points_namespace, render

        try:
            if not placeholders(self.statement_source) and "\\{{" not in self.statement_source:
                return self.statement_source

            def expected() -> Mapping[str, Any]:
                from gradecheck._kinds import kind_of

                kind = kind_of(self)
                return kind.expected(kind.given_instance(self.given))

            return render(
                self.statement_source,
                given=self.given,
                settings=self.settings,
                points=points_namespace(self.items),
                expected=expected,
            )
        except PlaceholderError as error:
            raise ExerciseSpecError(f"{self.statement_file or self.directory / 'statement.md'}:{error.line}: {error}.") from None


class _Spec:
    """The spec file being loaded: its path and where each key is written, for messages ``FILE:LINE: ...``."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = key_lines(text)

    def error(self, message: str, *where: str | int) -> ExerciseSpecError:
        line = line_of(self.lines, where) if where else None
        return ExerciseSpecError(f"{self.path}{'' if line is None else f':{line}'}: {message}")

    def unknown(self, key: str, where: tuple[str | int, ...], known: Mapping[str, str], label: str) -> ExerciseSpecError:
        """An unknown ``key`` in the table at ``where``: the error, with the closest known key."""
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        suggestion = f" Did you mean {close[0]!r} ({known[close[0]]})?" if close else ""
        return self.error(
            f"unknown key {key!r} in {label}: gradecheck does not read it, so it would be ignored.{suggestion} "
            f"Known keys there: {', '.join(known)}. Remove or rename the key.",
            *where,
            key,
        )


def _label(where: tuple[str | int, ...], key: str) -> str:
    """How messages name a key: ``items[1].points``, ``submission.starter``, ``title``."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"{text}.{key}" if text else key


class _Reader:
    """Typed access to a TOML table with error messages that name file, line and key."""

    def __init__(self, spec: _Spec, table: Mapping[str, Any], where: tuple[str | int, ...] = ()) -> None:
        self.spec, self.table, self.where = spec, table, where
        self.path = spec.path

    def fail(self, key: str, expected: str, found: Any = dataclasses.MISSING) -> ExerciseSpecError:
        got = "it is missing" if found is dataclasses.MISSING else f"found {found!r}"
        at = (*self.where, key) if key in self.table else self.where
        return self.spec.error(f"key {_label(self.where, key)!r} should be {expected}; {got}.", *at)

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

    def known(self, keys: Mapping[str, str], label: str) -> None:
        """Refuse a key of this table that is not in ``keys`` (name -> description)."""
        for key in self.table:
            if key not in keys:
                raise self.spec.unknown(key, self.where, keys, label)


_IMPORT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _allowed_packages(spec: _Spec, s: _Reader, forbidden: Sequence[str]) -> tuple[str, ...]:
    """``[submission] allowed_packages``: top-level import names, installed here, none of them forbidden."""
    from gradecheck._sandbox._tree import DEFAULT_PACKAGES, missing_packages

    names = s.strings("allowed_packages", ())
    where = ("submission", "allowed_packages")
    for name in names:
        if not _IMPORT_NAME.fullmatch(name):
            raise spec.error(
                f"key 'submission.allowed_packages' should list top-level import names such as 'pandas' or 'scipy'; "
                f"found {name!r}. Name the package as a submission imports it, without dots or versions.", *where
            )
        if name in forbidden:
            raise spec.error(
                f"{name!r} is both in 'submission.allowed_packages' and in 'submission.forbidden_imports'; "
                f"remove it from one of them.", *where
            )
    missing = missing_packages(names)
    if missing:
        raise spec.error(
            f"key 'submission.allowed_packages' lists {', '.join(map(repr, missing))}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed for the Python that grades ({sys.executable}); "
            f"install {'it' if len(missing) == 1 else 'them'} there (pip install ...), or remove "
            f"{'it' if len(missing) == 1 else 'them'} from the list.", *where
        )
    return tuple(name for name in dict.fromkeys(names) if name not in DEFAULT_PACKAGES)


#: The keys of the spec's top level, of ``[submission]`` and of an ``[[items]]`` table: name -> what it is.
TOP_KEYS = {
    "id": "the exercise id, equal to the folder name",
    "version": "part of the seed of hidden checks",
    "title": "a one-line title",
    "kind": "the exercise kind",
    "statement": "the statement's file name",
    "decimals": "answers rounded to this many decimals are accepted on given values",
    "hints": "general hints",
    "submission": "the table [submission]",
    "given": "the table [given] of the statement's values",
    "settings": "the table [settings] for random instances",
    "variants": "the table [variants]: given values drawn per student",
    "items": "the graded items, [[items]] tables",
}
SUBMISSION_KEYS = {
    "entry_points": "the functions the submission defines, e.g. 'forward(x, w)'",
    "starter": "the starter code's file name",
    "forbidden_imports": "modules a submission may not import",
    "allowed_packages": "installed packages a submission may import besides the standard library and numpy",
}
ITEM_KEYS = {
    "name": "the test name",
    "outputs": "output keys of the kind",
    "points": "total points",
    "instance": "'given' or 'hidden'",
    "elements": "score each element separately",
    "element_names": "one name per element",
    "shape": "display shape for element names",
    "rtol": "relative tolerance",
    "atol": "absolute tolerance",
    "decimals": "answers rounded to this many decimals are accepted",
    "examples": "how many random instances a hidden item tries",
    "visibility": "Gradescope visibility",
    "self_check": "whether 'gradecheck check' runs it",
    "carry_forward": "let credit carry forward from a wrong forward pass",
    "hint": "shown when the item fails with a wrong answer",
    "hint_for": "the mistake ids the hint is about: shown only when one of them is diagnosed",
}
assert set(ITEM_KEYS) == {f.name for f in dataclasses.fields(ItemSpec)}


def _read_item(spec: _Spec, table: Any, position: int, decimals: int | None) -> ItemSpec:
    if not isinstance(table, Mapping):
        raise spec.error(f"items[{position}] should be a table ([[items]]); found {table!r}.", "items", position)
    r = _Reader(spec, table, ("items", position))
    r.known(ITEM_KEYS, f"items[{position}] ([[items]] number {position + 1})")
    instance = r.get("instance", str, "'given' or 'hidden'", "given")
    if instance not in INSTANCES:
        raise r.fail("instance", "'given' or 'hidden'", instance)
    visibility = r.get("visibility", str, f"one of {', '.join(VISIBILITIES)}", "visible")
    if visibility not in VISIBILITIES:
        raise r.fail("visibility", f"one of {', '.join(VISIBILITIES)}", visibility)
    expectation = f"a number of points >= 0 with at most {_points.DECIMALS} decimals"
    points = r.get("points", (int, float), expectation)
    if not points >= 0 or not math.isfinite(points):
        raise r.fail("points", expectation, points)
    try:
        _points.units(points)
    except ValueError:
        raise r.fail("points", expectation, points) from None
    shape = r.get("shape", list, "a list of positive integers", None)
    if shape is not None and not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        raise r.fail("shape", "a list of positive integers", shape)
    names = r.strings("element_names", None)
    examples = r.get("examples", int, "a positive integer", 50)
    if examples < 1:
        raise r.fail("examples", "a positive integer", examples)
    item_decimals = r.get("decimals", int, "a non-negative integer", decimals if instance == "given" else None)
    if item_decimals is not None and item_decimals < 0:
        raise r.fail("decimals", "a non-negative integer", item_decimals)
    rtol = r.get("rtol", (int, float), "a number >= 0", 1e-6)
    atol = r.get("atol", (int, float), "a number >= 0", 1e-9)
    for key, value in (("rtol", rtol), ("atol", atol)):
        if not value >= 0:
            raise r.fail(key, "a number >= 0", value)
    name = r.get("name", str, "a non-empty string")
    if not name.strip():
        raise r.fail("name", "a non-empty string", name)
    hint = r.get("hint", str, "a string", None)
    hint_for = r.strings("hint_for", None)
    if hint_for is not None and (hint is None or not hint_for):
        raise r.fail(
            "hint_for",
            "a non-empty list of mistake ids, on an item with a hint (hint_for says which mistakes the hint is about)",
            list(hint_for),
        )
    return ItemSpec(
        name=name,
        outputs=r.strings("outputs"),
        points=float(points),
        instance=instance,
        elements=r.get("elements", bool, "true or false", False),
        element_names=names,
        shape=tuple(shape) if shape is not None else None,
        rtol=float(rtol),
        atol=float(atol),
        decimals=item_decimals,
        examples=examples,
        visibility=visibility,
        self_check=r.get("self_check", bool, "true or false", instance == "given"),
        carry_forward=r.get("carry_forward", bool, "true or false", True),
        hint=hint,
        hint_for=hint_for,
    )


def _sections(spec: _Spec, data: Mapping[str, Any], kind: Any, kind_name: str) -> dict[str, Any]:
    """The spec's other top-level tables, for the kind; refused where the kind does not declare them.

    A kind that declares :attr:`~gradecheck._kinds._base.ExerciseKind.section_keys` gets exactly those
    tables, each checked against its keys.  One that declares nothing gets any table, except one whose
    name is close to a table every spec may have (``[setings]``): that is a typo.
    """
    from gradecheck._kinds._base import SpecProblem, check_keys

    declared = kind.section_keys
    sections = {key: value for key, value in data.items() if key not in TOP_KEYS}
    for name, value in sections.items():
        is_table = isinstance(value, Mapping) or (isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value))
        if declared is None or name not in declared:
            known = dict(TOP_KEYS)
            if declared is not None:
                known.update({table: f"a table of kind {kind_name!r}" for table in declared})
            elif is_table and not difflib.get_close_matches(name, [t for t in TOP_KEYS if t in _TABLES + ("items",)], n=1, cutoff=0.75):
                continue  # the kind declares nothing about its tables: kept for it, as before declarations
            raise spec.unknown(name, (), known, "the top level of the spec")
        try:
            if isinstance(value, Mapping):
                check_keys((name,), value, declared[name], f"kind {kind_name!r}")
            elif is_table:
                for position, element in enumerate(value):
                    check_keys((name, position), element, declared[name], f"kind {kind_name!r}")
            else:
                raise SpecProblem(f"{name} should be a table [{name}] of kind {kind_name!r}; found {value!r}.", name)
        except SpecProblem as problem:
            raise spec.error(str(problem), *problem.where) from None
    return sections


def load_exercise_file(path: str | Path, *, draw: bool = True) -> Exercise:
    """Load and validate one ``exercise.toml``; raise :class:`ExerciseSpecError` if malformed.

    Strict: an unknown key anywhere is refused (with the file, the line and the
    closest known key), ``[given]``, ``[settings]`` and the kind's own tables are
    checked against what the kind declares, ``entry_points`` against the
    functions it calls, and the statement's placeholders are parsed and resolved
    (those on computed values by name only: see :mod:`gradecheck._statements`).
    With ``draw`` (the default), hidden items' random instances must be drawable
    from ``[settings]`` (:meth:`ExerciseKind.validate_instances`, which imports
    Hypothesis); a learner's self-check that has seen this spec pass skips it.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExerciseSpecError(f"{path}: no such exercise spec file.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExerciseSpecError(f"{path}: not valid TOML: {error}.") from None
    spec = _Spec(path, text)
    r = _Reader(spec, data)
    for key, value in data.items():
        if key not in TOP_KEYS and not isinstance(value, (Mapping, list)):
            raise spec.unknown(key, (), TOP_KEYS, "the top level of the spec")
    exercise_id = r.get("id", str, "the exercise id, e.g. 'twelve-weights'")
    if path.parent.name != exercise_id and path.parent.name != "":
        raise r.fail("id", f"the folder name {path.parent.name!r}", exercise_id)
    decimals = r.get("decimals", int, "a non-negative integer", None)
    if decimals is not None and decimals < 0:
        raise r.fail("decimals", "a non-negative integer", decimals)
    statement_name = r.get("statement", str, "the statement's file name, e.g. 'statement.md'")
    statement_path = path.parent / statement_name
    if not statement_path.is_file():
        raise spec.error(f"key 'statement' names {statement_name!r}, but {statement_path} does not exist.", "statement")
    submission = r.get("submission", dict, "a table [submission]", {})
    s = _Reader(spec, submission, ("submission",))
    s.known(SUBMISSION_KEYS, "[submission]")
    starter_name = s.get("starter", str, "the starter code's file name", None)
    starter = ""
    if starter_name is not None:
        starter_path = path.parent / starter_name
        if not starter_path.is_file():
            raise spec.error(
                f"key 'submission.starter' names {starter_name!r}, but {starter_path} does not exist.", "submission", "starter"
            )
        starter = starter_path.read_text(encoding="utf-8")
    forbidden = s.strings("forbidden_imports", DEFAULT_FORBIDDEN_IMPORTS)
    raw_items = r.get("items", list, "a list of [[items]] tables")
    if not raw_items:
        raise r.fail("items", "at least one [[items]] table", raw_items)
    items = tuple(_read_item(spec, table, k, decimals) for k, table in enumerate(raw_items))
    names = [item.name for item in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise spec.error(
            f"item names must be unique; repeated: {', '.join(duplicates)}.", "items", names.index(duplicates[0]), "name"
        )
    given = dict(r.get("given", dict, "a table [given]", {}))
    try:
        variants = read_rules(r.get("variants", dict, "a table [variants]", {}), given)
    except VariantError as error:
        raise spec.error(str(error), *error.where) from None
    kind_name = r.get("kind", str, "the name of a gradecheck exercise kind")
    from gradecheck._kinds import get_kind
    from gradecheck._kinds._base import SpecProblem

    try:
        kind = get_kind(kind_name, path.parent)
    except GradecheckError as error:
        raise spec.error(str(error), "kind") from None
    exercise = Exercise(
        id=exercise_id,
        version=str(r.get("version", (str, int), "a version string, e.g. '1'")),
        title=r.get("title", str, "a one-line title"),
        kind=kind_name,
        statement_source=statement_path.read_text(encoding="utf-8"),
        directory=path.parent,
        entry_points=s.strings("entry_points", ()),
        forbidden_imports=forbidden,
        given=given,
        items=items,
        hints=r.strings("hints", ()),
        starter_code=starter,
        decimals=decimals,
        settings=dict(r.get("settings", dict, "a table [settings]", {})),
        sections=_sections(spec, data, kind, kind_name),
        statement_file=statement_path,
        allowed_packages=_allowed_packages(spec, s, forbidden),
        variants=variants,
    )
    try:
        bound = kind.bind(exercise)
        bound.validate(exercise)
        if draw:
            bound.validate_instances(exercise)
    except SpecProblem as problem:
        raise spec.error(str(problem), *problem.where) from None
    except ExerciseSpecError:
        raise
    except GradecheckError as error:
        raise spec.error(str(error)) from None
    from gradecheck._statements import PlaceholderError, check, points_namespace

    try:
        check(
            exercise.statement_source,
            given=exercise.given,
            settings=exercise.settings,
            points=points_namespace(exercise.items),
            outputs=bound.output_keys,
        )
    except PlaceholderError as error:
        raise ExerciseSpecError(f"{statement_path}:{error.line}: {error}.") from None
    if variants:
        try:  # one draw now, so that ranges the kind always refuses are a spec error, not a grading one
            draw_variant(exercise, PROBE_STUDENT)
        except GradecheckError as error:
            raise spec.error(str(error), "variants") from None
    return exercise


def exercise_ids(directory: Path | None = None) -> list[str]:
    """The ids of the exercises in ``directory`` (default: the shipped ones), sorted."""
    root = directory or EXERCISES_DIR
    return sorted(p.parent.name for p in root.glob("*/exercise.toml"))


def load_exercise(exercise: str | Path, *, draw: bool = True) -> Exercise:
    """Load a shipped exercise by id, or an exercise folder / ``exercise.toml`` by path (``draw``: as in
    :func:`load_exercise_file`)."""
    candidate = Path(exercise)
    if candidate.suffix == ".toml" and candidate.is_file():
        return load_exercise_file(candidate, draw=draw)
    if candidate.is_dir() and (candidate / "exercise.toml").is_file():
        return load_exercise_file(candidate / "exercise.toml", draw=draw)
    path = EXERCISES_DIR / str(exercise) / "exercise.toml"
    if not path.is_file():
        known = ", ".join(exercise_ids()) or "(none)"
        raise ExerciseSpecError(
            f"unknown exercise {str(exercise)!r}: expected a shipped exercise id ({known}) "
            f"or the path of an exercise folder; run 'gradecheck exercises' to list them."
        )
    return load_exercise_file(path, draw=draw)
