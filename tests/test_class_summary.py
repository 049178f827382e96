"""The class summary page of a batch: histogram, pass rates, escaping."""

from __future__ import annotations

from html.parser import HTMLParser

from gradecheck._class_summary import pass_rates, render_class_summary, score_histogram


def result(score: float, passed: dict[str, bool], mistakes: tuple[str, ...] = (), error: str | None = None) -> dict:
    return {
        "score": score,
        "max_score": 10.0,
        "tests": [{"name": name, "status": "passed" if ok else "failed"} for name, ok in passed.items()],
        "gradecheck": {"mistakes": list(mistakes), "error": error},
    }


def test_histogram_bins_scores_and_puts_full_marks_in_the_top_bin() -> None:
    bins = score_histogram([0.0, 0.5, 9.99, 10.0, 5.0], 10.0, bins=10)
    counts = dict(bins)
    assert counts["0–1"] == 2 and counts["9–10"] == 2 and counts["5–6"] == 1
    assert sum(counts.values()) == 5


def test_pass_rates_count_per_test_in_first_seen_order() -> None:
    results = [result(10, {"a": True, "b": True}), result(0, {"a": False, "c": False})]
    assert pass_rates(results) == [("a", 1, 2), ("b", 1, 1), ("c", 0, 1)]


def test_the_page_escapes_names_and_counts_errors_and_mistakes() -> None:
    results = [
        result(10, {"<script>x</script>": True}),
        result(0, {"<script>x</script>": False}, mistakes=("sign-error",)),
        result(0, {}, error="could not load"),
    ]
    page = render_class_summary("Title & <b>", results)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "3 submissions" in page and "1 could not be graded" in page and "sign-error" in page

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag not in ("meta",):
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open.pop() == tag

    parser = Tags()
    parser.feed(page)
    assert parser.open == []
