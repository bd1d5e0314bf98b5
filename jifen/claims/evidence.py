"""Evidence photos: judged by content, re-encoded without EXIF/GPS, stored once under their hash.

Files live under MEDIA_ROOT/evidence/<sha256[:2]>/<sha256>.<ext> (outside any static root)
with a JPEG thumbnail beside them; pages and the API serve them only after
`jifen.claims.selectors.evidence_visible_to` says yes. The capture time (EXIF
DateTimeOriginal) is kept as a field before the metadata is dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from jifen.claims.models import Evidence
from jifen.core import clock
from jifen.core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CLAIM = 9
MAX_PIXELS = 60_000_000  # a 50-megapixel phone photo passes; decompression bombs do not
THUMB_SIZE = 320
FORMATS = {"JPEG": ("jpeg", "jpg"), "PNG": ("png", "png"), "WEBP": ("webp", "webp")}

Upload = bytes | IO[bytes] | Any  # bytes, a binary file, or a Django UploadedFile


def _refuse(zh: str, en: str, code: str, **detail: Any) -> InvalidInput:
    return InvalidInput(zh, en, code=code, detail={"field": "evidence", **detail})


def read_upload(upload: Upload, *, index: int = 1) -> bytes:
    """The upload's bytes, never reading more than the limit plus one byte."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    elif hasattr(upload, "chunks"):
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_BYTES:
            raise _too_big(index, size)
        data = b"".join(upload.chunks())
    elif hasattr(upload, "read"):
        data = upload.read(MAX_BYTES + 1)
    else:
        raise _refuse(f"第 {index} 张照片无法读取", f"photo {index} cannot be read", "evidence_unreadable", index=index)
    if len(data) > MAX_BYTES:
        raise _too_big(index, len(data))
    if not data:
        raise _refuse(f"第 {index} 张照片是空文件", f"photo {index} is empty", "evidence_empty", index=index)
    return data


def _too_big(index: int, size: int) -> InvalidInput:
    return _refuse(
        f"第 {index} 张照片超过 10 MB", f"photo {index} is larger than 10 MB", "evidence_too_large", index=index, size=size
    )


def _open_checked(data: bytes, index: int) -> Image.Image:
    """Open and fully decode the image, refusing anything that is not a sound JPEG/PNG/WebP."""
    bad = _refuse(
        f"第 {index} 张文件不是有效的 JPEG、PNG 或 WebP 图片",
        f"file {index} is not a valid JPEG, PNG or WebP image",
        "evidence_bad_type",
        index=index,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    raise _refuse(
                        f"第 {index} 张只接受 JPEG、PNG 或 WebP 图片（收到 {fmt}）",
                        f"file {index}: only JPEG, PNG or WebP images are accepted (got {fmt})",
                        "evidence_bad_type",
                        index=index,
                        format=fmt,
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refuse(
                        f"第 {index} 张图片像素过多", f"image {index} has too many pixels", "evidence_too_large", index=index
                    )
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bad from None
    return image


def _captured_at(image: Image.Image, time_zone: str) -> dt.datetime | None:
    """EXIF DateTimeOriginal (or DateTime), read in its offset or else the scheme's zone."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(0x8769)
        raw = sub.get(36867) or exif.get(306)
        if not raw:
            return None
        value = dt.datetime.strptime(str(raw).strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
        offset = sub.get(36881)
        if offset:
            sign = -1 if str(offset).startswith("-") else 1
            hours, minutes = str(offset).strip("+-\x00 ").split(":")
            tz: dt.tzinfo = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
        else:
            tz = ZoneInfo(time_zone)
        return value.replace(tzinfo=tz).astimezone(dt.UTC)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _clean_copy(image: Image.Image) -> Image.Image:
    """Upright pixels only: a new image carries no EXIF, GPS, XMP, ICC or text chunks."""
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = upright.mode in ("P", "PA") and "transparency" in upright.info or upright.mode in ("PA", "RGBa", "La")
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(upright.mode, upright.size, upright.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _flatten(image)
        image.save(out, "JPEG", quality=88)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")


def _thumbnail(image: Image.Image) -> bytes:
    thumb = _flatten(image) if image.mode != "RGB" else image.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size == len(data):
        return  # content-addressed: the same name is the same bytes
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def evidence_store(*, actor: Any, upload: Upload, time_zone: str = "Asia/Shanghai", index: int = 1) -> Evidence:
    """Check one photo, strip its metadata, store it (once per content) and return its row.

    Files are written before the row; if the surrounding transaction rolls back, the file
    stays as an unreferenced, content-named blob that the next identical upload reuses.
    """
    data = read_upload(upload, index=index)
    image = _open_checked(data, index)
    fmt = image.format or ""
    captured = _captured_at(image, time_zone)
    clean = _clean_copy(image)
    stored = _encode(clean, fmt)
    digest = hashlib.sha256(stored).hexdigest()
    existing = Evidence.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    label, ext = FORMATS[fmt]
    rel = Path("evidence") / digest[:2] / f"{digest}.{ext}"
    rel_thumb = Path("evidence") / digest[:2] / f"{digest}.thumb.jpg"
    _write_atomic(media_root() / rel, stored)
    _write_atomic(media_root() / rel_thumb, _thumbnail(clean))
    try:
        with transaction.atomic():
            return Evidence.objects.create(
                sha256=digest, format=label, width=clean.width, height=clean.height, size=len(stored),
                path=str(rel), thumb_path=str(rel_thumb), captured_at=captured,
                uploaded_by=actor if getattr(actor, "pk", None) else None, uploaded_at=clock.now(),
            )
    except IntegrityError:
        # The same photo arrived twice at once; the first row wins.
        return Evidence.objects.get(sha256=digest)


def evidence_path(evidence: Evidence, *, thumb: bool = False) -> Path:
    """Where the stored file is (for a view that has already checked visibility)."""
    return media_root() / (evidence.thumb_path if thumb else evidence.path)
