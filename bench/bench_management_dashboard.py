"""Benchmark the management dashboard of a procurement at scale N (at 10:
about 50,000 inputs, 30,000 requirements and 900,000 individual scores in
round 1 of the evaluation).

Measures, on the demo world's procurement, server time (p50, p95) and the
number of queries of ``procurement:procurement-dashboard``:

(a) as management, who sees the results of round 1 (locked): the first view
    after start (results computed) and later views (results of a locked
    evaluation kept in the cache);
(b) as the evaluation lead, who also sees the progress of rounds 2 and 3;
(c) each app's panels on their own (procurement, workshops, evaluation), and
    the scoring progress of round 1 (900,000 scores) and round 3 counted
    live, as while scoring is open (once consensus opens the counts are
    kept in the cache).

Run from the project root:

    .venv/bin/python bench/bench_management_dashboard.py --scale 10
    .venv/bin/python bench/bench_management_dashboard.py --keep /tmp/kravspor-md10

With ``--keep DIR`` the SQLite database lives in DIR and is reused when it
already holds the demo world; without it every run builds a fresh one. The
whole demo world is built (workshops and evaluations both feed the page).
"""

from common import QueryCount, bench_parser, demo_procurement, measure, start_django

TARGET_MS = 500


def main() -> None:
    args = bench_parser(__doc__, repeat=7).parse_args()

    start_django(args.keep)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from evaluation.models import Evaluation, Score
    from evaluation.reports import dashboard_panels as evaluation_panels
    from procurement import dashboard_panels as procurement_panels
    from procurement.models import Requirement
    from workshops import dashboard_panels as workshop_panels
    from workshops.models import Input

    procurement = demo_procurement(args.scale)
    first = Evaluation.objects.select_related("round", "procurement").get(
        procurement=procurement, round__number=1
    )
    print(
        f"{Input.objects.filter(workshop__procurement=procurement).count()} inputs, "
        f"{Requirement.objects.filter(procurement=procurement).count()} "
        f"requirements, {Score.objects.filter(evaluation=first).count()} "
        f"individual scores in round 1 ({Score.objects.count()} in all)"
    )
    User = get_user_model()
    url = reverse("procurement:procurement-dashboard", args=[procurement.pk])
    rows: list[tuple[str, str]] = []

    def page(label: str, username: str, *, cold: bool = False) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))

        def get():
            if cold:
                cache.clear()
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        with QueryCount(connection) as queries:
            get()
        repeat = max(2, args.repeat // 3) if cold else args.repeat
        p50, p95 = measure(get, repeat)
        rows.append((label, f"p50 {p50:7.0f} ms, p95 {p95:7.0f} ms, {len(queries)} q"))

    page("dashboard, management, results computed", "manager", cold=True)
    page("dashboard, management, results cached", "manager")
    page("dashboard, lead (three rounds)", "lead")

    manager = User.objects.get(username="manager")

    def provider(label: str, function) -> None:
        p50, p95 = measure(lambda: function(manager, procurement), args.repeat)
        rows.append((label, f"p50 {p50:7.0f} ms, p95 {p95:7.0f} ms"))

    provider("procurement panels", procurement_panels.procurement_panels)
    provider("workshop panel", workshop_panels.workshop_panels)
    provider("evaluation panels (results cached)", evaluation_panels.evaluation_panels)
    third = Evaluation.objects.select_related("round", "procurement").get(
        procurement=procurement, round__number=3
    )

    def counted_live(evaluation):
        def run():
            cache.clear()
            evaluation_panels.evaluation_progress(evaluation)

        return run

    for label, evaluation in [("round 1", first), ("round 3 (scoring)", third)]:
        p50, p95 = measure(counted_live(evaluation), args.repeat)
        rows.append(
            (
                f"evaluation progress, {label}, counted live",
                f"p50 {p50:7.0f} ms, p95 {p95:7.0f} ms",
            )
        )

    print(f"\nManagement dashboard at scale {args.scale} (target p50 < {TARGET_MS} ms)")
    for label, figure in rows:
        print(f"  {label:45} {figure}")


if __name__ == "__main__":
    main()
