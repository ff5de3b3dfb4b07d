"""Benchmark the workshop pages at scale N (about 1,000 workshops, 4,000
participants and 50,000 inputs at 10): server time p50/p95 of the triage
queue, the workshop list and the dashboard, duplicate suggestions for one
input, and the participation and workshop reports.

Run from the project root:

    .venv/bin/python bench/bench_workshops.py --scale 10
    .venv/bin/python bench/bench_workshops.py --keep /tmp/kravspor-ws10   # build once
    .venv/bin/python bench/bench_workshops.py --keep /tmp/kravspor-ws10   # reuse it

With ``--keep DIR`` the SQLite database lives in DIR and is reused when it
already holds the demo world; without it every run builds a fresh one.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS_MS = {
    "triage queue": 150,
    "workshop list": 150,
    "dashboard": 500,
    "duplicate suggestions": 300,
}


def measure(function, repeat: int) -> tuple[float, float]:
    function()
    times = []
    for _ in range(repeat):
        begun = time.perf_counter()
        function()
        times.append((time.perf_counter() - begun) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--keep", help="directory for a database to build once and reuse"
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["KRAVSPOR_VAR_DIR"] = args.keep or tempfile.mkdtemp(
            prefix="kravspor-bench-"
        )
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("DEBUG", "1")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from procurement.demo import DEMO_PROCUREMENT_REFERENCE, build_demo_world
    from procurement.models import Procurement
    from workshops.models import Input, Workshop

    call_command("migrate", verbosity=0)
    procurement = Procurement.objects.filter(
        reference=DEMO_PROCUREMENT_REFERENCE
    ).first()
    if procurement is None:
        started = time.perf_counter()
        build_demo_world(scale=args.scale, log=lambda line: None)
        procurement = Procurement.objects.get(reference=DEMO_PROCUREMENT_REFERENCE)
        print(
            f"demo world at scale {args.scale}: {time.perf_counter() - started:.1f} s"
        )
    else:
        print("reusing the demo world in", os.environ.get("KRAVSPOR_VAR_DIR"))
    inputs = Input.objects.filter(workshop__procurement=procurement)
    print(
        f"{Workshop.objects.filter(procurement=procurement).count()} workshops, "
        f"{procurement.participants.count()} participants, {inputs.count()} inputs"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="staff"))
    workshop = (
        Workshop.objects.filter(procurement=procurement, status="reported")
        .order_by("pk")
        .first()
    )
    results: list[tuple[str, str]] = []

    def page(name: str, url_name: str, **kwargs) -> None:
        try:
            url = reverse(
                f"workshops:{url_name}", kwargs={"pk": procurement.pk, **kwargs}
            )
        except NoReverseMatch:
            results.append((name, f"skipped: no URL named workshops:{url_name}"))
            return

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)

        p50, p95 = measure(get, args.repeat)
        results.append((name, f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"))

    page("triage queue", "triage")
    page("workshop list", "workshop-list")
    page("dashboard", "workshop-dashboard")

    try:
        from workshops.selectors.triage import suggestions
    except ImportError:
        results.append(("duplicate suggestions", "skipped: no selectors.triage"))
    else:
        from workshops.similarity import prefilter_terms

        new = inputs.filter(status="new").select_related("workshop", "area")
        item = new.first()
        p50, p95 = measure(lambda: suggestions(item), args.repeat)
        results.append(
            ("duplicate suggestions", f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        )
        # Terms with æ, ø or å are matched by Python on SQLite
        # (procurement.unicode_search), plain ones by SQLite's LIKE.
        for label, wanted in (("æøå terms", False), ("ASCII terms", True)):
            item = next(
                (
                    x
                    for x in new[:500]
                    if all(t.isascii() for t in prefilter_terms(x.text)) is wanted
                ),
                None,
            )
            if item is None:
                continue
            p50, p95 = measure(lambda item=item: suggestions(item), args.repeat)
            results.append(
                (
                    f"duplicate suggestions ({label})",
                    f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms",
                )
            )

    repeat = args.repeat
    args.repeat = max(3, repeat // 5)
    page("participation report (PDF)", "participation-report")
    page("participation report (xlsx)", "participation-report-xlsx")
    page("workshop report (PDF)", "workshop-report", workshop_pk=workshop.pk)
    args.repeat = repeat

    print(f"\n{'page':<30} {'server time':<34} target")
    for name, figure in results:
        target = TARGETS_MS.get(name)
        print(f"{name:<30} {figure:<34} {f'< {target} ms' if target else ''}")


if __name__ == "__main__":
    main()
