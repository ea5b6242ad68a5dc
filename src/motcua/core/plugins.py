"""A registry of interchangeable backends (CONVENTIONS.md, "Plugins through a registry"):
each backend is one module of a package that registers an object with a stable `id` when
imported; the package's modules are imported once, on first use."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class Identified(Protocol):
    id: str


P = TypeVar("P", bound=Identified)


class PluginRegistry(Generic[P]):
    """Backends of one kind (`what`, for messages) from the modules of package `package`."""

    def __init__(self, what: str, package: str, path: Iterable[str]) -> None:
        self.what = what
        self.package = package
        self.path = list(path)
        self.entries: dict[str, P] = {}
        self._discovered = False
        self._lock = threading.Lock()

    def register(self, plugin: P) -> P:
        """Add `plugin` under its `id` (re-registering the same class replaces it)."""
        existing = self.entries.get(plugin.id)
        if existing is not None and type(existing) is not type(plugin):
            raise ImproperlyConfigured(f"{self.what} id {plugin.id!r} is already taken.")
        self.entries[plugin.id] = plugin
        return plugin

    def autodiscover(self) -> None:
        """Import every module of the package once, so each registers its backend."""
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            for module in pkgutil.iter_modules(self.path):
                importlib.import_module(f"{self.package}.{module.name}")
            self._discovered = True

    def lookup(self, plugin_id: str) -> P | None:
        self.autodiscover()
        return self.entries.get(plugin_id)

    def all(self) -> list[P]:
        self.autodiscover()
        return list(self.entries.values())
