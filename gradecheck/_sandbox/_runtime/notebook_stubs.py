"""Stand-ins for what notebooks use to show things: plots, progress bars, rich display.

Loaded by the worker (never by the grader) and imports nothing from gradecheck.
A notebook nearly always plots (``import matplotlib.pyplot as plt``), shows
values (``display(x)``) and wraps loops in progress bars (``tqdm``).  None of
it is graded, and none of it may cost credit, so the worker answers those
imports with the modules here: every call does nothing and returns something
that accepts whatever a notebook does next (``fig, ax = plt.subplots()``,
``ax.set_title(...)``, ``line, = ax.plot(...)``, ``plt.savefig(...)``,
``plt.show()``).  ``tqdm(iterable)`` yields the iterable's items unchanged.

Stand-ins rather than the real packages: no native code, fonts, caches or
files enter the sandbox, a plot costs no time, and nothing a stand-in does can
reach outside the worker.  An exercise that lists a stubbed package in
``allowed_packages`` gets the real one instead (the worker is told which).
"""

import builtins
import importlib.abc
import importlib.machinery
import sys
import types

#: Top-level packages answered by stand-ins (unless the exercise allows the real one).
STUBBED = ("matplotlib", "mpl_toolkits", "seaborn", "tqdm", "IPython")
_NOTE = "a stand-in: plotting and display are not run while grading"


class Nothing:
    """Accepts any attribute, call, index, context or arithmetic, and does nothing."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        maker = _SHAPED.get(name)
        return maker if maker is not None else NOTHING

    def __call__(self, *args, **kwargs):
        return NOTHING

    def __getitem__(self, key):
        return NOTHING

    def __setitem__(self, key, value):
        pass

    def __setattr__(self, name, value):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __bool__(self):
        return True

    def __format__(self, spec):
        return ""

    def __repr__(self):
        return f"<{_NOTE}>"

    def _self(self, *args):
        return NOTHING

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _self
    __neg__ = __pos__ = __abs__ = _self


NOTHING = Nothing()


def _axes_grid(nrows=1, ncols=1, squeeze=True):
    """What ``subplots`` returns as axes: one, or an array shaped (nrows, ncols) (squeezed like matplotlib)."""
    nrows, ncols = _int(nrows), _int(ncols)
    if squeeze and nrows == 1 and ncols == 1:
        return NOTHING
    try:
        import numpy
    except ImportError:
        grid = [[NOTHING] * ncols for _ in range(nrows)]
        return grid[0] if squeeze and nrows == 1 else [row[0] for row in grid] if squeeze and ncols == 1 else grid
    grid = numpy.empty((nrows, ncols), dtype=object)
    grid.fill(NOTHING)
    return grid.squeeze() if squeeze else grid


def _int(value):
    try:
        return max(1, min(int(value), 64))
    except (TypeError, ValueError, OverflowError):
        return 1


def _subplots(nrows=1, ncols=1, *args, squeeze=True, **kwargs):
    return NOTHING, _axes_grid(nrows, ncols, squeeze)


def _figure_subplots(nrows=1, ncols=1, *args, squeeze=True, **kwargs):
    return _axes_grid(nrows, ncols, squeeze)


def _lines(*args, **kwargs):
    return [NOTHING]


def _histogram(*args, **kwargs):
    return NOTHING, NOTHING, NOTHING


#: Methods of figures and axes whose results notebooks unpack: name -> a function giving that shape.
_SHAPED = {
    "subplots": _figure_subplots,
    "plot": _lines, "semilogx": _lines, "semilogy": _lines, "loglog": _lines, "step": _lines, "plot_date": _lines,
    "hist": _histogram,
}


class Progress:
    """``tqdm``: iterates over its iterable unchanged and shows nothing."""

    def __init__(self, iterable=None, *args, **kwargs):
        self.iterable = iterable
        self.n = 0
        self.total = kwargs.get("total")

    def __iter__(self):
        return iter(self.iterable if self.iterable is not None else ())

    def __len__(self):
        try:
            return len(self.iterable)
        except TypeError:
            return int(self.total or 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def __getattr__(self, name):  # update, close, set_description, set_postfix, refresh, ...
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return NOTHING

    @staticmethod
    def write(*args, **kwargs):
        pass


def _trange(*args, **kwargs):
    return Progress(range(*args), **kwargs)


def display(*objects, **kwargs):
    """IPython's ``display``: shows nothing while grading."""
    return None


def get_ipython():
    """IPython's ``get_ipython()`` (as in notebooks exported to .py): its magics do nothing while grading."""
    return NOTHING


_CONTENTS = {
    "matplotlib.pyplot": {"subplots": _subplots},
    "tqdm": {"tqdm": Progress, "trange": _trange},
    "IPython": {"display": display, "get_ipython": get_ipython},
    "IPython.display": {"display": display},
}
for _name in ("tqdm.auto", "tqdm.notebook", "tqdm.std", "tqdm.autonotebook", "tqdm.rich"):
    _CONTENTS[_name] = _CONTENTS["tqdm"]


class StubModule(types.ModuleType):
    """A stand-in module: any name it lacks is :data:`NOTHING` (or, as ``plt.hist``, shaped like its result)."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _SHAPED.get(name, NOTHING)


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of the packages in ``names`` (and their submodules) with stand-ins."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in self.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = StubModule(spec.name, _NOTE)
        module.__path__ = []
        module.__version__ = "0"
        return module

    def exec_module(self, module):
        module.__dict__.update(_CONTENTS.get(module.__name__, {}))


def install(real_packages=()):
    """Answer imports of :data:`STUBBED` packages not in ``real_packages`` with stand-ins, and give the builtins
    IPython adds: ``display``, ``get_ipython``.  Call it before installing the finder of forbidden imports, which
    must come first so that a forbidden package is refused even where it has a stand-in."""
    names = [name for name in STUBBED if name not in set(real_packages)]
    for name in list(sys.modules):
        if name.partition(".")[0] in names:
            del sys.modules[name]
    sys.meta_path.insert(0, StubFinder(names))
    builtins.display = display
    builtins.get_ipython = get_ipython
    return names
