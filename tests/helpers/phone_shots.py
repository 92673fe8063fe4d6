"""Phone-like bargain screenshots drawn with Pillow and Noto CJK, with the figures they show.

Each layout is drawn at a logical 360 px wide and scaled (1x = 360×800, 3x = 1080×2400, a real
phone's size); ``variant`` re-encodes it as a phone or WeChat would (JPEG quality 30, half size).
The expected figures are exact: what the picture says, not what a reader happens to find.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, size, index=2)  # index 2: Simplified Chinese


@dataclass
class Canvas:
    scale: int
    image: Image.Image
    draw: ImageDraw.ImageDraw

    def text(self, x: float, y: float, text: str, size: int = 16, color=(40, 40, 40), bold=False):
        self.draw.text(
            (x * self.scale, y * self.scale), text, fill=color, font=_font(size * self.scale, bold)
        )

    def rect(self, x0, y0, x1, y1, color):
        s = self.scale
        self.draw.rectangle((x0 * s, y0 * s, x1 * s, y1 * s), fill=color)


def _canvas(scale: int, height: int = 800) -> Canvas:
    image = Image.new("RGB", (360 * scale, height * scale), (255, 255, 255))
    return Canvas(scale, image, ImageDraw.Draw(image))


def _header(c: Canvas, title: str = "砍价免费拿") -> None:
    c.rect(0, 0, 360, 44, (228, 57, 60))
    c.text(130, 10, title, 18, (255, 255, 255), bold=True)
    c.text(16, 56, "小米 充电宝 10000mAh 快充版", 15)


def stat_boxes(scale: int) -> Image.Image:
    """Labels above their values (已砍 / 还差), a countdown label to the left of its clock, decoys."""
    c = _canvas(scale)
    _header(c)
    c.text(16, 84, "原价¥129.00", 13, (150, 150, 150))
    c.text(40, 120, "已砍", 15, (120, 120, 120))
    c.text(28, 146, "¥98.76", 22, (228, 57, 60), bold=True)
    c.text(220, 120, "还差", 15, (120, 120, 120))
    c.text(210, 146, "¥1.24", 22, (228, 57, 60), bold=True)
    c.text(40, 200, "剩余时间", 14, (120, 120, 120))
    c.text(130, 200, "23:59:12", 16, (228, 57, 60))
    c.text(16, 250, "已有5位好友助力", 15)
    c.text(16, 290, "小明 帮你砍了0.10元", 14)
    c.text(16, 320, "阿强 帮你砍了0.03元", 14)
    c.text(16, 372, "猜你喜欢", 16, bold=True)
    c.text(16, 402, "电动牙刷 已砍99%", 14)
    c.text(16, 430, "还差¥0.50", 14)
    return c.image


def inline(scale: int) -> Image.Image:
    """Everything inline on one line each: 已砍¥ / 还差% / 进度 / 后结束."""
    c = _canvas(scale)
    _header(c)
    c.text(16, 100, "已砍¥48.20", 20, (228, 57, 60), bold=True)
    c.text(200, 104, "仅差0.05%", 16, (228, 57, 60))
    c.text(16, 150, "砍价进度99.95%", 16)
    c.text(16, 190, "12:03:04后结束", 15, (120, 120, 120))
    c.text(16, 230, "助力好友(12)", 15)
    c.text(16, 262, "小红 帮砍0.20元", 14)
    c.text(16, 300, "满99减10 店铺券", 13, (150, 150, 150))
    c.text(16, 330, "2026-11-21 23:59:59", 13, (150, 150, 150))
    c.text(16, 380, "活动规则", 16, bold=True)
    c.text(16, 410, "1. 已砍50%即可领取优惠", 13)
    return c.image


def right_values(scale: int) -> Image.Image:
    """A table: each label with its value to the right on the same line; coins, not yuan."""
    c = _canvas(scale)
    _header(c, "助力领钻石")
    for row, (label, value) in enumerate(
        (("已砍", "860钻石"), ("还差", "140钻石"), ("进度", "86%"), ("助力人数", "7"))
    ):
        y = 110 + row * 44
        c.text(24, y, label, 16, (120, 120, 120))
        c.text(200, y, value, 18, (228, 57, 60), bold=True)
    c.text(16, 300, "预计再邀请2人直接免费拿", 14)
    return c.image


LAYOUTS: dict[str, tuple[Callable[[int], Image.Image], dict[str, Any]]] = {
    "stat_boxes": (
        stat_boxes,
        {"cut_amount": 98.76, "remaining_amount": 1.24, "countdown_seconds": 86352, "helper_count": 5},
    ),
    "inline": (
        inline,
        {
            "cut_amount": 48.2,
            "remaining_percent": 0.05,
            "cut_percent": 99.95,
            "countdown_seconds": 43384,
            "helper_count": 12,
        },
    ),
    "right_values": (
        right_values,
        {"cut_amount": 860.0, "remaining_amount": 140.0, "cut_percent": 86.0, "helper_count": 7},
    ),
}
HELPERS = {
    "stat_boxes": [{"name": "小明", "amount": 0.1}, {"name": "阿强", "amount": 0.03}],
    "inline": [{"name": "小红", "amount": 0.2}],
    "right_values": [],
}


def variant(image: Image.Image, kind: str) -> tuple[bytes, str]:
    """``png`` as drawn, ``jpeg30`` re-encoded at quality 30, ``half`` at half size (PNG)."""
    out = io.BytesIO()
    if kind == "jpeg30":
        image.save(out, "JPEG", quality=30)
        return out.getvalue(), "image/jpeg"
    if kind == "half":
        image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
    image.save(out, "PNG")
    return out.getvalue(), "image/png"


def tall(scale: int = 3) -> Image.Image:
    """A long scrolling screenshot (1080×4800 at 3x): the figures at the very bottom."""
    c = _canvas(scale, 1600)
    _header(c)
    for i in range(20):
        c.text(16, 100 + i * 60, f"第{i + 1}条 商品介绍文字", 14, (150, 150, 150))
    c.text(40, 1400, "已砍", 15, (120, 120, 120))
    c.text(28, 1426, "¥77.70", 22, (228, 57, 60), bold=True)
    c.text(220, 1400, "还差", 15, (120, 120, 120))
    c.text(210, 1426, "¥2.30", 22, (228, 57, 60), bold=True)
    return c.image


# A friend's own page after helping: (text, x, y, size) as drawn at 1x, for recorded boxes.
FRIEND_PROOF_TEXTS = (
    ("助力成功", 130, 120, 22),
    ("已帮好友砍掉0.03元", 100, 170, 16),
    ("昵称：小红", 16, 230, 14),
    ("2026-11-20 14:20", 16, 260, 14),
    ("我也要免费拿", 120, 330, 16),
)


def friend_proof(scale: int = 1) -> Image.Image:
    """The friend's 助力成功 page: the amount, their nickname and the time, as a phone shows them."""
    c = _canvas(scale)
    _header(c, "砍价免费拿")
    for text, x, y, size in FRIEND_PROOF_TEXTS:
        c.text(x, y, text, size, (228, 57, 60) if "砍" in text else (40, 40, 40), bold=size > 20)
    return c.image


def friend_proof_boxes(scale: int = 1) -> list[tuple[str, float, tuple[float, float, float, float]]]:
    """What an OCR engine reports for ``friend_proof``: (text, confidence, x0 y0 x1 y1) per line,
    each box as wide as its text is drawn."""
    out = []
    for text, x, y, size in FRIEND_PROOF_TEXTS:
        width = _font(size * scale).getlength(text)
        out.append((text, 0.97, (x * scale, y * scale, x * scale + width, (y + size * 1.4) * scale)))
    return out
