"""The model's TF-IDF features for many sentences at once, in numpy, without scikit-learn.

scikit-learn's ``TfidfVectorizer.transform`` analyses one sentence at a time in
Python: it lowercases, tokenises, joins every n-gram into a string and looks
each one up (about 45 ms for 1,000 sentences, most of the model's cost; issue
7), and importing scikit-learn costs a service worker about 1.2 s and 140 MB.
:class:`TfidfFeatures` holds what a fitted vectorizer knows (its vocabulary in
feature order, idf weights and options) and, per call:

1. lowercases and strips accents from all sentences joined by ``\\n`` (no
   sentence keeps a ``\\n``: a line break is a space to the token pattern), and
   tokenises them with the vectorizer's own token pattern, keeping each ``\\n``
   so the tokens' sentences are known;
2. turns tokens into integers (only tokens that occur in some vocabulary
   n-gram get one) and every n-gram into one integer key, with numpy;
3. finds the keys in a table (unigrams) or hash tables (longer n-grams),
   counts them per sentence, and weights them as scikit-learn does: sublinear
   term frequency, idf, rows scaled to unit length, in float32.

``tests/engine/test_features.py`` checks the result against the vectorizer's
own ``transform`` on every training sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np

from app.engine.casing import lower
from app.engine.native import native_module

_NATIVE = native_module()
_SEPARATOR = "\n"
_FEW_KEYS = 2048  # look-ups up to which a dict is faster than numpy probing
_TF_COUNTS = 1024  # counts of a term in a sentence the C extension's weighting knows
_WHOLE_WORD = {r"\b\w\w+\b": 2, r"\b\w[\w'%-]*\b|[!?$%]": 1}
# the token patterns the C tokeniser of ``_native.cells`` knows, as its
# (characters a word may hold besides \w, shortest word, one-character tokens)
_NATIVE_TOKENS = {r"\b\w\w+\b": ("", 2, ""), r"\b\w[\w'%-]*\b|[!?$%]": ("'%-", 1, "!?$%")}


@lru_cache(maxsize=4096)
def _strip_run(run: str) -> str:
    """A run of non-ASCII characters, decomposed (NFKD) and without combining marks."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", run)
    if decomposed.isascii():
        return decomposed
    return "".join([c for c in decomposed if not unicodedata.combining(c)])


def _strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode`` (NFKD, then combining marks dropped).

    Applied to each run of non-ASCII characters only: ASCII characters never
    decompose and NFKD reorders combining marks only among themselves, so the
    result is the same as for the whole text (or each sentence) at once.  The runs
    are found by the C extension, or with numpy (a page has a handful; a regular
    expression looking for them took most of the time)."""
    if text.isascii():
        return text
    if _NATIVE is not None:
        starts, ends = _NATIVE.non_ascii_runs(text)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        where = np.flatnonzero(codes > 127)
        gaps = np.flatnonzero(np.diff(where) > 1)
        starts = where[np.r_[0, gaps + 1]].tolist()
        ends = (where[np.r_[gaps, len(where) - 1]] + 1).tolist()
    parts: list[str] = []
    last = 0
    for s, e in zip(starts, ends, strict=True):
        parts += [text[last:s], _strip_run(text[s:e])]
        last = e
    parts.append(text[last:])
    return "".join(parts)


class _KeyTable:
    """An open-addressing hash table from non-negative int64 keys to values, built and
    queried with numpy (a quarter of the time of a binary search in a sorted array)."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.size = len(keys)
        bits = max(int(np.ceil(np.log2(max(len(keys), 1) * 4))), 4)  # load factor <= 1/4
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._dict: dict[int, int] | None = None
        self._keys = np.full(1 << bits, -1, dtype=np.int64)
        self._values = np.full(1 << bits, -1, dtype=np.int64)
        home = self._home(keys)
        todo = np.arange(len(keys))
        self._probes = 0
        while len(todo):  # linear probing: each round, every unplaced key tries the next slot
            slots = (home[todo] + self._probes) & self._mask
            free = self._keys[slots] == -1
            # of the keys that want the same free slot, the first one takes it
            _, first = np.unique(slots[free], return_index=True)
            taken = todo[free][first]
            self._keys[slots[free][first]] = keys[taken]
            self._values[slots[free][first]] = values[taken]
            placed = np.zeros(len(todo), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            todo = todo[~placed]
            if len(todo):
                self._probes += 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        hashed = (keys.astype(np.uint64) * self._MULTIPLIER) >> self._shift
        return hashed.astype(np.int64)

    def arrays(self) -> tuple[np.ndarray, int, int]:
        """What ``_native.cells`` probes: each slot's key and value side by side (one
        cache line a look-up, where two arrays took two), the hash's shift and mask."""
        pairs = np.ascontiguousarray(np.stack((self._keys, self._values), axis=1).ravel())
        return pairs, int(self._shift), self._mask

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, or -1."""
        if len(keys) <= _FEW_KEYS:
            # a page's few hundred keys: a dict look-up each beats the probing's numpy calls
            if self._dict is None:
                used = self._keys >= 0
                self._dict = dict(
                    zip(self._keys[used].tolist(), self._values[used].tolist(), strict=True)
                )
            get = self._dict.get
            return np.fromiter(map(get, keys.tolist(), repeat(-1)), np.int64, len(keys))
        out = np.full(len(keys), -1, dtype=np.int64)
        home = self._home(keys)
        todo = np.arange(len(keys))
        for step in range(self._probes + 1):
            slots = (home[todo] + step) & self._mask
            stored = self._keys[slots]
            hit = stored == keys[todo]
            out[todo[hit]] = self._values[slots[hit]]
            todo = todo[~hit & (stored != -1)]
            if not len(todo):
                break
        return out


@dataclass(frozen=True)
class Features:
    """A sparse matrix, one row per sentence: the cells (``rows[i]``, ``columns[i]``)
    hold ``values[i]``, sorted by row and then column."""

    n_rows: int
    n_columns: int
    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray  # float32

    def indptr(self) -> np.ndarray:
        """Where each row's cells start (CSR), with the end as the last item."""
        out = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.rows, minlength=self.n_rows), out=out[1:])
        return out


class TfidfFeatures:
    """``TfidfVectorizer.transform`` for a fitted word n-gram vectorizer, in numpy."""

    def __init__(
        self,
        terms: list[str],
        idf: np.ndarray,
        token_pattern: str,
        *,
        max_n: int,
        strip_accents: bool,
        sublinear_tf: bool,
        l2_norm: bool,
    ) -> None:
        self.terms = terms
        self.idf = np.asarray(idf, dtype=np.float32)
        self.token_pattern = token_pattern
        self.max_n = max_n
        self.strip_accents = strip_accents
        self.sublinear_tf = sublinear_tf
        self.l2_norm = l2_norm
        if len(self.idf) != len(terms):
            raise ValueError("one idf weight per term expected")
        self._token_re = re.compile(token_pattern)
        # the token patterns known to take a word of letters and digits, this long or
        # longer, as one token (scikit-learn's default, and redflag's)
        self._whole_word = _WHOLE_WORD.get(token_pattern)
        self.n_features = len(terms)
        token_ids: dict[str, int] = {}
        grams: list[list[tuple[list[int], int]]] = [[] for _ in range(max_n + 1)]
        for feature, gram in enumerate(terms):
            ids = [token_ids.setdefault(t, len(token_ids)) for t in gram.split(" ")]
            if len(ids) > max_n:
                raise ValueError(f"term {gram!r} is longer than {max_n} tokens")
            grams[len(ids)].append((ids, feature))
        self.base = len(token_ids) + 1
        if self.base**max_n >= 2**62:
            raise ValueError("vocabulary too large for 64-bit n-gram keys")
        self.separator_id = len(token_ids)
        token_ids[_SEPARATOR] = self.separator_id
        self._token_get = token_ids.get
        # unigrams: a table from token id to feature (-1: none)
        self._unigram = np.full(self.base, -1, dtype=np.int64)
        for ids, feature in grams[1]:
            self._unigram[ids[0]] = feature
        # longer n-grams: per n, a hash table from integer key to feature, and which
        # tokens begin one (most positions need no look-up at all)
        self._tables: list[_KeyTable | None] = [None, None]
        self._begins: list[np.ndarray] = [np.zeros(0, dtype=bool)] * 2
        for n in range(2, max_n + 1):
            keys = np.array([self._key(ids) for ids, _ in grams[n]], dtype=np.int64)
            features = np.array([f for _, f in grams[n]], dtype=np.int64)
            self._tables.append(_KeyTable(keys, features))
            begins = np.zeros(self.base, dtype=bool)
            begins[[ids[0] for ids, _ in grams[n]]] = True
            self._begins.append(begins)
        self._native = native_module() if token_pattern in _NATIVE_TOKENS else None
        # the term frequency of a count, as _weigh computes it in numpy, for the C
        # extension's weighting (which never calls a logarithm of its own)
        self._tf = np.arange(_TF_COUNTS, dtype=np.float32)
        if sublinear_tf:
            with np.errstate(divide="ignore"):
                np.log(self._tf, out=self._tf)
            self._tf += np.float32(1.0)
        if self._native is not None:
            self._native_args = (
                self._native.TokenTable(token_ids),
                self._unigram,
                [b.view(np.uint8) for b in self._begins],
                [None if t is None else t.arrays() for t in self._tables],
                self.base,
                self.max_n,
                *_NATIVE_TOKENS[token_pattern],
            )

    def _key(self, ids: list[int]) -> int:
        key = 0
        for i in ids:
            key = key * self.base + i
        return key

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> TfidfFeatures | None:
        """The features of a fitted ``TfidfVectorizer``, or ``None`` if it uses options
        this module does not reproduce (character n-grams, stop words, a custom
        tokenizer or preprocessor, binary counts, max_df...)."""
        try:
            if (
                vectorizer.analyzer != "word"
                or vectorizer.input != "content"
                or vectorizer.tokenizer is not None
                or vectorizer.preprocessor is not None
                or vectorizer.stop_words is not None
                or not vectorizer.lowercase
                or vectorizer.binary
                or not vectorizer.use_idf
                or vectorizer.norm not in ("l2", None)
                or vectorizer.strip_accents not in (None, "unicode")
                or vectorizer.ngram_range[0] != 1
                or not hasattr(vectorizer, "vocabulary_")
            ):
                return None
            pattern = str(vectorizer.token_pattern)
            if pattern.startswith("(?u)"):
                pattern = pattern[4:]  # str patterns are Unicode-aware anyway
            compiled = re.compile(pattern)
            if compiled.groups or compiled.flags & ~re.UNICODE or compiled.search(" \t\n"):
                return None
            terms = [""] * len(vectorizer.vocabulary_)
            for term, feature in vectorizer.vocabulary_.items():
                terms[feature] = term
            return cls(
                terms,
                np.asarray(vectorizer.idf_, dtype=np.float32),
                pattern,
                max_n=int(vectorizer.ngram_range[1]),
                strip_accents=vectorizer.strip_accents == "unicode",
                sublinear_tf=bool(vectorizer.sublinear_tf),
                l2_norm=vectorizer.norm == "l2",
            )
        except (AttributeError, TypeError, ValueError, re.error):
            return None

    def _tokens(self, joined: str) -> list[str]:
        """``findall`` of the token pattern over sentences joined by ``\n``, with each
        ``\n`` kept as a token.  No token holds white space, so each white-space
        separated word is tokenised alone (its edges see white space either way), and a
        word of letters and digits only is one token: about twice as fast as one
        ``findall`` over the whole text."""
        find = self._token_re.findall
        out: list[str] = []
        append, extend = out.append, out.extend
        shortest = self._whole_word
        if shortest is None:
            for line in joined.split(_SEPARATOR):
                extend(find(line))
                append(_SEPARATOR)
        else:
            for line in joined.split(_SEPARATOR):
                for word in line.split():
                    if word.isalnum() and len(word) >= shortest:
                        append(word)
                    else:
                        extend(find(word))
                append(_SEPARATOR)
        out.pop()
        return out

    def transform(self, texts: list[str]) -> Features:
        """The TF-IDF matrix of ``texts``, one row each."""
        n_rows = len(texts)
        joined = lower(_SEPARATOR.join(t.replace(_SEPARATOR, " ") for t in texts))
        if self.strip_accents:
            joined = _strip_accents(joined)
        if self._native is not None:
            cell_rows, columns, counts = self._native.cells(joined, *self._native_args)
        else:
            cell_rows, columns, counts = self._cells(joined)
        return self._weigh(n_rows, cell_rows, columns, counts)

    def _cells(self, joined: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The distinct (row, column) cells of the sentences of ``joined``, sorted, and
        how often each occurs."""
        tokens = self._tokens(joined)
        ids = np.fromiter(map(self._token_get, tokens, repeat(-1)), np.int64, len(tokens))
        is_sep = ids == self.separator_id
        rows = np.cumsum(is_sep)[~is_sep]
        ids = ids[~is_sep]
        known = ids >= 0
        # unigrams
        features = self._unigram[np.where(known, ids, 0)]
        hit = known & (features >= 0)
        found_rows = [rows[hit]]
        found_features = [features[hit]]
        key = ids.copy()
        ok = known.copy()
        for n in range(2, self.max_n + 1):
            # extend each (n-1)-gram starting at i by the token at i + n - 1
            m = len(ids) - n + 1
            if m <= 0:
                break
            key = key[:m] * self.base + ids[n - 1 :]
            ok = ok[:m] & known[n - 1 :] & (rows[:m] == rows[n - 1 :])
            table = self._tables[n]
            if table is None or not table.size:
                continue
            where = np.flatnonzero(ok & self._begins[n][np.where(known[:m], ids[:m], 0)])
            found = table.get(key[where])
            hit = found >= 0
            found_rows.append(rows[where[hit]])
            found_features.append(found[hit])
        cells = np.concatenate(found_rows) * self.n_features + np.concatenate(found_features)
        cells, counts = np.unique(cells, return_counts=True)
        return cells // self.n_features, cells % self.n_features, counts

    def _weigh(
        self, n_rows: int, cell_rows: np.ndarray, columns: np.ndarray, counts: np.ndarray
    ) -> Features:
        if self._native is not None:
            values = self._native.weigh(
                cell_rows, columns, counts, self.idf, self._tf, self.l2_norm, n_rows
            )
            if values is not None:
                return Features(n_rows, self.n_features, cell_rows, columns, values)
        # the weighting of scikit-learn's TfidfTransformer, operation for operation
        values = counts.astype(np.float32)
        if self.sublinear_tf:
            np.log(values, out=values)
            values += np.float32(1.0)
        values *= self.idf[columns]
        if self.l2_norm and len(values):
            squares = np.bincount(
                cell_rows, weights=(values * values).astype(np.float64), minlength=n_rows
            )
            norms = np.sqrt(squares)[cell_rows]
            values = (values.astype(np.float64) / np.where(norms == 0, 1.0, norms)).astype(
                np.float32
            )
        return Features(n_rows, self.n_features, cell_rows, columns, values)
