"""The OCR layout reader on recorded boxes (what rapidocr returned for rendered phone screenshots),
shuffled: the engine's order varies, the figures must not. No engine needed."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path

import pytest

from companion.ocr.crosscheck import disagreements
from companion.ocr.engine import merge_strips, strips
from companion.ocr.layout import Box, product_name, read_boxes


def boxes(rows):
    return [Box(text, score, *rect) for text, score, rect in rows]


STAT_BOXES = [  # stat_boxes at 1x, as rapidocr 3.10 read it
    ("砍价免费拿", 1.0, (127, 12, 222, 36)),
    ("小米 充电宝 10000mAh 快充版", 0.957, (14, 59, 222, 78)),
    ("原价¥129.00", 0.997, (14, 87, 91, 103)),
    ("已砍", 0.997, (37, 121, 74, 144)),
    ("还差", 1.0, (216, 121, 253, 144)),
    ("¥98.76", 0.996, (24, 150, 102, 175)),
    ("¥1.24", 0.994, (206, 151, 273, 175)),
    ("剩余时间", 1.0, (37, 202, 99, 222)),
    ("23:59:12", 1.0, (127, 204, 193, 222)),
    ("已有5位好友助力", 1.0, (15, 252, 130, 272)),
    ("小明帮你砍了0.10元", 1.0, (15, 293, 145, 310)),
    ("阿强帮你砍了0.03元", 1.0, (14, 323, 145, 340)),
    ("猜你喜欢", 1.0, (14, 375, 82, 395)),
    ("电动牙刷已砍99%", 1.0, (14, 405, 134, 423)),
    ("还差¥0.50", 0.999, (13, 432, 81, 451)),
]
RIGHT_VALUES_3X = [  # the single digit "7" was not detected at 3x: helper_count must be missing
    ("助力领钻石", 0.997, (380, 33, 665, 106)),
    ("已砍", 0.996, (63, 332, 177, 400)),
    ("860钻石", 1.0, (591, 333, 807, 405)),
    ("还差", 1.0, (60, 465, 177, 532)),
    ("140钻石", 1.0, (591, 464, 807, 539)),
    ("进度", 1.0, (61, 597, 177, 665)),
    ("86%", 0.998, (591, 601, 724, 667)),
    ("助力人数", 0.997, (63, 731, 271, 794)),
    ("预计再邀请2人直接免费拿", 1.0, (42, 906, 538, 958)),
]


@pytest.mark.parametrize("seed", range(5))
def test_stat_boxes_labels_take_the_value_below_or_right(seed):
    rows = boxes(STAT_BOXES)
    random.Random(seed).shuffle(rows)
    reading = read_boxes(rows)
    facts = {k: v for k, v in reading.facts.items() if k not in ("raw", "helpers")}
    assert facts == {
        "cut_amount": 98.76,
        "remaining_amount": 1.24,
        "countdown_seconds": 86352,
        "helper_count": 5,
    }
    assert reading.facts["helpers"] == [{"name": "小明", "amount": 0.1}, {"name": "阿强", "amount": 0.03}]
    assert reading.facts["raw"]["cut_amount"] == "已砍 ¥98.76"
    assert reading.missing == {}


def test_a_label_without_its_value_is_reported_missing_not_guessed():
    reading = read_boxes(boxes(RIGHT_VALUES_3X))
    facts = {k: v for k, v in reading.facts.items() if k != "raw"}
    assert facts == {"cut_amount": 860.0, "remaining_amount": 140.0, "cut_percent": 86.0, "unit": "钻石"}
    assert reading.missing == {"helper_count": "no_value"}  # not the 2 of 预计再邀请2人


def test_low_confidence_figure_is_missing():
    rows = boxes(STAT_BOXES)
    rows[5] = Box("¥98.76", 0.52, 24, 150, 102, 175)
    reading = read_boxes(rows)
    assert "cut_amount" not in reading.facts
    assert reading.missing["cut_amount"] == "low_confidence"
    assert reading.facts["remaining_amount"] == 1.24


def test_inline_forms_and_decoys():
    reading = read_boxes(
        boxes(
            [
                ("已砍¥48.20", 0.998, (15, 104, 123, 127)),
                ("仅差0.05%", 1.0, (198, 106, 280, 127)),
                ("砍价进度99.95%", 1.0, (14, 152, 137, 173)),
                ("12:03:04后结束", 0.999, (15, 193, 120, 211)),
                ("助力好友(12)", 1.0, (13, 232, 104, 253)),
                ("小红帮砍0.20元", 1.0, (14, 264, 118, 283)),
                ("满99减10店铺券", 0.999, (15, 303, 114, 320)),
                ("2026-11-2123:59:59", 1.0, (15, 333, 137, 348)),
                ("进度领先99.99%的用户", 1.0, (15, 360, 200, 378)),
                ("已砍到0元", 1.0, (15, 365, 200, 380)),
                ("活动规则", 1.0, (13, 382, 82, 404)),
                ("1. 已砍50%即可领取优惠", 0.998, (15, 413, 161, 429)),
            ]
        )
    )
    facts = {k: v for k, v in reading.facts.items() if k not in ("raw",)}
    assert facts == {
        "cut_amount": 48.2,
        "remaining_percent": 0.05,
        "cut_percent": 99.95,
        "countdown_seconds": 43384,
        "helper_count": 12,
        "helpers": [{"name": "小红", "amount": 0.2}],
    }


def test_other_peoples_news_and_gift_values_are_decoys():
    """A marquee of winners above the progress, a gift's value: none of their figures is ours."""
    reading = read_boxes(
        boxes(
            [
                ("恭喜用户小**已砍¥99.00成功免费拿走", 0.99, (10, 10, 380, 30)),
                ("138****2211已砍¥59.90免费领到", 0.99, (10, 40, 380, 60)),
                ("新人专享价值¥100大礼包", 0.99, (10, 70, 300, 90)),
                ("已砍¥98.76", 0.99, (15, 104, 123, 127)),
                ("还差¥1.24", 0.99, (198, 106, 280, 127)),
                ("王**帮你砍了95.00元", 0.99, (14, 264, 180, 283)),
            ]
        )
    )
    facts = {k: v for k, v in reading.facts.items() if k not in ("raw",)}
    assert facts == {
        "cut_amount": 98.76,
        "remaining_amount": 1.24,
        "helpers": [{"name": "王**", "amount": 95.0}],
    }


REVIEW_BOXES = json.loads((Path(__file__).parent / "fixtures" / "ocr_review_boxes.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 「还差2人助力即可免费拿」: two people, not ¥2
        ("p05_helpers", {"cut_amount": 36.9, "countdown_seconds": 93784, "helper_count": 4}),
        # the cards under 「这些也能免费拿」 / 「你可能还想砍」 are other products'; the page's own figures
        # sit above their captions (not paired: missing, never another card's)
        ("p08_value_above", {"countdown_seconds": 72672}),
        # an order list: 「还剩00:14:32 订单自动关闭」 is a payment clock
        ("p09_orders", {}),
        # 「9,800金币」: thousands separators
        (
            "p03_coins",
            {
                "cut_amount": 9800.0,
                "remaining_amount": 200.0,
                "countdown_seconds": 29730,
                "helper_count": 3,
                "unit": "金币",
            },
        ),
        # 「无门槛券」 beside 「满50可用·23:10:05后失效」: the coupon's clock
        ("p11_percent_coupon_clock", {"remaining_percent": 0.1, "cut_percent": 99.9}),
        # 「限时秒杀」 over 「距结束01:02:03」: the flash sale's clock
        ("p12_right_values_seckill", {"cut_amount": 188.8, "remaining_amount": 10.2, "helper_count": 17}),
    ],
)
def test_screenshots_of_a_review_read_no_wrong_figure(name, expected):
    """Boxes rapidocr read from a review's phone screenshots (tests/fixtures/ocr_review_boxes.json):
    each had a wrong figure before (a count as money, another product's, an order's or a coupon's
    clock), or a missing one (thousands separators)."""
    reading = read_boxes(boxes(REVIEW_BOXES[name]))
    facts = {k: v for k, v in reading.facts.items() if k not in ("raw", "helpers")}
    assert facts == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # a product's 拼单价 just above the countdown, a 红包 button on its line, a 拼团 title above:
        # the clock is still the bargain's (only a short promotion heading right above takes it)
        (
            [("拼单价¥25.9", 0.99, (20, 100, 140, 125)), ("剩余23:59:12", 0.99, (20, 128, 160, 152))],
            {"countdown_seconds": 86352},
        ),
        (
            [("23:59:12后结束", 0.99, (20, 128, 160, 152)), ("分享领红包", 0.99, (250, 126, 360, 154))],
            {"countdown_seconds": 86352},
        ),
        (
            [
                ("【拼团爆款】蓝牙耳机", 0.99, (20, 100, 200, 125)),
                ("距结束01:02:03", 0.99, (20, 128, 160, 152)),
            ],
            {"countdown_seconds": 3723},
        ),
        # a decimal is money whatever follows it; 恭喜 alone is the user's own news
        ([("已砍98.76分享给好友", 0.99, (20, 100, 200, 125))], {"cut_amount": 98.76}),
        ([("还差1.24个红包", 0.99, (20, 100, 200, 125))], {"remaining_amount": 1.24}),
        ([("恭喜!已砍¥98.76", 0.99, (20, 100, 200, 125))], {"cut_amount": 98.76}),
    ],
)
def test_what_the_decoy_rules_must_still_read(rows, expected):
    """A review of the decoy rules above: each of these lost a real figure to a rule too broad."""
    facts = {k: v for k, v in read_boxes(boxes(rows)).facts.items() if k != "raw"}
    assert facts == expected


def test_full_width_text_is_folded_first():
    reading = read_boxes(
        boxes([("已砍：￥９８．７６", 0.99, (0, 0, 100, 20)), ("还差 ２％", 0.99, (0, 30, 100, 50))])
    )
    assert reading.facts["cut_amount"] == 98.76
    assert reading.facts["remaining_percent"] == 2.0


def test_two_values_for_one_field_are_a_conflict():
    reading = read_boxes(
        boxes([("已砍¥98.76", 0.99, (0, 0, 100, 20)), ("已砍¥96.76", 0.99, (0, 300, 100, 320))])
    )
    assert "cut_amount" not in reading.facts
    assert reading.missing == {"cut_amount": "conflict"}


def test_percents_that_do_not_add_up_are_dropped():
    reading = read_boxes(boxes([("已砍99.5%", 0.99, (0, 0, 100, 20)), ("还差1.5%", 0.99, (0, 30, 100, 50))]))
    assert "cut_percent" not in reading.facts and "remaining_percent" not in reading.facts
    assert reading.missing == {"cut_percent": "conflict", "remaining_percent": "conflict"}


def test_strips_cover_a_tall_image_with_overlap_and_merge_once():
    assert strips(2000) == [(0, 2000)]
    cover = strips(4800)
    assert cover[0][0] == 0 and cover[-1][1] == 4800
    assert all(b[0] < a[1] for a, b in pairwise(cover))  # they overlap
    line = Box("已砍", 0.99, 10, 100, 60, 130)  # in the overlap of strips 0 and 1
    top1 = cover[1][0]
    merged = merge_strips(
        [
            (0, [Box("已砍", 0.99, 10, top1 + 100, 60, top1 + 130)]),
            (top1, [line, Box("¥1", 0.9, 10, 150, 40, 180)]),
        ]
    )
    assert [b.text for b in merged] == ["已砍", "¥1"]


def test_crosscheck_reports_only_fields_both_read_differently():
    page = {"cut_amount": 98.76, "remaining_amount": 1.24, "helper_count": 5}
    pixels = {"cut_amount": 98.76, "remaining_amount": 1.34, "cut_percent": 98.0}
    assert disagreements(page, pixels) == [{"field": "remaining_amount", "page_text": 1.24, "pixels": 1.34}]


def test_product_name_is_the_first_name_like_line_in_the_top_half():
    assert product_name(boxes(STAT_BOXES)) == "小米 充电宝 10000mAh 快充版"
    assert product_name(boxes(RIGHT_VALUES_3X)) is None  # only bargain wording and figures up there
    assert product_name([]) is None


def test_a_label_without_a_value_does_not_block_the_figure_read_inline():
    reading = read_boxes(boxes([("已砍", 0.99, (0, 0, 40, 20)), ("已砍¥98.76", 0.99, (0, 500, 100, 520))]))
    assert reading.facts["cut_amount"] == 98.76 and reading.missing == {}
