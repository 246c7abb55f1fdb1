"""A rule that cannot be read or typed: the message, and where in the text, shown with a caret."""

from __future__ import annotations


class RuleError(ValueError):
    """Raised at parse or type-check time only, never while a compiled rule runs."""

    def __init__(self, message: str, source: str, offset: int) -> None:
        self.message = message
        self.source = source
        self.offset = max(0, min(offset, len(source)))
        before = source[: self.offset]
        self.line = before.count("\n") + 1
        self.column = self.offset - (before.rfind("\n") + 1) + 1
        super().__init__(self.pointed())

    def pointed(self) -> str:
        """``line L, column C: message`` then the offending line and a caret under the spot."""
        text = self.source.split("\n")[self.line - 1] if self.source else ""
        caret = " " * (self.column - 1) + "^"
        return f"line {self.line}, column {self.column}: {self.message}\n  {text}\n  {caret}"
