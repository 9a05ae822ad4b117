"""The Perspective drop-in: request/response shape, errors in Google's shape, suggestscore, and Google's own
client (googleapiclient) against a live server, built from our discovery document."""
from __future__ import annotations

import json

import pytest
from api_helpers import make_key
from sqlalchemy import select

from modsvc.models import Feedback

ANALYZE = "/v1alpha1/comments:analyze"


def _analyze(client, key, body):
    return client.post(f"{ANALYZE}?key={key}", json=body)


def test_analyze_shape_threshold_spans_and_token(sqlite_app):
    key = make_key(sqlite_app)
    client = sqlite_app.test_client()
    text = "Ünïcode 🙂 you idiot"
    response = _analyze(client, key, {
        "comment": {"text": text, "type": "PLAIN_TEXT"},
        "requestedAttributes": {"INSULT": {}, "PROFANITY_EXPERIMENTAL": {"scoreType": "PROBABILITY"},
                                "THREAT": {"scoreThreshold": 0.5}, "ANTISEMITISM": {}},
        "spanAnnotations": True, "languages": ["en"], "doNotStore": True, "clientToken": "tok-7",
        "sessionId": "s1",
    })
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["clientToken"] == "tok-7"
    assert body["languages"] == ["en"] and body["detectedLanguages"][0] == "en"
    scores = body["attributeScores"]
    assert set(scores) == {"INSULT", "PROFANITY_EXPERIMENTAL", "ANTISEMITISM"}  # THREAT below its threshold
    assert scores["INSULT"]["summaryScore"] == {"value": 0.9, "type": "PROBABILITY"}
    span = scores["INSULT"]["spanScores"][0]
    # offsets are UTF-16 code units, as Perspective's: the emoji counts twice
    assert text.encode("utf-16-le")[span["begin"] * 2:span["end"] * 2].decode("utf-16-le") == "idiot"
    assert span["score"]["value"] == 0.9
    whole = scores["ANTISEMITISM"]["spanScores"]
    assert whole == [{"begin": 0, "end": len(text.encode("utf-16-le")) // 2,
                      "score": {"value": 0.02, "type": "PROBABILITY"}}]


def test_drop_unsupported_attributes(sqlite_app):
    key = make_key(sqlite_app)
    response = _analyze(sqlite_app.test_client(), key, {
        "comment": {"text": "Das ist nicht gut und ich bin sauer"}, "requestedAttributes": {"TOXICITY": {}},
        "dropUnsupportedAttributes": True})
    assert response.status_code == 200
    body = response.get_json()
    assert body["attributeScores"] == {} and body["detectedLanguages"][0] == "de" and body["languages"] == ["de"]


def test_key_errors_like_google(sqlite_app):
    client = sqlite_app.test_client()
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
    missing = client.post(ANALYZE, json=body)
    assert missing.status_code == 403
    assert missing.get_json()["error"] == {"code": 403, "message": "The request is missing a valid API key.",
                                           "status": "PERMISSION_DENIED"}
    invalid = client.post(f"{ANALYZE}?key=msk_nope", json=body)
    assert invalid.status_code == 400
    error = invalid.get_json()["error"]
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["status"] == "INVALID_ARGUMENT" and error["details"][0]["reason"] == "API_KEY_INVALID"


def test_body_over_the_scoring_limit_is_413(sqlite_app):
    key = make_key(sqlite_app)
    big = json.dumps({"comment": {"text": "a" * (1024 * 1024 + 10)}, "requestedAttributes": {"TOXICITY": {}}})
    response = sqlite_app.test_client().post(f"{ANALYZE}?key={key}", data=big, content_type="application/json")
    assert response.status_code == 413
    assert "1048576 bytes" in response.get_json()["error"]["message"]


def test_suggestscore_stores_feedback(api_app):
    key = make_key(api_app)
    response = api_app.test_client().post(f"/v1alpha1/comments:suggestscore?key={key}", json={
        "comment": {"text": "they are all vermin"},
        "attributeScores": {"IDENTITY_ATTACK": {"summaryScore": {"value": 1}},
                            "TOXICITY": {"spanScores": [{"begin": 9, "end": 19, "score": {"value": 0.8}}]}},
        "clientToken": "fb-1", "communityId": "letters",
    })
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["clientToken"] == "fb-1"
    with api_app.extensions["modsvc.sessions"]() as session:
        row = session.scalar(select(Feedback))
        assert row.text == "they are all vermin" and row.client_token == "fb-1"
        assert row.attribute_scores["summary"] == {"identity_attack": 1.0}
        assert row.attribute_scores["spans"]["toxicity"] == [{"begin": 9, "end": 19, "value": 0.8}]
    bad = api_app.test_client().post(f"/v1alpha1/comments:suggestscore?key={key}",
                                     json={"comment": {"text": "x"}, "attributeScores": {}})
    assert bad.status_code == 400 and bad.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def _google_client(server_url: str, key: str):
    from googleapiclient import discovery

    return discovery.build("commentanalyzer", "v1alpha1", developerKey=key,
                           discoveryServiceUrl=f"{server_url}/$discovery/rest?version={{apiVersion}}",
                           static_discovery=False, cache_discovery=False)


def test_googles_client_against_a_live_server(sqlite_app, live_server_factory):
    from googleapiclient.errors import HttpError

    server = live_server_factory(sqlite_app)
    key = make_key(sqlite_app)
    client = _google_client(server.url, key)
    result = client.comments().analyze(body={
        "comment": {"text": "what an idiot"}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "clientToken": "abc"}).execute()
    assert result["attributeScores"]["INSULT"]["summaryScore"]["value"] == 0.9
    assert result["clientToken"] == "abc"
    assert client.comments().suggestscore(body={
        "comment": {"text": "fine"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "clientToken": "t"}).execute()["clientToken"] == "t"
    with pytest.raises(HttpError) as caught:
        client.comments().analyze(body={"comment": {"text": "x"}, "requestedAttributes": {"NOPE": {}}}).execute()
    assert caught.value.status_code == 400 and "Unknown requested attribute: NOPE" in str(caught.value)
    with pytest.raises(HttpError) as caught:
        _google_client(server.url, "msk_wrong").comments().analyze(
            body={"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}).execute()
    assert caught.value.status_code == 400 and "API key not valid" in str(caught.value)


def test_googles_client_with_the_real_model(real_app, live_server_factory):
    server = live_server_factory(real_app)
    client = _google_client(server.url, make_key(real_app))

    def toxicity(text):
        result = client.comments().analyze(body={"comment": {"text": text},
                                                 "requestedAttributes": {"TOXICITY": {}, "ANTISEMITISM": {}},
                                                 "spanAnnotations": True}).execute()
        return {k: v["summaryScore"]["value"] for k, v in result["attributeScores"].items()}

    nice = toxicity("Thank you for the thoughtful article, I learned a lot.")
    nasty = toxicity("You are a worthless idiot and everyone hates you, shut up.")
    trope = toxicity("The Jews control the banks and the media, wake up.")
    assert nasty["TOXICITY"] > nice["TOXICITY"] + 0.3
    assert trope["ANTISEMITISM"] > nice["ANTISEMITISM"] + 0.3


def test_a_failed_analysis_is_an_error_not_a_zero_score(sqlite_app):
    """The analysis core reports an unanalysable text with zero scores and an "error:" warning; Perspective
    clients must not read that as 'harmless'."""
    from modsvc.analysis.types import LABELS, AnalysisResult, Decision

    class Failing:
        model_version = "failing-1"

        def analyze(self, texts, policy=None):
            return [AnalysisResult({lb: 0.0 for lb in LABELS}, [], Decision("review", "analysis failed"),
                                   {}, ["error: normalise phase failed"]) for _ in texts]

    sqlite_app.extensions["modsvc.analyzer"] = Failing()
    key = make_key(sqlite_app)
    response = _analyze(sqlite_app.test_client(), key,
                        {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}})
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["status"] == "INTERNAL" and "could not be analyzed" in error["message"]


def test_unknown_paths_and_methods_answer_in_googles_shape(sqlite_app):
    client = sqlite_app.test_client()
    wrong_method = client.get(ANALYZE)
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["code"] == 405
    unknown = client.post("/v1alpha1/comments:frobnicate", json={})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["status"] == "NOT_FOUND"


def test_language_detection():
    from modsvc.analysis.language import detect  # detectedLanguages come from here (more in test_api_languages)

    texts = ["Les Misérables is a great film", "la la la, what a song", "Das ist nicht gut und ich bin sauer",
             "Je ne suis pas d'accord avec vous, c'est une honte", "Это ужасно, просто ужасно"]
    assert [g.language for g in detect(texts)] == ["en", "en", "de", "fr", "ru"]


def test_corals_builtin_perspective_request(sqlite_app):
    """Coral's toxic phase: POST {endpoint}/comments:analyze?key=KEY with exactly this body, reads
    data.attributeScores.TOXICITY.summaryScore.value."""
    key = make_key(sqlite_app)
    response = sqlite_app.test_client().post(f"/v1alpha1/comments:analyze?key={key}", data=json.dumps({
        "comment": {"text": "I will kill you"}, "languages": ["en"], "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}}}), content_type="application/json")
    assert response.get_json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == 0.98
