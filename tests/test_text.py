"""gradecheck._text: reasons are shortened only at a word boundary, with an ellipsis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradecheck._text import ELLIPSIS, first_line, shorten


def test_text_that_fits_is_unchanged_and_longer_text_ends_at_a_whole_word() -> None:
    reason = "'b.ipynb' is not a valid notebook: invalid JSON at line 1 column 27 (Expecting value)."
    assert shorten(reason, len(reason)) == reason
    assert shorten(reason, 48) == "'b.ipynb' is not a valid notebook: invalid JSON" + ELLIPSIS
    assert shorten(reason, 47) == "'b.ipynb' is not a valid notebook: invalid" + ELLIPSIS  # not "invalid JSO…"
    assert shorten("a notebook: invalid JSON", 13) == "a notebook" + ELLIPSIS  # no dangling ':' before the ellipsis


def test_a_single_word_longer_than_the_width_is_cut_inside_it() -> None:
    assert shorten("/a/very/long/path/without/spaces", 10) == "/a/very/l" + ELLIPSIS
    with pytest.raises(ValueError, match="width: expected at least 2"):
        shorten("text", 1)


def test_first_line_is_whole() -> None:
    assert first_line(None) == "" and first_line("  one sentence. Two.\n  trace\n") == "one sentence. Two."


@given(st.text(alphabet=st.sampled_from("ab :,\n"), max_size=60), st.integers(2, 40))
def test_shortened_text_fits_and_is_a_start_of_whole_words(text: str, width: int) -> None:
    short = shorten(text, width)
    assert len(short) <= width
    if short == text:
        return
    assert short.endswith(ELLIPSIS)
    kept = short[: -len(ELLIPSIS)]
    assert text.startswith(kept)
    if any(c.isspace() for c in text[1 : width - 1]) and kept.strip(" \n,;:"):
        assert text[len(kept) :][:1].isspace() or text[len(kept):][:1] in ",;:"  # cut where a word ends
