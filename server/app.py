"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from server import __doc__ as server_doc
from server import modules
from server.api_keys.ratelimit import RateLimitHeaders
from server.config import Settings
from server.context import AppContext
from server.contracts.schedule import ContractJob
from server.db import Database, make_engine
from server.deps import plain_text_parameters
from server.errors import ServiceUnavailable, install_error_handlers
from server.files.router import PATH as FILES_PATH
from server.files.storage import make_store
from server.middleware import BodySizeLimit, CatchAll, Cors, TrustedHosts
from server.notifications.worker import NotificationWorker
from server.openapi import errors, use_error_body_for_422
from server.ratelimit.memory import ProcessLimiter
from server.ratelimit.storage import RateLimiter
from server.security import PasswordHashing, TokenCodec
from server.sync.cursor import CursorCodec
from server.sync.events import VersionWatcher

API_VERSION = "0.1.0"
SWAGGER_UI = "/swagger/index.html"


class Health(BaseModel):
    status: str
    database: str


def build_context(settings: Settings, *, passwords: PasswordHashing | None = None) -> AppContext:
    """Open the database and make the per-process services."""
    engine = make_engine(
        settings.resolved_database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    secret = settings.resolve_jwt_secret()
    db = Database(engine)
    return AppContext(
        settings=settings,
        db=db,
        tokens=TokenCodec(
            secret=secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
            leeway_seconds=settings.jwt_leeway_seconds,
        ),
        passwords=passwords or PasswordHashing(),
        limiter=RateLimiter(engine),
        user_limiter=ProcessLimiter(settings.user_rate_limit),
        cursors=CursorCodec(secret),
        files=make_store(settings, db),
    )


def create_app(ctx: AppContext) -> FastAPI:
    """Build the app around an already-migrated database."""
    job = ContractJob(ctx.db, ctx.settings.contract_job_seconds)
    notifier = NotificationWorker(ctx.db, ctx.settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Scheduled work runs while the server serves (tests' servers run without a lifespan):
        # the contracts' expiry and renewal, the notifications' checks and email outbox.
        job.start()
        notifier.start()
        try:
            yield
        finally:
            notifier.stop()
            job.stop()

    # Swagger UI's script, styles and icon come from the fastapi-offline package and
    # are served from /swagger/assets: the page works on a network without internet.
    app = FastAPIOffline(
        title="Skeleton CRM API",
        version=API_VERSION,
        description=server_doc or "",
        openapi_url="/swagger/doc.json",
        docs_url=SWAGGER_UI,
        redoc_url=None,
        static_url="/swagger/assets",
        swagger_ui_oauth2_redirect_url="/swagger/oauth2-redirect.html",
        # Swagger UI would send the document to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
        dependencies=[Depends(plain_text_parameters)],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.notifier = notifier
    install_error_handlers(app)
    use_error_body_for_422(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """A browser opening the server's address lands on Swagger UI."""
        return RedirectResponse(SWAGGER_UI)

    @app.get("/health", response_model=Health, tags=["health"], responses=errors(503))
    async def health() -> Health:
        """200 when the database answers."""

        def ping() -> None:
            with ctx.db.engine.connect() as conn:
                conn.execute(sa.select(1))

        try:
            await ctx.db.run(ping)
        except SQLAlchemyError:
            raise ServiceUnavailable("The database is unreachable") from None
        return Health(status="ok", database=ctx.db.dialect)

    modules.install(app)
    app.state.version_watcher = VersionWatcher(
        ctx.db,
        poll=ctx.settings.event_poll_seconds,
        fallback_poll=ctx.settings.event_fallback_poll_seconds,
    )

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
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # An upload is not held here: its route streams it to storage and counts the file.
        streamed={FILES_PATH: settings.file_max_bytes},
    )
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: settings from ``CRM_*``; the schema must already be at head."""
    return create_app(build_context(Settings()))
