"""The start filter's tables cached between processes (``app/engine/rules/starts_cache.py``)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine.facts import load_facts
from app.engine.normalize import Utf8Index, normalize
from app.engine.rules import loader, starts_cache
from app.engine.rules.loader import load_rules
from app.engine.rules.starts_cache import CACHE_ENV, cache_dir, cached, tables_key
from tests.conftest import corpus_text

FACT_IDS = set(load_facts())
SOURCES = [rb"\bstem cells?\b", rb"(?:cure|heal)s?\b"]


def _counting(value: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def build() -> object:
        calls.append(1)
        return value

    return calls, build


def test_the_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "/somewhere/else")
    assert cache_dir() == Path("/somewhere/else")
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None  # set empty: no cache
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_dir() == Path("/xdg/redflag")


def test_the_key_changes_with_any_source_and_their_order() -> None:
    key = tables_key(SOURCES)
    assert key == tables_key(list(SOURCES))
    assert key != tables_key(SOURCES[::-1])
    assert key != tables_key([SOURCES[0] + b" ", SOURCES[1]])
    # the bytes are framed: moving a byte from one source to the next is another key
    assert tables_key([b"ab", b"c"]) != tables_key([b"a", b"bc"])


def test_without_the_readers_source_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(starts_cache.starts, "__file__", str(tmp_path / "gone.py"))
    assert tables_key(SOURCES) is None
    calls, build = _counting(([1], {}))
    assert cached(SOURCES, build) == ([1], {})
    assert cached(SOURCES, build) == ([1], {})
    assert len(calls) == 2 and not list(tmp_path.iterdir())


def test_built_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls, build = _counting(([1, 2], {3: b"x"}))
    assert cached(SOURCES, build) == ([1, 2], {3: b"x"})
    assert cached(SOURCES, build) == ([1, 2], {3: b"x"})
    assert len(calls) == 1
    assert len(list(tmp_path.glob("start-filter-*.pickle"))) == 1
    assert not list(tmp_path.glob(".start-filter-*"))  # nothing left half-written
    other_calls, other = _counting(([9], {}))
    assert cached(SOURCES[:1], other) == ([9], {})  # other patterns: other tables
    assert len(other_calls) == 1


def test_turned_off_it_builds_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    calls, build = _counting(([1], {}))
    cached(SOURCES, build)
    cached(SOURCES, build)
    assert len(calls) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps(("another key", ([1], {}))),
        pickle.dumps(["not", "a", "pair"]),
    ],
)
def test_a_file_that_does_not_hold_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    key = tables_key(SOURCES)
    assert key is not None
    path = tmp_path / f"start-filter-{key[:32]}.pickle"
    path.write_bytes(content)
    calls, build = _counting(([1], {}))
    assert cached(SOURCES, build) == ([1], {})
    assert len(calls) == 1
    assert pickle.loads(path.read_bytes())[1] == ([1], {})  # written over with good tables


def test_a_file_that_names_a_function_is_refused_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    key = tables_key(SOURCES)
    assert key is not None
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str, ...]]:
            return (os.mkdir, (str(marker),))

    (tmp_path / f"start-filter-{key[:32]}.pickle").write_bytes(pickle.dumps((key, Payload())))
    calls, build = _counting(([1], {}))
    assert cached(SOURCES, build) == ([1], {})
    assert len(calls) == 1 and not marker.exists()


def test_a_folder_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "cache"))  # its parent is a file
    calls, build = _counting(([1], {}))
    assert cached(SOURCES, build) == ([1], {})
    assert cached(SOURCES, build) == ([1], {})
    assert len(calls) == 2


def _found(ruleset: loader.RuleSet, text: str) -> list[tuple[str, int, int]]:
    norm = normalize(text)
    index = Utf8Index(norm)
    spans = [(0, len(norm))]
    return sorted((m.rule.id, m.start, m.end) for m in ruleset.find(index, spans, spans))


def test_a_cached_filter_finds_what_a_built_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = corpus_text("004")
    monkeypatch.setenv(CACHE_ENV, "")
    built = load_rules(FACT_IDS)
    assert built._starts is not None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    load_rules(FACT_IDS)  # writes the cache
    assert len(list(tmp_path.glob("start-filter-*.pickle"))) == 1

    def not_again(source: bytes) -> None:
        raise AssertionError("the tables were built again, not read")

    monkeypatch.setattr(loader, "start_trie", not_again)
    read = load_rules(FACT_IDS)
    assert read._starts is not None
    assert _found(read, text) == _found(built, text)


@pytest.mark.parametrize("damage", ["classes cut short", "not five tables"])
def test_cached_tables_the_filter_refuses_are_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    load_rules(FACT_IDS)
    (written,) = tmp_path.glob("start-filter-*.pickle")
    key, (tries, rests, masks, unfiltered, classes) = pickle.loads(written.read_bytes())
    bad = (tries, rests, masks, unfiltered, classes[:3]) if damage == "classes cut short" else [1]
    written.write_bytes(pickle.dumps((key, bad)))
    ruleset = load_rules(FACT_IDS)  # the filter cannot use them: built from the rules
    assert ruleset._starts is not None
    assert len(pickle.loads(written.read_bytes())[1][4]) == 256  # and written over
    assert _found(ruleset, "Our stem cells cure arthritis.") == _found(
        load_rules(FACT_IDS), "Our stem cells cure arthritis."
    )
    assert starts_cache.cache_dir() == tmp_path


def test_the_module_writes_the_shipped_rules_tables(tmp_path: Path) -> None:
    env = {**os.environ, CACHE_ENV: str(tmp_path / "made")}
    run = subprocess.run(
        [sys.executable, "-m", "app.engine.rules.starts_cache"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "made").glob("start-filter-*.pickle"))) == 1
