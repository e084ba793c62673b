"""The loop of `handschlag worker` (docs/adr/0002-task-queue.md).

The main thread queues periodic tasks, takes back jobs whose lease ran out and runs critical jobs one after
another. Bulk jobs (imports, mapping runs) run in a separate lane thread, one at a time, so however long an
import takes, the next escalation is started within a second of its slot. A worker started with
`--queues critical` (or `--queues bulk`) serves only those queues; several workers may run side by side.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection

from django.db import close_old_connections, connection

from handschlag.core import tasks
from handschlag.core.enums import JobQueue

logger = logging.getLogger(__name__)


def _refresh_connections() -> None:
    """Drop database connections that broke or grew too old, as Django does between requests. Never inside a
    transaction (a test that runs the loop inside its own): closing would end it."""
    if not connection.in_atomic_block:
        close_old_connections()


class Worker:
    def __init__(
        self, *, name: str, queues: Collection[str] = tuple(tasks.QUEUE_ORDER), sleep: float = 1.0
    ) -> None:
        unknown = set(queues) - set(JobQueue.values)
        if unknown or not queues:
            raise ValueError(f"unknown queues: {', '.join(sorted(unknown)) or '(none given)'}")
        self.name = name
        self.queues = frozenset(queues)
        self.sleep = sleep
        self.stopping = threading.Event()
        self._bulk_lane: threading.Thread | None = None
        self._last_recovery = float("-inf")
        self._stop_requested = False

    def stop(self) -> None:
        """Ask the loop to end; the jobs that are running finish first."""
        self.stopping.set()

    def stop_from_signal_handler(self) -> None:
        """`stop` for a signal handler: it may interrupt the main thread while that holds the stop event's lock,
        so the handler only sets a flag the loop reads, and wakes the waiting threads from another thread."""
        self._stop_requested = True
        threading.Thread(target=self.stop).start()

    @property
    def stopped(self) -> bool:
        return self._stop_requested or self.stopping.is_set()

    def run(self, *, max_iterations: int | None = None) -> int:
        """Loop until stopped (or for `max_iterations` passes of the main loop). Returns the passes made."""
        if JobQueue.BULK in self.queues:
            self._bulk_lane = threading.Thread(
                target=self._run_bulk_lane, name=f"{self.name}/bulk", daemon=True
            )
            self._bulk_lane.start()
        iterations = 0
        try:
            while not self.stopped:
                try:
                    worked = self.run_once()
                except Exception:  # the database may be away for a moment: try again after a pause
                    logger.exception("worker %s: a pass of the main loop failed", self.name)
                    worked = False
                iterations += 1
                if max_iterations is not None and iterations >= max_iterations:
                    break
                if not worked:
                    self.stopping.wait(self.sleep)
        finally:
            self.stopping.set()
            if self._bulk_lane is not None:
                self._bulk_lane.join()
            if not connection.in_atomic_block:
                connection.close()
        return iterations

    def run_once(self) -> bool:
        """One pass of the main loop: upkeep, periodic slots, one critical job. True when a job ran."""
        _refresh_connections()
        self.recover_expired_jobs_when_due()
        tasks.enqueue_due_periodic_tasks()
        if JobQueue.CRITICAL not in self.queues:
            return False
        job = tasks.claim_next_job(worker=self.name, queues=[JobQueue.CRITICAL])
        if job is None:
            return False
        tasks.run_job(job)
        return True

    def run_due_jobs(self) -> int:
        """Run what is due now in this thread, critical jobs first, then return (`handschlag worker --once`)."""
        self.recover_expired_jobs_when_due()
        tasks.enqueue_due_periodic_tasks()
        return tasks.run_pending_jobs(worker=self.name, queues=self.queues)

    def recover_expired_jobs_when_due(self) -> None:
        if time.monotonic() - self._last_recovery < tasks.heartbeat_interval().total_seconds():
            return
        self._last_recovery = time.monotonic()
        recovered = tasks.recover_expired_jobs()
        if recovered:
            logger.warning("%s jobs whose lease ran out were queued again or failed", recovered)

    def _run_bulk_lane(self) -> None:
        worker = f"{self.name}/bulk"
        try:
            while not self.stopping.is_set():
                try:
                    _refresh_connections()
                    job = tasks.claim_next_job(worker=worker, queues=[JobQueue.BULK])
                    if job is None:
                        self.stopping.wait(self.sleep)
                        continue
                    tasks.run_job(job)
                except (
                    Exception
                ):  # a database hiccup must not end the lane; run_job records job errors itself
                    logger.exception("bulk lane of %s", self.name)
                    self.stopping.wait(self.sleep)
        finally:
            connection.close()
