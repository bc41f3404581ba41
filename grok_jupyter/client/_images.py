"""Image inputs: turn what a notebook holds into an ``image_url`` part.

Two paths, decided on purpose:

* ``image_part(src)`` is the helper. It accepts a path, bytes, a URL, a PIL
  image, a matplotlib figure, a numpy array (or anything with ``_repr_png_``),
  and *fixes* what it can: GIF (first frame), WebP, BMP, TIFF... are converted
  to PNG; images over the byte or pixel limit are downscaled. Each fix emits
  ``ImageConvertedWarning`` / ``ImageDownscaledWarning`` saying what changed.
* ``check_image_url(url)`` is the validator, run on every request. A ``data:``
  URL the user built is sent as is, so it *refuses* (``ImageInputError``)
  anything the API would: not JPEG/PNG, over 10 MiB, over the pixel limit,
  undecodable base64. http(s) URLs pass through unchecked.

Pillow, numpy and matplotlib are imported only when such an object arrives.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import struct
import warnings
from pathlib import Path
from typing import Any

from ._errors import ImageConvertedWarning, ImageDownscaledWarning, ImageInputError
from ._types import ImagePart, ImageURL

MAX_BYTES = 10 * 1024 * 1024  # docs.x.ai: 10 MiB per image (newer docs say 20)
MAX_SIDE = 8192
ACCEPTED = ("jpeg", "png")
_MIME = {"jpeg": "image/jpeg", "png": "image/png"}
_MIB = 1024 * 1024


# --- cheap sniffing (no Pillow) --------------------------------------------


def sniff_format(data: bytes) -> str | None:
    """The image format from magic bytes: jpeg, png, gif, webp, bmp, tiff, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG or JPEG header, or None."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None


def _mib(n: int) -> str:
    return f"{n / _MIB:.1f} MiB"


def check_image_url(
    url: str, *, max_bytes: int = MAX_BYTES, max_side: int = MAX_SIDE, label: str = "Image"
) -> tuple[int, int] | None:
    """Refuse a URL the API would refuse; return its size when it is a data URL."""
    if url.startswith(("https://", "http://")):
        return None
    if not url.startswith("data:"):
        raise ImageInputError(
            f"{label}: {url[:60]!r} is not an https://, http:// or data: URL. "
            "For a local file use image_part('path/to/file.png')."
        )
    header, sep, payload = url.partition(",")
    mime = header[5:].split(";")[0].strip().lower()
    if not sep or ";base64" not in header:
        raise ImageInputError(f"{label}: a data: URL must be base64 (data:image/png;base64,...).")
    fmt = {"image/jpeg": "jpeg", "image/jpg": "jpeg", "image/png": "png"}.get(mime)
    if fmt is None:
        raise ImageInputError(
            f"{label}: {mime or 'no type'} is not accepted; the API takes JPEG or PNG only. "
            "image_part(...) converts other formats to PNG."
        )
    size = len(payload) * 3 // 4 - payload[-2:].count("=")
    if size > max_bytes:
        raise ImageInputError(
            f"{label} is {_mib(size)}; the limit is {_mib(max_bytes)}. "
            "Downscale it (image_part(...) does so) or send a smaller image."
        )
    try:
        head = base64.b64decode(payload[:87384], validate=True)  # 64 KiB: enough for any header
    except (binascii.Error, ValueError):
        raise ImageInputError(f"{label}: the data: URL's base64 payload is corrupt.") from None
    actual = sniff_format(head)
    if actual not in ACCEPTED:
        what = f"{actual.upper()} data" if actual else "not an image the client recognises"
        raise ImageInputError(
            f"{label}: declared {mime} but the bytes are {what}; the API takes JPEG or PNG. "
            "Rebuild it with image_part(...)."
        )
    dims = image_size(head)
    if dims and max(dims) > max_side:
        raise ImageInputError(
            f"{label} is {dims[0]}x{dims[1]} px; the limit is {max_side} px per side. "
            "Downscale it (image_part(...) does so)."
        )
    return dims


# --- the helper -------------------------------------------------------------


def image_part(
    src: Any,
    *,
    detail: str | None = None,
    max_bytes: int | None = None,
    max_side: int = MAX_SIDE,
) -> ImagePart:
    """An ``image_url`` content part for ``src``.

    ``src``: a path (``str``/``Path``), ``bytes``, an http(s)/data URL (passed
    through), a PIL image, a matplotlib figure, a numpy array, or an object
    with ``_repr_png_``. ``detail``: ``"low"``, ``"high"`` or ``"auto"``.
    Raises ``ImageInputError`` saying what to change when ``src`` is unusable.
    """
    if detail not in (None, "low", "high", "auto"):
        raise ImageInputError(f"detail must be 'low', 'high' or 'auto', not {detail!r}.")
    limit = max_bytes or MAX_BYTES
    if isinstance(src, str) and src.startswith(("https://", "http://", "data:")):
        url = src
    else:
        url = _to_data_url(src, limit, max_side)
    return ImagePart(image_url=ImageURL(url=url, detail=detail))


def _to_data_url(src: Any, max_bytes: int, max_side: int) -> str:
    if isinstance(src, (str, os.PathLike)):
        data, origin = _read_path(Path(src)), f"{os.fspath(src)!r}"
        return _encode_bytes(data, origin, max_bytes, max_side)
    if isinstance(src, (bytes, bytearray, memoryview)):
        return _encode_bytes(bytes(src), "the bytes", max_bytes, max_side)
    module = type(src).__module__ or ""
    if module.startswith("PIL.") and hasattr(src, "save"):
        return _encode_pil(src, "the PIL image", None, max_bytes, max_side)
    if module.startswith("matplotlib") and hasattr(src, "savefig"):
        buf = io.BytesIO()
        src.savefig(buf, format="png", bbox_inches="tight")
        return _encode_bytes(buf.getvalue(), "the figure", max_bytes, max_side)
    if module.startswith("numpy") and hasattr(src, "__array_interface__"):
        return _encode_pil(_array_to_pil(src), "the array", None, max_bytes, max_side)
    repr_png = getattr(src, "_repr_png_", None)
    if callable(repr_png):
        data = repr_png()
        if isinstance(data, str):
            data = base64.b64decode(data)
        if isinstance(data, bytes):
            return _encode_bytes(data, f"the {type(src).__name__}", max_bytes, max_side)
    raise ImageInputError(
        f"Cannot make an image from a {type(src).__name__}. Pass a file path, bytes, an "
        "http(s) or data: URL, a PIL image, a matplotlib figure or a numpy array."
    )


def _read_path(path: Path) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except FileNotFoundError:
        raise ImageInputError(
            f"No image file at {str(path)!r} (working directory: {os.getcwd()}). "
            "Check the path, or pass an http(s) URL."
        ) from None
    except IsADirectoryError:
        raise ImageInputError(f"{str(path)!r} is a directory, not an image file.") from None
    except OSError as exc:
        raise ImageInputError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from None


def _data_url(data: bytes, fmt: str) -> str:
    return f"data:{_MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"


def _encode_bytes(data: bytes, origin: str, max_bytes: int, max_side: int) -> str:
    if not data:
        raise ImageInputError(f"{origin} is empty (0 bytes); it is not an image.")
    fmt = sniff_format(data)
    dims = image_size(data) if fmt in ACCEPTED else None
    if fmt in ACCEPTED and dims and len(data) <= max_bytes and max(dims) <= max_side:
        _verify(data, origin)
        return _data_url(data, fmt)  # already fine: send the bytes untouched
    img = _open(data, origin)
    return _encode_pil(img, origin, img.format, max_bytes, max_side, original_size=len(data))


def _verify(data: bytes, origin: str) -> None:
    """Decode fully so a truncated or corrupt file fails here, not at the server."""
    img = _open(data, origin)
    try:
        img.load()
    except Exception as exc:
        raise ImageInputError(
            f"{origin} is damaged and cannot be decoded ({exc}). Re-export the image."
        ) from None


def _open(data: bytes, origin: str) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageInputError(
            f"{origin} is not an image Pillow can read ({len(data):,} bytes). "
            "Pass a PNG or JPEG file (or GIF, WebP, BMP... which are converted)."
        ) from None
    except Image.DecompressionBombError as exc:
        raise ImageInputError(f"{origin} is too large to decode safely: {exc}") from None
    except Exception as exc:
        raise ImageInputError(f"{origin} cannot be read as an image ({exc}).") from None
    return img


def _array_to_pil(arr: Any) -> Any:
    import numpy as np
    from PIL import Image

    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ImageInputError(
            f"A numpy array of shape {a.shape} is not an image; use (H, W), (H, W, 3) or (H, W, 4)."
        )
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype.kind == "f":
        # Floats are taken as matplotlib does: 0..1 is black..white.
        a = (np.clip(np.nan_to_num(a), 0.0, 1.0) * 255).round().astype(np.uint8)
    elif a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(a))


def _has_alpha(img: Any) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def _encode_pil(
    img: Any,
    origin: str,
    source_format: str | None,
    max_bytes: int,
    max_side: int,
    *,
    original_size: int | None = None,
) -> str:
    try:
        img.load()
    except Exception as exc:
        raise ImageInputError(
            f"{origin} is damaged and cannot be decoded ({exc}). Re-export the image."
        ) from None
    src_fmt = (source_format or "").lower()
    src_fmt = {"mpo": "jpeg", "jpg": "jpeg"}.get(src_fmt, src_fmt)
    fmt = "jpeg" if src_fmt == "jpeg" else "png"
    if src_fmt and src_fmt not in ACCEPTED:
        frames = getattr(img, "n_frames", 1)
        note = f", first of {frames} frames" if frames > 1 else ""
        warnings.warn(
            f"{origin}: {src_fmt.upper()} is not accepted by the API; converted to PNG{note}.",
            ImageConvertedWarning,
            stacklevel=4,
        )
    img = _normalise_mode(img, fmt)
    w0, h0 = img.size
    if max(w0, h0) > max_side:
        img = _resized(img, max_side / max(w0, h0))
    # Too many bytes: shrink until it fits; a PNG without alpha goes to JPEG first
    # (skipping the slow PNG encode when the original is already known to be too big).
    recompressed = False
    if fmt == "png" and not _has_alpha(img) and (original_size or 0) > max_bytes:
        fmt, img, recompressed = "jpeg", img.convert("RGB"), True
    data = _save(img, fmt)
    if len(data) > max_bytes and fmt == "png" and not _has_alpha(img):
        fmt, img, recompressed = "jpeg", img.convert("RGB"), True
        data = _save(img, fmt)
    while len(data) > max_bytes:
        img = _resized(img, max(0.5, (max_bytes / len(data)) ** 0.5 * 0.9))
        data = _save(img, fmt)
    if img.size != (w0, h0) or recompressed:
        before = f"{w0}x{h0} px" + (f", {_mib(original_size)}" if original_size else "")
        how = "re-encoded as JPEG" if img.size == (w0, h0) else "downscaled"
        warnings.warn(
            f"{origin} was {before}, over the API limits ({max_side} px per side, "
            f"{_mib(max_bytes)}); sent {how} as {img.size[0]}x{img.size[1]} px, "
            f"{_mib(len(data))}.",
            ImageDownscaledWarning,
            stacklevel=4,
        )
    return _data_url(data, fmt)


def _normalise_mode(img: Any, fmt: str) -> Any:
    if fmt == "jpeg":
        return img if img.mode in ("RGB", "L") else img.convert("RGB")
    if img.mode in ("RGB", "RGBA", "L", "LA", "P", "1"):
        return img
    return img.convert("RGBA" if _has_alpha(img) or "A" in img.mode else "RGB")


def _resized(img: Any, factor: float) -> Any:
    from PIL import Image

    w, h = img.size
    size = (max(1, int(w * factor)), max(1, int(h * factor)))
    if img.mode == "P":
        img = img.convert("RGBA")
    return img.resize(size, Image.Resampling.LANCZOS)


def _save(img: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "jpeg":
        img.save(buf, format="JPEG", quality=90)
    else:
        img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
