"""Reference data: London boroughs (GSS codes, names, aliases) and the provider's hubs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, delete, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Borough, Hub, HubBorough
from caseapp.models.codes import BOROUGHS
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.validation import clean_text, fold

_GSS = re.compile(r"^E09\d{6}$", re.IGNORECASE)
# Prefixes people write before a borough's name that do not change which borough it is.
_PREFIXES = ("london borough of ", "royal borough of ", "borough of ", "lb ", "rb ")


@dataclass(frozen=True)
class BoroughInfo:
    """A borough as shown and matched: GSS code, name, and the aliases accepted for it."""

    gss_code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class HubInfo:
    """A hub of the provider and the boroughs it serves (GSS codes)."""

    id: int
    code: str
    name: str
    active: bool
    boroughs: tuple[str, ...] = ()


DEFAULT_BOROUGHS: tuple[BoroughInfo, ...] = tuple(
    BoroughInfo(code, name, aliases) for code, name, aliases in BOROUGHS
)


def _key(text: str) -> str:
    """Fold a borough name so `Barking & Dagenham`, `barking and  dagenham` compare equal."""
    key = fold(text.replace("&", " and ")).replace(".", "").replace(",", "")
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return " ".join(key.split())


def resolve_borough(text: str | None, boroughs: Iterable[BoroughInfo] | None = None) -> str | None:
    """The GSS code for a GSS code, a borough name or an alias; None when nothing matches.

    Empty text is None too. `boroughs` defaults to the 33 London boroughs of the code list;
    pass `list_boroughs(ctx)` to honour aliases added to the store.
    """
    if text is None or not text.strip():
        return None
    candidates = tuple(boroughs) if boroughs is not None else DEFAULT_BOROUGHS
    stripped = text.strip()
    if _GSS.match(stripped):
        code = stripped.upper()
        return code if any(b.gss_code == code for b in candidates) else None
    wanted = _key(stripped)
    for borough in candidates:
        if _key(borough.name) == wanted:
            return borough.gss_code
    for borough in candidates:
        if any(_key(alias) == wanted for alias in borough.aliases):
            return borough.gss_code
    return None


def borough_name(code: str | None) -> str:
    """The name of a borough by GSS code ("" for none, the code itself if unknown)."""
    if not code:
        return ""
    for borough in DEFAULT_BOROUGHS:
        if borough.gss_code == code:
            return borough.name
    return code


def list_boroughs(ctx: Ctx) -> list[BoroughInfo]:
    """Every borough held in the store, by name."""
    with ctx.read() as session:
        rows = session.exec(select(Borough).order_by(col(Borough.name))).all()
        return [
            BoroughInfo(b.gss_code, b.name, tuple(a for a in b.aliases.split(";") if a))
            for b in rows
        ]


def list_hubs(ctx: Ctx, *, include_inactive: bool = False) -> list[HubInfo]:
    """The provider's hubs by name, each with the boroughs it serves."""
    with ctx.read() as session:
        query = select(Hub).order_by(col(Hub.name))
        if not include_inactive:
            query = query.where(col(Hub.active) == True)  # noqa: E712
        hubs = session.exec(query).all()
        served: dict[int, list[str]] = {}
        for link in session.exec(select(HubBorough).order_by(col(HubBorough.gss_code))):
            served.setdefault(link.hub_id, []).append(link.gss_code)
        return [_hub_info(h, served.get(h.id or 0, [])) for h in hubs]


def _hub_info(hub: Hub, boroughs: Iterable[str]) -> HubInfo:
    assert hub.id is not None
    return HubInfo(hub.id, hub.code, hub.name, hub.active, tuple(boroughs))


def hub_names(ctx: Ctx) -> dict[int, str]:
    """Hub id to name, including inactive hubs (old records still name them)."""
    return {h.id: h.name for h in list_hubs(ctx, include_inactive=True)}


def resolve_hub(ctx: Ctx, text: str | None) -> int | None:
    """The id of the hub whose code or name is `text` (case and accents ignored)."""
    if text is None or not text.strip():
        return None
    wanted = fold(text)
    for hub in list_hubs(ctx, include_inactive=True):
        if fold(hub.code) == wanted or fold(hub.name) == wanted:
            return hub.id
    return None


def _check_boroughs(codes: Iterable[str]) -> tuple[str, ...]:
    resolved: list[str] = []
    for text in codes:
        code = resolve_borough(text)
        if code is None:
            raise ValidationError(
                f"Borough: {text!r} is not a London borough; type its name or GSS code.",
                {"boroughs": "a London borough name or GSS code"},
            )
        if code not in resolved:
            resolved.append(code)
    return tuple(resolved)


def add_hub(ctx: Ctx, code: str, name: str, boroughs: Iterable[str] = ()) -> HubInfo:
    """Add a hub (managers); `boroughs` are names, aliases or GSS codes."""
    require(ctx, "settings.manage")
    code_clean = clean_text(code, "code", limit=40)
    name_clean = clean_text(name, "name", limit=120)
    errors = {}
    if not code_clean:
        errors["code"] = "type a short code such as HACKNEY-1"
    if not name_clean:
        errors["name"] = "type the hub's name"
    if errors:
        raise ValidationError("Hub: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    served = _check_boroughs(boroughs)
    with ctx.write() as session:
        clash = session.exec(select(Hub).where(col(Hub.code) == code_clean)).first()
        if clash is not None:
            raise ValidationError(
                f"Hub code {code_clean} is already used.", {"code": "choose another code"}
            )
        hub = Hub(code=code_clean, name=name_clean)
        session.add(hub)
        session.flush()
        assert hub.id is not None
        for gss in served:
            session.add(HubBorough(hub_id=hub.id, gss_code=gss))
        audit.record(session, ctx, "hub_added", fields=["code", "name", "boroughs"], hub_id=hub.id)
        return _hub_info(hub, served)


def update_hub(
    ctx: Ctx,
    hub_id: int,
    *,
    name: str | None = None,
    active: bool | None = None,
    boroughs: Iterable[str] | None = None,
) -> HubInfo:
    """Rename a hub, retire or restore it, or change the boroughs it serves (managers)."""
    require(ctx, "settings.manage")
    served = _check_boroughs(boroughs) if boroughs is not None else None
    with ctx.write() as session:
        hub = session.get(Hub, hub_id)
        if hub is None:
            raise NotFound("No such hub.")
        changed: list[str] = []
        if name is not None:
            new_name = clean_text(name, "name", limit=120)
            if not new_name:
                raise ValidationError("Hub: type the hub's name.", {"name": "type the hub's name"})
            if new_name != hub.name:
                hub.name = new_name
                changed.append("name")
        if active is not None and active != hub.active:
            hub.active = active
            changed.append("active")
        if served is not None:
            session.exec(delete(HubBorough).where(col(HubBorough.hub_id) == hub_id))
            for gss in served:
                session.add(HubBorough(hub_id=hub_id, gss_code=gss))
            changed.append("boroughs")
        session.add(hub)
        if changed:
            audit.record(session, ctx, "hub_changed", fields=changed, hub_id=hub_id)
        current = served
        if current is None:
            links = session.exec(
                select(HubBorough.gss_code).where(col(HubBorough.hub_id) == hub_id)
            ).all()
            current = tuple(sorted(links))
        return _hub_info(hub, current)
