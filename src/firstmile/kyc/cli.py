"""`firstmile kyc ...`: identity checks from the command line.

Each command prints one JSON object. The exit code is 0 whenever the input could be checked,
valid or not (the JSON says which); 2 when it could not (a zone of no known size, an unknown
kind, a malformed date), with `{"error": {...}}` as the object.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, NoReturn

import typer

from firstmile.kyc.screening import cli as screening_cli

app = typer.Typer(help="Identity checks: MRZ, identifiers, screening.", no_args_is_help=True)
app.add_typer(screening_cli.app, name="screening")
app.command("screening-load")(screening_cli.load_command)
app.command("screening-match")(screening_cli.match_command)


def _emit(body: dict[str, Any]) -> None:
    typer.echo(json.dumps(body, ensure_ascii=False))


def _unusable(error: dict[str, Any]) -> NoReturn:
    _emit({"error": error})
    raise typer.Exit(2)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _unusable(
            {
                "code": "invalid_input",
                "message": f"{text!r} is not a date (YYYY-MM-DD)",
                "field": "today",
            }
        )


@app.command("mrz")
def mrz_command(
    lines: Annotated[
        list[str],
        typer.Argument(help="The zone's lines, each quoted (< is special to the shell)."),
    ],
    today: Annotated[
        str | None,
        typer.Option(help="Judge expiry and age on this day, YYYY-MM-DD (default: today)."),
    ] = None,
    adult_age: Annotated[int, typer.Option(help="Age the holder must have reached.")] = 18,
    allow_specimen: Annotated[
        bool, typer.Option(help="Accept Utopia (UTO), the state of ICAO specimen documents.")
    ] = False,
) -> None:
    """Read and check a machine-readable zone (TD1, TD2, TD3, MRV-A or MRV-B).

    Prints the fields, each check digit's verdict, the other checks (characters, codes,
    dates, expiry, age) and whether the zone is valid overall."""
    from firstmile.kit.errors import InvalidInput
    from firstmile.kyc import mrz

    day = _day(today)
    try:
        result = mrz.parse(lines, today=day, adult_age=adult_age, allow_specimen=allow_specimen)
    except InvalidInput as exc:
        _unusable(exc.to_dict())
    _emit(result.to_dict())


@app.command("identifier")
def identifier_command(
    value: Annotated[str, typer.Argument(help="The identifier as given.")],
    kind: Annotated[
        str,
        typer.Option(
            help="national_id, tax_id, vat, company_id, iban, bic, phone or email.",
        ),
    ],
    country: Annotated[
        str | None, typer.Option(help="ISO 3166 alpha-2 country code, e.g. CZ.")
    ] = None,
    require_mobile: Annotated[
        bool, typer.Option(help="Phone: only a mobile number is valid.")
    ] = False,
    match_country: Annotated[
        bool, typer.Option(help="IBAN, BIC, VAT, phone: it must be of --country.")
    ] = False,
    check_dns: Annotated[
        bool, typer.Option(help="Email: look up the domain's mail servers (network).")
    ] = False,
) -> None:
    """Check an identifier: valid or not, its normalised form, and why not.

    Kinds: national_id, tax_id, company_id (these need --country), vat, iban, bic, phone,
    email."""
    from firstmile.kit.errors import InvalidInput
    from firstmile.kyc import identifiers

    try:
        result = identifiers.check(
            kind,
            value,
            country,
            require_mobile=require_mobile,
            match_country=match_country,
            check_dns=check_dns,
        )
    except InvalidInput as exc:
        _unusable(exc.to_dict())
    _emit(result.to_dict())
