"""Uploaded images (a store's logo, room type photos) through Django's storage API, so a
deployment may keep them in an S3-compatible store shared by every web instance
(``STORAGES["default"]``, e.g. django-storages).

An upload is checked before anything is stored: at most ``max_bytes``, and an image
Pillow reads as PNG, JPEG or WebP. It is then re-encoded by Pillow (resized to fit
``max_px``): what is stored is pixels we wrote, never the bytes a user sent, so a file
that is also HTML or a script is not kept. Names are made here (``<schema>/<folder>/<uuid>.<ext>``),
never taken from the user. ``media_response`` serves a stored image to the signed-in
staff of its tenant with headers that forbid running anything.
"""
from __future__ import annotations

import io
import re
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError

try:  # Pillow is in requirements.txt; without it uploads are refused, never stored unchecked
    from PIL import Image, UnidentifiedImageError
except ImportError:  # pragma: no cover
    Image = None

FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: ctype for ext, ctype in FORMATS.values()}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
NAME_RE = re.compile(r"^[a-z0-9_]+/[a-z0-9_-]+/[0-9a-f]{32}\.(png|jpg|webp)$")


def _refuse(field: str, message: str) -> DomainValidationError:
    return DomainValidationError("upload_invalid", message, extra={"fields": {field: [message]}})


def image_save(*, upload, folder: str, field: str = "image", max_bytes: int = DEFAULT_MAX_BYTES, max_px: int = 1600) -> str:
    """Check, resize and store ``upload`` (a Django ``UploadedFile``); the stored name."""
    if upload.size is None or upload.size > max_bytes:
        raise _refuse(field, _("The file is too large (at most %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)})
    if Image is None:
        raise _refuse(field, _("Images cannot be uploaded on this server."))
    data = upload.read(max_bytes + 1)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse(field, _("Upload a PNG, JPEG or WebP image.")) from None
    if kind not in FORMATS:
        raise _refuse(field, _("Upload a PNG, JPEG or WebP image."))
    image.thumbnail((max_px, max_px))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind)
    ext = FORMATS[kind][0]
    name = f"{connection.schema_name}/{folder}/{uuid.uuid4().hex}.{ext}"
    return default_storage.save(name, ContentFile(out.getvalue()))


def media_response(*, name: str):
    """A stored image of the current tenant, served inertly (nosniff, a sandboxing CSP,
    the content type from our own name's extension); anything else is 404."""
    if not NAME_RE.match(name) or not name.startswith(f"{connection.schema_name}/") or not default_storage.exists(name):
        raise Http404
    ext = name.rsplit(".", 1)[1]
    response = FileResponse(default_storage.open(name, "rb"), content_type=CONTENT_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


