"""Validation against shared/schema.json, the one contract both the extension and the companion obey."""

from __future__ import annotations

import json
from functools import cached_property

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

    def first_error(self, name: str, instance: object) -> str | None:
        """A short, human-readable description of the most relevant error, or None when valid."""
        errors = sorted(self.validator(name).iter_errors(instance), key=lambda e: (len(e.path), e.path))
        if not errors:
            return None
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(根)"
        return f"{where}: {err.message}"
