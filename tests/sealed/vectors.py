"""The encrypted format v1 written from its grammar (session-runtime/src/format/sealed.rs,
docs/design.md "Encrypted format") with Python's `cryptography` (OpenSSL's AES-GCM-SIV and HKDF),
independently of the RustCrypto crates the runtime uses. tests/sealed_vectors.rs runs it.

stdin: {"seal": [case, ...], "open": [case, ...]}
  seal case: {"secret_hex", "salt", "name", "json", "now", "nonce_hex"}  -> the cookie value
  open case: {"secret_hex", "salt", "name", "value"}  -> {"now": N, "json": "..."} or {"error": "..."}
stdout: {"sealed": [value, ...], "opened": [result, ...], "fresh": [value, ...]}
  "fresh": each seal case sealed again under a nonce from os.urandom, for the Rust side to open.
"""

import base64
import json
import os
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
INFO = b"session-runtime/sealed/v1 aes-256-gcm-siv"
NONCE_LEN = 12
TAG_LEN = 16


def key(secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=INFO).derive(secret)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(case: dict, nonce: bytes) -> str:
    aead = AESGCMSIV(key(bytes.fromhex(case["secret_hex"]), case["salt"].encode()))
    message = struct.pack(">Q", case["now"]) + case["json"].encode()
    aad = case["name"].encode() + VERSION
    return b64(VERSION + nonce + aead.encrypt(nonce, message, aad))


def open_value(case: dict) -> dict:
    data = unb64(case["value"])
    if data[:1] != VERSION or len(data) < 1 + NONCE_LEN + 8 + TAG_LEN:
        return {"error": "malformed"}
    aead = AESGCMSIV(key(bytes.fromhex(case["secret_hex"]), case["salt"].encode()))
    nonce, sealed = data[1 : 1 + NONCE_LEN], data[1 + NONCE_LEN :]
    try:
        message = aead.decrypt(nonce, sealed, case["name"].encode() + VERSION)
    except InvalidTag:
        return {"error": "tag"}
    (now,) = struct.unpack(">Q", message[:8])
    return {"now": now, "json": message[8:].decode()}


def main() -> None:
    request = json.load(sys.stdin)
    seal_cases = request.get("seal", [])
    json.dump(
        {
            "sealed": [seal(case, bytes.fromhex(case["nonce_hex"])) for case in seal_cases],
            "opened": [open_value(case) for case in request.get("open", [])],
            "fresh": [seal(case, os.urandom(NONCE_LEN)) for case in seal_cases],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
