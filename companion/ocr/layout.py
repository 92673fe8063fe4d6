"""Figures from OCR boxes: the page reader's vocabulary (docs/reader.md) applied to a layout.

An OCR engine gives text boxes with a position and a confidence, in no stable order. The figures
come from the geometry (docs/ocr.md):

1. every box's text is NFKC-normalised first (full-width digits, ￥ and ％ fold to ASCII);
2. decoys are dropped: a box with shop or promotion words (原价, 券, 秒杀, 已砍到…), and every box
   below an other-products header (猜你喜欢, 大家都在砍…) or a rules header (活动规则…);
3. a box that is only a label (已砍, 还差, 剩余, 助力好友…) takes the nearest box to its right on the
   same line (at least half of the smaller height overlapping), else the nearest one below it;
4. a box with a label and its figure inline (帮砍0.10元, 进度99.95%, 已砍¥98.76) is read by pattern.

No wrong figure: a figure whose boxes the engine read with low confidence, a field read twice with
two values, or percents that do not add up are reported in ``missing`` with the reason, not guessed.
Pure: no engine, no Flask, so it is tested on recorded boxes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from companion.ocr.decoys import count_after, cut_off, is_decoy, promotion_clock

MIN_SCORE = 0.80  # below this the engine is guessing: the figure is reported missing

NUM = r"(\d{1,9}(?:\.\d{1,6})?)"
UNIT = r"(%|元|金币|钻石|积分|金豆)?"
CUT_LABELS = ("已砍掉", "已经砍了", "累计砍掉", "已砍", "共砍")
REMAINING_LABELS = ("还差", "仅差", "只差", "就差", "还需砍", "还需")
LOOSE_REMAINING = ("剩余金额", "剩余", "还剩", "仅剩")  # only with ¥, a unit or % (else a duration)
PROGRESS_LABELS = ("砍价进度", "助力进度", "完成进度", "当前进度", "已完成", "进度")
TARGET_LABELS = ("商品价值", "目标金额", "目标价", "砍价目标", "价值")
COUNT_LABELS = ("助力好友", "好友助力", "助力人数", "已助力", "砍价记录", "助力记录")
COUNTDOWN_LABELS = ("剩余时间", "倒计时", "距结束", "距离结束")
HELPER_VERBS = "帮你砍了|帮你砍掉|为你砍了|为你砍掉|帮砍了|帮砍|为你砍"
FIELDS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "target_price",
    "countdown_seconds",
    "helper_count",
)


@dataclass(frozen=True)
class Box:
    """One OCR text box: its text, the engine's confidence, and its bounding rectangle in pixels."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def norm(self) -> str:
        return normalise(self.text)

    @classmethod
    def from_quad(cls, text: str, score: float, quad: Sequence[Sequence[float]]) -> Box:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        return cls(text, float(score), float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))


@dataclass
class OcrReading:
    """What the pixels said: ``facts`` in the shape of shared/schema.json, ``missing`` field -> why."""

    facts: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def normalise(text: str) -> str:
    """NFKC (folds ￥ ％ and full-width digits), then no spaces and ASCII punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("￥", "¥").replace("：", ":").replace("（", "(").replace("）", ")")
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # thousands separators: 9,800金币


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def same_line(a: Box, b: Box) -> bool:
    return _overlap(a.y0, a.y1, b.y0, b.y1) >= 0.5 * min(a.height, b.height)


def value_for(label: Box, boxes: Iterable[Box]) -> Box | None:
    """The nearest box to the label's right on its line, else the nearest one below it."""
    right = [b for b in boxes if b is not label and same_line(label, b) and b.x0 >= label.x1 - 2]
    if right:
        return min(right, key=lambda b: b.x0 - label.x1)
    below = [
        b
        for b in boxes
        if b is not label
        and b.y0 >= label.y1 - 0.3 * label.height
        and b.y0 - label.y1 <= 3 * label.height
        and _overlap(label.x0, label.x1, b.x0, b.x1) > 0
    ]
    return min(below, key=lambda b: b.y0 - label.y1) if below else None


def _label_of(text: str) -> str | None:
    """The label a box is made of (``已砍(元)`` -> ``已砍``), or None."""
    bare = re.sub(r"[:()元%¥]+$", "", re.sub(r"\((元|%)\)", "", text)).strip(":")
    labels = (*CUT_LABELS, *REMAINING_LABELS, *LOOSE_REMAINING, *PROGRESS_LABELS, *TARGET_LABELS)
    if bare in (*labels, *COUNT_LABELS, *COUNTDOWN_LABELS):
        return bare
    return None


def _duration(text: str) -> int | None:
    m = re.fullmatch(r"(?:(\d{1,2})天)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d)?(?:后结束|后失效|后截止)?", text)
    if not m or int(m[3]) > 59 or int(m[4]) > 59:
        return None
    return int(m[1] or 0) * 86400 + int(m[2]) * 3600 + int(m[3]) * 60 + int(m[4])


class _Collector:
    """Figures as they are found; a field seen twice with two values becomes missing (conflict)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[Any, str]] = {}
        self.missing: dict[str, str] = {}
        self.unit: str | None = None

    def put(self, key: str, value: Any, raw: str, score: float) -> None:
        if score < MIN_SCORE:
            self.missing.setdefault(key, "low_confidence")
            return
        if key in self.values and self.values[key][0] != value:
            self.missing[key] = "conflict"
            return
        self.values.setdefault(key, (value, raw))

    def amount(self, kind: str, number: str, unit: str | None, raw: str, score: float) -> None:
        value = float(number)
        if unit == "%":
            if value > 100:
                return
            self.put(f"{kind}_percent", value, raw, score)
        else:
            if unit and unit != "元":
                self.unit = self.unit or unit
            self.put(f"{kind}_amount" if kind != "target" else "target_price", value, raw, score)

    def reading(self) -> OcrReading:
        # Doubt (low confidence, two values) blocks a field; a label without its value does not
        # when the figure was read elsewhere (inline), so those reasons are dropped then.
        blocked = {k for k, why in self.missing.items() if why in ("low_confidence", "conflict")}
        facts = {k: v for k, (v, _) in self.values.items() if k not in blocked}
        self.missing = {k: why for k, why in self.missing.items() if k not in facts}
        pair = ("cut_percent", "remaining_percent")
        if all(k in facts for k in pair) and abs(facts[pair[0]] + facts[pair[1]] - 100) > 0.011:
            for k in pair:
                facts.pop(k)
                self.missing[k] = "conflict"
        raw = {k: self.values[k][1] for k in facts if k in FIELDS}
        if raw:
            facts["raw"] = raw
        if self.unit and any(k in facts for k in ("cut_amount", "remaining_amount", "target_price")):
            facts["unit"] = self.unit
        return OcrReading(facts, dict(self.missing))


def _read_value(col: _Collector, label: str, value: Box, label_box: Box) -> bool:
    """Read ``value`` as the label's figure; False when it is not one (then it is read inline)."""
    text, score, raw = value.norm, min(value.score, label_box.score), f"{label_box.text} {value.text}"
    if label in COUNT_LABELS:
        m = re.fullmatch(r"\(?(\d{1,6})\)?(?:人|位)?", text)
        if m:
            col.put("helper_count", int(m[1]), raw, score)
            return True
        col.missing.setdefault("helper_count", "unreadable")
        return False
    if label in COUNTDOWN_LABELS or label in LOOSE_REMAINING:
        seconds = _duration(text)
        if seconds is not None:
            col.put("countdown_seconds", seconds, raw, score)
            return True
    m = re.fullmatch(r"\+?(¥)?" + NUM + UNIT, text)
    if not m:
        col.missing.setdefault(_field_guess(label), "unreadable")
        return False
    has_unit = bool(m[1] or m[3])
    if label in CUT_LABELS:
        col.amount("cut", m[2], m[3], raw, score)
    elif label in REMAINING_LABELS or (label in LOOSE_REMAINING and has_unit):
        col.amount("remaining", m[2], m[3], raw, score)
    elif label in PROGRESS_LABELS and m[3] == "%":
        col.amount("cut", m[2], "%", raw, score)
    elif label in TARGET_LABELS and has_unit and m[3] != "%":
        col.amount("target", m[2], m[3], raw, score)
    return True


def _value_like(text: str) -> bool:
    """A box that can be a label's value: a figure with at most a unit (a sentence below is not)."""
    rest = re.sub(r"[\d¥.:%()+天]|元|金币|钻石|积分|金豆|人|位|后结束", "", text)
    return bool(re.search(r"\d", text)) and len(rest) <= 1


def _field_guess(label: str) -> str:
    if label in COUNT_LABELS:
        return "helper_count"
    if label in COUNTDOWN_LABELS:
        return "countdown_seconds"
    if label in CUT_LABELS or label in PROGRESS_LABELS:
        return "cut_amount"
    if label in TARGET_LABELS:
        return "target_price"
    return "remaining_amount"


INLINE = (
    ("cut", re.compile(r"(?:已砍掉|已经砍了|累计砍掉|已砍|共砍):?(¥)?" + NUM + UNIT + r"(?![到至\d])")),
    ("remaining", re.compile(r"(?:还差|仅差|只差|就差|还需砍?):?(¥)?" + NUM + UNIT)),
    (
        "remaining_loose",
        re.compile(
            r"(?:剩余金额|剩余|还剩|仅剩):?(¥)" + NUM + UNIT + r"|(?:剩余|还剩|仅剩):?()" + NUM + r"(%|元)"
        ),
    ),
    (
        "progress",
        re.compile(r"(?:砍价进度|助力进度|完成进度|当前进度|已完成|进度)(?:领先)?:?()" + NUM + "(%)"),
    ),
    ("target", re.compile(r"(?:商品价值|目标金额|目标价|砍价目标|价值):?(¥)" + NUM + UNIT)),
)
COUNT_INLINE = (
    re.compile(r"(?:已有|共有|共|累计)(\d{1,6})(?:位|个|名)?(?:好友|人)(?:已)?(?:助力|帮砍|帮你砍)"),
    re.compile(r"^(\d{1,6})(?:位|个|名)好友(?:已)?(?:助力|帮砍|帮你砍)"),
    re.compile(r"(?:助力好友|好友助力榜?|砍价记录|助力记录)\((\d{1,6})\)"),
    re.compile(r"助力人数:(\d{1,6})"),
)
COUNTDOWN_INLINE = re.compile(
    r"(?:(?:剩余时间|剩余|还剩|仅剩|倒计时|距结束|距离结束):?((?:\d{1,2}天)?\d{1,2}:\d{2}:\d{2})"
    r"|((?:\d{1,2}天)?\d{1,2}:\d{2}:\d{2})(?:\.\d)?后(?:结束|失效|截止))"
)
HELPER_ROW = re.compile(r"^(?:好友)?(.{1,24}?)(?:" + HELPER_VERBS + r"):?(¥)?" + NUM + UNIT + r"$")


def _read_inline(col: _Collector, box: Box, helpers: list[dict[str, Any]], boxes: list[Box]) -> None:
    text = box.norm
    if "进度领先" in text or "领先" in text:  # 进度领先99.99%的用户: a ranking, not progress
        return
    for kind, pattern in INLINE:
        m = pattern.search(text)
        if not m:
            continue
        groups = list(m.groups())
        if kind == "remaining_loose":
            _sign, number, unit = (
                (groups[0], groups[1], groups[2]) if groups[1] else (None, groups[4], groups[5])
            )
            col.amount("remaining", number, unit, box.text, box.score)
        elif kind == "progress":
            col.amount("cut", groups[1], "%", box.text, box.score)
        elif groups[0] or groups[2] or not count_after(text, m.start(2), m.end()):  # 还差2人: a count
            col.amount(kind, groups[1], groups[2], box.text, box.score)
    for pattern in COUNT_INLINE:
        m = pattern.search(text)
        if m:
            col.put("helper_count", int(m[1]), box.text, box.score)
            break
    m = COUNTDOWN_INLINE.search(text)
    if m and not promotion_clock(box, boxes):  # an order's, a coupon's or a flash sale's clock
        seconds = _duration(m[1] or m[2])
        if seconds is not None:
            col.put("countdown_seconds", seconds, box.text, box.score)
    m = HELPER_ROW.match(text)
    if m and box.score >= MIN_SCORE and not re.search(r"你帮|帮TA|已砍|邀请", m[1]):
        helper: dict[str, Any] = {"name": m[1]}
        helper["percent" if m[4] == "%" else "amount"] = float(m[3])
        helpers.append(helper)


BARGAIN_WORDS = re.compile(r"砍|助力|免费|邀请|好友|分享|进度|还差|规则|倒计时|结束|领取|拼多多")


def product_name(boxes: Iterable[Box]) -> str | None:
    """The product's name, best effort, to name an imported campaign: the first line in the top
    half that reads like a name (6–60 characters, Chinese in it, no figure, no bargain wording,
    read with confidence). None when nothing qualifies: the campaign keeps its name."""
    every = sorted(boxes, key=lambda b: (b.y0, b.x0))
    if not every:
        return None
    half = (min(b.y0 for b in every) + max(b.y1 for b in every)) / 2
    for box in every:
        text = unicodedata.normalize("NFKC", box.text).strip()
        if box.y0 > half or box.score < 0.9 or not 6 <= len(text) <= 60:
            continue
        if not re.search(r"[\u4e00-\u9fff]", text) or re.search(r"[¥%:]|\d+\.\d", text):
            continue
        if BARGAIN_WORDS.search(text) or is_decoy(normalise(text)):
            continue
        return text
    return None


def read_boxes(boxes: Iterable[Box]) -> OcrReading:
    """The figures of one screenshot's boxes (any order)."""
    every = sorted(boxes, key=lambda b: (b.y0, b.x0))
    limit = cut_off(every)
    kept = [b for b in every if b.y0 < limit and b.norm and not is_decoy(b.norm)]
    col = _Collector()
    helpers: list[dict[str, Any]] = []
    labels = {id(b): _label_of(b.norm) for b in kept}
    used: set[int] = set()
    for box in kept:
        label = labels[id(box)]
        if label is None:
            continue
        candidates = [b for b in kept if labels[id(b)] is None and id(b) not in used and _value_like(b.norm)]
        value = value_for(box, candidates)
        if value is None:
            col.missing.setdefault(_field_guess(label), "no_value")
        elif _read_value(col, label, value, box):
            used.add(id(value))
    for box in kept:
        if labels[id(box)] is None and id(box) not in used:
            _read_inline(col, box, helpers, every)  # decoys too: a clock under 限时秒杀
    reading = col.reading()
    if helpers:
        reading.facts["helpers"] = helpers
    return reading
