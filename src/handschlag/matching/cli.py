"""The command line of the matching engine: ``handschlag match``, ``encode`` and ``match-encoded``.

Runs without Django, a database or a server. ``main(argv)`` takes the arguments after the program name
(``["match", "left.csv", "right.csv", "-o", "pairs.csv"]``) and returns the exit code: 0 on success,
2 on bad input or bad arguments (one line on stderr naming file, line and problem), 1 on an internal error.
Progress goes to stderr; ``--quiet`` silences it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from handschlag.matching.records import MatchingInputError

PROGRAM = "handschlag"


class _ArgumentError(Exception):
    """Bad command-line arguments (argparse wants to exit; we want to return 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _ArgumentError(f"{self.prog}: error: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _parser() -> _Parser:
    parser = _Parser(prog=PROGRAM, description="Match company lists, in the clear or as keyed encodings.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    match = commands.add_parser(
        "match",
        help="match two company CSV files",
        description="Match two company CSV files; writes left_id,right_id,score.",
    )
    match.add_argument("left", type=Path, help="left CSV file")
    match.add_argument("right", type=Path, help="right CSV file")

    encode = commands.add_parser(
        "encode",
        help="turn a company CSV into keyed encodings",
        description="Encode a company CSV with a "
        "secret shared with the other side; the output reveals no names, streets or domains.",
    )
    encode.add_argument("input", type=Path, help="company CSV file")
    encode.add_argument("--secret-file", type=Path, required=True, help="file holding the shared secret")
    encode.add_argument("-o", "--output", type=Path, required=True, help="encoded file to write")
    encode.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    match_encoded = commands.add_parser(
        "match-encoded",
        help="match two encoded files",
        description="Match two files made by "
        "'handschlag encode' with the same secret; writes left_id,right_id,score.",
    )
    match_encoded.add_argument("left", type=Path, help="encoded file of the left side")
    match_encoded.add_argument("right", type=Path, help="encoded file of the right side")

    for command in (match, match_encoded):
        command.add_argument(
            "-o", "--output", type=Path, required=True, help="pairs CSV to write ('-' = stdout)"
        )
        command.add_argument(
            "--threshold",
            type=_threshold,
            default=None,
            help="lowest score kept, between 0 and 1 (default 0.5)",
        )
        command.add_argument(
            "--mode",
            choices=("one-to-one", "many", "all"),
            default=None,
            help="how records are paired: 'many' (default) pairs every record of a company with every record "
            "of the same company on the other side (duplicates inside a list included); 'one-to-one' uses each "
            "record at most once; 'all' keeps every pair at or above the threshold",
        )
        command.add_argument(
            "--many",
            action="store_true",
            help="deprecated: the old one-to-many assignment (each right record to its best left record)",
        )
        command.add_argument(
            "--explain",
            action="store_true",
            help="add a column 'evidence': per pair, as JSON, what each field contributed",
        )
        command.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser


class _Progress:
    def __init__(self, command: str, quiet: bool) -> None:
        self.command = command
        self.quiet = quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"{PROGRAM} {self.command}: {message}", file=sys.stderr, flush=True)

    def done(self, message: str) -> None:
        self(f"{message} in {time.perf_counter() - self.started:.1f} s")


def _write_pairs_csv(frame: object, output: Path) -> None:
    import polars as pl

    assert isinstance(frame, pl.DataFrame)
    if str(output) == "-":
        sys.stdout.write(frame.write_csv())
        return
    try:
        frame.write_csv(output)
    except OSError as error:
        raise MatchingInputError(
            str(output), 0, f"cannot write the output: {error.strerror or error}"
        ) from None


def _mode(arguments: argparse.Namespace) -> str:
    """The assignment mode; ``--many`` is the deprecated spelling of the old one-to-many assignment."""
    if arguments.mode is not None:
        return str(arguments.mode)
    return "one-to-many" if arguments.many else "many"


def _run_match(arguments: argparse.Namespace) -> int:
    from handschlag.matching.csv_input import read_company_table
    from handschlag.matching.engine import (
        DEFAULT_THRESHOLD,
        CompanyTable,
        PreparedCompanies,
        explain_clear_pairs,
        match_prepared,
        pairs_with_ids,
        prepare_companies,
    )

    progress = _Progress("match", arguments.quiet)

    reading = threading.Lock()

    def read_and_prepare(path: Path) -> tuple[CompanyTable, PreparedCompanies]:
        # one file is parsed at a time (polars parses it on every core), so that the bytes and parsed rows of
        # both files are not held at once (the peak memory of a 1M x 1M run); the first side is normalised
        # while the second is read, and then both at once (the C parts use one core each)
        with reading:
            table = read_company_table(path)
        prepared = prepare_companies(table)
        # only the ids are needed from here on: the raw fields' memory goes back before the pairs are made
        return CompanyTable(table.source, table.frame.select("id")), prepared

    # each side is read and normalised in its own thread, without waiting for the other side (pyarrow and
    # polars work without holding the GIL)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        left_future = pool.submit(read_and_prepare, arguments.left)
        right_future = pool.submit(read_and_prepare, arguments.right)
        left, prepared_left = left_future.result()
        right, prepared_right = right_future.result()
    progress(f"read {len(left):,} records from {arguments.left} and {len(right):,} from {arguments.right}")
    progress(f"normalising: {len(left):,} + {len(right):,} records ({time.perf_counter() - started:.1f} s)")
    pairs = match_prepared(
        prepared_left,
        prepared_right,
        threshold=DEFAULT_THRESHOLD if arguments.threshold is None else arguments.threshold,
        mode=_mode(arguments),
        progress=progress,
    )
    evidence = (
        explain_clear_pairs(prepared_left, prepared_right, pairs.left_rows, pairs.right_rows)
        if arguments.explain
        else None
    )
    _write_pairs_csv(pairs_with_ids(pairs, left.ids, right.ids, evidence), arguments.output)
    progress.done(f"{len(pairs.scores):,} pairs written to {arguments.output}")
    return 0


def _run_encode(arguments: argparse.Namespace) -> int:
    from handschlag.matching.csv_input import read_company_table
    from handschlag.matching.encoding import encode_table, read_secret_file, write_encoded

    progress = _Progress("encode", arguments.quiet)
    secret = read_secret_file(arguments.secret_file)
    table = read_company_table(arguments.input)
    progress(f"read {len(table):,} records from {arguments.input}")
    encoded = encode_table(table, secret=secret, progress=progress)
    write_encoded(encoded, arguments.output)
    progress.done(f"{len(table):,} encoded records written to {arguments.output}")
    return 0


def _run_match_encoded(arguments: argparse.Namespace) -> int:
    from handschlag.matching.encoded_matching import explain_encoded_pairs, match_encoded_arrays
    from handschlag.matching.encoding import read_encoded
    from handschlag.matching.engine import pairs_with_ids

    progress = _Progress("match-encoded", arguments.quiet)
    left = read_encoded(arguments.left)
    progress(f"read {len(left):,} encoded records from {arguments.left}")
    right = read_encoded(arguments.right)
    progress(f"read {len(right):,} encoded records from {arguments.right}")
    pairs, warnings = match_encoded_arrays(
        left, right, threshold=arguments.threshold, mode=_mode(arguments), progress=progress
    )
    for warning in warnings:
        print(f"{PROGRAM} match-encoded: warning: {warning}", file=sys.stderr, flush=True)
    evidence = (
        explain_encoded_pairs(left, right, pairs.left_rows, pairs.right_rows) if arguments.explain else None
    )
    _write_pairs_csv(pairs_with_ids(pairs, left.ids, right.ids, evidence), arguments.output)
    progress.done(f"{len(pairs.scores):,} pairs written to {arguments.output}")
    return 0


_COMMANDS = {"match": _run_match, "encode": _run_encode, "match-encoded": _run_match_encoded}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code (never raises, never prints a traceback)."""
    arguments_list = list(sys.argv[1:] if argv is None else argv)
    try:
        arguments = _parser().parse_args(arguments_list)
    except _ArgumentError as error:
        print(error, file=sys.stderr)
        return 2
    except SystemExit as exit_request:  # --help
        return exit_request.code if isinstance(exit_request.code, int) else 0
    try:
        return _COMMANDS[arguments.command](arguments)
    except MatchingInputError as error:
        print(f"{PROGRAM} {arguments.command}: error: {error.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROGRAM} {arguments.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{PROGRAM} {arguments.command}: error: not enough memory for these files", file=sys.stderr)
        return 1
    except Exception as error:
        if os.environ.get("HANDSCHLAG_DEBUG"):
            raise
        print(
            f"{PROGRAM} {arguments.command}: internal error: {type(error).__name__}: {error} "
            "(run with HANDSCHLAG_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


def exit_now(code: int) -> None:
    """End the process with ``code`` once stdout and stderr are flushed, without tearing down the
    interpreter: the output file is closed, and freeing a million records' objects and stopping the
    thread pools of polars, numpy and pyarrow one by one takes a noticeable part of a short run."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said there
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main(sys.argv[1:]))
