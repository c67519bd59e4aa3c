"""The web application: JSON API under /api, health probes, OpenAPI docs."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from firstmile import worker
from firstmile.kit import heap, migrate
from firstmile.kit.db import make_engine, make_sessionmaker
from firstmile.kit.http import install_error_handlers
from firstmile.kit.registry import load_job_handlers
from firstmile.kit.settings import Settings, configure, load_settings
from firstmile.packs import loader as packs

log = logging.getLogger("firstmile")

# Each module exposes `router`. A domain joins the API by being listed here.
API_MODULES = (
    "firstmile.eventlog.api",
    "firstmile.auth.api",
    "firstmile.customers.api",
    "firstmile.appointments.api",
    "firstmile.catalog.api",
    "firstmile.orders.api",
    "firstmile.contracts.api",
    "firstmile.provisioning.api",
    "firstmile.billing.api",
    "firstmile.messaging.api",
    "firstmile.messaging.segments.api",
    "firstmile.messaging.campaigns.api",
    "firstmile.messaging.views",
    "firstmile.journeys.api",
    "firstmile.kyc.api",
)


def _routers() -> list[APIRouter]:
    routers = []
    for name in API_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routers.append(module.router)
    return routers


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure(settings)
    in_process = settings.run_worker_in_process if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            pre_ping=settings.db_pool_pre_ping,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        load_job_handlers()
        heap.settle(settings)  # after the imports: what the process holds from now on
        thread = stop = None
        if in_process:
            thread, stop = worker.start_in_thread(
                app.state.sessionmaker,
                batch_size=settings.worker_batch_size,
                poll_seconds=settings.worker_poll_seconds,
            )
        try:
            yield
        finally:
            if stop is not None and thread is not None:
                stop.set()
                thread.join(timeout=10)
            engine.dispose()

    app = FastAPI(
        title="firstmile",
        version="0.1.0",
        summary="Customer onboarding for telecom operators and utilities",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _install_docs(app)
    app.state.settings = settings
    from firstmile.web import pages

    install_error_handlers(app, pages=(pages.PAGE_PREFIXES, pages.error_page))
    _install_pages(app)
    for router in _routers():
        # The domain routers' routes already carry their full paths; adding them directly
        # (not include_router) spares every request a walk through nested-router matching,
        # which cost about a millisecond per request with ten routers.
        app.router.routes.extend(router.routes)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database, schema and pack")
    async def readyz() -> JSONResponse:
        checks = await run_in_threadpool(_readiness, app)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    return app


def _install_pages(app: FastAPI) -> None:
    """The portal and the back office: their static files and page routes."""
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from firstmile import web

    app.mount("/static/web", StaticFiles(directory=web.STATIC), name="web-static")
    for router in web.routers():
        app.router.routes.extend(router.routes)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/portal", status_code=307)


def _install_docs(app: FastAPI) -> None:
    """The interactive API docs, served from the package (no CDN)."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount(
        "/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="firstmile API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )


def _readiness(app: FastAPI) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: this is a probe
        return {"database": f"error: {type(exc).__name__}"}
    checks["schema"] = "ok" if migrate.is_current(app.state.engine) else "migrations pending"
    with app.state.sessionmaker() as db:
        checks["pack"] = "ok" if packs.current(db) is not None else "no pack loaded"
    return checks
