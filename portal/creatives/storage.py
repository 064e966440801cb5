"""Banner files on disk, outside the database: validated with Pillow, named by their SHA-256."""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# Decoded size cap: a small compressed file can still expand into gigabytes of pixels.
DEFAULT_MAX_PIXELS = 16_000_000

# Pillow format name -> (file extension, content type); nothing else is accepted.
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
FILE_NAME = re.compile(r"[0-9a-f]{64}\.(?:png|jpg|gif|webp)")


class BannerError(ValueError):
    """A banner file that Tracklane refuses to store or serve; the message is safe to show the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredBanner:
    file_name: str
    content_type: str
    width: int
    height: int


def creatives_dir() -> Path:
    """The folder holding banner files: CREATIVES_DIR, or `<instance_path>/creatives`."""
    configured = current_app.config.get("CREATIVES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "creatives"


def banner_path(file_name: str) -> Path:
    """The path of a stored banner; anything but `<64 hex>.<png|jpg|gif|webp>` is refused."""
    if not isinstance(file_name, str) or not FILE_NAME.fullmatch(file_name):
        raise BannerError("Not a banner file name.")
    return creatives_dir() / file_name


def store_banner(data: bytes) -> StoredBanner:
    """Check that `data` is a whole PNG, JPEG, GIF or WebP image within the limits and store it once."""
    max_bytes = int(current_app.config.get("CREATIVE_MAX_BYTES", DEFAULT_MAX_BYTES))
    if not data:
        raise BannerError("The file is empty.")
    if len(data) > max_bytes:
        raise BannerError(f"The file is larger than {_megabytes(max_bytes)}.")
    image_format, width, height = _inspect(data)
    extension, content_type = FORMATS[image_format]
    file_name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
    path = banner_path(file_name)
    if not path.exists():  # content-addressed: an existing file already holds these bytes
        _write_atomically(path, data)
    return StoredBanner(file_name=file_name, content_type=content_type, width=width, height=height)


def _inspect(data: bytes) -> tuple[str, int, int]:
    max_pixels = int(current_app.config.get("CREATIVE_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image_format, (width, height) = image.format, image.size
                if width * height > max_pixels:
                    raise BannerError(f"The image is too large ({width}×{height} pixels).")
                image.verify()  # checks the container (PNG chunk CRCs up to IEND) without decoding
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image.load()  # decodes the first frame: truncated pixel data fails here
    except BannerError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise BannerError("The file is not a PNG, JPEG, GIF or WebP image.") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BannerError("The image is damaged or incomplete.") from exc
    if image_format not in FORMATS or width < 1 or height < 1:
        raise BannerError("The file is not a PNG, JPEG, GIF or WebP image.")
    return image_format, width, height


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp makes 0600; the web server may run as another user
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
