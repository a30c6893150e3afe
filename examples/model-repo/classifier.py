"""What training, serving, the load generator and the tests share: the data, the model, and how
one row is scored. Keeping it in one place means the served score is exactly the one measured."""

import json
import os
import pickle

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATASET = "breast_cancer"
SEED = 42
TEST_SIZE = 0.25
MODEL_FILE = "model.pkl"
METADATA_FILE = "model.json"
# A fixed protocol keeps the pickle byte-identical across the Pythons that read protocol 4.
PICKLE_PROTOCOL = 4


class Split:
    def __init__(self, x_train, x_test, y_train, y_test, feature_names, target_names):
        self.x_train = x_train
        self.x_test = x_test
        self.y_train = y_train
        self.y_test = y_test
        self.feature_names = list(feature_names)
        self.target_names = list(target_names)


def load_split(seed=SEED):
    """The dataset scikit-learn ships (no download), split the same way on every run."""
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=TEST_SIZE, random_state=seed, stratify=data.target
    )
    return Split(x_train, x_test, y_train, y_test, data.feature_names, data.target_names)


def build_model(seed=SEED):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))


def degrade_labels(labels, share, seed=SEED):
    """Relabels `share` of the training rows as the positive class, as a broken labelling job
    would: the model learnt from them is measurably and reproducibly worse."""
    if not 0 <= share <= 1:
        raise ValueError(f"degrade share must be within [0, 1], got {share}")
    degraded = labels.copy()
    count = int(round(share * len(labels)))
    rows = np.random.RandomState(seed).choice(len(labels), count, replace=False)
    degraded[rows] = 1
    return degraded


def save_model(model, model_dir, metadata):
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, MODEL_FILE), "wb") as out:
        pickle.dump(model, out, protocol=PICKLE_PROTOCOL)
    with open(os.path.join(model_dir, METADATA_FILE), "w", encoding="utf-8") as out:
        json.dump(metadata, out, indent=2, sort_keys=True)
        out.write("\n")


class InvalidRow(ValueError):
    """The caller sent features the model cannot score (a client error, not a server fault)."""


class Scorer:
    """A trained model and its feature contract. `score` gives the probability of the positive
    class (`target_names[1]`) for one row, the number serving exposes and the drift check reads."""

    def __init__(self, model, feature_names, target_names):
        self.model = model
        self.feature_names = list(feature_names)
        self.target_names = list(target_names)

    @classmethod
    def load(cls, model_dir):
        model_path = os.path.join(model_dir, MODEL_FILE)
        metadata_path = os.path.join(model_dir, METADATA_FILE)
        for path in (model_path, metadata_path):
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"{path} is missing: train the model first (python3 train.py --output-dir DIR)"
                )
        # The model file comes from this repository's own training step, never from a request.
        with open(model_path, "rb") as source:
            model = pickle.load(source)
        with open(metadata_path, encoding="utf-8") as source:
            metadata = json.load(source)
        return cls(model, metadata["feature_names"], metadata["target_names"])

    def row(self, features):
        """One row as the model wants it, from a list in feature order or an object by name."""
        if isinstance(features, dict):
            missing = [name for name in self.feature_names if name not in features]
            if missing:
                raise InvalidRow(f"missing features: {', '.join(missing[:5])}")
            values = [features[name] for name in self.feature_names]
        elif isinstance(features, list):
            if len(features) != len(self.feature_names):
                raise InvalidRow(
                    f"expected {len(self.feature_names)} features, got {len(features)}"
                )
            values = features
        else:
            raise InvalidRow("features must be a list of numbers or an object of name: number")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise InvalidRow("every feature must be a number")
        row = np.asarray(values, dtype=float).reshape(1, -1)
        if not np.all(np.isfinite(row)):
            raise InvalidRow("every feature must be a finite number")
        return row

    def score(self, features):
        return float(self.model.predict_proba(self.row(features))[0, 1])

    def scores(self, rows):
        return self.model.predict_proba(np.asarray(rows, dtype=float))[:, 1]

    def label(self, score):
        return 1 if score >= 0.5 else 0
