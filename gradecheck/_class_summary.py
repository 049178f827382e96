"""The class summary page of a batch: score histogram, per-test pass rates, mistakes.

A self-contained HTML page (inline CSS, no scripts, no external resources).
The charts are horizontal bars drawn with CSS widths: two bar charts do not
justify a plotting dependency in a grader that must install anywhere.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["render_class_summary", "score_histogram", "pass_rates"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
td, th { padding: 0.15rem 0.5rem; text-align: left; font-size: 0.9rem; }
.bar { background: #4a7bd0; height: 0.9rem; }
.bar.low { background: #d0584a; }
.track { background: #eee; width: 24rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def score_histogram(scores: Sequence[float], max_score: float, bins: int = 10) -> list[tuple[str, int]]:
    """``(label, count)`` per bin of width ``max_score / bins``; the top bin includes full marks."""
    counts = [0] * bins
    for score in scores:
        fraction = score / max_score if max_score > 0 else 0.0
        counts[min(bins - 1, max(0, int(fraction * bins)))] += 1
    width = max_score / bins if max_score > 0 else 0.0
    return [(f"{k * width:g}–{(k + 1) * width:g}", counts[k]) for k in range(bins)]


def pass_rates(results: Sequence[Mapping[str, Any]]) -> list[tuple[str, int, int]]:
    """``(test name, passed, total)`` in first-seen order."""
    order: list[str] = []
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for result in results:
        for test in result.get("tests", []):
            name = test["name"]
            if name not in total:
                order.append(name)
            total[name] += 1
            passed[name] += test.get("status") == "passed"
    return [(name, passed[name], total[name]) for name in order]


def _bars(rows: Sequence[tuple[str, float, str]], low: float | None = None) -> str:
    lines = ["<table>"]
    for label, fraction, text in rows:
        css = "bar low" if low is not None and fraction < low else "bar"
        width = f"{100 * max(0.0, min(1.0, fraction)):.1f}%"
        lines.append(
            f'<tr><td>{html.escape(label)}</td><td class="track"><div class="{css}" style="width: {width}"></div></td>'
            f'<td class="num">{html.escape(text)}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def render_class_summary(title: str, results: Sequence[Mapping[str, Any]]) -> str:
    """The class summary page for ``results`` (C2 dicts)."""
    scores = [float(r.get("score", 0.0)) for r in results]
    max_score = max((float(r.get("max_score", 0.0)) for r in results), default=0.0)
    n = len(results)
    mean = sum(scores) / n if n else 0.0
    full = sum(1 for s in scores if max_score > 0 and s >= max_score)
    errors = [r for r in results if (r.get("gradecheck") or {}).get("error")]
    mistakes: Counter[str] = Counter(m for r in results for m in (r.get("gradecheck") or {}).get("mistakes", []))
    histogram = score_histogram(scores, max_score)
    peak = max((count for _, count in histogram), default=0) or 1
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}: class summary</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{n} submissions; mean score {mean:.2f} / {max_score:g}; {full} with full marks; "
        f"{len(errors)} could not be graded (see their results files).</p>",
        "<h2>Scores</h2>",
        _bars([(label, count / peak, str(count)) for label, count in histogram]),
        "<h2>Pass rate per test</h2>",
        _bars([(name, p / t if t else 0.0, f"{p}/{t}") for name, p, t in pass_rates(results)], low=0.5),
    ]
    if mistakes:
        parts.append("<h2>Diagnosed mistakes</h2>")
        parts.append(_bars([(m, c / n, f"{c}") for m, c in mistakes.most_common()]))
    parts.append("</body></html>")
    return "\n".join(parts)
