"""``crm-server users ...``: manage accounts on the server's own database, through the users service.

Every command is one unit of work (audited, in the sync change log) like a
request. The audit actor is the *server console* (``actor_id`` null, as for
the bootstrap administrator), which may do anything: whoever can run this
command can read the database anyway. ``--as EMAIL`` acts as that
administrator instead: the audit log names them, and their permissions
apply exactly as they would over the API.

Passwords never come from the command line (it shows in ``ps`` and shell
history): from ``--password-env VAR``, a prompt when a terminal is attached,
or generated and printed once (``--generate-password``, or no terminal).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session

from common.permissions import has_permission
from server.db import Database
from server.errors import BadRequest, Conflict, Forbidden, NotFound
from server.listing import MAX_LIMIT, PageRequest
from server.security import PasswordHashing, generate_password
from server.unit_of_work import set_actor, transaction
from server.users import service
from server.users.models import User

DESCRIPTION = """\
Manage user accounts on this server's database (CRM_DATABASE_URL, or the
SQLite file in CRM_DATA_DIR) through the same rules as the API. Each command
is audited: as the server console by default (actor null in the audit log),
or as the administrator named by --as EMAIL, whose permissions then apply.
Passwords come from --password-env VAR, a prompt, or are generated and shown
once; never from the command line."""


@dataclass(frozen=True)
class Actor:
    """Who a command acts as: the console (``id`` None) or an administrator."""

    id: str | None
    permissions: list[str]
    label: str


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``users`` and its commands to the ``crm-server`` sub-parsers."""
    users = sub.add_parser(
        "users",
        help="list and manage user accounts on this server's database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    # No abbreviations anywhere: "--password x" must never pass for --password-env.
    add = functools.partial(actions.add_parser, allow_abbrev=False)
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="act as this administrator (audit log, permissions); default: the server console",
    )
    password = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    source = password.add_mutually_exclusive_group()
    source.add_argument(
        "--password-env", metavar="VAR", help="read the password from environment variable VAR"
    )
    source.add_argument(
        "--generate-password",
        action="store_true",
        help="generate one and print it once (the default without a terminal)",
    )

    ls = add("list", parents=[common], help="a table of every user")
    state = ls.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_const", const=True)
    state.add_argument("--inactive", dest="active", action="store_const", const=False)
    ls.add_argument("--search", help="only users whose email or name contains this")
    ls.set_defaults(users_run=_list)

    create = add("create", parents=[common, password], help="create an active user")
    create.add_argument("email")
    create.add_argument("--name", required=True, help="the user's display name")
    create.add_argument(
        "--role",
        dest="roles",
        action="append",
        default=[],
        metavar="ROLE",
        help="grant this role (by name; repeat for several)",
    )
    create.set_defaults(users_run=_create)

    reset = add(
        "reset-password",
        parents=[common, password],
        help="set a new password; ends every session of the user",
    )
    reset.add_argument("email")
    reset.set_defaults(users_run=_reset_password)

    for name, run, text in (
        ("grant-role", _grant_role, "grant a role (by name)"),
        ("revoke-role", _revoke_role, "take a role away (by name)"),
    ):
        cmd = add(name, parents=[common], help=text)
        cmd.add_argument("email")
        cmd.add_argument("role")
        cmd.set_defaults(users_run=run)

    for name, run, text in (
        ("deactivate", _deactivate, "deactivate; ends every session of the user at once"),
        ("activate", _activate, "reactivate a deactivated user"),
    ):
        cmd = add(name, parents=[common], help=text)
        cmd.add_argument("email")
        cmd.set_defaults(users_run=run)
    return users


def run(args: argparse.Namespace, *, db: Database, passwords: PasswordHashing, out: TextIO) -> None:
    """Run the parsed ``users`` command; domain errors propagate to the caller."""
    command: Callable[[argparse.Namespace, Database, PasswordHashing, TextIO], None]
    command = args.users_run
    command(args, db, passwords, out)


# ---------------------------------------------------------------- the commands


def _actor(session: Session, as_email: str | None, needs: str) -> Actor:
    """The console, or the named administrator if active and holding ``needs``."""
    if as_email is None:
        set_actor(session, None)
        return Actor(None, service.CONSOLE_PERMISSIONS, "the server console")
    user = service.get_user_by_email(session=session, email=as_email)
    if not user.active:
        raise Forbidden(f"{user.email} is deactivated and cannot act")
    if not has_permission(user.permissions, needs):
        raise Forbidden(f"{user.email} does not have the permission {needs}")
    set_actor(session, user.id)
    return Actor(user.id, user.permissions, user.email)


def _password(args: argparse.Namespace, email: str) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown)."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise BadRequest(f"the environment variable {args.password_env} is not set")
        return value, False
    if not args.generate_password and sys.stdin.isatty():
        first = getpass.getpass(f"New password for {email}: ")
        if first != getpass.getpass("Repeat it: "):
            raise BadRequest("the two passwords differ")
        return first, False
    return generate_password(), True


def _roles(user: User) -> str:
    return ", ".join(sorted(user.role_names)) or "no role"


def _list(args: argparse.Namespace, db: Database, _p: PasswordHashing, out: TextIO) -> None:
    rows: list[tuple[str, ...]] = []
    with db.session(write=False) as session:
        _actor(session, args.as_email, "users:read")
        page = 1
        while True:
            result = service.list_users(
                session=session,
                page=PageRequest(page=page, limit=MAX_LIMIT, search=args.search),
                active=args.active,
            )
            for u in result.items:
                created = u.created_at.strftime("%Y-%m-%d %H:%M")
                active = "yes" if u.active else "no"
                rows.append((u.email, u.name, active, ",".join(sorted(u.role_names)), created))
            if not result.has_more:
                break
            page += 1
    _table(out, ("EMAIL", "NAME", "ACTIVE", "ROLES", "CREATED (UTC)"), rows)
    out.write(f"{len(rows)} user{'s' if len(rows) != 1 else ''}\n")


def _table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _create(
    args: argparse.Namespace, db: Database, passwords: PasswordHashing, out: TextIO
) -> None:
    password, generated = _password(args, args.email)
    with transaction(db) as session:
        actor = _actor(session, args.as_email, "users:write")
        if args.roles and not has_permission(actor.permissions, "roles:manage"):
            raise Forbidden(f"{actor.label} does not have the permission roles:manage")
        roles = [service.get_role_by_name(session=session, name=r) for r in args.roles]
        user = service.create_user(
            session=session,
            actor_permissions=actor.permissions,
            passwords=passwords,
            email=args.email,
            name=args.name,
            password=password,
            roles=roles,
        )
        done = f"Created the user {user.email} ({_roles(user)})"
    out.write(done + "\n")
    if generated:
        out.write(f"Generated password (shown once, write it down): {password}\n")


def _reset_password(
    args: argparse.Namespace, db: Database, passwords: PasswordHashing, out: TextIO
) -> None:
    # Look the user up before asking for a password, so a typo fails at once; and
    # prompt outside the write transaction, which on SQLite holds the write lock.
    with db.session(write=False) as session:
        _actor(session, args.as_email, "users:write")
        email = service.get_user_by_email(session=session, email=args.email).email
    password, generated = _password(args, email)
    with transaction(db) as session:
        actor = _actor(session, args.as_email, "users:write")
        user = service.get_user_by_email(session=session, email=email)
        service.set_password(
            session=session,
            actor_id=actor.id,
            actor_permissions=actor.permissions,
            passwords=passwords,
            user_id=user.id,
            password=password,
        )
        done = f"New password set for {user.email}; their sessions have ended"
    out.write(done + "\n")
    if generated:
        out.write(f"Generated password (shown once, write it down): {password}\n")


def _grant_role(args: argparse.Namespace, db: Database, _p: PasswordHashing, out: TextIO) -> None:
    with transaction(db) as session:
        actor = _actor(session, args.as_email, "roles:manage")
        user = service.get_user_by_email(session=session, email=args.email)
        role = service.get_role_by_name(session=session, name=args.role)
        had = role.name in user.role_names
        service.assign_role(
            session=session,
            actor_permissions=actor.permissions,
            user_id=user.id,
            role_id=role.id,
        )
        done = (
            f"{user.email} already has the role {role.name}"
            if had
            else f"Granted the role {role.name} to {user.email} ({_roles(user)})"
        )
    out.write(done + "\n")


def _revoke_role(args: argparse.Namespace, db: Database, _p: PasswordHashing, out: TextIO) -> None:
    with transaction(db) as session:
        actor = _actor(session, args.as_email, "roles:manage")
        user = service.get_user_by_email(session=session, email=args.email)
        role = service.get_role_by_name(session=session, name=args.role)
        if role.name not in user.role_names:  # the service says so too, without naming anyone
            raise NotFound(f"{user.email} does not have the role {role.name}")
        service.remove_role(
            session=session,
            actor_id=actor.id,
            actor_permissions=actor.permissions,
            user_id=user.id,
            role_id=role.id,
        )
        done = f"Revoked the role {role.name} from {user.email} ({_roles(user)})"
    out.write(done + "\n")


def _set_active(args: argparse.Namespace, db: Database, active: bool) -> str:
    with transaction(db) as session:
        actor = _actor(session, args.as_email, "users:write")
        user = service.get_user_by_email(session=session, email=args.email)
        if user.active == active:  # the service refuses this too, without naming anyone
            raise Conflict(f"{user.email} is already {'active' if active else 'deactivated'}")
        service.set_active(
            session=session,
            actor_id=actor.id,
            actor_permissions=actor.permissions,
            user_id=user.id,
            active=active,
        )
        if active:
            return f"Activated {user.email}"
        return f"Deactivated {user.email}; their sessions have ended"


def _deactivate(args: argparse.Namespace, db: Database, _p: PasswordHashing, out: TextIO) -> None:
    out.write(_set_active(args, db, active=False) + "\n")


def _activate(args: argparse.Namespace, db: Database, _p: PasswordHashing, out: TextIO) -> None:
    out.write(_set_active(args, db, active=True) + "\n")
