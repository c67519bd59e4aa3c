"""The pack's `contract.yaml`: the contract template (the signature-code message is the
`contract_signature` message template, see firstmile.messaging.pack).

Every title, clause and label is a {locale: text} map in all five supported locales. Texts may
hold Jinja2 placeholders (`{{ operator.legal_name }}`, `{{ cooling_off_days }}`, ...), filled
in a sandbox; a template that does not parse is reported with its file and line at load time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from firstmile.contracts import repository as repo
from firstmile.contracts.document import SAMPLE_CONTEXT
from firstmile.contracts.errors import TemplateBroken
from firstmile.contracts.templating import fill
from firstmile.kit.db import Session
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue


def _all_locales(texts: dict[str, str]) -> dict[str, str]:
    missing = [loc for loc in SUPPORTED_LOCALES if not texts.get(loc, "").strip()]
    if missing:
        raise ValueError(f"text missing in locale(s): {', '.join(missing)}")
    return texts


Texts = Annotated[dict[str, str], AfterValidator(_all_locales)]
Table = Literal["parties", "lines", "usage", "features", "bills", "terms"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateSection(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    title: Texts
    clauses: list[Texts] = []
    # Printed instead of `clauses` in a contract without a right of withdrawal (a business
    # account's, unless the pack grants it): required where a clause names cooling_off_days.
    clauses_without_cooling_off: list[Texts] = []
    table: Table | None = None  # a generated table printed after the clauses

    @model_validator(mode="after")
    def _says_what_a_business_gets(self) -> TemplateSection:
        names_it = any("cooling_off_days" in t for c in self.clauses for t in c.values())
        if names_it and not self.clauses_without_cooling_off:
            raise ValueError(
                "a section naming cooling_off_days needs clauses_without_cooling_off "
                "(printed when there is no right of withdrawal, as for business accounts)"
            )
        return self


class Labels(_Strict):
    """Words of the generated parts: tables, the signature block, page footers."""

    operator: Texts
    customer: Texts
    name: Texts
    address: Texts
    registration_number: Texts
    vat_number: Texts
    contact: Texts
    item: Texts
    one_time: Texts
    monthly: Texts
    net: Texts
    tax: Texts
    gross: Texts
    unit_price: Texts
    usage: Texts
    feature: Texts
    state_on: Texts
    state_off: Texts
    switchable: Texts
    first_bill: Texts
    regular_bill: Texts
    period: Texts
    minimum_term: Texts
    notice: Texts
    early_termination: Texts
    remaining_monthly: Texts  # {{ percent }}
    none: Texts
    contract_number: Texts
    order_number: Texts
    date: Texts
    page: Texts
    signature: Texts


class ContractTemplateFile(_Strict):
    title: Texts
    intro: Texts
    sections: list[TemplateSection] = Field(min_length=1)
    labels: Labels


def _context_for(loc: tuple[str | int, ...]) -> dict[str, Any]:
    if loc[:2] == ("labels", "remaining_monthly"):
        return {"percent": "20 %"}
    return SAMPLE_CONTEXT


def _check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    """Fill every text with sample data, so a broken or unknown placeholder fails the load."""
    issues: list[PackIssue] = []
    for loaded, _model in parts:
        for loc, text in _texts(loaded.data, ()):
            try:
                fill(text, _context_for(loc), where=".".join(map(str, loc)))
            except TemplateBroken as exc:
                line = loaded.line_of(loc)
                issues.append(
                    PackIssue(loaded.path.name, line, ".".join(map(str, loc)), exc.message)
                )
    return issues


def _texts(node: Any, loc: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, str):
        return [(loc, node)]
    if isinstance(node, dict):
        return [hit for key, value in node.items() for hit in _texts(value, (*loc, key))]
    if isinstance(node, list):
        return [hit for i, value in enumerate(node) for hit in _texts(value, (*loc, i))]
    return []


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    for _loaded, model in parts:
        repo.store_template(db, meta.code, model.model_dump(mode="json"))


section(
    Section(
        name="contract",
        pattern="contract.yaml",
        model=ContractTemplateFile,
        store=_store,
        check=_check,
        order=60,
    )
)
