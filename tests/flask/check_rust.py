"""Family 2: Flask reads cookies that Rust signed. Reads a JSON list of
{"shape": NAME, "cookie": VALUE, "now": SECONDS, "secret"?: S} on stdin; for each, opens the
session with Flask's own `open_session` at that frozen time, compares it (types included) with the
shape's data, and re-signs it with Flask to compare the bytes. Prints one result per input."""

import json
import sys

import flask

from harness import SHAPES, cookie_name, expected_dict, freeze, make_app, same

BY_NAME = {shape["name"]: shape for shape in SHAPES}


def main():
    results = []
    for item in json.load(sys.stdin):
        shape = dict(BY_NAME[item["shape"]])
        if "secret" in item:
            shape.pop("secret_hex", None)
            shape["secret"] = item["secret"]
        freeze(item["now"])
        app = make_app(shape)
        name = cookie_name(shape)
        path = shape.get("config", {}).get("SESSION_COOKIE_PATH") or shape.get("config", {}).get("APPLICATION_ROOT", "/")
        with app.test_request_context(path, headers={"Cookie": f"{name}={item['cookie']}"}):
            session = app.session_interface.open_session(app, flask.request)
            got = dict(session)
            diff = same(expected_dict(shape), got)
            resigned = app.session_interface.get_signing_serializer(app).dumps(got)
        results.append(
            dict(
                shape=item["shape"],
                accepted=bool(got),
                diff=diff,
                permanent=bool(session.permanent),
                identical=resigned == item["cookie"],
                resigned=resigned,
            )
        )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
