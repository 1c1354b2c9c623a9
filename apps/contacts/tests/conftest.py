import base64

import pytest

from apps.contacts import crypto

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()
BLIND = base64.b64encode(bytes(range(200, 232))).decode()


@pytest.fixture
def ring_a():
    """Only key A configured (what production looks like before a rotation)."""
    with crypto.use_keyring(crypto.Keyring.from_strings(f"ka:{KEY_A}", BLIND)) as ring:
        yield ring


@pytest.fixture
def rotate_to_b():
    """Switch the current thread to keys [B, A]: new writes use B, A still decrypts."""

    def switch():
        return crypto.use_keyring(crypto.Keyring.from_strings(f"kb:{KEY_B},ka:{KEY_A}", BLIND))

    return switch
