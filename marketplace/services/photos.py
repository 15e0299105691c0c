"""Photos of the posts: checked and re-encoded by Pillow, stored in ``<instance>/uploads/posts``.

Only JPEG, PNG and WebP images are accepted, within ``PHOTO_MAX_BYTES``, ``PHOTO_MAX_PIXELS`` and
``PHOTO_MAX_COUNT`` per post. Re-encoding drops every metadata block (EXIF and its GPS position, XMP, comments)
after applying the EXIF orientation, so what is served is pixels only.

Files follow the transaction: a new file is removed if the transaction that recorded it rolls back (or
never commits), and the file of a deleted photo is removed only once the deletion is committed."""

from __future__ import annotations

import io
import logging
import secrets
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Post, PostPhoto
from . import posts
from .effects import after_commit, after_rollback

log = logging.getLogger(__name__)

# Pillow format name -> (content type, file extension)
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_SIDE = 2560  # larger photos are scaled down: enough for any screen, far lighter to store and serve
JPEG_QUALITY, WEBP_QUALITY = 85, 82


class InvalidPhoto(DomainError):
    """The file is not an acceptable image (or one too many)."""

    field = "photos"  # the name of the file field in the forms


@dataclass(frozen=True)
class Prepared:
    """A checked image, re-encoded, ready to be written."""

    format: str
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Upload:
    """A file as received: its name (for messages only) and its content."""

    name: str
    stream: BinaryIO

    @classmethod
    def of(cls, filename: str | None, stream: BinaryIO) -> Upload:
        """The name as shown in messages: printable, short, never empty."""
        name = "".join(ch for ch in (filename or "") if ch.isprintable()).strip()
        name = Path(name.replace("\\", "/")).name or str(_l("The file"))
        return cls(name if len(name) <= 60 else name[:57] + "…", stream)


# --------------------------------------------------------------------------- storage


def upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads" / "posts"


def path_of(filename: str) -> Path:
    return upload_dir() / Path(filename).name  # never a path from elsewhere, whatever the column holds


def read_file(photo: PostPhoto) -> bytes | None:
    """The stored bytes of a photo (a few MB at most), or None if the file is missing."""
    try:
        return path_of(photo.filename).read_bytes()
    except FileNotFoundError:
        log.warning("The file of photo %s is missing: %s", photo.id, photo.filename)
        return None


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("Could not remove the photo file %s", path)


def remove_files_after_commit(filenames: list[str]) -> None:
    """Remove the files of deleted photos (or posts), once the deletion is committed.

    The paths are resolved now: the callbacks must not push an application context, whose teardown would end
    the request's database session."""
    paths = [path_of(name) for name in filenames]
    if paths:
        after_commit(lambda: _remove(paths))


# --------------------------------------------------------------------------- adding and deleting


def add_photos(actor, post: Post, uploads: list[Upload]) -> list[PostPhoto]:
    """Check, re-encode and record every upload, or none: the first bad file raises InvalidPhoto."""
    posts.ensure_can_edit(actor, post)
    limit = current_app.config["PHOTO_MAX_COUNT"]
    if len(post.photos) + len(uploads) > limit:
        raise InvalidPhoto(_l("A post has %(max)d photos at most: delete one before adding another.", max=limit))
    prepared = [prepare(upload) for upload in uploads]  # every file checked before any is written
    if prepared:
        posts.audit_staff_action(actor, "post.edit", post, photos_added=len(prepared))
    return [_record(post, photo) for photo in prepared]


def delete_photo(actor, post: Post, photo_id: int) -> None:
    posts.ensure_can_edit(actor, post)
    photo = next((p for p in post.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound(_l("This photo does not exist, or no longer does."))
    posts.audit_staff_action(actor, "post.edit", post, photo_deleted=photo.id)
    post.photos.remove(photo)  # delete-orphan: the row goes with the flush
    for position, other in enumerate(post.photos):
        other.position = position
    db.session.flush()
    remove_files_after_commit([photo.filename])


def get_photo(photo_id: int) -> PostPhoto | None:
    return db.session.scalar(sa.select(PostPhoto).where(PostPhoto.id == photo_id)
                             .options(sa.orm.joinedload(PostPhoto.post).joinedload(Post.company)))


def _record(post: Post, prepared: Prepared) -> PostPhoto:
    content_type, extension = FORMATS[prepared.format]
    filename = f"{secrets.token_hex(16)}.{extension}"
    _write(filename, prepared.data)
    photo = PostPhoto(filename=filename, content_type=content_type, width=prepared.width, height=prepared.height,
                      size_bytes=len(prepared.data), position=len(post.photos))
    post.photos.append(photo)
    db.session.flush()
    return photo


def _write(filename: str, data: bytes) -> None:
    """Write the file now, and remove it again if the transaction does not commit."""
    upload_dir().mkdir(parents=True, exist_ok=True)
    path = path_of(filename)
    after_rollback(lambda: _remove([path]))
    path.write_bytes(data)


# --------------------------------------------------------------------------- checking and re-encoding


def _read(upload: Upload) -> bytes:
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidPhoto(_l("%(name)s is too large: %(max)s MB at most per photo.", name=upload.name,
                              max=_megabytes(limit)))
    if not data:
        raise InvalidPhoto(_l("%(name)s is empty.", name=upload.name))
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def prepare(upload: Upload) -> Prepared:
    """The re-encoded image, or InvalidPhoto with a message naming the file."""
    data = _read(upload)
    try:
        with warnings.catch_warnings():  # Pillow only warns up to twice its own limit; ours is checked anyway
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            fmt = _verify(data, upload.name)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
                return _encode(image, fmt)
    except InvalidPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(upload.name) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError,
            TypeError, struct.error) as exc:
        log.info("Photo refused (%s): %r", upload.name, exc)
        raise InvalidPhoto(_l("%(name)s is not a photo we accept: send a JPEG, PNG or WebP image.",
                              name=upload.name)) from exc


def _verify(data: bytes, name: str) -> str:
    """Read the header only: the format and size, checked before any pixel is decoded."""
    with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
        width, height = probe.size
        if width * height > current_app.config["PHOTO_MAX_PIXELS"]:
            raise _too_many_pixels(name)
        probe.verify()
        return probe.format


def _too_many_pixels(name: str) -> InvalidPhoto:
    megapixels = current_app.config["PHOTO_MAX_PIXELS"] / 1_000_000
    return InvalidPhoto(_l("%(name)s has too many pixels: %(max)s megapixels at most.", name=name,
                           max=f"{megapixels:g}"))


def _encode(image: Image.Image, fmt: str) -> Prepared:
    """Upright, scaled down if huge, without any metadata but the colour profile."""
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image.info = {}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=WEBP_QUALITY)
    else:
        options.update(optimize=True)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return Prepared(fmt, buffer.getvalue(), image.width, image.height)
