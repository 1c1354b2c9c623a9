"""Password hashing with the production hashers (the test settings use MD5 for speed):
new hashes are Argon2id at OWASP's cost; PBKDF2 hashes and Django's stock Argon2 hashes
still verify and are rehashed at the next log-in."""
import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings
from django_tenants.utils import tenant_context

from apps.tenancy.hashers import Argon2PasswordHasher
from config.settings import base
from tests.world import PASSWORD

OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers():
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        yield


def test_new_passwords_are_argon2id_at_owasp_cost(production_hashers):
    encoded = make_password("a-long-password")
    assert encoded.startswith(OWASP)
    assert isinstance(identify_hasher(encoded), Argon2PasswordHasher)
    assert check_password("a-long-password", encoded)
    assert not check_password("another-password", encoded)


def test_argon2_cost_comes_from_the_settings(production_hashers, settings):
    settings.PMS_ARGON2_MEMORY_KIB, settings.PMS_ARGON2_TIME_COST = 8192, 3
    assert make_password("a-long-password").startswith("argon2$argon2id$v=19$m=8192,t=3,p=1$")


def _login(app_client, username, password):
    c = app_client("alpha")
    return c.post(c.prefix + "/auth/login/", {"username": username, "password": password}, format="json")


@pytest.mark.slow  # production hashers: ~1.5 s
@pytest.mark.parametrize("old_hasher", ["pbkdf2_sha256", "django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_an_old_hash_verifies_and_is_rehashed_at_log_in(production_hashers, app_client, new_staff, world, old_hasher):
    user = new_staff("alpha")
    with tenant_context(world.alpha.tenant):
        hasher = "argon2" if old_hasher.startswith("django.") else old_hasher
        if hasher == "argon2":  # Django's own Argon2 parameters (100 MiB, 8 lanes)
            from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2

            old = DjangoArgon2().encode(PASSWORD, DjangoArgon2().salt())
            assert "m=102400,t=2,p=8" in old
        else:
            old = make_password(PASSWORD, hasher=hasher)
        user.password = old
        user.save(update_fields=["password"])

    wrong = _login(app_client, user.username, "not-the-password")
    assert wrong.status_code == 401
    with tenant_context(world.alpha.tenant):
        user.refresh_from_db()
        assert user.password == old  # nothing rehashed on a failure

    assert _login(app_client, user.username, PASSWORD).status_code == 200
    with tenant_context(world.alpha.tenant):
        user.refresh_from_db()
        upgraded = user.password
    assert upgraded.startswith(OWASP)

    assert _login(app_client, user.username, PASSWORD).status_code == 200
    with tenant_context(world.alpha.tenant):
        user.refresh_from_db()
        assert user.password == upgraded  # already current: not rehashed again
