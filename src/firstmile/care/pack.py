"""The pack's `tutorials/*.yaml`: interactive set-up tutorials, one per file.

```yaml
code: fibre-router            # the file's name without .yaml
title: {en: ..., ja: ..., cs: ..., sv: ..., ar: ...}
summary: {...}
minutes: 15                   # how long it usually takes
applies_to:                   # whom it is for: a service matching every list given
  services: [broadband]       # service kinds (mobile, broadband, tv, electricity, gas)
  device_models: [router-fm-ax3000]   # models of devices.yaml or the catalog's service specs
  sim_types: [esim]           # mobile only: esim | physical
steps:
  - title: {...}
    body: {...}
    tip: {...}                # optional
    shortcut: {...}           # optional
    image: {file: router-back.svg, alt: {...}}   # optional; in tutorials/images/
    needs_active_service: true  # locked until the customer's service is live
```

Every text must cover every locale the pack declares. Images are SVG drawings without text
(words would need translating; the alt text, which is translated, says what they show),
scripts, event handlers or outside references. Each problem is reported with its file and
line. Loading replaces the tutorials in force; customers' progress is kept by code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from xml.etree import ElementTree

import yaml
from pydantic import BaseModel, ConfigDict, Field

from firstmile.care import repository as repo
from firstmile.care.models import Tutorial
from firstmile.kit.db import Session
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue

IMAGES = "tutorials/images"
Texts = dict[str, Annotated[str, Field(min_length=1)]]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]
ServiceKindName = Literal["mobile", "broadband", "tv", "electricity", "gas"]
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_FORBIDDEN_TAGS = frozenset({"script", "foreignObject", "text", "textPath", "tspan", "iframe"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepImage(_Strict):
    file: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}\.svg$")
    alt: Texts


class TutorialStep(_Strict):
    title: Texts
    body: Texts
    tip: Texts | None = None
    shortcut: Texts | None = None
    image: StepImage | None = None
    needs_active_service: bool = False


class AppliesTo(_Strict):
    services: list[ServiceKindName] = Field(min_length=1)
    device_models: list[Code] = []
    sim_types: list[Literal["esim", "physical"]] = []


class TutorialFile(_Strict):
    code: Code
    title: Texts
    summary: Texts
    minutes: int = Field(default=10, ge=1, le=240)
    applies_to: AppliesTo
    steps: list[TutorialStep] = Field(min_length=2, max_length=30)


def _texts(model: TutorialFile) -> Iterator[tuple[tuple[Any, ...], dict[str, str]]]:
    yield ("title",), model.title
    yield ("summary",), model.summary
    for n, step in enumerate(model.steps):
        for name in ("title", "body", "tip", "shortcut"):
            texts = getattr(step, name)
            if texts is not None:
                yield ("steps", n, name), texts
        if step.image is not None:
            yield ("steps", n, "image", "alt"), step.image.alt


def svg_problem(path: Path) -> str | None:
    """Why an image cannot be shown to customers, or None when it can."""
    if not path.is_file():
        return "is not in the pack"
    raw = path.read_text(encoding="utf-8", errors="replace")
    if "<!DOCTYPE" in raw or "<!ENTITY" in raw:
        return "must not declare a DOCTYPE or entities"
    try:
        # the pack is the operator's own data, and entities are refused above
        root = ElementTree.fromstring(raw)  # noqa: S314
    except ElementTree.ParseError as exc:
        return f"is not well-formed SVG: {exc}"
    if root.tag != f"{_SVG}svg" or not root.get("viewBox"):
        return "must be an <svg> element with a viewBox"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in _FORBIDDEN_TAGS:
            return f"must not contain <{tag}> (no text to translate, no scripts)"
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                return f"must not have event handlers ({name})"
            if name in ("href", _XLINK) and not value.startswith("#"):
                return "must not refer to anything outside the drawing"
    return None


def _known_models(base: Path) -> set[str] | None:
    """Device models of the pack's devices.yaml and catalog service specs; None when the
    files cannot be read (their own sections report that)."""
    known: set[str] = set()
    try:
        devices = yaml.safe_load((base / "devices.yaml").read_text(encoding="utf-8")) or {}
        catalog = yaml.safe_load((base / "catalog.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    for device in devices.get("devices") or []:
        if isinstance(device, dict) and isinstance(device.get("model"), str):
            known.add(device["model"])
    for offering in catalog.get("offerings") or []:
        spec = offering.get("service_spec") if isinstance(offering, dict) else None
        if isinstance(spec, dict):
            known.update(str(m) for m in spec.get("device_models") or [])
    return known


def _file_issues(meta: PackMeta, loaded: LoadedYaml, model: TutorialFile) -> list[PackIssue]:
    rel = f"tutorials/{loaded.path.name}"
    base = loaded.path.parent.parent
    issues: list[PackIssue] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        issues.append(PackIssue(rel, loaded.line_of(loc), ".".join(map(str, loc)), message))

    if model.code != loaded.path.stem:
        add(("code",), f"must be the file's name ({loaded.path.stem!r})")
    for loc, texts in _texts(model):
        missing = [locale for locale in meta.locales if locale not in texts]
        if missing:
            add(loc, f"missing locales: {', '.join(missing)}")
    for n, step in enumerate(model.steps):
        if step.image is not None:
            problem = svg_problem(base / IMAGES / step.image.file)
            if problem is not None:
                add(("steps", n, "image", "file"), f"{IMAGES}/{step.image.file} {problem}")
    known = _known_models(base)
    for n, device in enumerate(model.applies_to.device_models):
        if known is not None and device not in known:
            add(("applies_to", "device_models", n), f"unknown device model {device!r}")
    return issues


def check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    for loaded, model in parts:
        issues += _file_issues(meta, loaded, model)
    return issues


def store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    repo.delete_tutorials(db)
    db.flush()
    for position, (_loaded, model) in enumerate(parts):
        steps = [step.model_dump(mode="json") for step in model.steps]
        db.add(
            Tutorial(
                pack=meta.code,
                code=model.code,
                position=position,
                title=dict(model.title),
                summary=dict(model.summary),
                minutes=model.minutes,
                applies_to=model.applies_to.model_dump(mode="json"),
                steps=steps,
            )
        )
    db.flush()


_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}\.svg$")


def image_path(pack_path: str, name: str) -> Path | None:
    """The file of a tutorial image inside the loaded pack's folder, if it is there."""
    if not _NAME.match(name):
        return None
    base = (Path(pack_path) / IMAGES).resolve()
    candidate = (base / name).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


TUTORIALS = section(
    Section(
        name="tutorials",
        pattern="tutorials/*.yaml",
        model=TutorialFile,
        store=store,
        required=False,
        order=160,
        check=check,
    )
)
