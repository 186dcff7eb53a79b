"""Things by name: the one shape behind the zoo's architectures and built-in data sets and training's losses.
A plain dict behind ``register``/``get``; a name registered twice raises, an unknown one lists the known."""
from __future__ import annotations

from typing import Generic, TypeVar

from .errors import suggest

__all__ = ["NameTable"]

T = TypeVar("T")


class NameTable(Generic[T]):
    def __init__(self, what: str, *, duplicate: type[Exception] = ValueError,
                 unknown: type[Exception] = ValueError) -> None:
        self.what, self._duplicate, self._unknown = what, duplicate, unknown
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        if name in self._items:
            raise self._duplicate(f"{self.what} {name!r} is registered already")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise self._unknown(f"unknown {self.what} {name!r}{suggest(str(name), self._items)}") from None

    def find(self, name: str) -> T | None:
        return self._items.get(name)

    def names(self) -> tuple[str, ...]:
        """In registration order."""
        return tuple(self._items)

    def unregister(self, name: str) -> None:
        """For tests that register a throwaway entry."""
        self._items.pop(name, None)
