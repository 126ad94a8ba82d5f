"""Python's JSON text for values Rust also writes: reads a JSON list of float bit patterns (as
hex strings) and of strings; prints what Flask's JSON provider writes for each."""

import json
import struct
import sys

import flask

app = flask.Flask("reprs")
request = json.load(sys.stdin)
with app.app_context():
    floats = [struct.unpack(">d", bytes.fromhex(h))[0] for h in request["floats"]]
    out = dict(
        floats=[flask.json.dumps(f, separators=(",", ":")) for f in floats],
        strings=[flask.json.dumps(s, separators=(",", ":")) for s in request["strings"]],
    )
json.dump(out, sys.stdout)
