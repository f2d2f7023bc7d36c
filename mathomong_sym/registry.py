"""Named things a user picks by name (activations, losses): one lookup, one error."""

from __future__ import annotations

from .errors import UnknownNameError

__all__ = ["Registry"]


class Registry(dict):
    """name → item, with aliases; names are read case-insensitively, ``-`` as ``_``."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.aliases: dict[str, str] = {}

    def add(self, item):
        self[item.name] = item
        for alias in getattr(item, "aliases", ()):
            self.aliases[alias] = item.name
        return item

    def lookup(self, name):
        key = str(name).strip().lower().replace("-", "_")
        key = self.aliases.get(key, key)
        if key not in self:
            raise UnknownNameError(self.kind, name, self)
        return self[key]
