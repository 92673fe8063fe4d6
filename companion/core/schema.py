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
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(根)"
        return f"{where}: {err.message}"
