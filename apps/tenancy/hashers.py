"""Password hashing: Argon2id at OWASP's recommended cost (docs/tenancy.md, "Passwords").

Django's default, PBKDF2-SHA256 at 1,000,000 iterations, costs ~0.25 s of CPU per
log-in on our two-core servers, and so does Django's stock Argon2 hasher (100 MiB, 8
lanes): sixteen owners opening the app at once queue for four seconds. This is Argon2id
with OWASP's Password Storage Cheat Sheet minimum (19 MiB, 2 passes, 1 lane), ~20 ms of
CPU: memory-hard, which is what makes guessing on GPUs expensive, where PBKDF2 is not.

``PMS_ARGON2_MEMORY_KIB``, ``PMS_ARGON2_TIME_COST`` and ``PMS_ARGON2_PARALLELISM`` raise
it. A hash made with other parameters (or by PBKDF2, kept in ``PASSWORD_HASHERS`` for
that) still verifies, and is rehashed with these at the user's next log-in.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    # Same algorithm name ("argon2") and encoding as Django's: hashes move freely between
    # the two; only the cost of new hashes differs.

    @property
    def time_cost(self) -> int:
        return settings.PMS_ARGON2_TIME_COST

    @property
    def memory_cost(self) -> int:
        return settings.PMS_ARGON2_MEMORY_KIB

    @property
    def parallelism(self) -> int:
        return settings.PMS_ARGON2_PARALLELISM
