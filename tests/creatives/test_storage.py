"""Banner storage: only whole PNG/JPEG/GIF/WebP images within the limits, content-addressed, no traversal."""
from __future__ import annotations

import hashlib
import io
import random

import pytest
from PIL import Image

from portal.creatives.storage import (
    BannerError,
    banner_path,
    creatives_dir,
    store_banner,
)


def image_bytes(fmt: str, size: tuple[int, int] = (300, 250), colour: str = "#1d4ed8") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def app(_app):
    """Storage needs the configuration only: an app context without the per-test database reset."""
    with _app.app_context():
        yield _app


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    target = tmp_path / "banners"
    monkeypatch.setitem(app.config, "CREATIVES_DIR", str(target))
    return target


@pytest.mark.parametrize(
    ("fmt", "size", "extension", "content_type"),
    [
        ("PNG", (728, 90), "png", "image/png"),
        ("JPEG", (300, 250), "jpg", "image/jpeg"),
        ("GIF", (160, 600), "gif", "image/gif"),
        ("WEBP", (320, 50), "webp", "image/webp"),
    ],
)
def test_each_accepted_format_is_stored_with_its_real_dimensions(folder, fmt, size, extension, content_type):
    data = image_bytes(fmt, size)

    stored = store_banner(data)

    assert stored.file_name == f"{hashlib.sha256(data).hexdigest()}.{extension}"
    assert (stored.content_type, stored.width, stored.height) == (content_type, *size)
    assert banner_path(stored.file_name) == folder / stored.file_name
    assert (folder / stored.file_name).read_bytes() == data


def test_default_folder_is_creatives_under_the_instance_path(app, monkeypatch):
    monkeypatch.delitem(app.config, "CREATIVES_DIR", raising=False)
    assert str(creatives_dir()) == f"{app.instance_path}/creatives"


def test_same_bytes_give_the_same_name_and_one_file(folder):
    data = image_bytes("PNG")

    first, second = store_banner(data), store_banner(data)

    assert first == second
    assert [p.name for p in folder.iterdir()] == [first.file_name]


def test_different_images_get_different_files(folder):
    a = store_banner(image_bytes("PNG", colour="red"))
    b = store_banner(image_bytes("PNG", colour="blue"))
    assert a.file_name != b.file_name
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some text, not an image\n" * 10,
        b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
        image_bytes("BMP"),
        image_bytes("TIFF"),
    ],
    ids=["empty", "text", "svg", "bmp", "tiff"],
)
def test_files_that_are_not_accepted_images_are_refused(folder, data):
    with pytest.raises(BannerError):
        store_banner(data)
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_images_are_refused(folder, fmt):
    # Noise does not compress, so the cut falls inside the pixel data rather than after it.
    noise = Image.frombytes("RGB", (200, 200), random.Random(7).randbytes(200 * 200 * 3))
    out = io.BytesIO()
    noise.save(out, format=fmt)
    data = out.getvalue()

    with pytest.raises(BannerError, match="damaged or incomplete|not a PNG"):
        store_banner(data[: len(data) // 2])
    assert not folder.exists() or not any(folder.iterdir())


def test_files_over_the_size_limit_are_refused(folder, app, monkeypatch):
    data = image_bytes("PNG")
    monkeypatch.setitem(app.config, "CREATIVE_MAX_BYTES", len(data) - 1)

    with pytest.raises(BannerError, match="larger than"):
        store_banner(data)


def test_default_size_limit_is_two_megabytes(folder):
    data = image_bytes("PNG")
    # Trailing bytes after IEND are ignored by decoders, so only the size rule can refuse this.
    padded = data + b"\0" * (2 * 1024 * 1024 - len(data) + 1)

    with pytest.raises(BannerError, match="larger than 2 MB"):
        store_banner(padded)
    assert store_banner(padded[:-1]).width == 300


def test_images_with_too_many_pixels_are_refused(folder, app, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVE_MAX_PIXELS", 100 * 100)
    with pytest.raises(BannerError, match="too large"):
        store_banner(image_bytes("PNG", (101, 100)))


@pytest.mark.parametrize(
    "name",
    [
        "../" + "a" * 64 + ".png",
        "a" * 64 + ".png/../../etc/passwd",
        "/etc/passwd",
        "..",
        "",
        "a" * 63 + ".png",
        "A" * 64 + ".png",
        "a" * 64 + ".PNG",
        "a" * 64 + ".svg",
        "a" * 64 + ".png\n",
        "a" * 64 + ".png\x00",
        "a" * 64,
        "sub/" + "a" * 64 + ".png",
    ],
)
def test_banner_path_refuses_anything_but_a_content_hash_name(app, name):
    with pytest.raises(BannerError):
        banner_path(name)


def test_banner_path_accepts_a_content_hash_name(folder):
    name = "0123456789abcdef" * 4 + ".webp"
    assert banner_path(name) == folder / name
