"""The `firstmile` command line. Each command is one transaction."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from firstmile.kit.settings import Settings, configure, load_settings

app = typer.Typer(
    help="firstmile: customer onboarding for telecom operators and utilities.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
pack_app = typer.Typer(help="Operator packs.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
events_app = typer.Typer(help="The event catalogue.", no_args_is_help=True)
staff_app = typer.Typer(help="Back-office users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(pack_app, name="pack")
app.add_typer(token_app, name="token")
app.add_typer(events_app, name="events")
app.add_typer(staff_app, name="staff")

# Domains with a `cli.py` exposing `app` (a Typer) join the CLI under their own name.
CLI_MODULES = (
    "kyc",
    "messaging",
    "journeys",
    "provisioning",
    "contracts",
    "appointments",
    "billing",
)


def _domain_clis() -> None:
    import importlib

    for domain in CLI_MODULES:
        name = f"firstmile.{domain}.cli"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.add_typer(module.app, name=domain)
    # Screening is part of kyc, and also a command of its own: `firstmile screening load|match`.
    from firstmile.kyc.screening import cli as screening_cli

    app.add_typer(screening_cli.app, name="screening")


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise


def _prepare(settings: Settings, pack: str | None) -> None:
    """Migrate, load the demo pack if none is loaded yet (first start) or reload the pack in
    force if its files changed (an upgrade, an edited pack), and make the demo sealing
    certificate unless a real one is configured."""
    from firstmile.contracts import sealing
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.packs import loader

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    with make_sessionmaker(engine)() as db:
        current = loader.current(db)
        if current is None or pack is not None:
            row = loader.load(db, pack or settings.pack)
            db.commit()
            typer.echo(f"loaded pack {row.code} ({row.name})")
        elif loader.changed_on_disk(current):
            row = loader.load(db, current.path)
            db.commit()
            typer.echo(f"reloaded pack {row.code} ({row.name}): its files changed")
    engine.dispose()
    if settings.sealing_pkcs12_path is None:
        typer.echo(f"demo sealing certificate: {sealing.ensure_demo_certificate(settings)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    pack: Annotated[str | None, typer.Option(help="Pack to load: telco, energy or a path.")] = None,
    workers: Annotated[int, typer.Option(help="Web processes (PostgreSQL only).")] = 1,
) -> None:
    """Start the web app with an in-process worker (the embedded default: a SQLite file)."""
    import uvicorn

    settings = load_settings()  # create_app makes them the process's settings
    _logging(settings)
    _prepare(settings, pack)
    base = f"http://{host}:{port}"
    typer.echo(f"firstmile is running at {base}/  (API docs: {base}/docs)")
    typer.echo(f"  customer portal: {base}/portal   back office: {base}/backoffice")
    if not _has_staff(settings):
        typer.echo(
            "  no back-office user yet: ./run staff create --email you@example.com "
            '--name "Your Name" --role admin'
        )
    if workers > 1:
        if settings.database_url.startswith("sqlite"):
            raise typer.BadParameter(
                "several web processes need PostgreSQL", param_hint="--workers"
            )
        uvicorn.run(
            "firstmile.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        return
    from firstmile.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
def worker(
    batch_size: Annotated[
        int | None, typer.Option(help="Jobs per transaction (default: the setting).")
    ] = None,
) -> None:
    """Run a worker process (PostgreSQL: run as many as you like). Stops cleanly on SIGTERM."""
    from firstmile import worker as worker_loop
    from firstmile.kit import heap
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.registry import load_job_handlers

    settings = load_settings()
    configure(settings)
    _logging(settings)
    engine = make_engine(settings.database_url, pool_size=2, pre_ping=settings.db_pool_pre_ping)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    load_job_handlers()
    heap.settle(settings)  # after the imports: what the process holds from now on
    typer.echo("worker started; SIGTERM finishes the current batch and stops")
    worker_loop.run_forever(
        make_sessionmaker(engine),
        stop,
        batch_size=batch_size or settings.worker_batch_size,
        poll_seconds=settings.worker_poll_seconds,
    )
    engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine

    settings = load_settings()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")


@pack_app.command("validate")
def pack_validate(
    path: Annotated[str, typer.Argument(help="Pack folder, or telco / energy.")],
) -> None:
    """Check a pack without loading it; prints every error with file and line."""
    from firstmile.packs import loader

    try:
        pack = loader.validate(path)
    except loader.PackInvalid as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"pack {pack.meta.code} is valid")


@pack_app.command("load")
def pack_load(path: Annotated[str, typer.Argument(help="Pack folder, or telco / energy.")]) -> None:
    """Validate a pack and load it; nothing changes if any file has an error."""
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.packs import loader

    settings = load_settings()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    try:
        with make_sessionmaker(engine)() as db:
            row = loader.load(db, path)
            db.commit()
    except loader.PackInvalid as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"loaded pack {row.code} ({row.name})")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what the token is for.")],
    scope: Annotated[list[str], typer.Option(help="agent, integration or admin; repeatable.")],
) -> None:
    """Issue an API token; the bearer string is printed once and never stored."""
    from firstmile.auth import service as auth_service
    from firstmile.auth.scopes import cli_actor
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import InvalidInput

    settings = load_settings()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    with make_sessionmaker(engine)() as db:
        try:
            token, bearer = auth_service.create_token(
                db, name=name, scopes=scope, actor=cli_actor()
            )
        except InvalidInput as exc:
            raise typer.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
        db.commit()
    engine.dispose()
    typer.echo(
        json.dumps({"id": token.id, "name": token.name, "scopes": token.scopes, "token": bearer})
    )


def _has_staff(settings: Settings) -> bool:
    from firstmile.auth import staff as staff_service
    from firstmile.kit.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            return staff_service.staff_count(db) > 0
    finally:
        engine.dispose()


@staff_app.command("create")
def staff_create(
    email: Annotated[str, typer.Option(help="The user's email address (their sign-in name).")],
    name: Annotated[str, typer.Option(help="Full name, shown in the back office and audit.")],
    role: Annotated[str, typer.Option(help="agent, supervisor or admin.")] = "agent",
) -> None:
    """Create a back-office user; prints the password and the TOTP set-up URI once (put the
    URI into an authenticator app, or show it as a QR code)."""
    from firstmile.auth import staff as staff_service
    from firstmile.auth.scopes import cli_actor
    from firstmile.kit import migrate
    from firstmile.kit.db import make_engine, make_sessionmaker
    from firstmile.kit.errors import FirstmileError

    settings = load_settings()
    configure(settings)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    with make_sessionmaker(engine)() as db:
        try:
            made = staff_service.create_staff(
                db, email=email, name=name, role=role, actor=cli_actor()
            )
        except FirstmileError as exc:
            raise typer.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
        db.commit()
        result = {
            "id": made.user.id,
            "email": made.user.email,
            "role": str(made.user.role),
            "password": made.password,
            "totp_uri": made.totp_uri,
        }
    engine.dispose()
    typer.echo(json.dumps(result))


@events_app.command("docs")
def events_docs(
    out: Annotated[Path, typer.Option(help="Where to write the catalogue.")] = Path(
        "docs/events.md"
    ),
) -> None:
    """Write docs/events.md from the event catalogue."""
    from firstmile.eventlog.catalogue import render_markdown

    out.write_text(render_markdown() + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}")


_domain_clis()

if __name__ == "__main__":
    app()
