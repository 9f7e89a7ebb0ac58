"""What every module's schemas share: partial updates, command arguments, common field rules.

A module's ``common/<module>.py`` is its wire contract; these pieces keep the
contracts saying the same thing in the same words (DESIGN.md, partial updates:
absent = unchanged, ``null`` = clear, value = set; clearing a required field
is a 422).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ValidationInfo, field_validator

from common.api import Strict
from common.validation import normalize_phone


class NoArgs(Strict):
    """The arguments of a command that takes none (activate, deactivate, blacklist)."""


class PartialUpdate(Strict):
    """An update body: only the fields sent change; ``__required__`` fields refuse ``null``."""

    __required__: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_cleared(cls, value: Any, info: ValidationInfo) -> Any:
        # Validators run only for sent fields, so None here is an explicit null.
        if value is None and info.field_name in cls.__required__:
            raise ValueError(f"{info.field_name} is required and cannot be cleared")
        return value

    def changes(self) -> dict[str, Any]:
        """The sent fields; a nested partial update contributes its own changes."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            out[name] = value.changes() if isinstance(value, PartialUpdate) else value
        return out


def clean_text(value: str | None, limit: int) -> str | None:
    """Strip; an empty string means "no value"; refuse text over ``limit``."""
    if value is None:
        return None
    if len(value) > limit:  # as sent, as the schema's maxLength counts
        raise ValueError(f"Must be at most {limit} characters")
    return value.strip() or None


def check_website(value: str | None) -> str | None:
    """An http(s) address, or None."""
    value = clean_text(value, 500)
    if value is None:
        return None
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or " " in value:
        raise ValueError("Website must be an http(s) address, e.g. https://example.com")
    return value


def check_social(value: dict[str, str] | None) -> dict[str, str] | None:
    """At most 20 ``{network: handle}`` entries, networks lower case."""
    if value is None:
        return None
    if len(value) > 20:
        raise ValueError("At most 20 social media entries")
    out: dict[str, str] = {}
    for sent, handle in value.items():
        key = sent.strip().lower()
        if not key or len(sent) > 40:  # as sent, as the schema's maxLength counts
            raise ValueError("Social media keys must be 1-40 characters, e.g. twitter")
        if len(handle) > 200:
            raise ValueError(f"The {key} entry must be at most 200 characters")
        out[key] = handle.strip()
    return out


def phone_e164(value: str | None) -> str | None:
    """E.164, or None for an empty string; the display form is derived from it."""
    if value is None or not value.strip():
        return None
    if len(value) > 40:
        raise ValueError("Invalid phone number: too long")
    return normalize_phone(value)[0]


def phone_pair(e164: str | None) -> tuple[str | None, str | None]:
    """``(e164, international display form)`` of a stored number."""
    if e164 is None:
        return None, None
    return normalize_phone(e164)


def example(model: type[BaseModel]) -> dict[str, Any]:
    """The first example a schema declares (Swagger shows it; generated tests send it)."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if not isinstance(examples, list) or not examples or not isinstance(examples[0], dict):
        raise LookupError(f"{model.__name__} declares no example")
    return dict(examples[0])
