"""Secrets at rest: MultiFernet over TOKEN_ENCRYPTION_KEYS (first key encrypts, all decrypt)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadableError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(generate one with cryptography.fernet.Fernet.generate_key())."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        # Never chain the original: it carries nothing useful and must not leak material.
        raise SecretUnreadableError(
            "A stored secret cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        ) from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key."""
    try:
        return fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadableError("A stored secret cannot be rotated: no key opens it.") from None


def last4(plaintext: str) -> str:
    return plaintext[-4:] if len(plaintext) >= 8 else ""
