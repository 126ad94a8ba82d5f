"""Reads {"secret": S, "now": N, "cookies": [VALUE, ...]} on stdin. For each cookie Rust signed,
Flask opens it and signs the session it read again at the same frozen time (tagged JSON, zlib,
HMAC: all Flask's). Prints [{"accepted": bool, "resigned": VALUE}, ...]."""

import json
import sys

import flask

from harness import freeze, make_app


def main():
    request = json.load(sys.stdin)
    freeze(request["now"])
    app = make_app(dict(secret=request["secret"]))
    serializer = app.session_interface.get_signing_serializer(app)
    out = []
    for cookie in request["cookies"]:
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            session = app.session_interface.open_session(app, flask.request)
            out.append(dict(accepted=bool(session), resigned=serializer.dumps(dict(session))))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
