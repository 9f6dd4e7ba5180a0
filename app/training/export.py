"""Export a fitted Pipeline to the plain arrays the engine scores with (``redflag.npz``).

``redflag train`` calls :func:`export_inference` after fitting; for a model
directory made before the export existed, ``python -m app.training.export
model/`` adds the file and records its hash in ``metadata.json`` without
retraining.  Either way the arrays must give the Pipeline's probabilities on
every training sentence (and the probes) before they are written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.engine.inference import CompiledModel
from app.engine.model import (
    ARTIFACT_NAME,
    INFERENCE_NAME,
    METADATA_NAME,
    PROBES,
    ModelError,
    agrees,
    file_sha256,
)


def export_inference(pipeline: Any, out_dir: Path, sentences: list[str]) -> dict[str, str]:
    """Write ``out_dir/redflag.npz``; the ``inference`` entry for the metadata."""
    compiled = CompiledModel.from_pipeline(pipeline)
    if compiled is None:
        raise ModelError("this Pipeline cannot be exported to arrays (unsupported steps)")
    if not agrees(compiled, pipeline, PROBES + sentences):
        raise ModelError("the exported arrays disagree with the Pipeline; not writing them")
    path = out_dir / INFERENCE_NAME
    compiled.save(path)
    return {"file": INFERENCE_NAME, "sha256": file_sha256(path)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.training.export", description=__doc__)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--data", type=Path, default=Path("training_data"))
    args = parser.parse_args(argv)
    import joblib

    from app.training.data import load_sentences

    meta_path = args.model_dir / METADATA_NAME
    metadata = json.loads(meta_path.read_text("utf-8"))
    artifact = args.model_dir / ARTIFACT_NAME
    if file_sha256(artifact) != metadata.get("sha256"):
        print(f"{artifact}: hash does not match {meta_path}", file=sys.stderr)
        return 2
    pipeline = joblib.load(artifact)
    sentences = [item.text for item in load_sentences(args.data)]
    metadata["inference"] = export_inference(pipeline, args.model_dir, sentences)
    meta_path.write_text(json.dumps(metadata, indent=2) + "\n", "utf-8")
    print(f"wrote {args.model_dir / INFERENCE_NAME} ({metadata['inference']['sha256'][:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
