"""The commentanalyzer v1alpha1 discovery document, modelled on Google's, pointing at this server.

Google's client libraries (googleapiclient.discovery.build with ``discoveryServiceUrl`` = our
``/$discovery/rest?version={apiVersion}``) read it to build ``comments().analyze()`` and ``suggestscore()``.
Only ``rootUrl`` / ``baseUrl`` differ from the original, so existing code works unchanged but for the URL.
"""
from __future__ import annotations

SCORE_TYPES = ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW"]
SCORE_TYPE_DESCRIPTIONS = ["Unspecified. Defaults to PROBABILITY scores if available, and otherwise RAW.",
                           "Probability scores are in the range [0, 1] and indicate level of confidence "
                           "in the attribute label.", "Not supported here.", "Not supported here.",
                           "Not supported here."]


def _string(description: str) -> dict:
    return {"type": "string", "description": description}


def _text_entry_ref(description: str) -> dict:
    return {"$ref": "TextEntry", "description": description}


SCHEMAS: dict[str, dict] = {
    "AnalyzeCommentRequest": {
        "id": "AnalyzeCommentRequest",
        "type": "object",
        "description": "The comment analysis request message.",
        "properties": {
            "comment": _text_entry_ref("The comment to analyze."),
            "context": {"$ref": "Context", "description": "The context of the comment (accepted, not used)."},
            "requestedAttributes": {
                "type": "object",
                "description": "Specification of requested attributes. The map keys are attribute names: "
                               "TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK, INSULT, PROFANITY, THREAT, "
                               "SEXUALLY_EXPLICIT, ANTISEMITISM, CONSPIRACY (and the *_EXPERIMENTAL names).",
                "additionalProperties": {"$ref": "AttributeParameters"},
            },
            "languages": {"type": "array", "items": {"type": "string"},
                          "description": "The language(s) of the comment; detected when not given."},
            "doNotStore": {"type": "boolean", "description": "Do not store the comment (never stored here)."},
            "clientToken": _string("Opaque token that is echoed from the request to the response."),
            "sessionId": _string("Session ID, used to join related RPCs into a single session."),
            "communityId": _string("Optional identifier of the client's community."),
            "spanAnnotations": {"type": "boolean",
                                "description": "Return per-span scores where the model has evidence."},
            "dropUnsupportedAttributes": {"type": "boolean",
                                          "description": "Drop attributes not supported for the language "
                                                         "instead of returning an error."},
        },
    },
    "AnalyzeCommentResponse": {
        "id": "AnalyzeCommentResponse",
        "type": "object",
        "description": "The comment analysis response message.",
        "properties": {
            "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"},
                                "description": "Scores for the requested attributes."},
            "languages": {"type": "array", "items": {"type": "string"},
                          "description": "The language(s) used to choose the model."},
            "detectedLanguages": {"type": "array", "items": {"type": "string"},
                                  "description": "Languages detected from the text, most likely first."},
            "clientToken": _string("Same token from the original AnalyzeCommentRequest."),
        },
    },
    "AttributeParameters": {
        "id": "AttributeParameters",
        "type": "object",
        "description": "Configurable parameters for attribute scoring.",
        "properties": {
            "scoreType": {"type": "string", "enum": SCORE_TYPES, "enumDescriptions": SCORE_TYPE_DESCRIPTIONS,
                          "description": "What type of scores to return (PROBABILITY)."},
            "scoreThreshold": {"type": "number", "format": "float",
                               "description": "Don't return scores for this attribute that are below this "
                                              "threshold."},
        },
    },
    "AttributeScores": {
        "id": "AttributeScores",
        "type": "object",
        "description": "Score values for a single attribute: per-span scores and a summary score.",
        "properties": {
            "summaryScore": {"$ref": "Score", "description": "Overall score for comment as a whole."},
            "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}, "description": "Per-span scores."},
        },
    },
    "SpanScore": {
        "id": "SpanScore",
        "type": "object",
        "description": "A single score for a given span of text (UTF-16 code unit offsets, end exclusive).",
        "properties": {
            "begin": {"type": "integer", "format": "int32"},
            "end": {"type": "integer", "format": "int32"},
            "score": {"$ref": "Score", "description": "The score value."},
        },
    },
    "Score": {
        "id": "Score",
        "type": "object",
        "description": "Analysis scores are described by a value and a ScoreType.",
        "properties": {
            "value": {"type": "number", "format": "float", "description": "Score value."},
            "type": {"type": "string", "enum": SCORE_TYPES, "enumDescriptions": SCORE_TYPE_DESCRIPTIONS,
                     "description": "The type of the above value."},
        },
    },
    "TextEntry": {
        "id": "TextEntry",
        "type": "object",
        "description": "Represents a body of text.",
        "properties": {
            "text": _string("UTF-8 encoded text."),
            "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"],
                     "enumDescriptions": ["The content type is not specified.", "Plain text.", "HTML."],
                     "description": "Type of the text field."},
        },
    },
    "Context": {
        "id": "Context",
        "type": "object",
        "description": "Context is typically something that a Comment is referencing or replying to.",
        "properties": {
            "entries": {"type": "array", "items": {"$ref": "TextEntry"}, "description": "A list of messages."},
            "articleAndParentComment": {"$ref": "ArticleAndParentComment",
                                        "description": "The article and parent comment."},
        },
    },
    "ArticleAndParentComment": {
        "id": "ArticleAndParentComment",
        "type": "object",
        "description": "The source content about which the comment was made, and its parent comment.",
        "properties": {
            "article": _text_entry_ref("The source content."),
            "parentComment": _text_entry_ref("The direct parent of the comment."),
        },
    },
    "SuggestCommentScoreRequest": {
        "id": "SuggestCommentScoreRequest",
        "type": "object",
        "description": "The comment score suggestion request message.",
        "properties": {
            "comment": _text_entry_ref("The comment being scored."),
            "context": {"$ref": "Context", "description": "The context of the comment."},
            "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"},
                                "description": "Attribute scores for the comment."},
            "languages": {"type": "array", "items": {"type": "string"}, "description": "The language(s)."},
            "communityId": _string("Optional identifier of the sub-community."),
            "clientToken": _string("Opaque token that is echoed from the request to the response."),
            "sessionId": _string("Session ID."),
        },
    },
    "SuggestCommentScoreResponse": {
        "id": "SuggestCommentScoreResponse",
        "type": "object",
        "description": "The comment score suggestion response message.",
        "properties": {
            "detectedLanguages": {"type": "array", "items": {"type": "string"},
                                  "description": "The language(s) detected in the comment."},
            "requestedLanguages": {"type": "array", "items": {"type": "string"},
                                   "description": "The languages of the request."},
            "clientToken": _string("Same token from the original SuggestCommentScoreRequest."),
        },
    },
}

STANDARD_PARAMETERS = {
    "key": {"type": "string", "location": "query",
            "description": "API key (modsvc api-keys create). Required."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"],
            "enumDescriptions": ["Responses with Content-Type of application/json"],
            "description": "Data format for response."},
    "fields": {"type": "string", "location": "query",
               "description": "Selector specifying which fields to include in a partial response (ignored)."},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true",
                    "description": "Returns response with indentations and line breaks."},
    "quotaUser": {"type": "string", "location": "query", "description": "Ignored."},
    "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"], "enumDescriptions": ["v1", "v2"],
                "description": "V1 error format."},
    "access_token": {"type": "string", "location": "query", "description": "Not supported: use key."},
    "oauth_token": {"type": "string", "location": "query", "description": "Not supported: use key."},
    "callback": {"type": "string", "location": "query", "description": "JSONP (not supported)."},
    "uploadType": {"type": "string", "location": "query", "description": "Not used."},
    "upload_protocol": {"type": "string", "location": "query", "description": "Not used."},
}


def _method(name: str, description: str, request: str, response: str) -> dict:
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": f"v1alpha1/comments:{name}",
        "flatPath": f"v1alpha1/comments:{name}",
        "httpMethod": "POST",
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request},
        "response": {"$ref": response},
        "description": description,
    }


def discovery_document(root_url: str) -> dict:
    root_url = root_url if root_url.endswith("/") else root_url + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "canonicalName": "Comment Analyzer",
        "version": "v1alpha1",
        "revision": "modsvc",
        "title": "Perspective Comment Analyzer API (modsvc)",
        "description": "A self-hosted, Perspective-compatible comment analyzer: scores comments for toxicity "
                       "and related attributes, plus antisemitism and conspiracy narratives.",
        "ownerDomain": "modsvc.local",
        "ownerName": "modsvc",
        "documentationLink": root_url + "api/v1/docs",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "mtlsRootUrl": root_url,
        "fullyEncodeReservedExpansion": True,
        "icons": {"x16": "http://www.google.com/images/icons/product/search-16.gif",
                  "x32": "http://www.google.com/images/icons/product/search-32.gif"},
        "parameters": STANDARD_PARAMETERS,
        "auth": {},
        "schemas": SCHEMAS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method("analyze", "Analyzes the provided text and returns scores for requested "
                                                  "attributes.", "AnalyzeCommentRequest", "AnalyzeCommentResponse"),
                    "suggestscore": _method("suggestscore", "Suggest comment scores as training data.",
                                            "SuggestCommentScoreRequest", "SuggestCommentScoreResponse"),
                }
            }
        },
    }
