"""``crm-server``: serve, migrate."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pydantic import ValidationError

from server.config import Settings

log = logging.getLogger("crm.cli")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            print(f"crm-server: invalid configuration ({where}): {err['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def _prepare(settings: Settings, *, allow_upgrade: bool) -> None:
    """Bring the schema to head (empty database, or SQLite) and make sure an admin exists."""
    from server.app import build_context
    from server.bootstrap import ensure_admin
    from server.migrate import current_revision, head_revision, upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        ctx = build_context(settings)
    except ValueError as exc:
        print(f"crm-server: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        current = current_revision(ctx.db.engine)
        head = head_revision()
        if current != head:
            if current is None or ctx.db.dialect == "sqlite" or allow_upgrade:
                print(f"Creating/upgrading the database schema ({current or 'empty'} -> {head})")
                upgrade(ctx.db.engine)
            else:
                print(
                    f"crm-server: the database schema is at {current}, this server needs {head}; "
                    "run `crm-server migrate` first",
                    file=sys.stderr,
                )
                raise SystemExit(1)
        try:
            admin = ensure_admin(ctx)
        except ValueError as exc:
            print(f"crm-server: cannot create the administrator: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        if admin.created and admin.generated_password:
            print("=" * 72)
            print(f"Created the administrator {admin.email}")
            print(f"Generated password (shown once, write it down): {admin.generated_password}")
            print("=" * 72)
        elif admin.created:
            print(f"Created the administrator {admin.email} with CRM_ADMIN_PASSWORD")
    finally:
        ctx.db.dispose()


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from server.serving import uvicorn_options

    settings = _settings()
    _prepare(settings, allow_upgrade=False)
    print(f"Skeleton CRM server listening on http://{args.host}:{args.port}")
    print(f"  API:        http://{args.host}:{args.port}/api/v1")
    print(f"  Swagger UI: http://{args.host}:{args.port}/swagger/index.html")
    print(f"  Database:   {_safe_url(settings.resolved_database_url)}")
    print(f"  Sign in:    POST /api/v1/auth/login as {settings.admin_email}")
    sys.stdout.flush()
    uvicorn.run(
        "server.app:app_from_env",
        **uvicorn_options(
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            proxy_headers=args.proxy_headers,
            access_log=args.access_log,
        ),
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_migrate(_args: argparse.Namespace) -> None:
    settings = _settings()
    _prepare(settings, allow_upgrade=True)
    print("Database schema is up to date")


def cmd_compact(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from server.app import build_context
    from server.db import utcnow
    from server.sync.service import compact

    ctx = build_context(_settings())
    try:
        with ctx.db.unit_of_work() as session:
            purged = compact(session=session, older_than=utcnow() - timedelta(days=args.days))
    finally:
        ctx.db.dispose()
    print(
        f"Change log kept from version {purged + 1}; replicas older than {args.days} days will resync"
    )


def cmd_demo(args: argparse.Namespace) -> None:
    from server.app import build_context
    from server.deals.demo import fill_demo_deals
    from server.demo import fill_demo_customers

    settings = _settings()
    _prepare(settings, allow_upgrade=False)
    ctx = build_context(settings)
    try:
        made = fill_demo_customers(ctx, args.customers)
        deals = fill_demo_deals(ctx, args.deals)
    except RuntimeError as exc:
        print(f"crm-server demo: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        ctx.db.dispose()
    print(f"Added {made} demo customers and {deals} deals")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="crm-server", description="Skeleton CRM sync server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="run the server (creates the schema and admin on first start)"
    )
    serve.add_argument("--host", default=os.environ.get("CRM_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CRM_PORT", "8080")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false")
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="upgrade the database schema to this version")
    migrate.set_defaults(func=cmd_migrate)
    compact_cmd = sub.add_parser(
        "compact-log", help="drop sync change-log entries older than N days"
    )
    compact_cmd.add_argument("--days", type=int, default=90)
    compact_cmd.set_defaults(func=cmd_compact)

    demo = sub.add_parser("demo", help="fill an empty database with demo customers")
    demo.add_argument("--customers", type=int, default=300, help="how many (default 300)")
    demo.add_argument("--deals", type=int, default=60, help="how many deals (default 60)")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args.func(args)


if __name__ == "__main__":
    main()
