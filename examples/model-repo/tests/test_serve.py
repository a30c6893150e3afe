"""The serving program, in-process on a free loopback port: predictions, health, metrics."""

import http.client
import json
import threading

import pytest

from serve import Faults, create_server


@pytest.fixture
def serve(scorer):
    servers = []

    def start(track="stable", faults=None, model=None):
        server = create_server(model or scorer, "127.0.0.1", 0, track, faults)
        # A short poll interval makes shutdown() return at once instead of after 0.5 s.
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def call(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, payload, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def row(split, index=0):
    return [float(v) for v in split.x_test[index]]


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            series, value = line.rsplit(" ", 1)
            if series == name:
                return float(value)
    raise AssertionError(f"{name} not exposed")


def test_predict_answers_with_the_models_score(serve, scorer, split):
    port = serve()
    status, body = call(port, "POST", "/predict", {"features": row(split)})
    answer = json.loads(body)
    assert status == 200
    assert answer["score"] == pytest.approx(scorer.score(row(split)))
    assert answer["prediction"] == (1 if answer["score"] >= 0.5 else 0)
    assert answer["label"] == scorer.target_names[answer["prediction"]]
    assert answer["track"] == "stable"


def test_healthz_answers_ok(serve):
    status, body = call(serve(), "GET", "/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def test_metrics_count_predictions_by_code_and_track(serve, split):
    port = serve(track="canary")
    for _ in range(3):
        call(port, "POST", "/predict", {"features": row(split)})
    call(port, "POST", "/predict", {"features": [1.0]})
    status, text = call(port, "GET", "/metrics")
    assert status == 200
    assert sample(text, 'http_requests_total{code="200",track="canary"}') == 3
    assert sample(text, 'http_requests_total{code="400",track="canary"}') == 1
    assert sample(text, 'http_request_duration_seconds_count{track="canary"}') == 4
    assert sample(text, 'model_prediction_score_count{track="canary"}') == 3
    assert 'model_prediction_score_bucket{le="0.5",track="canary"}' in text


def test_malformed_requests_are_client_errors(serve):
    port = serve()
    assert call(port, "POST", "/predict", {"rows": []})[0] == 400
    assert call(port, "POST", "/predict", "not an object")[0] == 400
    assert call(port, "GET", "/predict")[0] == 405
    assert call(port, "GET", "/nowhere")[0] == 404


def test_a_score_shift_moves_every_score_and_stays_within_0_and_1(serve, scorer, split):
    port = serve(faults=Faults(score_shift=0.5))
    for index in range(10):
        answer = json.loads(call(port, "POST", "/predict", {"features": row(split, index)})[1])
        assert answer["score"] == pytest.approx(min(1.0, scorer.score(row(split, index)) + 0.5))


def test_an_error_rate_of_one_fails_every_prediction(serve, split):
    port = serve(faults=Faults(error_rate=1.0))
    assert [call(port, "POST", "/predict", {"features": row(split)})[0] for _ in range(5)] == [
        500
    ] * 5
    assert call(port, "GET", "/healthz")[0] == 200


class BrokenScorer:
    target_names = ["malignant", "benign"]

    def score(self, features):
        raise RuntimeError("the model file is corrupt")


def test_a_fault_of_the_server_is_a_counted_500(serve, split):
    port = serve(model=BrokenScorer())
    status, body = call(port, "POST", "/predict", {"features": row(split)})
    assert (status, json.loads(body)) == (500, {"error": "internal error"})
    metrics = call(port, "GET", "/metrics")[1]
    assert sample(metrics, 'http_requests_total{code="500",track="stable"}') == 1
