"""Channels: how a rendered notification leaves the building. Pluggable through
``settings.PMS_NOTIFICATION_CHANNELS`` (channel code -> class path).

An adapter resolves the address of a contact on its channel, masks it for the log, and
sends. ``ChannelError`` is a failure worth retrying (network, provider busy);
``PermanentChannelError`` one that is not (the provider refuses the address).

Shipped: e-mail through Django's e-mail backend (``EMAIL_BACKEND``), and development
backends for SMS and WeChat subscribe messages that write one line to the log (and to
``PMS_NOTIFICATION_DEV_OUTBOX``, a JSON-lines file, when set) with the masked address and
the message length, never the text (it holds the guest's name) or a clear number.
A production SMS adapter (Aliyun, Tencent Cloud) subclasses ``SmsChannel`` and
implements ``send``; it should pass ``notification_id`` as the provider's idempotency key
or out-id where the provider has one.
"""
from __future__ import annotations

import json
import logging
import threading
from email.utils import make_msgid
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.contacts.selectors import contact_phone_for_sending

logger = logging.getLogger(__name__)
_outbox_lock = threading.Lock()


class ChannelError(Exception):
    """The message could not be sent now; another attempt may succeed."""


class PermanentChannelError(ChannelError):
    """The channel refuses this message for good (e.g. an invalid address)."""


class Channel:
    code = ""
    # E-mail has a subject and a long body; text channels send the short text only.
    uses_subject = False

    def address_for(self, contact) -> str | None:
        raise NotImplementedError

    def mask(self, address: str) -> str:
        return address[:2] + "***" if address else ""

    def send(self, *, address: str, subject: str, body: str, notification_id: int) -> str:
        """Send; return the provider's message id ("" if none). Raise ``ChannelError``."""
        raise NotImplementedError


def mask_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:2]}***@{domain}" if domain else "***"


class EmailChannel(Channel):
    code = "email"
    uses_subject = True

    def address_for(self, contact) -> str | None:
        return (contact.email or "").strip() or None

    def mask(self, address: str) -> str:
        return mask_email(address)

    def send(self, *, address: str, subject: str, body: str, notification_id: int) -> str:
        message_id = make_msgid(domain="pms")
        message = EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
            headers={"Message-ID": message_id, "X-PMS-Notification": str(notification_id)},
        )
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # SMTP errors are OSErrors (smtplib.SMTPException), so are network errors
            raise ChannelError(f"email: {type(exc).__name__}") from exc
        return message_id


class SmsChannel(Channel):
    """Text messages to the contact's mobile number (decrypted here, only to send)."""

    code = "sms"

    def address_for(self, contact) -> str | None:
        return contact_phone_for_sending(contact=contact)

    def mask(self, address: str) -> str:
        # E.164; a mainland number is shown as the desk writes it (138****5678).
        digits = address[3:] if address.startswith("+86") else address.lstrip("+")
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


class WeChatChannel(Channel):
    """WeChat subscribe messages (订阅消息) to the guest's openid of the store's mini-program.

    Guests' openids are not collected yet (contacts has none): a production adapter needs
    that binding first; without it every message is skipped with ``no_address``."""

    code = "wechat"

    def address_for(self, contact) -> str | None:
        return None

    def mask(self, address: str) -> str:
        return address[:6] + "***" if address else ""


def _dev_write(channel: str, *, address_masked: str, notification_id: int, subject: str, body: str) -> str:
    line = {
        "at": timezone.now().isoformat(), "channel": channel, "notification_id": notification_id,
        "to": address_masked, "chars": len(body), "has_subject": bool(subject),
    }
    logger.info("notification.dev_sent", extra=line)
    path = settings.PMS_NOTIFICATION_DEV_OUTBOX
    if path:
        with _outbox_lock, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    return f"dev-{channel}-{notification_id}"


class DevSmsChannel(SmsChannel):
    """Development backend: logs instead of sending."""

    def send(self, *, address: str, subject: str, body: str, notification_id: int) -> str:
        return _dev_write(self.code, address_masked=self.mask(address), notification_id=notification_id, subject="", body=body)


class DevWeChatChannel(WeChatChannel):
    """Development backend: every contact has a made-up openid; logs instead of sending."""

    def address_for(self, contact) -> str | None:
        return f"dev-openid-{contact.pk}"

    def send(self, *, address: str, subject: str, body: str, notification_id: int) -> str:
        return _dev_write(self.code, address_masked=self.mask(address), notification_id=notification_id, subject="", body=body)


@cache
def _channel(path: str) -> Channel:
    return import_string(path)()


def channel_codes() -> list[str]:
    return list(settings.PMS_NOTIFICATION_CHANNELS)


def channel_get(code: str) -> Channel | None:
    path = settings.PMS_NOTIFICATION_CHANNELS.get(code)
    return _channel(path) if path else None
