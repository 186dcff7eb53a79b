"""A thread-safe LRU cache bounded by bytes, which loads each missing key once even under contention."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ByteLRU"]

log = logging.getLogger(__name__)
V = TypeVar("V")


class ByteLRU(Generic[V]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def get_or_load(self, key: Hashable, load: Callable[[], tuple[V, int]]) -> V:
        """Return the cached value, or call ``load() -> (value, nbytes)`` once for all waiting threads."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                hit = self._items.get(key)
                if hit is not None:
                    return hit[0]
            try:
                value, size = load()
                self._insert(key, value, size)
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            return value

    def discard(self, predicate: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for k in [k for k in self._items if predicate(k)]:
                self._bytes -= self._items.pop(k)[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def _insert(self, key: Hashable, value: V, size: int) -> None:
        with self._lock:
            self._items[key] = (value, size)
            self._bytes += size
            # Evict oldest first, but always keep the newest so an oversized entry is still usable.
            while self._bytes > self.max_bytes and len(self._items) > 1:
                old, (_, old_size) = self._items.popitem(last=False)
                self._bytes -= old_size
                log.debug("evicted %s (%d bytes)", old, old_size)
