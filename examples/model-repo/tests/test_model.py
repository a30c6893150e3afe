"""Quality floors for the model that ships. Floors can be raised per environment through
MIN_ACCURACY and MIN_F1_MACRO; the metric gate against the baseline is run-model-tests' job."""

import math
import os

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from classifier import InvalidRow

MIN_ACCURACY = float(os.environ.get("MIN_ACCURACY", "0.9"))
MIN_F1_MACRO = float(os.environ.get("MIN_F1_MACRO", "0.9"))
QUALITY_METRICS = ("accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc")


def test_metrics_file_has_every_quality_metric(metrics):
    for name in QUALITY_METRICS + ("log_loss",):
        assert name in metrics, f"metrics.json lacks {name}"
        assert math.isfinite(metrics[name])
    for name in QUALITY_METRICS:
        assert 0 <= metrics[name] <= 1, f"{name} = {metrics[name]} is not a share"


def test_metrics_file_reports_what_the_model_does(scorer, split, metrics):
    predicted = (scorer.scores(split.x_test) >= 0.5).astype(int)
    assert accuracy_score(split.y_test, predicted) == pytest.approx(metrics["accuracy"], abs=1e-6)
    assert f1_score(split.y_test, predicted, average="macro") == pytest.approx(
        metrics["f1_macro"], abs=1e-6
    )


def test_accuracy_meets_the_floor(metrics):
    assert metrics["accuracy"] >= MIN_ACCURACY


def test_f1_macro_meets_the_floor(metrics):
    assert metrics["f1_macro"] >= MIN_F1_MACRO


def test_serving_latency_was_measured(metrics):
    if "latency_p95_ms" not in metrics:
        pytest.skip("trained with --latency-samples 0")
    assert 0 < metrics["latency_p50_ms"] <= metrics["latency_p95_ms"]


def test_scores_are_probabilities(scorer, split):
    scores = scorer.scores(split.x_test)
    assert np.all((scores >= 0) & (scores <= 1))
    # Both classes are predicted: a model answering one class for everything is broken.
    assert 0 < np.mean(scores >= 0.5) < 1


def test_a_row_by_name_scores_like_the_same_row_in_order(scorer, split):
    row = [float(v) for v in split.x_test[0]]
    by_name = dict(zip(scorer.feature_names, row))
    assert scorer.score(by_name) == scorer.score(row)


@pytest.mark.parametrize(
    "features, message",
    [
        ([1.0, 2.0], "expected 30 features, got 2"),
        ({"mean radius": 1.0}, "missing features"),
        (["a"] * 30, "every feature must be a number"),
        ([float("nan")] * 30, "finite"),
        ("1,2,3", "features must be a list"),
    ],
)
def test_rows_the_model_cannot_score_are_refused(scorer, features, message):
    with pytest.raises(InvalidRow, match=message):
        scorer.score(features)
