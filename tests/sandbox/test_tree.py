"""The runtime tree's package lookup (gradecheck._sandbox._tree): the quick paths find what the slow ones did."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from gradecheck._sandbox import _tree


def _top_level_from_files(distribution: metadata.Distribution) -> set[str]:
    """What ``_top_level_entries`` read before: ``Distribution.files``, a PackagePath per RECORD row."""
    names = set()
    for entry in distribution.files or ():
        parts = Path(str(entry)).parts
        if parts and parts[0] != "..":
            names.add(parts[0])
    return names


def test_top_level_names_read_from_record_are_those_of_distribution_files() -> None:
    distributions = list(metadata.distributions())
    assert len(distributions) > 10  # numpy, jax, hypothesis ... and what they require
    for distribution in distributions:
        _, names = _tree._top_level_entries(distribution)
        assert names == _top_level_from_files(distribution), distribution.metadata["Name"]


def test_an_import_name_finds_a_distribution_that_provides_it() -> None:
    """By name when a distribution of that name provides it (numpy), else through packages_distributions
    (an import name that differs from its distribution's, e.g. _pytest from pytest, yaml from PyYAML)."""
    mapping = metadata.packages_distributions()
    names = sorted(name for name in mapping if name.isidentifier())
    assert "numpy" in names and "_pytest" in names
    for name in names:
        found = _tree._distribution_for(name)
        assert found is not None, name
        assert found.metadata["Name"] in mapping[name], name
        assert _tree._provides(found, name), name
    assert _tree._distribution_for("no_such_package_anywhere") is None


def _install(site: Path, distribution: str, provides: str) -> None:
    """A minimal installed distribution (METADATA and RECORD) whose only module is ``provides``."""
    info = site / f"{distribution}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (site / provides).mkdir()
    (site / provides / "__init__.py").write_text("")
    (info / "RECORD").write_text(f"{provides}/__init__.py,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")


def test_a_distribution_named_like_the_import_name_but_not_providing_it_is_not_taken(
    tmp_path: Path, monkeypatch
) -> None:
    """``gcfake_alpha`` (a distribution) provides the module ``gcfake_beta``, and ``gcfake_beta`` (a distribution)
    provides ``gcfake_alpha``: each import name must come from the distribution that provides it."""
    _install(tmp_path, "gcfake_alpha", "gcfake_beta")
    _install(tmp_path, "gcfake_beta", "gcfake_alpha")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _tree._distribution_for("gcfake_alpha").metadata["Name"] == "gcfake_beta"
    assert _tree._distribution_for("gcfake_beta").metadata["Name"] == "gcfake_alpha"
