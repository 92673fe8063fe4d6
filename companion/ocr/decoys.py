"""What on a screenshot is not this bargain's: the OCR layout reader's decoys (docs/ocr.md).

The page reader's rules (docs/reader.md) for boxes instead of lines: shop and promotion words, other
people's news and a gift's value drop a box; an other-products or rules header drops everything
below it; a clock with a promotion or order word in its own box, or right under a short promotion
heading (an order's payment clock, a coupon's, a flash sale's), is not the bargain's countdown; a
whole number followed by 人/位/次… is a count, not money. Pure (tested on
recorded boxes, ``tests/test_ocr_layout.py``).
"""

from __future__ import annotations

import re
from typing import Any

# Boxes that hold figures which are not progress (docs/reader.md, "Inline labels" and decoys).
DECOY_WORDS = (
    "原价",
    "拼单价",
    "单买价",
    "券",
    "秒杀",
    "已砍到",
    "已砍至",
    "砍到0元",
    "满减",
    "包邮",
    "已售",
)
# Also other people's news (a congratulation naming someone else, a masked name that succeeded:
# "恭喜 用户小** 已砍¥99.00 成功免费拿走") and a gift's value ("价值¥100大礼包"), as the page reader
# (docs/reader.md): their figures are not this bargain's.
DECOY_PATTERN = re.compile(
    r"满\d+减|\d{4}[-/年]\d{1,2}|\d{1,2}月\d{1,2}日|恭喜[!！,，、]*(?:用户|网友|买家|[^你您!！,，、*]{1,6}\*)"
    r"|[^\s*]\*{2,}.{0,30}?(?:成功|拿走|领到|领取|到手)"
    r"|价值¥?\d+(?:\.\d+)?元?的?(?:新人|无门槛|通用|店铺)?(?:大礼包|礼包|好礼|礼品|奖品|红包)"
)
OTHERS_HEADERS = (
    "为你推荐",
    "猜你喜欢",
    "大家都在砍",
    "大家都在拿",
    "更多好物",
    "更多免费拿",
    "更多砍价",
    "热门砍价",
    "热门推荐",
    "相关推荐",
    "精选推荐",
    "其他商品",
    "我的其他砍价",
    "这些也能免费拿",
    "你可能还想砍",
    "你可能还喜欢",
)
RULES_HEADERS = (
    "活动规则",
    "活动说明",
    "活动细则",
    "规则说明",
    "玩法说明",
    "砍价规则",
    "助力规则",
)
HEADERS = (*OTHERS_HEADERS, *RULES_HEADERS)
# In a clock's own box: words of another promotion or of an order make it theirs (docs/reader.md
# "Countdown"), unless a bargain word is there too.
PROMO_WORDS = re.compile(
    r"券|红包|秒杀|闪购|抢购|特卖|特价|开抢|满\d+|立减|直降|订单|付款|支付|发货|收货|拼单|拼团|自动关闭"
)
BARGAIN_CLOCK_WORDS = re.compile(r"砍|助力|免费拿|免费领")
# A short heading right above a clock that names a promotion with a clock of its own.
CLOCK_HEADING = re.compile(r"秒杀|闪购|抢购|特卖|券")
# After a whole number without a unit: a count or a duration (「还差2人助力」), not money.
COUNT_AFTER = re.compile(r"人|位|名|次|件|刀|天|小时|分钟|秒")


def is_decoy(text: str) -> bool:
    return any(w in text for w in DECOY_WORDS) or bool(DECOY_PATTERN.search(text))


def cut_off(boxes: list[Any]) -> float:
    """The top of the first other-products or rules header: everything below it is not ours."""
    tops = [
        b.y0
        for b in boxes
        if any(b.norm.strip("【】[]>").startswith(h) and len(b.norm) <= len(h) + 6 for h in HEADERS)
    ]
    return min(tops, default=float("inf"))


def promotion_clock(box: Any, boxes: list[Any]) -> bool:
    """Is the clock in ``box`` another promotion's or an order's? A promotion or order word in its own
    box with no bargain word (「还剩00:14:32 订单自动关闭」, 「满50可用·23:10:05后失效」), or a short
    heading of a promotion right above it, overlapping it sideways (「限时秒杀」 over
    「距结束01:02:03」, 「无门槛券」 over a coupon's clock). Buttons on its line and longer lines above
    (a product's 拼单价, a title) don't decide: a clock is the bargain's unless it is plainly theirs."""
    if PROMO_WORDS.search(box.norm):
        return not BARGAIN_CLOCK_WORDS.search(box.norm)
    return any(
        b is not box
        and len(b.norm) <= 6
        and CLOCK_HEADING.search(b.norm)
        and box.y0 - box.height <= b.y1 <= box.y0 + 0.5 * box.height
        and b.y0 < box.y0
        and min(b.x1, box.x1) - max(b.x0, box.x0) > 0
        for b in boxes
    )


def count_after(text: str, start: int, end: int) -> bool:
    """The whole number at ``text[start:end]``, followed by 人, 位, 天, 分钟…: a count or a duration,
    not money (「还差2人助力」). A decimal is money whatever follows (「已砍98.76分享给好友」)."""
    return "." not in text[start:end] and bool(COUNT_AFTER.match(text, end))
