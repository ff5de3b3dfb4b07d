"""Benchmark Bilag 1 (the specification PDF) and the demo specification step.

Builds the demo world at scale 1 (rolled back) and at --scale (default 10,
about 30,000 requirements), timing the specification step of each, then writes
the PDF of today's specification and of the published baseline, each in a
fresh process: wall time, pages, file size, and the peak resident memory of
that process (before and after the PDF, so the PDF's own share shows).

Run from the project root: .venv/bin/python bench/bench_spec_pdf.py --scale 10
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class StepClock:
    """Times each demo step from the log line build_demo_world prints before
    it; the last step ends when the build returns."""

    def __init__(self):
        self.marks: list[tuple[str, float]] = []

    def __call__(self, line: str) -> None:
        if line.startswith("  ") and not line.startswith("    "):
            self.marks.append((line.strip(" …"), time.perf_counter()))

    def durations(self, end: float) -> dict[str, float]:
        ends = [at for _, at in self.marks[1:]] + [end]
        return {
            name: stop - at for (name, at), stop in zip(self.marks, ends, strict=True)
        }


def build(scale: int) -> tuple[float, float]:
    from procurement.demo import build_demo_world

    clock = StepClock()
    started = time.perf_counter()
    build_demo_world(scale=scale, log=clock)
    end = time.perf_counter()
    return end - started, clock.durations(end).get("specification", float("nan"))


def peak_rss_mib() -> float:
    """This process's resident-memory high-water mark. VmHWM starts afresh at
    exec, unlike getrusage's ru_maxrss, which keeps the parent's."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_pdf(which: str, path: str) -> None:
    """In a fresh process: write one PDF and print its figures."""
    from pypdf import PdfReader

    from procurement.models import Procurement
    from procurement.selectors.specification import latest_baseline
    from procurement.spec_pdf import write_specification_pdf

    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    baseline = latest_baseline(procurement) if which == "baseline" else None
    before = peak_rss_mib()
    with open(path, "wb") as out:
        started = time.perf_counter()
        write_specification_pdf(procurement, out, baseline=baseline)
        elapsed = time.perf_counter() - started
    after = peak_rss_mib()
    pages = len(PdfReader(path).pages)
    size = Path(path).stat().st_size / 2**20
    print(
        f"PDF {which:<8}: {elapsed:5.1f} s, {pages:,} pages, {size:.1f} MiB; "
        f"peak RSS {after:.0f} MiB ({before:.0f} MiB before the PDF)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--skip-scale-1", action="store_true")
    parser.add_argument(
        "--pdf", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL") and not args.pdf:
        os.environ["KRAVSPOR_VAR_DIR"] = tempfile.mkdtemp(prefix="kravspor-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("DEBUG", "1")

    import django

    django.setup()
    if args.pdf:
        write_pdf(*args.pdf)
        return

    from django.core.management import call_command
    from django.db import transaction

    from procurement.models import Requirement

    call_command("migrate", verbosity=0)

    if not args.skip_scale_1:
        with transaction.atomic():
            total, step = build(1)
            count = Requirement.objects.count()
            transaction.set_rollback(True)
        print(
            f"demo world --scale 1: {total:.1f} s in all, specification step "
            f"{step:.1f} s ({count:,} requirements)"
        )

    total, step = build(args.scale)
    count = Requirement.objects.count()
    print(
        f"demo world --scale {args.scale}: {total:.1f} s in all, specification "
        f"step {step:.1f} s ({count:,} requirements)"
    )
    from django.db import connections

    connections.close_all()
    out_dir = Path(tempfile.mkdtemp(prefix="kravspor-bench-pdf-"))
    for which in ("today", "baseline"):
        path = out_dir / f"bilag1-{which}.pdf"
        subprocess.run(
            [sys.executable, __file__, "--pdf", which, str(path)],
            check=True,
            env=os.environ.copy(),
        )
    print(f"PDFs kept in {out_dir}")


if __name__ == "__main__":
    main()
