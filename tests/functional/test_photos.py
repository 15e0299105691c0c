"""Photos of the posts: Pillow-checked uploads, limits, metadata stripped, who may see them, and files that follow
the transaction (removed after a deletion, never left behind by a failed request)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from marketplace.extensions import db
from marketplace.models import CloseReason, Post, PostPhoto, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import photos

from .. import factories
from .accounts_support import persist
from .posts_owner_support import (
    alerts,
    fresh,
    gps_jpeg,
    image_bytes,
    snapshot,
    upload,
)

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@pytest.fixture
def owner(db):
    return factories.MemberFactory()


@pytest.fixture
def post(owner):
    return factories.PostFactory(company=owner.company)


@pytest.fixture
def logged_owner(owner, post, login, english):
    persist()
    login(owner)
    return owner


@pytest.fixture
def upload_dir(app) -> Path:
    folder = Path(app.instance_path) / "uploads" / "posts"  # no app context of its own: it would end the session
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def send(client, post_id: int, *files, follow: bool = True):
    return client.post(f"/posts/{post_id}/photos", data={"photos": list(files)}, content_type="multipart/form-data",
                       follow_redirects=follow)


def photos_of(post: Post) -> list[PostPhoto]:
    return list(fresh(post).photos)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's header)."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    return bytes(data)


def noisy_jpeg(size=(300, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


# --------------------------------------------------------------------------- accepted images


@pytest.mark.parametrize("fmt, name", [("JPEG", "photo.jpg"), ("PNG", "plan.png"), ("WEBP", "vue.webp")])
def test_a_valid_image_is_stored_and_served_with_its_type(client, logged_owner, post, upload_dir, fmt, name):
    response = send(client, post.id, upload(image_bytes(fmt, (64, 48)), name, CONTENT_TYPES[fmt]), follow=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/posts/{post.id}/edit#photos")
    [photo] = photos_of(post)
    assert (photo.content_type, photo.width, photo.height, photo.position) == (CONTENT_TYPES[fmt], 64, 48, 0)
    assert photo.filename.endswith({"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[fmt])
    stored = upload_dir / photo.filename
    assert stored.is_file() and stored.stat().st_size == photo.size_bytes
    served = client.get(f"/photos/{photo.id}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == CONTENT_TYPES[fmt]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("public, max-age=")
    assert Image.open(io.BytesIO(served.data)).format == fmt
    assert "1 photo added." in alerts(client.get(f"/posts/{post.id}/edit"))


def test_the_edit_page_shows_the_photos_and_their_delete_buttons(client, logged_owner, post):
    send(client, post.id, upload(image_bytes()), upload(image_bytes("PNG"), "b.png", "image/png"))
    html = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    for photo in photos_of(post):
        assert f'src="/photos/{photo.id}"' in html
        assert f'action="/posts/{post.id}/photos/{photo.id}/delete"' in html
    assert 'enctype="multipart/form-data"' in html and 'for="new-photos"' in html


def test_a_transparent_png_keeps_its_transparency(client, logged_owner, post):
    send(client, post.id, upload(image_bytes("PNG", colour=(0, 0, 0, 0)), "t.png", "image/png"))
    served = client.get(f"/photos/{photos_of(post)[0].id}")
    assert Image.open(io.BytesIO(served.data)).mode == "RGBA"


def test_several_photos_at_once_keep_their_order(client, logged_owner, post):
    send(client, post.id, *[upload(image_bytes(size=(10 + n, 10))) for n in range(3)])
    assert [(p.position, p.width) for p in photos_of(post)] == [(0, 10), (1, 11), (2, 12)]


def test_huge_photos_are_scaled_down(client, logged_owner, post):
    send(client, post.id, upload(image_bytes(size=(3000, 1500))))
    photo = photos_of(post)[0]
    assert (photo.width, photo.height) == (photos.MAX_SIDE, photos.MAX_SIDE // 2)


def test_exif_gps_and_comments_are_stripped(client, logged_owner, post):
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test image does carry a position
    send(client, post.id, upload(original))
    served = client.get(f"/photos/{photos_of(post)[0].id}").data
    image = Image.open(io.BytesIO(served))
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert "exif" not in image.info and "comment" not in image.info
    assert b"SecretCam" not in served and b"taken at home" not in served and b"Exif" not in served


def test_the_exif_orientation_is_applied(client, logged_owner, post):
    send(client, post.id, upload(gps_jpeg(orientation=6, size=(80, 40))))  # 6: rotate 90° to stand upright
    photo = photos_of(post)[0]
    assert (photo.width, photo.height) == (40, 80)


# --------------------------------------------------------------------------- refused files


def refused(client, post, upload_dir, *files, message: str) -> str:
    before, before_files = snapshot(), files_in(upload_dir)
    response = send(client, post.id, *files)
    assert response.status_code == 200
    text = alerts(response)
    assert message in text, text
    assert snapshot() == before
    assert files_in(upload_dir) == before_files
    return text


def test_a_text_file_renamed_jpg_is_refused(client, logged_owner, post, upload_dir):
    refused(client, post, upload_dir, upload(b"Bonjour, ceci est un texte.\n" * 20, "devis.jpg"),
            message="devis.jpg is not a photo we accept: send a JPEG, PNG or WebP image.")


@pytest.mark.parametrize("data, name", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "dessin.svg"),
    (image_bytes("GIF"), "anime.gif"),
    (image_bytes("BMP"), "image.bmp"),
    (image_bytes("TIFF"), "scan.tiff"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "plan.pdf"),
    (b"\x89PNG\r\n\x1a\n", "vide.png"),
    (b"\xff\xd8\xff", "debut.jpg"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "faux.webp"),
])
def test_other_formats_and_fake_images_are_refused(client, logged_owner, post, upload_dir, data, name):
    refused(client, post, upload_dir, upload(data, name), message=f"{name} is not a photo we accept")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_refused(client, logged_owner, post, upload_dir, fmt):
    data = noisy_jpeg() if fmt == "JPEG" else image_bytes(fmt, (300, 300), colour=(1, 2, 3))
    if fmt != "JPEG":
        buffer = io.BytesIO()
        Image.effect_noise((300, 300), 80).convert("RGB").save(buffer, format=fmt)
        data = buffer.getvalue()
    refused(client, post, upload_dir, upload(data[:len(data) // 2], f"coupee.{fmt.lower()}"),
            message="is not a photo we accept")


def test_an_empty_file_is_refused(client, logged_owner, post, upload_dir):
    refused(client, post, upload_dir, upload(b"", "vide.jpg"), message="vide.jpg is empty.")


def test_an_oversized_file_is_refused(app, client, logged_owner, post, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2000)
    data = noisy_jpeg()
    assert len(data) > 2000
    refused(client, post, upload_dir, upload(data, "lourde.jpg"), message="lourde.jpg is too large:")


def test_a_request_past_the_size_limit_gets_a_clear_page(app, client, logged_owner, post, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    before = snapshot()
    response = send(client, post.id, upload(noisy_jpeg()), follow=False)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert snapshot() == before


def test_too_many_pixels_are_refused(app, client, logged_owner, post, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 100)
    refused(client, post, upload_dir, upload(image_bytes(size=(20, 20)), "grande.jpg"),
            message="grande.jpg has too many pixels")


@pytest.mark.parametrize("side", [7000, 10_000, 20_000, 65_535])
def test_decompression_bombs_are_refused_before_decoding(client, logged_owner, post, upload_dir, side):
    refused(client, post, upload_dir, upload(png_claiming(side, side), "bombe.png", "image/png"),
            message="bombe.png has too many pixels")


def test_too_many_photos_are_refused(app, client, logged_owner, post, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_COUNT", 2)
    send(client, post.id, upload(image_bytes()), upload(image_bytes()))
    assert len(photos_of(post)) == 2
    assert "largest number of photos" in client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    refused(client, post, upload_dir, upload(image_bytes()), message="A post has 2 photos at most")


def test_one_bad_file_refuses_the_whole_batch(client, logged_owner, post, upload_dir):
    refused(client, post, upload_dir, upload(image_bytes()), upload(b"texte", "notes.jpg"),
            message="notes.jpg is not a photo we accept")


def test_sending_no_file_says_so(client, logged_owner, post):
    response = client.post(f"/posts/{post.id}/photos", data={}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "Choose one or more photos to add." in alerts(response)
    assert photos_of(post) == []


def test_the_file_name_in_messages_is_escaped_and_shortened(client, logged_owner, post, upload_dir):
    name = "<b onmouseover=alert(1)>x.jpg"
    text = refused(client, post, upload_dir, upload(b"texte", name), message="is not a photo we accept")
    assert name not in text and "&lt;b onmouseover=alert(1)&gt;x.jpg" in text
    text = refused(client, post, upload_dir, upload(b"texte", "a" * 500 + ".jpg"), message="…")
    assert "a" * 100 not in text


def test_a_closed_post_takes_no_photo(client, logged_owner, post, upload_dir):
    post.status, post.close_reason = PostStatus.CLOSED, CloseReason.WITHDRAWN
    persist()
    before_files = files_in(upload_dir)
    response = send(client, post.id, upload(image_bytes()))
    assert "A closed post cannot be changed." in alerts(response)
    assert photos_of(post) == [] and files_in(upload_dir) == before_files


# --------------------------------------------------------------------------- who may add, delete and see


def test_another_company_cannot_add_nor_delete(client, login, post, upload_dir):
    photo = PostPhoto(filename="other-company.jpg", content_type="image/jpeg", width=1, height=1, size_bytes=1)
    post.photos.append(photo)
    stranger = factories.MemberFactory()
    persist()
    login(stranger)
    before, before_files = snapshot(), files_in(upload_dir)
    assert send(client, post.id, upload(image_bytes()), follow=False).status_code == 403
    assert client.post(f"/posts/{post.id}/photos/{photo.id}/delete").status_code == 403
    assert snapshot() == before and files_in(upload_dir) == before_files


def test_a_visitor_is_sent_to_log_in(client, post):
    persist()
    response = send(client, post.id, upload(image_bytes()), follow=False)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def stored_photo(client, post) -> PostPhoto:
    send(client, post.id, upload(image_bytes()))
    return photos_of(post)[0]


def test_a_photo_of_a_pending_post_is_served_to_its_owner_only(app, client, login, logged_owner, post):
    photo = stored_photo(client, post)
    post = fresh(post)
    post.status = PostStatus.PENDING
    persist()
    owner_view = client.get(f"/photos/{photo.id}")
    assert owner_view.status_code == 200 and owner_view.headers["Cache-Control"] == "private, no-cache"
    client.post("/deconnexion")
    assert client.get(f"/photos/{photo.id}").status_code == 404
    login(factories.MemberFactory())
    assert client.get(f"/photos/{photo.id}").status_code == 404
    client.post("/deconnexion")
    login(factories.ModeratorFactory(departements=["69"]))
    assert client.get(f"/photos/{photo.id}").status_code == 200


def test_a_photo_of_a_suspended_company_is_hidden_from_visitors(client, logged_owner, post):
    photo = stored_photo(client, post)
    client.post("/deconnexion")
    assert client.get(f"/photos/{photo.id}").status_code == 200
    fresh(post).company.suspended_at = utcnow()
    persist()
    assert client.get(f"/photos/{photo.id}").status_code == 404


def test_a_photo_is_served_conditionally(client, logged_owner, post):
    photo = stored_photo(client, post)
    first = client.get(f"/photos/{photo.id}")
    assert first.headers.get("ETag")
    again = client.get(f"/photos/{photo.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("url", ["/photos/abc", "/photos/99999999999999999999", "/photos/2147483647",
                                 "/photos/-1", "/photos/0", "/photos/1.5"])
def test_unknown_photos_give_404(client, url):
    assert client.get(url).status_code == 404


def test_a_photo_whose_file_is_missing_gives_404(client, logged_owner, post, upload_dir):
    photo = stored_photo(client, post)
    (upload_dir / photo.filename).unlink()
    assert client.get(f"/photos/{photo.id}").status_code == 404


# --------------------------------------------------------------------------- deleting: files follow the rows


def test_delete_a_photo_removes_its_file(client, logged_owner, post, upload_dir):
    send(client, post.id, *[upload(image_bytes(size=(10 + n, 10))) for n in range(3)])
    first, second, third = photos_of(post)
    response = client.post(f"/posts/{post.id}/photos/{second.id}/delete", follow_redirects=True)
    assert "The photo is deleted." in alerts(response)
    assert [(p.id, p.position) for p in photos_of(post)] == [(first.id, 0), (third.id, 1)]
    assert not (upload_dir / second.filename).exists()
    assert (upload_dir / first.filename).exists() and (upload_dir / third.filename).exists()
    assert client.get(f"/photos/{second.id}").status_code == 404


def test_a_photo_of_another_post_cannot_be_deleted_through_this_one(client, logged_owner, post, upload_dir):
    other = factories.PostFactory(company=logged_owner.company)
    persist()
    photo = stored_photo(client, other)
    before = snapshot()
    assert client.post(f"/posts/{post.id}/photos/{photo.id}/delete").status_code == 404
    assert client.post(f"/posts/{post.id}/photos/99999999999999999999/delete").status_code == 404
    assert snapshot() == before and (upload_dir / photo.filename).exists()


def test_deleting_a_post_removes_its_files(client, logged_owner, post, upload_dir):
    send(client, post.id, upload(image_bytes()), upload(image_bytes("PNG"), "b.png", "image/png"))
    names = [p.filename for p in photos_of(post)]
    assert all((upload_dir / name).exists() for name in names)
    client.post(f"/posts/{post.id}/delete")
    assert not any((upload_dir / name).exists() for name in names)


def test_a_failed_request_leaves_no_file_behind(client, logged_owner, post, upload_dir, monkeypatch):
    before, before_files = snapshot(), files_in(upload_dir)

    def broken_commit():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = send(client, post.id, upload(image_bytes()), upload(image_bytes()), follow=False)
    monkeypatch.undo()
    assert response.status_code == 500
    assert "the database went away" not in response.get_data(as_text=True)
    assert files_in(upload_dir) == before_files
    assert snapshot() == before


def test_a_failed_post_deletion_keeps_the_files(client, logged_owner, post, upload_dir, monkeypatch):
    photo = stored_photo(client, post)

    def broken_commit():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    assert client.post(f"/posts/{post.id}/delete").status_code == 500
    monkeypatch.undo()
    assert (upload_dir / photo.filename).exists()
    assert fresh(post) is not None


# --------------------------------------------------------------------------- the service and the transaction


def test_files_written_then_rolled_back_are_removed(app, owner, post, upload_dir):
    with app.test_request_context("/"):
        [photo] = photos.add_photos(owner, post, [photos.Upload.of("a.jpg", io.BytesIO(image_bytes()))])
        path = upload_dir / photo.filename
        assert path.exists()
        db.session.rollback()
        assert not path.exists()


def test_files_written_in_a_rolled_back_savepoint_are_removed_and_the_others_kept(app, owner, post, upload_dir):
    with app.test_request_context("/"):
        [kept] = photos.add_photos(owner, post, [photos.Upload.of("a.jpg", io.BytesIO(image_bytes()))])
        kept_path = upload_dir / kept.filename
        savepoint = db.session.begin_nested()
        [dropped] = photos.add_photos(owner, post, [photos.Upload.of("b.jpg", io.BytesIO(image_bytes()))])
        dropped_path = upload_dir / dropped.filename
        savepoint.rollback()
        assert not dropped_path.exists() and kept_path.exists()
        db.session.commit()
        assert kept_path.exists()


def test_committed_files_stay(app, owner, post, upload_dir):
    with app.test_request_context("/"):
        [photo] = photos.add_photos(owner, post, [photos.Upload.of("a.jpg", io.BytesIO(image_bytes()))])
        path = upload_dir / photo.filename
        db.session.commit()
        db.session.rollback()
        assert path.exists()


def test_files_of_a_session_closed_without_commit_are_removed(app, owner, post, upload_dir):
    with app.test_request_context("/"):
        [photo] = photos.add_photos(owner, post, [photos.Upload.of("a.jpg", io.BytesIO(image_bytes()))])
        path = upload_dir / photo.filename
        db.session.close()
        assert not path.exists()


def test_upload_names_are_made_printable_and_short():
    assert photos.Upload.of("C:\\Users\\moi\\photo.jpg", io.BytesIO()).name == "photo.jpg"
    assert photos.Upload.of("../../etc/passwd", io.BytesIO()).name == "passwd"
    assert photos.Upload.of("a\x00b\x1bc.jpg", io.BytesIO()).name == "abc.jpg"
    assert len(photos.Upload.of("x" * 500, io.BytesIO()).name) == 58
