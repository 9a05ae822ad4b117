"""Span highlighting: split at offsets, escape each piece, overlapping and malformed spans."""
from __future__ import annotations

from modsvc.web.highlight import clean_spans, highlight


def spans(*triples):
    return [{"begin": b, "end": e, "label": l, "score": 0.5, "reason": "r", "trope": None} for b, e, l in triples]


def test_plain_text_is_escaped():
    assert str(highlight("<b>&</b>", [])) == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_marks_exact_offsets():
    text = "abc <i>def</i> ghi"
    out = str(highlight(text, clean_spans(spans((4, 14, "insult")), len(text))))
    assert out == 'abc <mark class="hl hl-insult" data-spans="0" title="insult: r (0.50)">&lt;i&gt;def&lt;/i&gt;</mark> ghi'


def test_overlapping_spans_are_split_not_nested():
    import re

    text = "0123456789"
    out = str(highlight(text, clean_spans(spans((2, 6, "threat"), (4, 8, "insult")), len(text))))
    pieces = re.findall(r'<mark class="([^"]+)" data-spans="([^"]+)" title="([^"]+)">([^<]*)</mark>', out)
    assert [(p[1], p[3]) for p in pieces] == [("0", "23"), ("0 1", "45"), ("1", "67")]
    assert pieces[1][2] == "threat: r (0.50); insult: r (0.50)" and "hl-overlap" in pieces[1][0]
    assert out.startswith("01<mark") and out.endswith("</mark>89")


def test_malformed_spans_dropped_and_clamped():
    text = "hello"
    cleaned = clean_spans([{"begin": 3, "end": 99, "label": "x"}, {"begin": 4, "end": 2}, {"begin": "1", "end": 3},
                           "junk", {"begin": True, "end": 3}, {"begin": -5, "end": 1, "label": '"><script>'}], len(text))
    assert [(s.begin, s.end) for s in cleaned] == [(3, 5), (0, 1)]
    out = str(highlight(text, cleaned))
    assert "<script>" not in out and 'class="hl hl-script"' in out
    assert out.endswith(">lo</mark>")


def test_title_attribute_escapes_reason():
    text = "abc"
    out = str(highlight(text, clean_spans([{"begin": 0, "end": 3, "label": "toxicity", "score": 1,
                                             "reason": '"onmouseover="alert(1)'}], 3)))
    assert 'title="toxicity: &#34;onmouseover=&#34;alert(1) (1.00)"' in out
