"""Pack section `devices.yaml`: remote activation instructions per device model.

Every text is a {locale: text} map that must cover each locale the pack declares; images are
paths inside the pack folder and must exist. Loading replaces the guides in force.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firstmile.kit.db import Session
from firstmile.packs.loader import PackMeta, Parts, Section, cross_check, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import DeviceGuide

Texts = dict[str, Annotated[str, Field(min_length=1)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceStep(_Strict):
    title: Texts
    body: Texts
    tip: Texts | None = None
    image: str | None = Field(default=None, pattern=r"^devices/[A-Za-z0-9_./-]+\.(svg|png)$")

    @field_validator("image")
    @classmethod
    def _inside_pack(cls, value: str | None) -> str | None:
        if value is not None and ".." in value:
            raise ValueError("must stay inside the pack folder")
        return value


class DeviceModel(_Strict):
    model: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")
    kind: Literal["router", "set_top_box", "smart_meter", "phone"]
    name: Texts
    technician: Literal["required", "optional", "none"] = "none"
    steps: list[DeviceStep] = Field(min_length=1)


class DevicesFile(_Strict):
    devices: list[DeviceModel] = Field(min_length=1)

    @field_validator("devices")
    @classmethod
    def _unique(cls, value: list[DeviceModel]) -> list[DeviceModel]:
        seen: set[str] = set()
        for device in value:
            if device.model in seen:
                raise ValueError(f"device model {device.model!r} appears twice")
            seen.add(device.model)
        return value


def _texts_of(index: int, device: DeviceModel) -> list[tuple[tuple[Any, ...], Texts]]:
    out: list[tuple[tuple[Any, ...], Texts]] = [(("devices", index, "name"), device.name)]
    for n, step in enumerate(device.steps):
        loc = ("devices", index, "steps", n)
        out += [((*loc, "title"), step.title), ((*loc, "body"), step.body)]
        if step.tip is not None:
            out.append(((*loc, "tip"), step.tip))
    return out


def check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    """Every text in every pack locale; every image present in the pack."""
    issues: list[PackIssue] = []
    for loaded, data in parts:
        base = loaded.path.parent
        rel = loaded.path.name
        for index, device in enumerate(data.devices):
            for loc, texts in _texts_of(index, device):
                missing = [locale for locale in meta.locales if locale not in texts]
                if missing:
                    where = ".".join(map(str, loc))
                    message = f"missing locales: {', '.join(missing)}"
                    issues.append(PackIssue(rel, loaded.line_of(loc), where, message))
            for n, step in enumerate(device.steps):
                if step.image is not None and not (base / step.image).is_file():
                    loc = ("devices", index, "steps", n, "image")
                    message = f"image {step.image} is not in the pack"
                    issues.append(
                        PackIssue(rel, loaded.line_of(loc), ".".join(map(str, loc)), message)
                    )
    return issues


@cross_check
def catalog_devices_exist(_meta: PackMeta, parts: Parts) -> list[PackIssue]:
    """Every device model an offering ships must have its guide in devices.yaml."""
    known = {device.model for _loaded, data in parts.get("devices", []) for device in data.devices}
    issues: list[PackIssue] = []
    for loaded, catalog in parts.get("catalog", []):
        for index, offering in enumerate(catalog.offerings):
            spec = offering.service_spec
            for n, model in enumerate(spec.device_models if spec is not None else []):
                if model not in known:
                    loc = ("offerings", index, "service_spec", "device_models", n)
                    message = f"device model {model!r} is not in devices.yaml"
                    where = ".".join(map(str, loc))
                    issues.append(PackIssue(loaded.path.name, loaded.line_of(loc), where, message))
    return issues


def store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    repo.delete_device_guides(db)
    position = 0
    for _loaded, data in parts:
        for device in data.devices:
            db.add(
                DeviceGuide(
                    pack=meta.code,
                    model=device.model,
                    device_kind=device.kind,
                    name=dict(device.name),
                    technician=device.technician,
                    steps=[step.model_dump(mode="json") for step in device.steps],
                    position=position,
                )
            )
            position += 1
    db.flush()


def image_path(pack_path: str, image: str) -> Path | None:
    """The file of a step image inside the loaded pack's folder, if it is there."""
    base = Path(pack_path).resolve()
    candidate = (base / image).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


DEVICES = section(
    Section(
        name="devices",
        pattern="devices.yaml",
        model=DevicesFile,
        store=store,
        required=False,
        order=150,
        check=check,
    )
)
