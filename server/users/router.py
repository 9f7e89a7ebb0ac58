"""``/api/v1/users`` and ``/api/v1/roles``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from common.api import DataList, Page
from common.users import RoleAssign, RoleRead, UserRead, UserUpdate
from server.auth.principal import Account
from server.deps import CurrentUser, Principal, Require, SessionDep
from server.errors import Forbidden
from server.listing import PageNumber, PageRequest
from server.listing import sort_by as sort_by_query
from server.openapi import errors
from server.users import service
from server.users.models import Role, User

router = APIRouter(prefix="/api/v1/users", tags=["users"])
roles_router = APIRouter(prefix="/api/v1/roles", tags=["roles"])


def user_read(user: User | Account) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        name=user.name,
        active=user.active,
        roles=user.role_names,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def role_read(role: Role) -> RoleRead:
    return RoleRead(
        id=role.id,
        name=role.name,
        description=role.description,
        permissions=list(role.permissions),
        created_at=role.created_at,
        updated_at=role.updated_at,
    )


@router.get("", response_model=Page[UserRead], responses=errors(401, 403, 422))
def list_users(
    _: Annotated[Principal, Require("users:read")],
    session: SessionDep,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort_by: Annotated[str | None, sort_by_query(service.USER_SORTS)] = None,
    sort_order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    search: Annotated[str | None, Query(max_length=200)] = None,
    active: Annotated[bool | None, Query()] = None,
) -> Page[UserRead]:
    """Users, a page at a time; search matches email and name."""
    result = service.list_users(
        session=session,
        page=PageRequest(
            page=page, limit=limit, sort_by=sort_by, sort_order=sort_order, search=search
        ),
        active=active,
    )
    return Page[UserRead](
        items=[user_read(u) for u in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )


@router.get("/{user_id}", response_model=UserRead, responses=errors(401, 403, 404))
def get_user(user_id: str, principal: CurrentUser, session: SessionDep) -> UserRead:
    """One user: yourself always, anyone else with ``users:read``."""
    if user_id != principal.id and not principal.can("users:read"):
        raise Forbidden("Missing permission: users:read")
    return user_read(service.get_user(session=session, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead, responses=errors(400, 401, 403, 404, 409, 422))
def update_user(
    user_id: str,
    data: UserUpdate,
    principal: Annotated[Principal, Require("users:write")],
    session: SessionDep,
) -> UserRead:
    """Partial update of email and name; 409 if the email is taken."""
    user = service.update_user(
        session=session,
        actor_id=principal.id,
        actor_permissions=principal.permissions,
        user_id=user_id,
        data=data,
    )
    return user_read(user)


@router.patch("/{user_id}/activate", response_model=UserRead, responses=errors(401, 403, 404, 409))
def activate_user(
    user_id: str, principal: Annotated[Principal, Require("users:write")], session: SessionDep
) -> UserRead:
    """Reactivate a deactivated user; 409 if already active."""
    return user_read(
        service.set_active(
            session=session,
            actor_id=principal.id,
            actor_permissions=principal.permissions,
            user_id=user_id,
            active=True,
        )
    )


@router.patch(
    "/{user_id}/deactivate", response_model=UserRead, responses=errors(401, 403, 404, 409)
)
def deactivate_user(
    user_id: str, principal: Annotated[Principal, Require("users:write")], session: SessionDep
) -> UserRead:
    """Deactivate a user: every session and access token of theirs stops working at once."""
    return user_read(
        service.set_active(
            session=session,
            actor_id=principal.id,
            actor_permissions=principal.permissions,
            user_id=user_id,
            active=False,
        )
    )


@router.post("/{user_id}/roles", response_model=UserRead, responses=errors(400, 401, 403, 404, 422))
def assign_role(
    user_id: str,
    data: RoleAssign,
    principal: Annotated[Principal, Require("roles:manage")],
    session: SessionDep,
) -> UserRead:
    """Grant a role (idempotent); only roles whose permissions the caller holds."""
    return user_read(
        service.assign_role(
            session=session,
            actor_permissions=principal.permissions,
            user_id=user_id,
            role_id=data.role_id,
        )
    )


@router.delete(
    "/{user_id}/roles/{role_id}", response_model=UserRead, responses=errors(401, 403, 404, 409)
)
def remove_role(
    user_id: str,
    role_id: str,
    principal: Annotated[Principal, Require("roles:manage")],
    session: SessionDep,
) -> UserRead:
    """Take a role away from a user."""
    return user_read(
        service.remove_role(
            session=session,
            actor_id=principal.id,
            actor_permissions=principal.permissions,
            user_id=user_id,
            role_id=role_id,
        )
    )


@roles_router.get("", response_model=DataList[RoleRead], responses=errors(401, 403))
def list_roles(
    _: Annotated[Principal, Require("roles:read")], session: SessionDep
) -> DataList[RoleRead]:
    """Every role with its permissions."""
    return DataList[RoleRead](data=[role_read(r) for r in service.list_roles(session=session)])
