"""Write the next Alembic migration for ONE domain's tables.

    uv run python scripts/migration.py customers "add consents"

Each domain's migrations form their own branch off `0001_foundation` (revision ids
`<domain>_0001`, `<domain>_0002`, ...), so domains evolve without clashing heads; foreign keys
into another domain's tables become `depends_on` that domain's latest revision.
`alembic upgrade heads` (what `firstmile db upgrade` runs) applies them all in a valid order.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory

from firstmile.kit import migrate
from firstmile.kit.db import Base, make_engine
from firstmile.kit.schema import target_metadata

VERSIONS = migrate.MIGRATIONS / "versions"


def table_domains() -> dict[str, str]:
    out: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        domain = module.split(".")[1] if module.startswith("firstmile.") else module
        for table in mapper.tables:
            out[table.name] = domain
    return out


def main(domain: str, message: str) -> None:
    domains = table_domains()
    ours = {t for t, d in domains.items() if d == domain}
    if not ours:
        sys.exit(f"no tables belong to domain {domain!r}")
    script = ScriptDirectory.from_config(migrate.alembic_config(""))
    revisions = {r.revision for r in script.walk_revisions()}
    mine = sorted(r for r in revisions if r.startswith(f"{domain}_"))
    parent = mine[-1] if mine else "0001_foundation"
    rev_id = f"{domain}_{len(mine) + 1:04d}"
    deps: set[str] = set()
    for name in ours:
        for fk in target_metadata.tables[name].foreign_keys:
            other = domains.get(fk.column.table.name)
            if other and other != domain:
                theirs = sorted(r for r in revisions if r.startswith(f"{other}_"))
                if theirs:
                    deps.add(theirs[-1])
                elif other not in ("kit", "eventlog", "auth", "packs", "customers"):
                    sys.exit(
                        f"{domain} refers to {fk.column.table.name} of {other}: "
                        f"migrate {other} first"
                    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'gen.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        cfg = migrate.alembic_config(url)

        def include(
            obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
        ) -> bool:
            table = obj if kind == "table" else getattr(obj, "table", None)
            return table is None or table.name in ours

        cfg.attributes["include_object"] = include
        command.revision(
            cfg,
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=parent,
            splice=True,
            depends_on=sorted(deps) or None,
        )
        engine.dispose()
    generated = next(VERSIONS.glob(f"{rev_id}_*.py"))
    target = VERSIONS / f"{rev_id}.py"
    generated.rename(target)
    text = re.sub(r"Revises: \n", "Revises:\n", target.read_text())
    target.write_text(text)
    print(f"wrote {target.relative_to(Path.cwd())}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else f"{sys.argv[1]} schema")
