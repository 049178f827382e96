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
