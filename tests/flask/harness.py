"""Shared helpers for the Flask interop tests: a frozen clock, apps configured per case, and the
session shapes both sides agree on. Only real Flask, itsdangerous and Werkzeug run here."""

import datetime as _dt
import math
import uuid

import flask
import flask.sessions
import itsdangerous.timed
from markupsafe import Markup

UTC = _dt.timezone.utc
NOW = 1700000000


def freeze(now):
    """Freezes the signing clock (itsdangerous) and the Expires clock (flask.sessions)."""
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: now

    class FrozenDateTime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.fromtimestamp(now, tz or UTC)

    flask.sessions.datetime = FrozenDateTime


def make_app(case):
    app = flask.Flask("interop")
    if "secret_hex" in case:
        app.secret_key = bytes.fromhex(case["secret_hex"])
    else:
        app.secret_key = case.get("secret", "interop secret")
    app.config["SECRET_KEY_FALLBACKS"] = list(case.get("fallbacks", []))
    for key, value in case.get("config", {}).items():
        if key == "PERMANENT_SESSION_LIFETIME":
            value = _dt.timedelta(seconds=value)
        app.config[key] = value
    return app


def cookie_name(case):
    return case.get("config", {}).get("SESSION_COOKIE_NAME", "session")


AT = _dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")

# Each shape: the data Flask stores, plus flashes and the permanent flag. The Rust test holds the
# same values as typed structs; both sides check against their own copy.
SHAPES = [
    dict(name="simple", data={"user_id": 42}),
    dict(
        name="nested_unicode",
        data={
            "profile": {"name": "Zo\u00eb \U0001F600", "tags": ["a", "b"], "address": {"city": "Z\u00fcrich", "zip": "8000"}},
            "scores": {"b": 2, "a": 1},
            "ratio": 0.1,
            "big": 10**20,
            "neg": -7,
            "empty": {},
            "none": None,
            "flag": True,
        },
    ),
    dict(
        name="floats",
        data={"f": [0.1, 1.0, 1e16, 1e-05, -0.0, 123456789.125, 1.5e300, 5e-324, 0.1 + 0.2, 1e22, 100.0, 2.5, 1e15, 0.0001]},
    ),
    dict(name="non_finite", data={"nan": math.nan, "inf": math.inf, "ninf": -math.inf}),
    dict(
        name="strings",
        data={"s": "q \" b \\ n \n t \t \b \f \x00 \x1f \x7f \u00e9 \u2028 \U0001F600 </script> & ' /", "empty": ""},
    ),
    dict(
        name="tagged",
        data={
            "t": (1, "two", 3.0),
            "b": b"\x00\xff binary",
            "d": AT,
            "u": ID,
            "m": Markup("<b>bold</b>"),
            "list": [(1, 2), b"x"],
        },
    ),
    dict(
        name="dict_escape",
        data={"x": {" t": "not-a-tuple"}, "y": {" t__": "pass", "z": 1}, "w": {" di": "di"}},
    ),
    dict(name="top_level_escape", data={" t": [1, 2]}),
    dict(name="compressed_large", data={"items": ["item-%d" % i for i in range(150)], "blob": "ab" * 600}),
    dict(name="flashes", data={"user": "bob"}, flashes=[("message", "hello"), ("error", "bad \u00e9")]),
    dict(
        name="permanent_full",
        data={"user": "alice"},
        permanent=True,
        config={
            "SESSION_COOKIE_DOMAIN": ".example.com",
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "PERMANENT_SESSION_LIFETIME": 7 * 86400,
        },
    ),
    dict(name="bytes_secret", secret_hex="00ff10203040506070809a0b0c0d0e0f", data={"a": 1}),
    dict(name="fallback_signs_current", secret="new key", fallbacks=["oldest key", "older key"], data={"a": 1}),
    dict(
        name="partitioned",
        data={"a": 1},
        config={"SESSION_COOKIE_PARTITIONED": True, "SESSION_COOKIE_SECURE": True, "APPLICATION_ROOT": "/app"},
    ),
    dict(
        name="samesite_none_custom_name",
        data={"cart": [1, 2, 3]},
        permanent=True,
        config={
            "SESSION_COOKIE_NAME": "sid",
            "SESSION_COOKIE_SAMESITE": "None",
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_HTTPONLY": False,
            "SESSION_COOKIE_PATH": "/x",
        },
    ),
    dict(name="compress_boundary_no", data={"k": "a" * 11}),
    dict(name="compress_boundary_yes", data={"k": "a" * 12}),
    dict(name="key_order", data={"Z": 1, "_x": 2, "a": 3, "\u00e9": 4, "\U0001F600": 5, "aa": 6}),
    dict(name="big_ints", data={"big": 2**100, "neg": -(2**90), "u64max": 2**64 - 1}),
    dict(
        name="catch_all",
        data={
            "user_id": 5,
            "_fresh": True,
            "csrf_token": "abc",
            "_id": "x" * 20,
            "extra": {"t": (1, b"\x01"), "when": AT, "id": ID},
        },
    ),
    dict(
        name="nested_tags",
        data={"deep": {"list": [{"t": (1, (2, 3))}, [b"\x00", Markup("&lt;")]], "tuples": [(1,), ()]}},
    ),
]


def expected_dict(shape):
    """What `dict(session)` holds after Flask reads a cookie of this shape."""
    out = dict(shape["data"])
    if shape.get("permanent"):
        out["_permanent"] = True
    if shape.get("flashes"):
        out["_flashes"] = [tuple(f) for f in shape["flashes"]]
    return out


def same(a, b, path="session"):
    """Deep equality that also compares types (tuple vs list, bytes vs str, Markup vs str) and
    treats NaN as equal to NaN. Returns None or a description of the first difference."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__} ({a!r} vs {b!r})"
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1, a) != math.copysign(1, b):
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            d = same(a[k], b[k], f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"
