"""Named things a user picks by name (activations, losses): one lookup, one error."""

from __future__ import annotations

from .errors import IncompatibleError, UnknownNameError

__all__ = ["Registry"]


def _key(name) -> str:
    return str(name).strip().lower().replace("-", "_")


class Registry(dict):
    """name → item, with aliases; names are read case-insensitively, ``-`` as ``_``."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.aliases: dict[str, str] = {}

    def add(self, item, *, replace: bool = False):
        """Register *item* under its name and aliases.

        A name or alias that already means another item is refused unless
        *replace* is true: a second ``"sigmoid"`` would otherwise change every
        network that names the built-in, with no word said.
        """
        name = _key(item.name)
        if not name.isidentifier():
            raise IncompatibleError(f"{self.kind} names are written like python names (swish, gelu_tanh), "
                                    f"not {item.name!r}")
        if name != item.name:
            raise IncompatibleError(f"write the {self.kind} name {item.name!r} as {name!r}: names are looked up "
                                    "in lower case, with _ for -")
        taken = []
        for key in (name, *(_key(a) for a in getattr(item, "aliases", ()))):
            owner = self.aliases.get(key, key)
            if owner in self and self[owner] is not item:
                taken.append((key, owner))
        if taken and not replace:
            described = ", ".join(repr(key) if key == owner else f"{key!r} (an alias of {owner!r})"
                                  for key, owner in taken)
            raise IncompatibleError(
                f"the {self.kind} name {described} is already registered; pass replace=True to replace "
                f"it (every network that names it will use the new one)")
        if replace:
            for key, owner in taken:
                if owner != name:
                    # the name moves to the new item; the old item keeps its other names
                    self.aliases.pop(key, None)
                    if key == owner:
                        self.pop(owner, None)
        self[name] = item
        for alias in getattr(item, "aliases", ()):
            self.aliases[_key(alias)] = name
        return item

    def lookup(self, name):
        key = _key(name)
        key = self.aliases.get(key, key)
        if key not in self:
            raise UnknownNameError(self.kind, name, self)
        return self[key]
