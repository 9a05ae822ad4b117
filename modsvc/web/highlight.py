"""Comment text with its flagged spans marked, built without ever trusting the text.

The text is split at every span boundary in Python; each piece is escaped on its own and wrapped in a
<mark> that lists the spans covering it, so overlapping spans need no nesting and no markup is ever made
from comment text. Offsets are Python string indices into the original text (the analysis core's contract).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_CLASS_SAFE = re.compile(r"[^a-z0-9_-]")


def label_class(label: str | None) -> str:
    return _CLASS_SAFE.sub("", (label or "other").lower())[:40] or "other"


@dataclass(frozen=True)
class CleanSpan:
    index: int  # position in the span list, to link a highlight to its explanation
    begin: int
    end: int
    label: str
    score: float
    reason: str
    trope: str | None


def clean_spans(spans: list | None, text_length: int) -> list[CleanSpan]:
    """Valid spans only: integer offsets inside the text, begin < end. Malformed ones are dropped."""
    out: list[CleanSpan] = []
    for raw in spans or []:
        if not isinstance(raw, dict):
            continue
        begin, end = raw.get("begin"), raw.get("end")
        if not isinstance(begin, int) or not isinstance(end, int) or isinstance(begin, bool):
            continue
        begin, end = max(0, begin), min(text_length, end)
        if begin >= end:
            continue
        try:
            score = float(raw.get("score") or 0.0)
        except (TypeError, ValueError):
            score = 0.0
        out.append(CleanSpan(index=len(out), begin=begin, end=end, label=str(raw.get("label") or "other"),
                             score=score, reason=str(raw.get("reason") or ""), trope=raw.get("trope") or None))
    return out


def highlight(text: str | None, spans: list[CleanSpan]) -> Markup:
    text = text or ""
    if not spans:
        return escape(text)
    cuts = sorted({0, len(text), *(s.begin for s in spans), *(s.end for s in spans)})
    parts: list[Markup] = []
    for start, stop in zip(cuts, cuts[1:]):
        piece = text[start:stop]
        covering = [s for s in spans if s.begin <= start and stop <= s.end]
        if not covering:
            parts.append(escape(piece))
            continue
        strongest = max(covering, key=lambda s: s.score)
        title = "; ".join(_describe(s) for s in covering)
        classes = f"hl hl-{label_class(strongest.label)}" + (" hl-overlap" if len(covering) > 1 else "")
        parts.append(Markup('<mark class="{}" data-spans="{}" title="{}">{}</mark>').format(
            classes, " ".join(str(s.index) for s in covering), title, piece))
    return Markup("").join(parts)


def _describe(span: CleanSpan) -> str:
    what = span.reason or span.label
    name = trope_title(span.trope) if span.trope else span.label
    return f"{name}: {what} ({span.score:.2f})" if name != what else f"{what} ({span.score:.2f})"


def trope_title(trope: str | None) -> str:
    """'control_finance' -> 'Control finance'."""
    if not trope:
        return ""
    words = trope.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
