"""Benchmark the ReqIF round trip at 30,000 requirements.

Builds a specification of N requirements (40 sections, multi-line texts,
tags, stakeholders, one link per ten requirements) with bulk_create, exports
it with Kravspor's ReqIF writer, and times the import of that file into an
empty procurement in a fresh process (so its peak memory is its own):
reading (parse, the reqif package, mapping), planning, and applying
(sections, requirements with history, links) in one transaction.

Run from the project root:
    .venv/bin/python bench/bench_reqif.py [--requirements 30000]
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "pasient journal legemiddel kurve samhandling kommune sykehus fastlege "
    "dokumentasjon tilgang logg melding henvisning epikrise prøvesvar "
    "beslutningsstøtte oversikt behandling pleie plan mobil integrasjon "
    "sikkerhet drift rapport kvalitet register"
).split()


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def build(count: int):
    """A procurement with ``count`` requirements, written with bulk_create
    (setting up is not what is measured)."""
    from procurement.models import (
        Organisation,
        Procurement,
        Programme,
        Requirement,
        RequirementLink,
        RequirementStakeholder,
        Section,
        Tag,
    )

    rng = random.Random(2016)
    programme = Programme.objects.create(name="Helseplattformen")
    source = Procurement.objects.create(
        programme=programme, reference="HP-EPJ-2016", title="Felles pasientjournal"
    )
    target = Procurement.objects.create(
        programme=programme, reference="HP-EPJ-KOPI", title="Tom anskaffelse"
    )
    organisations = [
        Organisation.objects.create(name=f"Kommune {n}", kind="municipality")
        for n in range(20)
    ]
    sections = []
    for top in range(1, 9):
        parent = Section(
            procurement=source,
            number=str(top),
            title=text(rng, 3),
            prefix=f"K{top}",
        )
        parent.save()
        sections.append(parent)
        for sub in range(1, 5):
            child = Section(
                procurement=source,
                number=f"{top}.{sub}",
                title=text(rng, 4),
                parent=parent,
            )
            child.save()
            sections.append(child)
    kinds = ["A", "V", "AV", "I"]
    requirements = []
    for n in range(count):
        section = sections[n % len(sections)]
        kind = kinds[n % 4]
        requirements.append(
            Requirement(
                procurement=source,
                section=section,
                key=f"{section.effective_prefix()}-{n:05d}",
                title=text(rng, 8),
                description="\n".join(text(rng, 25) for _ in range(3)),
                response_instructions=text(rng, 15),
                rationale=text(rng, 10) if n % 3 == 0 else "",
                kind=kind,
                weight=Decimal(rng.randint(1, 20)) if kind in ("V", "AV") else None,
                status=["draft", "in_review", "approved"][n % 3],
                extra_attributes={"Prioritet": "Høy"} if n % 5 == 0 else {},
            )
        )
    Requirement.objects.bulk_create(requirements, batch_size=2000)
    tags = Tag.objects.bulk_create(
        [Tag(procurement=source, name=word) for word in WORDS[:10]]
    )
    through = Requirement.tags.through
    through.objects.bulk_create(
        [
            through(requirement_id=r.pk, tag_id=tags[i % len(tags)].pk)
            for i, r in enumerate(requirements)
            if i % 2 == 0
        ],
        batch_size=5000,
    )
    RequirementStakeholder.objects.bulk_create(
        [
            RequirementStakeholder(
                requirement=r,
                organisation=organisations[i % len(organisations)],
                relation="raised",
            )
            for i, r in enumerate(requirements)
            if i % 3 == 0
        ],
        batch_size=5000,
    )
    RequirementLink.objects.bulk_create(
        [
            RequirementLink(
                source=requirements[i], target=requirements[i - 7], link_type="refines"
            )
            for i in range(10, count, 10)
        ],
        batch_size=5000,
    )
    return source, target


def setup_django(var_dir: str) -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["KRAVSPOR_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    # As in production: with DEBUG on, Django keeps every SQL statement.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()


def import_file(path: Path) -> None:
    """The import alone, in a fresh process, so its peak memory is its own."""
    from procurement.models import Procurement
    from procurement.spec_reqif import apply_plan, parse_reqif, plan_import

    target = Procurement.objects.get(reference="HP-EPJ-KOPI")
    total = time.perf_counter()
    started = time.perf_counter()
    parsed = parse_reqif(path.read_bytes(), name=path.name)
    read = time.perf_counter() - started
    started = time.perf_counter()
    plan = plan_import(target, parsed)
    planned = time.perf_counter() - started
    assert not plan.errors, plan.errors[:5]
    started = time.perf_counter()
    result = apply_plan(plan, procurement=target, by=None)
    applied = time.perf_counter() - started
    total = time.perf_counter() - total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import read:   {read:6.2f} s  (parse, the reqif package, mapping)")
    print(f"import plan:   {planned:6.2f} s")
    print(f"import apply:  {applied:6.2f} s  (sections, requirements, history, links)")
    print(
        f"import total:  {total:6.2f} s  for {result.created} requirements, "
        f"{result.sections} sections, {result.links} links (target: under 20 s); "
        f"peak memory {peak:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", type=int, default=30_000)
    parser.add_argument("--import-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.import_file:
        setup_django(args.var_dir)
        import_file(args.import_file)
        return

    work = tempfile.mkdtemp(prefix="kravspor-bench-reqif-")
    setup_django(work)
    from django.core.management import call_command

    from procurement.models import Requirement, RequirementLink, Section
    from procurement.spec_reqif import write_reqif

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    source, target = build(args.requirements)
    print(
        f"setup: {args.requirements} requirements with bulk_create in "
        f"{time.perf_counter() - started:.1f} s"
    )

    path = Path(work) / "spec.reqif"
    started = time.perf_counter()
    with open(path, "wb") as out:
        write_reqif(out, procurement=source)
    print(
        f"export:        {time.perf_counter() - started:6.2f} s  "
        f"({path.stat().st_size / 2**20:.0f} MiB)"
    )
    # SQLite: the import process opens the same database file.
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--import-file",
            str(path),
            "--var-dir",
            work,
        ],
        check=True,
    )
    assert Requirement.objects.filter(procurement=target).count() == args.requirements
    assert Section.objects.filter(procurement=target).count() == 40
    assert (
        RequirementLink.objects.filter(source__procurement=target).count()
        == RequirementLink.objects.filter(source__procurement=source).count()
    )


if __name__ == "__main__":
    main()
