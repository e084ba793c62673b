import os
import signal
import socket
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from handschlag.core import tasks


class Command(BaseCommand):
    help = "Run background jobs and periodic tasks until stopped (SIGTERM or Ctrl-C finish the current job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds to wait when the queue is empty."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tasks.discover_tasks()
        name = f"{socket.gethostname()}:{os.getpid()}"
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {name} started")
        tasks.requeue_stale_jobs()
        last_maintenance = time.monotonic()
        while not stopping:
            close_old_connections()
            tasks.enqueue_due_periodic_tasks()
            job = tasks.claim_next_job(worker=name)
            if job is not None:
                tasks.run_job(job)
                continue
            if options["once"]:
                break
            if time.monotonic() - last_maintenance > 60:
                tasks.requeue_stale_jobs()
                last_maintenance = time.monotonic()
            time.sleep(options["sleep"])
        self.stdout.write(f"worker {name} stopped")
