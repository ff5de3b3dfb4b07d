"""Benchmark the evaluation report PDF at scale N (at 10: round 1 with ten
tenders, 23,000 mapped requirements, 944,000 individual scores and 230,000
consensus scores; target under 60 s).

Builds the demo world's evaluation steps the way ``bench_evaluation.py`` does
(or reuses a database kept with ``--keep``), then writes the report of each
round as the lead sees it, and of round 1 for an operator: wall time, the
time to the first section (the results recompute), pages, file size, and the
peak resident memory of the process.

Run from the project root:

    .venv/bin/python bench/bench_evaluation_report_pdf.py --scale 10
    .venv/bin/python bench/bench_evaluation_report_pdf.py --keep /tmp/kravspor-ev10
"""

import os
import tempfile
import time
from pathlib import Path

from common import bench_parser, peak_rss_mib, start_django

TARGET_S = 60


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--rounds", default="1,2,3", help="round numbers to write")
    args = parser.parse_args()

    start_django(args.keep, debug=False)
    from bench_evaluation import build
    from django.core.management import call_command
    from django.utils import translation
    from pypdf import PdfReader

    from evaluation.models import Evaluation
    from evaluation.reports.report_pdf import write_evaluation_report_pdf
    from procurement.access import procurement_roles
    from procurement.models import Membership

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

    evaluations = {
        e.round.number: e
        for e in Evaluation.objects.select_related("round", "procurement")
    }
    procurement = next(iter(evaluations.values())).procurement
    lead = (
        Membership.objects.filter(procurement=procurement, role=Membership.Role.LEAD)
        .select_related("user")
        .first()
        .user
    )
    assert Membership.Role.LEAD in procurement_roles(lead, procurement)
    runs = [(int(n), lead) for n in args.rounds.split(",")]
    runs.append((1, None))
    out_dir = Path(tempfile.mkdtemp(prefix="kravspor-report-"))
    with translation.override("nb"):
        for number, reader in runs:
            evaluation = evaluations[number]
            path = out_dir / f"round-{number}-{'lead' if reader else 'operator'}.pdf"
            marks: list[tuple[str, float]] = []
            started = time.perf_counter()
            write_evaluation_report_pdf(
                evaluation,
                path,
                user=reader,
                progress=lambda text, marks=marks: marks.append(
                    (text, time.perf_counter())
                ),
            )
            elapsed = time.perf_counter() - started
            pages = len(PdfReader(path).pages)
            steps = [
                f"{name} {end - at:.1f} s"
                for (name, at), (_next, end) in zip(
                    marks, [*marks[1:], ("end", started + elapsed)], strict=True
                )
            ]
            print(
                f"round {number} ({evaluation.get_status_display()}), "
                f"{'lead' if reader else 'operator'}: {elapsed:.1f} s "
                f"(target < {TARGET_S} s), {pages} pages, "
                f"{path.stat().st_size / 1024:.0f} KiB, "
                f"peak RSS so far {peak_rss_mib():.0f} MiB"
            )
            print("   ", "; ".join(steps))
            print("   ", path)


if __name__ == "__main__":
    main()
