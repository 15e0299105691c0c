"""Shared helpers of test_posts_owner and test_photos (no tests here)."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image

from marketplace.extensions import db
from marketplace.models import Post

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def post_form(**overrides) -> dict:
    """A valid post form (a need, at the company's address), as the browser sends it."""
    data = {
        "kind": "need", "category": "storage", "title": "Cherche entrepôt sec de 200 m²",
        "description": "Stockage de palettes pendant trois mois, accès poids lourds souhaité.",
        "quantity": "200", "unit": "m²", "location": "company", "postcode": "", "city": "",
        "radius_km": "30", "available_from": "", "available_until": "", "price": "free", "submit_post": "y",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the post tables, read straight from the database."""
    db.session.expire_all()
    return {name: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {name} ORDER BY id"))]
            for name in ("post", "post_photo")}


def fresh(post: Post) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post.id)


def html_of(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[-3000:])
    return response.get_data(as_text=True)


def alerts(response) -> str:
    """The text of the flashed messages and alerts of a page."""
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S))


def field_error(response, field_id: str) -> str:
    """The error text bound to a field (``<id>-error``), or ''."""
    match = re.search(r'id="%s-error"[^>]*>(.*?)</div>' % re.escape(field_id), response.get_data(as_text=True),
                      re.S)
    return match.group(1).strip() if match else ""


def measure(client, count_queries, url: str) -> int:
    """The SQL statements of one page, as a fresh request would run them (the test's session is shared with
    the app's: expire it so that nothing is served from what the test itself loaded)."""
    db.session.expire_all()
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len([q for q in queries if not q.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))])


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour=(200, 30, 30), **save_options) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") and len(colour) == 4 else "RGB"
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def gps_jpeg(orientation: int | None = None, size: tuple[int, int] = (80, 40)) -> bytes:
    """A JPEG with an EXIF GPS position (Lyon), a camera model and optionally an orientation."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (45.0, 45.0, 0.0), 3: "E", 4: (4.0, 50.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return (io.BytesIO(data), name, content_type)
