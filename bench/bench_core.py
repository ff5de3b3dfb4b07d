"""Benchmark the foundation: demo world at scale N and the core pages.

Run from the project root: .venv/bin/python bench/bench_core.py --scale 10
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["KRAVSPOR_VAR_DIR"] = tempfile.mkdtemp(prefix="kravspor-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("DEBUG", "1")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from procurement.demo import build_demo_world
    from procurement.models import Procurement

    call_command("migrate", verbosity=0)
    tracemalloc.start()
    started = time.perf_counter()
    build_demo_world(scale=args.scale, log=lambda line: None)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"load_demo --scale {args.scale}: {elapsed:.2f} s, peak {peak / 2**20:.0f} MiB"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="staff"))
    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    pages = {
        "overview": "/",
        "organisations": "/organisations/",
        "organisations searched": "/organisations/?q=kommune",
        "organisations filtered": "/organisations/?level=primary&county=trondelag",
        "organisations 100 rows": "/organisations/?per_page=100&sort=-name",
        "procurement": f"/procurements/{procurement.pk}/",
        "programme": f"/programmes/{procurement.programme_id}/",
    }
    for name, url in pages.items():
        client.get(url)  # warm up
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:<24} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
