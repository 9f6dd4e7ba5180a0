"""Draw the extension's icons (a white flag on a red rounded square) with Pillow.

Run from the repository root: ``.venv/bin/python extension/icons/make_icons.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 32, 48, 128)
BIG = 512


def draw() -> Image.Image:
    img = Image.new("RGBA", (BIG, BIG), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((16, 16, BIG - 16, BIG - 16), radius=104, fill=(198, 40, 40, 255))
    white = (255, 255, 255, 255)
    d.rounded_rectangle((132, 104, 172, 420), radius=20, fill=white)  # the pole
    d.polygon([(172, 112), (392, 112), (330, 190), (392, 268), (172, 268)], fill=white)  # the flag
    return img


def main() -> None:
    out = Path(__file__).resolve().parent
    big = draw()
    for size in SIZES:
        big.resize((size, size), Image.Resampling.LANCZOS).save(out / f"icon-{size}.png")


if __name__ == "__main__":
    main()
