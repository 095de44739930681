"""A cross-encoder for the claim matcher (parallax/stance/claim_match.py), trained on ArgKP:
fit on train, choose on dev, never read test. An experiment: nothing it writes ships (below).

    PYTHONPATH=. .venv/bin/python benchmarks/train_cross_encoder.py --cache /tmp/argkp-cache
        [--data ../shared/datasets/argkp] [--rank 8] [--lr 1e-3] [--head-lr 5e-4]
        [--epochs 1] [--layers 6] [--max-pieces 96] [--subset 12000] [--half-epochs |
        --quarters] [--residual] [--log /tmp/xenc.log] [--out /tmp/xenc.npz]

The shipped matcher reads a text and a claim each embedded alone, so attention never sees
both; a cross-encoder reads the pair as one input, "[CLS] claim [SEP] text [SEP]" (token
types 0 then 1), the form of the systems reaching 0.87 strict mAP on ArgKP's Track 1. Here:
the bundled all-MiniLM-L6-v2 (local weights, no hub) with low-rank deltas (LoRA, rank
--rank) on every linear layer of its top --layers blocks (with all six, its token-type
table is trained in full too), and a head over the joint pass: the mean vectors of the
claim's and of the text's word pieces (each read beside the other), unit-normalised, into
the screen's network (their product and the five hand features of claim_match), started
from the screen's weights; with --residual, the screen's own logit (texts embedded alone)
plus a linear map of that product, zero at the start. Binary cross-entropy over train's
labelled pairs (undecided ones left out; --subset draws that many at random, seeded),
batches of BATCH pairs of similar length, AdamW (weight decay 1e-2), linear warm-up over
6 % of the steps then linear decay; dev Track 1 strict mAP at each checkpoint, the best
state kept. Then the numpy forward pass `compare` would run (embed/adapted_bert.py,
pair_states) recomputes dev's logits (it gives torch's figures), and the isotonic map
and threshold of best F1 that would ship are fitted on them.

Results (dev strict / relaxed; the screen, shipped today: 0.550 / 0.799):

- mean of the pair's vectors into a linear head, LoRA on the top 3 blocks, lr 1e-3,
  8,000 pairs, 1 epoch: 0.225 / 0.498 (a linear map of a mean of both texts cannot read
  their agreement; 250 steps are too few for the deltas to learn it);
- the screen-shaped head (as above), all 6 blocks + token types, lr 1e-3, head 5e-4,
  12,000 pairs: 0.547 / 0.796 at half an epoch, 0.515 / 0.765 at one (over-fits
  the 24 training topics, as the adapted bi-encoder did); numpy 0.547, dev ECE after the
  isotonic map 0.007, threshold 0.31; 0.68 MB of float16 deltas;
- --residual, lr 5e-4, head 5e-4, 8,000 pairs: 0.550, 0.550, 0.550, 0.551 at each quarter
  (the correction barely moves);
- --residual, lr 1e-3, head 1e-2, 12,000 pairs: 0.547 / 0.796 at a quarter epoch,
  0.530 / 0.779 at half (stopped there, dev falling).

None beats the screen clearly on dev, so none ships and test was not computed.

Deterministic: seeds 0 (numpy, torch), torch on 2 threads. On the 2-core AMD EPYC (AVX2)
this was developed on, shared with other jobs: 0.06 (top 3 blocks) to 0.085 (all 6) s of
CPU per training pair; 12,000 pairs with all six blocks took 17 min of CPU and 16 min wall
at load 2-5 (2-6 pairs/s at load 9-12, 40-70 at load 2-3), a dev measure 1-2 min; the
numpy check of dev's 4,211 pairs 1-2 min. A whole epoch of train (20,635 pairs) is ~30 min
of CPU.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from train_claim_matcher import (  # noqa: E402
    TARGETS,
    best_f1,
    cached_vectors,
    isotonic,
    low_rank,
)

from embed.models import DEFAULT_MODEL, local_model_dir  # noqa: E402
from parallax.evaluation.calibration import expected_calibration_error  # noqa: E402
from parallax.evaluation.kpa import Split, load_split  # noqa: E402
from parallax.evaluation.kpa_eval import Vectors, group_features, track1  # noqa: E402
from parallax.stance.claim_match import SCREEN_PARAMETERS, load_model  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "argkp"
SEED, BATCH, HEAD_LR, WEIGHT_DECAY, WARMUP = 0, 32, 5e-4, 1e-2, 0.06


def all_pairs(split: Split, vectors: Vectors) -> list[tuple[str, str, str, str, np.ndarray]]:
    """(argument id, key point id, key point, argument, hand features) of every pair of a
    topic × stance; the hand features of claim_match over the base model's vectors."""
    out = []
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if kps:
            hand = group_features(vectors, arguments, kps)
            # the screen's logit of each pair (over the texts embedded alone) as a 6th column:
            # the base of --residual
            screen = load_model(SCREEN_PARAMETERS).logits(
                vectors([a.text for a in arguments]), vectors([k.text for k in kps]), hand)
            hand = np.concatenate([hand, screen[..., None]], -1)
            out += [(a.id, k.id, k.text, a.text, hand[i, j]) for i, a in enumerate(arguments)
                    for j, k in enumerate(kps)]
    return out


def log(path: Path, line: str) -> None:
    print(line, flush=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def main() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--head-lr", type=float, default=HEAD_LR)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-pieces", type=int, default=96)
    parser.add_argument("--subset", type=int, default=0, help="train on this many pairs only")
    parser.add_argument("--residual", action="store_true",
                        help="the screen's logit plus a linear correction of the joint pass")
    parser.add_argument("--quarters", action="store_true",
                        help="measure dev every quarter epoch")
    parser.add_argument("--half-epochs", action="store_true",
                        help="measure dev every half epoch (~6 min each under load), keep the best")
    parser.add_argument("--layers", type=int, default=6,
                        help="adapt the top LAYERS blocks only (the others and the token-type "
                             "table stay frozen, so the backward pass stops above them)")
    parser.add_argument("--log", type=Path, default=Path("/tmp/xenc.log"))
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the base model's embeddings of ArgKP here between runs")
    parser.add_argument("--out", type=Path, default=Path("/tmp/xenc.npz"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    started, cpu = time.time(), time.process_time()
    splits = {s: load_split(args.data, s) for s in ("train", "dev")}
    folder = str(local_model_dir(DEFAULT_MODEL))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    bert = AutoModel.from_pretrained(folder, add_pooling_layer=False)
    for weight in bert.parameters():
        weight.requires_grad_(False)
    adapted = {}
    for name, module in list(bert.named_modules()):
        if (name.startswith("encoder.layer.") and isinstance(module, torch.nn.Linear)
                and name.split(".", 3)[3] in TARGETS
                and int(name.split(".")[2]) >= bert.config.num_hidden_layers - args.layers):
            parent, _, attribute = name.rpartition(".")
            adapted[name] = low_rank(module, args.rank)
            setattr(bert.get_submodule(parent), attribute, adapted[name])
    types = bert.embeddings.token_type_embeddings.weight
    types.requires_grad_(args.layers == bert.config.num_hidden_layers)
    # The head is the screen's network (u ⊙ v and the hand features), started from the
    # screen's weights: it reads the two texts' vectors of the joint pass, so training starts
    # near the screen's ranking and the deltas learn what reading both together adds.
    screen = load_model(SCREEN_PARAMETERS)
    d = bert.config.hidden_size
    head = torch.nn.Sequential(torch.nn.Linear(d + 5, screen.w1.shape[1]), torch.nn.ReLU(),
                               torch.nn.Linear(screen.w1.shape[1], 1))
    with torch.no_grad():
        head[0].weight.copy_(torch.from_numpy(screen.w1[3 * d:].T.astype(np.float32)))
        head[0].bias.copy_(torch.from_numpy(screen.b1.astype(np.float32)))
        head[2].weight.copy_(torch.from_numpy(screen.w2[None].astype(np.float32)))
        head[2].bias.fill_(screen.b2)
    # --residual: the screen's logit plus a correction read from the joint pass (a linear
    # map of u ⊙ v, zero at the start): training starts exactly at the screen's ranking.
    residual = torch.nn.Linear(d, 1)
    torch.nn.init.zeros_(residual.weight)
    torch.nn.init.zeros_(residual.bias)
    if args.residual:
        head = residual
    mean = torch.from_numpy(screen.feature_mean.astype(np.float32))
    scale = torch.from_numpy(screen.feature_scale.astype(np.float32))
    lora = [w for m in adapted.values() for w in (m.a, m.b)]
    optimiser = torch.optim.AdamW([{"params": [*lora, types], "lr": args.lr},
                                   {"params": head.parameters(), "lr": args.head_lr}],
                                  weight_decay=WEIGHT_DECAY)

    def logits(pairs: list[tuple[str, str]], hand: np.ndarray) -> torch.Tensor:
        batch = tokenizer([p[0] for p in pairs], [p[1] for p in pairs], padding=True,
                          truncation="longest_first", max_length=args.max_pieces,
                          return_tensors="pt")
        hidden = bert(**batch).last_hidden_state
        mask = batch["attention_mask"].float()
        second = (mask * batch["token_type_ids"]).unsqueeze(-1)
        first = mask.unsqueeze(-1) - second
        u, v = ((hidden * m).sum(1) / m.sum(1).clamp(min=1e-9) for m in (first, second))
        u, v = (torch.nn.functional.normalize(t, dim=-1) for t in (u, v))
        hand = torch.from_numpy(np.asarray(hand, dtype=np.float32))
        if args.residual:
            return hand[:, 5] + residual(u * v).squeeze(-1)
        standard = (hand[:, :5] - mean) / scale
        return head(torch.cat([u * v, standard], -1)).squeeze(-1)

    train = splits["train"]
    vectors = cached_vectors(args.data, args.cache)
    text_of = {a.id: a.text for a in train.arguments} | {k.id: k.text for k in train.key_points}
    hand_of = {(p[0], p[1]): p[4] for p in all_pairs(train, vectors)}
    labelled = sorted(train.labels.items())
    if args.subset:
        labelled = [labelled[i] for i in sorted(rng.choice(len(labelled), args.subset,
                                                           replace=False))]
    length = {t: len(tokenizer(t)["input_ids"]) for t in text_of.values()}
    dev_pairs = all_pairs(splits["dev"], vectors)
    dev_pairs.sort(key=lambda p: len(p[2]) + len(p[3]))  # little padding

    def dev_scores() -> dict[str, dict[str, float]]:
        bert.eval()
        scores: dict[str, dict[str, float]] = {}
        with torch.no_grad():
            for i in range(0, len(dev_pairs), 64):
                chunk = dev_pairs[i:i + 64]
                z = logits([(p[2], p[3]) for p in chunk],
                           np.stack([p[4] for p in chunk])).numpy()
                for (a, k, *_), s in zip(chunk, z, strict=True):
                    scores.setdefault(a, {})[k] = float(s)
        bert.train()
        return scores

    def batches() -> list[list[int]]:
        noisy = [length[text_of[a]] + length[text_of[k]] + rng.uniform(0, 6)
                 for (a, k), _ in labelled]
        order = np.argsort(noisy, kind="stable")
        chunks = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        return [chunks[i] for i in rng.permutation(len(chunks))]

    per_epoch = (len(labelled) + BATCH - 1) // BATCH
    total = int(round(args.epochs * per_epoch))
    checkpoints = {total} | ({int(round(f * per_epoch))
                              for f in np.arange(0.5, args.epochs + 0.01, 0.5)}
                             if args.half_epochs else set())
    if args.quarters:
        checkpoints |= {int(round(f * per_epoch)) for f in np.arange(0.25, args.epochs, 0.25)}
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(
        (s + 1) / max(1, WARMUP * total), max(0.0, (total - s) / max(1, total * (1 - WARMUP)))))
    log(args.log, f"train {len(labelled)} pairs, {total} steps of {BATCH}; rank {args.rank} "
        f"lr {args.lr} max pieces {args.max_pieces}; dev {len(dev_pairs)} pairs")
    best: tuple[float, dict, int] = (-1.0, {}, -1)
    queue: list = []
    bert.train()
    running, seen, tick = 0.0, 0, time.time()
    for step in range(total):
        if not queue:
            queue = batches()
        rows = queue.pop()
        pairs = [(text_of[labelled[i][0][1]], text_of[labelled[i][0][0]]) for i in rows]
        target = torch.tensor([float(labelled[i][1]) for i in rows])
        hand = np.stack([hand_of[labelled[i][0]] for i in rows])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits(pairs, hand), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running, seen = running + float(loss.detach()), seen + len(rows)
        if (step + 1) % 10 == 0:
            log(args.log, f"step {step + 1}/{total}: loss {running / 10:.4f}, "
                f"{seen / (time.time() - tick):.1f} pairs/s, "
                f"{time.process_time() - cpu:.0f} s CPU, {time.time() - started:.0f} s wall")
            running, seen, tick = 0.0, 0, time.time()
        if step + 1 in checkpoints:
            dev = track1(splits["dev"], dev_scores())
            log(args.log, f"step {step + 1} ({(step + 1) / per_epoch:.2f} epochs): dev strict "
                f"{dev['strict']:.4f} relaxed {dev['relaxed']:.4f}")
            if dev["strict"] > best[0]:
                best = (dev["strict"], {
                    "deltas": {n: (m.b.detach().numpy().copy(),
                                                   m.a.detach().numpy().copy())
                               for n, m in adapted.items()},
                    "types": types.detach().numpy().copy(),
                    "head": {k: v.detach().numpy().copy()
                             for k, v in head.state_dict().items()}}, step + 1)
    log(args.log, f"kept step {best[2]}: dev strict {best[0]:.4f} (torch)")
    state = best[1]
    arrays = {f"cross.lora.{n}.b": b.astype(np.float16) for n, (b, _) in state["deltas"].items()}
    arrays |= {f"cross.lora.{n}.a": a.astype(np.float16) for n, (_, a) in state["deltas"].items()}
    if args.residual:  # measured on dev only (no numpy path: shipped only if it wins)
        log(args.log, f"residual: kept step {best[2]}, dev strict {best[0]:.4f}")
        return
    weights = state["head"]
    arrays |= {"cross.token_types": state["types"].astype(np.float16),
               "cross.w1": weights["0.weight"].T, "cross.b1": weights["0.bias"],
               "cross.w2": weights["2.weight"][0], "cross.b2": weights["2.bias"][0],
               "cross.feature_mean": screen.feature_mean, "cross.feature_scale":
               screen.feature_scale, "cross.knots": np.array([-1.0, 1.0]),
               "cross.rates": np.array([0.0, 1.0]), "cross.threshold": np.float64(0.5),
               "cross.max_pieces": np.int64(args.max_pieces)}
    np.savez_compressed(args.out, **arrays)
    log(args.log, f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB); training "
        f"{time.time() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
    numpy_check(args, splits["dev"], dev_pairs)


def numpy_check(args: argparse.Namespace, dev: Split, dev_pairs: list) -> None:
    """Dev's logits by the numpy forward pass `compare` would run (embed/adapted_bert.py,
    no torch: it must give torch's Track 1), then the isotonic map, its ECE and the
    threshold of best F1 that would ship with it."""
    from embed.adapted_bert import AdaptedBertEncoder

    tick = time.time()
    with np.load(args.out, allow_pickle=False) as z:
        raw = dict(z)
    lora = "cross.lora."
    deltas = {n[len(lora):-2]: (raw[n[:-2] + ".b"].astype(np.float32),
                                raw[n].astype(np.float32))
              for n in raw if n.startswith(lora) and n.endswith(".a")}
    folder = local_model_dir(DEFAULT_MODEL)
    assert folder is not None
    encoder = AdaptedBertEncoder(folder, "cross", deltas, {
        "embeddings.token_type_embeddings": raw["cross.token_types"].astype(np.float32)})
    states = encoder.pair_states([p[2] for p in dev_pairs], [p[3] for p in dev_pairs],
                                 int(raw["cross.max_pieces"])).astype(np.float64)
    states /= np.linalg.norm(states, axis=-1, keepdims=True)
    hand = np.stack([p[4][:5] for p in dev_pairs])
    x = np.hstack([states[:, 0] * states[:, 1],
                   (hand - raw["cross.feature_mean"]) / raw["cross.feature_scale"]])
    z = np.maximum(x @ raw["cross.w1"] + raw["cross.b1"], 0) @ raw["cross.w2"] + raw["cross.b2"]
    scores: dict[str, dict[str, float]] = {}
    for (a, k, *_), s in zip(dev_pairs, z, strict=True):
        scores.setdefault(a, {})[k] = float(s)
    log(args.log, f"dev (numpy forward pass, {len(dev_pairs)} pairs in "
        f"{time.time() - tick:.0f} s): Track 1 {track1(dev, scores)}")
    labelled = [(scores[a][k], y) for (a, k), y in sorted(dev.labels.items())
                if k in scores.get(a, {})]
    zz, yy = np.array([p for p, _ in labelled]), np.array([y for _, y in labelled])
    knots, rates = isotonic(zz, yy)
    mapped = np.interp(zz, knots, rates)
    f1, threshold = best_f1(mapped, yy)
    log(args.log, f"cross: threshold {threshold} (best dev F1 {f1}); dev ECE raw "
        f"{expected_calibration_error(1 / (1 + np.exp(-zz)), yy):.4f}, isotonic "
        f"{expected_calibration_error(mapped, yy):.4f} ({len(knots)} steps)")


if __name__ == "__main__":
    main()
