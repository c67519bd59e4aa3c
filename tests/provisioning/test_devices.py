from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from firstmile.packs import loader
from firstmile.packs.loader import PackInvalid

Headers = dict[str, str]


def test_lists_device_models_of_the_pack(client: TestClient, agent: Headers, telco: str) -> None:
    answer = client.get("/api/devices", headers=agent)
    assert answer.status_code == 200
    models = {d["model"]: d for d in answer.json()}
    assert {"router-fm-ax3000", "stb-fm-4k", "phone-esim"} <= set(models)
    assert models["router-fm-ax3000"]["technician"] == "required"


def test_instructions_in_arabic_are_right_to_left(
    client: TestClient, agent: Headers, telco: str
) -> None:
    answer = client.get("/api/devices/router-fm-ax3000", params={"locale": "ar"}, headers=agent)
    guide = answer.json()
    assert guide["direction"] == "rtl"
    assert guide["steps"][0]["title"] == "وصّل كابل الألياف الضوئية"
    assert [s["number"] for s in guide["steps"]] == [1, 2, 3]


def test_every_step_has_text_in_every_locale(
    client: TestClient, agent: Headers, telco: str
) -> None:
    for locale in ("en", "ja", "cs", "sv", "ar"):
        for device in client.get("/api/devices", headers=agent).json():
            guide = client.get(
                f"/api/devices/{device['model']}", params={"locale": locale}, headers=agent
            ).json()
            assert guide["steps"]
            assert all(step["title"] and step["body"] for step in guide["steps"])


def test_step_image_is_served_from_the_pack(client: TestClient, agent: Headers, telco: str) -> None:
    guide = client.get("/api/devices/router-fm-ax3000", headers=agent).json()
    image = client.get(guide["steps"][0]["image"], headers=agent)
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in image.content


def test_unknown_device_model_is_404(client: TestClient, agent: Headers, telco: str) -> None:
    assert client.get("/api/devices/toaster", headers=agent).status_code == 404


def test_unsupported_locale_is_422(client: TestClient, agent: Headers, telco: str) -> None:
    answer = client.get("/api/devices/stb-fm-4k", params={"locale": "xx"}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "locale"


def test_missing_locale_in_devices_yaml_is_reported_with_file_and_line(tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(loader.resolve("telco"), pack)
    text = (pack / "devices.yaml").read_text(encoding="utf-8")
    broken = text.replace("      sv: Firstmile Wi-Fi 6-router AX3000\n", "", 1)
    (pack / "devices.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(PackInvalid) as caught:
        loader.validate(pack)
    issues = [str(i) for i in caught.value.issues if i.file == "devices.yaml"]
    assert issues == ["devices.yaml:7: devices.0.name: missing locales: sv"]
