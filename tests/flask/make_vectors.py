"""Family 1: Flask signs every shape at a frozen time through a real request. Prints a JSON list
of vectors: the cookie value and the exact Set-Cookie line, plus rotation and delete vectors."""

import json
import sys

import flask

from harness import NOW, SHAPES, cookie_name, freeze, make_app


def set_view(shape):
    def view():
        flask.session.update(shape["data"])
        for category, message in shape.get("flashes", []):
            flask.flash(message, category)
        if shape.get("permanent"):
            flask.session.permanent = True
        return "ok"

    return view


def main():
    freeze(NOW)
    vectors = []
    for shape in SHAPES:
        app = make_app(shape)
        app.add_url_rule("/set", view_func=set_view(shape))
        resp = app.test_client().get("/set")
        lines = resp.headers.getlist("Set-Cookie")
        assert len(lines) == 1, lines
        line = lines[0]
        value = line.split(";", 1)[0].split("=", 1)[1]
        vectors.append(
            dict(
                kind="shape",
                name=shape["name"],
                secret=shape.get("secret"),
                secret_hex=shape.get("secret_hex"),
                fallbacks=shape.get("fallbacks", []),
                config=shape.get("config", {}),
                cookie=value,
                set_cookie=line,
                vary=resp.headers.get("Vary"),
            )
        )

    # Rotation: a cookie signed under the old key, then re-signed by an app whose SECRET_KEY is
    # new and whose fallback is the old key.
    old = dict(secret="old key", data={"user": "carol"})
    app = make_app(old)
    app.add_url_rule("/set", view_func=set_view(dict(data=old["data"])))
    old_line = app.test_client().get("/set").headers["Set-Cookie"]
    old_cookie = old_line.split(";", 1)[0].split("=", 1)[1]
    rotated = dict(secret="new key", fallbacks=["old key"])
    app = make_app(rotated)

    @app.route("/touch")
    def touch():
        assert flask.session["user"] == "carol"
        flask.session.modified = True
        return "ok"

    client = app.test_client()
    client.set_cookie("session", old_cookie)
    resigned = client.get("/touch").headers["Set-Cookie"]
    vectors.append(dict(kind="rotation", name="rotation", old_cookie=old_cookie, set_cookie=resigned))

    # Delete: popping the last key of a session with attributes gives Werkzeug's delete cookie.
    deleting = dict(
        secret="del key",
        config={
            "SESSION_COOKIE_DOMAIN": "example.com",
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_SAMESITE": "Strict",
            "SESSION_COOKIE_PATH": "/p",
        },
    )
    app = make_app(deleting)

    @app.route("/p/set")
    def set_one():
        flask.session["a"] = 1
        return "ok"

    @app.route("/p/pop")
    def pop_one():
        flask.session.pop("a")
        return "ok"

    client = app.test_client()
    client.get("/p/set", base_url="https://www.example.com")
    resp = client.get("/p/pop", base_url="https://www.example.com")
    vectors.append(
        dict(kind="delete", name="delete", config=deleting["config"], secret="del key", set_cookie=resp.headers["Set-Cookie"], vary=resp.headers.get("Vary"))
    )
    json.dump(vectors, sys.stdout)


if __name__ == "__main__":
    main()
