"""``redflag train`` on a small sample: reproducible from its seed, with an artifact the engine loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine import Engine
from app.engine.model import load_model
from app.training.data import DataError, load_sentences
from app.training.train import train

ROOT = Path(__file__).resolve().parents[2] / "training_data"


def _sample(tmp: Path) -> Path:
    data = tmp / "data"
    (data / "sentences").mkdir(parents=True)
    (data / "pages").mkdir()
    lines: list[str] = []
    for path in sorted((ROOT / "sentences").glob("*.jsonl")):
        lines += path.read_text("utf-8").splitlines()[:150]
    (data / "sentences" / "sample.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    pages = (ROOT / "pages" / "pages.jsonl").read_text("utf-8").splitlines()[:12]
    (data / "pages" / "pages.jsonl").write_text("\n".join(pages) + "\n", "utf-8")
    return data


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    tmp = tmp_path_factory.mktemp("train")
    data = _sample(tmp)
    out = tmp / "model"
    grid = [{"C": 4.0, "ngram_max": 2}]
    meta = train(data, out, grid=grid, progress=lambda _: None)
    return data, out, meta


def test_artifact_metadata_card_and_plot(trained: tuple[Path, Path, dict[str, object]]) -> None:
    _, out, meta = trained
    for name in (
        "redflag.joblib",
        "redflag.npz",
        "metadata.json",
        "MODEL_CARD.md",
        "pr_curves.png",
    ):
        assert (out / name).is_file(), name
    saved = json.loads((out / "metadata.json").read_text())
    assert saved["sha256"] == meta["sha256"]
    assert set(saved["thresholds"]) == set(saved["categories"])
    assert {"macro_f1", "per_label", "caution_fpr"} <= saved["cv"]["engine"].keys()
    assert saved["training_data"]["sha256"] and saved["versions"]["scikit-learn"]
    card = (out / "MODEL_CARD.md").read_text()
    assert saved["training_data"]["sha256"] in card and "pr_curves.png" in card
    model = load_model(out)
    assert model.compiled is not None and model.pipeline is None  # the arrays, not the pickle
    report = Engine(model=model).check(
        "Our stem cell shots cure arthritis. Call now for a FREE consultation!"
    )
    assert report.findings


def test_same_seed_same_model(
    trained: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    data, _, meta = trained
    again = train(
        data, tmp_path / "again", grid=[{"C": 4.0, "ngram_max": 2}], progress=lambda _: None
    )
    assert again["cv"] == meta["cv"]
    assert again["thresholds"] == meta["thresholds"]
    assert again["sha256"] == meta["sha256"]
    assert again["inference"] == meta["inference"]  # the arrays too, byte for byte


def test_bad_data_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "sentences").mkdir()
    (tmp_path / "sentences" / "bad.jsonl").write_text(
        '{"id": "a", "text": "x", "labels": [], "group": "g"}\n{oops\n'
    )
    with pytest.raises(DataError, match=r"bad.jsonl:2"):
        load_sentences(tmp_path)
    (tmp_path / "sentences" / "bad.jsonl").write_text(
        '{"id": "a", "text": "x", "labels": ["miracle"], "group": "g"}\n'
    )
    with pytest.raises(DataError, match="unknown labels"):
        load_sentences(tmp_path)
