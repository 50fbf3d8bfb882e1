"""What a long-lived process (`serve`) keeps in memory from one build to the next.

A build given a Memo asks it before each piece of work: has this exact input been
seen? Keys are the inputs themselves (a source's text, a body and the link targets
it is resolved against, an essay view and its page's surroundings), so a hit is
right by construction, and one pipeline serves both `build` and `serve`: nothing
here decides *what* to rebuild.

Entries not used by a successful build are dropped after the next one, so memory
stays at about one site's worth; a failed build drops nothing (editors break the
build constantly while typing, and the next good build should still be quick).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
_MISSING = object()


def cached_hash(cls: type[T]) -> type[T]:
    """Make a frozen dataclass remember its hash: essay views and bodies are memo keys
    several times per build, and hashing their nested fields each time adds up."""
    compute = cls.__hash__

    def __hash__(self: Any) -> int:
        try:
            return self.__dict__["_hash"]  # type: ignore[no-any-return]
        except KeyError:
            value = compute(self)
            object.__setattr__(self, "_hash", value)
            return value

    cls.__hash__ = __hash__  # type: ignore[method-assign,assignment]
    return cls


class Memo:
    def __init__(self) -> None:
        self._now: dict[Hashable, Any] = {}
        self._before: dict[Hashable, Any] = {}
        self._tokens: dict[str, tuple[Any, int]] = {}
        self._named_tokens: dict[str, dict[Any, tuple[Any, int]]] = {}
        self._counter = 0

    def recall(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value made for `key` before, else `make()` (remembered)."""
        found = self._lookup(key)
        if found is _MISSING:
            found = make()
            self._now[key] = found
        return found  # type: ignore[no-any-return]

    def find(self, key: Hashable) -> Any | None:
        """The value remembered for `key`, or None (nothing is stored for a miss)."""
        found = self._lookup(key)
        return None if found is _MISSING else found

    def _lookup(self, key: Hashable) -> Any:
        # One hash and one comparison per dictionary: keys hold essay views, and a view
        # of this build equals last build's field by field, not by identity.
        found = self._now.get(key, _MISSING)
        if found is _MISSING:
            found = self._before.pop(key, _MISSING)
            if found is not _MISSING:
                self._now[key] = found
        return found

    def remember(self, key: Hashable, value: Any) -> None:
        self._now[key] = value

    def token(self, kind: str, value: Any) -> int:
        """A small number standing for `value`: the same as last time when `value`
        equals the last value of this kind. Large values (every link target, every
        listed essay) are compared once per build instead of hashed per lookup."""
        last = self._tokens.get(kind)
        if last is not None and last[0] == value:
            return last[1]
        self._counter += 1
        self._tokens[kind] = (value, self._counter)
        return self._counter

    def tokens(self, kind: str, values: Mapping[K, Any]) -> dict[K, int]:
        """`token` for each of many named values at once: a name's number is the same as
        last time when its value equals its last value of this kind. A number never
        stands for two different values, so equal numbers mean equal values."""
        last: dict[Any, tuple[Any, int]] = self._named_tokens.get(kind, {})
        now: dict[K, tuple[Any, int]] = {}
        for name, value in values.items():
            found = last.get(name)
            if found is None or found[0] != value:
                self._counter += 1
                found = (value, self._counter)
            now[name] = found
        self._named_tokens[kind] = now  # the names of this build only
        return {name: found[1] for name, found in now.items()}

    def succeeded(self) -> None:
        """The build succeeded: forget what it did not use."""
        self._before = self._now
        self._now = {}


__all__ = ["Memo", "cached_hash"]
