"""Benchmark the evaluation workbook (.xlsx) at scale N (at 10: round 1 with
ten tenders, 23,000 mapped requirements, 944,000 individual scores and
230,000 consensus scores; target under 15 s and 300 MB peak).

Builds the demo world's evaluation steps the way ``bench_evaluation.py`` does
(or reuses a database kept with ``--keep``), then writes the workbook of each
round as the lead sees it, and of round 1 for an operator (``user=None``, as
``manage.py evaluation_report`` does), each in a fresh process so its peak
memory is its own: wall time, the time per step (from the progress
messages), rows in the individual-scores sheet, file size and the peak
resident memory of the process (VmHWM), next to that of a process that has
only loaded Django.

Run from the project root:

    .venv/bin/python bench/bench_evaluation_reports.py --scale 10
    .venv/bin/python bench/bench_evaluation_reports.py --keep /tmp/kravspor-ev10
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_parser, peak_rss_mib, start_django

TARGET_S = 15
TARGET_MB = 300


def one(round_number: int, username: str | None) -> dict:
    """Write one workbook in this process; return the figures as a dict."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from evaluation.models import Evaluation, Score
    from evaluation.reports.workbook import write_evaluation_workbook

    baseline = peak_rss_mib()
    evaluation = Evaluation.objects.select_related("round", "procurement").get(
        round__number=round_number
    )
    user = get_user_model().objects.get(username=username) if username else None
    scores = Score.objects.filter(evaluation=evaluation).count()
    steps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "evaluering.xlsx"
        started = time.perf_counter()

        def progress(message: str) -> None:
            steps.append((message, time.perf_counter() - started))

        with translation.override("nb"):
            write_evaluation_workbook(evaluation, target, user=user, progress=progress)
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    return {
        "round": round_number,
        "reader": username or "operator",
        "scores": scores,
        "seconds": seconds,
        "size_mb": size / 2**20,
        "peak_mb": peak_rss_mib(),
        "baseline_mb": baseline,
        "steps": steps,
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # ROUND:USER, internal
    args = parser.parse_args()
    # One folder for this process and the ones it starts per workbook.
    keep = args.keep or tempfile.mkdtemp(prefix="kravspor-bench-")

    if args.one:
        start_django(keep, debug=False)
        round_number, username = args.one.split(":")
        print(json.dumps(one(int(round_number), username or None)))
        return

    start_django(keep, debug=False)
    from django.core.management import call_command

    from evaluation.models import Evaluation

    call_command("migrate", verbosity=0)
    if not Evaluation.objects.exists():
        import bench_evaluation

        started = time.perf_counter()
        bench_evaluation.build(args.scale)
        print(
            f"demo world (evaluation steps) at scale {args.scale}: "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        print("reusing the demo world in", keep)

    for round_number, username in [(1, "lead"), (1, ""), (2, "lead"), (3, "lead")]:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--keep",
                keep,
                "--one",
                f"{round_number}:{username}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        verdict = ""
        if round_number == 1:
            ok = figures["seconds"] < TARGET_S and figures["peak_mb"] < TARGET_MB
            verdict = (
                f"  target < {TARGET_S} s, < {TARGET_MB} MB: "
                f"{'met' if ok else 'missed'}"
            )
        print(
            f"round {figures['round']} ({figures['reader']}): "
            f"{figures['seconds']:.1f} s, {figures['scores']} individual scores, "
            f"{figures['size_mb']:.1f} MB file, peak RSS {figures['peak_mb']:.0f} MB "
            f"(Django loaded: {figures['baseline_mb']:.0f} MB){verdict}"
        )
        steps = [s for s in figures["steps"] if "rows" not in s[0]]
        ends = [at for _message, at in steps[1:]] + [figures["seconds"]]
        for (message, at), end in zip(steps, ends, strict=True):
            print(f"    {end - at:6.1f} s  {message}")


if __name__ == "__main__":
    main()
