"""Catalog rules: categories form a tree; an item's SKU is unique and its category real.

Two services with the kit's one signature (``CATEGORIES``, ``ITEMS``). Lines of
orders and invoices resolve their catalog items through :func:`resolve_lines`:
the item's name, price and tax rate fill what a line leaves out, and every line
must be in its document's currency.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from common.catalog import CategoryCreate, CategoryUpdate, ItemCreate, ItemUpdate
from common.lines import LineInput
from common.taxes import TAX_RATES
from server.auth.principal import Principal
from server.catalog.models import Category, Item
from server.errors import Conflict, NotFound, ValidationFailed
from server.inventory.stock import open_records
from server.kit.lines import LineValues
from server.listing import substring_filter

MAX_DEPTH = 20  # categories nest at most this deep


class CategoryService:
    sorts = {"name": Category.name, "created_at": Category.created_at}

    def search(self, session: Session, text: str) -> sa.ColumnElement[bool]:
        return substring_filter(session, (Category.name,), text)

    def get(self, *, session: Session, actor: Principal | None, id: str) -> Category:  # noqa: ARG002
        category = session.get(Category, id)
        if category is None:
            raise NotFound("Category not found")
        return category

    def _check_parent(self, session: Session, parent_id: str | None, own_id: str | None) -> None:
        """The parent exists and is not the category itself or one of its descendants."""
        seen = 0
        at = parent_id
        while at is not None:
            if at == own_id:
                raise ValidationFailed({"parent_id": "A category cannot be inside itself"})
            parent = session.get(Category, at)
            if parent is None:
                raise ValidationFailed({"parent_id": "No such category"})
            seen += 1
            if seen > MAX_DEPTH:
                raise ValidationFailed({"parent_id": f"Categories nest at most {MAX_DEPTH} deep"})
            at = parent.parent_id

    def create(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every module
        data: CategoryCreate,
        id: str | None = None,
    ) -> Category:
        self._check_parent(session, data.parent_id, id)
        category = Category(**({"id": id} if id else {}), **data.model_dump())
        session.add(category)
        session.flush()
        return category

    def update(
        self, *, session: Session, actor: Principal | None, id: str, data: CategoryUpdate
    ) -> Category:
        category = self.get(session=session, actor=actor, id=id)
        changes = data.changes()
        if "parent_id" in changes:
            self._check_parent(session, changes["parent_id"], category.id)
        for key, value in changes.items():
            setattr(category, key, value)
        session.flush()
        return category

    def delete(self, *, session: Session, actor: Principal | None, id: str) -> None:
        # Items and sub-categories pointing here are refused by the declared Refs first.
        session.delete(self.get(session=session, actor=actor, id=id))
        session.flush()


class ItemService:
    load = joinedload(Item.category)
    sorts = {
        "name": Item.name,
        "sku": Item.sku,
        "unit_price": Item.unit_price,
        "created_at": Item.created_at,
    }

    def search(self, session: Session, text: str) -> sa.ColumnElement[bool]:
        """Case-insensitive substring of the SKU or the name."""
        return substring_filter(session, (Item.sku, Item.name), text)

    def get(self, *, session: Session, actor: Principal | None, id: str) -> Item:  # noqa: ARG002
        item = session.get(Item, id, options=[self.load])
        if item is None:
            raise NotFound("Catalog item not found")
        return item

    def _ensure_sku_free(self, session: Session, sku: str, except_id: str | None = None) -> None:
        stmt = sa.select(Item.id).where(Item.sku == sku)
        if except_id is not None:
            stmt = stmt.where(Item.id != except_id)
        if session.scalar(stmt) is not None:
            raise Conflict("Another item already has this SKU", details={"sku": "Already in use"})

    def _category(self, session: Session, category_id: str | None) -> Category | None:
        if category_id is None:
            return None
        category = session.get(Category, category_id)
        if category is None:
            raise ValidationFailed({"category_id": "No such category"})
        return category

    def create(
        self,
        *,
        session: Session,
        actor: Principal | None,  # noqa: ARG002 - the one signature of every module
        data: ItemCreate,
        id: str | None = None,
    ) -> Item:
        category = self._category(session, data.category_id)
        self._ensure_sku_free(session, data.sku)
        item = Item(
            **({"id": id} if id else {}),
            **data.model_dump(exclude={"category_id"}),
            category_id=category.id if category else None,
            category=category,
        )
        session.add(item)
        session.flush()
        open_records(session, item_id=item.id)  # its stock record in every warehouse
        return item

    def update(
        self, *, session: Session, actor: Principal | None, id: str, data: ItemUpdate
    ) -> Item:
        item = self.get(session=session, actor=actor, id=id)
        changes = data.changes()
        if "category_id" in changes:
            category = self._category(session, changes.pop("category_id"))
            item.category_id = category.id if category else None
            item.category = category
        sku = changes.get("sku")
        if isinstance(sku, str) and sku != item.sku:
            self._ensure_sku_free(session, sku, except_id=item.id)
        for key, value in changes.items():
            setattr(item, key, value)
        session.flush()
        return item

    def delete(self, *, session: Session, actor: Principal | None, id: str) -> None:
        # Lines pointing here are refused by the declared Refs first.
        session.delete(self.get(session=session, actor=actor, id=id))
        session.flush()


CATEGORIES = CategoryService()
ITEMS = ItemService()


def resolve_lines(
    session: Session,
    lines: Sequence[LineInput],
    currency: str,
    *,
    field: str = "lines",
    active_items: bool = False,
) -> list[LineValues]:
    """Lines with their catalog items' defaults filled in; 422 naming each bad line.

    ``active_items``: only active items may be used (a new order line). ``field``
    names the list in the error details (``lines.0.item_id``); "" for one line sent alone.
    """
    details: dict[str, str] = {}
    ids = {line.item_id for line in lines if line.item_id is not None}
    items = (
        {i.id: i for i in session.scalars(sa.select(Item).where(Item.id.in_(ids)))} if ids else {}
    )
    out: list[LineValues] = []
    for i, line in enumerate(lines):
        at = f"{field}.{i}." if field else ""
        item = items.get(line.item_id) if line.item_id is not None else None
        if line.item_id is not None and item is None:
            details[f"{at}item_id"] = "No such catalog item"
            continue
        if item is not None and active_items and item.status != "active":
            details[f"{at}item_id"] = f"The item {item.sku} is {item.status}"
        if line.currency is not None and line.currency != currency:
            details[f"{at}currency"] = f"Every line must be in the document's currency ({currency})"
        if line.unit_price is None and item is not None and item.currency != currency:
            details[f"{at}unit_price"] = (
                f"The item's price is in {item.currency}; give a unit price in {currency}"
            )
        unit_price = (
            line.unit_price if line.unit_price is not None else item.unit_price if item else 0
        )
        tax_rate = (
            line.tax_rate
            if "tax_rate" in line.model_fields_set
            else (item.tax_rate if item else None)
        )
        out.append(
            LineValues(
                id=line.id,
                item_id=item.id if item else None,
                sku=item.sku if item else None,
                description=line.description or (item.name if item else None),
                quantity=line.quantity,
                unit_price=unit_price,
                tax_rate=tax_rate,
                tax_basis_points=TAX_RATES[tax_rate].basis_points if tax_rate else 0,
            )
        )
    if details:
        raise ValidationFailed(details)
    return out
