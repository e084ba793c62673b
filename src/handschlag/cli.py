"""The `handschlag` command.

`handschlag match|encode|match-encoded …` run the matching engine without Django, a database or a server.
Everything else is a Django management command with handschlag's settings preset
(`handschlag migrate`, `handschlag demo`, `handschlag worker`, `handschlag import accounts FILE` …).
"""

from __future__ import annotations

import os
import sys

ENGINE_COMMANDS = frozenset({"match", "encode", "match-encoded"})


def main(argv: list[str] | None = None) -> None:
    arguments = list(sys.argv if argv is None else argv)
    if len(arguments) > 1 and arguments[1] in ENGINE_COMMANDS:
        from handschlag.matching.cli import exit_now
        from handschlag.matching.cli import main as engine_main

        exit_now(engine_main(arguments[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handschlag.settings")
    from django.core.management import execute_from_command_line

    arguments[0] = "handschlag"
    execute_from_command_line(arguments)


if __name__ == "__main__":
    main()
