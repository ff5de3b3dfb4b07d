"""Benchmark the specification's Excel round trip at 30,000 requirements.

Measures the export (time, and peak memory of a fresh process doing only the
export), the same cells written by a bare openpyxl write-only loop (so the
overhead of safe cells, styles and the database is visible) and the import
preview (parse + plan) of the exported workbook.

Run from the project root:
    .venv/bin/python bench/bench_spec_excel.py [--requirements 30000] [--repeat 3]
"""

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "pasient journal legemiddel kurve samhandling kommune sykehus fastlege "
    "dokumentasjon tilgang logg melding henvisning epikrise prøvesvar "
    "beslutningsstøtte oversikt behandling pleie plan mobil integrasjon "
    "sikkerhet drift rapport kvalitet register"
).split()


def setup_django(var_dir: str) -> None:
    os.environ["KRAVSPOR_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def build(count: int) -> None:
    """A procurement with ``count`` requirements in 40 sections, created with
    bulk_create (the services would take minutes and are not measured here)."""
    from django.core.management import call_command

    from procurement.models import (
        Organisation,
        Procurement,
        Programme,
        Requirement,
        RequirementStakeholder,
        Section,
        Tag,
    )

    call_command("migrate", verbosity=0)
    rng = random.Random(2016)
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Organisasjon {n}", kind="municipality", level="municipal")
        for n in range(60)
    )
    programme = Programme.objects.create(name="Helseplattformen")
    procurement = Procurement.objects.create(
        programme=programme,
        reference="HP-EPJ-2016",
        title="Felles pasientjournal",
        procedure="competitive_dialogue",
    )
    sections = []
    for major in range(1, 9):
        parent = Section(
            procurement=procurement,
            number=str(major),
            title=text(rng, 2),
            prefix=f"S{major}",
        )
        parent.save()
        sections.append(parent)
        for minor in range(1, 5):
            child = Section(
                procurement=procurement,
                number=f"{major}.{minor}",
                title=text(rng, 3),
                parent=parent,
            )
            child.save()
            sections.append(child)
    tags = Tag.objects.bulk_create(
        Tag(procurement=procurement, name=word) for word in WORDS
    )
    kinds = ["A", "V", "AV", "I"]
    statuses = ["draft", "in_review", "approved", "withdrawn"]
    requirements = []
    for n in range(count):
        section = sections[n % len(sections)]
        kind = kinds[n % 4]
        title = text(rng, 6)
        if n % 100 == 0:
            title = "=" + title  # formula-like text, written as safe text
        requirements.append(
            Requirement(
                procurement=procurement,
                section=section,
                key=f"{section.effective_prefix()}-{n + 1:05d}",
                title=title[:300],
                description=text(rng, rng.randint(40, 90)),
                response_instructions=text(rng, rng.randint(15, 30)),
                kind=kind,
                weight=None if kind in ("A", "I") else rng.randint(1, 20),
                status=statuses[n % 4],
                rationale=text(rng, rng.randint(5, 20)),
                content_hash="",
            )
        )
    requirements = Requirement.objects.bulk_create(requirements, batch_size=2000)
    Tagged = Requirement.tags.through
    Tagged.objects.bulk_create(
        (
            Tagged(requirement_id=requirement.pk, tag_id=tag.pk)
            for requirement in requirements
            for tag in rng.sample(tags, 2)
        ),
        batch_size=5000,
    )
    RequirementStakeholder.objects.bulk_create(
        (
            RequirementStakeholder(
                requirement_id=requirement.pk,
                organisation_id=organisation.pk,
                relation=relation,
            )
            for requirement in requirements
            for organisation, relation in zip(
                rng.sample(organisations, 2), ["raised", "endorsed"], strict=True
            )
        ),
        batch_size=5000,
    )


def child_export(out_path: str) -> None:
    """Run in a fresh process: only the export, so maxrss is its own."""
    from procurement.models import Procurement
    from procurement.spec_excel import write_specification_xlsx

    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    started = time.perf_counter()
    with open(out_path, "wb") as out:
        rows = write_specification_xlsx(procurement, out)
    elapsed = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": elapsed, "maxrss_kib": peak_rss_kib()}))


def peak_rss_kib() -> int:
    """This process's peak resident memory. VmHWM where Linux has it: unlike
    ru_maxrss it does not inherit the parent's peak across fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(repeat: int) -> None:
    from openpyxl import Workbook

    from procurement.documents.xlsx import Column, new_workbook, write_sheet
    from procurement.models import Procurement
    from procurement.spec_excel import (
        COLUMNS,
        _export_row,
        _snapshots,
        parse_workbook,
        plan_import,
        write_specification_xlsx,
    )

    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    workdir = Path(os.environ["KRAVSPOR_VAR_DIR"])
    exported = workdir / "export.xlsx"

    # 1. The export, each time in a fresh process: wall time and the peak RSS
    # of the whole process (Django and all).
    runs = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, __file__, "--child-export", str(exported)],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    seconds = sorted(run["seconds"] for run in runs)
    print(
        f"export, {runs[0]['rows']} requirements: best {seconds[0]:.2f} s, "
        f"median {statistics.median(seconds):.2f} s of {repeat}; peak RSS of the "
        f"exporting process {max(run['maxrss_kib'] for run in runs) / 1024:.0f} "
        f"MiB; file {exported.stat().st_size / 2**20:.1f} MiB"
    )

    # 2. The same export again under tracemalloc: peak Python heap.
    tracemalloc.start()
    write_specification_xlsx(procurement, io.BytesIO())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"export peak Python heap (tracemalloc): {peak / 2**20:.0f} MiB")

    # 3. Where the time goes: reading the rows, then writing the same cells.
    started = time.perf_counter()
    rows = [_export_row(snapshot) for snapshot in _snapshots(procurement, None)]
    read_seconds = time.perf_counter() - started
    print(f"  reading {len(rows)} rows from the database: {read_seconds:.2f} s")

    columns = [Column(str(c.label), width=c.width, wrap=c.wrap) for c in COLUMNS]

    def kravspor():
        workbook = new_workbook()
        write_sheet(workbook, "Krav", columns, rows)
        workbook.save(io.BytesIO())

    def bare():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Krav")
        sheet.append([str(c.label) for c in COLUMNS])
        for row in rows:
            sheet.append(row)
        workbook.save(io.BytesIO())

    kravspor_seconds = best_of(repeat, kravspor)
    bare_seconds = best_of(repeat, bare)
    print(
        f"  Kravspor's SheetWriter (safe cells, styles), best of {repeat}: "
        f"{kravspor_seconds:.2f} s"
    )
    print(
        f"  bare openpyxl write-only loop, same cells: {bare_seconds:.2f} s "
        f"(overhead {kravspor_seconds - bare_seconds:+.2f} s)"
    )

    # 4. Import preview of the exported workbook: parse, then plan.
    started = time.perf_counter()
    with exported.open("rb") as handle:
        parsed = parse_workbook(handle, name=exported.name)
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    plan = plan_import(procurement, parsed)
    plan_seconds = time.perf_counter() - started
    assert not plan.errors and not plan.has_changes, plan.summary()
    print(
        f"import preview of the export: {parse_seconds + plan_seconds:.2f} s "
        f"(parse {parse_seconds:.2f} s, plan {plan_seconds:.2f} s); "
        f"{plan.unchanged} rows unchanged"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child-export", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_export:
        setup_django(os.environ["KRAVSPOR_VAR_DIR"])
        child_export(args.child_export)
        return

    setup_django(tempfile.mkdtemp(prefix="kravspor-bench-"))
    started = time.perf_counter()
    build(args.requirements)
    print(
        f"built {args.requirements} requirements in "
        f"{time.perf_counter() - started:.1f} s"
    )
    measure(args.repeat)


if __name__ == "__main__":
    main()
