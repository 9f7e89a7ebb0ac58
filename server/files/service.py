"""Files: the rules. Whoever may read the record may read its files; services flush, never commit."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.auth.principal import Principal
from server.errors import Forbidden, NotFound, ValidationFailed
from server.files.models import StoredFile
from server.files.storage import BlobStore, claim
from server.files.targets import TARGETS, Target, readable_by
from server.files.upload import FILE_PART, Upload
from server.listing import PageRequest, PageResult, paginate

SORTS = {"created_at": StoredFile.created_at, "name": StoredFile.name, "size": StoredFile.size}


def _target(entity: str) -> Target:
    target = TARGETS.get(entity)
    if target is None:
        raise ValidationFailed({"entity": f"Files cannot belong to a {entity!r}"})
    return target


def _record(session: Session, actor: Principal, entity: str, entity_id: str) -> Target:
    """The record a file is to belong to: it exists and the caller may read it."""
    target = _target(entity)
    if not actor.can(target.read):
        raise Forbidden(f"Missing permission: {target.read}")
    if session.get(target.model, entity_id) is None:
        raise ValidationFailed({"entity_id": f"No {entity} with this id"})
    return target


def readable(actor: Principal) -> sa.ColumnElement[bool]:
    """The files ``actor`` may read: their own loose uploads, and those of records they may read."""
    own = sa.and_(StoredFile.entity.is_(None), StoredFile.created_by == actor.id)
    return sa.or_(own, StoredFile.entity.in_(readable_by(actor)))


def create(
    *, session: Session, store: BlobStore, actor: Principal, upload: Upload, mime_type: str
) -> StoredFile:
    """Store a received upload and its metadata, attached to a record when it names one."""
    entity = upload.fields.get("entity")
    entity_id = upload.fields.get("entity_id")
    if (entity is None) != (entity_id is None):
        missing = "entity" if entity is None else "entity_id"
        raise ValidationFailed({missing: "Give both entity and entity_id, or neither"})
    if entity is not None and entity_id is not None:
        _record(session, actor, entity, entity_id)
    claim(session, store, upload.digest, upload.size, upload.path)
    row = StoredFile(
        name=upload.name,
        mime_type=mime_type,
        size=upload.size,
        digest=upload.digest,
        entity=entity,
        entity_id=entity_id,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def refuse_type(name: str, detected: str) -> ValidationFailed:
    return ValidationFailed(
        {FILE_PART: f"The content is {detected}, which is not what the name {name!r} says"}
    )


def get(*, session: Session, actor: Principal, id: str) -> StoredFile:
    row = session.scalar(sa.select(StoredFile).where(StoredFile.id == id, readable(actor)))
    if row is None:
        raise NotFound("File not found")
    return row


def list_files(
    *,
    session: Session,
    actor: Principal,
    page: PageRequest,
    entity: str | None = None,
    entity_id: str | None = None,
) -> PageResult[StoredFile]:
    filters = [readable(actor)]
    if entity is not None:
        filters.append(StoredFile.entity == entity)
    if entity_id is not None:
        filters.append(StoredFile.entity_id == entity_id)
    return paginate(
        session,
        sa.select(StoredFile),
        page,
        sortable=SORTS,
        default_sort="created_at",
        tiebreak=StoredFile.id,
        search_columns=[StoredFile.name],
        filters=filters,
    )


def delete(*, session: Session, actor: Principal, id: str) -> str:
    """Delete a file: its uploader for a loose one, whoever may change its record otherwise.

    Returns the content's digest: its bytes go once no file names them (storage.collect).
    """
    row = get(session=session, actor=actor, id=id)
    if row.entity is None:
        if row.created_by != actor.id:
            raise Forbidden("Only its uploader may delete this file")
    else:
        target = _target(row.entity)
        if not actor.can(target.write):
            raise Forbidden(f"Missing permission: {target.write}")
    session.delete(row)
    session.flush()
    return row.digest
