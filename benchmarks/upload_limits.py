"""Benchmark: what one hostile upload costs the worker, before and after the upload limits (issue 9, point 4).

    .venv/bin/python benchmarks/upload_limits.py [--repeat 3] [--rows 100000]

Builds the files, then reads each in its own process (the read's wall time, without the process start; peak
memory = the child's largest resident set, VmHWM, which includes Python, Django and the libraries: about 110 MiB
before any file is read) through the reader the worker uses, with the default limits of settings.py:

* `xlsx-dimension`: a ~230 KB workbook whose sheet declares 16,384 columns (A1:XFD…) over 30,000 one-cell rows —
  the "223 KB XLSX, 63 s, 2 GB" of the issue;
* `xlsx-zip-bomb`: a workbook whose sheet packs 200 MB of blanks into a few hundred KB;
* `csv-long-line`: a 40 MB CSV of one line;
* `csv-too-many-rows`: a CSV of 300,000 short rows (over the 250,000-row limit);
* `encoded-bomb`: a 10 MB encoded file (zstd-compressed Arrow) of 2,000,000 records with 300-character ids —
  the "27 MB encoded file, 5 GB" of the issue, scaled down;
* `csv-100k` and `encoded-100k`: normal files (a 100,000-row German CRM export, 100,000 encoded records).

Peers in the same run: for the hostile files the unchecked read the code did before (openpyxl read_only over
every row; pyarrow's read_all and the ids as Python strings), once, stopped after 180 s; for the normal CSV the
bare `csv.reader` over the file, the floor any reader stands on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_TIMEOUT = 180


# --- building the files -----------------------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Kunden" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def write_workbook(path: Path, *, rows: int, dimension: str = "", padding: int = 0) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            for _ in range(padding // 1_000_000):
                sheet.write(b" " * 1_000_000)
            sheet.write(b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Firma</t></is></c></row>')
            for number in range(2, rows + 2):
                sheet.write(
                    f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>Firma {number}</t></is></c></row>'.encode()
                )
            sheet.write(b"</sheetData></worksheet>")


def write_encoded_file(path: Path, *, records: int, id_chars: int, compression: str | None) -> None:
    import numpy as np
    import pyarrow as pa

    from handschlag.matching.blocking import BLOCKING_KEY_EXPRESSIONS
    from handschlag.matching.encoding import EXACT_KEY_FIELDS, FILTER_LAYOUTS, _metadata

    generator = np.random.default_rng(7)
    columns: dict[str, pa.Array] = {"id": pa.array([f"{index:0{id_chars}d}" for index in range(records)])}
    for field in EXACT_KEY_FIELDS:
        columns[f"exact_{field}"] = pa.array(generator.integers(1, 2**63, records, dtype=np.uint64))
    for index in range(len(BLOCKING_KEY_EXPRESSIONS)):
        columns[f"block_{index}"] = pa.array(generator.integers(1, 2**63, records, dtype=np.uint64))
    for field, layout in FILTER_LAYOUTS.items():
        size = records * layout.words * 8
        raw = np.zeros(size, np.uint8) if compression else generator.integers(0, 256, size, dtype=np.uint8)
        columns[f"filter_{field}"] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(layout.words * 8), records, [None, pa.py_buffer(raw)]
        )
    if compression:  # the partner's bomb: keys that compress to nothing as well
        for name in list(columns):
            if name.startswith(("exact_", "block_")):
                columns[name] = pa.array(np.zeros(records, np.uint64))
    metadata = _metadata() | {"secret_fingerprint": "benchmark"}
    table = pa.table(columns).replace_schema_metadata({"handschlag": json.dumps(metadata)})
    options = pa.ipc.IpcWriteOptions(compression=compression) if compression else None
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=1 << 20)


def build_files(work: Path, rows: int) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_accounts import write_export

    files = {
        "xlsx-dimension": work / "dimension.xlsx",
        "xlsx-zip-bomb": work / "bomb.xlsx",
        "csv-long-line": work / "long-line.csv",
        "csv-too-many-rows": work / "many-rows.csv",
        "encoded-bomb": work / "bomb.encoded",
        "csv-100k": work / "export-100k.csv",
        "encoded-100k": work / "list-100k.encoded",
    }
    write_workbook(files["xlsx-dimension"], rows=30_000, dimension="A1:XFD30001")
    write_workbook(files["xlsx-zip-bomb"], rows=10, padding=200_000_000)
    files["csv-long-line"].write_bytes(b"Firma;Notiz\nA;" + b"x" * 40_000_000 + b"\n")
    files["csv-too-many-rows"].write_text("Firma\n" + "".join(f"F{index}\n" for index in range(300_000)))
    write_encoded_file(files["encoded-bomb"], records=2_000_000, id_chars=300, compression="zstd")
    write_export(files["csv-100k"], rows)
    write_encoded_file(files["encoded-100k"], records=rows, id_chars=10, compression=None)
    return files


# --- one read, in a child process -------------------------------------------------------------------------------


def read_once(kind: str, path: Path) -> str:
    """What the worker does with the file (`checked`), or the unchecked read of before / the floor (`peer`)."""
    if kind == "checked-table":
        from handschlag.accounts import importing

        try:
            table = importing.open_table(path, source=path.name)
            mapping = importing.map_columns(table.headers)
            context = importing.RowContext(decimal_comma=table.delimiter == ";", owners={})
            count = sum(1 for line, cells in table.rows if importing.parse_row(line, cells, mapping, context))
        except importing.ImportFileError as error:
            return "refused: " + error.message
        return f"read {count:,} rows"
    if kind == "checked-encoded":
        from django.conf import settings

        from handschlag.matching import InputLimitError, MatchingInputError, read_encoded

        try:
            table = read_encoded(
                path,
                max_records=settings.HANDSCHLAG_IMPORT_MAX_ROWS,
                max_id_chars=settings.HANDSCHLAG_MAPPING_MAX_ID_CHARS,
            )
            ids = [str(identifier) for identifier in table.ids]  # what the mapping run keeps
        except (InputLimitError, MatchingInputError) as error:
            return "refused: " + error.message
        return f"read {len(ids):,} records"
    if kind == "peer-openpyxl":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        count = 0
        for cells in workbook.worksheets[0].iter_rows(values_only=True):
            values = ["" if cell is None else cell for cell in cells]
            count += any(str(value).strip() for value in values)
        return f"read {count:,} rows"
    if kind == "peer-arrow":
        import pyarrow as pa

        with pa.memory_map(str(path), "r") as source:
            table = pa.ipc.open_file(source).read_all()
        ids = [str(identifier) for identifier in table.column("id").to_pylist()]
        return f"read {len(ids):,} records"
    if kind == "peer-csv":
        import csv

        with path.open(encoding="cp1252", newline="") as handle:
            count = sum(1 for _row in csv.reader(handle, delimiter=";"))
        return f"read {count:,} lines"
    raise ValueError(kind)


def _high_water_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(kind: str, path: Path, timeout: float | None = None) -> tuple[float, float, str]:
    """Seconds of the read (without the process start), peak MiB (the child's VmHWM, its largest resident set)
    and the outcome of one read in a fresh process; a read still running after `timeout` is stopped, with the
    peak it had reached."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        output, _errors = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        peak = _high_water_mib(child.pid)
        child.kill()
        child.communicate()
        return time.perf_counter() - started, peak, f"stopped after {timeout:.0f} s"
    result = json.loads(output.strip().splitlines()[-1])
    return float(result["seconds"]), float(result["peak_mib"]), str(result["outcome"])


def child_main(kind: str, path: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handschlag.settings")
    import django

    django.setup()
    started = time.perf_counter()
    outcome = read_once(kind, Path(path))
    seconds = time.perf_counter() - started
    # VmHWM, not getrusage: ru_maxrss survives exec and would report the parent's peak at fork time
    print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mib": _high_water_mib(os.getpid())}))
    return 0


CASES = [
    ("xlsx-dimension", "checked-table", "peer-openpyxl"),
    ("xlsx-zip-bomb", "checked-table", "peer-openpyxl"),
    ("csv-long-line", "checked-table", None),
    ("csv-too-many-rows", "checked-table", None),
    ("encoded-bomb", "checked-encoded", "peer-arrow"),
    ("csv-100k", "checked-table", "peer-csv"),
    ("encoded-100k", "checked-encoded", "peer-arrow"),
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return child_main(*options.child)
    work = Path(tempfile.mkdtemp(prefix="handschlag-upload-bench-"))
    os.environ["HANDSCHLAG_VAR_DIR"] = str(work)
    os.environ["DJANGO_SETTINGS_MODULE"] = "handschlag.settings"
    import django

    django.setup()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()}", flush=True)
    files = build_files(work, options.rows)
    print("| file | size | reader | runs | read s (median) | peak MiB (median) | outcome |")
    print("|---|---:|---|---:|---:|---:|---|")
    for name, checked, peer in CASES:
        path = files[name]
        size = f"{path.stat().st_size / 1024:,.0f} KB"
        runs = [measure(checked, path) for _ in range(options.repeat)]
        print(
            f"| {name} | {size} | checked (now) | {len(runs)} | {statistics.median(r[0] for r in runs):.2f} | "
            f"{statistics.median(r[1] for r in runs):,.0f} | {runs[0][2][:110]} |",
            flush=True,
        )
        if peer:
            peer_repeat = options.repeat if name.endswith("-100k") else 1
            peer_runs = [measure(peer, path, PEER_TIMEOUT) for _ in range(peer_repeat)]
            print(
                f"| {name} | {size} | {peer} | {len(peer_runs)} | {statistics.median(r[0] for r in peer_runs):.2f} | "
                f"{statistics.median(r[1] for r in peer_runs):,.0f} | {peer_runs[0][2][:110]} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
