"""Run a batch: the same task function on a local process pool or on a Dask cluster.

The runner keeps only a bounded window of photos in flight (about two per worker), so a
folder of ten thousand photos costs no more memory than a handful; each worker holds only
the photo it is working on and loads the face models once. A photo that fails is recorded
and the batch goes on. Ctrl+C stops the workers, removes any temporary file they were
writing (outputs are only ever renamed into place when complete) and hands back what
finished, so a rerun picks up where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import studio
from studio import __version__
from studio.batch.inputs import DoneList, Job
from studio.batch.progress import Progress
from studio.batch.report import FAILED, OK, SKIPPED, PhotoResult
from studio.batch.task import limit_threads, retouch_task, warm_up
from studio.errors import LikenessError
from studio.process import follow_parent, give_way
from studio.write_guard import WritePlan, remove_stale_temps

#: Photos in flight per worker: one being retouched, one waiting so the worker never idles.
IN_FLIGHT_PER_WORKER = 2
#: How long to wait for a Dask scheduler to answer and for a first worker to join (seconds).
DASK_CONNECT_TIMEOUT = 30

Task = Callable[..., Mapping[str, Any]]


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl+C during a batch; ``results`` holds the photos finished (or skipped) before it."""

    def __init__(self, results: list[PhotoResult]) -> None:
        super().__init__("interrupted")
        self.results = results


# ----------------------------------------------------------------------------- engines
def _init_local_worker(load_models: bool, threads: int, background: bool = False) -> None:
    """Process-pool initializer: Ctrl+C is the parent's business (and the worker ends with
    it if it is killed); the worker gets its share of the cores (behind the window's work,
    ``background``); the models load once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow_parent()
    if background:
        give_way()
    limit_threads(threads)
    if load_models:
        warm_up()


def _start_fork_server() -> None:
    """Start the fork server (once per process) importing this very package, and nothing from
    the current folder: it runs ``python -c``, which puts the current folder first on its
    path, and Python 3.11 ignores the path it is sent, so a folder called ``studio`` where
    the user stands (an empty namespace package) would stand in for ours in every worker.
    Hence the server starts with ``PYTHONSAFEPATH`` (no current folder) and the folder this
    package was imported from first on ``PYTHONPATH``; the environment is restored after."""
    from multiprocessing import forkserver  # start-up

    package_root = str(Path(studio.__file__).resolve().parents[1])
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "PYTHONSAFEPATH")}
    os.environ["PYTHONSAFEPATH"] = "1"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, saved["PYTHONPATH"])))
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LocalEngine:
    """A ``ProcessPoolExecutor`` of ``workers`` processes, each loading the models once.

    Workers start from a fork server (a clean single-threaded process with the package
    already imported) where the platform has one, else they are spawned. ``background``:
    the workers give way to the studio's window (``studio.process.give_way``).
    """

    def __init__(
        self, workers: int | None = None, load_models: bool = True, threads: int | None = None,
        background: bool = False,
    ) -> None:
        #: The cores the whole batch may use; the workers share them.
        self.threads = max(1, int(threads or os.cpu_count() or 1))
        self.workers = max(1, int(workers or self.threads))
        self.load_models = load_models
        self.background = background
        self.pool: cf.ProcessPoolExecutor | None = None

    @property
    def window(self) -> int:
        return self.workers * IN_FLIGHT_PER_WORKER

    def describe(self) -> str:
        return f"{self.workers} local worker{'s' * (self.workers != 1)}"

    def at_most(self, photos: int) -> None:
        """No more worker processes than photos to do (each costs a start and a model load)."""
        self.workers = max(1, min(self.workers, photos))

    def start(self) -> None:
        frozen = getattr(sys, "frozen", False)  # a bundled app re-launches itself: spawn only
        if "forkserver" in multiprocessing.get_all_start_methods() and not frozen:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["studio.batch.task"])
            _start_fork_server()
        else:
            context = multiprocessing.get_context("spawn")
        self.pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_init_local_worker,
            # Each worker gets an equal share of the cores (one photo on 8 cores: all 8).
            initargs=(self.load_models, max(1, self.threads // self.workers), self.background),
        )

    def submit(self, task: Task, *args: Any) -> cf.Future:
        assert self.pool is not None, "start() first"
        try:
            return self.pool.submit(task, *args)
        except cf.process.BrokenProcessPool:
            # A worker died (a crash or out of memory) and took the pool with it: start afresh.
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.start()
            return self.pool.submit(task, *args)

    def wait_first(self, futures: Sequence[cf.Future]) -> set:
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    @staticmethod
    def result(future: cf.Future) -> Mapping[str, Any]:
        return future.result()

    @staticmethod
    def is_crash(error: BaseException) -> bool:
        """True when the photo's worker process died rather than the task failing."""
        return isinstance(error, cf.process.BrokenProcessPool)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def abort(self, futures: Sequence[cf.Future] = ()) -> None:
        """Stop now: drop queued photos and end the workers mid-photo (their outputs are
        written by rename, so none is left half-written)."""
        for future in futures:
            future.cancel()
        if self.pool is None:
            return
        # The executor keeps no public handle on its processes; without one we could only
        # wait for every running photo to finish.
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)
        self.pool = None


def prepare_dask_worker() -> str:
    """Run once on every Dask worker: one OpenCV thread per task thread (Dask already runs
    one task per thread), load the models; return the package version there."""
    limit_threads(1)
    warm_up()
    return __version__


class DaskEngine:
    """A Dask distributed client: ``address`` of a running scheduler, or "local" to start a
    ``LocalCluster`` of ``workers`` single-threaded processes for this run only."""

    def __init__(self, address: str, workers: int | None = None, load_models: bool = True) -> None:
        self.address = address
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.load_models = load_models
        self.client = None
        self.cluster = None
        self._window = self.workers * IN_FLIGHT_PER_WORKER

    @property
    def window(self) -> int:
        return self._window

    def at_most(self, photos: int) -> None:
        """A local cluster starts no more workers than photos to do; a remote one is as it is."""
        if self.address == "local":
            self.workers = max(1, min(self.workers, photos))
            self._window = self.workers * IN_FLIGHT_PER_WORKER

    def describe(self) -> str:
        if self.address == "local":
            return f"a local Dask cluster of {self.workers} worker{'s' * (self.workers != 1)}"
        return f"the Dask scheduler at {self.address}"

    def start(self) -> None:
        try:
            from distributed import Client, LocalCluster  # start-up
        except ImportError:  # pragma: no cover - a declared dependency
            raise LikenessError(
                "--dask needs the 'distributed' package: pip install 'dask[distributed]'"
            ) from None
        if self.address == "local":
            self.cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.address, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as error:
                raise LikenessError(
                    f"cannot reach the Dask scheduler at {self.address} ({error})"
                ) from None
            try:
                self.client.wait_for_workers(1, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as error:
                self.close()
                raise LikenessError(
                    f"no Dask worker joined the scheduler at {self.address} "
                    f"within {DASK_CONNECT_TIMEOUT} s ({error})"
                ) from None
        self._check_workers()
        threads = sum(self.client.nthreads().values())
        self._window = max(1, threads) * IN_FLIGHT_PER_WORKER

    def _check_workers(self) -> None:
        """Every worker must run this same Likeness Studio (same code, same results)."""
        if not self.load_models:
            return
        try:
            versions = self.client.run(prepare_dask_worker)
        except ImportError as error:
            self.close()
            raise LikenessError(
                f"the Dask workers cannot import Likeness Studio ({error}); "
                f"install likeness-studio {__version__} on every worker"
            ) from None
        wrong = {worker: version for worker, version in versions.items() if version != __version__}
        if wrong:
            self.close()
            listed = ", ".join(
                f"{worker} has {version}" for worker, version in sorted(wrong.items())
            )
            raise LikenessError(
                f"Dask workers run another Likeness Studio version than this "
                f"one ({__version__}): {listed}"
            )

    def submit(self, task: Task, *args: Any):
        # pure=False: every call writes a file, so Dask must never merge two calls into one.
        return self.client.submit(task, *args, pure=False)

    def wait_first(self, futures: Sequence[Any]) -> set:
        from distributed import wait  # start-up

        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    @staticmethod
    def result(future: Any) -> Mapping[str, Any]:
        return future.result()

    @staticmethod
    def is_crash(error: BaseException) -> bool:
        return False  # Dask already retries a task whose worker died (KilledWorker after that)

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
            self.client = None
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
            self.cluster = None

    def abort(self, futures: Sequence[Any] = ()) -> None:
        """Cancel what has not run; photos already running on remote workers finish (and are
        written whole, by rename) but their results are not waited for."""
        if self.client is not None and futures:
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures))
        self.close()


def make_engine(
    workers: int | None = None,
    dask: str | None = None,
    load_models: bool = True,
    threads: int | None = None,
    background: bool = False,
) -> LocalEngine | DaskEngine:
    """The engine for ``--workers N``, ``--threads N`` and ``--dask ADDRESS|local`` (a Dask
    task runs on one thread: Dask spreads the photos over its workers' threads itself);
    ``background``: local workers give way to the studio's window."""
    if dask:
        return DaskEngine(dask, workers, load_models)
    return LocalEngine(workers, load_models, threads, background)


# ----------------------------------------------------------------------------- running
def remove_partial_files(output: Path) -> None:
    """Remove the temporary files that stopped writers left beside ``output`` (only ours,
    only of processes that are gone: see studio.write_guard.remove_stale_temps)."""
    remove_stale_temps(output.parent, force=True)


def _skipped(job: Job) -> PhotoResult:
    return PhotoResult(
        input=job.shown_input,
        output=job.shown_output,
        status=SKIPPED,
        reason="already done (this batch wrote its output, and neither has changed since)",
    )


def _not_ours(job: Job) -> PhotoResult:
    return PhotoResult(
        input=job.shown_input,
        output="",
        status=FAILED,
        reason=f"{job.output.name} already exists in the output folder and was not written "
        f"by a batch there: nothing written (--overwrite replaces it)",
    )


def _crashed(job: Job, error: BaseException) -> PhotoResult:
    reason = (
        f"the worker process stopped while retouching it "
        f"(a crash or out of memory): {type(error).__name__}: {error}"
    )
    return PhotoResult(input=job.shown_input, output="", status=FAILED, reason=reason)


def _not_noted(job: Job, error: LikenessError) -> PhotoResult:
    reason = f"nothing written: the batch's done list cannot note it ({error})"
    return PhotoResult(input=job.shown_input, output="", status=FAILED, reason=reason)


def _as_given(job: Job, result: PhotoResult) -> PhotoResult:
    """The result with the job's paths as the user gave them (the worker saw absolute ones)."""
    return replace(
        result, input=job.shown_input, output=job.shown_output if result.output else ""
    )


def run_batch(
    jobs: Sequence[Job],
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    *,
    engine: LocalEngine | DaskEngine,
    min_likeness: float | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    task: Task = retouch_task,
    framing: Mapping[str, Any] | None = None,
    keep_likeness: float | None = None,
    plan: WritePlan | None = None,
) -> list[PhotoResult]:
    """Retouch every job's photo and return one result per job, in job order.

    Parameters
    ----------
    jobs : inputs and outputs (see :func:`studio.batch.inputs.plan_jobs`).
    session : the session or look, as its JSON dict, applied to every photo.
    export : the export settings dict (or a preset name) passed to the task.
    engine : where the work runs (:func:`make_engine`); started only if there is work.
    min_likeness : photos whose likeness falls below this percent are not written.
    overwrite : redo photos whose output already exists and is newer than the photo.
    progress : told about each finished photo (None: silent).
    framing, keep_likeness : passed on to ``task`` after ``min_likeness``, only when given.
    plan : the run's WritePlan (None: one whose inputs are the jobs' photos); each output
        folder's done list is one of its targets.
    task : the per-photo function, ``task(input, session, export, output, min_likeness)``
        returning a plain record dict; a top-level function, so both engines can run it.

    Raises
    ------
    BatchInterrupted on Ctrl+C, carrying the results so far (workers stopped, no partial
    files left). LikenessError when the engine cannot start (e.g. no Dask scheduler).
    """
    plan = plan if plan is not None else WritePlan(inputs=[job.input for job in jobs])
    batch = _Batch(jobs, session, export, engine, min_likeness, progress, task,
                   framing, keep_likeness, plan)
    todo = batch.set_aside_done(overwrite)
    if not todo:
        return batch.ordered()
    try:
        batch.start(len(todo))
        batch.retouch(todo)
    except KeyboardInterrupt:
        batch.stop()
        raise BatchInterrupted(batch.ordered()) from None
    except BaseException:
        batch.stop()
        raise
    else:
        engine.close()
    return batch.ordered()


class _Batch:
    """One run of :func:`run_batch`: the results so far (by job index), the photos waiting,
    those in flight on the engine, and the done list of each output folder."""

    def __init__(
        self,
        jobs: Sequence[Job],
        session: Mapping[str, Any],
        export: Mapping[str, Any] | str,
        engine: LocalEngine | DaskEngine,
        min_likeness: float | None,
        progress: Progress | None,
        task: Task,
        framing: Mapping[str, Any] | None,
        keep_likeness: float | None = None,
        plan: WritePlan | None = None,
    ) -> None:
        self.jobs, self.engine, self.progress, self.task = jobs, engine, progress, task
        self.plan = plan if plan is not None else WritePlan(inputs=[job.input for job in jobs])
        # --crop / --angle and --keep-likeness ride along only when given (a custom task need
        # not know them).
        self.extra = () if framing is None else (framing,)
        if keep_likeness is not None:
            self.extra = (framing, keep_likeness)
        self.session, self.export, self.min_likeness = session, export, min_likeness
        self.results: dict[int, PhotoResult] = {}
        self.done_lists: dict[Path, DoneList] = {}
        self.waiting: list[int] = []
        self.in_flight: dict[Any, int] = {}
        # When a worker process dies, every photo in flight on that pool fails with it; each
        # is tried again alone, so only the photo that really kills its worker is marked failed.
        self.suspects: list[int] = []
        self.alone: set[int] = set()

    def ordered(self) -> list[PhotoResult]:
        return [self.results[i] for i in sorted(self.results)]

    def done_list(self, job: Job) -> DoneList:
        folder = job.output.parent
        if folder not in self.done_lists:
            self.done_lists[folder] = DoneList(folder, self.plan)
            remove_stale_temps(folder)  # left by the workers of a batch that was killed
        return self.done_lists[folder]

    def set_aside_done(self, overwrite: bool) -> list[int]:
        """Record photos already done, or whose output this batch did not write, and return
        the indexes of the jobs left to do."""
        todo: list[int] = []
        for index, job in enumerate(self.jobs):
            early = None if overwrite else self._already_there(job)
            if early is None:
                todo.append(index)
            else:
                self._finished(index, early)
        return todo

    def _already_there(self, job: Job) -> PhotoResult | None:
        if self.done_list(job).is_done(job):
            return _skipped(job)
        if os.path.lexists(job.output) and not self.done_list(job).written_by_us(job):
            return _not_ours(job)  # never "already done" for a file we did not write
        return None

    def _finished(self, index: int, result: PhotoResult) -> None:
        self.results[index] = result
        if self.progress is not None:
            self.progress.finished(result)

    def start(self, count: int) -> None:
        self.engine.at_most(count)
        if self.progress is not None:
            self.progress.waiting(f"starting {self.engine.describe()} (loading the face models)...")
        self.engine.start()

    def retouch(self, todo: list[int]) -> None:
        """Keep the engine's window full until every job has a result."""
        self.waiting = list(reversed(todo))  # pop() from the end keeps input order
        while self.waiting or self.suspects or self.in_flight:
            self._fill_window()
            if not self.in_flight:
                continue  # every photo handed out failed before it reached a worker
            for future in self.engine.wait_first(list(self.in_flight)):
                self._collect(future)

    def _fill_window(self) -> None:
        if self.suspects:
            if not self.in_flight:
                self.alone.add(self.suspects[0])
                self._submit(self.suspects.pop(0))
            return
        while self.waiting and len(self.in_flight) < self.engine.window:
            self._submit(self.waiting.pop())

    def _submit(self, index: int) -> None:
        job = self.jobs[index]
        try:
            self.done_list(job).writing(job)  # on disk before the worker can write the output
        except LikenessError as error:
            self._finished(index, _not_noted(job, error))
            return
        args = (str(job.input), self.session, self.export, str(job.output), self.min_likeness)
        future = self.engine.submit(self.task, *args, *self.extra)
        self.in_flight[future] = index

    def _collect(self, future: Any) -> None:
        index = self.in_flight.pop(future)
        job = self.jobs[index]
        try:
            result = PhotoResult.from_record(self.engine.result(future))
        except Exception as error:  # the worker, not the task, failed
            if self.engine.is_crash(error) and index not in self.alone:
                self.suspects.append(index)
                return
            result = _crashed(job, error)
        if result.status == OK:
            self.done_list(job).record(job)
        self._finished(index, _as_given(job, result))

    def stop(self) -> None:
        """Stop the photos in flight and remove what they had begun to write."""
        self.engine.abort(list(self.in_flight))
        for index in self.in_flight.values():
            remove_partial_files(self.jobs[index].output)
