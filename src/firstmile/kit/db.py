"""Engine, sessions, the declarative base and the column types every domain shares."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Numeric,
    String,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as Session
from sqlalchemy.types import TypeDecorator

from firstmile.kit.time import utcnow

T = TypeVar("T")
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Amount(TypeDecorator[Decimal]):
    """A money amount: exact decimal, 4 places kept so unit prices and rates survive."""

    impl = Numeric(18, 4)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).normalize() if not isinstance(value, Decimal) else value


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: Amount(),
        dict[str, Any]: JSON(),
    }


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 20, pre_ping: bool = True) -> Engine:
    """An engine for `url`. `pre_ping` tests each pooled connection before use (one more
    round trip per transaction); without it a connection the server dropped fails its
    request once, SQLAlchemy then discards the whole pool, and the next request reconnects."""
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite's own BEGIN is deferred; take the write lock at BEGIN so two writers
        # queue on busy_timeout instead of failing with "database is locked" on upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,  # below common idle-connection limits of proxies and firewalls
        hide_parameters=True,  # errors and logs never show the values (personal data)
    )


def described(exc: BaseException) -> str:
    """The exception as a log line or a job's last error may hold it: without the values a
    database error carries. PostgreSQL's message and DETAIL name them (a unique clash's
    key, an unparsable value); the engines hide statements' parameters
    (`hide_parameters`). What is kept, the SQLSTATE and the constraint, table and column,
    says which rule refused; personal data stays out of logs and job rows."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        orig = exc.orig
        diag = getattr(orig, "diag", None)
        if diag is None:  # SQLite's messages name constraints and columns, not values
            return f"{type(exc).__name__}: {orig}"
        named = {
            "sqlstate": getattr(orig, "sqlstate", None),
            "constraint": diag.constraint_name,
            "table": diag.table_name,
            "column": diag.column_name,
        }
        where = ", ".join(f"{k} {v}" for k, v in named.items() if v)
        return f"{type(exc).__name__}: {type(orig).__name__} ({where})"
    return f"{type(exc).__name__}: {exc}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


_MEMO = "memo"


def memo(db: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()` once per session (a request, a job batch) for `key`: for reference data that
    only a pack load changes (templates, policies), read many times while handling one
    request. The session's identity map does not serve here: it holds unchanged rows only
    weakly, so a row read again later is usually read from the database again."""
    cache: dict[Hashable, Any] = db.info.setdefault(_MEMO, {})
    if key not in cache:
        cache[key] = load()
    return cast(T, cache[key])


def forget_memo(db: Session) -> None:
    """Drop what `memo` kept (a pack was loaded: its reference data changed)."""
    db.info.pop(_MEMO, None)


@contextmanager
def snapshot_in_session(
    db: Session,
    key: str,
    value: Any,
    *,
    dropped_by: tuple[type, ...],
    absorb_new: Callable[[Any], None] | None = None,
) -> Iterator[None]:
    """Keep `value` in `db.info[key]` for the block (rows a batch read up front); a flush
    that adds, changes or deletes an instance of `dropped_by` drops it, so a reader never
    sees stale data (it reads from the database again). With `absorb_new`, a flush hands
    it each new instance instead (the snapshot takes it in) and only a change or a deletion
    drops the snapshot; so does a rollback (a savepoint's included), which may undo rows the
    snapshot took in."""
    db.info[key] = value

    def changed(session: Session, _context: Any, _instances: Any) -> None:
        if key not in session.info:
            return
        touched = (*session.dirty, *session.deleted)
        if absorb_new is None:
            touched = (*session.new, *touched)
        if any(isinstance(obj, dropped_by) for obj in touched):
            session.info.pop(key, None)
            return
        if absorb_new is not None:
            for obj in session.new:
                if isinstance(obj, dropped_by):
                    absorb_new(obj)

    def rolled_back(session: Session, _previous: Any) -> None:
        session.info.pop(key, None)

    event.listen(db, "before_flush", changed)
    if absorb_new is not None:
        event.listen(db, "after_soft_rollback", rolled_back)
    try:
        yield
    finally:
        event.remove(db, "before_flush", changed)
        if absorb_new is not None:
            event.remove(db, "after_soft_rollback", rolled_back)
        db.info.pop(key, None)


def skip_locked(dialect_name: str) -> bool:
    """Whether `.with_for_update(skip_locked=...)` applies; SQLite has one writer, no row locks."""
    return dialect_name == "postgresql"


def serialize_on(db: Session, name: str) -> None:
    """Make concurrent transactions that call this with the same `name` run one after the
    other from here to their end (a PostgreSQL transaction advisory lock; on SQLite every
    write transaction already holds the one write lock from its start)."""
    serialize_on_all(db, [name])


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def serialize_on_all(db: Session, names: Iterable[str]) -> None:
    """`serialize_on` for each name, in one round trip and in one order (by key), so that
    two transactions locking overlapping sets never wait for each other in a circle."""
    if db.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({_lock_key(name) for name in names})
    if len(keys) == 1:
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": keys[0]})
    elif keys:
        db.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
            ),
            {"keys": keys},
        )


def serialize_order(db: Session, order_id: str) -> None:
    """The first lock of every change to an order or to what hangs from it in other domains
    (its contract, service orders, services, products, fallout cases): taken before any of
    their rows is locked, it makes such changes run one after the other, so a cancel meeting
    a signature or a network report can no longer lock the same rows in opposite orders
    (a deadlock). Called by each entry point, never inside an event subscriber (too late)."""
    serialize_on(db, f"order:{order_id}")
