"""The chart of accounts: unique codes, a tree whose parent has the same type, active flag by command.

An account with postings is never deleted (there is no delete; deactivate it),
and its type and currency no longer change once it has postings or
sub-accounts. :func:`by_ref` finds an account by id or by code, as a
transaction line's ``account_id`` names it.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.kit import NoArgs
from common.ledger import AccountCreate, AccountUpdate
from server.auth.principal import Principal
from server.errors import Conflict, NotFound, ValidationFailed
from server.ledger.models import Account, TransactionLine
from server.listing import substring_filter
from server.unit_of_work import note

MAX_DEPTH = 20


class AccountService:
    sorts = {"code": Account.code, "name": Account.name, "created_at": Account.created_at}

    def search(self, session: Session, text: str) -> sa.ColumnElement[bool]:
        return substring_filter(session, (Account.code, Account.name), text)

    def get(self, *, session: Session, actor: Principal | None, id: str) -> Account:  # noqa: ARG002
        account = session.get(Account, id)
        if account is None:
            raise NotFound("Account not found")
        return account

    def _ensure_code_free(self, session: Session, code: str, except_id: str | None = None) -> None:
        stmt = sa.select(Account.id).where(Account.code == code)
        if except_id is not None:
            stmt = stmt.where(Account.id != except_id)
        if session.scalar(stmt) is not None:
            raise Conflict(
                f"Another account already has the code {code}", details={"code": "Already in use"}
            )

    def _check_parent(
        self, session: Session, parent_id: str | None, own_id: str | None, type_: str
    ) -> None:
        """The parent exists, has the same type and is not the account or one of its descendants."""
        if parent_id is None:
            return
        parent = session.get(Account, parent_id)
        if parent is None:
            raise ValidationFailed({"parent_id": "No such account"})
        if parent.type != type_:
            raise ValidationFailed(
                {"parent_id": f"The parent is an {parent.type} account; this one is {type_}"}
            )
        at: str | None = parent_id
        for _ in range(MAX_DEPTH + 1):
            if at is None:
                return
            if at == own_id:
                raise ValidationFailed({"parent_id": "An account cannot be inside itself"})
            node = session.get(Account, at)
            at = node.parent_id if node is not None else None
        raise ValidationFailed({"parent_id": f"Accounts nest at most {MAX_DEPTH} deep"})

    def create(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every module
        data: AccountCreate,
        id: str | None = None,
    ) -> Account:
        self._ensure_code_free(session, data.code)
        self._check_parent(session, data.parent_id, id, data.type)
        account = Account(**({"id": id} if id else {}), **data.model_dump())
        session.add(account)
        session.flush()
        return account

    def update(
        self, *, session: Session, actor: Principal | None, id: str, data: AccountUpdate
    ) -> Account:
        account = self.get(session=session, actor=actor, id=id)
        changes = data.changes()
        for key in ("type", "currency"):
            if key in changes and changes[key] != getattr(account, key):
                if has_postings(session, account.id):
                    raise Conflict(
                        f"Account {account.code} has postings: its {key} cannot change",
                        details={key: "The account has postings"},
                    )
                if key == "type" and has_children(session, account.id):
                    raise Conflict(
                        f"Account {account.code} has sub-accounts: its type cannot change",
                        details={"type": "The account has sub-accounts"},
                    )
        if "code" in changes and changes["code"] != account.code:
            self._ensure_code_free(session, changes["code"], except_id=account.id)
        if "parent_id" in changes or "type" in changes:
            self._check_parent(
                session,
                changes.get("parent_id", account.parent_id),
                account.id,
                changes.get("type", account.type),
            )
        for key, value in changes.items():
            setattr(account, key, value)
        session.flush()
        return account

    def delete(self, *, session: Session, actor: Principal | None, id: str) -> None:
        account = self.get(session=session, actor=actor, id=id)
        raise Conflict(
            f"Account {account.code} cannot be deleted: deactivate it instead",
            details={"id": "Deactivate the account instead"},
        )

    def _set_active(self, session: Session, id: str, active: bool) -> Account:
        account = self.get(session=session, actor=None, id=id)
        if account.active == active:
            raise Conflict(
                f"Account {account.code} is already {'active' if active else 'inactive'}",
                details={"active": "Unchanged"},
            )
        account.active = active
        note(session, account, action="activate" if active else "deactivate")
        session.flush()
        return account

    def activate(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every command
        id: str,
        args: NoArgs,  # noqa: ARG002
    ) -> Account:
        return self._set_active(session, id, True)

    def deactivate(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every command
        id: str,
        args: NoArgs,  # noqa: ARG002
    ) -> Account:
        return self._set_active(session, id, False)


def has_postings(session: Session, account_id: str) -> bool:
    return (
        session.scalar(
            sa.select(TransactionLine.id).where(TransactionLine.account_id == account_id).limit(1)
        )
        is not None
    )


def has_children(session: Session, account_id: str) -> bool:
    return (
        session.scalar(sa.select(Account.id).where(Account.parent_id == account_id).limit(1))
        is not None
    )


def by_refs(session: Session, refs: Iterable[str]) -> dict[str, Account]:
    """The accounts these ids or codes name (an id wins over a code that looks the same)."""
    wanted = set(refs)
    if not wanted:
        return {}
    found = session.scalars(
        sa.select(Account).where(sa.or_(Account.id.in_(wanted), Account.code.in_(wanted)))
    ).all()
    by_id = {a.id: a for a in found}
    by_code = {a.code: a for a in found}
    return {r: a for r in wanted if (a := by_id.get(r) or by_code.get(r)) is not None}


ACCOUNTS = AccountService()
