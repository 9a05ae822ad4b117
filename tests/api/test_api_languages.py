"""Languages through the APIs. With the real built-in model (English only, ``MODSVC_MODEL=builtin``): POST
/api/v1/score returns the language and whether the model knows it and takes the caller's language; the Perspective
endpoint reports detectedLanguages, lets the request's languages override them, and answers Google's
LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE error for a language the model does not score. With the default model
(multilingual: en, de, ru): every attribute is scored for de and ru, and French gets that error."""
from __future__ import annotations

import pytest
from api_helpers import make_app, make_key

from modsvc.analysis import LABELS

ANALYZE = "/v1alpha1/comments:analyze"
GERMAN = "Die Globalisten wollen uns alle kontrollieren, das weiß doch jeder, der die Nachrichten liest."
RUSSIAN = "Евреи контролируют все банки и все СМИ в мире, это знает каждый."
ENGLISH = "You are a stupid idiot and your article is garbage, go away."
GOOGLE_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


@pytest.fixture(scope="module")
def english_analyzer():
    from modsvc.analysis import get_analyzer

    return get_analyzer("builtin")


@pytest.fixture
def real_app(sqlite_settings, english_analyzer):
    """The app with the English-only built-in model: German is a language it does not know."""
    return make_app(sqlite_settings, english_analyzer)


def _score(app, body, key=None):
    key = key or make_key(app)
    return app.test_client().post("/api/v1/score", json=body, headers={"X-API-Key": key})


def test_score_returns_language_and_does_not_score_unknown_languages(real_app):
    german = _score(real_app, {"text": GERMAN, "id": 1})
    assert german.status_code == 200, german.get_json()
    body = german.get_json()
    assert body["language"] == "de" and body["language_supported"] is False
    assert body["scores"] == {} and body["spans"] == []
    assert body["decision"] == {"action": "review", "reason": "language de is not supported by the model",
                                "labels": []}
    english = _score(real_app, {"text": ENGLISH}).get_json()
    assert english["language"] == "en" and english["language_supported"] is True
    assert set(english["scores"]) == set(LABELS)
    short = _score(real_app, {"text": "+1"}).get_json()
    assert short["language"] == "und" and short["language_supported"] and short["decision"]["action"] == "allow"


def test_request_language_overrides_detection(real_app):
    key = make_key(real_app)
    as_english = _score(real_app, {"text": GERMAN, "language": "en"}, key).get_json()
    assert as_english["language"] == "en" and as_english["language_supported"] and as_english["scores"]
    as_french = _score(real_app, {"text": ENGLISH, "languages": ["fr-FR", "en"]}, key).get_json()
    assert as_french["language"] == "fr" and not as_french["language_supported"] and as_french["scores"] == {}
    batch = _score(real_app, {"language": "fr", "comments": [
        {"text": ENGLISH, "id": "a"}, {"text": GERMAN, "id": "b", "language": "en"}, {"text": ENGLISH, "id": "c"},
    ]}, key).get_json()
    assert [(r["id"], r["language"], r["language_supported"]) for r in batch["results"]] == [
        ("a", "fr", False), ("b", "en", True), ("c", "fr", False)]
    bad = _score(real_app, {"text": ENGLISH, "language": "english"}, key)
    assert bad.status_code == 400 and "language" in bad.get_json()["error"]["message"]


def test_stored_comment_keeps_its_language(real_app):
    key = make_key(real_app)
    client = real_app.test_client()
    response = client.post("/api/v1/score", headers={"X-API-Key": key}, json={
        "store": True, "thread": "story-1", "comments": [{"text": GERMAN, "id": "c1"}, {"text": ENGLISH, "id": "c2"},
                                                         {"text": ENGLISH, "id": "c3", "language": "tr"}]})
    assert response.status_code == 200, response.get_json()
    stored = [r["stored"] for r in response.get_json()["results"]]
    assert stored[0]["status"] == "review" and stored[2]["status"] == "review"
    status = [client.get(s["url"], headers={"X-API-Key": key}).get_json() for s in stored]
    assert [s["language"] for s in status] == ["de", "en", "tr"]
    assert status[0]["scores"] == {} and status[0]["decision"]["reason"] == "language de is not supported by the model"


def _analyze(app, body):
    return app.test_client().post(f"{ANALYZE}?key={make_key(app)}", json=body)


def test_perspective_unsupported_language_error_exactly_as_google(real_app):
    response = _analyze(real_app, {"comment": {"text": GERMAN}, "requestedAttributes": {"TOXICITY": {}}})
    assert response.status_code == 400
    assert response.get_json() == {"error": {
        "code": 400, "message": "Attribute TOXICITY does not support request languages: de",
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": GOOGLE_ERROR_TYPE, "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                     "languageNotSupportedByAttributeError": {"detectedLanguages": ["de"], "attribute": "TOXICITY"}}],
    }}
    # a requested language the model does not know: the detected one is reported too, with what was requested
    requested = _analyze(real_app, {"comment": {"text": ENGLISH}, "languages": ["ru"],
                                    "requestedAttributes": {"THREAT": {}}}).get_json()["error"]
    assert requested["message"] == "Attribute THREAT does not support request languages: ru"
    assert requested["details"][0]["languageNotSupportedByAttributeError"] == {
        "detectedLanguages": ["en"], "attribute": "THREAT"}
    dropped = _analyze(real_app, {"comment": {"text": GERMAN}, "requestedAttributes": {"TOXICITY": {}},
                                  "dropUnsupportedAttributes": True})
    assert dropped.status_code == 200 and dropped.get_json()["attributeScores"] == {}


def test_perspective_detected_languages_and_the_request_overriding_them(real_app):
    english = _analyze(real_app, {"comment": {"text": ENGLISH}, "requestedAttributes": {"TOXICITY": {}}}).get_json()
    assert english["detectedLanguages"] == ["en"] and english["languages"] == ["en"]
    assert english["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    overridden = _analyze(real_app, {"comment": {"text": GERMAN}, "languages": ["en"],
                                     "requestedAttributes": {"TOXICITY": {}}})
    assert overridden.status_code == 200
    body = overridden.get_json()
    assert body["languages"] == ["en"] and body["detectedLanguages"] == ["de"] and "TOXICITY" in body["attributeScores"]
    short = _analyze(real_app, {"comment": {"text": "ok"}, "requestedAttributes": {"TOXICITY": {}}}).get_json()
    assert short["detectedLanguages"] == ["und"] and "TOXICITY" in short["attributeScores"]
    bad = _analyze(real_app, {"comment": {"text": ENGLISH}, "languages": ["e n"],
                              "requestedAttributes": {"TOXICITY": {}}})
    assert bad.status_code == 400 and bad.get_json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.fixture
def multilingual_app(sqlite_settings, real_analyzer):
    """The real default pipeline: the multilingual model for English, German and Russian."""
    assert real_analyzer.supported_languages == {"en", "de", "ru"}
    return make_app(sqlite_settings, real_analyzer)


def test_perspective_scores_german_and_russian_for_every_attribute(multilingual_app):
    from modsvc.web.perspective import ATTRIBUTES

    for text, lang in ((GERMAN, "de"), (RUSSIAN, "ru")):
        response = _analyze(multilingual_app, {"comment": {"text": text},
                                               "requestedAttributes": {name: {} for name in ATTRIBUTES}})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["detectedLanguages"] == [lang] and body["languages"] == [lang]
        assert set(body["attributeScores"]) == set(ATTRIBUTES)
    french = _analyze(multilingual_app, {"comment": {"text": "Je ne suis pas du tout d'accord avec cet article."},
                                         "requestedAttributes": {"ANTISEMITISM": {}}})
    assert french.status_code == 400
    assert french.get_json()["error"]["details"][0]["languageNotSupportedByAttributeError"] == {
        "detectedLanguages": ["fr"], "attribute": "ANTISEMITISM"}
    api = multilingual_app.test_client().post("/api/v1/score", json={"text": RUSSIAN},
                                              headers={"X-API-Key": make_key(multilingual_app)}).get_json()
    assert api["language"] == "ru" and api["language_supported"] and set(api["scores"]) == set(LABELS)


def test_modsvc_score_prints_the_language_and_takes_one_per_line(real_app, tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("MODSVC_MODEL", "builtin")  # the English-only model, as real_app's

    from click.testing import CliRunner

    from modsvc.cli import cli

    lines = [{"id": 1, "text": GERMAN}, {"id": 2, "text": GERMAN, "language": "en"},
             {"id": 3, "text": ENGLISH, "language": "deutsch"}, {"id": 4, "text": ENGLISH}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    printed = CliRunner().invoke(cli, ["score", str(source)])
    assert printed.exit_code == 1  # the bad language code: that line is rejected, the others go through
    out = [json.loads(line) for line in printed.output.splitlines() if line.startswith("{")]
    assert [(o["id"], o.get("language"), o.get("language_supported")) for o in out] == [
        (1, "de", False), (2, "en", True), (3, None, None), (4, "en", True)]
    assert out[0]["scores"] == {} and "not a language code" in out[2]["error"]
    # the API answers the same for the same input
    api = real_app.test_client().post("/api/v1/score", json={"comments": [lines[0], lines[1], lines[3]]},
                                      headers={"X-API-Key": make_key(real_app)}).get_json()["results"]
    assert api == [out[0], out[1], out[3]]


def test_micro_batcher_carries_each_texts_language():
    """Requests batched into one model call keep their own languages; without any, none are passed (analyzers that
    know nothing of languages keep working)."""
    import threading

    from modsvc.scoring.batcher import MicroBatcher

    calls = []

    def analyze(texts, policy=None, **extra):
        calls.append((list(texts), extra.get("languages"), set(extra)))
        langs = extra.get("languages") or [None] * len(texts)
        return [f"{t}/{lang}" for t, lang in zip(texts, langs)]

    batcher = MicroBatcher(analyze, max_batch=8, max_wait=0.3)
    out = {}
    jobs = {"plain": (["a", "b"], None), "german": (["c"], ["de"]), "mixed": (["d", "e"], [None, "ru"])}
    threads = [threading.Thread(target=lambda k=k, v=v: out.__setitem__(k, batcher.score(v[0], languages=v[1])))
               for k, v in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {"plain": ["a/None", "b/None"], "german": ["c/de"], "mixed": ["d/None", "e/ru"]}
    assert sum(len(texts) for texts, _, _ in calls) == 5
    assert batcher.score(["x"]) == ["x/None"] and calls[-1][2] == set()  # no languages: no keyword at all


def test_coral_phase_flags_a_comment_in_an_unknown_language_for_review(real_app):
    import json

    body = json.dumps({"action": "NEW", "comment": {"body": f"<p>{GERMAN}</p>"}, "story": {"id": "s1"}}).encode()
    response = real_app.test_client().post(f"/api/v1/coral/moderate?key={make_key(real_app)}", data=body,
                                           content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    flag = response.get_json()["actions"][0]
    assert flag["actionType"] == "FLAG" and "language de is not supported by the model" in flag["additionalDetails"]
    assert flag["metadata"]["modsvc"]["language"] == "de" and flag["metadata"]["modsvc"]["scores"] == {}
    assert "status" not in response.get_json()  # review: published, flagged for a moderator


def test_webhook_of_a_comment_held_for_its_language_says_the_language(real_app):
    from sqlalchemy import select

    from modsvc.models import Site, WebhookDelivery

    with real_app.extensions["modsvc.sessions"]() as session:
        session.add(Site(key="paper", webhook_url="http://127.0.0.1:9/hook", webhook_secret="s",
                         policy={"unsupported_language": "hold"}))
        session.commit()
    key = make_key(real_app, "paper-key", site="paper")
    stored = _score(real_app, {"store": True, "thread": "t1", "text": GERMAN, "id": "c1"}, key).get_json()["stored"]
    assert stored["status"] == "held"
    with real_app.extensions["modsvc.sessions"]() as session:
        event = session.scalars(select(WebhookDelivery)).one().payload
    assert event["type"] == "comment.held"
    assert event["comment"]["language"] == "de" and event["comment"]["top_label"] is None
