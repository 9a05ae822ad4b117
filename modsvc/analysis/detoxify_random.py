"""Random-weight checkpoints in Detoxify's own format, for tests and the throughput benchmark (no download).

``make_checkpoint(dest, size="tiny")``: a 2-layer BERT with a 120-word vocabulary (fast tests of the real
Detoxify loading/predict code); ``size="base"``: the ``bert-base-uncased`` architecture of Detoxify ``original``
(110M parameters, random weights) using the MiniLM package's vocab.txt, which is bert-base-uncased's vocabulary.
Returns ``(checkpoint_path, hf_dir)``.
"""
from __future__ import annotations

from pathlib import Path

ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
TINY_WORDS = ("the a an and or of to in is are was be it this that you i we they he she not no yes good bad "
              "great terrible nice comment article thanks love hate jews jewish banks media control war wars "
              "holocaust vaccine vaccines idiot stupid kill people world news government money bank khazar "
              "history read post reply think know really very more most all some every when where why what "
              "who how do does did have has had will would can could should").split()


def make_checkpoint(dest: Path | str, size: str = "tiny", seed: int = 0) -> tuple[Path, Path]:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    dest = Path(dest)
    hf_dir = dest / f"bert-{size}-hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    if size == "tiny":
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        vocab = specials + list(dict.fromkeys(TINY_WORDS)) + list("abcdefghijklmnopqrstuvwxyz.,!?'")
        (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n")
        config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=64, max_position_embeddings=128, num_labels=len(ORIGINAL_CLASSES))
    elif size == "base":
        from .encoder import package_model_dir

        (hf_dir / "vocab.txt").write_bytes((package_model_dir() / "vocab.txt").read_bytes())
        config = BertConfig(num_labels=len(ORIGINAL_CLASSES))  # defaults = bert-base-uncased
    else:
        raise ValueError("size must be 'tiny' or 'base'")
    config.save_pretrained(hf_dir)
    BertTokenizer(str(hf_dir / "vocab.txt"), do_lower_case=True).save_pretrained(hf_dir)
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config).eval()
    if size == "tiny":  # distinct per-label biases: a test can tell loaded weights from a fresh random init
        with torch.no_grad():
            model.classifier.bias.copy_(torch.linspace(-3.0, 2.0, len(ORIGINAL_CLASSES)))
    ckpt = dest / f"detoxify-random-{size}.ckpt"
    torch.save({
        "config": {
            "arch": {"args": {"model_type": "bert-base-uncased", "model_name": "BertForSequenceClassification",
                              "tokenizer_name": "BertTokenizer", "num_classes": len(ORIGINAL_CLASSES)}},
            "dataset": {"args": {"classes": ORIGINAL_CLASSES}},
        },
        "state_dict": model.state_dict(),
    }, ckpt)
    return ckpt, hf_dir
