"""Readers of the public list formats: un, eu, ofac (sdn.csv, alt.csv), ftm (JSON lines)."""

from __future__ import annotations

from pathlib import Path

from firstmile.kit.errors import InvalidInput
from firstmile.kyc.screening.loaders import eu, ftm, ofac, un
from firstmile.kyc.screening.loaders.common import ParsedList

FORMATS = ("un", "eu", "ofac", "ftm")


def parse(format: str, path: Path, *, aliases: Path | None = None) -> ParsedList:
    """The entries of the list file at `path` in `format`. For ofac, `path` is sdn.csv or a
    folder holding sdn.csv and, optionally, alt.csv; `aliases` names an alt.csv elsewhere."""
    if format not in FORMATS:
        raise InvalidInput(f"must be one of {', '.join(FORMATS)}", field="format")
    if format == "ofac" and path.is_dir():
        beside = path / "alt.csv"
        aliases = aliases or (beside if beside.exists() else None)
        path = path / "sdn.csv"
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file", field="path")
    if aliases is not None and not aliases.is_file():
        raise InvalidInput(f"{aliases} is not a file", field="aliases")
    if format == "un":
        return un.parse(path)
    if format == "eu":
        return eu.parse(path)
    if format == "ofac":
        return ofac.parse(path, aliases)
    return ftm.parse(path)


__all__ = ["FORMATS", "ParsedList", "parse"]
