"""Screening benchmark: synthetic lists the size of the UN consolidated list (~1,000 entries,
~3,000 names) and OFAC's SDN list (~18,000 entries, ~30,000 names with alt.csv aliases),
written in their published formats, loaded through the real loaders into a fresh database,
then screened: screenings per second on one core and latency percentiles over a mix of
queries (hits and misses; Latin, Arabic, Cyrillic and kana names; persons and companies).

Everything is generated from a seed (no network). Each screening is `service.match`: the
list-version check (one query), candidate retrieval from the in-memory index and the full
comparison with explanations. The index build is measured on its own (the first screening
after a load pays it). Prints a table and, on its last line, one JSON object.

    uv run python bench/screening.py                      # SQLite file in a temp folder
    uv run python bench/screening.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import migrate
from firstmile.kit.db import make_engine, make_sessionmaker
from firstmile.kyc.screening import service

# (Latin, original script) name parts; the script form is how a customer may type it.
ARABIC_GIVEN = [
    ("Muhammad", "محمد"), ("Ahmad", "أحمد"), ("Ali", "علي"), ("Hassan", "حسن"),
    ("Hussein", "حسين"), ("Omar", "عمر"), ("Khalid", "خالد"), ("Ibrahim", "إبراهيم"),
    ("Youssef", "يوسف"), ("Abdullah", "عبد الله"), ("Mustafa", "مصطفى"), ("Mahmoud", "محمود"),
    ("Said", "سعيد"), ("Karim", "كريم"), ("Nasser", "ناصر"), ("Salim", "سالم"),
    ("Tariq", "طارق"), ("Walid", "وليد"), ("Jamal", "جمال"), ("Faisal", "فيصل"),
    ("Hamza", "حمزة"), ("Bilal", "بلال"), ("Ziad", "زياد"), ("Rashid", "راشد"),
    ("Samir", "سمير"), ("Adel", "عادل"), ("Nabil", "نبيل"), ("Majid", "ماجد"),
]  # fmt: skip
ARABIC_FAMILY = [
    ("Al-Masri", "المصري"), ("Haddad", "حداد"), ("Khoury", "خوري"), ("Mansour", "منصور"),
    ("Saleh", "صالح"), ("Hamdan", "حمدان"), ("Al-Tamimi", "التميمي"), ("Barakat", "بركات"),
    ("Al-Shammari", "الشمري"), ("Al-Zahrani", "الزهراني"), ("Darwish", "درويش"),
    ("Ghanem", "غانم"), ("Habib", "حبيب"), ("Jaber", "جابر"), ("Najjar", "نجار"),
    ("Sabbagh", "صباغ"), ("Yassin", "ياسين"), ("Qureshi", "قريشي"), ("Obeid", "عبيد"),
]  # fmt: skip
RUSSIAN_GIVEN = [
    ("Aleksandr", "Александр"), ("Sergei", "Сергей"), ("Dmitry", "Дмитрий"),
    ("Andrei", "Андрей"), ("Alexei", "Алексей"), ("Vladimir", "Владимир"),
    ("Mikhail", "Михаил"), ("Ivan", "Иван"), ("Nikolai", "Николай"), ("Yuri", "Юрий"),
    ("Oleg", "Олег"), ("Igor", "Игорь"), ("Viktor", "Виктор"), ("Pavel", "Павел"),
    ("Roman", "Роман"), ("Yevgeny", "Евгений"), ("Boris", "Борис"),
    ("Konstantin", "Константин"),
]  # fmt: skip
RUSSIAN_FAMILY = [
    ("Ivanov", "Иванов"), ("Smirnov", "Смирнов"), ("Kuznetsov", "Кузнецов"),
    ("Popov", "Попов"), ("Vasiliev", "Васильев"), ("Petrov", "Петров"), ("Sokolov", "Соколов"),
    ("Novikov", "Новиков"), ("Fedorov", "Федоров"), ("Morozov", "Морозов"),
    ("Volkov", "Волков"), ("Lebedev", "Лебедев"), ("Kozlov", "Козлов"), ("Orlov", "Орлов"),
    ("Makarov", "Макаров"), ("Nikitin", "Никитин"), ("Zakharov", "Захаров"),
]  # fmt: skip
JAPANESE_GIVEN = [
    ("Hiroshi", "ヒロシ"), ("Takeshi", "タケシ"), ("Kenji", "ケンジ"), ("Yuki", "ユキ"),
    ("Akira", "アキラ"),
    ("Ichiro", "イチロウ"), ("Kazuo", "カズオ"), ("Makoto", "マコト"), ("Satoshi", "サトシ"),
    ("Naoko", "ナオコ"), ("Keiko", "ケイコ"), ("Ryo", "リョウ"),
]  # fmt: skip
JAPANESE_FAMILY = [
    ("Sato", "サトウ"), ("Suzuki", "スズキ"), ("Takahashi", "タカハシ"), ("Tanaka", "タナカ"),
    ("Watanabe", "ワタナベ"), ("Yamamoto", "ヤマモト"), ("Nakamura", "ナカムラ"),
    ("Kobayashi", "コバヤシ"),
    ("Yoshida", "ヨシダ"), ("Yamada", "ヤマダ"), ("Inoue", "イノウエ"),
]  # fmt: skip
LATIN_GIVEN = [
    "John", "James", "Robert", "Michael", "David", "Carlos", "José", "Luis", "Juan", "Pierre",
    "Jean", "Hans", "Peter", "Marco", "Giovanni", "Mehmet", "Ahmet", "Wei", "Min", "Jorge",
    "Antonio", "Francisco", "Stefan", "Tomás", "Andrés",
]  # fmt: skip
LATIN_FAMILY = [
    "Smith", "García", "Rodríguez", "Martínez", "López", "González", "Müller", "Schmidt",
    "Rossi", "Russo", "Dubois", "Martin", "Yılmaz", "Kaya", "Demir", "Nguyen", "Tran", "Kim",
    "Park", "Chen", "Wang", "Zhang", "Fernández",
]  # fmt: skip
SECTORS = [
    "Trading", "Shipping", "Import Export", "Petroleum", "Bank", "Investment", "Logistics",
    "Engineering", "Industries", "Holding", "Maritime", "General Trading",
]  # fmt: skip
FORMS = ["LLC", "Ltd", "Company", "Co.", "JSC", "FZE", "S.A.", "GmbH", "Corporation", ""]
SYLLABLES = "ka ri so ma lu ven tor al bra zi nek dor mi sha pol ra gan te vo lin qa dem ur ko"
SCRIPTS = (
    ("arabic", ARABIC_GIVEN, ARABIC_FAMILY),
    ("cyrillic", RUSSIAN_GIVEN, RUSSIAN_FAMILY),
    ("kana", JAPANESE_GIVEN, JAPANESE_FAMILY),
)


@dataclass
class Person:
    latin: str  # as the list writes it
    script: str  # the same name in its original script ("" for Latin names)
    aliases: list[str]
    birth: str  # YYYY-MM-DD


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES.split()) for _ in range(rng.randint(2, 3))).capitalize()


def person(rng: random.Random) -> Person:
    """A person: 60% from a non-Latin pool (with its script form), 40% Latin; the family
    name is made unique enough by a generated word half of the time, as real lists are
    mostly rare names with a few very common ones."""
    birth = f"{rng.randint(1940, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    unusual = word(rng)
    if rng.random() < 0.6:
        _script, given, family = rng.choice(SCRIPTS)
        (g1, s1), (g2, s2), (f1, sf) = rng.choice(given), rng.choice(given), rng.choice(family)
        if rng.random() < 0.5:
            aliases = [f"{g1} {f1}", f"{f1.upper()}, {g1} {g2}"]
            return Person(f"{g1} {g2} {f1}", f"{s1} {s2} {sf}", aliases, birth)
        return Person(f"{g1} {unusual} {f1}", "", [f"{g1} {unusual}", f"{unusual} {f1}"], birth)
    given, family = rng.choice(LATIN_GIVEN), rng.choice(LATIN_FAMILY)
    surname = family if rng.random() < 0.5 else unusual
    return Person(
        f"{given} {surname}", "", [f"{given[0]}. {surname}", f"{surname}, {given}"], birth
    )


def company(rng: random.Random) -> tuple[str, list[str]]:
    name = f"{word(rng)} {rng.choice(SECTORS)} {rng.choice(FORMS)}".strip()
    return name, [name.replace("Trading", "Trade")] if rng.random() < 0.5 else []


def write_un(path: Path, rng: random.Random, count: int) -> list[Person]:
    people: list[Person] = []
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n']
    for number in range(count):
        one = person(rng)
        people.append(one)
        names = one.latin.split()
        fields = "".join(
            f"<{tag}>{escape(value)}</{tag}>"
            for tag, value in zip(("FIRST_NAME", "SECOND_NAME", "THIRD_NAME"), names, strict=False)
        )
        original = (
            f"<NAME_ORIGINAL_SCRIPT>{escape(one.script)}</NAME_ORIGINAL_SCRIPT>"
            if one.script
            else ""
        )
        aliases = "".join(
            f"<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>{escape(a)}</ALIAS_NAME></INDIVIDUAL_ALIAS>"
            for a in [*one.aliases, f"Abu {word(rng)}"]
        )
        parts.append(
            f"<INDIVIDUAL><DATAID>{100000 + number}</DATAID>{fields}{original}"
            f"<REFERENCE_NUMBER>QDi.{number}</REFERENCE_NUMBER>{aliases}"
            f"<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>{one.birth}</DATE>"
            "</INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>\n"
        )
    parts.append("</INDIVIDUALS>\n<ENTITIES/>\n</CONSOLIDATED_LIST>\n")
    path.write_text("".join(parts), encoding="utf-8")
    return people


def write_ofac(folder: Path, rng: random.Random, count: int) -> tuple[list[Person], list[str]]:
    people: list[Person] = []
    companies: list[str] = []
    with (
        (folder / "sdn.csv").open("w", newline="", encoding="utf-8") as sdn,
        (folder / "alt.csv").open("w", newline="", encoding="utf-8") as alt,
    ):
        sdn_out, alt_out = csv.writer(sdn), csv.writer(alt)
        alt_number = 1
        for number in range(1, count + 1):
            if rng.random() < 0.5:
                one = person(rng)
                people.append(one)
                kind, name, aliases = "individual", one.latin, list(one.aliases)
                remarks = f"DOB {one.birth}; nationality Iran."
            else:
                name, aliases = company(rng)
                companies.append(name)
                kind, remarks = "-0- ", "-0- "
            sdn_out.writerow([number, name, kind, "SDGT", *["-0- "] * 7, remarks])
            for alias in aliases[: rng.randint(0, 2)]:
                alt_out.writerow([number, alt_number, "aka", alias, "-0- "])
                alt_number += 1
    return people, companies


def queries(
    rng: random.Random, people: list[Person], companies: list[str], count: int
) -> list[tuple[str, bool]]:
    """(name, expected to hit): half listed names as customers type them (script form,
    reordered, lower case), half names not listed."""
    out: list[tuple[str, bool]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            one = rng.choice(people)
            variants = [one.latin, " ".join(reversed(one.latin.split())), one.latin.lower()]
            out.append(
                (one.script if one.script and rng.random() < 0.5 else rng.choice(variants), True)
            )
        elif roll < 0.5:
            out.append((rng.choice(companies), True))
        else:
            _script, given, family = rng.choice(SCRIPTS)
            use_script = rng.random() < 0.5
            g, f = rng.choice(given), rng.choice(family)
            name = (
                f"{g[1]} {word(rng)} {f[1]}"
                if use_script
                else f"{rng.choice(LATIN_GIVEN)} {word(rng)}"
            )
            out.append((name, False))
    return out


def main() -> None:
    args = parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        un_people = write_un(folder / "un.xml", rng, args.un_entries)
        ofac_people, companies = write_ofac(folder, rng, args.ofac_entries)
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        numbers = run(sessions, folder, rng, un_people + ofac_people, companies, args)
        engine.dispose()
    report(numbers, url)


def run(
    sessions: sessionmaker[Session],
    folder: Path,
    rng: random.Random,
    people: list[Person],
    companies: list[str],
    args: argparse.Namespace,
) -> dict[str, object]:
    numbers: dict[str, object] = {}
    with sessions() as db:
        for fmt, path in (("un", folder / "un.xml"), ("ofac", folder)):
            started = time.perf_counter()
            result = service.load_file(db, fmt, path)
            db.commit()
            numbers[f"{fmt}_load_s"] = round(time.perf_counter() - started, 2)
            numbers[f"{fmt}_entries"] = len(result.added)
        started = time.perf_counter()
        index = service.current_index(db)
        numbers["index_build_s"] = round(time.perf_counter() - started, 2)
        numbers["names"] = len(index.names)
        numbers["entries"] = len(index.listings)
        mix = queries(rng, people, companies, args.queries)
        numbers |= measure(db, mix)
    return numbers


def measure(db: Session, mix: list[tuple[str, bool]]) -> dict[str, object]:
    """Screen each name once, timing each screening; the share of listed names found."""
    latencies: list[float] = []
    found = expected = 0
    started = time.perf_counter()
    for name, should_hit in mix:
        began = time.perf_counter()
        hits = service.match(db, name)
        latencies.append((time.perf_counter() - began) * 1000)
        expected += should_hit
        found += should_hit and bool(hits)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "queries": len(mix),
        "screenings_per_s": round(len(mix) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * len(latencies)) - 1], 2),
        "p99_ms": round(latencies[int(0.99 * len(latencies)) - 1], 2),
        "max_ms": round(latencies[-1], 2),
        "listed_queries_found": round(found / max(1, expected), 3),
    }


def report(numbers: dict[str, object], url: str) -> None:
    backend = url.split(":", 1)[0]
    print(f"screening benchmark ({backend}, one core)")
    for key, value in numbers.items():
        print(f"  {key:24} {value}")
    print(json.dumps({"benchmark": "screening", "database": backend, **numbers}))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=None, help="default: a SQLite file in a temp folder"
    )
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--un-entries", type=int, default=1000)
    parser.add_argument("--ofac-entries", type=int, default=18000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    main()
