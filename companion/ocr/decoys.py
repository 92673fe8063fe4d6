"""What on a screenshot is not this bargain's: the OCR layout reader's decoys (docs/ocr.md).

The page reader's rules (docs/reader.md) for boxes instead of lines: shop and promotion words, other
people's news and a gift's value drop a box; an other-products or rules header drops everything
below it; a clock near a promotion word (an order's payment clock, a coupon's, a flash sale's) is
not the bargain's countdown; a number followed by 人/位/次… is a count, not money. Pure (tested on
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
# Also other people's news (a congratulation not addressed to the user, a masked name that succeeded:
# "恭喜 用户小** 已砍¥99.00 成功免费拿走") and a gift's value ("价值¥100大礼包"), as the page reader
# (docs/reader.md): their figures are not this bargain's.
DECOY_PATTERN = re.compile(
    r"满\d+减|\d{4}[-/年]\d{1,2}|\d{1,2}月\d{1,2}日|恭喜(?![你您])|[^\s*]\*{2,}.{0,30}?(?:成功|拿走|领到|领取|到手)"
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
    "也能免费拿",
    "你可能还想砍",
    "还想砍",
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
    "常见问题",
)
HEADERS = (*OTHERS_HEADERS, *RULES_HEADERS)
# Words of another promotion or of an order, near a clock: the clock is theirs (docs/reader.md
# "Countdown"); a bargain word nearer makes it ours.
PROMO_WORDS = re.compile(
    r"券|红包|秒杀|闪购|抢购|特卖|特价|开抢|满\d+|立减|直降|订单|付款|支付|发货|收货|拼单|拼团|自动关闭"
)
BARGAIN_CLOCK_WORDS = re.compile(r"砍|助力|免费拿|免费领")
COUNT_AFTER = "人位名次件个刀天时分秒"


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
    """Is the clock in ``box`` another promotion's or an order's? Its own text, then the boxes on its
    line and in the two box heights above it, overlapping it sideways: a promotion word with no
    bargain word among them makes it theirs (「还剩00:14:32 订单自动关闭」, 「限时秒杀」 over
    「距结束01:02:03」, 「无门槛券」 beside 「满50可用·23:10:05后失效」)."""
    if PROMO_WORDS.search(box.norm):
        return not BARGAIN_CLOCK_WORDS.search(box.norm)
    near = [
        b.norm
        for b in boxes
        if b is not box
        and b.y1 > box.y0 - 2 * box.height
        and b.y0 < box.y1
        and (b.y1 > box.y0 or min(b.x1, box.x1) - max(b.x0, box.x0) > 0)
    ]
    text = "".join(near)
    return bool(PROMO_WORDS.search(text)) and not BARGAIN_CLOCK_WORDS.search(text)


def count_after(text: str, end: int) -> bool:
    """A unit-less number at ``end`` followed by 人, 位, 次…: a count (「还差2人助力」), not money."""
    return end < len(text) and text[end] in COUNT_AFTER
