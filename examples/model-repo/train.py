#!/usr/bin/env python3
"""Trains the breast-cancer classifier and writes, under --output-dir:

  model/model.pkl   the fitted scikit-learn pipeline
  model/model.json  its feature contract and how it was trained
  metrics.json      quality on the held-out split and in-process serving latency

Every random choice is seeded, so two runs give the same model file and the same quality
metrics. Latency is a measurement of this machine and varies; --latency-samples 0 leaves it out
when a byte-identical metrics.json is needed. --degrade trains a deliberately worse model from
the same code, for regression tests and the demo's bad canary.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score
from sklearn.metrics import roc_auc_score

import classifier

# Without a value, --degrade relabels this share: accuracy falls below the tests' 0.9 floor.
DEFAULT_DEGRADE = 0.25


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output-dir",
        default=os.path.dirname(os.path.abspath(__file__)),
        help="where model/ and metrics.json are written (default: this directory)",
    )
    parser.add_argument(
        "--degrade",
        type=share,
        nargs="?",
        const=DEFAULT_DEGRADE,
        default=0.0,
        metavar="SHARE",
        help="relabel SHARE (0..1) of the training rows as the positive class to train a worse "
        f"model (alone: {DEFAULT_DEGRADE}; 0.1 regresses but still passes the tests)",
    )
    parser.add_argument("--seed", type=int, default=classifier.SEED, help="seed of every draw")
    parser.add_argument(
        "--latency-samples",
        type=int,
        default=300,
        help="single-row predictions timed for the latency metrics; 0 leaves them out",
    )
    args = parser.parse_args(argv)
    if args.latency_samples < 0:
        parser.error("--latency-samples must be 0 or more")
    return args


def share(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be within 0 and 1, got {text}")
    return value


def quality_metrics(scorer, split):
    scores = scorer.scores(split.x_test)
    predicted = (scores >= 0.5).astype(int)
    truth = split.y_test
    return {
        "accuracy": accuracy_score(truth, predicted),
        "f1_macro": f1_score(truth, predicted, average="macro"),
        "precision_macro": precision_score(truth, predicted, average="macro", zero_division=0),
        "recall_macro": recall_score(truth, predicted, average="macro", zero_division=0),
        "roc_auc": roc_auc_score(truth, scores),
        "log_loss": log_loss(truth, np.clip(scores, 1e-15, 1 - 1e-15), labels=[0, 1]),
    }


def latency_metrics(scorer, split, samples):
    """Times what serving does for one request: one row in, one score out."""
    rows = [list(map(float, row)) for row in split.x_test]
    for row in rows[:20]:
        scorer.score(row)
    timings = []
    for i in range(samples):
        started = time.perf_counter()
        scorer.score(rows[i % len(rows)])
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "latency_p50_ms": float(np.percentile(timings, 50)),
        "latency_p95_ms": float(np.percentile(timings, 95)),
    }


def main(argv):
    args = parse_args(argv)
    split = classifier.load_split(args.seed)
    labels = classifier.degrade_labels(split.y_train, args.degrade, args.seed)
    model = classifier.build_model(args.seed).fit(split.x_train, labels)
    scorer = classifier.Scorer(model, split.feature_names, split.target_names)

    metrics = quality_metrics(scorer, split)
    if args.latency_samples:
        metrics.update(latency_metrics(scorer, split, args.latency_samples))
    metrics = {name: round(float(value), 6) for name, value in metrics.items()}

    model_dir = os.path.join(args.output_dir, "model")
    classifier.save_model(
        model,
        model_dir,
        {
            "dataset": classifier.DATASET,
            "feature_names": split.feature_names,
            "target_names": split.target_names,
            "positive_class": split.target_names[1],
            "seed": args.seed,
            "degrade": args.degrade,
            "train_rows": int(len(split.y_train)),
            "test_rows": int(len(split.y_test)),
            "sklearn_version": sklearn.__version__,
        },
    )
    metrics_path = os.path.join(args.output_dir, "metrics.json")
    with open(metrics_path, "w", encoding="utf-8") as out:
        json.dump(metrics, out, indent=2, sort_keys=True)
        out.write("\n")
    print(json.dumps({"model": model_dir, "metrics": metrics_path, **metrics}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
