#!/usr/bin/env python3
"""Times Flask 3.1's SecureCookieSessionInterface on the payloads of benches/session.rs.

- open: `open_session(app, request)` on a request whose Cookie header carries the session
  (the request's cookie parsing included, as it runs once per request);
- save: a changed session (one cart item replaced, so Flask sees the change) through
  `save_session(app, session, response)`: serialize, sign, Set-Cookie and Vary on the response.

Times are the thread's CPU time (time.thread_time_ns), like the Rust benchmarks, median of
batches. Needs Flask 3.1 (`python3 -m venv .venv && .venv/bin/pip install "flask==3.1.*"`).

    .venv/bin/python benches/flask_bench.py            # table
    .venv/bin/python benches/flask_bench.py --json F   # also write {"small": {"open": ns, ...}}
    .venv/bin/python benches/flask_bench.py --quick    # smoke: a few iterations
"""

import argparse
import json
import statistics
import sys
import time

import flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.test import EnvironBuilder

SECRET = "bench-secret-0123456789abcdefghi"
FLASH = ("message", "Welcome back, Ada!")
TITLES = [
    "Analytical Engine punch cards (box of 50)",
    "Notes on the Menabrea memoir, annotated",
    "Brass gear assortment, metric",
    "Bernoulli numbers table, first edition",
    "Difference Engine No. 2 poster",
    "Jacquard loom pattern cards",
]


def small():
    """Same values as `support::small()` in benches/support/mod.rs."""
    return {
        "id": 48_151_623,
        "name": "Ada Lovelace",
        "csrf": "kq3xZ8vN1rT0bYpW4mLc7dHs9eFjA2uQ6gRiKoVtXyE",
        "cart": list(range(1001, 1011)),
    }


def large():
    """Same values as `support::large()`."""
    data = small()
    data["history"] = [
        {
            "sku": 700_000 + i * 37,
            "qty": 1 + i % 4,
            "title": TITLES[i % 6],
            "price_cents": 1_999 + i * 125,
        }
        for i in range(26)
    ]
    data["prefs"] = {"currency": "GBP", "lang": "en-GB", "theme": "dark", "tz": "Europe/London"}
    return data


def make_app():
    app = flask.Flask(__name__)
    app.secret_key = SECRET
    return app


def cookie_header(app, interface, data):
    """A Cookie header with Flask's own session cookie for `data` (and one flash)."""
    session = interface.session_class(data)
    session["_flashes"] = [FLASH]
    response = app.response_class()
    interface.save_session(app, session, response)
    pair = response.headers["Set-Cookie"].split(";")[0]
    return f"theme=dark; {pair}"


def timed(run, inputs):
    """CPU nanoseconds per call of `run` over the prepared `inputs`."""
    start = time.thread_time_ns()
    for item in inputs:
        run(item)
    return (time.thread_time_ns() - start) / len(inputs)


def measure(app, interface, data, batches, batch_size):
    header = cookie_header(app, interface, data)
    environ = EnvironBuilder(headers={"Cookie": header}).get_environ()

    def fresh_request():
        return app.request_class(environ)

    opened = interface.open_session(app, fresh_request())
    assert opened is not None and opened["cart"] == data["cart"], "Flask did not open its own cookie"

    def open_one(request):
        return interface.open_session(app, request)

    def save_one(pair):
        session, response = pair
        cart = session["cart"]
        cart[0] += 1
        session["cart"] = cart  # a nested change is invisible to Flask without this
        interface.save_session(app, session, response)

    opens, saves = [], []
    for _ in range(batches):
        requests = [fresh_request() for _ in range(batch_size)]
        opens.append(timed(open_one, requests))
        pairs = [
            (interface.open_session(app, request), app.response_class())
            for request in [fresh_request() for _ in range(batch_size)]
        ]
        saves.append(timed(save_one, pairs))
        assert "Set-Cookie" in pairs[0][1].headers
    return {"open": statistics.median(opens), "save": statistics.median(saves), "cookie": len(header)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--json", help="write the medians (ns) to this file")
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    args = parser.parse_args()

    batches, batch_size = (2, 10) if args.quick else (9, 1000)
    app, interface = make_app(), SecureCookieSessionInterface()
    results = {}
    for label, data in (("small", small()), ("large", large())):
        results[label] = measure(app, interface, data, batches, batch_size)
        r = results[label]
        print(
            f"flask {label:<5} open {r['open'] / 1000:8.2f} µs   save {r['save'] / 1000:8.2f} µs"
            f"   (Cookie header {r['cookie']} bytes)",
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({k: {"open": v["open"], "save": v["save"]} for k, v in results.items()}, f)


if __name__ == "__main__":
    main()
