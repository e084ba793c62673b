"""Checks on uploaded complaint attachments: the content decides the type, never the name the user gave it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from handschlag.core.errors import InvalidInput

# Magic bytes at the start of the file, per accepted type.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]
ACCEPTED_LABEL = "JPEG, PNG, PDF"
# The extension a download gets: that of the type we detected, whatever the uploaded name said.
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
_UNSAFE = re.compile(r"[^\w.\- ()]+")


@dataclass(frozen=True)
class CheckedUpload:
    upload: Any
    content_type: str
    size: int
    original_name: str


def max_attachment_bytes() -> int:
    """`HANDSCHLAG_COMPLAINT_ATTACHMENT_MAX_BYTES` (settings.py, from the environment), read at call time."""
    return int(settings.HANDSCHLAG_COMPLAINT_ATTACHMENT_MAX_BYTES)


def detect_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def display_name(name: str) -> str:
    """The last path component, without control characters or path syntax; for display and downloads only."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or "attachment"


def check_upload(upload: Any) -> CheckedUpload:
    """Refuse empty, oversized and unrecognised files. Raises InvalidInput on the field `attachments`."""
    name = display_name(getattr(upload, "name", "") or "")
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise InvalidInput.for_field("attachments", _("The file %(name)s is empty.") % {"name": name})
    limit = max_attachment_bytes()
    if size > limit:
        raise InvalidInput.for_field(
            "attachments",
            _("The file %(name)s is %(size)s MB; at most %(limit)s MB are accepted.")
            % {"name": name, "size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = detect_content_type(head)
    if content_type is None:
        raise InvalidInput.for_field(
            "attachments",
            _("The file %(name)s is not a photo or PDF (accepted: %(types)s), whatever its name says.")
            % {"name": name, "types": ACCEPTED_LABEL},
        )
    return CheckedUpload(upload=upload, content_type=content_type, size=size, original_name=name)


def download_name(original_name: str, content_type: str) -> str:
    """The file name a download carries: the uploaded name with the extension of its checked type, so that
    "rechnung.exe" that is a PDF downloads as "rechnung.pdf" and never opens as a program."""
    name = display_name(original_name)
    extension = EXTENSIONS.get(content_type, ".bin")
    path = PurePosixPath(name)
    stem = path.stem if path.suffix else name
    return f"{stem.strip(' .') or 'attachment'}{extension}"
