"""Decode cases: cookies signed by Flask at a frozen time, each judged by Flask's own
`open_session` at a given "now". Prints a JSON list of {name, cookie, now, max_age, secret,
fallbacks, flask} where flask is "accepted", "empty" or "error" (an exception: a 500)."""

import json
import sys

import flask
from itsdangerous.encoding import base64_encode

from harness import NOW, freeze, make_app

MAX_AGE = 3600
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def sign(data, secret="case key", fallbacks=()):
    freeze(NOW)
    app = make_app(dict(secret=secret, fallbacks=list(fallbacks)))

    @app.route("/set")
    def set_view():
        flask.session.update(data)
        return "ok"

    line = app.test_client().get("/set").headers["Set-Cookie"]
    return line.split(";", 1)[0].split("=", 1)[1]


def sign_raw(payload, secret="case key"):
    """A valid signature over an arbitrary payload text, as itsdangerous signs."""
    freeze(NOW)
    app = make_app(dict(secret=secret))
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.make_signer(serializer.salt).sign(payload).decode("ascii")


def verdict(cookie, now, secret="case key", fallbacks=()):
    freeze(now)
    app = make_app(dict(secret=secret, fallbacks=list(fallbacks), config={"PERMANENT_SESSION_LIFETIME": MAX_AGE}))
    try:
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            session = app.session_interface.open_session(app, flask.request)
            return "accepted" if session.get("user") == "dora" else "empty"
    except Exception:
        return "error"


def swap(text, index, choices="AB"):
    c = text[index]
    replacement = choices[0] if c != choices[0] else choices[1]
    return text[:index] + replacement + text[index + 1 :]


def main():
    good = sign({"user": "dora"})
    payload, ts, sig = good.split(".")
    packed = sign({"user": "dora", "pad": "x" * 100})
    assert packed.startswith(".eJ")
    old = sign({"user": "dora"}, secret="old key")
    last = ALPHABET.index(sig[-1])
    cases = [
        ("valid", good, NOW, {}),
        ("valid_at_max_age", good, NOW + MAX_AGE, {}),
        ("expired_at_max_age_plus_1", good, NOW + MAX_AGE + 1, {}),
        ("future_by_1", good, NOW - 1, {}),
        ("wrong_key", good, NOW, dict(secret="another key")),
        ("tampered_payload", f"{swap(payload, 3)}.{ts}.{sig}", NOW, {}),
        ("tampered_timestamp", f"{payload}.{swap(ts, 2)}.{sig}", NOW, {}),
        ("tampered_signature", f"{payload}.{ts}.{swap(sig, 5)}", NOW, {}),
        ("compression_mark_dropped", packed[1:], NOW, {}),
        ("fallback_accepted", old, NOW, dict(secret="new key", fallbacks=["old key"])),
        ("fallback_removed", old, NOW, dict(secret="new key", fallbacks=[])),
        ("garbage", "not-a-cookie", NOW, {}),
        ("garbage_three_parts", "a.b.c", NOW, {}),
        ("no_timestamp", f"{payload}.{sig}", NOW, {}),
        ("empty", "", NOW, {}),
        ("valid_sig_bad_json", sign_raw(base64_encode(b"{not json")), NOW, {}),
        ("valid_sig_bad_zlib", sign_raw(b"." + base64_encode(b"not zlib at all")), NOW, {}),
        ("valid_sig_not_a_dict", sign_raw(base64_encode(b'"text"')), NOW, {}),
        ("lenient_trailing_padding", good + "=", NOW, {}),
        ("lenient_junk_chars", good + "!!", NOW, {}),
        ("lenient_padding_bits", good[:-1] + ALPHABET[last ^ 1], NOW, {}),
    ]
    out = []
    for name, cookie, now, keys in cases:
        out.append(
            dict(
                name=name,
                cookie=cookie,
                now=now,
                max_age=MAX_AGE,
                secret=keys.get("secret", "case key"),
                fallbacks=keys.get("fallbacks", []),
                flask=verdict(cookie, now, **keys),
            )
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
