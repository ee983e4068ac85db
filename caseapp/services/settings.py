"""Store-wide settings with defaults: provider name, threshold, retention, idle lock."""

from __future__ import annotations

from types import MappingProxyType

from caseapp.errors import ValidationError
from caseapp.models import Setting
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.permissions import require

DEFAULTS = MappingProxyType(
    {
        "provider_name": "Women's Centre",
        "reference_prefix": "MIN",
        "suppression_threshold": "10",
        "retention_years": "6",
        "idle_lock_minutes": "5",
        "privacy_notice_version": "1.0",
    }
)

# Integer settings and their allowed ranges; the idle lock may not exceed 15 minutes.
INT_RANGES = MappingProxyType(
    {
        "suppression_threshold": (2, 100),
        "retention_years": (1, 100),
        "idle_lock_minutes": (1, 15),
    }
)


def get(ctx: Ctx, key: str) -> str:
    """Read a setting, falling back to its default."""
    with ctx.read() as session:
        row = session.get(Setting, key)
        return row.value if row else DEFAULTS.get(key, "")


def get_int(ctx: Ctx, key: str) -> int:
    """Read an integer setting."""
    return int(get(ctx, key))


def set_value(ctx: Ctx, key: str, value: str) -> None:
    """Change a setting (managers only); integer settings are range-checked."""
    require(ctx, "settings.manage")
    if key not in DEFAULTS:
        raise ValidationError(f"Unknown setting {key!r}.")
    if key in INT_RANGES:
        low, high = INT_RANGES[key]
        if not value.strip().isdigit() or not low <= int(value) <= high:
            raise ValidationError(f"{key} must be a whole number from {low} to {high}.")
        value = str(int(value))
    with ctx.write() as session:
        row = session.get(Setting, key) or Setting(key=key, value=value)
        row.value = value
        session.add(row)
        audit.record(session, ctx, "setting_changed", fields=[key])
