"""A real Flask app for the live round trip: a counter, sign-in/out and flash messages, served by
Werkzeug on a loopback port. Prints the port on its first line. Usage: live_app.py SECRET_KEY"""

import json
import sys

from flask import Flask, flash, get_flashed_messages, session
from werkzeug.serving import make_server

app = Flask("live")
app.secret_key = sys.argv[1]


@app.get("/incr")
def incr():
    session["count"] = session.get("count", 0) + 1
    return str(session["count"])


@app.get("/count")
def count():
    return str(session.get("count", 0))


@app.get("/login/<user>")
def login(user):
    session["user"] = user
    return "ok"


@app.get("/whoami")
def whoami():
    return session.get("user") or "anonymous"


@app.get("/logout")
def logout():
    session.clear()
    return "ok"


@app.get("/flash/<message>")
def add_flash(message):
    flash(message, "info")
    return "ok"


@app.get("/flashes")
def flashes():
    return json.dumps(get_flashed_messages(with_categories=True))


if __name__ == "__main__":
    server = make_server("127.0.0.1", 0, app)
    print(server.server_port, flush=True)
    server.serve_forever()
