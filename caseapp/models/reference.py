"""Reference data and settings: providers, boroughs, hubs, store settings."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Borough(SQLModel, table=True):
    """A London borough by GSS code, with aliases accepted on import (`;`-separated)."""

    gss_code: str = Field(primary_key=True, max_length=9)
    name: str = Field(max_length=60)
    aliases: str = Field(default="", max_length=200)


class Hub(SQLModel, table=True):
    """A room in a community building where the provider works."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    active: bool = True


class HubBorough(SQLModel, table=True):
    """Which boroughs a hub serves."""

    hub_id: int = Field(foreign_key="hub.id", primary_key=True)
    gss_code: str = Field(foreign_key="borough.gss_code", primary_key=True)


class Setting(SQLModel, table=True):
    """A store-wide setting (provider name, suppression threshold, retention, idle lock)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=2000)
