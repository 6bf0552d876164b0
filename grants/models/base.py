"""Declarative base and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


Money = Numeric(14, 2, asdecimal=True)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime(), Decimal: Money},
    )


class Labelled:
    """Admin-entered text (a round's name, issuer and description, a category's name) in each
    interface language.

    The text column (``name``, ``issuer`` ...) holds the text as given, in Traditional Chinese by
    default; ``labels`` (a JSON column of the model) holds the other languages:
    ``{"name": {"zh_Hans": "...", "en": "..."}}``. ``label(locale, field)`` gives the text for a
    locale and falls back to the text as given. Templates use the ``label`` filter (current
    locale): ``{{ rnd|label }}``, ``{{ rnd|label("issuer") }}``, ``{{ category|label }}``; Python code
    ``grants.platform.i18n.label(obj, field)``, or ``obj.label(locale)`` for a chosen language.
    """

    #: The languages besides the one given that a label may carry.
    LABEL_LOCALES = ("zh_Hant", "zh_Hans", "en")

    def label(self, locale=None, field: str = "name") -> str:
        given = getattr(self, field) or ""
        if locale:
            text = ((getattr(self, "labels", None) or {}).get(field) or {}).get(str(locale))
            if text:
                return text
        return given

    def translations(self, field: str = "name") -> dict[str, str]:
        """``{locale: text}`` stored for ``field`` (without the text as given)."""
        return dict((getattr(self, "labels", None) or {}).get(field) or {})

    def all_labels(self, field: str = "name") -> set[str]:
        """The text as given and every translation (e.g. to match a reviewer's expertise tags)."""
        return {text for text in (getattr(self, field), *self.translations(field).values()) if text}

    def set_translations(self, field: str, texts) -> None:
        """Store ``{locale: text}`` for ``field``; blank texts are dropped (they fall back)."""
        kept = {loc: text.strip() for loc, text in (texts or {}).items()
                if loc in self.LABEL_LOCALES and isinstance(text, str) and text.strip()}
        labels = {k: dict(v) for k, v in (getattr(self, "labels", None) or {}).items()}
        if kept:
            labels[field] = kept
        else:
            labels.pop(field, None)
        self.labels = labels  # a new dict, so the JSON column is seen as changed
