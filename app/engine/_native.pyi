# Types of the C extension built from _native.pyx (optional; see setup.py).
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

class TokenTable:
    def __init__(self, token_ids: dict[str, int]) -> None: ...
    def get(self, token: str) -> int: ...

class WordTrie:
    n_nodes: int
    def __init__(self, keys: list[str]) -> None: ...
    def find(self, text: str) -> tuple[list[int], list[int], list[int]]: ...

class CueScanner:
    n_cues: int
    def __init__(self, program: list[Any]) -> None: ...
    def find(
        self, text: str, start: int, end: int, cues: int
    ) -> list[tuple[list[int], list[int]]]: ...

def cells(
    text: str,
    tokens: TokenTable,
    unigram: np.ndarray,
    begins: list[np.ndarray],
    tables: list[tuple[np.ndarray, np.ndarray, int, int] | None],
    base: int,
    max_n: int,
    extra: str,
    min_len: int,
    singles: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def product(
    rows: np.ndarray,
    columns: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    n_rows: int,
) -> np.ndarray: ...
def non_ascii_runs(text: str) -> tuple[list[int], list[int]]: ...
def weigh(
    rows: np.ndarray,
    columns: np.ndarray,
    counts: np.ndarray,
    idf: np.ndarray,
    tf: np.ndarray,
    l2: bool,
    n_rows: int,
) -> np.ndarray | None: ...
def spans_to_source(
    text_starts: list[int], source_starts: list[int], spans: list[tuple[int, int]]
) -> list[tuple[int, int]]: ...
def chars_of_spans(
    char_of_byte: np.ndarray, base: int, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]: ...
def bytes_of_spans(
    byte_of_char: np.ndarray, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]: ...
def chars_of_ends(
    char_of_byte: np.ndarray, starts: list[int], ends: list[int]
) -> tuple[list[int], list[int]]: ...
def line_starts(source: str) -> list[int]: ...
def leaving(starts: list[int], ends: list[int], sentences: list[tuple[int, int]]) -> list[int]: ...
def within_each(starts: list[int], ends: list[int], spans: list[tuple[int, int]]) -> list[bool]: ...
def bling_sentences(
    split_address: int, text: str, data: bytes, base: int, blocks: list[tuple[int, int]], few: int
) -> list[tuple[int, int]]: ...

class TopicWords:
    def __init__(self, topics: frozenset[str]) -> None: ...
    def find(self, text: str, start: int, end: int) -> frozenset[str]: ...

def re2_bind(match_address: int, re2_type: type) -> None: ...
def re2_spans(regexp: object, data: bytes, pos: int, end: int) -> list[tuple[int, int]]: ...
def re2_search(regexp: object, data: bytes, start: int, end: int) -> bool: ...
def re2_bind_set(match_address: int, delete_address: int, set_type: type | None) -> None: ...
def re2_set_match(pattern_set: object, data: bytes, start: int, end: int) -> list[int] | None: ...
def block_pattern_spans(
    sets: list[tuple[object, list[int]]],
    patterns: list[object],
    texts: list[tuple[bytes, list[tuple[int, int]]]],
) -> list[tuple[list[int], list[int], list[int], list[tuple[int, int, int]]]]: ...

class StartFilter:
    n_patterns: int
    n_nodes: int
    def __init__(
        self,
        tries: list[tuple[list[dict[int, int]], list[list[tuple[int, int, int]]]]],
        rests: list[int],
        masks: list[int],
        n_patterns: int,
        classes: list[int],
    ) -> None: ...
    def bind(
        self, patterns: list[object], gates: list[object | None], categories: list[int]
    ) -> None: ...
    def find(self, block: bytes) -> list[tuple[int, int]]: ...

def anchored_pattern_spans(
    starts: StartFilter,
    sets: list[tuple[object, list[int]]],
    texts: list[tuple[bytes, list[tuple[int, int]]]],
) -> list[tuple[list[int], list[int], list[int], list[tuple[int, int, int]]]]: ...

CONTEXT_KEYS: tuple[str, ...]
CONTEXT_POLICIES: tuple[str, ...]
VERDICT_CUES: tuple[str, ...]

class ContextPolicies:
    def __init__(
        self, rules: list[tuple[int, float, list[tuple[str, str]], object | None]]
    ) -> None: ...

def context_verdicts(
    table: ContextPolicies,
    norm: str,
    sentences: list[tuple[int, int]],
    sentence_bytes: list[tuple[int, int]],
    data: bytes,
    cues: list[tuple[list[int], list[int]]],
    breaks: tuple[list[int], list[int]],
    after_window: int,
    negation_window: int,
    quote_reach: int,
    quote_before: int,
    downgrade_factor: float,
    match_starts: list[int],
    match_ends: list[int],
    match_rules: list[int],
) -> list[tuple[int, int, int, float]]: ...
def calibrate(
    decision: np.ndarray,
    intercepts: np.ndarray,
    slopes: np.ndarray,
    offsets: np.ndarray,
) -> None: ...
def fold_means(exps: np.ndarray, n_folds: int) -> np.ndarray: ...
def merged_drafts(
    raw_si: list[int],
    raw_kind: list[int],
    raw_severity: list[int],
    raw_confidence: list[float],
    raw_sources: list[tuple[int, int]],
    sentence_sources: list[tuple[int, int]],
    proba: object | None,
    thresholds: object,
    kind_category: list[int],
    category_order: list[int],
    category_severity: list[int],
    caution: list[bool],
    model_strong: float,
    keep_category: list[bool],
    min_severity: int,
) -> list[tuple[int, int, float, int, int, int]]: ...

class SlotMaker:
    cls: type
    names: tuple[str, ...]
    def __init__(self, cls: type, names: list[str]) -> None: ...
    def __call__(self, *values: object) -> object: ...

def finding_forms(
    maker: SlotMaker,
    findings: Iterable[object],
    rounded: dict[float, float],
    round_confidence: Callable[[float], float],
) -> list[dict[str, Any]]: ...
def built_findings(
    merged: list[tuple[int, int, float, int, int, int]],
    kinds: list[object],
    sources: list[tuple[int, int]],
    starts: list[int],
    source_text: str,
    norm: str,
    sentences: list[tuple[int, int]],
    topics: dict[int, frozenset[str]],
    topic_words: object,
    cited: dict[object, object],
    cite: object,
    make_finding: object,
    severities: tuple[str, ...],
) -> list[object]: ...
