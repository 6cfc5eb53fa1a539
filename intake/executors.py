"""Where per-file and per-client work runs: this process, a process per core, or a Dask cluster.

Every executor has one method, `map(function, items)`, yielding results in the order of
`items`; the function and items must be picklable (module-level functions, dataclasses).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from intake.errors import MissingDependency, UsageError


class Executor(Protocol):
    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]: ...


class SerialExecutor:
    """Everything in this process, one item after another."""

    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        return map(function, items)


class LocalExecutor:
    """A process per core (forked where the system can: no re-import cost). If a worker dies
    (a parser crashing the interpreter), the items not yet done run in this process."""

    def __init__(self, workers: int | None = None, *, min_items: int = 2) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.min_items = min_items

    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        if self.workers < 2 or len(items) < self.min_items:
            yield from map(function, items)
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        chunk = max(1, min(128, len(items) // (self.workers * 8)))
        done = 0
        try:
            with ProcessPoolExecutor(min(self.workers, len(items)), mp_context=context) as pool:
                for result in pool.map(function, items, chunksize=chunk):
                    done += 1
                    yield result
        except BrokenProcessPool:
            yield from map(function, items[done:])


class DaskExecutor:
    """The work runs on an existing Dask distributed cluster (`intake[dask]`). The files must
    be readable at the same paths on its workers (a shared disk)."""

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError as err:
            raise MissingDependency(
                "the Dask executor needs intake[dask]: pip install 'intake[dask]'"
            ) from err
        self._own = isinstance(scheduler, str)
        self.client = Client(scheduler) if self._own else scheduler

    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        if not items:
            return iter(())
        futures = self.client.map(function, items, pure=False)
        return (future.result() for future in futures)

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_executor(kind: str = "local", *, scheduler: str | None = None,
                  workers: int | None = None) -> Executor:  # fmt: skip
    """The executor a command line asks for."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "serial":
        return SerialExecutor()
    if kind == "dask":
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        return DaskExecutor(scheduler)
    raise UsageError(f"unknown executor {kind!r} (local, serial or dask)")


def run_all(executor: Executor, function: Callable[[Any], Any], items: Iterable[Any]) -> list:
    """Every result, in order."""
    return list(executor.map(function, list(items)))
