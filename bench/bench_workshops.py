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

from common import bench_parser, demo_procurement, measure, start_django

TARGETS_MS = {
    "triage queue": 150,
    "workshop list": 150,
    "dashboard": 500,
    "duplicate suggestions": 300,
}


def main() -> None:
    args = bench_parser(__doc__, repeat=15).parse_args()

    start_django(args.keep)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from workshops.models import Input, Workshop

    procurement = demo_procurement(args.scale)
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
