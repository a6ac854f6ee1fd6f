"""Staff passwords: how they are hashed and what a new one must be.

Hashes are argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile). Hashes
from before (scrypt) still verify; ``needs_rehash`` tells the login to replace them,
and argon2 hashes made with older parameters, by a current hash.

``common-passwords.txt.gz`` beside this file is the list Django ships (20,000 common
passwords, lowercased, most common first; compiled by Royce Williams from breach
corpora). It is read once, from the package: nothing is downloaded.
"""

import gzip
import hashlib
import hmac
import string
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
_HASHER = PasswordHasher()
_COMMON_LIST = Path(__file__).with_name("common-passwords.txt.gz")
_PADDING = string.digits + string.punctuation + " "


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    actual = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=2**26,
        dklen=32,
    )
    return hmac.compare_digest(actual, bytes.fromhex(digest))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2id, or an old scrypt hash)."""
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """An old scrypt hash, or argon2 with other parameters than today's."""
    return stored.startswith("scrypt$") or _HASHER.check_needs_rehash(stored)


@cache
def _common() -> frozenset[str]:
    with gzip.open(_COMMON_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """In the list, also with digits or symbols added before or after ("password2024!")."""
    lowered = password.lower()
    candidates = {lowered, lowered.strip(_PADDING)}
    return bool(candidates & _common())


def weaknesses(password: str, username: str) -> list[str]:
    """Why ``password`` may not be a staff password (empty: it may). Whether it is the
    current password is for the caller to check (that needs the hash)."""
    reasons = []
    if len(password) < MIN_LENGTH:
        reasons.append(f"must be at least {MIN_LENGTH} characters")
    if username.lower() in password.lower():
        reasons.append("must not contain your username")
    if is_common(password):
        reasons.append("is one of the most common passwords; choose another")
    return reasons
