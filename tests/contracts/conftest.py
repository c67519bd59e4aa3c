"""Contracts fixtures: sealing uses the test data folder; each language renders once per module."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from firstmile.contracts import document
from firstmile.contracts.service import preparation


@pytest.fixture(scope="module")
def render_cache() -> dict[str, bytes]:
    return {}


@pytest.fixture(autouse=True)
def render_once_per_language(
    render_cache: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF job renders for real the first time a language is asked for in a module;
    later contracts in that language get the same bytes (rendering takes seconds)."""
    real: Callable[[document.ContractInput], bytes] = document.render

    def cached(data: document.ContractInput) -> bytes:
        if data.language not in render_cache:
            render_cache[data.language] = real(data)
        return render_cache[data.language]

    monkeypatch.setattr(preparation, "render", cached)
