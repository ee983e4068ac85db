"""Bundle files: sealed to the receiving store (HPKE), signed by the sending store (Ed25519).

Layout: a magic line, a 4-byte header length, the header (JSON: sender, recipient, schema
revision, when made), the HPKE ciphertext of the compressed payload, then a 64-byte Ed25519
signature over everything before it. The header is also the HPKE `info`, so a header moved
onto another ciphertext cannot be decrypted. Every check runs before anything is written.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from caseapp.errors import CaseappError
from caseapp.sync.rows import dumps

MAGIC = b"CASEAPP-SYNC 1\n"
SUFFIX = ".casesync"
SIGNATURE = 64
MAX_PAYLOAD = 1 << 30  # decompressed; a bundle that inflates beyond this is refused
MAX_FILE = 512 << 20  # a file in the folder larger than this is refused unread
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class Refused(CaseappError):
    """A bundle that will not be applied; the message says why in one line."""

    exit_code = 3


@dataclass(frozen=True)
class Header:
    """Who sent a bundle, to whom, at which schema revision, and when."""

    sender: str
    recipient: str
    schema: str
    made: str


def new_keys() -> tuple[str, str]:
    """A fresh X25519 (exchange) and Ed25519 (signing) private key, as hex."""
    kx = X25519PrivateKey.generate().private_bytes_raw().hex()
    sign = Ed25519PrivateKey.generate().private_bytes_raw().hex()
    return kx, sign


def public_keys(kx_private: str, sign_private: str) -> tuple[str, str]:
    """The public halves of a store's keys, as hex."""
    kx = X25519PrivateKey.from_private_bytes(bytes.fromhex(kx_private)).public_key()
    sign = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sign_private)).public_key()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return kx.public_bytes(*raw).hex(), sign.public_bytes(*raw).hex()


def seal(payload: dict[str, Any], header: Header, recipient_kx: str, sign_private: str) -> bytes:
    """The bundle's bytes."""
    head = dumps(header.__dict__).encode()
    body = zlib.compress(dumps(payload).encode(), 6)
    public = X25519PublicKey.from_public_bytes(bytes.fromhex(recipient_kx))
    sealed = SUITE.encrypt(body, public, info=head)
    signed = MAGIC + len(head).to_bytes(4, "big") + head + sealed
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sign_private))
    return signed + key.sign(signed)


def read_header(blob: bytes) -> Header:
    """The header, unauthenticated (to see whom a file is for); refuses what is not a bundle."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4 + SIGNATURE:
        raise Refused("not a caseapp sync bundle, or cut short")
    size = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    if size > 4096 or start + size > len(blob) - SIGNATURE:
        raise Refused("damaged (its header is unreadable)")
    try:
        raw = json.loads(blob[start : start + size])
        return Header(
            str(raw["sender"]), str(raw["recipient"]), str(raw["schema"]), str(raw["made"])
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused("damaged (its header is unreadable)") from exc


def open_bundle(
    blob: bytes,
    *,
    me: str,
    kx_private: str,
    signer_public: str | None,
    schema: str,
) -> tuple[Header, dict[str, Any]]:
    """Check and decrypt a bundle addressed to `me`; raise `Refused` with the reason."""
    header = read_header(blob)
    if header.recipient != me:
        raise Refused("addressed to another store")
    if signer_public is None:
        raise Refused(f"signed by a store this one does not know or has revoked ({header.sender})")
    signed, signature = blob[:-SIGNATURE], blob[-SIGNATURE:]
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer_public)).verify(signature, signed)
    except InvalidSignature as exc:
        raise Refused("altered or damaged: its signature does not match its sender") from exc
    if header.schema != schema:
        raise Refused(
            f"made at schema revision {header.schema}; this store is at {schema}: bring both "
            "stores to the same caseapp version, then sync again"
        )
    size = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    head = blob[len(MAGIC) + 4 : len(MAGIC) + 4 + size]
    sealed = signed[len(MAGIC) + 4 + size :]
    try:
        private = X25519PrivateKey.from_private_bytes(bytes.fromhex(kx_private))
        body = SUITE.decrypt(sealed, private, info=head)
        inflater = zlib.decompressobj()
        text = inflater.decompress(body, MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise Refused("too large to apply")
        payload = json.loads(text)
    except (InvalidTag, ValueError, zlib.error) as exc:
        raise Refused("cannot be decrypted by this store") from exc
    if payload.get("sender") != header.sender or payload.get("recipient") != me:
        raise Refused("its contents do not match its header")
    return header, payload
