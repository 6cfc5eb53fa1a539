"""Where per-file and per-client work runs: this process, a process per core, or a Dask cluster.

Every executor has one method, `map(function, items)`, yielding results in the order of
`items`; the function and items must be picklable (module-level functions, dataclasses).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from intake import settings
from intake.errors import MissingDependency, UsageError

FILE_TIME_LIMIT = settings.file_time_limit()  # seconds per file
WORKER_MEMORY = 4 * 2**30  # address space of an extraction worker


class Executor(Protocol):
    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]: ...


def map_limited(
    executor: Executor,
    function: Callable[[Any], Any],
    items: list[Any],
    on_timeout: Callable[[Any, BaseException], Any],
    heavy: Callable[[Any], bool] | None = None,
    weight: Callable[[Any], int] | None = None,
) -> Iterator[Any]:
    """executor.map(), with the per-item time limit where the executor keeps one;
    `on_timeout(item, error)` stands for an item stopped (time, memory, a crashed worker)."""
    if isinstance(executor, LocalExecutor):
        return executor.map(function, items, on_timeout=on_timeout, heavy=heavy, weight=weight)
    return executor.map(function, items)


class SerialExecutor:
    """Everything in this process, one item after another."""

    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        return map(function, items)


class LocalExecutor:
    """A process per core (forked where the system can: no re-import cost).

    With `timeout`, every item runs in a worker process under that time limit: items are
    sent in small batches; a batch that overruns is run again item by item, and an item that
    overruns alone is stopped (its worker killed) and replaced by `on_timeout(item)`. Workers
    also get an address-space limit (`memory_limit` bytes) so a runaway parser fails with
    MemoryError instead of exhausting the machine."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        min_items: int = 2,
        timeout: float | None = None,
        memory_limit: int | None = None,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.min_items = min_items
        self.timeout = timeout
        self.memory_limit = memory_limit

    def map(
        self,
        function: Callable[[Any], Any],
        items: list[Any],
        *,
        on_timeout: Callable[[Any, BaseException], Any] | None = None,
        heavy: Callable[[Any], bool] | None = None,
        weight: Callable[[Any], int] | None = None,
    ) -> Iterator[Any]:
        """Results in order. With a time limit, `heavy(item)` marks items that go alone
        (slow to read: OCR), the others travel in large batches of at most BATCH_WEIGHT by
        `weight(item)` (a file's size: what its result may bring back, all at once)."""
        if not items:
            return iter(())
        if self.timeout is not None and on_timeout is not None:
            return self._limited(
                function, items, on_timeout, heavy or (lambda item: False),
                weight or (lambda item: 0),
            )  # fmt: skip
        return self._pooled(function, items)

    def _pooled(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self.workers < 2 or len(items) < self.min_items:
            yield from map(function, items)
            return
        chunk = max(1, min(128, len(items) // (self.workers * 8)))
        done = 0
        try:
            with ProcessPoolExecutor(min(self.workers, len(items)), mp_context=_context()) as pool:
                for result in pool.map(function, items, chunksize=chunk):
                    done += 1
                    yield result
        except BrokenProcessPool:
            yield from map(function, items[done:])

    def _limited(
        self,
        function: Callable[[Any], Any],
        items: list[Any],
        on_timeout: Callable[[Any, BaseException], Any],
        heavy: Callable[[Any], bool],
        weight: Callable[[Any], int],
    ) -> Iterator[Any]:
        size = max(1, min(BATCH, -(-len(items) // self.workers)))
        batches = plan_batches(items, size, heavy, weight)
        workers = max(1, min(self.workers, len(batches)))
        with _PROMPT_POLL:
            yield from self._run_pool(function, batches, on_timeout, workers)

    def _run_pool(
        self,
        function: Callable[[Any], Any],
        batches: list[list[Any]],
        on_timeout: Callable[[Any, BaseException], Any],
        workers: int,
    ) -> Iterator[Any]:
        from pebble import ProcessExpired, ProcessPool

        pool = ProcessPool(
            max_workers=workers,
            context=_context(),
            initializer=_start_worker,
            initargs=(self.memory_limit,),
        )
        try:
            futures = [
                pool.schedule(_run_batch, args=(function, batch), timeout=self.timeout)
                for batch in batches
            ]
            for batch, future in zip(batches, futures, strict=True):
                try:
                    yield from future.result()
                    continue
                except (TimeoutError, ProcessExpired, MemoryError) as err:
                    if len(batch) == 1:  # it ran alone already: not a second time
                        yield on_timeout(batch[0], err)
                        continue
                for item in batch:  # find the one that overruns: each alone, same limit
                    alone = pool.schedule(_run_one, args=(function, item), timeout=self.timeout)
                    try:
                        yield alone.result()
                    except (TimeoutError, ProcessExpired, MemoryError) as err:
                        yield on_timeout(item, err)
        finally:
            pool.stop()  # every result is in: stop the workers now, and wait until they are
            pool.join()  # gone (a worker left running blocks the exit of a batch's client)


BATCH = 1024  # light items per task under a time limit: few hand-offs; a rare retry is one by one
BATCH_WEIGHT = 16 * 2**20  # and their weight (bytes read): a batch's results come back at once,
# so forty 20 MB text files never travel as one 800 MB message nor overrun one time limit
POLL = 0.01  # seconds: how often pebble's threads look at the pool while a map runs


class _PromptPoll:
    """pebble's pool threads wake every `pebble.common.CONSTS.sleep_unit` (0.1 s) to look
    for timeouts and ended workers, and `pool.join()` waits for the one asleep: about 0.1 s
    at the end of every map whatever its size (30% of indexing a 2,000-file disc). While at
    least one map runs, that interval is POLL (a time limit is also seen sooner); it is put
    back when the last one ends, so intake leaves pebble as it found it. CONSTS is pebble's
    own (5.x: "internal constants"); should a pebble lack it, nothing changes here and the
    pool still works, only its stop takes the longer poll."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._saved: float | None = None

    def __enter__(self) -> None:
        constants = _pebble_constants()
        with self._lock:
            self._running += 1
            if self._running == 1 and constants is not None:
                self._saved = constants.sleep_unit
                constants.sleep_unit = min(POLL, self._saved)

    def __exit__(self, *exc: object) -> None:
        constants = _pebble_constants()
        with self._lock:
            self._running -= 1
            if self._running == 0 and constants is not None and self._saved is not None:
                constants.sleep_unit = self._saved
                self._saved = None


def _pebble_constants() -> Any:
    """pebble's CONSTS (its threads' poll interval), or None where this pebble has none."""
    from pebble import common

    constants = getattr(common, "CONSTS", None)
    return constants if isinstance(getattr(constants, "sleep_unit", None), float) else None


_PROMPT_POLL = _PromptPoll()


def plan_batches(
    items: list[Any], size: int, heavy: Callable[[Any], bool], weight: Callable[[Any], int]
) -> list[list[Any]]:
    """Items in order, as the tasks they travel in: a heavy one alone; light ones together,
    at most `size` of them and BATCH_WEIGHT of their weight (one heavier item alone)."""
    batches: list[list[Any]] = []
    load = 0  # the last batch's weight
    for item in items:
        own = weight(item)
        if heavy(item):
            batches.append([item])
        elif (
            batches
            and len(batches[-1]) < size
            and not heavy(batches[-1][0])
            and load + own <= BATCH_WEIGHT
        ):
            batches[-1].append(item)
            load += own
        else:
            batches.append([item])
            load = own
    return batches


def _run_batch(function: Callable[[Any], Any], batch: list[Any]) -> list[Any]:
    with _WORKER.task():
        return [function(item) for item in batch]


def _run_one(function: Callable[[Any], Any], item: Any) -> Any:
    with _WORKER.task():
        return function(item)


class _Stopping(BaseException):
    """Raised in a worker's task when the pool stops the worker (SIGTERM)."""


class _WorkerStop:
    """How a pool worker stops: SIGTERM (the pool stopping it: Ctrl-C, SIGTERM, a time limit)
    first unwinds the running task, so its cleanups run (subprocess.run kills Tesseract,
    temporary folders are removed), then exits the way the pool's own handler does."""

    def __init__(self) -> None:
        self.exit: Any = None  # the pool's SIGTERM handler (exits the worker)
        self.running = False
        self.stopping = False

    def install(self) -> None:
        self.exit = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, signum: int, frame: Any) -> None:
        self.stopping = True
        if self.running:
            raise _Stopping()
        self._exit()

    def _exit(self) -> None:
        if callable(self.exit):
            self.exit(signal.SIGTERM, None)
        os._exit(128 + signal.SIGTERM)

    @contextmanager
    def task(self):
        self.running = True
        try:
            yield
        except _Stopping:
            self._exit()
        finally:
            self.running = False
            if self.stopping:
                self._exit()


_WORKER = _WorkerStop()


def _start_worker(memory_limit: int | None) -> None:
    """In a new pool worker: the memory limit, and SIGTERM unwinding the running task."""
    _limit_memory(memory_limit)
    _WORKER.install()


def _limit_memory(limit: int | None) -> None:
    """In a worker: cap the address space (Linux; a no-op where unsupported)."""
    if not limit:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def _context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


CONNECT_SECONDS = 5  # how long a Dask scheduler is given to answer


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
        if not self._own:
            self.client = scheduler
            return
        try:  # a scheduler that is down is given up on after seconds, not waited for
            self.client = Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
        except ValueError as err:  # "unknown address scheme 'tpc'"
            raise UsageError(f"--scheduler {scheduler}: not a scheduler address ({err})") from None
        except OSError as err:  # TimeoutError too
            raise UsageError(
                f"--scheduler {scheduler}: cannot connect within {CONNECT_SECONDS} s "
                f"({type(err).__name__}): is the scheduler running there?"
            ) from None

    def map(self, function: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        if not items:
            return iter(())
        futures = self.client.map(function, items, pure=False)
        return (future.result() for future in futures)

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_executor(kind: str = "local", *, scheduler: str | None = None) -> Executor | None:
    """The executor a command line asks for; None for "local": the Runtime then makes its own
    pool under its per-file limits (Runtime.file_executor)."""
    if scheduler and kind != "dask":
        raise UsageError("--scheduler goes with --executor dask")
    if kind == "local":
        return None
    if kind == "serial":
        return SerialExecutor()
    if kind == "dask":
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        return DaskExecutor(scheduler)
    raise UsageError(f"unknown executor {kind!r} (local, serial or dask)")
