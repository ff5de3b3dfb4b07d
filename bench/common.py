"""What the benchmarks share: their command line, starting Django on a kept or
fresh database, timing, counting queries and peak memory.

Scripts in this folder import it as ``common`` (Python puts the script's own
folder first on the path).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def bench_parser(description: str | None, *, repeat: int | None = None):
    """``--scale`` and ``--keep`` (and ``--repeat`` when a default is given)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=int, default=10)
    if repeat is not None:
        parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument(
        "--keep", help="directory for a database to build once and reuse"
    )
    return parser


def start_django(keep: str | None, *, debug: bool = True) -> None:
    """Django on the SQLite database in ``keep`` (made if missing), or in a
    fresh temporary folder; ``DATABASE_URL``, when set, wins. ``debug`` turns
    DEBUG on unless the environment says otherwise."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["KRAVSPOR_VAR_DIR"] = keep or tempfile.mkdtemp(
            prefix="kravspor-bench-"
        )
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    if debug:
        os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def demo_procurement(scale: int):
    """The demo procurement after ``migrate``: the whole demo world is built
    at ``scale`` unless the database already holds it."""
    from django.core.management import call_command

    from procurement.demo import DEMO_PROCUREMENT_REFERENCE, build_demo_world
    from procurement.models import Procurement

    call_command("migrate", verbosity=0)
    procurement = Procurement.objects.filter(
        reference=DEMO_PROCUREMENT_REFERENCE
    ).first()
    if procurement is None:
        started = time.perf_counter()
        build_demo_world(scale=scale, log=lambda line: None)
        procurement = Procurement.objects.get(reference=DEMO_PROCUREMENT_REFERENCE)
        print(f"demo world at scale {scale}: {time.perf_counter() - started:.1f} s")
    else:
        print("reusing the demo world in", os.environ.get("KRAVSPOR_VAR_DIR"))
    return procurement


def measure(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``repeat`` calls after one warm-up."""
    function()
    times = []
    for _ in range(repeat):
        begun = time.perf_counter()
        function()
        times.append((time.perf_counter() - begun) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


class QueryCount:
    """Counts the statements run inside the block (DEBUG's query log keeps
    only the last 9,000, too few for these pages' neighbours)."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def __len__(self):
        return self.count


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
