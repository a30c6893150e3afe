#!/usr/bin/env python3
"""Serves the trained model over HTTP, with Prometheus metrics.

  POST /predict   {"features": [30 numbers] | {"mean radius": 13.5, ...}}
                  -> {"prediction": 1, "label": "benign", "score": 0.97, "track": "stable"}
  GET  /healthz   200 once the model is loaded
  GET  /metrics   Prometheus text format

Every series carries `track` (env TRACK: `stable` or `canary`), so one Prometheus can compare a
canary with the stable version. Only /predict traffic is counted in http_requests_total and
http_request_duration_seconds: probes and scrapes would otherwise dilute the error rate.

The environment can make it misbehave, so a bad canary comes from the same code and image:
  FAULT_ERROR_RATE   share of /predict requests answered 500 (0..1)
  FAULT_LATENCY_MS   milliseconds added to every /predict request
  FAULT_SCORE_SHIFT  added to every prediction score, clamped to [0, 1] (a drifted model)
  FAULT_SEED         seed of the error draws, for reproducible runs
"""

import argparse
import json
import math
import os
import random
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from classifier import InvalidRow, Scorer

TRACKS = ("stable", "canary")
MAX_BODY_BYTES = 64 * 1024
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SCORE_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))


class Faults:
    def __init__(self, error_rate=0.0, latency_ms=0.0, score_shift=0.0, seed=None):
        if not 0 <= error_rate <= 1:
            raise ValueError(f"FAULT_ERROR_RATE must be within 0 and 1, got {error_rate}")
        if not 0 <= latency_ms < math.inf:
            raise ValueError(f"FAULT_LATENCY_MS must be finite, 0 or more, got {latency_ms}")
        if not -1 <= score_shift <= 1:
            raise ValueError(f"FAULT_SCORE_SHIFT must be within -1 and 1, got {score_shift}")
        self.error_rate = error_rate
        self.latency_ms = latency_ms
        self.score_shift = score_shift
        self._random = random.Random(seed)
        # Requests arrive on many threads; one lock keeps a seeded sequence of draws reproducible.
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env):
        def number(name, convert=float):
            text = env.get(name, "").strip()
            if not text:
                return None
            try:
                return convert(text)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {text!r}")

        return cls(
            error_rate=number("FAULT_ERROR_RATE") or 0.0,
            latency_ms=number("FAULT_LATENCY_MS") or 0.0,
            score_shift=number("FAULT_SCORE_SHIFT") or 0.0,
            seed=number("FAULT_SEED", int),
        )

    def should_fail(self):
        if self.error_rate <= 0:
            return False
        with self._lock:
            return self._random.random() < self.error_rate

    def shift(self, score):
        return min(1.0, max(0.0, score + self.score_shift))

    def describe(self):
        return {
            "error_rate": self.error_rate,
            "latency_ms": self.latency_ms,
            "score_shift": self.score_shift,
        }


class Metrics:
    def __init__(self, track):
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        requests = Counter(
            "http_requests_total",
            "Prediction requests, by HTTP status code.",
            ["code", "track"],
            registry=self.registry,
        )
        duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer a prediction request.",
            ["track"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        scores = Histogram(
            "model_prediction_score",
            "Predicted probability of the positive class, one observation per prediction.",
            ["track"],
            buckets=SCORE_BUCKETS,
            registry=self.registry,
        )
        self._requests = requests
        self.duration = duration.labels(track=track)
        self.scores = scores.labels(track=track)
        self.track = track
        # Zero-valued series from the start: a rate over "no errors yet" is 0, not "no data".
        for code in ("200", "500"):
            requests.labels(code=code, track=track)

    def count(self, code):
        self._requests.labels(code=str(code), track=self.track).inc()


def make_handler(scorer, track, faults, metrics):
    class Handler(BaseHTTPRequestHandler):
        server_version = "model-server/1"
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes; with Nagle on, a keep-alive client waits ~40 ms
        # for the delayed ACK on every response.
        disable_nagle_algorithm = True

        def do_GET(self):
            if self.path == "/healthz":
                self.send_json(200, {"status": "ok", "track": track})
            elif self.path == "/metrics":
                self.send_body(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif self.path == "/predict":
                self.send_json(405, {"error": "use POST"})
            else:
                self.send_json(404, {"error": f"no such path: {self.path}"})

        def do_POST(self):
            if self.path != "/predict":
                self.send_json(404, {"error": f"no such path: {self.path}"})
                return
            started = time.perf_counter()
            try:
                code, body = self.predict()
            except Exception:
                # A fault of the server is still an answer: a 500 the error rate counts.
                traceback.print_exc()
                code, body = 500, {"error": "internal error"}
            metrics.duration.observe(time.perf_counter() - started)
            metrics.count(code)
            self.send_json(code, body)

        def predict(self):
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                return 400, {"error": "Content-Length is not a number of bytes"}
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                return 413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"}
            raw = self.rfile.read(length)
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000)
            if faults.should_fail():
                return 500, {"error": "injected fault (FAULT_ERROR_RATE)"}
            try:
                request = json.loads(raw or b"null")
                if not isinstance(request, dict) or "features" not in request:
                    raise InvalidRow('expected a JSON object with "features"')
                score = faults.shift(scorer.score(request["features"]))
            except (ValueError, InvalidRow) as error:
                return 400, {"error": str(error)}
            metrics.scores.observe(score)
            prediction = scorer.label(score)
            return 200, {
                "prediction": prediction,
                "label": scorer.target_names[prediction],
                "score": score,
                "track": track,
            }

        def send_json(self, code, body):
            self.send_body(code, json.dumps(body).encode("utf-8"), "application/json")

        def send_body(self, code, payload, content_type):
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):
            if self.server.access_log:
                super().log_message(format, *args)

    return Handler


def create_server(scorer, host="127.0.0.1", port=0, track="stable", faults=None, access_log=False):
    """A server bound to host:port (0 picks a free port); call serve_forever() to answer."""
    if track not in TRACKS:
        raise ValueError(f"TRACK must be one of {', '.join(TRACKS)}, got {track!r}")
    faults = faults or Faults()
    metrics = Metrics(track)
    server = ThreadingHTTPServer((host, port), make_handler(scorer, track, faults, metrics))
    server.daemon_threads = True
    server.access_log = access_log
    server.metrics = metrics
    return server


def parse_args(argv, env):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=env.get("HOST", "127.0.0.1"), help="env HOST")
    parser.add_argument(
        "--port", type=int, default=int(env.get("PORT", "8080")), help="env PORT; 0 picks one"
    )
    parser.add_argument(
        "--model-dir",
        default=env.get("MODEL_DIR", os.path.join(here, "model")),
        help="directory train.py wrote (env MODEL_DIR)",
    )
    parser.add_argument("--track", default=env.get("TRACK", "stable"), choices=TRACKS)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv, env):
    args = parse_args(argv, env)
    try:
        faults = Faults.from_env(env)
        scorer = Scorer.load(args.model_dir)
    except (ValueError, FileNotFoundError) as error:
        print(f"serve.py: {error}", file=sys.stderr)
        return 2
    server = create_server(scorer, args.host, args.port, args.track, faults, args.access_log)

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return, so it cannot run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    # The first line is read by tests and the demo to learn the port when --port 0 was given.
    print(
        json.dumps(
            {"listening": f"http://{host}:{port}", "track": args.track, "faults": faults.describe()}
        ),
        flush=True,
    )
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
