"""The key-slot file: the data key wrapped per user with AES-256-GCM under an Argon2id key.

Each slot holds an X25519 key pair: the private key wrapped under the Argon2id key, and the
data key sealed to the public key. Sealing needs no passphrase, so the data key can be
rotated (`rewrap`) for every remaining user without their passphrases, and a removed user's
old copy of the file opens nothing written afterwards. Slots from before this scheme wrap the
data key directly; they still open and are upgraded at their owner's next unlock.

The file is JSON. Each slot's KDF parameters, user id and username are authenticated as GCM
associated data, so editing them breaks the slot. A SHA-256 checksum catches accidental damage
before any unwrap, and an HMAC under a key derived from the data key (checked after unlock)
catches deliberate edits such as a swapped slot or a rolled-back audit head.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from caseapp.errors import PassphraseIncorrect, StoreDamaged
from caseapp.store.atomic import atomic_write_bytes

FORMAT = "caseapp-keys"
VERSION = 1
RECOVERY_USER = "recovery"
DATA_KEY_BYTES = 32
MIN_MEMORY_KIB = 19 * 1024
MIN_ITERATIONS = 2
# Ceilings far above what calibrate() picks: a doctored key file must not make an unlock
# allocate gigabytes or spin for minutes before it is refused.
MAX_MEMORY_KIB = 2 * 1024 * 1024
MAX_ITERATIONS = 64
MAX_LANES = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters; memory in KiB. Stored in each slot so they can change per slot."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def __post_init__(self) -> None:
        if self.memory_kib < MIN_MEMORY_KIB or self.iterations < MIN_ITERATIONS:
            raise ValueError("Argon2id parameters are below the floor (m=19 MiB, t=2)")
        if (
            self.memory_kib > MAX_MEMORY_KIB
            or self.iterations > MAX_ITERATIONS
            or not 1 <= self.lanes <= MAX_LANES
        ):
            raise ValueError("Argon2id parameters are above the ceiling (m=2 GiB, t=64, p=16)")

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as stored in the key file."""
        return {"alg": "argon2id", "m": self.memory_kib, "t": self.iterations, "p": self.lanes}


# The fastest parameters docs/security.md allows; tests use them so a suite does not take minutes.
FAST_KDF = KdfParams(memory_kib=MIN_MEMORY_KIB, iterations=MIN_ITERATIONS, lanes=1)


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC-normalise so that `é` typed as one or two code points derives the same key."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8", "surrogatepass")


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 256-bit wrapping key from a passphrase with Argon2id."""
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(normalise_passphrase(passphrase))


# Memory sizes calibrate() tries, largest first: memory is what slows a GPU or ASIC guesser,
# but an unlock holds all of it on top of the app itself (about 90-110 MB once the home screen
# is loaded). Measured peaks of a whole app session's unlock: 232 MB at 128 MiB, 344 MB at
# 256 MiB, over the 300 MB no caseapp process may pass. A fast machine gets more iterations.
CALIBRATION_MEMORY_MIB = (128, 96, 64)


def _seconds_to_derive(params: KdfParams) -> float:
    started = time.perf_counter()
    derive("calibration", os.urandom(16), params)
    return max(time.perf_counter() - started, 1e-3)


def calibrate(
    target_seconds: float = 0.5,
    max_seconds: float = 0.65,
    *,
    timer: Callable[[KdfParams], float] = _seconds_to_derive,
) -> KdfParams:
    """Choose Argon2id parameters that take at least `target_seconds` on this machine.

    An unlock costs the derivation plus about 0.2 s of opening and checking the store, so a
    derivation of 0.5 s (at most 0.65 s) keeps the whole unlock inside docs/security.md's 0.5-1 s.
    Argon2id's cost grows linearly with memory x iterations: cheap probes at 64 MiB give
    the rate, the largest memory that fits is chosen and then timed once to confirm, stepping
    down if the machine turns out slower. Never below 64 MiB and t = 2, never above 128 MiB
    (an unlock's peak memory). `timer` times one derivation (a test gives a machine's speed).
    """
    probe = KdfParams(memory_kib=64 * 1024, iterations=2, lanes=4)
    # The faster of two probes: a busy moment should not weaken a slot for years.
    rate = min(timer(probe), timer(probe)) / 128
    for memory in CALIBRATION_MEMORY_MIB:
        # Rounded up: the derivation takes at least the target, never a little less.
        iterations = max(MIN_ITERATIONS, min(12, math.ceil(target_seconds / (rate * memory))))
        if rate * memory * iterations > max_seconds and memory != CALIBRATION_MEMORY_MIB[-1]:
            continue
        params = KdfParams(memory_kib=memory * 1024, iterations=iterations, lanes=4)
        measured = timer(params)
        if measured < target_seconds and iterations < 12:
            # Faster than the probes said (their fixed costs weigh more): more passes, timed.
            rate = measured / (memory * iterations)
            iterations = min(12, math.ceil(target_seconds / (rate * memory)))
            params = KdfParams(memory_kib=memory * 1024, iterations=iterations, lanes=4)
            measured = timer(params)
        if measured <= max_seconds * 1.2 or memory == CALIBRATION_MEMORY_MIB[-1]:
            return params
        rate = measured / (memory * iterations)  # slower than the probe said: re-estimate
    return KdfParams()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")


def subkey(data_key: bytes, purpose: str) -> bytes:
    """Derive a purpose-bound key from the data key (audit HMAC, key-file MAC)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"caseapp {purpose}".encode()
    ).derive(data_key)


def _raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes_raw()


@dataclass
class Slot:
    """One wrapped copy of the data key (for one user, or the recovery code)."""

    user_id: int | None
    username: str
    kdf: dict[str, Any]
    salt: str
    nonce: str
    wrapped: str
    # Key-pair slots only: the public key, and the data key sealed to it (ephemeral X25519).
    public: str = ""
    eph: str = ""
    dk_nonce: str = ""
    dk_wrapped: str = ""

    @property
    def rewrappable(self) -> bool:
        """Whether a new data key can be sealed to this slot without its passphrase."""
        return bool(self.public)

    def associated_data(self, store_id: str) -> bytes:
        """What GCM authenticates beside the key: the store, the user and the KDF."""
        body: dict[str, Any] = {
            "store_id": store_id,
            "user_id": self.user_id,
            "username": self.username,
            "kdf": self.kdf,
            "salt": self.salt,
        }
        if self.public:
            body["public"] = self.public
        return _canonical(body)

    def params(self) -> KdfParams:
        """The KDF parameters of this slot."""
        try:
            return KdfParams(
                memory_kib=int(self.kdf["m"]),
                iterations=int(self.kdf["t"]),
                lanes=int(self.kdf["p"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreDamaged("The key file has a slot with impossible parameters.") from exc

    @classmethod
    def seal(
        cls,
        store_id: str,
        user_id: int | None,
        username: str,
        passphrase: str,
        data_key: bytes,
        params: KdfParams,
    ) -> Slot:
        """Make a fresh key pair for one user, wrap it under her passphrase, seal the data key."""
        salt = os.urandom(16)
        private = X25519PrivateKey.generate()
        slot = cls(
            user_id=user_id,
            username=username,
            kdf=params.as_dict(),
            salt=_b64(salt),
            nonce=_b64(os.urandom(12)),
            wrapped="",
            public=_b64(_raw_public(private)),
        )
        wrapping_key = derive(passphrase, salt, params)
        slot.wrapped = _b64(
            AESGCM(wrapping_key).encrypt(
                _unb64(slot.nonce), private.private_bytes_raw(), slot.associated_data(store_id)
            )
        )
        return slot.rewrap(store_id, data_key)

    def _seal_key(self, store_id: str, shared: bytes) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"caseapp slot seal " + self.associated_data(store_id) + _unb64(self.eph),
        ).derive(shared)

    def rewrap(self, store_id: str, data_key: bytes) -> Slot:
        """A copy of this slot with `data_key` sealed to its public key (no passphrase needed)."""
        if not self.rewrappable:
            raise StoreDamaged(
                f"The key slot of {self.username} is of the old kind: she must unlock once "
                "before the key can be changed."
            )
        ephemeral = X25519PrivateKey.generate()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(self.public)))
        slot = Slot(**{**self.as_dict(), "eph": _b64(_raw_public(ephemeral))})
        slot.dk_nonce = _b64(os.urandom(12))
        slot.dk_wrapped = _b64(
            AESGCM(slot._seal_key(store_id, shared)).encrypt(
                _unb64(slot.dk_nonce), data_key, slot.associated_data(store_id)
            )
        )
        return slot

    def open_secret(self, store_id: str, passphrase: str) -> bytes:
        """Unwrap what the passphrase guards (the private key; the data key in an old slot)."""
        wrapping_key = derive(passphrase, _unb64(self.salt), self.params())
        try:
            return AESGCM(wrapping_key).decrypt(
                _unb64(self.nonce), _unb64(self.wrapped), self.associated_data(store_id)
            )
        except InvalidTag as exc:
            raise PassphraseIncorrect("Passphrase incorrect.") from exc

    def data_key_with(self, store_id: str, secret: bytes) -> bytes:
        """The data key from the secret `open_secret` returned (of this slot or its twin)."""
        if not self.rewrappable:
            return secret
        try:
            private = X25519PrivateKey.from_private_bytes(secret)
            if _raw_public(private) != _unb64(self.public):
                raise PassphraseIncorrect("Passphrase incorrect.")
            shared = private.exchange(X25519PublicKey.from_public_bytes(_unb64(self.eph)))
            return AESGCM(self._seal_key(store_id, shared)).decrypt(
                _unb64(self.dk_nonce), _unb64(self.dk_wrapped), self.associated_data(store_id)
            )
        except (InvalidTag, ValueError) as exc:
            raise StoreDamaged(
                "The key file has a damaged slot: restore it from a backup."
            ) from exc

    def open(self, store_id: str, passphrase: str) -> bytes:
        """Unwrap the data key, or raise `PassphraseIncorrect`."""
        return self.data_key_with(store_id, self.open_secret(store_id, passphrase))

    def as_dict(self) -> dict[str, Any]:
        """The slot as stored (an old-kind slot keeps its old shape)."""
        body: dict[str, Any] = {
            "user_id": self.user_id,
            "username": self.username,
            "kdf": self.kdf,
            "salt": self.salt,
            "nonce": self.nonce,
            "wrapped": self.wrapped,
        }
        if self.public:
            body.update(
                public=self.public, eph=self.eph, dk_nonce=self.dk_nonce, dk_wrapped=self.dk_wrapped
            )
        return body


@dataclass
class KeyFile:
    """The parsed key-slot file. `audit_head` is the last audit entry's sequence and HMAC.

    `generation` grows by one on every save, so an older copy of the file can be told from a
    newer one. `next` holds the slots sealed to a new data key while the store is being
    rekeyed (see `caseapp.store.rotation`); `rotation_due` says a user was removed and the key
    still has to change. `erasures` are keyed digests of erased women's references (no
    names), so a restore of an older backup can erase them again. `backups` counts backups
    taken, so a backup whose audit entry went missing is noticed. `removed` lists the ids of
    users removed, so a restore of an older backup removes them again.
    """

    store_id: str
    slots: list[Slot] = field(default_factory=list)
    recovery: Slot | None = None
    audit_head: dict[str, Any] = field(default_factory=lambda: {"seq": 0, "hmac": ""})
    mac: str = ""
    generation: int = 0
    next: dict[str, Any] | None = None
    rotation_due: bool = False
    erasures: list[str] = field(default_factory=list)
    backups: int = 0
    removed: list[int] = field(default_factory=list)

    def find(self, username: str) -> Slot | None:
        """The slot for a username, compared case-insensitively."""
        wanted = unicodedata.normalize("NFC", username).casefold()
        for slot in self.slots:
            if slot.username.casefold() == wanted:
                return slot
        return None

    def put(self, slot: Slot) -> None:
        """Add or replace the slot for `slot.username`."""
        self.slots = [s for s in self.slots if s.username.casefold() != slot.username.casefold()]
        self.slots.append(slot)

    def remove(self, username: str) -> bool:
        """Remove a user's slot; return whether there was one."""
        before = len(self.slots)
        self.slots = [s for s in self.slots if s.username.casefold() != username.casefold()]
        return len(self.slots) != before

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "store_id": self.store_id,
            "slots": [s.as_dict() for s in sorted(self.slots, key=lambda s: s.username)],
            "recovery": self.recovery.as_dict() if self.recovery else None,
            "audit_head": self.audit_head,
        }
        # Written only when set, so a file from before these fields keeps its MAC.
        optional = {
            "generation": self.generation,
            "next": self.next,
            "rotation_due": self.rotation_due,
            "erasures": sorted(set(self.erasures)),
            "backups": self.backups,
            "removed": sorted(set(self.removed)),
        }
        body.update({k: v for k, v in optional.items() if v})
        return body

    def next_slots(self) -> tuple[list[Slot], Slot | None]:
        """The slots sealed to the next data key during a rekey (empty when none is under way)."""
        if not self.next:
            return [], None
        try:
            slots = [Slot(**s) for s in self.next["slots"]]
            recovery = Slot(**self.next["recovery"]) if self.next.get("recovery") else None
        except (KeyError, TypeError) as exc:
            raise StoreDamaged("The key file is damaged: restore it from a backup.") from exc
        return slots, recovery

    def find_next(self, username: str) -> Slot | None:
        """A user's slot sealed to the next data key, if a rekey is under way."""
        wanted = unicodedata.normalize("NFC", username).casefold()
        slots, _recovery = self.next_slots()
        return next((s for s in slots if s.username.casefold() == wanted), None)

    def compute_mac(self, data_key: bytes) -> str:
        """HMAC over every field but the MAC, under a key derived from the data key."""
        return hmac.new(
            subkey(data_key, "keyfile mac"), _canonical(self._body()), hashlib.sha256
        ).hexdigest()

    def check_mac(self, data_key: bytes) -> None:
        """Raise `StoreDamaged` unless the MAC matches (run after a successful unwrap)."""
        if not hmac.compare_digest(self.mac, self.compute_mac(data_key)):
            raise StoreDamaged(
                "The key file has been altered: restore it and the store from a backup."
            )

    def absorb(self, path: Path, data_key: bytes) -> None:
        """Take the backup count and generation from the file on disk when they are higher.

        A backup taken beside a running caseapp counts itself in the key file on disk; the
        running app's next save must not count it away. A file that does not check out
        under this data key is ignored (the save then writes what this process holds).
        """
        try:
            on_disk = KeyFile.load(path)
            on_disk.check_mac(data_key)
        except (StoreDamaged, OSError):
            return
        if on_disk.store_id == self.store_id:
            self.backups = max(self.backups, on_disk.backups)
            self.generation = max(self.generation, on_disk.generation)

    def save(self, path: Path, data_key: bytes) -> None:
        """Write the key file atomically with a fresh MAC and checksum, one generation on."""
        self.generation += 1
        self.mac = self.compute_mac(data_key)
        body = self._body()
        body["mac"] = self.mac
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        atomic_write_bytes(path, json.dumps(body, indent=1, sort_keys=True).encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read and check a key file; raise `StoreDamaged` if it is missing or altered."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoreDamaged(
                f"The key file {path.name} is missing: restore it from a backup."
            ) from exc
        damaged = StoreDamaged(
            f"The key file {path.name} is damaged or altered: restore it from a backup."
        )
        try:
            body = json.loads(raw.decode("utf-8"))
            checksum = body.pop("checksum")
            if not hmac.compare_digest(checksum, hashlib.sha256(_canonical(body)).hexdigest()):
                raise damaged
            if body.get("format") != FORMAT or body.get("version") != VERSION:
                raise damaged
            slots = [Slot(**s) for s in body["slots"]]
            recovery = Slot(**body["recovery"]) if body.get("recovery") else None
            return cls(
                store_id=body["store_id"],
                slots=slots,
                recovery=recovery,
                audit_head=dict(body["audit_head"]),
                mac=body["mac"],
                generation=int(body.get("generation", 0)),
                next=dict(body["next"]) if body.get("next") else None,
                rotation_due=bool(body.get("rotation_due", False)),
                erasures=[str(e) for e in body.get("erasures", [])],
                backups=int(body.get("backups", 0)),
                removed=[int(u) for u in body.get("removed", [])],
            )
        except StoreDamaged:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise damaged from exc


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return secrets.token_bytes(DATA_KEY_BYTES)


def new_recovery_code() -> str:
    """A 40-character base32 recovery code in groups of five, easy to read and type."""
    raw = base64.b32encode(secrets.token_bytes(25)).decode("ascii")
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def normalise_recovery_code(code: str) -> str:
    """Accept the code with or without dashes, spaces or lower case."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 5] for i in range(0, len(cleaned), 5))
