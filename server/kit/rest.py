"""REST routes generated from a :class:`Resource`, in the shape its spec section shows.

No ``from __future__ import annotations`` here: the endpoints are built inside
:func:`router` and FastAPI reads their annotations, which name the resource's
own schemas, at run time.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Optional, cast

from fastapi import APIRouter, Body, Query, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model
from sqlalchemy.orm import Session

from common.api import Created, CreatedId, CursorPage, DataList, Page
from common.micro_crm import DataEnvelope, ListEnvelope, Pagination
from server.auth.principal import Principal
from server.deps import Reading, Reads, Require, SessionDep
from server.errors import ValidationFailed, validation_details
from server.kit.lists import list_page
from server.kit.refs import refuse_if_referenced
from server.kit.resource import Command, ListSpec, Ref, Resource
from server.listing import sort_by_statement
from server.micro_crm import MicroCrmRoute, micro_errors
from server.openapi import errors

_ANY = TypeAdapter(Any)


def json_answer(value: Any) -> Response:
    """``value`` (a model, or plain data holding models) as the JSON bytes FastAPI would send."""
    body = (
        value.model_dump_json(by_alias=True)
        if isinstance(value, BaseModel)
        else _ANY.dump_json(value, by_alias=True)
    )
    return Response(body, media_type="application/json")


def parse_args(command: Command[Any], raw: Any) -> BaseModel:
    """A command's arguments, checked by its schema: the same for REST bodies and sync pushes."""
    if isinstance(raw, command.args):
        return raw
    try:
        return command.args.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise ValidationFailed(validation_details(exc.errors())) from None


def router(resource: Resource[Any], refs: Sequence[Ref] = ()) -> APIRouter:
    """The module's routes: list, get, create, update, delete and one per command, as declared."""
    shape = resource.rest
    micro = shape.kind == "micro_crm"
    wire = shape.wire
    read = wire.read if wire else resource.read
    read_schema: Any = wire.read_schema if wire else resource.read_schema
    ids = dict(wire.operation_ids) if wire else {}
    answers: Callable[..., dict[int | str, dict[str, Any]]] = micro_errors if micro else errors
    name = resource.path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
    api = APIRouter(
        prefix=resource.path,
        tags=[resource.tag or name],
        route_class=MicroCrmRoute if micro else APIRoute,
    )
    service = resource.service
    Reader = Annotated[Principal, Require(resource.read_permission)]  # noqa: N806
    Writer = Annotated[Principal, Require(resource.write_permission)]  # noqa: N806
    one_model: Any = DataEnvelope[read_schema] if micro else read_schema

    def one(obj: Any) -> Any:
        return one_model(data=read(obj)) if micro else read(obj)

    def add(path: str, endpoint: Callable[..., Any], method: str, op: str, **kw: Any) -> None:
        api.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=f"{op}_{name}",
            operation_id=ids.get(op),
            **kw,
        )

    _list_route(resource, add, read, read_schema, answers)
    if shape.get:

        def get_one(id: str, principal: Reader, session: SessionDep) -> Any:
            return one(service.get(session=session, actor=principal, id=id))

        add(
            "/{id}",
            get_one,
            "GET",
            "get",
            response_model=one_model,
            responses=answers(400, 401, 403, 404, 429) if micro else answers(401, 403, 404),
            summary=f"One {resource.entity}",
        )
    if shape.create:
        body: Any = wire.create if wire and wire.create else resource.create
        to_create = wire.to_create if wire and wire.to_create else (lambda b: b)
        cursor = shape.kind == "cursor"

        def create(data: Annotated[body, Body()], principal: Writer, session: SessionDep) -> Any:
            obj = service.create(session=session, actor=principal, data=to_create(data))
            return Created(data=CreatedId(id=obj.id)) if cursor else one(obj)

        add(
            "",
            create,
            "POST",
            "create",
            status_code=201,
            response_model=Created if cursor else one_model,
            responses=answers(400, 401, 403, 404, 409, 429)
            if micro
            else answers(400, 401, 403, 409, 422),
            summary=f"Create a {resource.entity}",
        )
    if shape.update:
        changes: Any = wire.update if wire and wire.update else resource.update
        to_update = wire.to_update if wire and wire.to_update else (lambda b: b)

        def update(
            id: str, data: Annotated[changes, Body()], principal: Writer, session: SessionDep
        ) -> Any:
            return one(
                service.update(session=session, actor=principal, id=id, data=to_update(data))
            )

        add(
            "/{id}",
            update,
            shape.update,
            "update",
            response_model=one_model,
            responses=answers(400, 401, 403, 404, 409, 429)
            if micro
            else answers(400, 401, 403, 404, 409, 422),
            summary=f"Partial update of a {resource.entity}: absent = unchanged, null = clear",
        )
    if shape.delete:

        def delete(id: str, principal: Writer, session: SessionDep) -> Response:
            refuse_if_referenced(session, refs, id)
            service.delete(session=session, actor=principal, id=id)
            return Response(status_code=204)

        add(
            "/{id}",
            delete,
            "DELETE",
            "delete",
            status_code=204,
            responses=answers(401, 403, 404, 409),
            summary=f"Delete a {resource.entity}",
        )
    for command in resource.commands:
        if command.http is not None:
            _command_route(resource, command, add, one, one_model, answers)
    return api


def _list_route(
    resource: Resource[Any],
    add: Callable[..., None],
    read: Callable[[Any], Any],
    read_schema: Any,
    answers: Callable[..., dict[int | str, dict[str, Any]]],
) -> None:
    kind = resource.rest.kind
    query: Any = _stated_query(resource.listing)

    # The page's blocking work runs in one worker-thread hand-over (``Reading``) and is
    # written straight to JSON bytes: FastAPI would validate the answer again against
    # ``response_model``, which stays declared for the OpenAPI document.
    def serve(
        q: Any, make: Callable[[Session, Any], Any]
    ) -> Callable[[Session, Principal], Response]:
        return lambda session, _: json_answer(make(session, q))

    if kind == "page":
        model: Any = Page[read_schema]

        def make(session: Session, q: Any) -> Any:
            result = list_page(session, resource, q)
            return model(
                items=[read(o) for o in result.items],
                total=result.total,
                page=result.page,
                limit=result.limit,
                has_more=result.has_more,
            )

        codes = answers(401, 403, 422)
    elif kind == "micro_crm":
        model = ListEnvelope[read_schema]

        def make(session: Session, q: Any) -> Any:
            result = list_page(session, resource, q)
            return model(
                data=[read(o) for o in result.items],
                pagination=Pagination(
                    total=result.total,
                    limit=q.limit,
                    offset=q.offset,
                    has_more=q.offset + len(result.items) < result.total,
                ),
            )

        codes = answers(400, 401, 403, 429)
    elif kind == "data":
        model = DataList[read_schema]

        def make(session: Session, q: Any) -> Any:
            return model(
                data=[read(o) for o in list_page(session, resource, q, everything=True).items]
            )

        codes = answers(401, 403, 422)
    else:  # cursor: ids are UUIDv7, so id order is creation order
        model = CursorPage[read_schema]

        def make(session: Session, q: Any) -> Any:
            result = list_page(session, resource, q)
            more = result.total > len(result.items)
            last = result.items[-1].id if result.items and more else None
            return model(
                data={
                    "items": [read(o) for o in result.items],
                    "next_cursor": last,
                    "has_more": more,
                    "limit": result.limit,
                }
            )

        codes = answers(401, 403, 422)

    Lister: Any = Annotated[Reading, Reads(resource.read_permission)]  # noqa: N806

    async def listing(q: Annotated[query, Query()], reading: Lister) -> Response:
        answer: Response = await reading(serve(q, make))
        return answer

    add(
        "",
        listing,
        "GET",
        "list",
        response_model=model,
        responses=codes,
        summary=f"List {resource.entity} records",
    )


def _stated_query(spec: ListSpec) -> type[BaseModel]:
    """The list's query schema, its ``sort_by`` stating the sort names the list has."""
    query = spec.query
    if "sort_by" not in query.model_fields:
        return query
    field: Any = (str | None, Field(default=None, **sort_by_statement(spec.sorts)))
    return create_model(query.__name__, __base__=query, sort_by=field)


def _command_route(
    resource: Resource[Any],
    command: Command[Any],
    add: Callable[..., None],
    one: Callable[[Any], Any],
    one_model: Any,
    answers: Callable[..., dict[int | str, dict[str, Any]]],
) -> None:
    permission = command.permission or resource.write_permission
    Actor = Annotated[Principal, Require(permission)]  # noqa: N806
    args_schema: Any = command.args
    # Arguments with required fields need a body; others may leave it out ({} then).
    required = any(f.is_required() for f in command.args.model_fields.values())

    def run(
        id: str,
        principal: Actor,
        session: SessionDep,
        args: Annotated[Optional[args_schema], Body()] = None,  # noqa: UP045 - a run-time type
    ) -> Any:
        resource.service.get(session=session, actor=principal, id=id)  # an unknown id: 404 first
        obj = command.run(session=session, actor=principal, id=id, args=parse_args(command, args))
        return one(obj)

    def run_with_body(
        id: str,
        principal: Actor,
        session: SessionDep,
        args: Annotated[args_schema, Body()],
    ) -> Any:
        obj = command.run(session=session, actor=principal, id=id, args=parse_args(command, args))
        return one(obj)

    add(
        f"/{{id}}/{command.name}",
        run_with_body if required else run,
        cast(str, command.http),
        command.name,
        response_model=one_model,
        responses=answers(400, 401, 403, 404, 409, 422)
        if required
        else answers(401, 403, 404, 409, 422),
        summary=command.summary or f"{command.name.capitalize()} a {resource.entity}",
    )
