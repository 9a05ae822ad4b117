"""The Perspective drop-in's 400 errors, worded and detailed as Google's commentanalyzer answers them.

Every such error is ``400 INVALID_ARGUMENT`` with one detail,
``{"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error", "errorType": ...}``; public client code
branches on ``errorType`` and on the literal messages, so each constructor says where its wording comes from:

  [limits]  conversationai/perspectiveapi, 2-api/limits.md ("Limits and errors"): the ErrorType names
            COMMENT_TOO_LONG, COMMENT_EMPTY, NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE,
            LANGUAGE_DETECTION_FAILED, "any other request format error is given INVALID_REQUEST", and the messages.
  [atom]    atom/biohazard-alert issues #11 and #20: Google's live answers, e.g. {"error": {"code": 400,
            "message": "Attribute PROFANITY does not support request languages: it", "status": "INVALID_ARGUMENT"}}.
  [helm]    stanford-crfm/helm issue #1149: Google's live answer "Comment text was too many bytes.
            Value (23368) exceeded limit (20480)." (limits.md's older wording is "Comment text too long.").
  [swent]   SwEnt-Group8/Street-work-app, app/src/test/java/com/android/streetworkapp/model/textmoderation/
            PerspectiveAPIRepositoryTest.kt: a captured COMMENT_EMPTY answer with the Error detail.
  [client]  a googleapiclient HttpError quoted in public client code: returned "Attribute SEXUALLY_EXPLICIT does not
            support request languages: om". Details: "[{'@type': 'type.googleapis.com/google.commentanalyzer.
            v1alpha1.Error', 'errorType': 'LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE', 'languageNotSupportedByAttributeError':
            {'detectedLanguages': ['om'], 'attribute': 'SEXUALLY_EXPLICIT'}}]"

LANGUAGE_DETECTION_FAILED ("Unable to detect language", [limits]) has no constructor: the detector always names a
language. When a real language detector arrives, ``language_not_supported`` takes its ``detected_languages``.
"""
from __future__ import annotations

ERROR_DETAIL_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


class PerspectiveError(Exception):
    """A 400 the way Google words it; ``details()`` is the response's ``error.details``."""

    def __init__(self, message: str, error_type: str = "INVALID_REQUEST", **detail) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.detail = detail

    def details(self) -> list[dict]:
        return [{"@type": ERROR_DETAIL_TYPE, "errorType": self.error_type, **self.detail}]


def invalid_request(message: str) -> PerspectiveError:
    """Any other malformed request ([limits]: INVALID_REQUEST)."""
    return PerspectiveError(message)


def comment_empty() -> PerspectiveError:
    return PerspectiveError("Comment must be non-empty.", "COMMENT_EMPTY")  # [limits], [swent]


def comment_too_long(size_bytes: int, limit_bytes: int) -> PerspectiveError:
    return PerspectiveError(f"Comment text was too many bytes. Value ({size_bytes}) exceeded limit ({limit_bytes}).",
                            "COMMENT_TOO_LONG")  # [helm]; errorType [limits]


def no_requested_attributes() -> PerspectiveError:
    return PerspectiveError("Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")  # [limits]


def unknown_attribute(name: str) -> PerspectiveError:
    return invalid_request(f"Unknown requested attribute: {name}")  # [limits]


def unsupported_score_type(name: str, score_type: str) -> PerspectiveError:
    return invalid_request(f"Requested score type {score_type} is not supported by attribute {name}")  # [limits]


def unknown_text_type() -> PerspectiveError:
    return invalid_request("Unknown text type")  # [limits]


def context_both_fields() -> PerspectiveError:
    return invalid_request("Context can have either entries or article_and_parent_comment, but both fields were "
                           "populated.")  # [limits]


def language_not_supported(attribute: str, request_languages: list[str],
                           detected_languages: list[str]) -> PerspectiveError:
    """The attribute cannot score text in the request's languages (given, or detected when none were given)."""
    return PerspectiveError(  # message [atom], [limits] ("<lang1, lang2>"); detail [client]
        f"Attribute {attribute} does not support request languages: {', '.join(request_languages)}",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        languageNotSupportedByAttributeError={"detectedLanguages": list(detected_languages), "attribute": attribute},
    )
