"""Loading lists, screening customers, reviewers' decisions and re-screening, on a real
database (the schema built by the migrations)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import cli_actor
from firstmile.kit.errors import InvalidInput
from firstmile.kyc.screening import service
from firstmile.kyc.screening.entries import ListedName, NameKind, Schema
from firstmile.kyc.screening.errors import HitAlreadyDecided
from firstmile.kyc.screening.models import HitDecision, HitStatus, ListEntry
from tests.kyc.screening import factories as f

ACTOR = cli_actor()


def load_all(db: Session) -> None:
    service.load_file(db, "un", f.DATA / "un.xml")
    service.load_file(db, "eu", f.DATA / "eu.xml")
    service.load_file(db, "ofac", f.DATA)
    service.load_file(db, "ftm", f.DATA / "entities.ftm.json", source="opensanctions")


def hit_ids(matches: list[service.Match]) -> list[tuple[str, str]]:
    return [(m.listing.source, m.listing.external_id) for m in matches]


def test_a_reload_of_the_same_file_changes_nothing(db: Session) -> None:
    first = service.load_file(db, "un", f.DATA / "un.xml")
    assert (len(first.added), first.unchanged) == (4, 0)
    again = service.load_file(db, "un", f.DATA / "un.xml")
    assert (again.added, again.changed, again.removed, again.unchanged) == ([], [], [], 4)
    assert again.load_id != first.load_id


def test_a_reload_adds_changes_and_removes_by_id_and_content(db: Session) -> None:
    service.load_entries(
        db, "test", "ftm", [f.entry("A", "Omar Yusuf"), f.entry("B", "Ivan Petrov")]
    )
    result = service.load_entries(
        db,
        "test",
        "ftm",
        [f.entry("A", "Omar Yusuf", birth_dates=("1968",)), f.entry("C", "Li Wei")],
    )
    rows = {r.external_id: r for r in db.scalars(select(ListEntry))}
    assert result.added == [rows["C"].id]
    assert result.changed == [rows["A"].id]
    assert result.removed == [rows["B"].id]
    assert rows["B"].removed_at is not None
    back = service.load_entries(db, "test", "ftm", [f.entry("B", "Ivan Petrov")])
    assert back.changed == [rows["B"].id]  # a removed entry that returns counts as changed
    assert rows["B"].removed_at is None


def test_matches_across_scripts(db: Session) -> None:
    load_all(db)
    assert hit_ids(service.match(db, "خالد أحمد الفلاني"))[0] == ("un", "1001")
    assert hit_ids(service.match(db, "Иван Сидоренко"))[0] == ("un", "1002")
    assert hit_ids(service.match(db, "やまだ たろう"))[0] == ("opensanctions", "pep-jp-1")
    assert hit_ids(service.match(db, "Hiroshi Yamakawa"))[0] == ("un", "1003")
    assert ("ofac", "7002") in hit_ids(service.match(db, "Dmitry Morozov"))


def test_a_hit_explains_itself(db: Session) -> None:
    load_all(db)
    [best, *_] = service.match(db, "Umar Yousuf Al Rashidi", birth_date=date(1968, 2, 1))
    explained = best.to_dict()
    assert explained["entry"]["source"] in ("ofac", "opensanctions")
    assert explained["name"]["query"] == "Umar Yousuf Al Rashidi"
    methods = {t["method"] for t in explained["name"]["tokens"]}
    assert methods <= {"exact", "variant", "spelling", "edit distance"}
    assert explained["birth_date"]["effect"] > 0
    assert 0 <= explained["score"] <= 1
    assert explained["threshold"] == 0.8


def test_birth_date_and_nationality_move_the_score(db: Session) -> None:
    load_all(db)

    def score(born: date | None = None, country: str | None = None) -> float:
        found = service.match(db, "Ivan Sidorenko", birth_date=born, country=country, threshold=0.5)
        return next(m.score for m in found if m.listing.external_id == "1002")

    plain = score()
    assert score(born=date(1961, 6, 1)) > plain  # within 1960/1962
    assert score(born=date(1990, 6, 1)) < plain
    assert score(country="RU") > plain > score(country="FR")


def test_schema_keeps_persons_and_companies_apart(db: Session) -> None:
    load_all(db)
    assert hit_ids(service.match(db, "Northern Star Trading", schema=Schema.COMPANY)) == [
        ("un", "2001")
    ]
    assert service.match(db, "Northern Star Trading", schema=Schema.PERSON) == []


def test_an_unknown_name_has_no_hits(db: Session) -> None:
    load_all(db)
    assert service.match(db, "Eva Nováková") == []


def test_a_loaded_list_is_seen_by_the_next_screening(db: Session) -> None:
    assert service.match(db, "Omar Yusuf al-Rashidi") == []
    service.load_file(db, "ofac", f.DATA)
    assert hit_ids(service.match(db, "Omar Yusuf al-Rashidi")) == [("ofac", "7001")]


def test_screening_a_customer_records_an_open_hit_once(db: Session) -> None:
    load_all(db)
    customer = f.customer(db)
    first = service.screen_customer(
        db, customer.id, "Svetlana Morozova", date(1975, 7, 7), "RU", "person"
    )
    assert [(h.status, h.explanation["entry"]["external_id"]) for h in first] == [
        (HitStatus.OPEN, "5001")
    ]
    again = service.screen_customer(
        db, customer.id, "Svetlana Morozova", date(1975, 7, 7), "RU", "person"
    )
    assert [h.id for h in again] == [first[0].id]
    assert len(service.hits_of(db, customer.id)) == 1


def test_a_false_positive_stays_silent_until_the_entry_changes(db: Session) -> None:
    service.load_entries(db, "test", "ftm", [f.entry("A", "Omar Yusuf al-Rashidi")])
    customer = f.customer(db)
    [hit] = service.screen_customer(db, customer.id, "Omar Yusuf Rashidi", None, None, None)
    service.mark_false_positive(db, hit.id, ACTOR, "another Omar: born 1990, Danish")
    assert service.screen_customer(db, customer.id, "Omar Yusuf Rashidi", None, None, None) == []
    changed = f.entry("A", "Omar Yusuf al-Rashidi", "Abu Yusuf")
    result = service.load_entries(db, "test", "ftm", [changed])
    [new] = service.rescreen_after_load(db, result)
    assert new.id != hit.id
    assert new.status == HitStatus.OPEN
    assert [h.status for h in service.hits_of(db, customer.id)] == [
        HitStatus.FALSE_POSITIVE,
        HitStatus.OPEN,
    ]


def test_a_confirmed_hit_is_returned_again_and_not_duplicated(db: Session) -> None:
    service.load_entries(db, "test", "ftm", [f.entry("A", "Omar Yusuf al-Rashidi")])
    customer = f.customer(db)
    [hit] = service.screen_customer(db, customer.id, "Omar al-Rashidi", None, None, None)
    service.confirm(db, hit.id, ACTOR, "same passport number as the listing")
    assert [
        h.id for h in service.screen_customer(db, customer.id, "Omar al-Rashidi", None, None, None)
    ] == [hit.id]
    decisions = list(db.scalars(select(HitDecision)))
    assert [(d.decision, d.actor, d.note) for d in decisions] == [
        (HitStatus.CONFIRMED, ACTOR.ref, "same passport number as the listing")
    ]


def test_a_decided_hit_cannot_be_decided_again(db: Session) -> None:
    service.load_entries(db, "test", "ftm", [f.entry("A", "Omar Yusuf al-Rashidi")])
    customer = f.customer(db)
    [hit] = service.screen_customer(db, customer.id, "Omar al-Rashidi", None, None, None)
    with pytest.raises(InvalidInput, match="say why"):
        service.mark_false_positive(db, hit.id, ACTOR, " ")
    service.mark_false_positive(db, hit.id, ACTOR, "not him")
    with pytest.raises(HitAlreadyDecided):
        service.confirm(db, hit.id, ACTOR, "changed my mind")


def test_rescreening_after_a_load_looks_only_at_new_and_changed_entries(db: Session) -> None:
    service.load_entries(db, "test", "ftm", [f.entry("A", "Omar Yusuf al-Rashidi")])
    omar, ivan = f.customer(db), f.customer(db)
    [hit] = service.screen_customer(db, omar.id, "Omar Yusuf al-Rashidi", None, None, None)
    assert service.screen_customer(db, ivan.id, "Ivan Sidorenko", None, "RU", "person") == []
    result = service.load_entries(
        db, "test", "ftm", [f.entry("A", "Omar Yusuf al-Rashidi"), f.entry("B", "Иван Сидоренко")]
    )
    assert (len(result.added), result.unchanged) == (1, 1)
    new = service.rescreen_after_load(db, result)
    assert [(h.customer_id, h.explanation["entry"]["external_id"]) for h in new] == [(ivan.id, "B")]
    assert service.rescreen_after_load(db, service.load_entries(db, "test", "ftm", [
        f.entry("A", "Omar Yusuf al-Rashidi"), f.entry("B", "Иван Сидоренко")
    ])) == []  # fmt: skip
    assert service.hits_of(db, omar.id) == [hit]


def test_describe_gives_a_reviewer_one_line(db: Session) -> None:
    load_all(db)
    customer = f.customer(db)
    hits = service.screen_customer(
        db, customer.id, "Svetlana Morozova", date(1975, 7, 7), "DE", "person"
    )
    line = service.describe(hits[0])
    assert line.startswith("EU 5001 Svetlana Ivanovna Morozova (sanction): ")
    assert "same date of birth 1975-07-07 (+0.1)" in line
    assert "DE, listed RU (-0.1)" in line


def test_invalid_input_names_the_field(db: Session) -> None:
    with pytest.raises(InvalidInput) as raised:
        service.match(db, "Omar", country="Iraq")
    assert raised.value.field == "nationality"
    with pytest.raises(InvalidInput) as raised:
        service.match(db, "Omar", threshold=1.5)
    assert raised.value.field == "threshold"
    with pytest.raises(InvalidInput) as raised:
        service.screen_customer(db, "x", "Omar", None, None, "vessel?")
    assert raised.value.field == "schema"


def test_a_weak_alias_counts_less(db: Session) -> None:
    service.load_file(db, "un", f.DATA / "un.xml")
    [match] = service.match(db, "Abu Omar")
    assert match.listed == ListedName("Abu Omar", NameKind.WEAK)
    assert (match.comparison.score, match.score) == (1.0, 0.9)


def test_a_japanese_holders_kanji_name_matches_its_latin_listing(db: Session) -> None:
    from firstmile.kyc.screening.entries import Schema
    from firstmile.kyc.screening.matching import Query, search

    service.load_entries(db, "ofac", "ofac", [f.entry("9001", "SUZUKI, Ichiro")])
    index = service.current_index(db)
    found = search(index, Query("鈴木一郎", None, "JP", Schema.PERSON))
    assert [m.listing.external_id for m in found] == ["9001"]
    assert search(index, Query("鈴木一郎", None, "CN", Schema.PERSON)) == []  # read as Chinese
