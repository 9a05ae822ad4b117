"""A Perspective API drop-in: ``POST /v1alpha1/comments:analyze`` and ``:suggestscore``, plus discovery.

Clients switch by changing the base URL (and key): request and response bodies, attribute names and
error shapes follow Google's commentanalyzer v1alpha1. Mapping to our labels:

    TOXICITY -> toxicity            SEVERE_TOXICITY -> severe_toxicity   IDENTITY_ATTACK -> identity_attack
    INSULT -> insult                PROFANITY -> obscene                 THREAT -> threat
    SEXUALLY_EXPLICIT -> sexual_explicit   ANTISEMITISM -> antisemitism  CONSPIRACY -> conspiracy

``*_EXPERIMENTAL`` names that Perspective had for these map to the same labels. Span offsets are in
UTF-16 code units, as Perspective's are. ``doNotStore`` is always honoured: analyze never stores text.
"""
from __future__ import annotations

import re

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .api_keys import SCORE_MAX_BODY, require_api_key
from . import perspective_errors as perr
from .google_errors import google_error
from .request_json import request_json

bp = Blueprint("perspective", __name__)

ATTRIBUTES: dict[str, str] = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexual_explicit",
    "ANTISEMITISM": "antisemitism",
    "CONSPIRACY": "conspiracy",
}
for _name in ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT"):
    ATTRIBUTES[f"{_name}_EXPERIMENTAL"] = ATTRIBUTES[_name]
ATTRIBUTES["SEXUALLY_EXPLICIT_EXPERIMENTAL"] = "sexual_explicit"

MAX_COMMENT_BYTES = 20480  # Perspective's limit for comment.text
SUPPORTED_SCORE_TYPES = {"PROBABILITY", "SCORE_TYPE_UNSPECIFIED", ""}

# A small stop-word detector: enough to tell the languages our models know from the ones they do not.
_STOPWORDS = {
    "en": "the and is are you to of that this it not for with have was be on they what",
    "de": "der die das und ist nicht ich sie es ein eine zu mit den auf für sind wir",
    "fr": "le la les et est une des pas que je vous il elle pour dans sur ce qui",
    "es": "el la los las y es que no un una por para con del se lo como pero",
    "it": "il lo la gli le e è che non un una per con del della sono ma questo",
    "pt": "o a os as e é que não um uma para com do da em se mas por isso",
    "nl": "de het een en is niet dat van ik je zijn op te met voor maar",
}
_STOPWORD_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_languages(text: str) -> list[str]:
    """Languages by likelihood (best first); English when nothing tells them apart."""
    if re.search(r"[\u0400-\u04FF]", text):
        return ["ru"]
    if re.search(r"[\u0590-\u05FF]", text):
        return ["he"]
    if re.search(r"[\u0600-\u06FF]", text):
        return ["ar"]
    if re.search(r"[\u3040-\u30FF\u4E00-\u9FFF]", text):
        return ["ja"] if re.search(r"[\u3040-\u30FF]", text) else ["zh"]
    words = {w.lower() for w in _WORD.findall(text)}  # distinct words: "la la la" is one hint, not three
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORD_SETS.items()}
    ranked = sorted((c, lang) for lang, c in counts.items() if c > 0)[::-1]
    # One stray "la" or "die" in an English comment is no evidence: another language needs two hits and a lead.
    if not ranked or ranked[0][1] == "en" or ranked[0][0] < 2 or ranked[0][0] <= counts["en"]:
        return ["en"] + [lang for _, lang in ranked if lang != "en"]
    return [lang for _, lang in ranked]


# Detoxify's multilingual model was trained on these; the other backends (and the built-in heads) on English.
MULTILINGUAL = {"en", "fr", "es", "it", "pt", "tr", "ru"}


def supported_languages() -> set[str]:
    from .analysis_access import analyzer

    model = analyzer()
    langs = getattr(model, "languages", None)
    if langs:
        return {str(lang).lower() for lang in langs}
    return MULTILINGUAL if "multilingual" in str(getattr(model, "model_version", "")) else {"en"}


def _base_language(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def utf16_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _strip_html(text: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _json_body() -> dict:
    body = request_json() if request.get_data(cache=True) else {}  # bad JSON: the app's handler answers 400
    if not isinstance(body, dict):
        raise perr.invalid_request("Invalid JSON payload received. Expected an object at the top level.")
    return body


def _comment_text(body: dict) -> str:
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, dict):
        raise perr.invalid_request("Invalid value at 'comment': expected an object with 'text'.")
    text = (comment or {}).get("text")
    if text is not None and not isinstance(text, str):
        raise perr.invalid_request("Invalid value at 'comment.text': expected a string.")
    if not text or not text.strip():
        raise perr.comment_empty()
    size = len(text.encode("utf-8"))
    if size > MAX_COMMENT_BYTES:
        raise perr.comment_too_long(size, MAX_COMMENT_BYTES)
    text_type = (comment or {}).get("type") or "PLAIN_TEXT"
    if text_type == "HTML":
        text = _strip_html(text)
    elif text_type not in ("PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"):
        raise perr.unknown_text_type()
    context = body.get("context")
    if isinstance(context, dict) and context.get("entries") and context.get("articleAndParentComment"):
        raise perr.context_both_fields()
    return text


def _languages(body: dict, text: str) -> tuple[list[str], list[str]]:
    """(effective languages, detected languages) as Perspective defines them."""
    detected = detect_languages(text)
    requested = body.get("languages") or []
    if not isinstance(requested, list) or not all(isinstance(x, str) for x in requested):
        raise perr.invalid_request("Invalid value at 'languages': expected a list of language codes.")
    return ([lang for lang in requested if lang.strip()] or detected[:1]), detected


def _requested_attributes(body: dict, languages: list[str], detected: list[str]) -> dict[str, dict]:
    requested = body.get("requestedAttributes")
    if requested is not None and not isinstance(requested, dict):
        raise perr.invalid_request("Invalid value at 'requested_attributes': expected a map of attribute names.")
    if not requested:
        raise perr.no_requested_attributes()
    supported = supported_languages()
    all_supported = all(_base_language(lang) in supported for lang in languages)
    drop = bool(body.get("dropUnsupportedAttributes"))
    wanted: dict[str, dict] = {}
    for name, params in requested.items():
        params = params or {}
        if not isinstance(params, dict):
            raise perr.invalid_request(f"Invalid value at 'requested_attributes[{name}]': expected an object.")
        if name not in ATTRIBUTES:
            raise perr.unknown_attribute(name)
        score_type = params.get("scoreType") or ""
        if score_type not in SUPPORTED_SCORE_TYPES:
            raise perr.unsupported_score_type(name, score_type)
        threshold = params.get("scoreThreshold")
        if threshold is not None and not _in_unit_interval(threshold):
            raise perr.invalid_request(f"Invalid scoreThreshold for attribute {name}: must be a number in [0, 1].")
        if not all_supported:
            if drop:
                continue
            raise perr.language_not_supported(name, languages, detected)
        wanted[name] = {"threshold": None if threshold is None else float(threshold)}
    return wanted


def _span_scores(text: str, result, label: str, summary: float, annotate: bool) -> list[dict]:
    spans = [s for s in result.spans if s.label == label] if annotate else []
    if not spans:
        return [{"begin": 0, "end": utf16_offset(text, len(text)),
                 "score": {"value": summary, "type": "PROBABILITY"}}]
    return [{"begin": utf16_offset(text, s.begin), "end": utf16_offset(text, s.end),
             "score": {"value": round(float(s.score), 6), "type": "PROBABILITY"}} for s in spans]


def _bad_request(exc: perr.PerspectiveError):
    return google_error(400, str(exc), details=exc.details())


@bp.post("/v1alpha1/comments:analyze")
@require_api_key(errors="perspective", max_body=SCORE_MAX_BODY)
def analyze():
    from .analysis_access import analysis_error, score_texts

    try:
        body = _json_body()
        text = _comment_text(body)
        languages, detected = _languages(body, text)
        wanted = _requested_attributes(body, languages, detected)
    except perr.PerspectiveError as exc:
        return _bad_request(exc)
    scores: dict[str, dict] = {}
    if wanted:
        result = score_texts([text], g.api_key.site_id)[0]
        failure = analysis_error(result)
        if failure:  # zero scores would read as "harmless": say that we could not tell
            return google_error(500, f"Internal error encountered: the comment could not be analyzed ({failure}).")
        annotate = bool(body.get("spanAnnotations"))
        for name, params in wanted.items():
            label = ATTRIBUTES[name]
            value = round(float(result.scores.get(label, 0.0)), 6)
            if params["threshold"] is not None and value < params["threshold"]:
                continue  # Perspective omits attributes scored below the requested threshold
            scores[name] = {
                "spanScores": _span_scores(text, result, label, value, annotate),
                "summaryScore": {"value": value, "type": "PROBABILITY"},
            }
    answer = {"attributeScores": scores, "languages": languages, "detectedLanguages": detected}
    if body.get("clientToken") is not None:
        answer["clientToken"] = body["clientToken"]
    return jsonify(answer)


@bp.post("/v1alpha1/comments:suggestscore")
@require_api_key(errors="perspective", max_body=SCORE_MAX_BODY)
def suggest_score():
    from .db_session import get_session
    from ..models import Feedback

    try:
        body = _json_body()
        text = _comment_text(body)
        languages, detected = _languages(body, text)
        feedback = _suggested_scores(body)
    except perr.PerspectiveError as exc:
        return _bad_request(exc)
    session = get_session()
    session.add(Feedback(
        api_key_id=g.api_key.id,
        text=text,
        attribute_scores={**feedback, "languages": languages, "communityId": body.get("communityId"),
                          "sessionId": body.get("sessionId")},
        client_token=str(body["clientToken"])[:500] if body.get("clientToken") is not None else None,
    ))
    session.commit()
    answer: dict = {"detectedLanguages": detected}
    if body.get("languages"):
        answer["requestedLanguages"] = body["languages"]
    if body.get("clientToken") is not None:
        answer["clientToken"] = body["clientToken"]
    return jsonify(answer)


def _suggested_scores(body: dict) -> dict:
    """{'summary': {label: value}, 'spans': {label: [...]}, 'attributes': {NAME: label}} from the request."""
    attrs = body.get("attributeScores")
    if not isinstance(attrs, dict) or not attrs:
        raise perr.invalid_request("attributeScores must not be empty.")
    summary: dict[str, float] = {}
    spans: dict[str, list] = {}
    names: dict[str, str] = {}
    for name, entry in attrs.items():
        if name not in ATTRIBUTES:
            raise perr.unknown_attribute(name)
        if not isinstance(entry, dict) or not (entry.get("summaryScore") or entry.get("spanScores")):
            raise perr.invalid_request(f"Attribute scores for {name} must not be empty.")
        label = names[name] = ATTRIBUTES[name]
        if entry.get("summaryScore") is not None:
            summary[label] = _score_value(entry["summaryScore"], name)
        for span in entry.get("spanScores") or []:
            if not isinstance(span, dict) or not isinstance(span.get("begin"), int) or not isinstance(
                    span.get("end"), int):
                raise perr.invalid_request(f"All span scores for {name} must have begin and end set.")
            spans.setdefault(label, []).append(
                {"begin": span["begin"], "end": span["end"], "value": _score_value(span.get("score"), name)})
    return {"summary": summary, "spans": spans, "attributes": names}


def _score_value(score, name: str) -> float:
    value = score.get("value") if isinstance(score, dict) else None
    if not _in_unit_interval(value):
        raise perr.invalid_request(f"Score for {name} must have a value in [0, 1].")
    return float(value)


def _in_unit_interval(value) -> bool:
    # compared before any float(): float() of a huge JSON integer raises OverflowError
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value <= 1


@bp.route("/v1alpha1/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_method(rest: str):
    """Anything else under /v1alpha1 answers in Google's shape too (routing errors bypass blueprint handlers)."""
    if rest in ("comments:analyze", "comments:suggestscore"):
        return google_error(405, f"Method {request.method} is not allowed for /v1alpha1/{rest}; use POST.")
    return google_error(404, f"Method not found: /v1alpha1/{rest}. This server implements comments:analyze "
                             "and comments:suggestscore.")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return google_error(exc.code or 500, exc.description or exc.name)


@bp.get("/$discovery/rest")
def discovery():
    """The discovery document Google's client libraries build their client from (rootUrl = this server)."""
    from .perspective_discovery import discovery_document
    from .public_url import cache_headers, public_base_url

    version = request.args.get("version", "v1alpha1")
    if version != "v1alpha1":
        return google_error(404, f"Requested entity was not found. Only version v1alpha1 exists, not {version}.")
    base, configured = public_base_url()
    return jsonify(discovery_document(base)), 200, cache_headers(configured)


discovery.modsvc_public = True  # Google's client fetches it before it sends any key
