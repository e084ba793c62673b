"""The command line: ``handschlag match`` end to end, exit codes and one-line errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from handschlag.matching.cli import main
from handschlag.sample_data.synthetic_companies import LabelledCorpus, quality

if TYPE_CHECKING:
    from tests.matching.conftest import CompanyCsvWriter


def _pairs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_match_writes_left_id_right_id_score(
    tmp_path: Path,
    corpus: LabelledCorpus,
    write_company_csv: CompanyCsvWriter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    left = write_company_csv(tmp_path / "left.csv", corpus.left[:1500])
    right = write_company_csv(tmp_path / "right.csv", corpus.right, delimiter=",", encoding="cp1252")
    output = tmp_path / "pairs.csv"

    exit_code = main(["match", str(left), str(right), "-o", str(output)])

    assert exit_code == 0
    assert output.read_text(encoding="utf-8").splitlines()[0] == "left_id,right_id,score"
    rows = _pairs(output)
    assert all(0.5 <= float(row["score"]) <= 1.0 for row in rows)
    truth = {pair for pair in corpus.true_pairs if pair[0] in {record.id for record in corpus.left[:1500]}}
    assert quality({(row["left_id"], row["right_id"]) for row in rows}, truth).f1 >= 0.97
    assert "pairs written to" in capsys.readouterr().err


def test_threshold_many_and_quiet(
    tmp_path: Path,
    corpus: LabelledCorpus,
    write_company_csv: CompanyCsvWriter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    left = write_company_csv(tmp_path / "left.csv", corpus.left[:300])
    right = write_company_csv(tmp_path / "right.csv", corpus.right[:1000])
    strict, many = tmp_path / "strict.csv", tmp_path / "many.csv"

    assert main(["match", str(left), str(right), "-o", str(strict), "--threshold", "0.99", "-q"]) == 0
    assert main(["match", str(left), str(right), "-o", str(many), "--many", "--quiet"]) == 0

    assert all(float(row["score"]) >= 0.99 for row in _pairs(strict))
    assert len(_pairs(many)) >= len(_pairs(strict))
    assert capsys.readouterr().err == ""


def test_bad_input_is_one_line_naming_file_and_line_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    left = tmp_path / "left.csv"
    left.write_text("id;name\nA;Müller\nSchmidt\n", encoding="utf-8")  # a row short of a field
    right = tmp_path / "right.csv"
    right.write_text("id;name\nB;Müller\n", encoding="utf-8")

    exit_code = main(["match", str(left), str(right), "-o", str(tmp_path / "out.csv")])

    error = capsys.readouterr().err
    assert exit_code == 2
    assert error == (
        f"handschlag match: error: {left}, line 3: 1 field(s) where the header has 2 (delimiter ';')\n"
    )
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["match", "a.csv"],
        ["match", "a.csv", "b.csv", "-o", "x.csv", "--threshold", "1.5"],
        ["match", "a.csv", "b.csv", "-o", "x.csv", "--threshold", "high"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_exit_with_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments) == 2
    assert "error:" in capsys.readouterr().err


def test_help_exits_with_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--help"]) == 0
    assert "left_id,right_id,score" in capsys.readouterr().out


def test_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", str(tmp_path / "no.csv"), str(tmp_path / "no.csv"), "-o", str(tmp_path / "o")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_runs_as_a_module_without_django(tmp_path: Path) -> None:
    left = tmp_path / "left.csv"
    left.write_text("id,name,city\n1,Müller GmbH,Ulm\n", encoding="utf-8")
    right = tmp_path / "right.csv"
    right.write_text("id,name,city\nx,Mueller G.m.b.H.,Ulm\n", encoding="utf-8")
    check_no_django = (
        "import runpy, sys; sys.argv = ['handschlag'] + sys.argv[1:]; "
        "sys.modules['django'] = None; runpy.run_module('handschlag.matching', run_name='__main__')"
    )

    finished = subprocess.run(
        [sys.executable, "-c", check_no_django, "match", str(left), str(right), "-o", "-", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == ["left_id,right_id,score", "1,x,1.0"] or (
        finished.stdout.splitlines()[1].startswith("1,x,")
    )


def test_encode_and_match_encoded(
    tmp_path: Path,
    corpus: LabelledCorpus,
    write_company_csv: CompanyCsvWriter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    left = write_company_csv(tmp_path / "left.csv", corpus.left[:1500])
    right = write_company_csv(tmp_path / "right.csv", corpus.right)
    key = tmp_path / "shared.key"
    key.write_text("4b1e0f5a9d3c7e2b8a6f1d0c9e3b5a7f\n", encoding="utf-8")
    left_encoded, right_encoded, pairs = (
        tmp_path / "left.hsenc",
        tmp_path / "right.hsenc",
        tmp_path / "pairs.csv",
    )

    assert main(["encode", str(left), "--secret-file", str(key), "-o", str(left_encoded)]) == 0
    assert main(["encode", str(right), "--secret-file", str(key), "-o", str(right_encoded), "-q"]) == 0
    assert main(["match-encoded", str(left_encoded), str(right_encoded), "-o", str(pairs)]) == 0

    rows = _pairs(pairs)
    assert pairs.read_text(encoding="utf-8").splitlines()[0] == "left_id,right_id,score"
    truth = {pair for pair in corpus.true_pairs if pair[0] in {record.id for record in corpus.left[:1500]}}
    assert quality({(row["left_id"], row["right_id"]) for row in rows}, truth).f1 >= 0.95
    assert "warning" not in capsys.readouterr().err


def test_match_encoded_warns_about_another_secret(
    tmp_path: Path,
    corpus: LabelledCorpus,
    write_company_csv: CompanyCsvWriter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    left = write_company_csv(tmp_path / "left.csv", corpus.left[:500])
    ours, theirs = tmp_path / "ours.key", tmp_path / "theirs.key"
    ours.write_text("4b1e0f5a9d3c7e2b8a6f1d0c9e3b5a7f", encoding="utf-8")
    theirs.write_text("ffffffff9d3c7e2b8a6f1d0c9e3b5a7f", encoding="utf-8")
    assert main(["encode", str(left), "--secret-file", str(ours), "-o", str(tmp_path / "a"), "-q"]) == 0
    assert main(["encode", str(left), "--secret-file", str(theirs), "-o", str(tmp_path / "b"), "-q"]) == 0
    capsys.readouterr()

    exit_code = main(
        ["match-encoded", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "p"), "-q"]
    )

    assert exit_code == 0
    assert len(_pairs(tmp_path / "p")) <= 1
    error = capsys.readouterr().err
    assert "warning:" in error
    assert "different secrets" in error


def test_encode_with_a_short_secret_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.csv"
    data.write_text("id;name\n1;Müller\n", encoding="utf-8")
    key = tmp_path / "key"
    key.write_text("secret", encoding="utf-8")

    assert main(["encode", str(data), "--secret-file", str(key), "-o", str(tmp_path / "out")]) == 2
    assert "at least 16 random bytes" in capsys.readouterr().err


def test_match_encoded_on_csv_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.csv"
    data.write_text("id;name\n1;Müller\n", encoding="utf-8")

    assert main(["match-encoded", str(data), str(data), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"handschlag match-encoded: error: {data}: this is not a file made by 'handschlag encode'\n"
    )
