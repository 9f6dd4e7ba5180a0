"""``redflag eval``: sentence and document modes, JSON output, malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main


def _write(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), "utf-8")
    return path


def test_sentence_mode_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _write(
        tmp_path / "s.jsonl",
        [
            {
                "id": "1",
                "text": "Our stem cell shots are completely safe.",
                "labels": ["absolute-safety"],
            },
            {
                "id": "2",
                "text": "There are no FDA-approved exosome products.",
                "labels": [],
                "caution": True,
            },
            {
                "id": "3",
                "text": "Call today for a FREE consultation!",
                "labels": ["call-to-action"],
            },
            {"id": "4", "text": "The weather was mild.", "labels": []},
        ],
    )
    assert main(["eval", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"macro_f1", "micro_f1", "per_label", "clean_fpr", "caution_fpr"} <= out.keys()
    assert out["per_label"]["absolute-safety"]["support"] == 1
    assert out["per_label"]["absolute-safety"]["recall"] == 1.0
    assert out["caution_fpr"] == 0.0


def test_document_mode_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _write(
        tmp_path / "d.jsonl",
        [
            {
                "id": "p",
                "text": "Completely safe! Cures arthritis. Book your FREE consultation now!",
                "label": "promotional",
            },
            {
                "id": "c",
                "text": "There are no FDA-approved stem cell products for arthritis.",
                "label": "cautionary",
            },
        ],
    )
    assert main(["eval", str(f)]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out and "1.000" in out
    assert main(["eval", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["auc"] == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "1", "text": "x", "labels": []}\nnot json\n', ":2: not valid JSON"),
        ('{"id": "1", "text": "x", "labels": ["miracle"]}\n', ":1: unknown labels"),
        ('{"id": "1", "text": "x"}\n', ":1: an item needs"),
        ('{"id": "1", "text": 3, "labels": []}\n', ":1: 'text' must be a string"),
        ("", "no items"),
    ],
)
def test_malformed_input_exits_2_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(content, "utf-8")
    assert main(["eval", str(f)]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
