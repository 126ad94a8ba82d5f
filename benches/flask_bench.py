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
    .venv/bin/python benches/flask_bench.py --worker   # driven by `cargo bench --bench ratios`

`--worker` is how `benches/ratios.rs` times Flask *in the same run* as the Rust rows: it reads one
JSON command per line on stdin and answers one JSON line on stdout, so the Rust benchmark can run
a slice of Flask between its own slices, round after round, and take a ratio within each round.

- `{"setup": "small" | "large", "cookie": HEADER | null}`: prepare a payload. `cookie` is the
  `Cookie` header to open (our Flask-format cookie, so both sides open the very same bytes); with
  `null` Flask makes its own cookie for the same data. Answers `{"cookie": BYTES}` after checking
  that Flask opens it to the expected data.
- `{"run": "small" | "large", "n": N}`: N opens and N changed saves, timed in thread CPU time,
  inputs made 16 at a time right before the clock and the cost of reading the clock subtracted
  (the Rust rows' method). Answers `{"open": NS_PER_OP, "save": NS_PER_OP}`.
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


BATCH = 16


def clock_overhead():
    """What one `thread_time_ns()` start + end pair costs: the median of 1,001 empty readings."""
    pairs = []
    for _ in range(1001):
        start = time.thread_time_ns()
        pairs.append(time.thread_time_ns() - start)
    return statistics.median(pairs)


OVERHEAD = None


def timed(run, make, n):
    """CPU nanoseconds per call of `run`, over `n` inputs made by `make` 16 at a time right before
    the clock starts (as `benches/ratios.rs` does); outputs are freed after the clock stops."""
    global OVERHEAD
    if OVERHEAD is None:
        OVERHEAD = clock_overhead()
    total, left = 0, n
    while left > 0:
        m = min(left, BATCH)
        left -= m
        inputs = [make() for _ in range(m)]
        outputs = []
        start = time.thread_time_ns()
        for item in inputs:
            outputs.append(run(item))
        total += max(time.thread_time_ns() - start - OVERHEAD, 0)
        del outputs
    return total / n


class Payload:
    """One payload ready to time: the request environ carrying its cookie, and the operations."""

    def __init__(self, app, interface, data, header=None):
        self.app, self.interface = app, interface
        self.header = header or cookie_header(app, interface, data)
        self.environ = EnvironBuilder(headers={"Cookie": self.header}).get_environ()
        opened = interface.open_session(app, self.fresh_request())
        expected = dict(data, _flashes=[list(FLASH)])
        got = {k: (list(map(list, v)) if k == "_flashes" else v) for k, v in dict(opened or {}).items()}
        assert got == expected, f"Flask did not open the cookie to the expected data: {got}"

    def fresh_request(self):
        # A new request object per operation: werkzeug parses (and caches) its cookies on first use.
        return self.app.request_class(self.environ)

    def open_one(self, request):
        return self.interface.open_session(self.app, request)

    def opened_pair(self):
        return self.interface.open_session(self.app, self.fresh_request()), self.app.response_class()

    def save_one(self, pair):
        session, response = pair
        cart = session["cart"]
        cart[0] += 1
        session["cart"] = cart  # a nested change is invisible to Flask without this
        self.interface.save_session(self.app, session, response)
        return response

    def run(self, n):
        """`n` opens and `n` changed saves: nanoseconds per operation."""
        opened = timed(self.open_one, self.fresh_request, n)
        saved = timed(self.save_one, self.opened_pair, n)
        return {"open": opened, "save": saved}


def measure(app, interface, data, batches, batch_size):
    payload = Payload(app, interface, data)
    response = payload.save_one(payload.opened_pair())
    assert "Set-Cookie" in response.headers
    rounds = [payload.run(batch_size) for _ in range(batches)]
    return {
        "open": statistics.median(r["open"] for r in rounds),
        "save": statistics.median(r["save"] for r in rounds),
        "cookie": len(payload.header),
    }


def worker():
    """Answers the commands of `benches/ratios.rs` (see the module docstring) until stdin closes."""
    app, interface = make_app(), SecureCookieSessionInterface()
    payloads = {}
    for line in sys.stdin:
        command = json.loads(line)
        if "setup" in command:
            label = command["setup"]
            data = {"small": small, "large": large}[label]()
            payloads[label] = Payload(app, interface, data, command.get("cookie"))
            answer = {"cookie": len(payloads[label].header)}
        else:
            answer = payloads[command["run"]].run(command["n"])
        print(json.dumps(answer), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--json", help="write the medians (ns) to this file")
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    parser.add_argument("--worker", action="store_true", help="answer benches/ratios.rs over stdin/stdout")
    args = parser.parse_args()
    if args.worker:
        worker()
        return

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
