"""Suite-wide test set-up."""

import pytest
from django.test.utils import override_settings


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing(django_test_environment):
    # Real hashing is deliberately slow; tests create many users.
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        yield
