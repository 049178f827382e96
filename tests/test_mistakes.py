"""The mistake catalogue: each entry's words describe its own mistake (swapping two entries' words fails here;
swapping two mistake models fails tests/kinds/test_all_exercises.py, where each known-wrong variant must get
exactly its own diagnosis)."""

from __future__ import annotations

import pytest

from gradecheck._mistakes import MISTAKES

#: Mistake id -> (a phrase only its title has, a phrase only its explanation has), lower case: what that mistake
#: does, in the words a learner reads.
WORDS = {
    "missing-activation-derivative": ("activation derivative missing", "passed straight through"),
    "hidden-activation-derivative-missing": ("hidden-layer activation", "carried back into a hidden layer"),
    "derivative-on-preactivation": ("to z instead of a", "z * (1 - z)"),
    "sign-error": ("sign error", "wrong sign"),
    "transposed-weight-gradient": ("weight gradient transposed", "inputs x delta"),
    "transposed-weight-layout": ("wrong layout", "reshaped column-wise"),
    "upstream-ignored": ("upstream gradient ignored", "assumes dl/da = 1"),
    "input-gradient-skips-derivative": ("input gradient", "dl/dx was computed from dl/da"),
    "factor-two": ("factor 2", "twice"),
    "batch-mean-mismatch": ("1/m", "batch size m"),
    "layers-reversed": ("wrong order", "wrong layer's weights"),
    "bias-not-summed": ("bias gradient not summed", "one example's delta"),
    "regularization-in-gradient-only": ("regularization", "weight-decay"),
    "hidden-uses-one-output": ("only one output", "one output's path"),
}


def test_every_catalogued_mistake_has_its_words() -> None:
    assert set(WORDS) == set(MISTAKES)


@pytest.mark.parametrize("mistake", sorted(WORDS))
def test_each_entry_says_what_its_own_mistake_does(mistake: str) -> None:
    title_words, explanation_words = WORDS[mistake]
    entry = MISTAKES[mistake]
    assert entry.id == mistake
    assert title_words in entry.title.lower()
    assert explanation_words in entry.explanation.lower()
    # ... and no other entry's title or explanation says it (titles: as a whole, since "Hidden-layer activation
    # derivative missing" contains "activation derivative missing").
    others = [other for other in MISTAKES.values() if other.id != mistake]
    assert not [o.id for o in others if o.title.lower() == entry.title.lower() or o.title.lower().startswith(title_words)]
    assert not [o.id for o in others if explanation_words in o.explanation.lower()]
    assert entry.hint and entry.hint != entry.explanation
