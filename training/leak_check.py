"""Drop hand-written TRAIN rows that came out close to a held-out comment by chance.

    .venv/bin/python -m training.leak_check training/data/handwritten_train_de3.jsonl [--drop] [--ratio 0.75]

New TRAIN rows are written by people (or helpers) who never open the held-out files, but with a few hundred
comments on the same myths two texts can still come out nearly the same, and the held-out figure would then
measure memory. This compares every row with every held-out text of the same file set (difflib's ratio on
lower-cased, whitespace-folded text), prints the pairs above ``--ratio`` and, with ``--drop``, rewrites the file
without those rows. Only texts are compared: the held-out labels are not used.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from training.datasets import handwritten_heldout, norm_key  # noqa: E402


def close_pairs(rows: list[dict], heldout: list[str], ratio: float) -> list[tuple[int, str, float]]:
    """(row index, the held-out text, similarity) for each row too close to a held-out text."""
    held = [norm_key(t) for t in heldout]
    found = []
    for i, row in enumerate(rows):
        text = norm_key(row["text"])
        matcher = difflib.SequenceMatcher(None, text, autojunk=False)
        for original, other in zip(heldout, held):
            matcher.set_seq2(other)
            # the cheap upper bounds first: most pairs are far apart
            if matcher.real_quick_ratio() > ratio and matcher.quick_ratio() > ratio:
                similarity = matcher.ratio()
                if similarity > ratio:
                    found.append((i, original, similarity))
                    break
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--ratio", type=float, default=0.75)
    parser.add_argument("--drop", action="store_true", help="rewrite the file without the close rows")
    args = parser.parse_args(argv)
    lines = [line for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]
    heldout = [example.text for example in handwritten_heldout()]
    pairs = close_pairs(rows, heldout, args.ratio)
    for i, original, similarity in pairs:
        print(f"{similarity:.2f}\n  train:    {rows[i]['text']}\n  held-out: {original}")
    print(f"{len(pairs)} of {len(rows)} rows are closer than {args.ratio} to a held-out text")
    if args.drop and pairs:
        dropped = {i for i, _, _ in pairs}
        args.path.write_text("".join(line + "\n" for i, line in enumerate(lines) if i not in dropped), encoding="utf-8")
        print(f"dropped {len(dropped)}; {len(rows) - len(dropped)} rows left in {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
