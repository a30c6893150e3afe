"""The trained artifacts under test: the directory train.py wrote (--output-dir), given by
--artifacts or MODEL_ARTIFACTS, by default this repository. The CI job trains, then tests what
it will ship; nothing here trains on the fly."""

import json
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import classifier  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--artifacts",
        default=os.environ.get("MODEL_ARTIFACTS", REPO),
        help="directory holding model/ and metrics.json (train.py --output-dir)",
    )


@pytest.fixture(scope="session")
def artifacts(request):
    return os.path.abspath(request.config.getoption("--artifacts"))


@pytest.fixture(scope="session")
def metrics(artifacts):
    path = os.path.join(artifacts, "metrics.json")
    if not os.path.isfile(path):
        pytest.fail(f"{path} is missing: run python3 train.py --output-dir {artifacts} first")
    with open(path, encoding="utf-8") as source:
        return json.load(source)


@pytest.fixture(scope="session")
def scorer(artifacts):
    try:
        return classifier.Scorer.load(os.path.join(artifacts, "model"))
    except FileNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def split():
    return classifier.load_split()
