"""Draws simple demo banners in memory: a coloured background, the offer's name and a call to action."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont


def render_banner(title: str, size: tuple[int, int], colours: tuple[str, str], image_format: str) -> bytes:
    """The encoded bytes of a `size` banner showing `title`; the same arguments give the same bytes."""
    width, height = size
    background, ink = colours
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    border = max(2, min(size) // 40)
    draw.rectangle((0, 0, width - 1, height - 1), outline=ink, width=border)

    horizontal = width > 2 * height
    button_h = height // 2 if horizontal else max(28, height // 9)
    button_w = width // 5 if horizontal else width * 2 // 3
    text_box = (width - button_w - 4 * border, height - 4 * border) if horizontal else (
        width - 4 * border, height - button_h - 8 * border)

    lines, font = _fit(draw, title, text_box)
    line_h = font.size + font.size // 4
    y = (height - line_h * len(lines)) // 2 if horizontal else (height - button_h - line_h * len(lines)) // 2
    for line in lines:
        line_w = draw.textlength(line, font=font)
        x = 2 * border if horizontal else (width - line_w) // 2
        draw.text((x, y), line, fill=ink, font=font)
        y += line_h

    bx = width - button_w - 2 * border if horizontal else (width - button_w) // 2
    by = (height - button_h) // 2 if horizontal else height - button_h - 3 * border
    draw.rounded_rectangle((bx, by, bx + button_w, by + button_h), radius=button_h // 4, fill=ink)
    cta_font = _font(max(10, min(button_h // 2, button_w // 7)))
    cta = "Join now"
    cta_w = draw.textlength(cta, font=cta_font)
    draw.text((bx + (button_w - cta_w) // 2, by + (button_h - cta_font.size) // 2), cta, fill=background,
              font=cta_font)

    out = io.BytesIO()
    image.save(out, format=image_format, **({"quality": 90} if image_format in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError):  # Pillow without FreeType: the small bitmap font still draws text
        return ImageFont.load_default()


def _fit(draw: ImageDraw.ImageDraw, title: str, box: tuple[int, int]):
    """Word-wrapped lines and the largest font (down to 10 px) that keeps them inside `box`."""
    words = title.split()
    for size in range(min(64, box[1]), 9, -2):
        font = _font(size)
        lines, current = [], ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if current and draw.textlength(candidate, font=font) > box[0]:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
        line_h = size + size // 4
        widest = max(draw.textlength(line, font=font) for line in lines)
        if widest <= box[0] and line_h * len(lines) <= box[1]:
            return lines, font
    return lines, font
