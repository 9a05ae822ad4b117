"""Perspective drop-in errors carry exactly what Google's commentanalyzer answers: message, status and the
``type.googleapis.com/google.commentanalyzer.v1alpha1.Error`` detail with its ``errorType`` (clients branch on
those names and on "does not support request languages"). Sources of each wording: modsvc/web/perspective_errors.py.
"""
from __future__ import annotations

import pytest
from api_helpers import make_key

from modsvc.web.perspective import detect_languages

ANALYZE = "/v1alpha1/comments:analyze"
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
GERMAN = "Das ist nicht gut und ich bin sauer"
ENGLISH = "Thanks for the article, it was an interesting read about the election."


def _detail(error_type: str, **extra) -> list[dict]:
    return [{"@type": ERROR_TYPE, "errorType": error_type, **extra}]


CASES = [
    ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
     "Comment must be non-empty.", _detail("COMMENT_EMPTY")),
    ({"comment": {"text": "   "}, "requestedAttributes": {"TOXICITY": {}}},
     "Comment must be non-empty.", _detail("COMMENT_EMPTY")),
    ({"comment": {"text": "é" * 10_241}, "requestedAttributes": {"TOXICITY": {}}},
     "Comment text was too many bytes. Value (20482) exceeded limit (20480).", _detail("COMMENT_TOO_LONG")),
    ({"comment": {"text": "hi"}}, "Missing requested_attributes", _detail("NO_REQUESTED_ATTRIBUTES")),
    ({"comment": {"text": "hi"}, "requestedAttributes": {}}, "Missing requested_attributes",
     _detail("NO_REQUESTED_ATTRIBUTES")),
    ({"comment": {"text": ENGLISH}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["de"]},
     "Attribute TOXICITY does not support request languages: de",
     _detail("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
             languageNotSupportedByAttributeError={"detectedLanguages": ["en"], "attribute": "TOXICITY"})),
    ({"comment": {"text": ENGLISH}, "requestedAttributes": {"INSULT": {}, "THREAT": {}}, "languages": ["en", "de"]},
     "Attribute INSULT does not support request languages: en, de",
     _detail("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
             languageNotSupportedByAttributeError={"detectedLanguages": ["en"], "attribute": "INSULT"})),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}},
     "Unknown requested attribute: FLIRTATION", _detail("INVALID_REQUEST")),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}},
     "Requested score type STD_DEV_SCORE is not supported by attribute TOXICITY", _detail("INVALID_REQUEST")),
    ({"comment": {"text": "hi", "type": "MARKDOWN"}, "requestedAttributes": {"TOXICITY": {}}},
     "Unknown text type", _detail("INVALID_REQUEST")),
    ({"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
      "context": {"entries": [{"text": "an article"}], "articleAndParentComment": {"article": {"text": "a"}}}},
     "Context can have either entries or article_and_parent_comment, but both fields were populated.",
     _detail("INVALID_REQUEST")),
]


@pytest.mark.parametrize("body, message, details", CASES, ids=[c[1][:40] for c in CASES])
def test_analyze_errors_are_googles(sqlite_app, body, message, details):
    key = make_key(sqlite_app)
    response = sqlite_app.test_client().post(f"{ANALYZE}?key={key}", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT",
                                             "details": details}}


def test_detected_languages_come_from_the_language_detector(sqlite_app):
    """No languages in the request: the detected one is the request language, and the detail says so."""
    key = make_key(sqlite_app)
    response = sqlite_app.test_client().post(f"{ANALYZE}?key={key}", json={
        "comment": {"text": GERMAN}, "requestedAttributes": {"PROFANITY": {}}})
    error = response.get_json()["error"]
    with sqlite_app.app_context():  # the detector acts for the app's model (its supported languages)
        detected = detect_languages(GERMAN)
    assert error["message"] == f"Attribute PROFANITY does not support request languages: {detected[0]}"
    assert error["details"] == _detail("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE", languageNotSupportedByAttributeError={
        "detectedLanguages": detected, "attribute": "PROFANITY"})


def test_suggestscore_errors_carry_the_error_type_too(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    empty = client.post(f"/v1alpha1/comments:suggestscore?key={key}", json={
        "comment": {"text": ""}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}).get_json()
    assert empty["error"]["message"] == "Comment must be non-empty."
    assert empty["error"]["details"] == _detail("COMMENT_EMPTY")
    no_scores = client.post(f"/v1alpha1/comments:suggestscore?key={key}",
                            json={"comment": {"text": "x"}, "attributeScores": {}}).get_json()
    assert no_scores["error"]["details"] == _detail("INVALID_REQUEST")


def test_googles_client_sees_the_error_type(sqlite_app, live_server_factory):
    """googleapiclient's HttpError: public client code reads .error_details[0]['errorType'] and matches the
    message "does not support request languages"."""
    from googleapiclient import discovery
    from googleapiclient.errors import HttpError

    server = live_server_factory(sqlite_app)
    client = discovery.build("commentanalyzer", "v1alpha1", developerKey=make_key(sqlite_app),
                             discoveryServiceUrl=f"{server.url}/$discovery/rest?version={{apiVersion}}",
                             static_discovery=False, cache_discovery=False)
    with pytest.raises(HttpError) as caught:
        client.comments().analyze(body={"comment": {"text": GERMAN},
                                        "requestedAttributes": {"SEVERE_TOXICITY": {}}}).execute()
    assert caught.value.status_code == 400
    assert "does not support request languages" in str(caught.value)
    assert caught.value.error_details[0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert caught.value.error_details[0]["languageNotSupportedByAttributeError"]["attribute"] == "SEVERE_TOXICITY"
