"""Train the claim matcher of `compare --claims`, key points and `parallax eval` on a KPA
folder (parallax/stance/claim_match.py) on ArgKP: fit on train, choose on dev, never read test.

    PYTHONPATH=. .venv/bin/python benchmarks/train_claim_matcher.py
        [--data ../shared/datasets/argkp] [--cache /tmp/argkp-cache] [--skip-screen]

Two models, both written beside claim_match.py:

- **The screen** (claim_screen.npz, 50 KB): a network with one hidden layer of 32 ReLU units
  over u ⊙ v of the base model's frozen vectors and the five hand features of claim_match
  (standardised on train); dropout 0.3, AdamW (lr 5e-4, weight decay 1e-2), batches of 128,
  5 epochs, the epoch with the best dev strict Track 1 mAP kept. It runs on the vectors a
  caller already has (an index's), so it decides which texts are worth embedding again.
  Over frozen vectors nothing beat 0.55 dev strict: [u, v, |u−v|, u⊙v, hand] × 128 hidden
  0.549, × 256 0.501; [|u−v|, u⊙v, hand] × 64 0.524; hand × 16 0.552; [u⊙v, hand] linear
  0.552, × 32 0.550 (shipped); a low-rank adaptation of the model on the key-point side
  only (arguments frozen) 0.551.
- **The full model** (claim_match.npz, 0.7 MB): low-rank deltas (LoRA, rank RANK) on every
  linear layer of the six transformer blocks of the bundled all-MiniLM-L6-v2, trained as a
  bi-encoder: argument and key point are embedded alone by the same adapted model, and the
  same head as the screen's reads u' ⊙ v' of those vectors and the five hand features (of
  the frozen vectors). Per step, CHUNK arguments of one topic × stance and all its key
  points; binary cross-entropy over their labelled pairs; AdamW (LoRA lr LR, head lr
  HEAD_LR, weight decay 1e-2); EPOCHS epochs; the epoch with the best dev strict mAP kept.
- **Calibration** of each on dev's labelled pairs: isotonic regression of the label on the
  logit (pool-adjacent-violators), joined linearly between the pooled runs so that the
  order of scores, and so Track 1, is kept; the full model's dev logits are computed by the
  numpy forward pass that `compare` runs (embed/adapted_bert.py), not by torch. The
  threshold of "makes the claim" is the calibrated probability with the best F1 of match
  decisions on dev (a 0.01 grid); the screen's cut the highest (0.01 grid) that keeps 98 %
  of dev's matching pairs.

Deterministic: seeds 0 (numpy, torch), torch on 2 threads. Test is reported by
`parallax eval ../shared/datasets/argkp`, which reads the files and never fits.
On the 2-core AMD EPYC (AVX2) this was developed on, shared with other jobs: embedding
ArgKP's 7,545 texts once ~60 s (cached in --cache), the screen ~25 s, the full model
about MINUTES min per epoch of train (EPOCHS epochs), its dev calibration ~1 min.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embed.adapted_bert import AdaptedBertEncoder  # noqa: E402
from embed.models import DEFAULT_MODEL, local_model_dir  # noqa: E402
from parallax.evaluation.calibration import expected_calibration_error  # noqa: E402
from parallax.evaluation.kpa import Split, load_split  # noqa: E402
from parallax.evaluation.kpa_eval import Vectors, group_features, split_texts, track1  # noqa: E402
from parallax.stance.claim_match import (  # noqa: E402
    FEATURES,
    PARAMETERS,
    SCREEN_PARAMETERS,
    Matcher,
    MatchModel,
    load_model,
    save_matcher,
    save_model,
)

DATA = ROOT.parent / "shared" / "datasets" / "argkp"
HIDDEN, DROPOUT, WEIGHT_DECAY, SEED = 32, 0.3, 1e-2, 0
SCREEN_LR, SCREEN_EPOCHS, BATCH = 5e-4, 5, 128
RANK, LR, HEAD_LR, EPOCHS, CHUNK, MAX_PIECES = 8, 1e-3, 2e-3, 2, 48, 128
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")
SCREEN_RECALL = 0.98


def cached_vectors(data: Path, cache: Path | None) -> Vectors:
    """Every text of the three splits embedded once (kept in cache/all.npz)."""
    from embed import load_encoder

    texts = sorted({t for s in ("train", "dev", "test") for t in split_texts(load_split(data, s))})
    path = None if cache is None else cache / "all.npz"
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))
    else:
        known = dict(zip(texts, load_encoder().encode(texts), strict=True))
        if path is not None:
            cache.mkdir(parents=True, exist_ok=True)
            np.savez(path, texts=np.array(texts), vectors=np.stack([known[t] for t in texts]))
    return Vectors(lambda ts: np.stack([known[t] for t in ts]))


def group_inputs(split: Split, vectors: Vectors) -> list[tuple[list, list, np.ndarray, np.ndarray]]:  # noqa: E501
    """Per topic × stance: arguments, key points, inputs (n, m, 4d + 5), labels (−1 undecided)."""
    out = []
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if not kps:
            continue
        u, v = vectors([a.text for a in arguments]), vectors([k.text for k in kps])
        n, m = len(u), len(v)
        uu, vv = np.repeat(u[:, None], m, 1), np.repeat(v[None], n, 0)
        x = np.concatenate([uu, vv, np.abs(uu - vv), uu * vv,
                            group_features(vectors, arguments, kps)], -1)
        y = np.array([[split.labels.get((a.id, k.id), -1) for k in kps] for a in arguments])
        out.append((arguments, kps, x.astype(np.float32), y))
    return out


def labelled(groups: list) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([g[2].reshape(-1, g[2].shape[-1]) for g in groups])
    y = np.concatenate([g[3].reshape(-1) for g in groups])
    return x[y >= 0], y[y >= 0].astype(np.float32)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """The T of sigmoid(z / T) with the least log loss (a 0.01 grid over 0.3–5)."""
    def log_loss(t: float) -> float:
        p = np.clip(sigmoid(z / t), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return float(min(np.round(np.arange(0.3, 5.0, 0.01), 2), key=log_loss))


def isotonic(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool-adjacent-violators over pairs sorted by logit: the mean logit of each pooled run
    (knots) and its rate of matches (rates, non-decreasing)."""
    order = np.argsort(z, kind="mergesort")
    runs: list[list[float]] = []  # [sum of logits, sum of labels, count]
    for zi, yi in zip(z[order], y[order], strict=True):
        runs.append([zi, yi, 1.0])
        while len(runs) > 1 and runs[-2][1] / runs[-2][2] >= runs[-1][1] / runs[-1][2]:
            last = runs.pop()
            runs[-1] = [a + b for a, b in zip(runs[-1], last, strict=True)]
    knots = np.array([r[0] / r[2] for r in runs])
    rates = np.array([r[1] / r[2] for r in runs])
    return knots, rates


def best_f1(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The probability cut (a 0.01 grid) with the best F1 of match decisions, and that F1."""
    best = (0.0, 0.5)
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        decided = p >= t
        tp = float(np.sum(decided & (y == 1)))
        f1 = 2 * tp / (decided.sum() + y.sum()) if tp else 0.0
        best = max(best, (round(f1, 4), float(t)))
    return best




def calibrate(z: np.ndarray, y: np.ndarray, model: MatchModel, name: str) -> MatchModel:
    """`model` with the isotonic map of dev's logits `z` (labels `y`) and the threshold of
    best dev F1; prints dev ECE raw, with a temperature and with the map."""
    knots, rates = isotonic(z, y)
    mapped = np.interp(z, knots, rates)
    f1, threshold = best_f1(mapped, y)
    temperature = fit_temperature(z, y)
    print(f"{name}: threshold {threshold} (best dev F1 {f1}); dev ECE raw "
          f"{expected_calibration_error(sigmoid(z), y):.4f}, temperature {temperature} "
          f"{expected_calibration_error(sigmoid(z / temperature), y):.4f}, isotonic "
          f"{expected_calibration_error(mapped, y):.4f} ({len(knots)} steps, shipped)")
    return MatchModel(model.w1, model.b1, model.w2, model.b2, model.feature_mean,
                      model.feature_scale, knots, rates, threshold)


def train_screen(splits: dict[str, Split], groups: dict[str, list]) -> MatchModel:
    """The screen: the head over the frozen vectors (u ⊙ v and the hand features)."""
    import torch

    torch.manual_seed(SEED)
    x, y = labelled(groups["train"])
    d = (x.shape[1] - len(FEATURES)) // 4
    used = np.r_[np.arange(3 * d, 4 * d), np.arange(4 * d, 4 * d + len(FEATURES))]
    mean, scale = x[:, 4 * d:].mean(0), x[:, 4 * d:].std(0)

    def prepare(a: np.ndarray) -> torch.Tensor:
        a = a.copy()
        a[..., 4 * d:] = (a[..., 4 * d:] - mean) / scale
        return torch.from_numpy(np.ascontiguousarray(a[..., used]))

    net = torch.nn.Sequential(torch.nn.Dropout(DROPOUT), torch.nn.Linear(len(used), HIDDEN),
                              torch.nn.ReLU(), torch.nn.Dropout(DROPOUT),
                              torch.nn.Linear(HIDDEN, 1))
    optimiser = torch.optim.AdamW(net.parameters(), lr=SCREEN_LR, weight_decay=WEIGHT_DECAY)
    inputs, targets = prepare(x), torch.from_numpy(y)
    order = torch.Generator().manual_seed(SEED)

    def logits_of(split: str) -> dict[str, dict[str, float]]:
        scores = {}
        with torch.no_grad():
            for arguments, kps, gx, _ in groups[split]:
                s = net(prepare(gx)).squeeze(-1).numpy()
                for i, a in enumerate(arguments):
                    scores[a.id] = {k.id: float(s[i, j]) for j, k in enumerate(kps)}
        return scores

    best: tuple[float, dict, int] = (-1.0, {}, -1)
    for epoch in range(SCREEN_EPOCHS):
        net.train()
        for b in torch.randperm(len(inputs), generator=order).split(BATCH):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                net(inputs[b]).squeeze(-1), targets[b])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        net.eval()
        dev = track1(splits["dev"], logits_of("dev"))
        print(f"screen epoch {epoch}: dev strict {dev['strict']:.4f} "
              f"relaxed {dev['relaxed']:.4f}")
        if dev["strict"] > best[0]:
            best = (dev["strict"], {k: v.clone() for k, v in net.state_dict().items()}, epoch)
    net.load_state_dict(best[1])
    print(f"screen: kept epoch {best[2]}")
    w1 = np.zeros((x.shape[1], HIDDEN), dtype=np.float32)
    w1[used] = net[1].weight.detach().numpy().T
    dx, dy = labelled(groups["dev"])
    with torch.no_grad():
        z = net(prepare(dx)).squeeze(-1).numpy().astype(np.float64)
    model = MatchModel(w1, net[1].bias.detach().numpy(), net[4].weight.detach().numpy()[0],
                       float(net[4].bias.detach()), mean, scale, np.array([0.0, 1.0]),
                       np.array([0.0, 1.0]), 0.5)
    return calibrate(z, dy, model, "screen")


def screen_cut(screen: MatchModel, split: Split, vectors: Vectors) -> float:
    """The highest cut (0.01 grid) that keeps SCREEN_RECALL of the split's matching pairs:
    a pair is kept when its argument's best screen probability reaches the cut."""
    best: dict[str, float] = {}
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if kps:
            p = screen.probabilities(vectors([a.text for a in arguments]),
                                     vectors([k.text for k in kps]),
                                     group_features(vectors, arguments, kps))
            best.update({a.id: float(row.max()) for a, row in zip(arguments, p, strict=True)})
    kept = np.array([best[a] for (a, _), label in split.labels.items() if label == 1])
    cut = max(c for c in np.round(np.arange(0.0, 0.5, 0.01), 2)
              if np.mean(kept >= c) >= SCREEN_RECALL)
    print(f"screen cut {cut}: keeps {np.mean(kept >= cut):.3f} of dev's matching pairs, "
          f"{np.mean(np.array(list(best.values())) >= cut):.3f} of its arguments")
    return float(cut)


def low_rank(linear: Any, rank: int) -> Any:
    """W x + B A x on a frozen torch Linear (B starts at zero): the deltas claim_match ships."""
    import torch

    class Adapted(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = linear
            self.a = torch.nn.Parameter(torch.randn(rank, linear.in_features)
                                        / math.sqrt(linear.in_features))
            self.b = torch.nn.Parameter(torch.zeros(linear.out_features, rank))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.a.T) @ self.b.T

    return Adapted()


def train_full(splits: dict[str, Split], vectors: Vectors, screen: MatchModel
               ) -> tuple[float, MatchModel, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The LoRA deltas and the head over the adapted vectors, chosen on dev strict mAP."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    folder = str(local_model_dir(DEFAULT_MODEL))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    bert = AutoModel.from_pretrained(folder)
    for weight in bert.parameters():
        weight.requires_grad_(False)
    adapted = {}
    for name, module in list(bert.named_modules()):
        if (name.startswith("encoder.layer.") and isinstance(module, torch.nn.Linear)
                and name.split(".", 3)[3] in TARGETS):
            parent, _, attribute = name.rpartition(".")
            adapted[name] = low_rank(module, RANK)
            setattr(bert.get_submodule(parent), attribute, adapted[name])
    lora = [w for m in adapted.values() for w in (m.a, m.b)]
    d = screen.dimension
    head = torch.nn.Sequential(torch.nn.Linear(d + len(FEATURES), HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, 1))
    optimiser = torch.optim.AdamW([{"params": lora, "lr": LR},
                                   {"params": head.parameters(), "lr": HEAD_LR}],
                                  weight_decay=WEIGHT_DECAY)

    def encode(texts: list[str]) -> torch.Tensor:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_PIECES,
                          return_tensors="pt")
        hidden = bert(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def logits(u: torch.Tensor, v: torch.Tensor, hand: np.ndarray) -> torch.Tensor:
        standard = torch.from_numpy(((hand - screen.feature_mean) / screen.feature_scale)
                                    .astype(np.float32))
        return head(torch.cat([u[:, None, :] * v[None], standard], -1)).squeeze(-1)

    groups = {}
    for name in ("train", "dev"):
        key_points, groups[name] = splits[name].key_points_of(), []
        for group, arguments in splits[name].arguments_of().items():
            kps = key_points.get(group, [])
            if kps:
                y = np.array([[splits[name].labels.get((a.id, k.id), -1) for k in kps]
                              for a in arguments], dtype=np.float32)
                groups[name].append((arguments, kps, group_features(vectors, arguments, kps),
                                     y))

    length = {a.text: len(tokenizer(a.text)["input_ids"]) for a in splits["train"].arguments}

    def dev_scores() -> dict[str, dict[str, float]]:
        bert.eval()
        scores = {}
        with torch.no_grad():
            for arguments, kps, hand, _ in groups["dev"]:
                texts = [a.text for a in arguments]
                u = torch.cat([encode(texts[i:i + 64]) for i in range(0, len(texts), 64)])
                s = logits(u, encode([k.text for k in kps]), hand).numpy()
                for i, a in enumerate(arguments):
                    scores[a.id] = {k.id: float(s[i, j]) for j, k in enumerate(kps)}
        return scores

    best: tuple[float, dict, int] = (-1.0, {}, -1)
    started = time.process_time()
    for epoch in range(EPOCHS):
        bert.train()
        steps = []
        for g, (arguments, *_) in enumerate(groups["train"]):
            # chunks of arguments of similar length (little padding), in a random order
            noisy = [length[a.text] + rng.uniform(0, 4) for a in arguments]
            order = np.argsort(noisy, kind="stable")
            steps += [(g, order[i:i + CHUNK]) for i in range(0, len(order), CHUNK)]
        total = 0.0
        for step in rng.permutation(len(steps)):
            g, rows = steps[step]
            arguments, kps, hand, y = groups["train"][g]
            z = logits(encode([arguments[i].text for i in rows]),
                       encode([k.text for k in kps]), hand[rows])
            target = torch.from_numpy(y[rows])
            known = target >= 0
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z[known], target[known])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach())
        dev = track1(splits["dev"], dev_scores())
        print(f"full epoch {epoch}: loss {total / len(steps):.4f} dev strict "
              f"{dev['strict']:.4f} relaxed {dev['relaxed']:.4f} "
              f"({time.process_time() - started:.0f} s of CPU so far)", flush=True)
        if dev["strict"] > best[0]:
            state = {n: (m.b.detach().numpy().copy(), m.a.detach().numpy().copy())
                     for n, m in adapted.items()}
            best = (dev["strict"], {"deltas": state, "head": {
                k: v.detach().numpy().copy() for k, v in head.state_dict().items()}}, epoch)
    print(f"full: kept epoch {best[2]}")
    weights = best[1]["head"]
    w1 = np.zeros((4 * d + len(FEATURES), HIDDEN), dtype=np.float32)
    w1[3 * d:] = weights["0.weight"].T
    model = MatchModel(w1, weights["0.bias"], weights["2.weight"][0], float(weights["2.bias"][0]),
                       screen.feature_mean, screen.feature_scale, np.array([0.0, 1.0]),
                       np.array([0.0, 1.0]), 0.5)
    return best[0], model, best[1]["deltas"]


def frozen_logits(model: MatchModel, split: Split, vectors: Vectors
                  ) -> dict[str, dict[str, float]]:
    """A model's logits over the base model's vectors, per argument and key point."""
    scores: dict[str, dict[str, float]] = {}
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if kps:
            z = model.logits(vectors([a.text for a in arguments]), vectors([k.text for k in kps]),
                             group_features(vectors, arguments, kps))
            for i, a in enumerate(arguments):
                scores[a.id] = {k.id: float(z[i, j]) for j, k in enumerate(kps)}
    return scores


def numpy_logits(model: MatchModel, encoder: AdaptedBertEncoder, split: Split,
                 vectors: Vectors) -> tuple[dict[str, dict[str, float]], np.ndarray, np.ndarray]:
    """The full model's logits as `compare` computes them (numpy forward pass): per argument
    and key point, and the (logit, label) arrays of the labelled pairs."""
    adapted = Vectors(encoder.encode)
    scores: dict[str, dict[str, float]] = {}
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if kps:
            z = model.logits(adapted([a.text for a in arguments]), adapted([k.text for k in kps]),
                             group_features(vectors, arguments, kps))
            for i, a in enumerate(arguments):
                scores[a.id] = {k.id: float(z[i, j]) for j, k in enumerate(kps)}
    pairs = [(scores[a][k], label) for (a, k), label in sorted(split.labels.items())
             if k in scores.get(a, {})]
    return scores, np.array([p for p, _ in pairs]), np.array([y for _, y in pairs])


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the base model's embeddings of ArgKP here between runs")
    parser.add_argument("--skip-screen", action="store_true",
                        help="keep the shipped screen (claim_screen.npz) rather than retrain it")
    args = parser.parse_args()
    torch.set_num_threads(2)
    started = time.time()
    splits = {s: load_split(args.data, s) for s in ("train", "dev")}
    vectors = cached_vectors(args.data, args.cache)
    if args.skip_screen:
        screen = load_model(SCREEN_PARAMETERS)
    else:
        groups = {s: group_inputs(splits[s], vectors) for s in splits}
        screen = train_screen(splits, groups)
        save_model(screen, SCREEN_PARAMETERS)
    cut = screen_cut(screen, splits["dev"], vectors)
    screen_dev = track1(splits["dev"], frozen_logits(screen, splits["dev"], vectors))["strict"]
    strict, full, deltas = train_full(splits, vectors, screen)
    if strict <= screen_dev:
        # Chosen on dev: the adapted model does not match better than the screen, so the
        # screen is the full match too (no deltas: texts are embedded again by the base model)
        print(f"full model dev strict {strict:.4f} <= the screen's {screen_dev:.4f}: "
              "shipping the screen as the full match, without deltas")
        save_matcher(Matcher(screen, screen, {}, cut), PARAMETERS)
        return
    folder = local_model_dir(DEFAULT_MODEL)
    assert folder is not None
    encoder = AdaptedBertEncoder(folder, DEFAULT_MODEL, deltas)
    scores, z, y = numpy_logits(full, encoder, splits["dev"], vectors)
    print(f"dev (numpy forward pass): Track 1 {track1(splits['dev'], scores)}")
    full = calibrate(z, y, full, "full")
    save_matcher(Matcher(screen, full, deltas, cut), PARAMETERS)
    print(f"wrote {PARAMETERS} ({PARAMETERS.stat().st_size / 1e6:.2f} MB) in "
          f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
