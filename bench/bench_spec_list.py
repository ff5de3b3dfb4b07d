"""Benchmark the requirement list at scale N (30,000 requirements at 10).

Run from the project root: .venv/bin/python bench/bench_spec_list.py --scale 10
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
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
    from procurement.models import Organisation, Procurement, Requirement, Section, Tag

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build_demo_world(scale=args.scale, log=lambda line: None)
    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    count = Requirement.objects.filter(procurement=procurement).count()
    print(
        f"demo world at scale {args.scale}: {count} requirements, "
        f"{time.perf_counter() - started:.1f} s"
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="staff"))
    base = f"/procurements/{procurement.pk}/requirements/"
    section = Section.objects.filter(procurement=procurement, parent=None).first()
    organisation = Organisation.objects.filter(requirement_links__isnull=False).first()
    tag = Tag.objects.filter(procurement=procurement).first()
    cases = {
        "no filter": "",
        "search 'journal'": "?q=journal",
        "search a key": "?q=JOURN-0042",
        "section (with subsections)": f"?section={section.pk}",
        "kind AV": "?kind=AV",
        "status in review": "?status=in_review",
        "stakeholder organisation": f"?organisation={organisation.pk}",
        "stakeholder level primary": "?level=primary",
        "tag": f"?tag={tag.pk}" if tag else "",
        "changed since baseline": "?changed=yes",
        "unchanged, sorted by title desc": "?changed=no&sort=-title",
        "100 rows, last page": "?per_page=100&page=300",
        "everything at once": f"?q=skal&kind=V&status=approved&level=municipal"
        f"&section={section.pk}",
    }
    for name, query in cases.items():
        client.get(base + query)
        times = []
        for _ in range(args.repeat):
            begun = time.perf_counter()
            response = client.get(base + query)
            times.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, (query, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{name:<34} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")
    detail = Requirement.objects.filter(procurement=procurement).first()
    for name, url in {
        "specification tree": f"/procurements/{procurement.pk}/spec/",
        "requirement detail": detail.get_absolute_url(),
    }.items():
        client.get(url)
        times = []
        for _ in range(args.repeat):
            begun = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - begun) * 1000)
        print(f"{name:<34} p50 {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
