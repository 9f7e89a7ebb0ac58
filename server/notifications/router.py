"""``/api/v1/notifications``: the caller's own notifications and preferences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from common.api import Page
from common.notifications import (
    KINDS,
    NotificationRead,
    PreferencesRead,
    PreferencesUpdate,
)
from server.deps import CurrentUser, SessionDep
from server.listing import MAX_LIMIT, PageNumber, PageRequest
from server.notifications import service
from server.notifications.models import Notification, NotificationPreferences
from server.openapi import errors

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


def notification_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        entity=row.entity,
        entity_id=row.entity_id,
        read=row.read_at is not None,
        read_at=row.read_at,
        created_at=row.created_at,
    )


def preferences_read(prefs: NotificationPreferences) -> PreferencesRead:
    return PreferencesRead(
        email_enabled=prefs.email_enabled,
        sms_enabled=prefs.sms_enabled,
        push_enabled=prefs.push_enabled,
        quiet_hours_start=prefs.quiet_hours_start,
        quiet_hours_end=prefs.quiet_hours_end,
        time_zone=prefs.time_zone,
        kinds={k: service.kind_preference(prefs, k) for k in KINDS},
    )


@router.get("", response_model=Page[NotificationRead], responses=errors(401, 422))
def list_notifications(
    principal: CurrentUser,
    session: SessionDep,
    unread_only: bool = False,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Page[NotificationRead]:
    """Your notifications, newest first; ``unread_only=true`` for the unread (``total``: their count)."""
    result = service.list_notifications(
        session=session,
        user_id=principal.id,
        page=PageRequest(page=page, limit=limit, sort_order="desc"),
        unread_only=unread_only,
    )
    return Page[NotificationRead](
        items=[notification_read(r) for r in result.items],
        total=result.total,
        page=result.page,
        limit=result.limit,
        has_more=result.has_more,
    )


@router.get("/preferences", response_model=PreferencesRead, responses=errors(401))
def get_preferences(principal: CurrentUser, session: SessionDep) -> PreferencesRead:
    """Your channels, quiet hours and the settings of every kind of notification."""
    return preferences_read(service.preferences(session, principal.id))


@router.patch("/preferences", response_model=PreferencesRead, responses=errors(400, 401, 422))
def update_preferences(
    data: PreferencesUpdate, principal: CurrentUser, session: SessionDep
) -> PreferencesRead:
    """Change what you sent; ``kinds`` merge per kind. Quiet hours hold emails back until they end."""
    prefs = service.update_preferences(session=session, user_id=principal.id, data=data)
    return preferences_read(prefs)


@router.post("/read-all", response_model=dict[str, int], responses=errors(401))
def mark_all_read(principal: CurrentUser, session: SessionDep) -> dict[str, int]:
    """Mark all your unread notifications read: ``{"marked": n}``."""
    return {"marked": service.mark_all_read(session=session, user_id=principal.id)}


@router.get("/{notification_id}", response_model=NotificationRead, responses=errors(401, 404))
def get_notification(
    notification_id: str, principal: CurrentUser, session: SessionDep
) -> NotificationRead:
    """One of your notifications."""
    return notification_read(service.get(session=session, user_id=principal.id, id=notification_id))


@router.patch(
    "/{notification_id}/read", response_model=NotificationRead, responses=errors(401, 404)
)
def mark_read(
    notification_id: str, principal: CurrentUser, session: SessionDep
) -> NotificationRead:
    """Mark one of your notifications read."""
    return notification_read(
        service.mark_read(session=session, user_id=principal.id, id=notification_id)
    )
