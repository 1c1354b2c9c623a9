"""Field encryption and blind indexes for personal data (PIPL: ID numbers, phones).

Encryption: AES-256-GCM (authenticated). The associated data binds every ciphertext to
the tenant's schema, the table and the field, so a value copied into another tenant's
row (or into another column) fails authentication instead of decrypting to a wrong
value. A stored value is ``<key id>:<base64url(nonce || ciphertext+tag)>``; the key id
tells the rotation command which key wrote it.

Blind index: HMAC-SHA256 under its own key over ``schema | field | normalised value``,
stored as hex and indexed, so an exact lookup (document number, phone) never needs to
decrypt the table and equal numbers in two tenants do not produce equal indexes.

Keys come from the environment (never from the repository):

- ``PMS_FIELD_KEYS``: comma-separated ``keyid:base64key`` (32 bytes each). The first key
  encrypts new writes; the others only decrypt, until ``rotate_contact_keys`` has
  re-encrypted every row under the first.
- ``PMS_BLIND_INDEX_KEY``: base64 (32 bytes).

DEVELOPMENT ONLY: when these are unset and the process runs with the dev, test or bench
settings (or ``DEBUG``), keys are derived from ``SECRET_KEY`` (key id ``dev``) and a
warning is logged. Anywhere else an unset key is an error at the first use.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import environ
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainError
from apps.contacts.error_codes import ContactErrorCode

logger = logging.getLogger(__name__)

TABLE = "contacts_contact"
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
DEV_SETTINGS = {"config.settings.dev", "config.settings.test", "config.settings.bench"}


class ProtectedValueError(DomainError):
    """A stored protected value cannot be read: wrong tenant or field, unknown or wrong key,
    or tampered data. Never carries the value itself."""

    status = 500

    def __init__(self, reason: str):
        super().__init__(
            ContactErrorCode.DECRYPTION_FAILED,
            _("A protected value could not be read (it does not belong here or its key is missing)."),
            extra={"reason": reason},
        )


class KeysNotConfigured(DomainError):
    status = 500

    def __init__(self, name: str):
        super().__init__(
            ContactErrorCode.KEYS_NOT_CONFIGURED,
            _("Encryption keys are not configured."),
            extra={"setting": name},
        )


def _b64decode_key(name: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise KeysNotConfigured(name)
    return key


def generate_key() -> str:
    """A new random 32-byte key, base64 (for ``PMS_FIELD_KEYS`` / ``PMS_BLIND_INDEX_KEY``)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


@dataclass(frozen=True, repr=False)
class Keyring:
    """Encryption keys (first = current) and the blind-index key."""

    keys: tuple[tuple[str, bytes], ...]
    blind_key: bytes

    def __post_init__(self):
        if not self.keys:
            raise KeysNotConfigured("PMS_FIELD_KEYS")
        for key_id, key in self.keys:
            if not KEY_ID.match(key_id) or len(key) != 32:
                raise KeysNotConfigured("PMS_FIELD_KEYS")

    @classmethod
    def from_strings(cls, field_keys: str, blind_key: str) -> Keyring:
        pairs = []
        for item in filter(None, (p.strip() for p in field_keys.split(","))):
            key_id, sep, key = item.partition(":")
            if not sep:
                raise KeysNotConfigured("PMS_FIELD_KEYS")
            pairs.append((key_id.strip(), _b64decode_key("PMS_FIELD_KEYS", key)))
        return cls(keys=tuple(pairs), blind_key=_b64decode_key("PMS_BLIND_INDEX_KEY", blind_key))

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(key_ids={[i for i, _k in self.keys]!r})"

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes | None:
        return next((k for i, k in self.keys if i == key_id), None)

    @cached_property
    def _aeads(self) -> dict[str, AESGCM]:
        return {key_id: AESGCM(key) for key_id, key in self.keys}

    def aead(self, key_id: str) -> AESGCM | None:
        return self._aeads.get(key_id)


def _dev_keyring() -> Keyring:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pms-dev-only", info=info).derive(
            settings.SECRET_KEY.encode()
        )

    return Keyring(keys=(("dev", derive(b"field-key")),), blind_key=derive(b"blind-index-key"))


def _load_keyring() -> Keyring:
    env = environ.Env()
    field_keys = env.str("PMS_FIELD_KEYS", default="")
    blind_key = env.str("PMS_BLIND_INDEX_KEY", default="")
    if field_keys and blind_key:
        return Keyring.from_strings(field_keys, blind_key)
    module = getattr(settings, "SETTINGS_MODULE", "") or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if settings.DEBUG or module in DEV_SETTINGS:
        logger.warning("contacts.crypto.dev_keys", extra={"settings_module": module})
        return _dev_keyring()
    raise KeysNotConfigured("PMS_FIELD_KEYS" if not field_keys else "PMS_BLIND_INDEX_KEY")


_lock = threading.Lock()
_keyring: Keyring | None = None
_override = threading.local()


def keyring() -> Keyring:
    """The keyring in use (loaded from the environment once per process)."""
    override = getattr(_override, "ring", None)
    if override is not None:
        return override
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _keyring = _load_keyring()
    return _keyring


def reload_keyring() -> Keyring:
    """Forget the cached keyring and read the environment again (after changing keys)."""
    global _keyring
    with _lock:
        _keyring = None
    return keyring()


@contextmanager
def use_keyring(ring: Keyring):
    """Use ``ring`` in this thread (tests, benches)."""
    previous = getattr(_override, "ring", None)
    _override.ring = ring
    try:
        yield ring
    finally:
        _override.ring = previous


def _schema(schema: str | None) -> str:
    schema = schema or connection.schema_name
    if not schema or schema == "public":
        # Contacts live in tenant schemas only; binding to "public" would bind to nothing.
        raise ProtectedValueError("no_tenant")
    return schema


def _aad(schema: str, field: str) -> bytes:
    return f"pms/v1|{schema}|{TABLE}|{field}".encode()


@sensitive_variables()
def encrypt(plaintext: str, *, field: str, schema: str | None = None, ring: Keyring | None = None) -> str:
    """Encrypt ``plaintext`` under the current key, bound to the tenant and ``field``."""
    ring = ring or keyring()
    key_id = ring.current_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.aead(key_id).encrypt(nonce, plaintext.encode(), _aad(_schema(schema), field))
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(value: str) -> str:
    return value.partition(":")[0]


@sensitive_variables()
def decrypt(value: str, *, field: str, schema: str | None = None, ring: Keyring | None = None) -> str:
    """The plaintext of ``value``; ProtectedValueError if it was not written for this
    tenant and field, its key is not configured, or it was altered."""
    ring = ring or keyring()
    key_id, sep, body = value.partition(":")
    if not sep:
        raise ProtectedValueError("malformed")
    aead = ring.aead(key_id)
    if aead is None:
        raise ProtectedValueError("unknown_key")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        if len(raw) < NONCE_BYTES + 16:
            raise ValueError
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(_schema(schema), field)).decode()
    except InvalidTag:
        raise ProtectedValueError("authentication_failed") from None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ProtectedValueError("malformed") from None


@sensitive_variables()
def blind_index(normalized: str, *, field: str, schema: str | None = None, ring: Keyring | None = None) -> str:
    """Keyed hash of an already normalised value, bound to the tenant and ``field`` (hex)."""
    ring = ring or keyring()
    message = f"{_schema(schema)}|{field}|{normalized}".encode()
    return hmac.new(ring.blind_key, message, hashlib.sha256).hexdigest()
