"""Load Kravspor's demo world (a Helseplattformen-like programme)."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from procurement.demo import DEMO_USERS, build_demo_world, describe_logins
from procurement.models import Organisation, Procurement


class Command(BaseCommand):
    help = (
        "Load the demo world into an empty database: organisations of Central Norway, "
        "the Helseplattformen programme, procurement HP-EPJ-2016 and demo users."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the volume (1 = Helseplattformen's size; "
            "benchmarks use 10).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds data.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo users have a published password.",
        )

    def handle(self, *args, scale: int, if_empty: bool, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load the demo world with DEBUG off: it creates users "
                "with a "
                "published password. Use --force if you really mean it."
            )
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        User = get_user_model()
        occupied = (
            Organisation.objects.exists()
            or Procurement.objects.exists()
            or User.objects.exists()
        )
        if occupied:
            if not if_empty:
                raise CommandError(
                    "The database already holds data; the demo world loads only "
                    "into an "
                    "empty database. Point DATABASE_URL at a new database, or delete "
                    "var/kravspor.sqlite3 for a fresh start."
                )
            self.stdout.write(
                "The database already holds data; the demo world is not loaded again."
            )
            if User.objects.filter(username__in=[u for u, _, _ in DEMO_USERS]).exists():
                self._print_logins()
            return
        started = time.perf_counter()
        self.stdout.write(f"Loading the demo world at scale {scale} …")
        build_demo_world(scale=scale, log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo world loaded in {time.perf_counter() - started:.1f} s."
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        for line in describe_logins():
            self.stdout.write(line)
