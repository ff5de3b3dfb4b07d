import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20
    + "-production-like-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "kravspor.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://kravspor.example.no",
}


def manage(*args, **env):
    # The browser tests allow async-unsafe ORM calls; production never does.
    dropped = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


class DeploySettingsTests(SimpleTestCase):
    def test_the_deploy_check_reports_nothing_in_production(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_production_refuses_to_start_without_a_secret_key(self):
        env = dict(PRODUCTION)
        del env["SECRET_KEY"]
        result = manage("check", **env)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)

    def test_the_deploy_check_would_catch_insecure_cookies(self):
        result = manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            SESSION_COOKIE_SECURE="0",
            **PRODUCTION,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SESSION_COOKIE_SECURE", result.stdout + result.stderr)
