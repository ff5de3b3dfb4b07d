"""Benchmark the evaluation at scale N (at 10: ten tenders in round 1 and
about 900,000 individual scores in it; 1.3 million in all three rounds).

Measures, on the demo world's evaluations:

(a) results and ranking recompute of round 1 (``evaluation_results``): p50,
    split into the database reads (``engine_data``) and the engine
    (``compute_results``); target < 2 s;
(b) saving one score: ``score_submit`` alone, and a POST to
    ``evaluation:score-save`` through the test client (JSON answer), in the
    round being scored; target < 100 ms server time;
(c) the scoring page: queries and p50 for a criterion with one item
    (Risiko), a middling one and the largest (large criteria are scored one
    section at a time: the page shows the first section with items left);
    the count must not grow;
(d) the results page (round 1) and the consensus overview (round 2), p50.

Run from the project root:

    .venv/bin/python bench/bench_evaluation.py --scale 10
    .venv/bin/python bench/bench_evaluation.py --keep /tmp/kravspor-ev10   # build once
    .venv/bin/python bench/bench_evaluation.py --keep /tmp/kravspor-ev10   # reuse it

Only the demo steps the evaluation needs are built (no workshops). With
``--keep DIR`` the SQLite database lives in DIR and is reused when it already
holds the evaluations; without it every run builds a fresh one.
"""

import os
import random
import statistics
import time

from common import QueryCount, bench_parser, measure, start_django

TARGETS_MS = {"results recompute": 2000, "score_submit": 100, "score-save POST": 100}


def build(scale: int) -> None:
    from django.db import transaction

    from evaluation import demo as evaluation_demo
    from procurement import demo, demo_specification, demo_tenders

    world = demo.DemoWorld(scale=scale, rng=random.Random(demo.DEMO_SEED), log=print)
    with transaction.atomic():
        for step in [
            demo.organisations,
            demo.programme,
            demo.procurement,
            demo.users,
            demo_specification.specification,
            demo_specification.specification_baseline,
            demo_tenders.tenders,
            evaluation_demo.evaluations,
        ]:
            begun = time.perf_counter()
            step(world)
            print(f"  {step.__name__}: {time.perf_counter() - begun:.1f} s")


def main() -> None:
    args = bench_parser(__doc__, repeat=7).parse_args()

    start_django(args.keep)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from evaluation import results as engine
    from evaluation.models import Criterion, Evaluation, RequirementMapping, Score
    from evaluation.selectors.results import engine_data, evaluation_results
    from evaluation.services.scoring import score_submit

    call_command("migrate", verbosity=0)
    if not Evaluation.objects.exists():
        started = time.perf_counter()
        build(args.scale)
        print(
            f"demo world (evaluation steps) at scale {args.scale}: "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        print("reusing the demo world in", os.environ.get("KRAVSPOR_VAR_DIR"))
    first, second, third = (
        Evaluation.objects.select_related("round", "procurement").get(round__number=n)
        for n in (1, 2, 3)
    )
    print(
        f"round 1: {first.round.tenders.count()} tenders, "
        f"{first.mappings.count()} mapped requirements, "
        f"{Score.objects.filter(evaluation=first).count()} individual scores; "
        f"all rounds: {Score.objects.count()} individual scores"
    )
    User = get_user_model()
    lead = User.objects.get(username="lead")
    procurement = first.procurement
    rows: list[tuple[str, str, str]] = []

    # (a) Results and ranking recompute, split into database and engine.
    db_times, engine_times, totals = [], [], []
    evaluation_results(first, user=lead)
    for _ in range(args.repeat):
        begun = time.perf_counter()
        data = engine_data(first, user=lead)
        read = time.perf_counter()
        results = engine.compute_results(data)
        done = time.perf_counter()
        db_times.append((read - begun) * 1000)
        engine_times.append((done - read) * 1000)
        totals.append((done - begun) * 1000)
    assert not results.provisional and results.ranking
    rows.append(
        (
            "results recompute, round 1",
            f"p50 {statistics.median(totals):7.0f} ms (database "
            f"{statistics.median(db_times):.0f} ms, engine "
            f"{statistics.median(engine_times):.0f} ms)",
            "< 2 s",
        )
    )

    # (b) Saving one score in the round being scored (round 3).
    evaluator = User.objects.get(username="evaluator")
    criterion = Criterion.objects.get(evaluation=third, name="Brukervennlighet")
    tender = third.round.tenders.order_by("vendor__name").first()
    requirement = (
        RequirementMapping.objects.filter(evaluation=third, criterion=criterion)
        .order_by("-requirement__key")
        .first()
        .requirement
    )
    state = {"value": 5}

    def submit():
        stored = Score.objects.filter(
            evaluation=third,
            evaluator=evaluator,
            tender=tender,
            requirement=requirement,
        ).first()
        state["value"] = 4 + (state["value"] - 3) % 5
        begun = time.perf_counter()
        score_submit(
            evaluation=third,
            evaluator=evaluator,
            tender=tender,
            requirement=requirement,
            value=str(state["value"]),
            justification="Godt beskrevet; dekker behovet i demonstrasjonen.",
            version=stored.version if stored else 0,
        )
        return (time.perf_counter() - begun) * 1000

    submit()
    with QueryCount(connection) as queries:
        submit()
    times = sorted(submit() for _ in range(args.repeat * 3))
    rows.append(
        (
            "score_submit (service)",
            f"p50 {statistics.median(times):7.1f} ms   "
            f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
            f"{len(queries)} queries",
            "< 100 ms",
        )
    )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(evaluator)
    save_url = reverse(
        "evaluation:score-save",
        kwargs={
            "pk": procurement.pk,
            "evaluation_pk": third.pk,
            "tender_pk": tender.pk,
            "criterion_pk": criterion.pk,
        },
    )
    prefix = f"r{requirement.pk}"

    def post():
        stored = Score.objects.get(
            evaluation=third,
            evaluator=evaluator,
            tender=tender,
            requirement=requirement,
        )
        state["value"] = 4 + (state["value"] - 3) % 5
        begun = time.perf_counter()
        response = client.post(
            save_url,
            {
                "item": prefix,
                f"{prefix}-value": str(state["value"]),
                f"{prefix}-justification": "Dekker behovet; vist i demonstrasjonen.",
                f"{prefix}-version": stored.version,
            },
            HTTP_ACCEPT="application/json",
        )
        elapsed = (time.perf_counter() - begun) * 1000
        assert response.status_code == 200, (response.status_code, response.content)
        return elapsed

    post()
    with QueryCount(connection) as queries:
        post()
    times = sorted(post() for _ in range(args.repeat * 3))
    rows.append(
        (
            "score-save POST (test client, JSON)",
            f"p50 {statistics.median(times):7.1f} ms   "
            f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
            f"{len(queries)} queries",
            "< 100 ms",
        )
    )

    # (c) The scoring page for criteria with 1, some and many items: each
    # page is the evaluator's own, for the first tender of round 3.
    def scoring_page(name: str) -> None:
        leaf = Criterion.objects.get(evaluation=third, name=name)
        user = (
            User.objects.filter(
                evaluation_assignments__evaluation=third,
                evaluation_assignments__criterion=leaf,
                evaluation_assignments__tender=None,
            )
            .order_by("username")
            .first()
        )
        page_client = Client(HTTP_HOST="127.0.0.1")
        page_client.force_login(user)
        url = reverse(
            "evaluation:score",
            kwargs={
                "pk": procurement.pk,
                "evaluation_pk": third.pk,
                "tender_pk": tender.pk,
                "criterion_pk": leaf.pk,
            },
        )
        items = (
            1
            if leaf.method == Criterion.Method.DIRECT
            else RequirementMapping.objects.filter(criterion=leaf).count()
        )

        shown = {}

        def get():
            response = page_client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            shown["rows"] = response.content.count(b'<article class="score-row')

        get()
        with QueryCount(connection) as queries:
            get()
        p50, p95 = measure(get, max(3, args.repeat // 2))
        rows.append(
            (
                f"scoring page, {name} ({items} items, {shown['rows']} shown)",
                f"p50 {p50:7.0f} ms   p95 {p95:.0f} ms, {len(queries)} queries",
                "queries constant",
            )
        )

    for name in ("Risiko", "Arkitektur og teknologi", "Pasientjournal"):
        scoring_page(name)

    # (d) The results page (round 1) and the consensus overview (round 2).
    lead_client = Client(HTTP_HOST="127.0.0.1")
    lead_client.force_login(lead)

    def page(name: str, url_name: str, evaluation) -> None:
        url = reverse(
            f"evaluation:{url_name}",
            kwargs={"pk": procurement.pk, "evaluation_pk": evaluation.pk},
        )

        def get():
            response = lead_client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        with QueryCount(connection) as queries:
            get()
        p50, p95 = measure(get, max(3, args.repeat // 2))
        rows.append(
            (name, f"p50 {p50:7.0f} ms   p95 {p95:.0f} ms, {len(queries)} queries", "")
        )

    page("results page, round 1 (locked)", "results", first)
    page("results page, round 2 (provisional)", "results", second)
    page("consensus overview, round 2", "consensus", second)

    width = max(len(name) for name, _, _ in rows)
    print()
    print(f"{'measured'.ljust(width)}  result{' ' * 50}target")
    for name, figure, target in rows:
        print(f"{name.ljust(width)}  {figure.ljust(56)}{target}")


if __name__ == "__main__":
    main()
