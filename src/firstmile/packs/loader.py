"""Loading an operator pack: read every file, validate every section, report every issue.

A pack is a folder of data. `pack.yaml` holds its metadata; every other section belongs to a
domain, which registers it with `section(...)`: the file (or folder of files) it reads, the
pydantic model one file must match, and the function that stores the validated data.
Validation finishes for every file before anything is stored, and the store runs in the
caller's transaction, so a pack with any error changes nothing.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from firstmile.kit.db import Session, forget_memo
from firstmile.kit.errors import InvalidInput
from firstmile.kit.i18n import SUPPORTED_LOCALES, is_supported
from firstmile.kit.time import utcnow
from firstmile.packs.models import Pack
from firstmile.packs.yamlfile import LoadedYaml, PackIssue, read_yaml

PACKS_DIR = Path(__file__).resolve().parent
_META_KEY = "pack_meta"  # Session.info key of the cached PackMeta
# Domains that register pack sections in their `pack.py`.
SECTION_MODULES = (
    "firstmile.catalog.pack",
    "firstmile.provisioning.pack",
    "firstmile.contracts.pack",
    "firstmile.appointments.pack",
    "firstmile.messaging.pack",
    "firstmile.messaging.segments.pack",
    "firstmile.messaging.offers",
    "firstmile.kyc.pack",
    "firstmile.journeys.pack",
    "firstmile.care.pack",
)


class PackMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    default_locale: str = "en"
    locales: list[str] = Field(default_factory=lambda: list(SUPPORTED_LOCALES))
    timezone: str = "Europe/Prague"
    cooling_off_days: int = Field(default=14, ge=0, le=90)
    # The right of withdrawal is the consumer's (EU Directive 2011/83/EU); an operator may
    # grant it to business accounts too.
    cooling_off_business: bool = False
    operator: dict[str, str] = Field(default_factory=dict)

    def cooling_off_for(self, account_kind: str | None) -> int:
        """Days a contract of this account kind may be withdrawn from after signing (0: none);
        a snapshot without a kind is a residential one's."""
        residential = account_kind in (None, "residential")
        return self.cooling_off_days if residential or self.cooling_off_business else 0

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str]) -> list[str]:
        unknown = [loc for loc in value if not is_supported(loc)]
        if unknown:
            raise ValueError(f"unsupported locales: {', '.join(unknown)}")
        return value


Store = Callable[[Session, PackMeta, list[tuple[LoadedYaml, Any]]], None]


@dataclass
class Section:
    name: str
    pattern: str  # a file ("catalog.yaml") or a glob ("devices/*.yaml")
    model: type[BaseModel]
    store: Store
    required: bool = True
    order: int = 100
    check: Callable[[PackMeta, list[tuple[LoadedYaml, Any]]], list[PackIssue]] | None = None


_sections: dict[str, Section] = {}
Parts = dict[str, list[tuple[LoadedYaml, Any]]]
# Checks across sections (a catalog's device model must be one of devices.yaml); they run
# once every section has parsed without an issue.
_cross_checks: list[Callable[[PackMeta, Parts], list[PackIssue]]] = []


def cross_check(
    check: Callable[[PackMeta, Parts], list[PackIssue]],
) -> Callable[[PackMeta, Parts], list[PackIssue]]:
    _cross_checks.append(check)
    return check


def section(sec: Section) -> Section:
    _sections[sec.name] = sec
    return sec


def sections() -> list[Section]:
    for module in SECTION_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


@dataclass
class ValidatedPack:
    path: Path
    meta: PackMeta
    parts: dict[str, list[tuple[LoadedYaml, Any]]] = field(default_factory=dict)
    digest: str = ""


class PackInvalid(InvalidInput):
    code = "pack_invalid"

    def __init__(self, issues: list[PackIssue]) -> None:
        super().__init__(
            f"the pack has {len(issues)} error(s)",
            field="pack",
            issues=[str(i) for i in issues],
        )
        self.issues = issues


def resolve(path_or_code: str | Path) -> Path:
    """A folder path, or the code of a pack shipped with firstmile (telco, energy)."""
    candidate = Path(path_or_code)
    if candidate.is_dir():
        return candidate.resolve()
    shipped = PACKS_DIR / str(path_or_code)
    if shipped.is_dir():
        return shipped
    raise InvalidInput(f"no pack folder at {path_or_code}", field="path")


def _issues_from(loaded: LoadedYaml, exc: ValidationError, base: Path) -> list[PackIssue]:
    rel = str(loaded.path.relative_to(base))
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        out.append(PackIssue(rel, loaded.line_of(loc), ".".join(map(str, loc)), err["msg"]))
    return out


def read_part(
    path: Path, base: Path, model: type[BaseModel], issues: list[PackIssue]
) -> tuple[LoadedYaml, Any] | None:
    """One file read and validated against `model`; None, with its issues, when it is not."""
    rel = str(path.relative_to(base))
    try:
        loaded = read_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        issues.append(PackIssue(rel, line, "", f"YAML syntax: {getattr(exc, 'problem', exc)}"))
        return None
    try:
        return loaded, model.model_validate(loaded.data)
    except ValidationError as exc:
        issues.extend(_issues_from(loaded, exc, base))
        return None


def validate(path_or_code: str | Path) -> ValidatedPack:
    """Read and check a whole pack; raises PackInvalid listing every issue found."""
    base = resolve(path_or_code)
    issues: list[PackIssue] = []
    meta_file = base / "pack.yaml"
    if not meta_file.exists():
        raise PackInvalid([PackIssue("pack.yaml", 1, "", "missing: every pack needs pack.yaml")])
    meta_read = read_part(meta_file, base, PackMeta, issues)
    if meta_read is None:
        raise PackInvalid(issues)
    meta: PackMeta = meta_read[1]
    pack = ValidatedPack(base, meta)
    for sec in sections():
        files = sorted(base.glob(sec.pattern))
        if not files and sec.required:
            issues.append(PackIssue(sec.pattern, 1, "", f"missing: section {sec.name} is required"))
        parts = []
        for file in files:
            result = read_part(file, base, sec.model, issues)
            if result is not None:
                parts.append(result)
        if sec.check is not None and len(parts) == len(files):
            issues.extend(sec.check(meta, parts))
        pack.parts[sec.name] = parts
    if not issues:
        for check in _cross_checks:
            issues.extend(check(meta, pack.parts))
    if issues:
        raise PackInvalid(issues)
    pack.digest = digest_of(base)
    return pack


def digest_of(base: Path) -> str:
    """One hash over pack.yaml and every file a section reads, in a fixed order."""
    digest = hashlib.sha256((base / "pack.yaml").read_bytes())
    for sec in sections():
        for file in sorted(base.glob(sec.pattern)):
            digest.update(file.read_bytes())
    return digest.hexdigest()


def load(db: Session, path_or_code: str | Path) -> Pack:
    """Validate, then store every section in the caller's transaction."""
    pack = validate(path_or_code)
    db.info.pop(_META_KEY, None)
    forget_memo(db)
    for sec in sections():
        sec.store(db, pack.meta, pack.parts.get(sec.name, []))
    row = db.get(Pack, pack.meta.code)
    if row is None:
        row = Pack(code=pack.meta.code)
        db.add(row)
    row.name, row.path, row.digest = pack.meta.name, str(pack.path), pack.digest
    row.loaded_at = utcnow()
    row.meta = pack.meta.model_dump(mode="json")
    db.flush()
    db.info.pop(_META_KEY, None)  # a different pack may be in force now
    forget_memo(db)
    return row


def changed_on_disk(row: Pack) -> bool:
    """Whether the folder the pack was loaded from now holds different files."""
    folder = Path(row.path)
    if not (folder / "pack.yaml").is_file():
        return False
    return digest_of(folder) != row.digest


def current(db: Session) -> Pack | None:
    """The pack in force (the most recently loaded one)."""
    from sqlalchemy import select

    return db.scalar(select(Pack).order_by(Pack.loaded_at.desc()).limit(1))


def current_meta(db: Session) -> PackMeta:
    """The metadata of the pack in force, read once per session (a request, a job): many
    domains ask for it several times while handling one request."""
    cached: PackMeta | None = db.info.get(_META_KEY)
    if cached is not None:
        return cached
    row = current(db)
    if row is None:
        raise InvalidInput("no operator pack is loaded; run `firstmile pack load`", field="pack")
    meta = PackMeta.model_validate(row.meta)
    db.info[_META_KEY] = meta
    return meta
