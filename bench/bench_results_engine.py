"""Benchmark the pure results engine on synthetic data at scale 10.

10 tenders, 40 evaluators, 30,000 requirements each scored by 3 evaluators per
tender (900,000 individual scores, 300,000 tender × requirement aggregates), a
criteria tree of 5 requirement-scored subcriteria, a directly scored risk
criterion and a price criterion; consensus set on half of the items. No
database: the aggregated inputs stand in for the adapter's GROUP BY rows.

Run from the project root: .venv/bin/python bench/bench_results_engine.py
"""

import argparse
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.results import (  # noqa: E402
    Aggregate,
    Criterion,
    EvaluationData,
    IndividualScore,
    ItemKey,
    Tender,
    compute_results,
    sensitivity,
)

SCORES = [Decimal(v) for v in range(11)]
# Evaluators mostly agree within a point; now and then one is 2–3 points off.
NOISE = (-1, 0, 0, 0, 1) * 4 + (-3, -2, 2, 3)


def build(tenders: int, evaluators: int, requirements: int, per_item: int, raw: bool):
    rng = random.Random(2017)
    subcriteria = 5
    criteria = [
        Criterion(
            "ytelse",
            "Ytelse",
            Decimal("0.6"),
            weight_min=Decimal("0.5"),
            weight_max=Decimal("0.7"),
        ),
        Criterion(
            "risiko",
            "Risiko",
            Decimal("0.1"),
            kind="risk",
            method="direct",
            weight_min=Decimal("0.05"),
            weight_max=Decimal("0.15"),
        ),
        Criterion(
            "pris",
            "Pris",
            Decimal("0.3"),
            kind="price",
            method="price",
            price_model="proportional",
            weight_min=Decimal("0.2"),
            weight_max=Decimal("0.4"),
        ),
    ]
    mapping: list[dict] = [{} for _ in range(subcriteria)]
    for r in range(requirements):
        mapping[r % subcriteria][r] = Decimal(rng.choice((1, 2, 3, 5)))
    for k in range(subcriteria):
        criteria.append(
            Criterion(
                f"ytelse-{k}",
                f"Ytelse {k}",
                Decimal("0.2"),
                parent_id="ytelse",
                requirement_weights=mapping[k],
            )
        )
    tender_list = [
        Tender(
            t,
            f"Leverandør {t}",
            rejected=t == 9,
            evaluated_price=Decimal(10**8 + t * 7_919_003),
        )
        for t in range(tenders)
    ]
    consensus = {}
    individual = {}
    rows = []
    per_evaluator: dict = {}
    items = [
        (ItemKey("req", r), f"ytelse-{r % subcriteria}") for r in range(requirements)
    ]
    items += [(ItemKey("crit", "risiko"), "risiko")]
    for t in range(tenders):
        bias = rng.randint(-2, 2)
        for item, crit in items:
            who = rng.sample(range(evaluators), per_item)
            values = [
                SCORES[max(0, min(10, 6 + bias + rng.choice(NOISE)))] for _ in who
            ]
            if raw:
                rows.extend(
                    IndividualScore(e, t, item, v)
                    for e, v in zip(who, values, strict=True)
                )
            individual[(t, item)] = Aggregate(
                len(values), sum(values), min(values), max(values)
            )
            if item.id % 2 == 0 if item.kind == "req" else True:
                consensus[(t, item)] = SCORES[max(0, min(10, 6 + bias))]
            for e, v in zip(who, values, strict=True):
                acc = per_evaluator.setdefault((e, crit, t), [0, 0])
                acc[0] += v
                acc[1] += 1
    ecs = {k: Decimal(s) / n for k, (s, n) in per_evaluator.items()}
    data = EvaluationData(
        criteria,
        tender_list,
        consensus=consensus,
        individual=individual,
        evaluator_criterion_scores=ecs,
    )
    return data, rows


def timed(fn, repeat):
    """(value, best wall s, median wall s, best CPU s): CPU time shows the
    engine's own cost when other processes share the machine."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return value, min(walls), statistics.median(walls), min(cpus)


def report(label, best, median, cpu):
    print(
        f"{label}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms "
        f"(CPU {cpu * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenders", type=int, default=10)
    parser.add_argument("--evaluators", type=int, default=40)
    parser.add_argument("--requirements", type=int, default=30_000)
    parser.add_argument("--per-item", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raw", action="store_true", help="also time from_rows()")
    args = parser.parse_args()

    started = time.perf_counter()
    data, rows = build(
        args.tenders, args.evaluators, args.requirements, args.per_item, args.raw
    )
    print(
        f"synthetic data: {len(data.individual):,} aggregates "
        f"({len(data.individual) * args.per_item:,} individual scores), "
        f"{len(data.consensus):,} consensus scores, built in "
        f"{time.perf_counter() - started:.2f} s"
    )
    results, *times = timed(lambda: compute_results(data), args.repeat)
    report("compute_results", *times)
    _, *times = timed(lambda: sensitivity(data, results), args.repeat)
    report("sensitivity", *times)
    _, *times = timed(lambda: compute_results(data).flagged_spreads, 1)
    report(f"flagged spreads ({len(results.flagged_spreads):,})", *times)
    _, *times = timed(lambda: compute_results(data).spreads, 1)
    report(f"all spreads ({len(results.spreads):,})", *times)
    for which in ("none", "flagged"):
        _, *times = timed(lambda w=which: json.dumps(results.to_dict(spreads=w)), 1)
        report(f"to_dict(spreads={which!r}) + json.dumps", *times)
    if args.raw:
        criteria, tenders = data.criteria, data.tenders
        _, *times = timed(
            lambda: EvaluationData.from_rows(criteria, tenders, rows, data.consensus), 1
        )
        report(f"from_rows ({len(rows):,} raw rows)", *times)
    print(f"winner {results.winner}, provisional {results.provisional}")


if __name__ == "__main__":
    main()
