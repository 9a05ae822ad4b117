from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import click

from .exits import EXIT_REJECTED, FatalError


def _read_batches(stream, batch_size: int) -> Iterator[list[tuple[int, object, str | None, str | None, str | None]]]:
    """(line number, id, text, language, error) tuples in input order, batch by batch."""
    from ..analysis.language import normalize_code

    batch = []
    for number, raw in enumerate(stream, start=1):
        line = raw.strip()
        if not line:
            continue
        item_id, text, language, error = None, None, None, None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object like {\"id\": ..., \"text\": ...}")
            item_id = obj.get("id")
            text = obj.get("text")
            if not isinstance(text, str):
                raise ValueError("field 'text' must be a string")
            given = obj.get("language") or (obj.get("languages") or [None])[0]
            language = normalize_code(given) if given is not None else None
        except (ValueError, RecursionError, TypeError, KeyError) as exc:
            error = f"line {number}: {exc}"
        batch.append((number, item_id, text, language, error))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


@click.command("score")
@click.argument("file", type=click.File("r", encoding="utf-8", errors="replace"), default="-", required=False)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 1024))
@click.option("--policy", "policy_file", type=click.File("r"), help="JSON file of per-label thresholds.")
def score_command(file, batch_size: int, policy_file) -> None:
    """Score comments: JSON Lines {"id": ..., "text": ...} in (stdin when no FILE), JSON Lines out.

    One output line per input line, in input order, with id, scores, spans,
    decision, language and model (see README, "Scoring output"). An input
    line's "language" (e.g. "de") overrides language identification. A bad line gets
    {"id", "line", "error"} and the rest go on; the exit code is then 1.
    """
    from ..analysis import Policy, get_analyzer

    policy = None
    if policy_file is not None:
        try:
            policy = Policy.from_dict(json.load(policy_file))
        except (ValueError, TypeError, KeyError) as exc:
            raise FatalError(f"bad policy file: {exc}") from exc
    try:
        analyzer = get_analyzer()
    except Exception as exc:
        raise FatalError(f"cannot load the scoring model: {exc}") from exc

    bad = 0
    out = sys.stdout
    for batch in _read_batches(file, batch_size):
        good = [(n, t, lang) for n, _i, t, lang, e in batch if e is None]
        results = {}
        if good:
            languages = [lang for _, _, lang in good]
            extra = {"languages": languages} if any(languages) else {}
            for (n, _t, _l), result in zip(good, analyzer.analyze([t for _, t, _ in good], policy=policy, **extra)):
                results[n] = result
        for number, item_id, _text, _language, error in batch:
            if error is not None:
                bad += 1
                out.write(json.dumps({"id": item_id, "line": number, "error": error}) + "\n")
                continue
            result = results[number]
            out.write(json.dumps({"id": item_id, **result.to_dict()}, ensure_ascii=False) + "\n")
        out.flush()
    if bad:
        sys.exit(EXIT_REJECTED)
