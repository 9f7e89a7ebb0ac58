"""The FastAPI application factory."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from server import __doc__ as server_doc
from server.api_keys.ratelimit import RateLimitHeaders
from server.api_keys.router import router as api_keys_router
from server.audit.router import router as audit_router
from server.auth.router import router as auth_router
from server.clients.router import router as clients_router
from server.config import Settings
from server.context import AppContext
from server.countries import sync as _countries_sync  # noqa: F401 - registers the entity
from server.countries.router import router as countries_router
from server.customers import sync as _customers_sync  # noqa: F401 - registers the entity
from server.customers.router import router as customers_router
from server.db import Database, make_engine
from server.deals import sync as _deals_sync  # noqa: F401 - registers the entity
from server.deals.router import router as deals_router
from server.deps import plain_text_parameters
from server.errors import ServiceUnavailable, install_error_handlers
from server.middleware import BodySizeLimit, CatchAll, Cors, TrustedHosts
from server.openapi import errors, use_error_body_for_422
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec
from server.sync import conflicts as _conflicts  # noqa: F401 - registers the entity
from server.sync.cursor import CursorCodec
from server.sync.events import VersionWatcher
from server.sync.router import router as sync_router
from server.users import sync as _users_sync  # noqa: F401 - registers users and roles
from server.users.router import roles_router
from server.users.router import router as users_router

API_VERSION = "0.1.0"


class Health(BaseModel):
    status: str
    database: str


def build_context(settings: Settings, *, passwords: PasswordHashing | None = None) -> AppContext:
    """Open the database and make the per-process services."""
    engine = make_engine(
        settings.resolved_database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.db_pool_size,
    )
    secret = settings.resolve_jwt_secret()
    return AppContext(
        settings=settings,
        db=Database(engine),
        tokens=TokenCodec(
            secret=secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
            leeway_seconds=settings.jwt_leeway_seconds,
        ),
        passwords=passwords or PasswordHashing(),
        limiter=RateLimiter(engine),
        cursors=CursorCodec(secret),
    )


def create_app(ctx: AppContext) -> FastAPI:
    """Build the app around an already-migrated database."""
    app = FastAPI(
        title="Skeleton CRM API",
        version=API_VERSION,
        description=server_doc or "",
        openapi_url="/swagger/doc.json",
        docs_url="/swagger/index.html",
        redoc_url=None,
        dependencies=[Depends(plain_text_parameters)],
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    use_error_body_for_422(app)

    @app.get("/health", response_model=Health, tags=["health"], responses=errors(503))
    def health() -> Health:
        """200 when the database answers."""
        try:
            with ctx.db.engine.connect() as conn:
                conn.execute(sa.select(1))
        except SQLAlchemyError:
            raise ServiceUnavailable("The database is unreachable") from None
        return Health(status="ok", database=ctx.db.dialect)

    app.include_router(auth_router)
    app.include_router(users_router)
    app.include_router(roles_router)
    app.include_router(audit_router)
    app.include_router(sync_router)
    app.state.version_watcher = VersionWatcher(ctx.db)
    app.include_router(countries_router)
    app.include_router(customers_router)
    app.include_router(api_keys_router)
    app.include_router(clients_router)
    app.include_router(deals_router)

    # Added first = innermost: unexpected errors become the error body right at the app.
    app.add_middleware(CatchAll)
    # Outside CatchAll: an API key's rate-limit headers go on every answer, a 500 too.
    app.add_middleware(RateLimitHeaders)
    # Added last = outermost: the size limit sees the raw body before anything parses it.
    settings = ctx.settings
    if settings.cors_origins:
        app.add_middleware(
            Cors,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CRM-Sync-Protocol"],
            expose_headers=[
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
        )
    if "*" not in settings.trusted_hosts:
        app.add_middleware(TrustedHosts, allowed=settings.trusted_hosts)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: settings from ``CRM_*``; the schema must already be at head."""
    return create_app(build_context(Settings()))
