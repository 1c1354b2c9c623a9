"""Sales channels of a store (直订, 散客, 电话, OTAs, the mall): the defaults and their edits;
channel mappings (a channel's room-type and rate codes to our room types)."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Channel, ChannelMapping
from apps.orders.services.recipe import _invalid
from apps.tenancy.models import Store

DEFAULT_CHANNELS = [
    # (code, name, type)
    ("direct", "直订", Channel.Type.DIRECT),
    ("walk_in", "散客", Channel.Type.WALK_IN),
    ("phone", "电话预订", Channel.Type.PHONE),
    ("ctrip", "携程", Channel.Type.OTA),
    ("meituan", "美团", Channel.Type.OTA),
    ("fliggy", "飞猪", Channel.Type.OTA),
    ("mall", "商城", Channel.Type.MALL),
]


def channel_defaults_ensure(*, store: Store) -> list[Channel]:
    """Create the default channels the store lacks (idempotent, safe under concurrency)."""
    Channel.objects.bulk_create(
        [Channel(store=store, code=code, name=name, channel_type=kind, sort_order=i) for i, (code, name, kind) in enumerate(DEFAULT_CHANNELS)],
        ignore_conflicts=True,
    )
    return list(Channel.objects.filter(store=store))


def _channel_taken(exc: IntegrityError) -> DomainValidationError:
    if "channel_code_unique_per_store" in str(exc):
        return _invalid(OrderErrorCode.CHANNEL_CODE_TAKEN, _("Another channel has this code."), "code")
    return _invalid(OrderErrorCode.CHANNEL_NAME_TAKEN, _("Another channel has this name."), "name")


def channel_create(
    *, store: Store, code: str, name: str, channel_type: str, description: str = "", is_active: bool = True, sort_order: int = 0,
) -> Channel:
    try:
        with transaction.atomic():
            return Channel.objects.create(
                store=store, code=code, name=name, channel_type=channel_type, description=description,
                is_active=is_active, sort_order=sort_order,
            )
    except IntegrityError as exc:
        raise _channel_taken(exc) from exc


def channel_update(*, channel: Channel, **values: Any) -> Channel:
    allowed = {"code", "name", "channel_type", "description", "is_active", "sort_order"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        setattr(channel, key, value)
    try:
        with transaction.atomic():
            channel.save(update_fields=list(values) or None)
    except IntegrityError as exc:
        raise _channel_taken(exc) from exc
    return channel


# --- channel mappings: a channel's codes to our room types ----------------------------------------


def _mapping_taken(exc: IntegrityError) -> DomainValidationError:
    if "channelmapping_codes_unique_per_channel" in str(exc):
        return _invalid(OrderErrorCode.CHANNEL_MAPPING_TAKEN, _("This channel already maps these codes."), "external_room_code")
    raise exc


def _mapping_check(*, store: Store, channel: Channel, room_type, external_room_code: str) -> None:
    if channel.store_id != store.pk:
        raise _invalid(OrderErrorCode.CHANNEL_UNKNOWN, _("Unknown channel."), "channel")
    if room_type.store_id != store.pk:
        raise _invalid(OrderErrorCode.ROOM_TYPE_UNKNOWN, _("Unknown room type."), "room_type")
    if not (external_room_code or "").strip():
        raise _invalid("invalid", _("This field may not be blank."), "external_room_code")


def channel_mapping_create(
    *, store: Store, channel: Channel, room_type, external_room_code: str, external_rate_code: str = "", is_active: bool = True,
) -> ChannelMapping:
    """Map ``channel``'s room code (and rate code; blank: any rate) to ``room_type``.
    One room type per (channel, codes): ``channel_mapping_taken``."""
    _mapping_check(store=store, channel=channel, room_type=room_type, external_room_code=external_room_code)
    try:
        with transaction.atomic():
            return ChannelMapping.objects.create(
                store=store, channel=channel, room_type=room_type, external_room_code=external_room_code.strip(),
                external_rate_code=(external_rate_code or "").strip(), is_active=is_active,
            )
    except IntegrityError as exc:
        raise _mapping_taken(exc) from exc


def channel_mapping_update(*, mapping: ChannelMapping, **values: Any) -> ChannelMapping:
    allowed = {"room_type", "external_room_code", "external_rate_code", "is_active"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        setattr(mapping, key, value.strip() if isinstance(value, str) else value)
    _mapping_check(store=mapping.store, channel=mapping.channel, room_type=mapping.room_type,
                   external_room_code=mapping.external_room_code)
    try:
        with transaction.atomic():
            mapping.save(update_fields=list(values) or None)
    except IntegrityError as exc:
        raise _mapping_taken(exc) from exc
    return mapping


def channel_mapping_delete(*, mapping: ChannelMapping) -> None:
    mapping.delete()
