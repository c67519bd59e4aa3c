"""The JSON API's edge: one transaction per request, idempotency keys, auth, error rendering."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from firstmile.auth import service as auth_service
from firstmile.auth.scopes import Actor, Scope
from firstmile.kit import idempotency
from firstmile.kit.db import Session, described
from firstmile.kit.errors import (
    Conflict,
    FirstmileError,
    Forbidden,
    InvalidInput,
    Unauthorized,
    Unavailable,
)

log = logging.getLogger("firstmile.http")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _error_response(error: FirstmileError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return JSONResponse({"error": error.to_dict()}, status_code=error.status_code, headers=headers)


class TxRoute(APIRoute):
    """Owns the request's transaction.

    The session is opened before the endpoint runs and committed after it returned but
    before the response leaves, so a failed commit turns into an error answer, never a
    success. A write with an `Idempotency-Key` header stores its answer in the same
    transaction, and a repeat gets that answer back without running again.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()

        async def handler(request: Request) -> Response:
            db: Session = request.app.state.sessionmaker()
            request.state.db = db
            try:
                return await _run(request, db, endpoint)
            finally:
                if db.in_transaction():
                    await run_in_threadpool(db.close)  # rolls back: database I/O
                else:
                    db.close()  # nothing to end: no I/O, no thread hop

        return handler


async def _run(
    request: Request, db: Session, endpoint: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    _refuse_nul(request, await request.body())
    key = request.headers.get(idempotency.HEADER)
    is_write = request.method in WRITE_METHODS
    digest = ""
    if key is not None and is_write:
        idempotency.validate_key(key)
        actor = await run_in_threadpool(_actor_ref, request, db)
        digest = idempotency.request_hash(request.method, request.url.path, await request.body())
        stored = await run_in_threadpool(idempotency.find, db, actor, key)
        if stored is not None:
            idempotency.check_replay(stored, digest)
            await run_in_threadpool(db.rollback)
            return Response(
                stored.body,
                stored.status_code,
                media_type=stored.media_type,
                headers={"Idempotent-Replayed": "true"},
            )
    try:
        response = await endpoint(request)
    except BaseException:
        await run_in_threadpool(db.rollback)
        raise
    if response.status_code >= 400:
        await run_in_threadpool(db.rollback)
        return response
    if key is not None and is_write:
        db.add(
            idempotency.IdempotencyRecord(
                actor=request.state.actor.ref,
                key=key,
                request_hash=digest,
                status_code=response.status_code,
                body=bytes(response.body),
                media_type=response.media_type or "application/json",
            )
        )
    try:
        await run_in_threadpool(db.commit)
    except IntegrityError as exc:
        await run_in_threadpool(db.rollback)
        log.info("commit conflict: %s", described(exc))
        return _error_response(Conflict("the change clashes with a concurrent change; retry"))
    except OperationalError as exc:
        await run_in_threadpool(db.rollback)
        log.warning("commit failed: %s", described(exc))
        return _error_response(Unavailable("the database could not store the change; retry"))
    return response


def _refuse_nul(request: Request, body: bytes) -> None:
    """No text may hold U+0000: PostgreSQL cannot store it, and no field has a use for it."""
    for where, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            if "\x00" in str(value):
                raise InvalidInput("must not contain the NUL character", field=f"{where}.{name}")
    if b"\\u0000" not in body and b"\x00" not in body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON: the endpoint's own validation answers
    found = _nul_path(document, [])
    if found is not None:
        raise InvalidInput("must not contain the NUL character", field=".".join(found) or "body")


def _nul_path(value: Any, path: list[str]) -> list[str] | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return [*path, key.replace("\x00", "\\0")]
            found = _nul_path(item, [*path, key])
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, [*path, str(i)])
            if found is not None:
                return found
    return None


def _actor_ref(request: Request, db: Session) -> str:
    return _authenticate(request, db).ref


def _authenticate(request: Request, db: Session) -> Actor:
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise Unauthorized("a bearer token is required")
    actor = auth_service.authenticate(db, credentials.strip())
    request.state.actor = actor
    return actor


async def get_db(request: Request) -> Session:
    """The request's session (async: no I/O here, so no thread hop)."""
    db: Session = request.state.db
    return db


_bearer = HTTPBearer(auto_error=False, description="API token from `firstmile token create`")


def require(*scopes: Scope) -> Callable[..., Actor]:
    """Dependency: the caller's actor, which must hold one of `scopes` (admin holds all)."""

    def dependency(
        request: Request,
        db: Annotated[Session, Depends(get_db)],
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        actor = _authenticate(request, db)
        if not actor.has(*scopes):
            raise Forbidden(f"requires scope {' or '.join(scopes) or 'admin'}")
        return actor

    return dependency


Db = Annotated[Session, Depends(get_db)]
AnyActor = Annotated[Actor, Depends(require(Scope.AGENT, Scope.INTEGRATION))]
AgentActor = Annotated[Actor, Depends(require(Scope.AGENT))]
IntegrationActor = Annotated[Actor, Depends(require(Scope.INTEGRATION))]
AdminActor = Annotated[Actor, Depends(require(Scope.ADMIN))]


def _location(error: Any) -> str:
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body",)]
    return ".".join(parts) or "body"


PageErrors = Callable[[Request, int, str], Response]


def install_error_handlers(
    app: FastAPI, *, pages: tuple[tuple[str, ...], PageErrors] | None = None
) -> None:
    """JSON errors for the API; under the page prefixes of `pages`, its renderer's pages."""

    def page_error(request: Request, status: int, message: str) -> Response | None:
        if pages is not None and request.url.path.startswith(pages[0]):
            return pages[1](request, status, message)
        return None

    @app.exception_handler(FirstmileError)
    async def domain_error(_request: Request, exc: FirstmileError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _location(e), "message": e.get("msg", "invalid"), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        body = {
            "error": {
                "code": "invalid_input",
                "message": f"{first['field']}: {first['message']}",
                "field": first["field"],
                "details": {"errors": errors},
            }
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        page = page_error(request, exc.status_code, str(exc.detail))
        if page is not None:
            return page
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A unique or foreign-key clash found at flush time: a concurrent change won the race.
        log.info("integrity error: %s", described(exc))
        return _error_response(Conflict("the change clashes with existing data; retry"))

    @app.exception_handler(DataError)
    async def data_error(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (out of range, a character it cannot store).
        log.info("data error: %s", described(exc))
        return _error_response(InvalidInput("a value cannot be stored: out of range or malformed"))

    @app.exception_handler(OperationalError)
    async def operational_error(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database error: %s", described(exc))
        return _error_response(Unavailable("the database is unavailable; retry"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        page = page_error(request, 500, "")
        if page is not None:
            return page
        return JSONResponse(
            {"error": {"code": "internal", "message": "internal error; it has been logged"}},
            status_code=500,
        )
