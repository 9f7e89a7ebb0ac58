"""``crm-server``: serve, migrate, demo, compact-log, accounts, users, backup, restore.

Exit codes: 0 done; 1 a failure, told in one line on stderr (a busy port, an
unknown user, a duplicate email...); 2 a bad command line or configuration.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from server.config import Settings
from server.db import Database

log = logging.getLogger("crm.cli")


def fail(message: str, code: int = 1) -> NoReturn:
    """Tell what went wrong in one line on stderr and exit."""
    print(f"crm-server: {' '.join(message.split())}", file=sys.stderr)
    raise SystemExit(code)


def package_version() -> str:
    try:
        return version("skeleton-crm")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


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
    from server.errors import DomainError
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
        except (ValueError, DomainError) as exc:  # a bad setting; an email like another's
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


def check_port_free(host: str, port: int) -> None:
    """Fail in one line if ``host:port`` cannot be listened on, before anything else starts.

    The probe binds the way uvicorn does (SO_REUSEADDR), so a port that only has
    connections in TIME_WAIT counts as free, and one with a listener does not.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use")
            fail(f"cannot listen on {host} port {port}: {exc.strerror or exc}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from server.serving import uvicorn_options

    settings = _settings()
    host = settings.host if args.host is None else args.host
    port = settings.port if args.port is None else args.port
    check_port_free(host, port)
    _prepare(settings, allow_upgrade=False)
    print(f"Skeleton CRM server listening on http://{host}:{port}")
    print(f"  API:        http://{host}:{port}/api/v1")
    print(f"  Swagger UI: http://{host}:{port}/swagger/index.html")
    print(f"  Database:   {_safe_url(settings.resolved_database_url)}")
    print(f"  Sign in:    POST /api/v1/auth/login as {settings.admin_email}")
    sys.stdout.flush()
    uvicorn.run(
        "server.app:app_from_env",
        **uvicorn_options(
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level=args.log_level,
            proxy_headers=args.proxy_headers,
            access_log=args.access_log,
        ),
    )


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The configured database, refused in one line if missing, unreachable or not at head."""
    from server.db import make_engine
    from server.migrate import current_revision, head_revision

    url = settings.resolved_database_url
    parsed = make_url(url)
    sqlite_file = parsed.get_backend_name() == "sqlite" and parsed.database
    if sqlite_file and not Path(sqlite_file).exists():  # connecting would create an empty file
        fail(f"no database at {parsed.database}: run `crm-server migrate` (or serve) first")
    engine = make_engine(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms, pool_size=1)
    try:
        try:
            current = current_revision(engine)
        except SQLAlchemyError as exc:
            fail(f"cannot open the database {_safe_url(url)}: {_first_line(exc)}")
        if current != head_revision():
            fail(
                f"the database schema is at {current or 'nothing (empty database)'}, "
                f"this server needs {head_revision()}: run `crm-server migrate` first"
            )
        yield Database(engine)
    finally:
        engine.dispose()


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def cmd_users(args: argparse.Namespace) -> None:
    from server.errors import DomainError
    from server.security import PasswordHashing
    from server.users import cli as users_cli

    settings = _settings()
    with _database(settings) as db:
        try:
            users_cli.run(args, db=db, passwords=PasswordHashing(), out=sys.stdout)
        except DomainError as exc:
            fail(exc.message)
        except SQLAlchemyError as exc:
            fail(f"database error: {_first_line(exc)}")
        except (KeyboardInterrupt, EOFError):
            fail("cancelled, nothing changed")


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
        with ctx.unit_of_work() as session:
            purged = compact(session=session, older_than=utcnow() - timedelta(days=args.days))
    finally:
        ctx.db.dispose()
    print(
        f"Change log kept from version {purged + 1}; replicas older than {args.days} days will resync"
    )


def cmd_demo(args: argparse.Namespace) -> None:
    from server.app import build_context
    from server.contracts.demo import fill_demo_contracts
    from server.deals.demo import fill_demo_deals
    from server.demo import fill_demo_customers, fill_demo_parties
    from server.inventory.demo import fill_demo_inventory
    from server.invoices.demo import fill_demo_sales
    from server.ledger.demo import fill_demo_ledger

    settings = _settings()
    _prepare(settings, allow_upgrade=False)
    ctx = build_context(settings)
    try:
        made = fill_demo_customers(ctx, args.customers)
        deals = fill_demo_deals(ctx, args.deals)
        parties = fill_demo_parties(ctx)
        ledger = fill_demo_ledger(ctx)  # the chart first: the sales post to it
        sales = fill_demo_sales(ctx)
        inventory = fill_demo_inventory(ctx)  # after the catalog: stock of its hardware
        contracts = fill_demo_contracts(ctx)
    except RuntimeError as exc:
        print(f"crm-server demo: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        ctx.db.dispose()
    print(
        f"Added {made} demo customers, {deals} deals, {parties['supplier']} suppliers, "
        f"{parties['partner']} partners, {parties['employee']} employees, "
        f"{sales['items']} catalog items, {sales['orders']} orders and {sales['invoices']} invoices, "
        f"{ledger['accounts']} ledger accounts and {ledger['transactions']} journal entries "
        "(and the invoices' and payments' postings), "
        f"{inventory['warehouses']} warehouses with {inventory['movements']} stock movements, "
        f"{inventory['orders']} orders moving stock and {contracts} contracts"
    )


def cmd_accounts(args: argparse.Namespace) -> None:
    from common.validation import normalize_currency
    from server.errors import DomainError
    from server.ledger.demo import load_chart
    from server.unit_of_work import transaction

    try:
        currency = normalize_currency(args.currency)
    except ValueError as exc:
        fail(str(exc), 2)
    settings = _settings()
    with _database(settings) as db:
        try:
            with transaction(db) as session:
                made = load_chart(session, currency)
        except DomainError as exc:
            fail(exc.message)
        except SQLAlchemyError as exc:
            fail(f"database error: {_first_line(exc)}")
    print(f"Starter chart: added {made} accounts in {currency} (accounts already there are kept)")


def cmd_backup(args: argparse.Namespace) -> None:
    from server.backup import BackupError, backup

    settings = _settings()
    with _database(settings):  # refuses a missing, unreachable or outdated database first
        pass
    try:
        copied = backup(settings.resolved_database_url, Path(args.file))
    except BackupError as exc:
        fail(str(exc))
    print(f"Backed up the {copied.engine} database to {copied.path} ({copied.size:,} bytes)")


def cmd_restore(args: argparse.Namespace) -> None:
    from server.backup import BackupError, restore

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        copied = restore(settings.resolved_database_url, Path(args.file), force=args.force)
    except BackupError as exc:
        fail(str(exc))
    print(
        f"Restored {copied.path} into the {copied.engine} database "
        f"{_safe_url(settings.resolved_database_url)}; desktops will start a fresh sync"
    )


def main(argv: list[str] | None = None) -> None:
    from server.users import cli as users_cli

    parser = argparse.ArgumentParser(prog="crm-server", description="Skeleton CRM sync server")
    parser.add_argument("--version", action="version", version=f"crm-server {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run the server (creates the schema and admin on first start)",
        description="Run the server. It creates the schema and the administrator on first start.",
        epilog="settings (environment variables):\n"
        + "\n".join("  " + line for line in Settings.help_lines()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", help="listen address (default: CRM_HOST)")
    serve.add_argument("--port", type=int, help="listen port (default: CRM_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
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

    demo = sub.add_parser(
        "demo",
        help="fill an empty database with demo customers, deals, parties, a catalog, orders, "
        "invoices, the ledger, warehouses with stock and contracts",
    )
    demo.add_argument("--customers", type=int, default=300, help="how many (default 300)")
    demo.add_argument("--deals", type=int, default=60, help="how many deals (default 60)")
    demo.set_defaults(func=cmd_demo)
    accounts = sub.add_parser("accounts", help="the chart of accounts")
    accounts_sub = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")
    chart = accounts_sub.add_parser(
        "load-starter-chart",
        help="add the starter chart for a small business (cash, bank, receivables, payables, "
        "equity, revenue, expenses); accounts whose code exists are kept",
    )
    chart.add_argument("--currency", default="USD", help="the accounts' currency (default USD)")
    accounts.set_defaults(func=cmd_accounts)
    users_cli.add_parser(sub).set_defaults(func=cmd_users)
    backup_cmd = sub.add_parser(
        "backup",
        help="copy the database to a file while the server runs (SQLite online backup; pg_dump)",
    )
    backup_cmd.add_argument("file", help="the backup file to write (replaced when complete)")
    backup_cmd.set_defaults(func=cmd_backup)
    restore_cmd = sub.add_parser(
        "restore",
        help="put a backup back into the configured database (stop the server first)",
        description="Put a backup made by `crm-server backup` back into the configured database, "
        "migrate it to this version and start a new sync epoch: desktops resync from it, keeping "
        "their unsent edits. Edits the server took after the backup was made are not in it.",
    )
    restore_cmd.add_argument("file", help="a file made by `crm-server backup`")
    restore_cmd.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    restore_cmd.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args.func(args)


if __name__ == "__main__":
    main()
