"""Enumerations stored as portable strings (values, not names) with a CHECK constraint."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def db_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)
