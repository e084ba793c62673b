import os
import signal
import socket
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handschlag.core import tasks
from handschlag.core.worker import Worker


class Command(BaseCommand):
    help = (
        "Run background jobs and periodic tasks until stopped (SIGTERM or Ctrl-C finish the running jobs). "
        "Critical jobs run in the main loop, bulk jobs (imports, mapping runs) in a lane of their own."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds to wait when the queue is empty."
        )
        parser.add_argument(
            "--queues",
            default=",".join(tasks.QUEUE_ORDER),
            help="Comma-separated queues to serve (critical, bulk); default both.",
        )
        parser.add_argument(
            "--max-iterations", type=int, default=None, help="Stop after this many passes of the main loop."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tasks.discover_tasks()
        name = f"{socket.gethostname()}:{os.getpid()}"
        queues = [queue.strip() for queue in options["queues"].split(",") if queue.strip()]
        try:
            worker = Worker(name=name, queues=queues, sleep=options["sleep"])
        except ValueError as error:
            raise CommandError(str(error)) from error

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop_from_signal_handler()

        previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"worker {name} started ({', '.join(queues)})")
        try:
            if options["once"]:
                worker.run_due_jobs()
            else:
                worker.run(max_iterations=options["max_iterations"])
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write(f"worker {name} stopped")
