"""Reading the engine's YAML data files (rules, facts, cues, conditions).

libyaml's C loader when PyYAML was built with it (the pinned wheels are): it
reads the rule files about ten times faster than the pure-Python loader, which
was most of the engine's load time and so of each worker's start (issue 7).
Both loaders build the same plain data from these files.
"""

from __future__ import annotations

from typing import Any

import yaml

YAMLError = yaml.YAMLError
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data of one YAML document, safely (no Python objects)."""
    return yaml.load(text, Loader=_LOADER)
