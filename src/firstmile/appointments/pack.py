"""The pack's `appointments.yaml`: agent calendars and technician areas.

```yaml
timezone: Europe/Prague        # optional; the pack's time zone by default
horizon_days: 28               # slots are kept this many days ahead
closed: [2026-12-24]           # local dates with no slots (public holidays)
agents:
  - code: sales-praha
    kind: sales                # sales | care
    name: {en: ..., ja: ..., cs: ..., sv: ..., ar: ...}
    languages: [cs, en]
    slot_minutes: 30
    hours: {mon: ["09:00-12:00", "13:00-17:00"], ...}
technician_areas:
  - code: praha
    name: {...}
    postcodes: ["1"]           # postcode prefixes, spaces ignored
    crews: 3                   # visits per slot
    windows: ["08:00-12:00", "12:00-16:00"]
    weekdays: [mon, tue, wed, thu, fri]
```
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from firstmile.appointments import schedule
from firstmile.appointments.models import CalendarKind
from firstmile.appointments.schemas import CalendarDefinition
from firstmile.kit.db import Session
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _all_locales(texts: dict[str, str]) -> dict[str, str]:
    missing = [loc for loc in SUPPORTED_LOCALES if not texts.get(loc, "").strip()]
    if missing:
        raise ValueError(f"text missing in locale(s): {', '.join(missing)}")
    return texts


def _window(text: str) -> str:
    first, last = schedule.parse_window(text)
    return f"{first:%H:%M}-{last:%H:%M}"


def _language(code: str) -> str:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"{code!r} is not a known language code") from None
    return code


Texts = Annotated[dict[str, str], AfterValidator(_all_locales)]
Window = Annotated[str, AfterValidator(_window)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$"), AfterValidator(_language)]
Prefix = Annotated[str, Field(pattern=r"^[0-9A-Z]{1,8}$")]


def _no_overlap(windows: list[str]) -> list[str]:
    spans = sorted(schedule.parse_window(w) for w in windows)
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise ValueError("windows overlap")
    return windows


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentCalendarSpec(_Strict):
    code: Code
    kind: Literal["sales", "care"]
    name: Texts
    languages: list[Language] = Field(min_length=1)
    slot_minutes: int = Field(ge=10, le=240)
    capacity: int = Field(default=1, ge=1, le=50)
    hours: dict[Weekday, Annotated[list[Window], AfterValidator(_no_overlap)]] = Field(min_length=1)


class TechnicianAreaSpec(_Strict):
    code: Code
    name: Texts
    postcodes: list[Prefix] = Field(min_length=1)
    crews: int = Field(ge=1, le=200)
    windows: Annotated[list[Window], AfterValidator(_no_overlap)] = Field(min_length=1)
    weekdays: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)


class AppointmentsFile(_Strict):
    timezone: str | None = None
    horizon_days: int = Field(default=28, ge=1, le=180)
    closed: list[date] = []
    agents: list[AgentCalendarSpec] = []
    technician_areas: list[TechnicianAreaSpec] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"unknown time zone {value!r}")
        return value


def _iso(day: str) -> str:
    return str(WEEKDAYS.index(day) + 1)


def _agent(spec: AgentCalendarSpec, meta: PackMeta, doc: AppointmentsFile) -> CalendarDefinition:
    return CalendarDefinition(
        code=spec.code,
        kind=CalendarKind(spec.kind),
        name=dict(spec.name),
        languages=list(spec.languages),
        timezone=doc.timezone or meta.timezone,
        country=meta.country,
        postcode_prefixes=[],
        capacity=spec.capacity,
        horizon_days=doc.horizon_days,
        rules={
            "weekdays": {_iso(d): [w.split("-") for w in ws] for d, ws in spec.hours.items()},
            "slot_minutes": spec.slot_minutes,
        },
        closed_dates=[d.isoformat() for d in doc.closed],
    )


def _area(spec: TechnicianAreaSpec, meta: PackMeta, doc: AppointmentsFile) -> CalendarDefinition:
    windows = [w.split("-") for w in spec.windows]
    return CalendarDefinition(
        code=spec.code,
        kind=CalendarKind.TECHNICIAN,
        name=dict(spec.name),
        languages=[],
        timezone=doc.timezone or meta.timezone,
        country=meta.country,
        postcode_prefixes=list(spec.postcodes),
        capacity=spec.crews,
        horizon_days=doc.horizon_days,
        rules={"weekdays": {_iso(d): windows for d in spec.weekdays}, "slot_minutes": None},
        closed_dates=[d.isoformat() for d in doc.closed],
    )


def _duplicates(
    loaded: LoadedYaml, values: Sequence[tuple[tuple[str | int, ...], str]], what: str
) -> list[PackIssue]:
    seen: set[str] = set()
    issues = []
    for loc, value in values:
        if value in seen:
            field = ".".join(map(str, loc))
            issues.append(
                PackIssue(loaded.path.name, loaded.line_of(loc), field, f"{what} {value!r} again")
            )
        seen.add(value)
    return issues


def check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    """Calendar codes unique across agents and areas; each postcode prefix in one area only."""
    issues: list[PackIssue] = []
    for loaded, doc in parts:
        codes = [(("agents", i, "code"), a.code) for i, a in enumerate(doc.agents)]
        codes += [
            (("technician_areas", i, "code"), a.code) for i, a in enumerate(doc.technician_areas)
        ]
        issues += _duplicates(loaded, codes, "calendar code")
        prefixes = [
            (("technician_areas", i, "postcodes", j), p)
            for i, area in enumerate(doc.technician_areas)
            for j, p in enumerate(area.postcodes)
        ]
        issues += _duplicates(loaded, prefixes, "postcode prefix")
    return issues


def store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    from firstmile.appointments import service
    from firstmile.auth.scopes import SYSTEM

    definitions: list[CalendarDefinition] = []
    for _loaded, doc in parts:
        definitions += [_agent(a, meta, doc) for a in doc.agents]
        definitions += [_area(a, meta, doc) for a in doc.technician_areas]
    service.load_calendars(db, pack=meta.code, definitions=definitions, actor=SYSTEM)


section(
    Section(
        name="appointments",
        pattern="appointments.yaml",
        model=AppointmentsFile,
        store=store,
        required=False,
        order=200,
        check=check,
    )
)
