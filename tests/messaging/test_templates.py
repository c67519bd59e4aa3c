"""Message templates from packs: loading, checks with file and line, versions, preview."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.messaging import templates
from firstmile.packs import loader as packs

Headers = dict[str, str]
SHIPPED = Path(packs.PACKS_DIR)


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the telco pack to edit."""
    target = tmp_path / "telco"
    shutil.copytree(SHIPPED / "telco", target)
    return target


def _load(sessions: sessionmaker[Session], path: Path | str) -> None:
    with sessions() as s:
        packs.load(s, path)
        s.commit()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("code", ["telco", "energy"])
def test_every_shipped_template_has_all_five_languages(
    code: str, sessions: sessionmaker[Session]
) -> None:
    _load(sessions, code)
    with sessions() as s:
        current = templates.current_templates(s)
        assert {t.purpose for t in current} >= {
            "contact_verification",
            "contract_signature",
            "welcome",
        }
        assert any(t.klass == "marketing" for t in current)
        for template in current:
            for channel, parts in template.content["channels"].items():
                main = templates.CHANNEL_PARTS[channel][0]
                assert set(parts[main]) >= set(SUPPORTED_LOCALES), (template.purpose, channel)


@pytest.mark.usefixtures("telco")
def test_the_api_lists_the_templates_in_force(client: TestClient, agent: Headers) -> None:
    answer = client.get("/api/messaging/templates", headers=agent)
    assert answer.status_code == 200
    by_purpose = {t["purpose"]: t for t in answer.json()["templates"]}
    welcome = by_purpose["welcome"]
    assert welcome["channels"] == ["email", "sms", "push", "inapp"]
    assert welcome["class"] == "transactional"
    assert welcome["version"] == 1
    assert set(welcome["locales"]) == set(SUPPORTED_LOCALES)
    assert by_purpose["contact_verification"]["urgent"] is True
    assert by_purpose["upgrade_offer"]["class"] == "marketing"


def test_a_reload_adds_a_version_only_when_a_template_changed(
    sessions: sessionmaker[Session], pack_copy: Path, client: TestClient, agent: Headers
) -> None:
    _load(sessions, pack_copy)
    _load(sessions, pack_copy)  # unchanged: no new version
    with sessions() as s:
        assert [t.version for t in templates.versions(s, "welcome")] == [1]
    _edit(
        pack_copy / "messages" / "welcome.yaml",
        "Welcome, {{ given_name }}",
        "Hello there, {{ given_name }}",
    )
    _load(sessions, pack_copy)
    answer = client.get("/api/messaging/templates/welcome/versions", headers=agent)
    assert answer.status_code == 200
    versions = answer.json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["texts"]["push"]["title"]["en"] == "Hello there, {{ given_name }}"
    assert versions[1]["texts"]["push"]["title"]["en"] == "Welcome, {{ given_name }}"
    with sessions() as s:
        assert [t.version for t in templates.versions(s, "contact_verification")] == [1]


def test_a_template_removed_from_the_pack_is_retired_with_its_history(
    sessions: sessionmaker[Session], pack_copy: Path, client: TestClient, agent: Headers
) -> None:
    _load(sessions, pack_copy)
    (pack_copy / "messages" / "upgrade_offer.yaml").unlink()
    shutil.rmtree(pack_copy / "journeys")  # the onboarding journey sends it
    _load(sessions, pack_copy)
    listed = client.get("/api/messaging/templates", headers=agent).json()["templates"]
    assert "upgrade_offer" not in {t["purpose"] for t in listed}
    assert client.get("/api/messaging/templates/upgrade_offer", headers=agent).status_code == 404
    history = client.get("/api/messaging/templates/upgrade_offer/versions", headers=agent)
    assert [v["retired"] for v in history.json()] == [True]


def test_a_broken_template_is_reported_with_file_line_and_field(pack_copy: Path) -> None:
    welcome = pack_copy / "messages" / "welcome.yaml"
    _edit(welcome, 'ja: "ようこそ、{{ given_name }} 様"', 'ja: "ようこそ、{{ givenname }} 様"')
    _edit(welcome, "en: Your onboarding has started. Tap", 'en: "{% if %}" # Tap')
    _edit(
        welcome,
        '      sv: "Välkommen till {{ operator.legal_name }}, {{ given_name }}! '
        'Följ din anslutning i kundportalen."\n',
        "",
    )
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack_copy)
    issues = {(i.file, i.field): i for i in caught.value.issues}
    lines = welcome.read_text(encoding="utf-8").splitlines()
    undefined = issues["messages/welcome.yaml", "channels.push.title.ja"]
    assert "'givenname' is undefined" in undefined.message
    assert "givenname" in lines[undefined.line - 1]
    syntax = issues["messages/welcome.yaml", "channels.push.body.en"]
    assert "{% if %}" in lines[syntax.line - 1]
    missing = issues["messages/welcome.yaml", "channels.sms.text"]
    assert missing.message == "text missing in locale(s): sv"


def test_a_file_name_that_is_not_a_purpose_is_refused(pack_copy: Path) -> None:
    shutil.copy(pack_copy / "messages" / "welcome.yaml", pack_copy / "messages" / "Bad-Name.yaml")
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack_copy)
    assert any(i.file == "messages/Bad-Name.yaml" for i in caught.value.issues)


def test_a_pack_whose_files_changed_is_noticed(
    sessions: sessionmaker[Session], pack_copy: Path
) -> None:
    _load(sessions, pack_copy)
    with sessions() as s:
        row = packs.current(s)
        assert row is not None
        assert not packs.changed_on_disk(row)
        _edit(pack_copy / "messaging.yaml", '"0.90"', '"0.95"')
        assert packs.changed_on_disk(row)


# -- preview -------------------------------------------------------------------------------


def _preview(client: TestClient, agent: Headers, purpose: str, **body: object) -> dict[str, object]:
    answer = client.post(f"/api/messaging/templates/{purpose}/preview", json=body, headers=agent)
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


@pytest.mark.usefixtures("telco")
def test_sms_preview_shows_encoding_segments_and_cost(client: TestClient, agent: Headers) -> None:
    english = _preview(client, agent, "contact_verification", channel="sms", locale="en")
    assert english["text"] == (
        "Your Firstmile Telco s.r.o. verification code is 482915. Valid for 10 minutes."
    )
    assert english["sms"] == {
        "encoding": "GSM-7",
        "characters": 78,
        "units": 78,
        "segments": 1,
        "characters_per_segment": 160,
        "cost": {"amount": "0.90", "currency": "CZK"},
    }
    czech = _preview(client, agent, "welcome", channel="sms", locale="cs")
    sms = czech["sms"]
    assert isinstance(sms, dict)
    assert sms["encoding"] == "UCS-2"  # ů, ř and í are not in the GSM 7-bit alphabet
    assert sms["segments"] == 2
    assert sms["cost"] == {"amount": "1.80", "currency": "CZK"}


@pytest.mark.usefixtures("telco")
def test_email_preview_in_arabic_is_right_to_left(client: TestClient, agent: Headers) -> None:
    preview = _preview(client, agent, "welcome", channel="email", locale="ar")
    assert preview["direction"] == "rtl"
    assert preview["subject"] == "مرحبًا بك في Firstmile Telco s.r.o."
    html = preview["html"]
    assert isinstance(html, str)
    assert '<html lang="ar" dir="rtl">' in html
    assert "text-align:right" in html
    assert "<p>مرحبًا Eva،</p>" in html
    assert "care@telco.example" in str(preview["text"])


@pytest.mark.usefixtures("telco")
def test_preview_fills_given_data_over_the_sample(client: TestClient, agent: Headers) -> None:
    preview = _preview(
        client, agent, "welcome", channel="push", locale="ja", data={"given_name": "花子"}
    )
    assert preview["subject"] == "ようこそ、花子 様"
    assert preview["link"] == "firstmile://onboarding"
    assert preview["sms"] is None


@pytest.mark.usefixtures("telco")
def test_preview_locale_falls_back_to_language_then_pack_default(
    client: TestClient, agent: Headers
) -> None:
    assert _preview(client, agent, "welcome", channel="sms", locale="sv-FI")["locale"] == "sv"
    assert _preview(client, agent, "welcome", channel="sms", locale="de")["locale"] == "cs"


@pytest.mark.usefixtures("telco")
@pytest.mark.parametrize(
    ("purpose", "body", "status", "field"),
    [
        ("welcome", {"channel": "fax", "locale": "en"}, 422, "channel"),
        ("welcome", {"channel": "sms", "locale": "e"}, 422, "locale"),
        ("welcome", {"channel": "sms", "locale": "en", "extra": 1}, 422, "extra"),
        ("contact_verification", {"channel": "push", "locale": "en"}, 422, "channel"),
        ("welcome", {"channel": "sms", "locale": "en", "version": 9}, 404, None),
        ("no_such_purpose", {"channel": "sms", "locale": "en"}, 404, None),
    ],
)
def test_preview_bad_input(
    client: TestClient,
    agent: Headers,
    purpose: str,
    body: dict[str, object],
    status: int,
    field: str | None,
) -> None:
    answer = client.post(f"/api/messaging/templates/{purpose}/preview", json=body, headers=agent)
    assert answer.status_code == status, answer.text
    if field is not None:
        assert field in answer.json()["error"]["field"]


@pytest.mark.usefixtures("telco")
def test_templates_need_an_agent_token(client: TestClient, integration: Headers) -> None:
    assert client.get("/api/messaging/templates", headers=integration).status_code == 403
    assert client.get("/api/messaging/templates").status_code == 401
