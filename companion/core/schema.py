"""Validation against shared/schema.json, the one contract both the extension and the companion obey.

Two validators of the same schema: jsonschema-rs (compiled, about a microsecond for a capture)
answers "valid" on the hot path; anything it does not accept goes to jsonschema, which decides and
words the message, so a refusal reads as it always did. jsonschema-rs accepting what jsonschema
refuses would let through what the contract forbids: it is the stricter of the two wherever they
differ (formats: it also checks date-time), and ``tests/test_schema_fast_path.py`` checks that on
generated payloads. The capture POST spent ~0.2 ms (1.4 ms under load) in jsonschema (#13).
"""

from __future__ import annotations

import json
from functools import cached_property

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from companion.core.resources import schema_text


class Schema:
    """Validators for each message type; built once per app (held by its services, not a global)."""

    def __init__(self, text: str | None = None) -> None:
        self.document = json.loads(text if text is not None else schema_text())

    def validator(self, name: str) -> Draft202012Validator:
        return self._validators[name]

    @cached_property
    def _validators(self) -> dict[str, Draft202012Validator]:
        defs = self.document["$defs"]
        return {
            name: Draft202012Validator(
                {"$ref": f"#/$defs/{name}", "$defs": defs}, format_checker=FormatChecker()
            )
            for name in defs
        }

    @cached_property
    def _fast(self) -> dict[str, jsonschema_rs.Draft202012Validator]:
        defs = self.document["$defs"]
        return {
            name: jsonschema_rs.Draft202012Validator(
                {"$ref": f"#/$defs/{name}", "$defs": defs}, validate_formats=True
            )
            for name in defs
        }

    def fast_valid(self, name: str, instance: object) -> bool:
        """True: valid (jsonschema-rs says so). False: not known; ask ``first_error``."""
        try:
            return self._fast[name].is_valid(instance)
        except Exception:  # a value it can't take (an integer past 64 bits): the slow path decides
            return False

    def first_error(self, name: str, instance: object) -> str | None:
        """A short, human-readable description of the most relevant error, or None when valid."""
        if self.fast_valid(name, instance):
            return None
        errors = sorted(self.validator(name).iter_errors(instance), key=lambda e: (len(e.path), e.path))
        if not errors:
            return None
        return describe(errors[0])


# What a refusal says, in Chinese and short: the extension shows it to the user as it is, and
# jsonschema's own message is English and repeats the whole offending value (10,000 helpers made a
# 359,000-character message). The field is named by its path; the value is never echoed.
TYPE_NAMES = {
    "string": "文本",
    "number": "数字",
    "integer": "整数",
    "boolean": "true 或 false",
    "object": "对象",
    "array": "列表",
    "null": "null",
}


def describe(err) -> str:
    """One jsonschema error as a short Chinese sentence about where and what is wrong."""
    where = "/".join(str(p) for p in err.absolute_path) or "请求体"
    kind, rule, instance = err.validator, err.validator_value, err.instance
    if kind == "type":
        wanted = "或".join(TYPE_NAMES.get(t, str(t)) for t in (rule if isinstance(rule, list) else [rule]))
        return f"{where} 的类型不对，应为{wanted}"
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in rule if k not in instance][:5]
        return f"{where} 缺少字段 {'、'.join(missing)}"
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(err.schema.get("properties", {}))
        extra = [str(k)[:40] for k in instance if k not in known][:5]
        return f"{where} 有不认识的字段 {'、'.join(extra)}"
    words = {
        "maxLength": f"太长（最多 {rule} 个字符）",
        "minLength": f"太短（至少 {rule} 个字符）",
        "maxItems": f"太多（最多 {rule} 项）",
        "minItems": f"太少（至少 {rule} 项）",
        "maximum": f"太大（最大 {rule}）",
        "exclusiveMaximum": f"太大（应小于 {rule}）",
        "minimum": f"太小（最小 {rule}）",
        "exclusiveMinimum": f"太小（应大于 {rule}）",
        "maxProperties": f"字段太多（最多 {rule} 个）",
        "pattern": "的格式不对",
        "format": "的格式不对",
        "enum": "不是允许的值之一",
        "const": "不是允许的值",
    }
    return f"{where} {words.get(kind, '不符合要求')}"
