"""A Perspective API drop-in: ``POST /v1alpha1/comments:analyze`` and ``:suggestscore``, plus discovery.

Clients switch by changing the base URL (and key): request and response bodies, attribute names and
error shapes follow Google's commentanalyzer v1alpha1. Mapping to our labels:

    TOXICITY -> toxicity            SEVERE_TOXICITY -> severe_toxicity   IDENTITY_ATTACK -> identity_attack
    INSULT -> insult                PROFANITY -> obscene                 THREAT -> threat
    SEXUALLY_EXPLICIT -> sexual_explicit   ANTISEMITISM -> antisemitism  CONSPIRACY -> conspiracy

``*_EXPERIMENTAL`` names that Perspective had for these map to the same labels. Span offsets are in
UTF-16 code units, as Perspective's are. ``doNotStore`` is always honoured: analyze never stores text.

Languages: ``detectedLanguages`` is the language identified per comment (``modsvc.analysis.language``), the
request's ``languages`` override it, and an attribute the model does not score in that language answers Google's
``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` error (or is left out with ``dropUnsupportedAttributes``). Which
languages are scored depends on the model (``MODSVC_MODEL``); ``und`` (too short to tell) is always scored.
"""
from __future__ import annotations

import re

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..analysis.language import detect, resolve
from ..models import Feedback
from . import perspective_errors as perr
from .analysis_access import analysis_error, analyzer, score_texts
from .api_keys import SCORE_MAX_BODY, require_api_key
from .db_session import get_session
from .google_errors import google_error
from .perspective_discovery import discovery_document
from .public_url import cache_headers, public_base_url
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

def detect_languages(text: str) -> list[str]:
    """Perspective's ``detectedLanguages``: the language identified (``modsvc.analysis.language``, acted on as the
    analysis does: ``resolve``); ``["und"]`` when the text is too short to tell. Unlike Google, which refuses
    ``und``, we score such texts (the model's own language is as good a guess as any for "ok" or "+1")."""
    supported = getattr(analyzer(), "supported_languages", None) or {"en"}
    return [resolve(detect([text])[0], supported)]


def attribute_supports_language(attribute: str, language: str) -> bool:
    """Whether the model in use scores ``attribute`` in ``language``: the one place that decides it.

    From the analyzer (``supports_language``: the backend's ``supported_languages``, per label where a backend
    combines models); an analyzer that does not say is taken as English-only."""
    model = analyzer()
    code = _base_language(language)
    if hasattr(model, "supports_language"):
        return bool(model.supports_language(code, ATTRIBUTES[attribute]))
    return code == "und" or code in (getattr(model, "supported_languages", None) or {"en"})


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


def _requested_languages(body: dict) -> list[str]:
    requested = body.get("languages") or []
    if not isinstance(requested, list) or not all(isinstance(x, str) for x in requested):
        raise perr.invalid_request("Invalid value at 'languages': expected a list of language codes.")
    requested = [lang.strip() for lang in requested if lang.strip()]
    for lang in requested:
        if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*", lang):
            raise perr.invalid_request(f"Invalid value at 'languages': {lang!r} is not a language code.")
    return requested


def _languages(body: dict, text: str) -> tuple[list[str], list[str]]:
    """(effective languages, detected languages) as Perspective defines them: the request's ``languages``
    override detection."""
    requested = _requested_languages(body)
    detected = detect_languages(text)
    return (requested or detected[:1]), detected


def _requested_attributes(body: dict, languages: list[str], detected: list[str]) -> dict[str, dict]:
    requested = body.get("requestedAttributes")
    if requested is not None and not isinstance(requested, dict):
        raise perr.invalid_request("Invalid value at 'requested_attributes': expected a map of attribute names.")
    if not requested:
        raise perr.no_requested_attributes()
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
        if not all(attribute_supports_language(name, lang) for lang in languages):
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
    try:
        body = _json_body()
        text = _comment_text(body)
        languages, detected = _languages(body, text)
        wanted = _requested_attributes(body, languages, detected)
    except perr.PerspectiveError as exc:
        return _bad_request(exc)
    scores: dict[str, dict] = {}
    if wanted:
        # the effective language goes with the text: the analysis neither identifies it again nor disagrees
        result = score_texts([text], g.api_key.site_id, languages=[_base_language(languages[0])])[0]
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
    version = request.args.get("version", "v1alpha1")
    if version != "v1alpha1":
        return google_error(404, f"Requested entity was not found. Only version v1alpha1 exists, not {version}.")
    base, configured = public_base_url()
    return jsonify(discovery_document(base)), 200, cache_headers(configured)


discovery.modsvc_public = True  # Google's client fetches it before it sends any key
