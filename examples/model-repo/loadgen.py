#!/usr/bin/env python3
"""Sends prediction traffic to one or more model servers, so Prometheus has something to compare.

  python3 loadgen.py --url http://127.0.0.1:8080 --url http://127.0.0.1:8081 --rate 20 --duration 10

Each URL gets --rate requests per second (rows of the held-out split, in a seeded order) for
--duration seconds or until --max-requests per URL have been sent, whichever comes first. Only
loopback addresses are accepted: this is a test tool, never a way to load someone's service.
Prints one JSON summary: per URL, requests sent, answers by status code, transport errors and
latency percentiles.
"""

import argparse
import http.client
import ipaddress
import json
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import classifier

MAX_RATE = 500
MAX_DURATION_S = 600
MAX_REQUESTS = 100_000


class Target:
    def __init__(self, url):
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"{url}: only http:// URLs are supported")
        if not is_loopback(parts.hostname or ""):
            raise ValueError(f"{url}: only loopback hosts (127.0.0.1, ::1, localhost) are allowed")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path if parts.path not in ("", "/") else "/predict"
        self.codes = {}
        self.transport_errors = 0
        self.latencies_ms = []
        self.sent = 0
        self._lock = threading.Lock()

    def record(self, code, latency_ms):
        with self._lock:
            if code is None:
                self.transport_errors += 1
            else:
                self.codes[str(code)] = self.codes.get(str(code), 0) + 1
                self.latencies_ms.append(latency_ms)

    def summary(self):
        ordered = sorted(self.latencies_ms)
        return {
            "sent": self.sent,
            "codes": dict(sorted(self.codes.items())),
            "transport_errors": self.transport_errors,
            "latency_p50_ms": percentile(ordered, 0.50),
            "latency_p95_ms": percentile(ordered, 0.95),
        }


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(ordered, q):
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def send(target, body, timeout_s):
    started = time.perf_counter()
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout_s)
    try:
        connection.request("POST", target.path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        target.record(response.status, (time.perf_counter() - started) * 1000)
    except (OSError, http.client.HTTPException):
        target.record(None, None)
    finally:
        connection.close()


def bounded(kind, limit):
    def convert(text):
        value = kind(text)
        if not 0 < value <= limit:
            raise argparse.ArgumentTypeError(f"must be more than 0 and at most {limit}")
        return value

    return convert


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", action="append", required=True, help="server base URL (repeat for several)"
    )
    parser.add_argument("--rate", type=bounded(float, MAX_RATE), default=10.0, help="per URL")
    parser.add_argument(
        "--duration", type=bounded(float, MAX_DURATION_S), default=10.0, help="seconds"
    )
    parser.add_argument(
        "--max-requests", type=bounded(int, MAX_REQUESTS), default=None, help="per URL"
    )
    parser.add_argument("--timeout", type=bounded(float, 60), default=5.0, help="per request, s")
    parser.add_argument("--seed", type=int, default=classifier.SEED)
    args = parser.parse_args(argv)
    try:
        args.targets = [Target(url) for url in args.url]
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv):
    args = parse_args(argv)
    split = classifier.load_split()
    rows = [json.dumps({"features": list(map(float, row))}) for row in split.x_test]
    random.Random(args.seed).shuffle(rows)
    limit = min(int(args.rate * args.duration), args.max_requests or MAX_REQUESTS)

    started = time.monotonic()
    deadline = started + args.duration
    workers = min(64, max(4, int(args.rate * len(args.targets))))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for tick in range(limit):
            # Ticks are scheduled from the start, so a slow answer never lowers the rate.
            due = started + tick / args.rate
            if due >= deadline:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            for target in args.targets:
                target.sent += 1
                pool.submit(send, target, rows[tick % len(rows)], args.timeout)
    summary = {
        "duration_s": round(time.monotonic() - started, 3),
        "rate_per_url": args.rate,
        "targets": {target.url: target.summary() for target in args.targets},
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
