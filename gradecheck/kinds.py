"""Writing an exercise kind: the public base class and helpers, for kinds that live outside gradecheck.

A *kind* is trusted Python code that grades one family of exercises: it builds
instances (the statement's given values, or random ones for hidden checks),
computes every expected output with a float64 reference, calls the
submission's functions, and models typical mistakes.  Most exercises need no
new kind (the generic kinds are configured by the spec alone); write one when
they cannot express an exercise.

Where a kind can live
---------------------

- **Beside one exercise**: ``exercises/<id>/kind.py`` defining ``KIND`` (an
  instance of a subclass of :class:`ExerciseKind`); the spec says
  ``kind = "local"``.  Every process that loads the exercise (``grade``'s
  worker pool included) imports that file from the exercise folder.  It is
  trusted instructor code, like the spec: it runs in the grader, never in the
  sandbox, and a learner's submission never sees it.  It is one file: code
  shared by several exercises belongs in a package (next point).
- **In an installed package**: an entry point in the group
  ``gradecheck.kinds`` whose name is the kind's name (lowercase letters, digits,
  underscores) and whose object is an ``ExerciseKind`` instance (or a subclass,
  created without arguments)::

      # pyproject.toml of the package "mycourse"
      [project.entry-points."gradecheck.kinds"]
      dense_tanh = "mycourse.kinds:DENSE_TANH"

  and the spec says ``kind = "dense_tanh"``.  The kinds that ship with
  gradecheck take precedence over an installed one of the same name.

What a kind declares
--------------------

Class (or instance) attributes of :class:`ExerciseKind`:

- ``entry_points``: the submission's functions, :class:`EntryPoint` objects
  (name, the instance keys passed as arguments, how each travels, output keys
  returned).  The spec's ``[submission] entry_points`` must match them.
- ``given_keys``, ``settings_keys``: what ``[given]`` and ``[settings]`` may
  hold, ``{name: SpecKey(...)}`` (or ``{name: "description"}``).  Loading a
  spec refuses any other key (with the file, the line and the closest declared
  name) and checks each value's type and range.  ``None`` (the default):
  not declared, any key is accepted.
- ``section_keys``: the kind's own top-level tables, ``{"network": {name:
  SpecKey, ...}}``; a table mapped to ``None`` takes any keys.  Declared, any
  other top-level table is refused.  These are checked before
  :meth:`ExerciseKind.bind` (which may read them from ``exercise.sections``);
  ``given_keys`` and ``settings_keys`` are read from the bound kind, so a
  generic kind may declare them per exercise.
- ``carry_from``, ``mistakes``, ``extra_mistakes``: credit carried forward
  and the mistakes it can diagnose (:class:`Mistake`, :data:`MISTAKES`).

And implements the hooks: ``given_instance(given)``, ``instance_strategy(settings)``
(Hypothesis), ``expected(instance)``, optionally ``mistaken(instance, mistake)``,
``backward_from_forward``, ``explain_failure``, ``describe``, ``bind(exercise)``
and ``validate(exercise)`` (call ``super().validate(exercise)``; raise
:class:`SpecProblem` naming the key, so the loader can give its line).

A minimal kind, ``exercises/square/kind.py`` (``tests/data/validate/local-kind`` holds it with its
exercise, reference solution and a known-wrong variant; ``gradecheck validate`` passes it)::

    import numpy as np
    from hypothesis import strategies as st

    from gradecheck import strategies as gst
    from gradecheck.kinds import EntryPoint, ExerciseKind, SpecKey, jax_reference


    def _square(x):
        import jax
        import jax.numpy as jnp

        y, pullback = jax.vjp(lambda v: jnp.sum(v**2), x)
        return {"y": y, "d_x": pullback(1.0)[0]}


    _reference = jax_reference(_square)


    class Square(ExerciseKind):
        entry_points = (
            EntryPoint("forward", ("x",), ("array",), ("y",)),
            EntryPoint("backward", ("x",), ("array",), ("d_x",)),
        )
        given_keys = {"x": SpecKey("the input vector", "array", required=True)}
        settings_keys = {"max_magnitude": SpecKey("largest |x|", "number", positive=True, default=2.0)}
        mistakes = ("sign-error",)

        def given_instance(self, given):
            return {"x": np.asarray(given["x"], dtype=np.float64)}

        def instance_strategy(self, settings):
            magnitude = settings.get("max_magnitude", 2.0)
            return st.fixed_dictionaries({"x": gst.float64_arrays(3, max_magnitude=magnitude)})

        def expected(self, instance):
            return _reference(instance["x"])

        def mistaken(self, instance, mistake):
            x = np.asarray(instance["x"], dtype=np.float64)
            if mistake == "sign-error":
                return {"y": np.sum(x**2), "d_x": -2 * x}
            return None


    KIND = Square()
"""

from __future__ import annotations

from gradecheck._kinds import ENTRY_POINT_GROUP, LOCAL, LOCAL_FILE, get_kind, kind_names, kind_of
from gradecheck._kinds._base import (
    VALUE_TYPES,
    EntryPoint,
    ExerciseKind,
    Instance,
    OutputError,
    SpecKey,
    SpecProblem,
    as_output_array,
    format_value,
    jax_reference,
    reproduces,
    sigmoid,
)
from gradecheck._mistakes import MISTAKES, Mistake

__all__ = [
    "ENTRY_POINT_GROUP",
    "LOCAL",
    "LOCAL_FILE",
    "MISTAKES",
    "VALUE_TYPES",
    "EntryPoint",
    "ExerciseKind",
    "Instance",
    "Mistake",
    "OutputError",
    "SpecKey",
    "SpecProblem",
    "as_output_array",
    "format_value",
    "get_kind",
    "jax_reference",
    "kind_names",
    "kind_of",
    "reproduces",
    "sigmoid",
]
