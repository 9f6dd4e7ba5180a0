# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Inner loops in C (issue 7): the model's (tokens to TF-IDF cells, their weighting, cells
times weights, the runs of non-ASCII characters to strip accents from), the rules'
lexicon pass (a trie of code points walked from word edges), and smaller steps around
them: offsets mapped in batches, which sentences hold a cue, which rules' matches leave
their sentence, sentence splitting around Bling Fire's own call, a sentence's
fact-topic words, RE2 called directly (``re2_direct.py``), the context verdicts on
the rules' matches (``Engine._rule_findings``), and the context cues found in one scan
(``CueScanner``, from ``cue_program.py``; RE2 finds them without the extension).

Optional: the modules that use it (``features``, ``inference``, ``rules.kinds``,
``rules.loader``, ``normalize``, ``context``, ``formats.document``, ``sentences``,
``facts``) do so when it was built (``setup.py``; it needs a C compiler) and otherwise
do the same in numpy, pyahocorasick and Python.  Both give the same results, bit for bit (``tests/engine/
test_native.py`` and each module's tests): this removes the per-call cost of many small
numpy and Python calls, and looks for the lexicon's keys only where a kept hit can start.
"""

from libc.math cimport sqrt
from libc.stdint cimport int32_t, int64_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.string cimport memcpy

import numpy as np

cdef extern from *:
    # a hint to load memory that will be read soon: the look-ups below are random reads
    # of tables of megabytes, and waiting for each in turn was most of their time
    void __builtin_prefetch(const void *addr, int rw, int locality) nogil
    int __builtin_ctz(unsigned int x) nogil


cdef extern from "Python.h":
    int PyUnicode_1BYTE_KIND
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch)
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index) nogil  # a read of memory


cdef enum:
    MAX_N = 16  # the longest n-gram


cdef inline bint _is_word(Py_UCS4 c) noexcept:
    # the \w of Python's re module for str patterns
    if c < 128:
        return (u'a' <= c <= u'z') or (u'A' <= c <= u'Z') or (u'0' <= c <= u'9') or c == u'_'
    return Py_UNICODE_ISALNUM(c)


cdef inline uint64_t _mix(uint64_t h, Py_UCS4 c) noexcept:
    # FNV-1a, one code point at a time
    return (h ^ <uint64_t> c) * <uint64_t> 0x100000001B3


cdef uint64_t _FNV_OFFSET = 0xCBF29CE484222325


cdef enum:
    INLINE = 18  # characters a slot holds itself (each below 256)


cdef struct _Slot:
    # 32 bytes, two to a cache line: a short token's characters are read from its
    # slot, not from the pool (a second random read for every token found)
    uint32_t hash  # the token's hash, its low 32 bits
    int32_t id  # -1: empty
    int32_t start  # where the token's code points start in the pool (-1: inline)
    uint16_t length
    unsigned char chars[INLINE]


cdef class TokenTable:
    """The model's token strings and their ids, as an open-addressing hash table of
    code points: a token is looked up where it lies in the text, without making a
    Python string of it (that and a dict look-up were most of ``cells``' time)."""

    cdef Py_UCS4 *pool  # every token's code points, one after another
    cdef _Slot *slots  # one cache line holds a slot: a probe reads one
    cdef uint64_t mask

    def __cinit__(self, dict token_ids):
        cdef Py_ssize_t total = 0, at = 0, size = 16, k
        cdef uint64_t h, slot
        cdef Py_UCS4 c
        cdef _Slot *entry
        for token, tid in token_ids.items():
            total += len(<str> token)
            if not 0 <= tid < 2**31 or len(<str> token) >= 2**16:
                raise ValueError(f"token {token!r}: an id in 0 .. 2**31 and under 65,536 characters")
        if total >= 2**31:
            raise ValueError("tokens of 2**31 characters or more in all")
        while size < 2 * len(token_ids):
            size *= 2
        self.mask = size - 1
        self.pool = <Py_UCS4 *> malloc((total + 1) * sizeof(Py_UCS4))
        self.slots = <_Slot *> malloc(size * sizeof(_Slot))
        if self.pool == NULL or self.slots == NULL:
            raise MemoryError()
        for k in range(size):
            self.slots[k].id = -1
        for token, tid in token_ids.items():
            h = _FNV_OFFSET
            for c in <str> token:
                h = _mix(h, c)
            slot = h & self.mask
            while self.slots[slot].id >= 0:
                slot = (slot + 1) & self.mask
            entry = &self.slots[slot]
            entry.hash = <uint32_t> h
            entry.id = tid
            entry.length = len(<str> token)
            if len(<str> token) <= INLINE and all(ord(c) < 256 for c in <str> token):
                entry.start = -1
                for k, c in enumerate(<str> token):
                    entry.chars[k] = <unsigned char> c
            else:
                entry.start = at
                for c in <str> token:
                    self.pool[at] = c
                    at += 1

    def __dealloc__(self):
        free(self.pool)
        free(self.slots)

    cdef inline void prefetch(self, uint64_t h) noexcept:
        __builtin_prefetch(&self.slots[h & self.mask], 0, 3)

    cdef int64_t find(
        self, int kind, void *data, Py_ssize_t begin, Py_ssize_t end, uint64_t h
    ) noexcept:
        """The id of the token ``text[begin:end]`` whose hash is ``h``, or -1."""
        cdef uint64_t slot = h & self.mask
        cdef Py_ssize_t k, n = end - begin, at
        cdef _Slot *entry = &self.slots[slot]
        while entry.id >= 0:
            if entry.hash == <uint32_t> h and entry.length == n:
                at = entry.start
                if at < 0:
                    for k in range(n):
                        if entry.chars[k] != PyUnicode_READ(kind, data, begin + k):
                            break
                    else:
                        return entry.id
                else:
                    for k in range(n):
                        if self.pool[at + k] != PyUnicode_READ(kind, data, begin + k):
                            break
                    else:
                        return entry.id
            slot = (slot + 1) & self.mask
            entry = &self.slots[slot]
        return -1

    def get(self, str token):
        """The id of ``token``, or -1 (for tests)."""
        cdef uint64_t h = _FNV_OFFSET
        cdef Py_UCS4 c
        for c in token:
            h = _mix(h, c)
        return self.find(PyUnicode_KIND(token), PyUnicode_DATA(token), 0, len(token), h)


cdef inline bint _has(const unsigned char *ascii, Py_UCS4 c) noexcept:
    return c < 128 and ascii[c]


cdef int _ascii_set(str chars, unsigned char *out) except -1:
    cdef Py_UCS4 x
    for x in range(128):
        out[x] = 0
    for x in chars:
        if x >= 128 or _is_word(x):
            raise ValueError(f"{chars!r}: only ASCII characters other than \\w")
        out[x] = 1
    return 0


cdef struct _Buf:
    int64_t *data
    Py_ssize_t size
    Py_ssize_t cap


cdef inline int _push(_Buf *b, int64_t v) except -1:
    # inline: called for every token, n-gram and feature of a text
    if b.size == b.cap:
        _grow(b)
    b.data[b.size] = v
    b.size += 1
    return 0


cdef int _grow(_Buf *b) except -1:
    cdef int64_t *grown
    cdef Py_ssize_t cap = b.cap * 2 if b.cap else 256
    grown = <int64_t *> realloc(b.data, cap * sizeof(int64_t))
    if grown == NULL:
        raise MemoryError()
    b.data = grown
    b.cap = cap
    return 0


cdef void _sort(int64_t *a, Py_ssize_t n) noexcept nogil:
    """Sort ``a[:n]`` in place: insertion sort for a sentence's few dozen features,
    heapsort (never quadratic) for more.  libc's qsort, which calls a comparison
    function per step, was ~2% of a page's check."""
    cdef Py_ssize_t i, j, end
    cdef int64_t v
    if n <= 32:
        for i in range(1, n):
            v = a[i]
            j = i - 1
            while j >= 0 and a[j] > v:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = v
        return
    for i in range(n // 2 - 1, -1, -1):
        _sift(a, i, n)
    for end in range(n - 1, 0, -1):
        v = a[0]
        a[0] = a[end]
        a[end] = v
        _sift(a, 0, end)


cdef inline void _sift(int64_t *a, Py_ssize_t root, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t child
    cdef int64_t v = a[root]
    while True:
        child = 2 * root + 1
        if child >= n:
            break
        if child + 1 < n and a[child + 1] > a[child]:
            child += 1
        if a[child] <= v:
            break
        a[root] = a[child]
        root = child
    a[root] = v


cdef struct _Grams:
    # per n-gram length n (2 .. max_n): which token ids begin one, and the hash table
    const unsigned char *begins[MAX_N + 1]
    const int64_t *pairs[MAX_N + 1]  # each slot's key (-1: empty) then its value
    uint64_t shift[MAX_N + 1]
    int64_t mask[MAX_N + 1]
    const int64_t *unigram
    int64_t base
    int max_n


cdef inline int64_t _lookup(const _Grams *g, int n, int64_t key) noexcept:
    cdef int64_t slot = <int64_t> ((<uint64_t> key * <uint64_t> 0x9E3779B97F4A7C15) >> g.shift[n])
    cdef int64_t stored
    while True:
        slot &= g.mask[n]
        stored = g.pairs[n][2 * slot]
        if stored == key:
            return g.pairs[n][2 * slot + 1]
        if stored == -1:
            return -1
        slot += 1


cdef int _row(
    _Buf *ids, _Buf *found, _Buf *keys, _Buf *out_rows, _Buf *out_cols, _Buf *out_counts,
    int64_t row, const _Grams *g,
) except -1:
    """The cells of one sentence from its token ids (-1: a token in no n-gram)."""
    cdef Py_ssize_t t, m, k, n_ids = ids.size
    cdef int n
    cdef int64_t key, f, tid, slot
    found.size = 0
    for t in range(n_ids):
        tid = ids.data[t]
        if tid >= 0:
            f = g.unigram[tid]
            if f >= 0:
                _push(found, f)
    for n in range(2, g.max_n + 1):
        if n_ids < n or g.pairs[n] == NULL:
            continue
        # the keys first, each one's slot fetched; then the look-ups
        keys.size = 0
        for t in range(n_ids - n + 1):
            tid = ids.data[t]
            if tid < 0 or not g.begins[n][tid]:
                continue
            key = tid
            for m in range(t + 1, t + n):
                if ids.data[m] < 0:
                    key = -1
                    break
                key = key * g.base + ids.data[m]
            if key < 0:
                continue
            slot = <int64_t> ((<uint64_t> key * <uint64_t> 0x9E3779B97F4A7C15) >> g.shift[n])
            slot &= g.mask[n]
            __builtin_prefetch(&g.pairs[n][2 * slot], 0, 3)  # a slot is one line's
            _push(keys, key)
        for t in range(keys.size):
            f = _lookup(g, n, keys.data[t])
            if f >= 0:
                _push(found, f)
    if found.size == 0:
        return 0
    _sort(found.data, found.size)
    k = 0
    while k < found.size:
        m = k + 1
        while m < found.size and found.data[m] == found.data[k]:
            m += 1
        _push(out_rows, row)
        _push(out_cols, found.data[k])
        _push(out_counts, m - k)
        k = m
    return 0


cdef int _token(
    TokenTable tokens, _Buf *begins, _Buf *ends, _Buf *hashes, Py_ssize_t begin,
    Py_ssize_t end, uint64_t h,
) except -1:
    """Note a token of the sentence being read; its slot is fetched meanwhile."""
    tokens.prefetch(h)
    _push(begins, begin)
    _push(ends, end)
    _push(hashes, <int64_t> h)
    return 0


cdef int _resolve(
    TokenTable tokens, int kind, void *data, _Buf *begins, _Buf *ends, _Buf *hashes,
    _Buf *ids,
) except -1:
    """The ids of the sentence's noted tokens, in order; the notes are emptied."""
    cdef Py_ssize_t t
    ids.size = 0
    for t in range(begins.size):
        _push(
            ids,
            tokens.find(kind, data, begins.data[t], ends.data[t], <uint64_t> hashes.data[t]),
        )
    begins.size = ends.size = hashes.size = 0
    return 0


cdef object _array(_Buf *b):
    out = np.empty(b.size, dtype=np.int64)
    cdef int64_t[::1] view = out
    cdef Py_ssize_t i
    for i in range(b.size):
        view[i] = b.data[i]
    return out


def cells(
    str text,
    TokenTable tokens,
    const int64_t[::1] unigram,
    list begins,
    list tables,
    int64_t base,
    int max_n,
    str extra,
    int min_len,
    str singles,
):
    """The sorted, distinct cells (row, column) of the sentences in ``text``, one per
    line, and how often each occurs: what ``TfidfFeatures`` computes in numpy.

    Tokens are those of the pattern ``\\b\\w[\\w<extra>]*\\b|[<singles>]`` (or, with
    ``min_len`` 2 and no extras, ``\\b\\w\\w+\\b``).  ``begins[n]`` (uint8 per token id)
    says which tokens begin an n-gram of the vocabulary, ``tables[n]`` is the hash
    table ``(pairs, shift, mask)`` of ``_KeyTable`` for n-grams of length n (each
    slot's key and value side by side: a look-up reads one cache line)."""
    # per sentence: its tokens (where each begins and ends, and its hash), then their
    # ids, the n-gram keys to look up, the features found; and the cells of all
    cdef _Buf begins_, ends_, hashes, ids, found, grams, rows, cols, counts
    cdef _Buf *bufs[9]
    bufs[:] = [&begins_, &ends_, &hashes, &ids, &found, &grams, &rows, &cols, &counts]
    cdef int k
    for k in range(9):
        bufs[k].data = NULL
        bufs[k].size = bufs[k].cap = 0
    cdef Py_ssize_t i = 0, j, at, end, n = len(text)
    cdef int64_t row = 0
    cdef Py_UCS4 c, d
    cdef bint prev_word = False, w
    cdef uint64_t h
    cdef _Grams g
    cdef const unsigned char[::1] begin
    cdef const int64_t[::1] pairs
    cdef unsigned char in_word[128]
    cdef unsigned char single[128]
    _ascii_set(extra, in_word)
    _ascii_set(singles, single)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    if not 1 <= max_n <= MAX_N or len(begins) <= max_n or len(tables) <= max_n:
        raise ValueError(f"n-grams of 1 to {MAX_N} tokens, with begins and tables up to max_n")
    g.unigram = &unigram[0]
    g.base = base
    g.max_n = max_n
    for k in range(2, max_n + 1):
        g.pairs[k] = NULL
        if tables[k] is not None:
            begin = begins[k]
            pairs, g.shift[k], g.mask[k] = tables[k]
            if pairs.shape[0] != 2 * (g.mask[k] + 1):
                raise ValueError("a table's pairs are two items a slot, mask + 1 slots")
            g.begins[k], g.pairs[k] = &begin[0], &pairs[0]
    try:
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == u'\n':
                _resolve(tokens, kind, data, &begins_, &ends_, &hashes, &ids)
                _row(&ids, &found, &grams, &rows, &cols, &counts, row, &g)
                row += 1
                prev_word = False
                i += 1
                continue
            w = _is_word(c)
            if w and not prev_word:
                j = i + 1
                end = j
                h = _mix(_FNV_OFFSET, c)
                while j < n:
                    d = PyUnicode_READ(kind, data, j)
                    if _is_word(d):
                        j += 1
                        end = j
                    elif _has(in_word, d):
                        j += 1
                    else:
                        break
                if end - i >= min_len:
                    for at in range(i + 1, end):
                        h = _mix(h, PyUnicode_READ(kind, data, at))
                    _token(tokens, &begins_, &ends_, &hashes, i, end, h)
                i = end
                prev_word = True
                continue
            if not w and _has(single, c):
                _token(tokens, &begins_, &ends_, &hashes, i, i + 1, _mix(_FNV_OFFSET, c))
            prev_word = w
            i += 1
        _resolve(tokens, kind, data, &begins_, &ends_, &hashes, &ids)
        _row(&ids, &found, &grams, &rows, &cols, &counts, row, &g)
        return _array(&rows), _array(&cols), _array(&counts)
    finally:
        for k in range(9):
            free(bufs[k].data)


def product(
    const int64_t[::1] rows,
    const int64_t[::1] columns,
    const float[::1] values,
    const double[:, ::1] weights,
    Py_ssize_t n_rows,
):
    """``csr_matrix((values, (rows, columns))) @ weights`` for cells sorted by row and
    column, summed in the order scipy's ``csr_matvecs`` sums them."""
    cdef Py_ssize_t k, i, j, width = weights.shape[1]
    out = np.zeros((n_rows, width), dtype=np.float64)
    cdef double[:, ::1] o = out
    cdef double v
    cdef Py_ssize_t n = rows.shape[0], ahead, line, row_bytes = width * sizeof(double)
    cdef const char *row
    cdef double *summed
    cdef const double *weighed
    for i in range(n):  # checked once, so the loop below can take rows by pointer
        if not (0 <= rows[i] < n_rows and 0 <= columns[i] < weights.shape[0]):
            raise IndexError(f"cell {i} ({rows[i]}, {columns[i]}) is outside the matrices")
    for i in range(n):
        # the weights of the cell a few ahead, fetched while this one is summed
        ahead = i + 8
        if ahead < n:
            row = <const char *> &weights[columns[ahead], 0]
            line = 0
            while line < row_bytes:
                __builtin_prefetch(row + line, 0, 3)
                line += 64
        v = values[i]
        # each output row's sums in the same order; the row pointers taken once a cell
        summed = &o[rows[i], 0]
        weighed = &weights[columns[i], 0]
        for k in range(width):
            summed[k] += v * weighed[k]
    return out



def calibrate(
    double[:, ::1] decision,
    const double[::1] intercepts,
    const double[::1] slopes,
    const double[::1] offsets,
):
    """In place, ``slopes * (decision + intercepts) + offsets`` row by row: each step
    rounded as numpy's broadcast ``+``, ``*`` and ``+`` round it (no fused multiply-add:
    ``setup.py`` builds with ``-ffp-contract=off``)."""
    cdef Py_ssize_t i, k, width = decision.shape[1]
    cdef double t
    if not (intercepts.shape[0] == slopes.shape[0] == offsets.shape[0] == width):
        raise ValueError("intercepts, slopes and offsets must have one value a column")
    for i in range(decision.shape[0]):
        for k in range(width):
            t = decision[i, k] + intercepts[k]
            t = slopes[k] * t
            decision[i, k] = t + offsets[k]


def fold_means(const double[:, ::1] exps, Py_ssize_t n_folds):
    """``1 / (1 + exps)``, then the mean of each run of ``n_folds`` columns (a category's
    calibration folds): the sum left to right, as numpy's ``add.reduce`` sums fewer than
    eight values, then one division; shape (rows, columns / n_folds)."""
    cdef Py_ssize_t i, c, f, width = exps.shape[1]
    cdef double total
    if not 0 < n_folds < 8 or width % n_folds:
        raise ValueError(f"{width} columns do not make categories of {n_folds} folds (1-7)")
    cdef Py_ssize_t n_cats = width // n_folds
    out = np.empty((exps.shape[0], n_cats), dtype=np.float64)
    cdef double[:, ::1] o = out
    for i in range(exps.shape[0]):
        for c in range(n_cats):
            total = 1.0 / (1.0 + exps[i, c * n_folds])
            for f in range(1, n_folds):
                total = total + 1.0 / (1.0 + exps[i, c * n_folds + f])
            o[i, c] = total / n_folds
    return out


cdef struct _Hit:
    Py_ssize_t end
    Py_ssize_t start
    int32_t key


cdef inline int _two_keys(int64_t a1, int64_t a2, int64_t b1, int64_t b2) noexcept nogil:
    # (a1, a2) against (b1, b2), as Python compares tuples, for qsort
    if a1 != b1:
        return -1 if a1 < b1 else 1
    if a2 != b2:
        return -1 if a2 < b2 else 1
    return 0


cdef int _by_end_then_start(const void *a, const void *b) noexcept nogil:
    cdef const _Hit *x = <const _Hit *> a
    cdef const _Hit *y = <const _Hit *> b
    return _two_keys(x.end, x.start, y.end, y.start)


cdef class WordTrie:
    """The lexicon's keys in a trie of code points, walked only from where a hit can
    start at a word's edge: not inside a word (a word character before and at the
    start), and ending likewise not inside one.  The same hits as an Aho-Corasick
    automaton over every position with those inside words dropped, in its order (by
    end, then longest first), about 2.5 times faster alone: most positions are inside words,
    and each step is one read of a table whose rows near the root, where most walks
    end, stay in the CPU's caches."""

    cdef uint16_t *table  # node * n_classes + class -> child (0: none; the root is 0)
    cdef int32_t *keys  # the key that ends at each node, or -1
    cdef unsigned char ascii[128]  # ASCII code point -> class (0: in no key)
    cdef Py_UCS4 *wide  # the other code points in keys, sorted (their classes follow)
    cdef Py_ssize_t n_wide
    cdef int32_t n_classes
    cdef readonly int32_t n_nodes

    def __cinit__(self, list keys):
        cdef Py_ssize_t k
        codes = sorted({c for key in keys for c in <str> key})
        narrow = [c for c in codes if ord(c) < 128]
        wide = [c for c in codes if ord(c) >= 128]
        klass = {c: k + 1 for k, c in enumerate(narrow + wide)}
        self.n_classes = n_classes = len(codes) + 1
        for k in range(128):
            self.ascii[k] = 0
        for c in narrow:
            self.ascii[ord(c)] = klass[c]
        self.n_wide = len(wide)
        self.wide = <Py_UCS4 *> malloc((len(wide) + 1) * sizeof(Py_UCS4))
        if self.wide == NULL:
            raise MemoryError()
        for k, c in enumerate(wide):
            self.wide[k] = ord(c)
        # a trie of dicts first, then its nodes numbered breadth first
        children: list = [{}]
        ends: list = [-1]
        for k, key in enumerate(keys):
            if not key:
                raise ValueError("empty key")
            node = 0
            for c in <str> key:
                nxt = children[node].get(klass[c])
                if nxt is None:
                    nxt = len(children)
                    children[node][klass[c]] = nxt
                    children.append({})
                    ends.append(-1)
                node = nxt
            if ends[node] >= 0:
                raise ValueError(f"duplicate key {key!r}")
            ends[node] = k
        order = [0]
        at = 0
        while at < len(order):
            order.extend(children[order[at]].values())
            at += 1
        if len(order) >= 65536:
            raise ValueError("too many keys for one trie")
        number = {node: k for k, node in enumerate(order)}
        self.n_nodes = len(order)
        self.table = <uint16_t *> calloc(len(order) * n_classes, sizeof(uint16_t))
        self.keys = <int32_t *> malloc(len(order) * sizeof(int32_t))
        if self.table == NULL or self.keys == NULL:
            raise MemoryError()
        for k, node in enumerate(order):
            self.keys[k] = ends[node]
            for c, child in children[node].items():
                self.table[k * n_classes + c] = number[child]

    def __dealloc__(self):
        free(self.table)
        free(self.keys)
        free(self.wide)

    cdef inline Py_ssize_t klass(self, Py_UCS4 c) noexcept:
        cdef Py_ssize_t lo = 0, hi = self.n_wide, mid
        if c < 128:
            return self.ascii[c]
        while lo < hi:
            mid = (lo + hi) >> 1
            if self.wide[mid] < c:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.n_wide and self.wide[lo] == c:
            return self.n_classes - self.n_wide + lo  # after the ASCII classes
        return 0

    def find(self, str text):
        """``(starts, ends, ids)`` of every hit that neither starts nor ends inside a
        word, by end, then longest first."""
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = len(text), i, j, count = 0, size = 64
        cdef Py_UCS4 c, last
        cdef bint prev_word = False, here_word
        cdef Py_ssize_t node, cls
        cdef const uint16_t *table = self.table
        cdef const int32_t *keys = self.keys
        cdef Py_ssize_t n_classes = self.n_classes
        cdef _Hit *hits = <_Hit *> malloc(size * sizeof(_Hit))
        cdef _Hit *grown
        if hits == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                c = PyUnicode_READ(kind, data, i)
                here_word = _is_word(c)
                if not (prev_word and here_word):
                    node = 0
                    j = i
                    while j < n:
                        last = PyUnicode_READ(kind, data, j)
                        cls = self.ascii[last] if last < 128 else self.klass(last)
                        node = table[node * n_classes + cls]
                        if node == 0:
                            break
                        j += 1
                        if keys[node] >= 0 and (
                            j == n
                            or not _is_word(last)
                            or not _is_word(PyUnicode_READ(kind, data, j))
                        ):
                            if count == size:
                                size *= 2
                                grown = <_Hit *> realloc(hits, size * sizeof(_Hit))
                                if grown == NULL:
                                    raise MemoryError()
                                hits = grown
                            hits[count].start = i
                            hits[count].end = j
                            hits[count].key = keys[node]
                            count += 1
                prev_word = here_word
            qsort(hits, count, sizeof(_Hit), _by_end_then_start)
            return (
                [hits[k].start for k in range(count)],
                [hits[k].end for k in range(count)],
                [hits[k].key for k in range(count)],
            )
        finally:
            free(hits)


cdef extern from "Python.h":
    int PyUnicode_2BYTE_KIND
    int PyUnicode_4BYTE_KIND
    object PyUnicode_FromKindAndData(int kind, const void *buffer, Py_ssize_t size)
    # what str.lower() maps each character to (all but the final-sigma rule); the count
    int _PyUnicode_ToLowerFull(Py_UCS4 ch, Py_UCS4 *res) noexcept


ctypedef fused _Char:
    unsigned char
    uint16_t
    uint32_t


cdef class Lowering:
    """``str.lower()`` of a text, and ``normalize``'s form of it (its characters folded
    to ASCII by ``folds`` as well), in one pass over the characters: the str method walks
    a text that is not ASCII a character at a time through its general case mapping
    (twice a page: the rules' form and the model's), ~90 instructions a character.
    ``None`` for a text holding a capital sigma (whose lower case depends on the letters
    around it) or a character whose lower case is longer than one: the callers' own
    Python is the rule there."""

    cdef Py_UCS4 *fold_from
    cdef Py_UCS4 *fold_to
    cdef Py_ssize_t n_folds

    def __cinit__(self, dict folds):
        cdef Py_ssize_t k = 0
        self.fold_from = <Py_UCS4 *> malloc((len(folds) + 1) * sizeof(Py_UCS4))
        self.fold_to = <Py_UCS4 *> malloc((len(folds) + 1) * sizeof(Py_UCS4))
        if self.fold_from == NULL or self.fold_to == NULL:
            raise MemoryError()
        for char, ascii_char in folds.items():
            if len(char) != 1 or len(ascii_char) != 1 or ord(char) < 128:
                raise ValueError(f"a fold maps one non-ASCII character to one: {char!r}")
            self.fold_from[k] = ord(char)
            self.fold_to[k] = ord(ascii_char)
            k += 1
        self.n_folds = k

    def __dealloc__(self):
        free(self.fold_from)
        free(self.fold_to)

    def lower(self, str text, bint fold):
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        if kind == PyUnicode_1BYTE_KIND:
            return self._lowered(<const unsigned char *> data, len(text), kind, 0xFF, fold)
        if kind == PyUnicode_2BYTE_KIND:
            return self._lowered(<const uint16_t *> data, len(text), kind, 0xFFFF, fold)
        return self._lowered(<const uint32_t *> data, len(text), kind, 0x10FFFF, fold)

    cdef object _lowered(
        self, const _Char *chars, Py_ssize_t n, int kind, Py_UCS4 widest, bint fold
    ):
        # written in the text's own kind (a lower case wider than it: None), which
        # PyUnicode_FromKindAndData narrows if the folds left nothing that needs it
        cdef Py_ssize_t i, k
        cdef Py_UCS4 c
        cdef Py_UCS4 mapped[3]
        cdef _Char *out = <_Char *> malloc((n + 1) * sizeof(_Char))
        if out == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                c = chars[i]
                if c < 128:
                    out[i] = <uint32_t> c + 32 if 65 <= <uint32_t> c <= 90 else c  # A-Z
                    continue
                if fold:
                    for k in range(self.n_folds):
                        if self.fold_from[k] == c:
                            break
                    else:
                        k = -1
                    if k >= 0:
                        out[i] = self.fold_to[k]
                        continue
                if c == 0x3A3 or _PyUnicode_ToLowerFull(c, mapped) != 1 or mapped[0] > widest:
                    return None
                out[i] = mapped[0]
            return PyUnicode_FromKindAndData(kind, out, n)
        finally:
            free(out)


cdef extern from "Python.h":
    bint Py_UNICODE_ISLOWER(Py_UCS4 ch)


def simple_lines(str source, str sentence_ends, str separator):
    """``formats.text._simple_lines`` in one pass: plain text whose lines hold no run of
    white space, each line one piece (a lone white-space character made a space; a
    blank line ends a block, and so does a line break unless the line does not end a
    sentence, one of ``sentence_ends``, and the next starts in lower case: then a space
    stands for it); blocks joined by ``separator`` (ASCII).  ``(text, text_starts,
    source_starts, blocks)``, or ``None`` for any other text (the document builder's
    case)."""
    cdef int kind = PyUnicode_KIND(source)
    cdef void *chars = PyUnicode_DATA(source)
    if not separator.isascii() or not sentence_ends:
        raise ValueError("an ASCII separator and some sentence ends are needed")
    cdef bytes sep = separator.encode("ascii")
    if kind == PyUnicode_1BYTE_KIND:
        return _simple_lines_of(<const unsigned char *> chars, len(source), kind, sentence_ends, sep)
    if kind == PyUnicode_2BYTE_KIND:
        return _simple_lines_of(<const uint16_t *> chars, len(source), kind, sentence_ends, sep)
    return _simple_lines_of(<const uint32_t *> chars, len(source), kind, sentence_ends, sep)


def line_starts(str source):
    """Offsets at which each line of ``source`` starts: 0, then one past each ``\\n``,
    ``\\r\\n`` or lone ``\\r`` (``formats.document.line_starts``, without a string a
    line)."""
    cdef int kind = PyUnicode_KIND(source)
    cdef void *chars = PyUnicode_DATA(source)
    if kind == PyUnicode_1BYTE_KIND:
        return _line_starts_of(<const unsigned char *> chars, len(source))
    if kind == PyUnicode_2BYTE_KIND:
        return _line_starts_of(<const uint16_t *> chars, len(source))
    return _line_starts_of(<const uint32_t *> chars, len(source))


cdef list _line_starts_of(const _Char *chars, Py_ssize_t n):
    cdef list out = [0]
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(n):
        c = chars[i]
        if c == 10 or (c == 13 and not (i + 1 < n and chars[i + 1] == 10)):
            out.append(i + 1)
    return out


cdef inline bint _space(Py_UCS4 c) noexcept:
    if c < 128:
        return c == 32 or 9 <= c <= 13 or 28 <= c <= 31  # str.isspace's ASCII
    return Py_UNICODE_ISSPACE(c)


cdef object _simple_lines_of(
    const _Char *chars, Py_ssize_t n_source, int kind, str sentence_ends, bytes sep
):
    cdef Py_ssize_t n_sep = len(sep), i, at = 0, lo, hi, n = 0, k, cap = n_source + 64
    cdef Py_ssize_t block_start = -1, last_source = 0
    cdef const char *sep_chars = sep
    cdef Py_UCS4 c
    cdef bint prev_open = False, prev_space, pending, folds
    cdef _Char *grown
    cdef _Char *out = <_Char *> malloc(cap * sizeof(_Char))
    if out == NULL:
        raise MemoryError()
    text_starts: list = []
    source_starts: list = []
    blocks: list = []
    try:
        while at < n_source:
            # one line, up to its break: where its content starts (lo) and ends (hi),
            # with the white space around it stripped; two white-space characters in a
            # row inside it are not this case, and a lone one other than a space (a
            # no-break space, a tab) becomes a space, as the builder's folding does
            lo = hi = -1
            prev_space = pending = folds = False
            i = at
            while i < n_source:
                c = chars[i]
                if c == 10 or c == 13:
                    break
                if _space(c):
                    if lo >= 0:
                        pending = pending or prev_space
                        prev_space = True
                        folds = folds or c != 32
                else:
                    if pending:  # a run of white space, then more content
                        return None
                    if lo < 0:
                        lo = i
                    hi = i + 1
                    prev_space = False
                i += 1
            # the next line starts after this one's break (\r\n, \r or \n)
            at = i + 1
            if i + 1 < n_source and chars[i] == 13 and chars[i + 1] == 10:
                at = i + 2
            if lo < 0:
                if block_start >= 0:
                    blocks.append((block_start, n))
                    block_start = last_source = -1
                prev_open = False
                continue
            if n + (hi - lo) + n_sep + 1 > cap:
                cap = 2 * cap + (hi - lo) + n_sep + 1
                grown = <_Char *> realloc(out, cap * sizeof(_Char))
                if grown == NULL:
                    raise MemoryError()
                out = grown
            if prev_open and Py_UNICODE_ISLOWER(chars[lo]):
                # a hard-wrapped line: a space that stands for the line break
                text_starts.append(n)
                source_starts.append(last_source - 1 if last_source > 1 else 0)
                out[n] = 32
                n += 1
                last_source = -1
            elif block_start >= 0:
                blocks.append((block_start, n))
                block_start = last_source = -1
            if block_start < 0:
                if blocks:
                    text_starts.append(n)
                    source_starts.append(last_source if last_source > 0 else 0)
                    for k in range(n_sep):
                        out[n + k] = sep_chars[k]
                    n += n_sep
                    last_source = -1
                block_start = n
            if lo != last_source or not text_starts:
                text_starts.append(n)
                source_starts.append(lo)
            memcpy(&out[n], &chars[lo], (hi - lo) * sizeof(_Char))
            if folds:
                for k in range(n, n + hi - lo):
                    if out[k] != 32 and _space(out[k]):
                        out[k] = 32
            n += hi - lo
            last_source = hi
            c = chars[hi - 1]
            prev_open = True
            for k in range(len(sentence_ends)):
                if sentence_ends[k] == c:
                    prev_open = False
                    break
        if block_start >= 0:
            blocks.append((block_start, n))
        return PyUnicode_FromKindAndData(kind, out, n), text_starts, source_starts, blocks
    finally:
        free(out)


def utf8_maps(bytes data, Py_ssize_t n_chars):
    """``Utf8Index``'s two maps of a text's UTF-8 ``data`` (``n_chars`` characters), as
    its numpy steps make them, in one pass: each byte's character (the one it belongs
    to; the end, ``n_chars``, after the last) and each character's first byte (the
    end, ``len(data)``, after the last), as 32-bit integers (``data`` under 2 GB)."""
    cdef Py_ssize_t n = len(data), i, k = -1
    cdef const unsigned char *raw = data
    if n >= 2**31 - 1:
        raise ValueError("maps of 32-bit offsets are for texts under 2 GB")
    char_of_byte = np.empty(n + 1, dtype=np.int32)
    byte_of_char = np.empty(n_chars + 1, dtype=np.int32)
    cdef int32_t[::1] cob = char_of_byte
    cdef int32_t[::1] boc = byte_of_char
    for i in range(n):
        if (raw[i] & 0xC0) != 0x80:
            k += 1
            if k >= n_chars:
                raise ValueError("more characters in the data than n_chars")
            boc[k] = <int32_t> i
        cob[i] = <int32_t> k
    if k + 1 != n_chars:
        raise ValueError("fewer characters in the data than n_chars")
    cob[n] = <int32_t> n_chars
    boc[n_chars] = <int32_t> n
    return char_of_byte, byte_of_char


def has_surrogate(str text):
    """Whether ``text`` holds a surrogate code point (U+D800 to U+DFFF), which only a
    lone surrogate can be in a ``str``: a scan of its code units, where encoding it to
    UTF-8 to find one made a copy of the whole text."""
    cdef int kind = PyUnicode_KIND(text)
    if kind == PyUnicode_2BYTE_KIND:
        return _has_surrogate(<const uint16_t *> PyUnicode_DATA(text), len(text))
    if kind == PyUnicode_4BYTE_KIND:
        return _has_surrogate(<const uint32_t *> PyUnicode_DATA(text), len(text))
    return False  # Latin-1 holds none


cdef bint _has_surrogate(const _Char *chars, Py_ssize_t n) noexcept:
    # without a branch a code unit (a few at once in the CPU's vector registers), in
    # blocks so that a surrogate early in a long text ends the scan soon
    cdef Py_ssize_t i, at, step = 4096
    cdef unsigned int seen = 0
    for at in range(0, n, step):
        for i in range(at, min(at + step, n)):
            seen |= <uint32_t> (<uint32_t> chars[i] - 0xD800) < 0x800
        if seen:
            return True
    return False


def non_ascii_runs(str text):
    """``(starts, ends)`` of the runs of non-ASCII characters in ``text``, in order."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t i, n = len(text), start = -1
    starts: list = []
    ends: list = []
    for i in range(n):
        if PyUnicode_READ(kind, data, i) > 127:
            if start < 0:
                start = i
        elif start >= 0:
            starts.append(start)
            ends.append(i)
            start = -1
    if start >= 0:
        starts.append(start)
        ends.append(n)
    return starts, ends


def weigh(
    const int64_t[::1] rows,
    const int64_t[::1] columns,
    const int64_t[::1] counts,
    const float[::1] idf,
    const float[::1] tf,
    bint l2,
    Py_ssize_t n_rows,
):
    """The TF-IDF values of cells sorted by row, as ``TfidfFeatures._weigh`` computes
    them in numpy, operation for operation: ``tf[count]`` (numpy's own numbers, computed
    once) times the term's idf in single precision, then each row divided by its
    Euclidean norm (squares summed in double precision in the cells' order, as
    ``np.bincount`` sums them).  ``None`` when a count has no entry in ``tf``."""
    cdef Py_ssize_t i, n = rows.shape[0], n_tf = tf.shape[0]
    cdef float v
    cdef double norm
    out = np.empty(n, dtype=np.float32)
    cdef float[::1] values = out
    for i in range(n):
        if counts[i] < 0 or counts[i] >= n_tf:
            return None
        values[i] = tf[counts[i]] * idf[columns[i]]
    if not l2 or n == 0:
        return out
    squares = np.zeros(n_rows, dtype=np.float64)
    cdef double[::1] sq = squares
    for i in range(n):
        v = values[i] * values[i]
        sq[rows[i]] += <double> v
    for i in range(n):
        norm = sqrt(sq[rows[i]])
        if norm == 0:
            norm = 1.0
        values[i] = <float> (<double> values[i] / norm)
    return out


cdef inline Py_ssize_t _bisect_right(const int64_t *a, Py_ssize_t n, int64_t x) noexcept:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


cdef inline Py_ssize_t _bisect_left(const int64_t *a, Py_ssize_t n, int64_t x) noexcept:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline Py_ssize_t _to_source(
    const int64_t *text_starts, const int64_t *source_starts, Py_ssize_t runs, Py_ssize_t i
) noexcept:
    # bisect_right(text_starts, i) - 1, then the offset within that run
    cdef Py_ssize_t lo = _bisect_right(text_starts, runs, i)
    if lo == 0:
        return 0
    return source_starts[lo - 1] + (i - text_starts[lo - 1])


cdef class _Ints:
    """A list of integers copied to a C array, freed with the object."""

    cdef int64_t *data
    cdef Py_ssize_t n

    def __cinit__(self, list values):
        cdef Py_ssize_t k
        self.n = len(values)
        self.data = <int64_t *> malloc((self.n + 1) * sizeof(int64_t))
        if self.data == NULL:
            raise MemoryError()
        for k in range(self.n):
            self.data[k] = values[k]

    def __dealloc__(self):
        free(self.data)


cdef inline bint _hit_within(_Ints starts, _Ints ends, int64_t lo, int64_t hi) noexcept:
    # _Hits.within: a hit lies entirely inside [lo, hi)
    cdef Py_ssize_t i = _bisect_left(starts.data, starts.n, lo)
    return i < starts.n and ends.data[i] <= hi


def spans_to_source(list text_starts, list source_starts, list spans):
    """``Document.span_to_source`` of each span: a text span's start and end mapped through
    the runs (``text_starts[k]`` to ``source_starts[k]``), the end from its last character."""
    cdef _Ints ts = _Ints(text_starts), ss = _Ints(source_starts)
    cdef Py_ssize_t start, end, s, e
    out: list = []
    for start, end in spans:
        s = _to_source(ts.data, ss.data, ts.n, start)
        e = _to_source(ts.data, ss.data, ts.n, end - 1) + 1 if end > start else s
        out.append((s, e if e > s else s))
    return out


def leaving(list starts, list ends, list sentences):
    """Indices of the spans (``starts[k]``, ``ends[k]``) that do not lie inside one of the
    sorted, non-overlapping ``sentences``: the last sentence starting at or before a
    span's start must also hold its end (``spans_leaving`` of ``app.engine.sentences``)."""
    cdef _Ints st = _Ints(starts), en = _Ints(ends)
    cdef Py_ssize_t n = len(sentences), k, a
    cdef int64_t *first = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    cdef int64_t *last = <int64_t *> malloc((n + 1) * sizeof(int64_t))
    out: list = []
    try:
        if first == NULL or last == NULL:
            raise MemoryError()
        for k in range(n):
            first[k], last[k] = sentences[k]
        for k in range(st.n):
            a = _bisect_right(first, n, st.data[k])
            if a == 0 or en.data[k] > last[a - 1]:
                out.append(k)
    finally:
        free(first)
        free(last)
    return out


ctypedef fused _offset:
    int32_t
    int64_t


def chars_of_spans(const _offset[::1] char_of_byte, Py_ssize_t base, list spans):
    """Byte spans (offsets from ``base``) as character spans, through ``char_of_byte``:
    each start's character, and one past the character of each end's last byte."""
    cdef Py_ssize_t s, e
    out: list = []
    for s, e in spans:
        out.append((char_of_byte[base + s], char_of_byte[base + e - 1] + 1))
    return out


def bytes_of_spans(const _offset[::1] byte_of_char, list spans):
    """Character spans as byte spans, through ``byte_of_char`` (each character's first
    byte, then the data's length): ``Utf8Index.spans_to_bytes``, without numpy's
    conversions of a list of pairs (a page's sentences, blocks)."""
    cdef Py_ssize_t s, e, n = byte_of_char.shape[0]
    out: list = []
    for s, e in spans:
        if not (0 <= s < n and 0 <= e < n):
            raise IndexError(f"span ({s}, {e}) is outside the {n - 1} characters")
        out.append((byte_of_char[s], byte_of_char[e]))
    return out


def chars_of_ends(const _offset[::1] char_of_byte, list starts, list ends):
    """Byte spans (``starts[k]``, ``ends[k]``, each end past the start) as character
    starts and ends, through ``char_of_byte``: each start's character, and one past the
    character of each end's last byte (``Utf8Index.chars_of``)."""
    cdef Py_ssize_t k, s, e, n = char_of_byte.shape[0]
    if len(starts) != len(ends):
        raise ValueError("a start for each end")
    out_starts: list = []
    out_ends: list = []
    for k in range(len(starts)):
        s = starts[k]
        e = ends[k]
        if not (0 <= s < e < n):
            raise IndexError(f"byte span ({s}, {e}) is empty or outside the {n - 1} bytes")
        out_starts.append(char_of_byte[s])
        out_ends.append(char_of_byte[e - 1] + 1)
    return out_starts, out_ends


def within_each(list starts, list ends, list spans):
    """For each span [lo, hi), whether a hit lies inside it: the first hit starting at or
    after ``lo`` ends by ``hi`` (hits of one scan never overlap, so their ends are sorted
    too; ``_Hits.within`` of ``app.engine.context``)."""
    cdef _Ints st = _Ints(starts), en = _Ints(ends)
    cdef Py_ssize_t lo, hi
    out: list = []
    for lo, hi in spans:
        out.append(_hit_within(st, en, lo, hi))
    return out


ctypedef int (*_SplitFn)(const char *, int, char *, int *, int *, int) noexcept nogil


cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)


cdef struct _Span:
    int64_t s
    int64_t e


cdef int _by_start_then_end(const void *a, const void *b) noexcept nogil:
    cdef const _Span *x = <const _Span *> a
    cdef const _Span *y = <const _Span *> b
    return _two_keys(x.s, x.e, y.s, y.e)


cdef struct _Cursor:
    int64_t at  # the next byte to look at
    int64_t leads  # the characters that start before it


cdef inline int64_t _leads_through(const char *raw, int64_t b, _Cursor *cursor) noexcept:
    """How many characters of UTF-8 ``raw`` start at or before byte ``b``: numpy's
    ``searchsorted(lead_bytes, b, "right")``, counted on from the last byte asked for
    (Bling Fire's offsets come in order; one out of order counts again from the start)."""
    if b < cursor.at - 1:
        cursor.at = 0
        cursor.leads = 0
    while cursor.at <= b:
        if ((<unsigned char> raw[cursor.at]) & 0xC0) != 0x80:
            cursor.leads += 1
        cursor.at += 1
    return cursor.leads


cdef Py_ssize_t _sentence_count(
    const int *starts, const int *ends, Py_ssize_t cap, Py_ssize_t written
) noexcept nogil:
    """How many sentences ``TextToSentencesWithOffsets`` found, from its offsets, or -1
    when more than ``cap`` did (it writes the offsets of the first ``cap`` only).

    It returns the length of its output (the sentences' UTF-8, one a line, and a
    NUL), which is written only when it fits: a sentence's UTF-8 is its bytes of the
    input, so the output is ``sum(end - start + 1) + count`` long.  The ends rise
    from one sentence to the next, and the slots after the last hold the zeros it
    filled them with, so the count is the length of that rising run."""
    cdef Py_ssize_t k = 0, total = 0
    if written == 1:  # only the NUL: no sentence
        return 0
    while k < cap and (k == 0 or ends[k] > ends[k - 1]):
        total += <Py_ssize_t> ends[k] - starts[k] + 1
        k += 1
    return k if total + k == written else -1


def bling_sentences(
    size_t split_address, str text, bytes data, Py_ssize_t base, list blocks, int few
):
    """``sentences._bling`` and ``sentences._cut`` in one call: Bling Fire's
    ``TextToSentencesWithOffsets`` (at ``split_address``) over ``data`` (the UTF-8 of the
    blocks' text from ``base``), its byte offsets as characters of ``text``, each span cut
    at the ``blocks`` it crosses and trimmed of white space, empty ones dropped."""
    cdef _SplitFn split = <_SplitFn> split_address
    cdef Py_ssize_t n = len(data), size = n * 2 + 16, count, i, m, nb, kk
    # room for this many sentences at first: Bling Fire zeroes both offset arrays to
    # the size it is given (16 bytes a byte of text at ``size``, 80 KB for a 5 KB
    # page, most of it never written), so it gets what a page's sentences need, and
    # ``size`` again only when they do not fit (_sentence_count says so)
    cdef Py_ssize_t cap = n // 16 + 64
    cdef const char *raw = data
    cdef char *out = NULL
    cdef int *b_starts = NULL
    cdef int *b_ends = NULL
    cdef _Cursor start_at = _Cursor(0, 0), end_at = _Cursor(0, 0)
    cdef int64_t *block_starts = NULL
    cdef int64_t *block_ends = NULL
    cdef _Span *spans = NULL
    cdef _Buf pieces = _Buf(NULL, 0, 0)  # (start, end) pairs, as _Span
    cdef _Span *piece
    cdef Py_ssize_t *block_of = NULL
    cdef int64_t s, e, b0, b1, piece_end, bs, be
    cdef bint all_inside = True, ascii
    cdef int kind = PyUnicode_KIND(text)
    cdef void *chars = PyUnicode_DATA(text)
    result: list = []
    if n == 0:
        return result
    if n > 0x7FFFFFFF // 2 - 16:
        raise OverflowError("text too long for one Bling Fire call")
    if cap > size:
        cap = size
    try:
        nb = len(blocks)
        block_starts = <int64_t *> malloc((nb + 1) * sizeof(int64_t))
        block_ends = <int64_t *> malloc((nb + 1) * sizeof(int64_t))
        if block_starts == NULL or block_ends == NULL:
            raise MemoryError()
        for i in range(nb):
            block_starts[i], block_ends[i] = blocks[i]
        # ASCII when there are as many bytes as characters (the blocks run to the last's end)
        ascii = n == block_ends[nb - 1] - base
        while True:
            out = <char *> malloc(cap)
            b_starts = <int *> malloc(cap * sizeof(int))
            b_ends = <int *> malloc(cap * sizeof(int))
            if out == NULL or b_starts == NULL or b_ends == NULL:
                raise MemoryError()
            with nogil:
                count = split(raw, <int> n, out, b_starts, b_ends, <int> cap)
            if count <= 0 or count > size:
                m = -1
                break
            m = _sentence_count(b_starts, b_ends, cap, count)
            if m >= 0 or cap == size:
                break
            free(out)
            free(b_starts)
            free(b_ends)
            out = b_starts = b_ends = NULL
            cap = size
        if m < 0:
            # Bling Fire failed: the whole text as one span, as the numpy path does
            m = 1
            spans = <_Span *> malloc(sizeof(_Span))
            if spans == NULL:
                raise MemoryError()
            spans[0].s = base
            spans[0].e = block_ends[nb - 1]
        else:
            if m == 0:  # no sentence: one span of the first byte, as ever (trimmed away)
                m = 1
            spans = <_Span *> malloc(m * sizeof(_Span))
            if spans == NULL:
                raise MemoryError()
            for i in range(m):
                bs = b_starts[i]
                be = b_ends[i]
                bs = 0 if bs < 0 else (n - 1 if bs > n - 1 else bs)
                be = 0 if be < 0 else (n - 1 if be > n - 1 else be)
                if ascii:
                    spans[i].s = base + bs
                    spans[i].e = base + be + 1
                else:
                    # the characters that start at or before each byte
                    spans[i].s = base + _leads_through(raw, bs, &start_at) - 1
                    spans[i].e = base + _leads_through(raw, be, &end_at)
        # cut at the blocks
        block_of = <Py_ssize_t *> malloc(m * sizeof(Py_ssize_t))
        if block_of == NULL:
            raise MemoryError()
        if m <= few and nb == 1:
            b0, b1 = block_starts[0], block_ends[0]
            for i in range(m):
                s, e = spans[i].s, spans[i].e
                if s < b1 and e > b0:
                    _push(&pieces, s if s > b0 else b0)
                    _push(&pieces, e if e < b1 else b1)
        else:
            # the spans inside one block first, in order, then the others cut; a span's
            # block (the last one starting at or before it) is kept for the second loop
            for i in range(m):
                s, e = spans[i].s, spans[i].e
                kk = _bisect_right(block_starts, nb, s) - 1
                if kk < 0:
                    kk = 0
                if s >= block_starts[kk] and e <= block_ends[kk]:
                    _push(&pieces, s)
                    _push(&pieces, e)
                    spans[i].e = -1  # done
                else:
                    all_inside = False
                    block_of[i] = kk
            for i in range(m):
                s, e, kk = spans[i].s, spans[i].e, block_of[i]
                if e == -1:
                    continue
                while s < e and kk < nb:
                    b0, b1 = block_starts[kk], block_ends[kk]
                    if s >= b1:
                        kk += 1
                        continue
                    if s < b0:
                        s = b0
                    piece_end = e if e < b1 else b1
                    if piece_end > s:
                        _push(&pieces, s)
                        _push(&pieces, piece_end)
                    s = piece_end
            if not all_inside:
                qsort(pieces.data, pieces.size // 2, sizeof(_Span), _by_start_then_end)
        # trimmed of white space, empty ones dropped
        for i in range(pieces.size // 2):
            piece = <_Span *> &pieces.data[2 * i]
            s, e = piece.s, piece.e
            if Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, s)) or Py_UNICODE_ISSPACE(
                PyUnicode_READ(kind, chars, e - 1)
            ):
                while s < e and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, s)):
                    s += 1
                while e > s and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, e - 1)):
                    e -= 1
            if e > s:
                result.append((s, e))
        return result
    finally:
        free(out)
        free(b_starts)
        free(b_ends)
        free(block_starts)
        free(block_ends)
        free(spans)
        free(block_of)
        free(pieces.data)


cdef inline bint _topic_start(Py_UCS4 c) noexcept:
    return (u'a' <= c <= u'z') or (u'0' <= c <= u'9')


cdef inline bint _topic_char(Py_UCS4 c) noexcept:
    return _topic_start(c) or c == u"'" or c == u'.' or c == u'/' or c == u'-'


cdef class TopicWords:
    """``FactBase.topic_words``: the words that ``[a-z0-9][a-z0-9'./-]*`` finds in a
    text (left to right, as ``re.findall``) that are fact topics.  A word becomes a
    string only when a bitmap of the topics' hashes says it may be one."""

    cdef frozenset topics
    cdef uint64_t bits[64]  # 4,096 bits

    def __cinit__(self, frozenset topics):
        cdef uint64_t h
        self.topics = topics
        for k in range(64):
            self.bits[k] = 0
        for topic in topics:
            h = _FNV_OFFSET
            for c in <str> topic:
                h = _mix(h, c)
            self.bits[(h >> 6) & 63] |= (<uint64_t> 1) << (h & 63)

    def find(self, str text, Py_ssize_t start, Py_ssize_t end):
        """The topics among the words of ``text[start:end]``."""
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef Py_ssize_t i = start, j
        cdef uint64_t h
        cdef Py_UCS4 c
        found: list = []
        while i < end:
            c = PyUnicode_READ(kind, data, i)
            if not _topic_start(c):
                i += 1
                continue
            h = _mix(_FNV_OFFSET, c)
            j = i + 1
            while j < end:
                c = PyUnicode_READ(kind, data, j)
                if not _topic_char(c):
                    break
                h = _mix(h, c)
                j += 1
            if self.bits[(h >> 6) & 63] & ((<uint64_t> 1) << (h & 63)):
                word = text[i:j]
                if word in self.topics:
                    found.append(word)
            i = j
        return frozenset(found)


# -- RE2, called from C ----------------------------------------------------------------
#
# The RE2 wrapper (google-re2) reaches RE2 through pybind11: ~0.8 us a call to convert
# its arguments and build its answer, and a page makes ~190 calls (each pattern, cue
# and exception, match by match).  Its module exports RE2's own C++ symbols, so the
# engine calls ``re2::RE2::Match`` itself, on the RE2 object the wrapper made, with the
# same arguments as the wrapper: the same automaton, the same answers.  ``re2_direct.py``
# finds the symbol, checks the wrapper's object layout and compares answers on probes
# before it turns this on; without it the wrapper is called as before.

from cpython.object cimport PyObject
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE


cdef struct _View:
    # libstdc++'s std::string_view (RE2's absl::string_view): length, then pointer
    size_t length
    const char *data


# bool RE2::Match(string_view text, size_t startpos, size_t endpos, Anchor anchor,
#                 string_view *submatch, int nsubmatch) const   (x86-64 SysV: the view
# by value in two registers, as a two-word struct in C; bool in the low byte)
ctypedef unsigned char (*_MatchFn)(
    const void *regexp, _View text, size_t startpos, size_t endpos, int anchor,
    _View *submatch, int nsubmatch
) noexcept nogil

cdef _MatchFn _re2_match = NULL
cdef object _re2_type = None
cdef enum:
    _UNANCHORED = 0
    # a search over this many bytes or more lets other threads run meanwhile (the
    # wrapper released the GIL for every call, which made a check in a worker thread
    # wait on the event loop's thread at each match: app/api/running.py)
    _RELEASE_GIL_BYTES = 1 << 15


def re2_bind(size_t match_address, object re2_type):
    """Call RE2 at ``match_address`` (``re2::RE2::Match``) for objects of ``re2_type``
    (the wrapper's ``re2._re2.RE2``: a pybind11 instance whose first slot holds the
    ``RE2*``); 0 turns it off."""
    global _re2_match, _re2_type
    _re2_match = <_MatchFn> match_address
    _re2_type = re2_type if match_address else None


cdef inline const void *_value_of(object obj, object bound_type, str what) except NULL:
    """The C++ object a pybind11 instance of ``bound_type`` holds (None: not bound)."""
    if bound_type is None:
        raise RuntimeError(f"RE2's {what} are not bound")
    if type(obj) is not bound_type:
        raise TypeError(f"expected the RE2 wrapper's {what}, got {type(obj)!r}")
    # pybind11's instance: PyObject_HEAD, then the value pointer (simple layout)
    return (<void **> ((<char *> <PyObject *> obj) + sizeof(PyObject)))[0]


cdef inline const void *_regexp_of(object regexp) except NULL:
    return _value_of(regexp, _re2_type, "compiled expressions")


def re2_spans(object regexp, bytes data, Py_ssize_t pos, Py_ssize_t end):
    """``normalize.byte_spans``: the non-empty matches of ``regexp`` (``re2._re2.RE2``) in
    ``data[pos:end]``, as byte spans, in order, ``data`` as the context."""
    cdef const void *compiled = _regexp_of(regexp)
    cdef _View text
    text.data = PyBytes_AS_STRING(data)
    text.length = PyBytes_GET_SIZE(data)
    if pos < 0 or end < pos or end > <Py_ssize_t> text.length:
        raise ValueError(f"range [{pos}, {end}) is outside the {text.length} bytes")
    out: list = []
    _spans_into(compiled, text, pos, end, 0, out)
    return out


cdef int _spans_into(
    const void *compiled, _View text, Py_ssize_t pos, Py_ssize_t end, Py_ssize_t shift, list out
) except -1:
    """The non-empty matches of ``compiled`` in ``text[pos:end]`` (``text`` as the
    context), appended to ``out`` as byte spans moved by ``shift``."""
    cdef _View found
    cdef Py_ssize_t s, e
    cdef unsigned char matched
    while pos <= end:
        if end - pos >= _RELEASE_GIL_BYTES:
            with nogil:
                matched = _re2_match(compiled, text, pos, end, _UNANCHORED, &found, 1)
        else:
            matched = _re2_match(compiled, text, pos, end, _UNANCHORED, &found, 1)
        if not matched:
            break
        s = found.data - text.data
        e = s + <Py_ssize_t> found.length
        if e > s:
            out.append((shift + s, shift + e))
            pos = e
        else:
            pos = e + 1  # an empty match: step over it, as finditer does
    return 0


def re2_search(object regexp, bytes data, Py_ssize_t start, Py_ssize_t end):
    """Whether ``regexp`` matches in ``data[start:end]`` taken alone (its edges are the
    text's edges), as the wrapper's ``Match`` over that slice says; asks RE2 for no
    span, so it stops at the first match."""
    cdef const void *compiled = _regexp_of(regexp)
    cdef _View text
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    if start < 0 or end < start or end > n:
        raise ValueError(f"range [{start}, {end}) is outside the {n} bytes")
    cdef unsigned char matched
    text.data = PyBytes_AS_STRING(data) + start
    text.length = end - start
    if text.length >= _RELEASE_GIL_BYTES:
        with nogil:
            matched = _re2_match(compiled, text, 0, text.length, _UNANCHORED, NULL, 0)
    else:
        matched = _re2_match(compiled, text, 0, text.length, _UNANCHORED, NULL, 0)
    return bool(matched)


# RE2's sets, called from C the same way: ``bool RE2::Set::Match(string_view text,
# std::vector<int> *v, ErrorInfo *error_info) const``.  The wrapper's ``re2._re2.Set``
# holds its ``RE2::Set`` as its only member, so the instance's value pointer is the
# set's.  RE2 fills the vector (libstdc++'s: three pointers, all NULL when empty) with
# ``operator new``; it is given back with ``operator delete``.

cdef struct _IntVector:
    int *begin
    int *end
    int *capacity

ctypedef unsigned char (*_SetMatchFn)(
    const void *pattern_set, _View text, _IntVector *matches, int *error_kind
) noexcept nogil
ctypedef void (*_DeleteFn)(void *) noexcept nogil

cdef _SetMatchFn _re2_set_match = NULL
cdef _DeleteFn _cxx_delete = NULL
cdef object _set_type = None


def re2_bind_set(size_t match_address, size_t delete_address, object set_type):
    """Call ``re2::RE2::Set::Match`` (with its ``ErrorInfo``) at ``match_address`` for
    objects of ``set_type`` (the wrapper's ``re2._re2.Set``), and free what it fills with
    ``operator delete`` at ``delete_address``; 0 turns it off."""
    global _re2_set_match, _cxx_delete, _set_type
    if not (match_address and delete_address):
        match_address = delete_address = 0
    _re2_set_match = <_SetMatchFn> match_address
    _cxx_delete = <_DeleteFn> delete_address
    _set_type = set_type if match_address else None


cdef inline const void *_set_of(object pattern_set) except NULL:
    return _value_of(pattern_set, _set_type, "sets")


cdef inline void _vector_free(_IntVector *v) noexcept:
    if v.begin != NULL:
        _cxx_delete(v.begin)
    v.begin = v.end = v.capacity = NULL


cdef inline int _set_match(
    const void *compiled, _View text, _IntVector *found
) noexcept:
    """The set's answer over ``text`` taken alone into ``found``: 1 when some pattern
    matches, 0 when none does, -1 when RE2 could not answer (its automaton out of
    memory; the wrapper says no match then)."""
    cdef int kind = 0
    cdef unsigned char matched
    if text.length >= _RELEASE_GIL_BYTES:
        with nogil:
            matched = _re2_set_match(compiled, text, found, &kind)
    else:
        matched = _re2_set_match(compiled, text, found, &kind)
    if kind != 0:
        return -1
    return 1 if matched else 0


def re2_set_match(object pattern_set, bytes data, Py_ssize_t start, Py_ssize_t end):
    """The wrapper's ``Set.Match(data[start:end])``: the indices of the set's patterns
    that match in that slice taken alone, in RE2's order; ``None`` where RE2 could not
    answer."""
    cdef const void *compiled = _set_of(pattern_set)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    if start < 0 or end < start or end > n:
        raise ValueError(f"range [{start}, {end}) is outside the {n} bytes")
    cdef _View text
    text.data = PyBytes_AS_STRING(data) + start
    text.length = end - start
    cdef _IntVector found
    found.begin = found.end = found.capacity = NULL
    cdef int answer
    try:
        answer = _set_match(compiled, text, &found)
        if answer < 0:
            return None
        return [found.begin[i] for i in range(found.end - found.begin)] if answer else []
    finally:
        _vector_free(&found)


cdef list _block_spans(const void *compiled, const char *base, Py_ssize_t b0, Py_ssize_t b1):
    """``re2_spans`` over ``base[b0:b1]`` taken alone (a block: its edges are the text's
    edges), as absolute offsets."""
    cdef _View text
    text.data = base + b0
    text.length = b1 - b0
    out: list = []
    _spans_into(compiled, text, 0, b1 - b0, b0, out)
    return out


def block_pattern_spans(list sets, list patterns, list texts):
    """``RuleSet._flag``, ``_search`` and ``_spans_of`` in one call: for each text
    ``(data, blocks)`` (byte spans), which patterns each set says can match in each
    block taken alone, then each flagged pattern's spans over that block (pattern by
    pattern, over every text: each automaton reads one block after another), gathered
    per text as ``(starts, ends, patterns, runs)``: absolute byte spans, block by block
    and pattern by pattern in the order the sets flagged them, and ``(block, pattern,
    index of its first span)`` for each run that found any.

    ``sets`` holds ``(set, members)`` (the set's pattern indices into ``patterns``);
    ``patterns`` the compiled patterns.  Where a set cannot answer (its automaton out of
    memory), all its members are flagged: they then run, rather than being lost."""
    cdef Py_ssize_t n_patterns = len(patterns), n_texts = len(texts), t, j, k, i, b0, b1, n
    cdef const void *compiled_set
    cdef const char *base
    cdef _View piece
    cdef _IntVector found
    cdef int answer
    cdef list flagged = [], picks, pick, members, block_list, datas = [], spans_of = []
    cdef bytes data
    cdef dict where = {}, spans = {}
    for data, block_list in texts:
        n = PyBytes_GET_SIZE(data)
        for b0, b1 in block_list:
            if b0 < 0 or b1 < b0 or b1 > n:
                raise ValueError(f"block [{b0}, {b1}) is outside the {n} bytes")
        datas.append(data)
        flagged.append([[] for _ in block_list])
    found.begin = found.end = found.capacity = NULL
    try:
        for pattern_set, members in sets:
            compiled_set = _set_of(pattern_set)
            for t in range(n_texts):
                base = PyBytes_AS_STRING(<bytes> datas[t])
                picks = flagged[t]
                for j, (b0, b1) in enumerate(texts[t][1]):
                    piece.data = base + b0
                    piece.length = b1 - b0
                    answer = _set_match(compiled_set, piece, &found)
                    if answer == 0:
                        continue
                    pick = picks[j]
                    if answer < 0:
                        pick.extend(members)
                        continue
                    for i in range(found.end - found.begin):
                        pick.append(members[found.begin[i]])
    finally:
        _vector_free(&found)
    # each flagged pattern over its blocks, pattern by pattern
    for t in range(n_texts):
        for j, ks in enumerate(<list> flagged[t]):
            for k in ks:
                if k < 0 or k >= n_patterns:
                    raise ValueError(f"pattern {k} of {n_patterns}")
                blocks_of = where.get(k)
                if blocks_of is None:
                    where[k] = [(t, j)]
                else:
                    (<list> blocks_of).append((t, j))
    cdef const void *compiled
    for k, blocks_of in where.items():
        compiled = _regexp_of(patterns[k])
        for t, j in blocks_of:
            b0, b1 = texts[t][1][j]
            spans[(t, j, k)] = _block_spans(compiled, PyBytes_AS_STRING(<bytes> datas[t]), b0, b1)
    out: list = []
    cdef list starts, ends, ks_out, runs, run
    for t in range(n_texts):
        starts = []
        ends = []
        ks_out = []
        runs = []
        for j, ks in enumerate(<list> flagged[t]):
            for k in ks:
                run = spans[(t, j, k)]
                if run:
                    runs.append((j, k, len(starts)))
                for b0, b1 in run:
                    starts.append(b0)
                    ends.append(b1)
                    ks_out.append(k)
        out.append((starts, ends, ks_out, runs))
    return out


# -- the patterns from where they can start ---------------------------------------------
#
# ``rules/starts.py`` works out, for each pattern, the byte prefixes every match starts
# with; ``StartFilter`` walks them as two tries over each block, and RE2 is asked,
# anchored at each position a prefix holds, for the match that starts there.  The same
# spans as ``block_pattern_spans`` (which runs each pattern the shared set flags, from
# each block's start), without the set's automaton and the reverse automata: tens of
# megabytes of states, built for each new text and read from memory for each byte.

cdef struct _TrieNode:
    int32_t first_child  # into the trie's child bytes and nodes
    int32_t n_children
    int32_t dense  # a node of many children: its row of children by class (else -1)
    int32_t first_entry  # into the trie's entries
    int32_t n_entries

cdef enum:
    _SPARSE = 6  # children a node looks up by scanning; one of more has a dense row

cdef struct _StartEntry:
    int32_t pattern
    int32_t boundary  # 0: none, 1: \b before the prefix, 2: \B
    int32_t rest  # into rests: how many byte sets follow the trie's path, then each one's mask

cdef struct _Candidates:
    int64_t *data  # (pattern << 32) | position in the block
    Py_ssize_t size
    Py_ssize_t cap


cdef int _candidate(_Candidates *c, int64_t v) noexcept nogil:
    cdef int64_t *grown
    cdef Py_ssize_t cap
    if c.size == c.cap:
        cap = c.cap * 2 if c.cap else 1024
        grown = <int64_t *> realloc(c.data, cap * sizeof(int64_t))
        if grown == NULL:
            return -1
        c.data = grown
        c.cap = cap
    c.data[c.size] = v
    c.size += 1
    return 0


cdef class StartFilter:
    """The positions of a block where each pattern can start a match: the prefixes of
    ``rules/starts.py`` (``filter_tables``) as two tries of bytes, one walked from the
    start of each word (prefixes after ``\\b`` that begin with a word character, most of
    them), one from every position; at each node, the prefixes whose bytes end there,
    with the byte sets left to check after it and the condition before it."""

    cdef _TrieNode *nodes[2]
    cdef unsigned char *child_byte[2]
    cdef int32_t *child_node[2]
    cdef _StartEntry *entries[2]
    cdef int32_t root[2][256]  # the root's child for each byte (0: none)
    cdef int32_t *rows[2]  # the dense rows, n_classes children each (0: none)
    cdef int32_t n_classes
    cdef int32_t *rests
    cdef uint64_t *masks  # four words a mask
    cdef unsigned char klass[256]  # each byte's class: what the tries' edges are
    cdef unsigned char word[256]
    cdef uint64_t root_first[2][4]  # the bytes a root entry's first byte set holds
    cdef readonly int32_t n_patterns
    cdef readonly int32_t n_nodes
    # what bind() gives: each pattern's RE2, its gate's (or NULL) and its category
    cdef const void **compiled
    cdef const void **gates
    cdef int32_t *categories
    cdef list bound  # the objects those point into, kept alive

    def __cinit__(self, list tries, list rests, list masks, int n_patterns, list classes):
        cdef int t, b, w
        cdef Py_ssize_t n, k, at, e_at
        cdef dict children
        cdef list entries
        for t in range(2):
            self.nodes[t] = NULL
            self.rows[t] = NULL
            self.child_byte[t] = NULL
            self.child_node[t] = NULL
            self.entries[t] = NULL
        self.rests = NULL
        self.masks = NULL
        self.compiled = NULL
        self.gates = NULL
        self.categories = NULL
        self.bound = None
        self.n_patterns = n_patterns
        self.n_nodes = 0
        if len(classes) != 256 or not all(0 <= c < 256 for c in classes):
            raise ValueError("a class for each byte")
        self.n_classes = max(classes) + 1
        for b in range(256):
            self.klass[b] = classes[b]
            self.word[b] = (48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122) or b == 95
        if len(tries) != 2:
            raise ValueError("two tries: at word starts, anywhere")
        # the rests, one after another: how many masks, then each one's index
        cdef set starts_of_rests = set()
        at = 0
        while at < len(rests):
            n = rests[at]
            if not 0 <= n < len(rests) - at:
                raise ValueError(f"a rest at {at} runs off the list")
            for m in rests[at + 1 : at + 1 + n]:
                if not 0 <= m < len(masks):
                    raise ValueError(f"a rest's mask {m} out of range")
            starts_of_rests.add(at)
            at += n + 1
        for t in range(2):
            all_children, all_entries = tries[t]
            n = len(all_children)
            if n == 0 or len(all_entries) != n:
                raise ValueError("a trie needs its root, and entries for each node")
            self.n_nodes += n
            self.nodes[t] = <_TrieNode *> malloc(n * sizeof(_TrieNode))
            n_child = sum(len(<dict> c) for c in all_children)
            n_entry = sum(len(<list> e) for e in all_entries)
            self.child_byte[t] = <unsigned char *> malloc(max(n_child, 1))
            self.child_node[t] = <int32_t *> malloc(max(n_child, 1) * sizeof(int32_t))
            self.entries[t] = <_StartEntry *> malloc(max(n_entry, 1) * sizeof(_StartEntry))
            if (self.nodes[t] == NULL or self.child_byte[t] == NULL
                    or self.child_node[t] == NULL or self.entries[t] == NULL):
                raise MemoryError()
            for b in range(256):
                self.root[t][b] = 0
            n_dense = sum(1 for c in all_children if len(<dict> c) > _SPARSE)
            self.rows[t] = <int32_t *> calloc(max(n_dense, 1) * self.n_classes, sizeof(int32_t))
            if self.rows[t] == NULL:
                raise MemoryError()
            n_dense = 0
            at = 0
            e_at = 0
            for k in range(n):
                children = all_children[k]
                entries = all_entries[k]
                self.nodes[t][k].first_child = at
                self.nodes[t][k].n_children = len(children)
                self.nodes[t][k].dense = -1
                if len(children) > _SPARSE:
                    self.nodes[t][k].dense = n_dense
                    for b, child in children.items():
                        if not 0 <= b < self.n_classes:
                            raise ValueError(f"a child on class {b}")
                        self.rows[t][n_dense * self.n_classes + b] = child
                    n_dense += 1
                for b, child in sorted(children.items()):
                    if not 0 <= b < 256 or not 0 < child < n:
                        raise ValueError(f"a child {child} on byte {b}")
                    self.child_byte[t][at] = b
                    self.child_node[t][at] = child
                    if k == 0:
                        self.root[t][b] = child
                    at += 1
                self.nodes[t][k].first_entry = e_at
                self.nodes[t][k].n_entries = len(entries)
                for pattern, boundary, rest in entries:
                    if not 0 <= pattern < n_patterns or not 0 <= boundary <= 2:
                        raise ValueError(f"an entry ({pattern}, {boundary}) out of range")
                    if rest not in starts_of_rests:
                        raise ValueError(f"an entry's rest {rest} is not where a rest starts")
                    self.entries[t][e_at].pattern = pattern
                    self.entries[t][e_at].boundary = boundary
                    self.entries[t][e_at].rest = rest
                    e_at += 1
        self.rests = <int32_t *> malloc(max(len(rests), 1) * sizeof(int32_t))
        self.masks = <uint64_t *> malloc(max(len(masks), 1) * 4 * sizeof(uint64_t))
        if self.rests == NULL or self.masks == NULL:
            raise MemoryError()
        for k, m in enumerate(rests):
            self.rests[k] = m  # checked where an entry names it
        for k, m in enumerate(masks):
            for w in range(4):
                self.masks[4 * k + w] = <uint64_t> ((m >> (64 * w)) & 0xFFFFFFFFFFFFFFFF)
        cdef int32_t x, first
        for t in range(2):
            for w in range(4):
                self.root_first[t][w] = 0
            for x in range(self.nodes[t][0].n_entries):
                first = self.entries[t][self.nodes[t][0].first_entry + x].rest
                if self.rests[first] == 0:  # nothing to check: any byte
                    for w in range(4):
                        self.root_first[t][w] = <uint64_t> 0xFFFFFFFFFFFFFFFF
                else:
                    for w in range(4):
                        self.root_first[t][w] |= self.masks[4 * self.rests[first + 1] + w]

    def __dealloc__(self):
        cdef int t
        for t in range(2):
            free(self.nodes[t])
            free(self.rows[t])
            free(self.child_byte[t])
            free(self.child_node[t])
            free(self.entries[t])
        free(self.rests)
        free(self.masks)
        free(self.compiled)
        free(self.gates)
        free(self.categories)

    def bind(self, list patterns, list gates, list categories):
        """The patterns' compiled RE2 objects (the wrapper's), each one's gate (its rule's
        ``set_pattern``, a part every match holds, searched in a block first; or None)
        and its category (a number: two rules of one category matching one span are
        ordered as the shared set lists them)."""
        cdef Py_ssize_t k, n = self.n_patterns
        if len(patterns) != n or len(gates) != n or len(categories) != n:
            raise ValueError("a pattern, a gate and a category for each of the filter's patterns")
        compiled = <const void **> malloc(max(n, 1) * sizeof(void *))
        gated = <const void **> malloc(max(n, 1) * sizeof(void *))
        kinds = <int32_t *> malloc(max(n, 1) * sizeof(int32_t))
        if compiled == NULL or gated == NULL or kinds == NULL:
            free(compiled)
            free(gated)
            free(kinds)
            raise MemoryError()
        try:
            for k in range(n):
                compiled[k] = _regexp_of(patterns[k])
                gated[k] = NULL if gates[k] is None else _regexp_of(gates[k])
                kinds[k] = categories[k]
        except BaseException:
            free(compiled)
            free(gated)
            free(kinds)
            raise
        free(self.compiled)
        free(self.gates)
        free(self.categories)
        self.compiled, self.gates, self.categories = compiled, gated, kinds
        self.bound = [list(patterns), list(gates)]

    cdef inline bint _rest_holds(
        self, int32_t rest, const unsigned char *text, Py_ssize_t at, Py_ssize_t end
    ) noexcept nogil:
        """Whether the byte sets of ``rest`` hold for ``text[at:]`` within ``end``."""
        cdef int32_t n = self.rests[rest], r, m
        cdef unsigned char c
        if at + n > end:
            return False
        for r in range(n):
            m = self.rests[rest + 1 + r]
            c = text[at + r]
            if not (self.masks[4 * m + (c >> 6)] >> (c & 63)) & 1:
                return False
        return True

    cdef int _emit(
        self, int t, int32_t node, const unsigned char *text, Py_ssize_t i, Py_ssize_t d,
        Py_ssize_t end, bint before, int64_t *last, _Candidates *out,
    ) noexcept nogil:
        """The candidates of the prefixes whose bytes end at ``node`` (``d`` bytes from
        ``i``); -1 when out of memory."""
        cdef _TrieNode *at = &self.nodes[t][node]
        cdef _StartEntry *e
        cdef int32_t x
        cdef bint here = self.word[text[i]]
        for x in range(at.n_entries):
            e = &self.entries[t][at.first_entry + x]
            if last[e.pattern] == i:
                continue
            if e.boundary == 1 and before == here:
                continue
            if e.boundary == 2 and before != here:
                continue
            if not self._rest_holds(e.rest, text, i + d, end):
                continue
            last[e.pattern] = i
            if _candidate(out, (<int64_t> e.pattern << 32) | i) < 0:
                return -1
        return 0

    cdef int _walk(
        self, int t, const unsigned char *text, Py_ssize_t i, Py_ssize_t end, bint before,
        int64_t *last, _Candidates *out,
    ) noexcept nogil:
        """The candidates at ``i`` of trie ``t``'s prefixes."""
        cdef int32_t node = 0, child, x
        cdef Py_ssize_t d = 0
        cdef unsigned char c
        cdef _TrieNode *at
        c = text[i]
        if (self.root_first[t][c >> 6] >> (c & 63)) & 1:
            if self._emit(t, 0, text, i, 0, end, before, last, out) < 0:
                return -1
        node = self.root[t][self.klass[text[i]]]
        d = 1
        while node:
            at = &self.nodes[t][node]
            if at.n_entries and self._emit(t, node, text, i, d, end, before, last, out) < 0:
                return -1
            if i + d >= end or not at.n_children:
                break
            c = self.klass[text[i + d]]
            child = 0
            if at.dense >= 0:
                node = self.rows[t][at.dense * self.n_classes + c]
                d += 1
                continue
            for x in range(at.first_child, at.first_child + at.n_children):
                if self.child_byte[t][x] == c:
                    child = self.child_node[t][x]
                    break
                if self.child_byte[t][x] > c:
                    break
            node = child
            d += 1
        return 0

    cdef int candidates(
        self, const unsigned char *text, Py_ssize_t end, int64_t *last, _Candidates *out
    ) noexcept nogil:
        """Each (pattern, position) of ``text[:end]`` (a block taken alone) where one of
        the pattern's prefixes holds, appended to ``out``; ``last`` (by pattern, -1
        first) keeps a position from being listed twice for a pattern."""
        cdef Py_ssize_t i
        cdef bint before = False, here
        cdef unsigned char c
        for i in range(end):
            c = text[i]
            here = self.word[c]
            if here and not before:
                if self._walk(0, text, i, end, before, last, out) < 0:
                    return -1
            # most positions start nothing of the other trie: asked here, without a call
            if self.root[1][self.klass[c]] or (self.root_first[1][c >> 6] >> (c & 63)) & 1:
                if self._walk(1, text, i, end, before, last, out) < 0:
                    return -1
            before = here
        return 0

    def find(self, bytes block):
        """The (pattern, position) pairs of ``block`` taken alone, sorted (for tests)."""
        cdef _Candidates out
        out.data = NULL
        out.size = out.cap = 0
        cdef int64_t *last = <int64_t *> malloc(max(self.n_patterns, 1) * sizeof(int64_t))
        cdef Py_ssize_t k
        if last == NULL:
            raise MemoryError()
        try:
            for k in range(self.n_patterns):
                last[k] = -1
            if self.candidates(
                <const unsigned char *> PyBytes_AS_STRING(block), PyBytes_GET_SIZE(block),
                last, &out
            ) < 0:
                raise MemoryError()
            # sorted here by Python: _sort stays with one caller, the model's rows
            # (inlined there; with a second caller it was not, ~2% of a page)
            return sorted([(out.data[k] >> 32, out.data[k] & 0xFFFFFFFF) for k in range(out.size)])
        finally:
            free(last)
            free(out.data)


def anchored_pattern_spans(StartFilter starts, list sets, list texts):
    """What ``block_pattern_spans`` gives (the same spans; runs in another order where
    that cannot matter), found from where each pattern can start: for each text
    ``(data, blocks)``, each block taken alone, the filter's candidates pattern by
    pattern, and at each (from the end of the last match on) RE2 anchored there.

    The patterns, their gates and categories are those bound to the filter
    (``StartFilter.bind``).  A pattern's gate is searched in a block before the pattern
    is asked at its candidates there, as the set asked it before.

    Runs are block by block, pattern by pattern in index order; where two patterns of
    one category match the same span in a block, which one a report keeps depends on
    their order, so that block's runs take the order the shared set (``sets``, as for
    ``block_pattern_spans``) lists them in, as before."""
    cdef Py_ssize_t n_patterns = starts.n_patterns, n_texts = len(texts), t, j, k, b0, b1, n
    cdef Py_ssize_t c, s, e, x, first
    cdef _Candidates cands, grouped, spans
    cdef _View view
    cdef const char *base
    cdef bytes data
    cdef list block_list, out = [], starts_, ends_, ks_, runs_, block_spans, order
    if starts.compiled == NULL:
        raise ValueError("the filter has no patterns bound")
    cdef int64_t *last = <int64_t *> malloc(max(n_patterns, 1) * sizeof(int64_t))
    if last == NULL:
        raise MemoryError()
    cands.data = NULL
    cands.size = cands.cap = 0
    grouped.data = NULL
    grouped.size = grouped.cap = 0
    spans.data = NULL
    spans.size = spans.cap = 0
    cdef Py_ssize_t *counts = <Py_ssize_t *> malloc((n_patterns + 1) * sizeof(Py_ssize_t))
    if counts == NULL:
        free(last)
        raise MemoryError()
    try:
        for k in range(n_patterns):
            last[k] = -1
        for data, block_list in texts:
            n = PyBytes_GET_SIZE(data)
            base = PyBytes_AS_STRING(data)
            starts_ = []
            ends_ = []
            ks_ = []
            runs_ = []
            for j, (b0, b1) in enumerate(block_list):
                if b0 < 0 or b1 < b0 or b1 > n:
                    raise ValueError(f"block [{b0}, {b1}) is outside the {n} bytes")
                if b1 - b0 > 0xFFFFFFFF:
                    raise ValueError("a block of 4 GB or more (positions are 32-bit)")
                cands.size = 0
                for k in range(n_patterns):
                    last[k] = -1
                if b1 - b0 >= _RELEASE_GIL_BYTES:
                    with nogil:
                        c = starts.candidates(<const unsigned char *> base + b0, b1 - b0, last, &cands)
                else:
                    c = starts.candidates(<const unsigned char *> base + b0, b1 - b0, last, &cands)
                if c < 0:
                    raise MemoryError()
                if not cands.size:
                    continue
                if _group_by_pattern(&cands, &grouped, counts, n_patterns) < 0:
                    raise MemoryError()
                view.data = base + b0
                view.length = b1 - b0
                spans.size = 0
                if b1 - b0 >= _RELEASE_GIL_BYTES:
                    with nogil:
                        c = _asked(starts, &grouped, view, &spans)
                else:
                    c = _asked(starts, &grouped, view, &spans)
                if c < 0:
                    raise MemoryError()
                block_spans = [  # (pattern, start, end), pattern by pattern
                    (spans.data[x], b0 + spans.data[x + 1], b0 + spans.data[x + 2])
                    for x in range(0, spans.size, 3)
                ]
                if not block_spans:
                    continue
                order = _block_order(block_spans, starts.categories, sets, view)
                for k in order:
                    first = len(starts_)
                    for x, s, e in block_spans:
                        if x == k:
                            starts_.append(s)
                            ends_.append(e)
                            ks_.append(k)
                    runs_.append((j, k, first))
            out.append((starts_, ends_, ks_, runs_))
    finally:
        free(last)
        free(counts)
        free(cands.data)
        free(grouped.data)
        free(spans.data)
    return out


cdef int _asked(
    StartFilter starts, _Candidates *grouped, _View view, _Candidates *spans
) noexcept nogil:
    """RE2 anchored at each candidate of ``grouped`` (pattern by pattern, each
    pattern's in order), from the end of its last match on, after its gate; each match
    into ``spans`` as (pattern, start, end) in the block; -1 when out of memory."""
    cdef Py_ssize_t c, k, pos, s, e, nxt = 0, cur = -1
    cdef int64_t key
    cdef const void *gate
    cdef bint closed = False
    cdef _View found
    for c in range(grouped.size):
        key = grouped.data[c]
        k = key >> 32
        pos = key & <int64_t> 0xFFFFFFFF
        if k != cur:
            cur = k
            nxt = 0
            gate = starts.gates[k]
            # the gate over the block taken alone; closed: no match there
            closed = gate != NULL and not _re2_match(
                gate, view, 0, view.length, _UNANCHORED, NULL, 0
            )
        if closed or pos < nxt:
            continue
        if not _re2_match(starts.compiled[k], view, pos, view.length, 1, &found, 1):
            continue
        s = found.data - view.data
        e = s + <Py_ssize_t> found.length
        if e > s:
            if (_candidate(spans, k) < 0 or _candidate(spans, s) < 0
                    or _candidate(spans, e) < 0):
                return -1
            nxt = e
        else:
            nxt = e + 1
    return 0


cdef int _group_by_pattern(
    _Candidates *cands, _Candidates *out, Py_ssize_t *counts, Py_ssize_t n_patterns
) noexcept nogil:
    """``cands`` (found position by position) into ``out`` pattern by pattern, each
    pattern's positions still in order: a counting sort on the pattern."""
    cdef Py_ssize_t i, k, total = 0, n
    cdef int64_t *grown
    if out.cap < cands.size:
        grown = <int64_t *> realloc(out.data, cands.size * sizeof(int64_t))
        if grown == NULL:
            return -1
        out.data = grown
        out.cap = cands.size
    for k in range(n_patterns + 1):
        counts[k] = 0
    for i in range(cands.size):
        counts[cands.data[i] >> 32] += 1
    for k in range(n_patterns):
        n = counts[k]
        counts[k] = total
        total += n
    for i in range(cands.size):
        k = cands.data[i] >> 32
        out.data[counts[k]] = cands.data[i]
        counts[k] += 1
    out.size = cands.size
    return 0


cdef list _block_order(list block_spans, const int32_t *categories, list sets, _View view):
    """The patterns with spans in a block, in index order, or in the shared set's order
    where two of one category match the same span (then the order decides which one a
    report keeps, as it did when the set picked the patterns to run)."""
    cdef list order = []
    cdef dict seen = {}
    cdef Py_ssize_t k, i, n = len(block_spans)
    cdef bint tie = False
    for k, s, e in block_spans:
        if k not in seen:
            seen[k] = None
            order.append(k)
    if len(order) < 2:
        return order
    spans = {}
    for k, s, e in block_spans:
        other = spans.setdefault((s, e, categories[k]), k)
        if other != k:
            tie = True
            break
    if not tie:
        return order
    cdef _IntVector found
    cdef int answer
    cdef list listed = []
    found.begin = found.end = found.capacity = NULL
    try:
        for pattern_set, members in sets:
            answer = _set_match(_set_of(pattern_set), view, &found)
            if answer <= 0:
                continue
            for i in range(found.end - found.begin):
                k = (<list> members)[found.begin[i]]
                if k in seen and k not in listed:
                    listed.append(k)
    finally:
        _vector_free(&found)
    return listed + [k for k in order if k not in listed]


# -- context verdicts --------------------------------------------------------------------
#
# ``Engine._rule_findings`` in one call: for each raw match, its sentence, each context
# cue its rule's policy asks about (``DocumentContext.flag``: negation, hedge,
# attribution), then the rule's exception.  The same questions in the same order as
# the Python (``context.py``, ``checker.py``), over the same cue hits, which Python
# finds first; tests compare the two over the corpus and the training data.

cdef enum:  # what a rule's context policy asks about, in ContextPolicies
    _KEY_NEGATION = 0
    _KEY_HEDGE = 1
    _KEY_ATTRIBUTION = 2

cdef enum:
    _POLICY_IGNORE = 0
    _POLICY_DOWNGRADE = 1
    _POLICY_SUPPRESS = 2

cdef enum:  # the cues' hits, in the order context_verdicts is given them
    _CUE_SCOPE = 0
    _CUE_BEFORE = 1
    _CUE_AFTER = 2
    _CUE_CAUTION = 3
    _CUE_HEDGE = 4
    _CUE_CRITICAL = 5
    _CUE_ATTRIBUTION = 6
    _N_CUES = 7

CONTEXT_KEYS = ("negation", "hedge", "attribution")
CONTEXT_POLICIES = ("ignore", "downgrade", "suppress")
VERDICT_CUES = (
    "negation_scope", "negation_before", "negation_after", "caution", "hedge", "critical",
    "attribution",
)


cdef class ContextPolicies:
    """Each rule's severity (rank), confidence, context policies (in the rule's order)
    and exception (the wrapper's ``re2._re2.RE2``, or None), by the rule's index."""

    cdef int *severity
    cdef double *confidence
    cdef int *keys  # three a rule, -1 past its last
    cdef int *policies
    cdef list exceptions
    cdef Py_ssize_t n

    def __cinit__(self, list rules):
        cdef Py_ssize_t r, q
        self.n = len(rules)
        self.severity = <int *> malloc((self.n + 1) * sizeof(int))
        self.confidence = <double *> malloc((self.n + 1) * sizeof(double))
        self.keys = <int *> malloc((3 * self.n + 1) * sizeof(int))
        self.policies = <int *> malloc((3 * self.n + 1) * sizeof(int))
        if not (self.severity and self.confidence and self.keys and self.policies):
            raise MemoryError()
        self.exceptions = []
        for r in range(self.n):
            severity, confidence, context, exception = rules[r]
            self.severity[r] = severity
            self.confidence[r] = confidence
            if len(context) > 3:
                raise ValueError("at most three context keys a rule")
            for q in range(3):
                self.keys[3 * r + q] = -1
                self.policies[3 * r + q] = _POLICY_IGNORE
            for q, (key, policy) in enumerate(context):
                self.keys[3 * r + q] = CONTEXT_KEYS.index(key)
                self.policies[3 * r + q] = CONTEXT_POLICIES.index(policy)
            if exception is not None and type(exception) is not _re2_type:
                raise TypeError("an exception must be the RE2 wrapper's compiled object")
            self.exceptions.append(exception)

    def __dealloc__(self):
        free(self.severity)
        free(self.confidence)
        free(self.keys)
        free(self.policies)


cdef inline bint _wordish(Py_UCS4 c) noexcept:
    # [\w'-] of Python's re (context._WORD)
    return _is_word(c) or c == u"'" or c == u"-"


cdef class _Verdicts:
    """One document's sentences, cue hits and clause breaks, asked about its matches."""

    cdef _Ints sent_starts, sent_ends, break_starts, break_ends
    cdef list cue_starts, cue_ends  # _Ints each, in _CUE order
    cdef signed char *caution  # per sentence: -1 not asked yet, else 0 or 1
    cdef signed char *critical
    cdef str norm
    cdef int kind
    cdef void *chars
    cdef Py_ssize_t length, after_window, negation_window, quote_reach, quote_before

    def __cinit__(
        self, str norm, list sentences, list cues, tuple breaks, Py_ssize_t after_window,
        Py_ssize_t negation_window, Py_ssize_t quote_reach, Py_ssize_t quote_before,
    ):
        cdef Py_ssize_t n = len(sentences), k
        self.sent_starts = _Ints([s for s, _ in sentences])
        self.sent_ends = _Ints([e for _, e in sentences])
        self.break_starts = _Ints(breaks[0])
        self.break_ends = _Ints(breaks[1])
        if len(cues) != _N_CUES:
            raise ValueError(f"expected the hits of {_N_CUES} cues")
        self.cue_starts = [_Ints(starts) for starts, _ in cues]
        self.cue_ends = [_Ints(ends) for _, ends in cues]
        self.caution = <signed char *> malloc(n + 1)
        self.critical = <signed char *> malloc(n + 1)
        if self.caution == NULL or self.critical == NULL:
            raise MemoryError()
        for k in range(n):
            self.caution[k] = -1
            self.critical[k] = -1
        self.norm = norm
        self.kind = PyUnicode_KIND(norm)
        self.chars = PyUnicode_DATA(norm)
        self.length = len(norm)
        self.after_window = after_window
        self.negation_window = negation_window
        self.quote_reach = quote_reach
        self.quote_before = quote_before

    def __dealloc__(self):
        free(self.caution)
        free(self.critical)

    cdef inline bint _within(self, int cue, int64_t lo, int64_t hi):
        return _hit_within(self.cue_starts[cue], self.cue_ends[cue], lo, hi)

    cdef bint _in_sentence(self, int cue, Py_ssize_t si):
        cdef signed char *known = self.caution if cue == _CUE_CAUTION else self.critical
        if known[si] < 0:
            known[si] = self._within(cue, self.sent_starts.data[si], self.sent_ends.data[si])
        return known[si] == 1

    cdef inline void _clause(
        self, int64_t s_start, int64_t s_end, int64_t m_start, int64_t m_end,
        int64_t *c_start, int64_t *c_end,
    ):
        # DocumentContext.clause
        cdef Py_ssize_t i = _bisect_right(self.break_ends.data, self.break_ends.n, m_start) - 1
        cdef Py_ssize_t j = _bisect_left(self.break_starts.data, self.break_starts.n, m_end)
        c_start[0] = max(s_start, self.break_ends.data[i]) if i >= 0 else s_start
        c_end[0] = min(s_end, self.break_starts.data[j]) if j < self.break_starts.n else s_end
        if c_end[0] < m_end:
            c_end[0] = m_end

    cdef bint _negated(self, Py_ssize_t si, int64_t m_start, int64_t m_end):
        cdef int64_t s_start = self.sent_starts.data[si], s_end = self.sent_ends.data[si]
        cdef int64_t c_start, c_end, window_start, k
        cdef Py_ssize_t words = 0, i
        cdef _Ints after_starts, after_ends
        self._clause(s_start, s_end, m_start, m_end, &c_start, &c_end)
        if self._within(_CUE_SCOPE, c_start, m_start):
            return True
        if self._within(_CUE_BEFORE, c_start, m_start):
            # only in the negation_window words before the match: the start of the
            # negation_window-th last run of [\w'-] in [c_start, m_start), else c_start
            window_start = c_start
            k = m_start - 1
            while k >= c_start:
                if _wordish(PyUnicode_READ(self.kind, self.chars, k)) and (
                    k == c_start or not _wordish(PyUnicode_READ(self.kind, self.chars, k - 1))
                ):
                    words += 1
                    if words == self.negation_window:
                        window_start = k
                        break
                k -= 1
            if self._within(_CUE_BEFORE, window_start, m_start):
                return True
        # _Hits.starting: a hit starts in [m_end, m_end + after_window], ends by c_end
        after_starts = self.cue_starts[_CUE_AFTER]
        after_ends = self.cue_ends[_CUE_AFTER]
        i = _bisect_left(after_starts.data, after_starts.n, m_end)
        if (
            i < after_starts.n
            and after_starts.data[i] <= m_end + self.after_window
            and after_ends.data[i] <= c_end
        ):
            return True
        return self._in_sentence(_CUE_CAUTION, si)

    cdef bint _hedged(self, Py_ssize_t si, int64_t m_start, int64_t m_end):
        cdef int64_t s_start = self.sent_starts.data[si], c_start, c_end
        self._clause(s_start, self.sent_ends.data[si], m_start, m_end, &c_start, &c_end)
        return self._within(_CUE_HEDGE, s_start, c_end)

    cdef bint _quoted(self, Py_ssize_t si, int64_t m_start, int64_t m_end):
        # an odd number of '"' from the sentence's start to the match, and one within
        # quote_reach characters after it
        cdef Py_ssize_t k, count = 0, stop = min(m_end + self.quote_reach, self.length)
        for k in range(self.sent_starts.data[si], m_start):
            if PyUnicode_READ(self.kind, self.chars, k) == u'"':
                count += 1
        if count % 2 != 1:
            return False
        for k in range(m_end, stop):
            if PyUnicode_READ(self.kind, self.chars, k) == u'"':
                return True
        return False

    cdef bint _attributed(self, Py_ssize_t si, int64_t m_start, int64_t m_end):
        cdef Py_ssize_t j, n = self.sent_starts.n
        if self._in_sentence(_CUE_CRITICAL, si):
            return True
        if self._within(_CUE_ATTRIBUTION, self.sent_starts.data[si], m_start):
            return True
        if not self._quoted(si, m_start, m_end):
            return False
        # a critical or cautionary sentence among the two before and the one after
        for j in range(max(si - self.quote_before, 0), min(si + 2, n)):
            if j != si and (
                self._in_sentence(_CUE_CAUTION, j) or self._in_sentence(_CUE_CRITICAL, j)
            ):
                return True
        return False

    cdef bint flag(self, int key, Py_ssize_t si, int64_t m_start, int64_t m_end):
        if key == _KEY_NEGATION:
            return self._negated(si, m_start, m_end)
        if key == _KEY_HEDGE:
            return self._hedged(si, m_start, m_end)
        return self._attributed(si, m_start, m_end)


def context_verdicts(
    ContextPolicies table,
    str norm,
    list sentences,
    list sentence_bytes,
    bytes data,
    list cues,
    tuple breaks,
    Py_ssize_t after_window,
    Py_ssize_t negation_window,
    Py_ssize_t quote_reach,
    Py_ssize_t quote_before,
    double downgrade_factor,
    list match_starts,
    list match_ends,
    list match_rules,
):
    """``(sentence, match, severity rank, confidence)`` of each match (``match_starts[k]``,
    ``match_ends[k]``, rule index ``match_rules[k]`` in ``table``) that lies in one of
    ``sentences`` and survives its rule's context policies and exception: cue hits in
    ``VERDICT_CUES`` order (``(starts, ends)`` each), clause breaks ``(starts, ends)``,
    exceptions searched in ``data`` over each sentence's ``sentence_bytes`` alone."""
    cdef _Verdicts v = _Verdicts(
        norm, sentences, cues, breaks, after_window, negation_window, quote_reach, quote_before
    )
    cdef Py_ssize_t n_sent = v.sent_starts.n, k, a, si, r, q
    cdef int64_t start, end
    cdef int severity, key, policy
    cdef double confidence
    cdef bint dropped
    cdef object exception
    cdef const void *compiled
    cdef _View text
    cdef unsigned char matched
    cdef const char *raw = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n_bytes = PyBytes_GET_SIZE(data)
    cdef dict excepted = {}
    out: list = []
    if len(match_ends) != len(match_starts) or len(match_rules) != len(match_starts):
        raise ValueError("match starts, ends and rules differ in length")
    if len(sentence_bytes) != n_sent:
        raise ValueError("a byte span for each sentence")
    for k in range(len(match_starts)):
        start = match_starts[k]
        end = match_ends[k]
        a = _bisect_right(v.sent_starts.data, n_sent, start)
        if a == 0:
            continue
        si = a - 1
        if end > v.sent_ends.data[si]:
            continue
        r = match_rules[k]
        if not 0 <= r < table.n:
            raise IndexError(f"rule index {r} is not in the table")
        severity = table.severity[r]
        confidence = table.confidence[r]
        dropped = False
        for q in range(3):
            key = table.keys[3 * r + q]
            if key < 0:
                break
            policy = table.policies[3 * r + q]
            if policy == _POLICY_IGNORE or not v.flag(key, si, start, end):
                continue
            if policy == _POLICY_SUPPRESS:
                dropped = True
                break
            severity = max(severity - 1, 0)
            confidence *= downgrade_factor
        if dropped:
            continue
        exception = table.exceptions[r]
        if exception is not None:
            cached = excepted.get(r * n_sent + si)
            if cached is None:
                compiled = _regexp_of(exception)
                b0, b1 = sentence_bytes[si]
                if not 0 <= b0 <= b1 <= n_bytes:
                    raise ValueError(f"sentence bytes [{b0}, {b1}) outside the text")
                text.data = raw + <Py_ssize_t> b0
                text.length = <Py_ssize_t> b1 - <Py_ssize_t> b0
                matched = _re2_match(compiled, text, 0, text.length, _UNANCHORED, NULL, 0)
                cached = excepted[r * n_sent + si] = bool(matched)
            if cached:
                continue
        out.append((si, k, severity, confidence))
    return out


# -- the report's drafts: merged and filtered ----------------------------------------


cdef struct _Draft:
    Py_ssize_t order  # where it was made: the merge's sort is stable
    int kind  # a rule's index, or n_rules + the model's category
    int category  # index into CATEGORIES
    int category_rank  # the category id's place among the ids, sorted
    int severity  # rank: 0 suggestion, 1 warning, 2 error
    bint rule  # a rule's, not the model's
    double confidence
    int64_t start
    int64_t end
    Py_ssize_t si


cdef inline void _draft(
    _Draft *d, Py_ssize_t order, Py_ssize_t kind, Py_ssize_t category, int category_rank,
    int severity, bint rule, double confidence, int64_t start, int64_t end, Py_ssize_t si,
) noexcept:
    d.order = order
    d.kind = <int> kind
    d.category = <int> category
    d.category_rank = category_rank
    d.severity = severity
    d.rule = rule
    d.confidence = confidence
    d.start = start
    d.end = end
    d.si = si


cdef int _by_category_start_end(const void *a, const void *b) noexcept nogil:
    # (category id, start, -end), then the order made in: Engine._merge's stable sort
    cdef const _Draft *x = <const _Draft *> a
    cdef const _Draft *y = <const _Draft *> b
    if x.category_rank != y.category_rank:
        return -1 if x.category_rank < y.category_rank else 1
    if x.start != y.start:
        return -1 if x.start < y.start else 1
    if x.end != y.end:
        return -1 if x.end > y.end else 1
    if x.order != y.order:
        return -1 if x.order < y.order else 1
    return 0


cdef inline bint _better(const _Draft *f, const _Draft *last) noexcept:
    # max((last, f), key=(severity, from a rule, length, confidence)) is f: strictly greater
    if f.severity != last.severity:
        return f.severity > last.severity
    if f.rule != last.rule:
        return f.rule > last.rule
    if f.end - f.start != last.end - last.start:
        return f.end - f.start > last.end - last.start
    return f.confidence > last.confidence


def merged_drafts(
    list raw_si,
    list raw_kind,
    list raw_severity,
    list raw_confidence,
    list raw_sources,
    list sentence_sources,
    object proba,
    const double[::1] thresholds,
    list kind_category,
    list category_order,
    list category_severity,
    list caution,
    double model_strong,
    list keep_category,
    int min_severity,
):
    """What ``Engine._report`` makes of a page's rule findings and the model's
    probabilities, up to the findings: its drafts (each rule finding's confidence read
    with the model's probability for its sentence and category; each category the
    model finds in a sentence no rule finding of it covers and that is no caution),
    merged (``Engine._merge``: one a category and overlapping span, the most severe,
    then a rule's, the longest, the most confident) and kept by the categories
    (``keep_category``) and the minimum severity rank.  Each as ``(kind, severity,
    confidence, start, end, sentence index)``, in merged order; a kind is a rule's
    index (``kind_category`` gives each rule's category), or the number of rules plus
    a category's index for the model's."""
    cdef Py_ssize_t n_raw = len(raw_si), n_sent = len(sentence_sources)
    cdef Py_ssize_t n_cat = len(category_order), n_rules = len(kind_category)
    cdef Py_ssize_t k, si, c, n = 0, m
    cdef int64_t start, end
    cdef const double[:, ::1] p
    cdef bint scored = proba is not None
    cdef double pm, conf
    cdef int sev, cat, kind
    cdef _Draft *drafts = NULL
    cdef unsigned char *covered = NULL
    cdef int *order = NULL
    if len(raw_kind) != n_raw or len(raw_severity) != n_raw or len(raw_confidence) != n_raw:
        raise ValueError("raw findings' fields differ in length")
    if len(raw_sources) != n_raw:
        raise ValueError("a source span for each raw finding")
    if len(category_severity) != n_cat or len(keep_category) != n_cat:
        raise ValueError("categories' tables differ in length")
    if len(caution) != n_sent:
        raise ValueError("a caution flag for each sentence")
    if scored:
        p = proba
        if p.shape[0] != n_sent or p.shape[1] != n_cat or thresholds.shape[0] != n_cat:
            raise ValueError("probabilities: a row a sentence, a column a category")
    out: list = []
    try:
        drafts = <_Draft *> malloc((n_raw + (n_sent * n_cat if scored else 0) + 1) * sizeof(_Draft))
        covered = <unsigned char *> calloc(n_sent * n_cat + 1, 1)
        order = <int *> malloc((n_cat + 1) * sizeof(int))
        if drafts == NULL or covered == NULL or order == NULL:
            raise MemoryError()
        for c in range(n_cat):
            order[c] = category_order[c]
        for k in range(n_raw):
            si = raw_si[k]
            kind = raw_kind[k]
            if not 0 <= si < n_sent or not 0 <= kind < n_rules:
                raise IndexError("a raw finding's sentence or rule is out of range")
            cat = kind_category[kind]
            if not 0 <= cat < n_cat:
                raise IndexError(f"rule {kind}'s category is out of range")
            covered[si * n_cat + cat] = 1
        for k in range(n_raw):
            si = raw_si[k]
            kind = raw_kind[k]
            cat = kind_category[kind]
            conf = raw_confidence[k]
            if scored:
                pm = p[si, cat]
                conf = (conf if conf >= pm else pm) if pm >= 0.5 * thresholds[cat] else conf * 0.9
            start, end = raw_sources[k]
            _draft(&drafts[n], n, kind, cat, order[cat], raw_severity[k], True, conf, start, end, si)
            n += 1
        if scored:
            for si in range(n_sent):
                for c in range(n_cat):
                    if not p[si, c] >= thresholds[c] or covered[si * n_cat + c] or caution[si]:
                        continue
                    sev = category_severity[c]
                    if sev < 0:
                        continue
                    conf = p[si, c]
                    if conf < model_strong and sev == 2:
                        sev = 1
                    start, end = sentence_sources[si]
                    _draft(&drafts[n], n, n_rules + c, c, order[c], sev, False, conf, start, end, si)
                    n += 1
        qsort(drafts, n, sizeof(_Draft), _by_category_start_end)
        m = 0  # the merged drafts, in place
        for k in range(n):
            if m and drafts[m - 1].category == drafts[k].category and drafts[k].start < drafts[m - 1].end:
                conf = drafts[m - 1].confidence
                if drafts[k].confidence > conf:
                    conf = drafts[k].confidence
                if _better(&drafts[k], &drafts[m - 1]):
                    drafts[m - 1] = drafts[k]
                drafts[m - 1].confidence = conf
            else:
                drafts[m] = drafts[k]
                m += 1
        for k in range(m):
            if drafts[k].severity < min_severity or not keep_category[drafts[k].category]:
                continue
            out.append((
                drafts[k].kind, drafts[k].severity, drafts[k].confidence,
                drafts[k].start, drafts[k].end, drafts[k].si,
            ))
    finally:
        free(drafts)
        free(covered)
        free(order)
    return out


from cpython.object cimport PyTypeObject
from cpython.ref cimport Py_INCREF, Py_XDECREF


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char *name
        int type
        Py_ssize_t offset
        int flags
    ctypedef struct PyMemberDescrObject:
        PyMemberDef *d_member
    int Py_T_OBJECT_EX "T_OBJECT_EX"
    int Py_READONLY "READONLY"
    object PyType_GenericAlloc(PyTypeObject *cls, Py_ssize_t n)


from types import MemberDescriptorType


cdef class SlotMaker:
    """``cls(*values)`` for a slots class (a frozen ``dataclass(slots=True)``), every slot
    given in ``names``' order, with nothing run but the allocation: each value stored
    at its slot's offset, as the slot's descriptor stores it.  What
    ``finding._positional_maker`` does through each slot's ``__set__`` (~2.1 us a
    finding, ~26 findings a corpus page), in ~0.5 us through ``__call__`` and less
    from ``built_findings``, which fills the slots one by one (``new``, ``put``)."""

    cdef readonly type cls
    cdef readonly tuple names
    cdef Py_ssize_t *offsets
    cdef Py_ssize_t n

    def __cinit__(self, type cls, names):
        cdef Py_ssize_t k
        cdef PyMemberDef *member
        names = tuple(names)
        slots = cls.__dict__.get("__slots__")
        if slots is None or sorted(slots) != sorted(names) or len(set(names)) != len(names):
            raise TypeError(f"{cls.__name__}: not a slots class whose slots are {names}")
        self.offsets = <Py_ssize_t *> malloc(max(len(names), 1) * sizeof(Py_ssize_t))
        if self.offsets == NULL:
            raise MemoryError()
        for k, name in enumerate(names):
            descriptor = cls.__dict__[name]
            if type(descriptor) is not MemberDescriptorType:
                raise TypeError(f"{cls.__name__}.{name} is not a slot")
            member = (<PyMemberDescrObject *> <PyObject *> descriptor).d_member
            if member.type != Py_T_OBJECT_EX or member.flags & Py_READONLY:
                raise TypeError(f"{cls.__name__}.{name} is not a writable object slot")
            self.offsets[k] = member.offset
        self.cls = cls
        self.names = names
        self.n = len(names)

    def __dealloc__(self):
        free(self.offsets)

    cdef inline object new(self):
        # a new reference, every slot empty (NULL) and the object tracked by the GC
        return PyType_GenericAlloc(<PyTypeObject *> self.cls, 0)

    cdef inline void put(self, object made, Py_ssize_t k, object value) noexcept:
        cdef PyObject **slot = <PyObject **> ((<char *> <PyObject *> made) + self.offsets[k])
        Py_INCREF(value)
        Py_XDECREF(slot[0])
        slot[0] = <PyObject *> value

    cdef inline object get(self, object made, Py_ssize_t k):
        # slot k's value (a new reference), as the slot's descriptor reads it
        cdef PyObject *value = (<PyObject **> ((<char *> <PyObject *> made) + self.offsets[k]))[0]
        if value == NULL:
            raise AttributeError(f"{self.cls.__name__}.{self.names[k]} is not set")
        return <object> value

    def __call__(self, *values):
        cdef Py_ssize_t k
        if len(values) != self.n:
            raise TypeError(f"{self.n} values expected, {len(values)} given")
        made = self.new()
        for k in range(self.n):
            self.put(made, k, values[k])
        return made


def built_findings(
    list merged,
    list kinds,
    list sources,
    list starts,
    str source_text,
    str norm,
    list sentences,
    dict topics,
    object topic_words,
    dict cited,
    object cite,
    object make_finding,
    tuple severities,
):
    """``Engine._build`` of each of ``merged_drafts``' drafts: the finding, cited (the
    sentence's topic words in ``topics``, found by ``topic_words`` when missing; the
    citation in ``cited``, made by ``cite`` when missing), with its text, lines and
    columns (``starts``: where each line of ``source_text`` starts).  ``make_finding``
    makes a finding of its 19 values in order: a :class:`SlotMaker` of ``Finding`` (the
    values stored directly) or any callable."""
    cdef Py_ssize_t n_lines = len(starts), k, line, end_line, si
    cdef int64_t start, end
    cdef double confidence
    cdef SlotMaker maker = make_finding if isinstance(make_finding, SlotMaker) else None
    if maker is not None and maker.n != 19:
        raise ValueError("a maker of the finding's 19 values is needed")
    cdef int64_t *line_at = <int64_t *> malloc((n_lines + 1) * sizeof(int64_t))
    if line_at == NULL:
        raise MemoryError()
    out: list = []
    try:
        for k in range(n_lines):
            line_at[k] = starts[k]
        if n_lines == 0 or line_at[0] != 0:
            raise ValueError("line starts must begin at 0")
        for item in merged:
            kind, sev, confidence, start, end, si = item
            ident, category, message, suggestion, rule_facts, source = kinds[kind]
            s_start, s_end = sources[si]
            words = topics.get(si)
            if words is None:
                s, e = sentences[si]
                words = topics[si] = topic_words(norm, s, e)
            found = cited.get((ident, words))
            if found is None:
                found = cite(ident, category, rule_facts, message, words)
            facts, contradicts, message, help_url = found
            line = _bisect_right(line_at, n_lines, start)
            end_line = _bisect_right(line_at, n_lines, end - 1 if end - 1 > start else start)
            if confidence < 0.0:
                confidence = 0.0
            elif confidence > 1.0:
                confidence = 1.0
            if maker is None:
                out.append(make_finding(
                    ident, category, severities[sev], message, start, end,
                    line, start - line_at[line - 1] + 1, end_line, end - line_at[end_line - 1] + 1,
                    source_text[start:end], suggestion, source, confidence, facts, contradicts,
                    s_start, s_end, help_url,
                ))
                continue
            # the same values in the same order, stored in the slots directly
            made = maker.new()
            maker.put(made, 0, ident)
            maker.put(made, 1, category)
            maker.put(made, 2, severities[sev])
            maker.put(made, 3, message)
            maker.put(made, 4, start)
            maker.put(made, 5, end)
            maker.put(made, 6, line)
            maker.put(made, 7, start - line_at[line - 1] + 1)
            maker.put(made, 8, end_line)
            maker.put(made, 9, end - line_at[end_line - 1] + 1)
            maker.put(made, 10, source_text[start:end])
            maker.put(made, 11, suggestion)
            maker.put(made, 12, source)
            maker.put(made, 13, confidence)
            maker.put(made, 14, facts)
            maker.put(made, 15, contradicts)
            maker.put(made, 16, s_start)
            maker.put(made, 17, s_end)
            maker.put(made, 18, help_url)
            out.append(made)
    finally:
        free(line_at)
    return out


_FORM_SLOTS = (
    "id", "category", "severity", "message", "start", "end", "line", "column", "end_line",
    "end_column", "text", "suggestion", "source", "confidence", "facts", "contradicts",
    "sentence_start", "sentence_end",
)


def finding_forms(SlotMaker maker, object findings, dict rounded, object round_confidence):
    """``[f.json_form() for f in findings]`` (``Finding.json_form``): each finding's
    dictionary made from its slots (``maker``, a :class:`SlotMaker` of ``Finding``), its
    facts' ``_fragment``s, its confidence ``rounded[confidence]`` for a float other than
    zero that ``rounded`` holds, else ``round_confidence(confidence)``."""
    if maker.names[:18] != _FORM_SLOTS:
        raise ValueError(f"a maker of the finding's slots {_FORM_SLOTS} (and more) is needed")
    cls = maker.cls
    out: list = []
    for f in findings:
        if type(f) is not cls:
            raise TypeError(f"{cls.__name__} expected, not {type(f).__name__}")
        confidence = maker.get(f, 13)
        done = None
        if type(confidence) is float and <double> confidence != 0.0:
            done = rounded.get(confidence)
        if done is None:
            done = round_confidence(confidence)
        out.append({
            "id": maker.get(f, 0),
            "category": maker.get(f, 1),
            "severity": maker.get(f, 2),
            "message": maker.get(f, 3),
            "start": maker.get(f, 4),
            "end": maker.get(f, 5),
            "line": maker.get(f, 6),
            "column": maker.get(f, 7),
            "end_line": maker.get(f, 8),
            "end_column": maker.get(f, 9),
            "text": maker.get(f, 10),
            "suggestion": maker.get(f, 11),
            "source": maker.get(f, 12),
            "confidence": done,
            "facts": [fact._fragment for fact in maker.get(f, 14)],
            "contradicts": maker.get(f, 15),
            "sentence": {"start": maker.get(f, 16), "end": maker.get(f, 17)},
        })
    return out


# --- the context cues in one scan (cue_program.py) --------------------------------------

cdef enum:
    _TOKEN_BOUNDARY = -1  # \b: ASCII word characters on one side only, as RE2's
    _TOKEN_WORD_RUN = -2  # \w*, greedy; always followed by \b (cue_program.check_runs)
    _MAX_CUES = 32
    _DENSE_EDGES = 6  # a node with this many characters' edges has a row of 128 children
    _PREFIX_WORDS = 512  # 32 * 32 * 32 bits


cdef struct _CueEdge:
    int32_t token  # a lower-case ASCII character, or _TOKEN_*
    int32_t child


cdef struct _CueNode:
    int32_t first_edge  # its edges: boundaries and runs, then characters in order
    int32_t n_edges
    int32_t n_special  # how many of them are boundaries and runs
    int32_t dense  # with many characters' edges: its row of children by character, or -1
    int32_t first_end  # the paths that end here (_CueEnd), in the first segments' trie
    int32_t n_ends  # (in a later segment's trie: one, the first path in order)


cdef struct _CueEnd:
    int32_t branch  # all branches of all cues, numbered cue by cue
    int32_t path  # in the pattern's order


cdef struct _CueItem:
    int32_t root  # a later segment's trie, or -1: a gap
    int32_t lo
    int32_t hi
    bint lazy
    uint64_t excluded_lo  # the gap's excluded ASCII characters, as bits
    uint64_t excluded_hi


cdef struct _CueFound:  # a segment's match being tried, or (in hits) a cue's match
    int32_t branch  # (a hit: its cue)
    int32_t path
    Py_ssize_t start
    Py_ssize_t end


cdef struct _CueText:  # one scan's text, and the matches of segments it is trying
    int kind
    void *data
    Py_ssize_t length  # of the whole text: the context
    Py_ssize_t end  # where matches must end by
    _CueFound *found  # a stack (each call's own: a scanner may be used by many threads)
    Py_ssize_t n_found
    Py_ssize_t size_found
    _CueFound *hits  # the cues' matches found
    Py_ssize_t n_hits
    Py_ssize_t size_hits


cdef int _cue_append(
    _CueFound **buffer, Py_ssize_t *n, Py_ssize_t *size,
    int32_t branch, int32_t path, Py_ssize_t start, Py_ssize_t end
) except -1 nogil:
    cdef _CueFound *grown
    if n[0] == size[0]:
        grown = <_CueFound *> realloc(buffer[0], 2 * size[0] * sizeof(_CueFound))
        if grown == NULL:
            with gil:
                raise MemoryError()
        buffer[0] = grown
        size[0] *= 2
    buffer[0][n[0]].branch = branch
    buffer[0][n[0]].path = path
    buffer[0][n[0]].start = start
    buffer[0][n[0]].end = end
    n[0] += 1
    return 0


cdef inline bint _re2_word(uint32_t c) noexcept nogil:
    # \b's word characters in RE2: ASCII only
    return (97 <= c <= 122) or (65 <= c <= 90) or (48 <= c <= 57) or c == 95


cdef inline uint32_t _re2_fold(uint32_t c) noexcept nogil:
    # what a lower-case ASCII letter of a case-insensitive RE2 pattern also matches
    if 65 <= c <= 90:
        return c + 32
    if c == 0x17F:  # LATIN SMALL LETTER LONG S
        return 115  # s
    if c == 0x212A:  # KELVIN SIGN
        return 107  # k
    return c


cdef inline uint32_t _prefix_class(uint32_t c) noexcept nogil:
    # a (folded) character's class in CueScanner.prefixes: letters 1-26, digits and "_"
    # 27, space 28, "-" 29, "'" 30, '"' 31, anything else 0
    if 97 <= c <= 122:
        return c - 96
    if (48 <= c <= 57) or c == 95:
        return 27
    if c == 32:
        return 28
    if c == 45:
        return 29
    if c == 39:
        return 30
    if c == 34:
        return 31
    return 0


cdef inline bint _at_boundary(_CueText *t, Py_ssize_t i) noexcept nogil:
    cdef bint before = i > 0 and _re2_word(PyUnicode_READ(t.kind, t.data, i - 1))
    cdef bint after = i < t.length and _re2_word(PyUnicode_READ(t.kind, t.data, i))
    return before != after


def _prefix_triples(tuple path):
    """The classes (``_prefix_class``) the first three characters of a match of ``path``
    can have: its characters', a word run's any word character, and past its end any."""
    out = set()
    any_class = range(32)
    word = range(1, 28)

    def go(Py_ssize_t at, tuple got):
        if len(got) == 3:
            out.add(got)
            return
        if at == len(path):
            for c in any_class:
                go(at, got + (c,))
            return
        token = path[at]
        if token == "\\b":
            go(at + 1, got)
        elif token == "\\w*":
            go(at + 1, got)
            for c in word:
                go(at, got + (c,))
        else:
            go(at + 1, got + (_prefix_class(ord(token)),))

    go(0, ())
    return out


cdef class CueScanner:
    """Every cue of a set in one left-to-right pass, as RE2 finds each alone: its
    leftmost match, then the next from where that one ended (``cue_program``).  The
    cues' first segments share one trie, walked once where any of them can start."""

    cdef _CueNode *nodes
    cdef _CueEdge *edges
    cdef _CueEnd *ends
    cdef _CueItem *items
    cdef int32_t *dense
    cdef int32_t start  # where a walk from a boundary starts: the root's only edge is \b
    cdef int32_t *branch_items  # a branch's items after its first segment: from, and
    cdef int32_t *cue_branches  # (next entry) to; a cue's branches likewise
    cdef int32_t *branch_cue
    cdef uint32_t bound256[256]  # by Latin-1 character (folded): the cues with a path
    cdef uint32_t free256[256]  # "\b c..." starting with it, and with a path "c..."
    cdef uint32_t word256[256]  # 1 for RE2's word characters
    cdef uint64_t prefixes[_PREFIX_WORDS]  # the classes of the first three characters a
    # match can have (bits by _prefix_class; a match shorter than three, any after it)
    cdef readonly int32_t n_cues

    def __cinit__(self, list program):
        """``program``: for each cue, its branches; a branch is a list of segments (lists
        of paths: tuples of one-character strings, ``"\\b"`` and ``"\\w*"``) and gaps
        (``(excluded, lo, hi, lazy)``), in turn."""
        cdef Py_ssize_t k
        if not 0 < len(program) <= _MAX_CUES:
            raise ValueError(f"1 to {_MAX_CUES} cues, not {len(program)}")
        nodes: list = [[[], {}]]  # [ends, {token: child}]; node 0 is the first segments'
        items: list = []
        branch_items: list = []
        branch_cue: list = []
        cue_branches: list = []
        bound = [0] * 128
        free_ = [0] * 128

        def add(root, path, end):
            node = root
            for token in path:
                code = (
                    _TOKEN_BOUNDARY if token == "\\b"
                    else _TOKEN_WORD_RUN if token == "\\w*"
                    else ord(token)
                )
                if code >= 128 or (code >= 0 and token != token.lower()):
                    raise ValueError(f"token {token!r}")
                child = nodes[node][1].get(code)
                if child is None:
                    child = nodes[node][1][code] = len(nodes)
                    nodes.append([[], {}])
                node = child
            nodes[node][0].append(end)

        for cue, branches in enumerate(program):
            cue_branches.append(len(branch_items))
            for branch in branches:
                if len(branch) % 2 == 0:
                    raise ValueError("a branch ends with a gap")
                number = len(branch_items)
                branch_items.append(len(items))
                branch_cue.append(cue)
                for priority, path in enumerate(branch[0]):
                    first = [t for t in path if t != "\\b"]
                    if not first or len(first[0]) != 1:
                        raise ValueError(f"path {path!r} starts with no character")
                    add(0, path, (number, priority))  # checks the tokens first
                    mask = bound if path[0] == "\\b" else free_
                    mask[ord(first[0])] |= 1 << cue  # the text's is folded
                for n, part in enumerate(branch[1:]):
                    if n % 2 == 0:
                        excluded, lo, hi, lazy = part
                        if not 0 <= lo <= hi or any(ord(c) >= 128 for c in excluded):
                            raise ValueError(f"gap {part!r}")
                        items.append((-1, lo, hi, lazy, excluded))
                        continue
                    root = len(nodes)
                    nodes.append([[], {}])
                    for priority, path in enumerate(part):
                        add(root, path, (number, priority))
                    items.append((root, 0, 0, False, ""))
        branch_items.append(len(items))
        cue_branches.append(len(branch_cue))
        self.n_cues = len(program)
        n_edges = sum(len(node[1]) for node in nodes)
        n_ends = sum(len(node[0]) for node in nodes)
        self.nodes = <_CueNode *> malloc(len(nodes) * sizeof(_CueNode))
        self.edges = <_CueEdge *> malloc(max(n_edges, 1) * sizeof(_CueEdge))
        self.ends = <_CueEnd *> malloc(max(n_ends, 1) * sizeof(_CueEnd))
        self.items = <_CueItem *> malloc(max(len(items), 1) * sizeof(_CueItem))
        self.branch_items = <int32_t *> malloc(len(branch_items) * sizeof(int32_t))
        self.branch_cue = <int32_t *> malloc(max(len(branch_cue), 1) * sizeof(int32_t))
        self.cue_branches = <int32_t *> malloc(len(cue_branches) * sizeof(int32_t))
        rows = [k for k, node in enumerate(nodes) if sum(t >= 0 for t in node[1]) >= _DENSE_EDGES]
        self.dense = <int32_t *> calloc(max(len(rows), 1) * 128, sizeof(int32_t))
        if (self.nodes == NULL or self.edges == NULL or self.ends == NULL
                or self.items == NULL or self.branch_items == NULL or self.dense == NULL
                or self.branch_cue == NULL or self.cue_branches == NULL):
            raise MemoryError()
        e = 0
        d = 0
        for k, (node_ends, children) in enumerate(nodes):
            self.nodes[k].first_edge = e
            self.nodes[k].n_edges = len(children)
            self.nodes[k].n_special = sum(1 for t in children if t < 0)
            self.nodes[k].dense = -1
            for token, child in sorted(children.items()):  # boundaries and runs first
                self.edges[e].token = token
                self.edges[e].child = child
                e += 1
            self.nodes[k].first_end = d
            self.nodes[k].n_ends = len(node_ends)
            for number, priority in node_ends:
                self.ends[d].branch = number
                self.ends[d].path = priority
                d += 1
        for row, k in enumerate(rows):
            self.nodes[k].dense = row
            for token, child in nodes[k][1].items():
                if token >= 0:
                    self.dense[row * 128 + token] = child  # 0, the root, is no child
        root_edges = nodes[0][1]
        self.start = (
            root_edges[_TOKEN_BOUNDARY]
            if list(root_edges) == [_TOKEN_BOUNDARY] and not nodes[0][0]
            else 0
        )
        for k, (root, lo, hi, lazy, excluded) in enumerate(items):
            self.items[k].root = root
            self.items[k].lo = lo
            self.items[k].hi = hi
            self.items[k].lazy = lazy
            self.items[k].excluded_lo = 0
            self.items[k].excluded_hi = 0
            for c in excluded:
                if ord(c) < 64:
                    self.items[k].excluded_lo |= (<uint64_t> 1) << ord(c)
                else:
                    self.items[k].excluded_hi |= (<uint64_t> 1) << (ord(c) - 64)
        for k, v in enumerate(branch_items):
            self.branch_items[k] = v
        for k, v in enumerate(branch_cue):
            self.branch_cue[k] = v
        for k, v in enumerate(cue_branches):
            self.cue_branches[k] = v
        for k in range(_PREFIX_WORDS):
            self.prefixes[k] = 0
        for cue_branches_ in program:
            for branch in cue_branches_:
                for path in branch[0]:
                    for triple in _prefix_triples(path):
                        k = (triple[0] << 10) | (triple[1] << 5) | triple[2]
                        self.prefixes[k >> 6] |= (<uint64_t> 1) << (k & 63)
        for k in range(256):
            folded = _re2_fold(k)
            self.bound256[k] = bound[folded] if folded < 128 else 0
            self.free256[k] = free_[folded] if folded < 128 else 0
            self.word256[k] = _re2_word(k)

    def __dealloc__(self):
        free(self.nodes)
        free(self.edges)
        free(self.ends)
        free(self.items)
        free(self.dense)
        free(self.branch_items)
        free(self.branch_cue)
        free(self.cue_branches)

    cdef int _walk(
        self, _CueText *t, int32_t node, Py_ssize_t i, uint32_t cues
    ) except -1 nogil:
        """Push every path of the trie below ``node`` that matches from ``i`` (of the
        cues in ``cues``, in the first segments' trie).  Characters are followed in a
        loop; boundaries and runs, which branch, by recursion."""
        cdef const _CueNode *nd
        cdef const _CueEdge *edges
        cdef const _CueEnd *end
        cdef int32_t k, lo, hi, mid
        cdef Py_ssize_t j, run_end
        cdef uint32_t c
        while True:
            nd = &self.nodes[node]
            edges = &self.edges[nd.first_edge]
            for k in range(nd.first_end, nd.first_end + nd.n_ends):
                end = &self.ends[k]
                if (cues >> self.branch_cue[end.branch]) & 1:
                    _cue_append(&t.found, &t.n_found, &t.size_found, end.branch, end.path, i, i)
            for lo in range(nd.n_special):
                if edges[lo].token == _TOKEN_BOUNDARY:
                    if _at_boundary(t, i):
                        self._walk(t, edges[lo].child, i, cues)
                else:  # a run of word characters, the longest first; a \b follows
                    run_end = i
                    while run_end < t.end:
                        c = PyUnicode_READ(t.kind, t.data, run_end)
                        if not (_re2_word(c) or c == 0x17F or c == 0x212A):  # \w folds them
                            break
                        run_end += 1
                    j = run_end
                    while j >= i:
                        if _at_boundary(t, j):
                            self._walk(t, edges[lo].child, j, cues)
                        j -= 1
            lo = nd.n_special
            if lo == nd.n_edges or i >= t.end:
                return 0
            c = _re2_fold(PyUnicode_READ(t.kind, t.data, i))
            if nd.dense >= 0:
                if c >= 128:
                    return 0
                node = self.dense[nd.dense * 128 + c]
                if node == 0:
                    return 0
                i += 1
                continue
            hi = nd.n_edges
            while lo < hi:  # the character's edge, by bisection
                mid = (lo + hi) >> 1
                if <uint32_t> edges[mid].token < c:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == nd.n_edges or <uint32_t> edges[lo].token != c:
                return 0
            node = edges[lo].child
            i += 1

    cdef void _in_order(self, _CueText *t, Py_ssize_t base, Py_ssize_t top) noexcept nogil:
        # by branch, then path: the pattern's order (stable, so a run's longest end first)
        cdef Py_ssize_t k, m
        cdef _CueFound x
        for k in range(base + 1, top):
            x = t.found[k]
            m = k
            while m > base and (
                t.found[m - 1].branch > x.branch
                or (t.found[m - 1].branch == x.branch and t.found[m - 1].path > x.path)
            ):
                t.found[m] = t.found[m - 1]
                m -= 1
            t.found[m] = x

    cdef Py_ssize_t _items(
        self, _CueText *t, int32_t item, int32_t last, Py_ssize_t i
    ) except -2 nogil:
        """Where the items ``item`` up to ``last`` match from ``i``, trying their
        choices in the pattern's order, or -1."""
        cdef const _CueItem *it
        cdef Py_ssize_t base, top, k, got, limit, g, lo, hi
        cdef uint32_t c
        if item == last:
            return i
        it = &self.items[item]
        if it.root >= 0:
            base = t.n_found
            self._walk(t, it.root, i, 0xFFFFFFFF)
            top = t.n_found
            self._in_order(t, base, top)
            got = -1
            for k in range(base, top):
                got = self._items(t, item + 1, last, t.found[k].end)
                if got >= 0:
                    break
            t.n_found = base
            return got
        limit = i
        hi = i + it.hi if i + it.hi < t.end else t.end
        while limit < hi:
            c = PyUnicode_READ(t.kind, t.data, limit)
            if c < 64 and (it.excluded_lo >> c) & 1:
                break
            if 64 <= c < 128 and (it.excluded_hi >> (c - 64)) & 1:
                break
            limit += 1
        lo = i + it.lo
        if limit < lo:
            return -1
        if it.lazy:
            g = lo
            while g <= limit:
                got = self._items(t, item + 1, last, g)
                if got >= 0:
                    return got
                g += 1
        else:
            g = limit
            while g >= lo:
                got = self._items(t, item + 1, last, g)
                if got >= 0:
                    return got
                g -= 1
        return -1

    cdef inline bint _may_start(self, _CueText *t, Py_ssize_t i) noexcept nogil:
        # whether a match can start with text[i:i + 3] (needs i + 3 <= t.end)
        cdef uint32_t k = (
            (_prefix_class(_re2_fold(PyUnicode_READ(t.kind, t.data, i))) << 10)
            | (_prefix_class(_re2_fold(PyUnicode_READ(t.kind, t.data, i + 1))) << 5)
            | _prefix_class(_re2_fold(PyUnicode_READ(t.kind, t.data, i + 2)))
        )
        return (self.prefixes[k >> 6] >> (k & 63)) & 1

    cdef int _start(
        self, _CueText *t, Py_ssize_t i, uint32_t mask, Py_ssize_t *next_at
    ) except -1 nogil:
        """The matches of the cues in ``mask`` that start at ``i``, if their last match
        ended by there: each cue's first branch and path (in order) with which the rest
        of its pattern matches."""
        cdef uint32_t open_ = 0
        cdef int cue
        cdef int32_t b
        cdef Py_ssize_t k, top, got
        while mask:
            cue = __builtin_ctz(mask)
            mask &= mask - 1
            if next_at[cue] <= i:
                open_ |= (<uint32_t> 1) << cue
        if not open_:
            return 0
        # (mask holds a cue here only at a boundary when every path starts with one)
        self._walk(t, self.start, i, open_)
        top = t.n_found
        self._in_order(t, 0, top)
        k = 0
        while k < top:  # cue by cue (branches are numbered cue by cue)
            cue = self.branch_cue[t.found[k].branch]
            got = -1
            while k < top and self.branch_cue[t.found[k].branch] == cue:
                if got < 0:
                    b = t.found[k].branch
                    got = self._items(
                        t, self.branch_items[b], self.branch_items[b + 1], t.found[k].end
                    )
                k += 1
            if got > i:
                _cue_append(&t.hits, &t.n_hits, &t.size_hits, cue, 0, i, got)
                next_at[cue] = got
        t.n_found = 0
        return 0

    def find(self, str text, Py_ssize_t start, Py_ssize_t end, uint32_t cues):
        """For each cue (those not in the bit mask ``cues`` are skipped: empty lists),
        ``(starts, ends)`` of its matches in ``text[start:end]`` as character offsets,
        in order, the text around the range as context (for ``\\b``), as RE2 finds
        them one after the other."""
        cdef _CueText t
        cdef Py_ssize_t k
        if start < 0 or end < start or end > len(text):
            raise ValueError(f"range [{start}, {end}) is outside the {len(text)} characters")
        t.kind = PyUnicode_KIND(text)
        t.data = PyUnicode_DATA(text)
        t.length = len(text)
        t.end = end
        t.n_found = t.n_hits = 0
        t.size_found = t.size_hits = 64
        t.found = <_CueFound *> malloc(t.size_found * sizeof(_CueFound))
        t.hits = <_CueFound *> malloc(t.size_hits * sizeof(_CueFound))
        try:
            if t.found == NULL or t.hits == NULL:
                raise MemoryError()
            if self.n_cues < 32:
                cues &= ((<uint32_t> 1) << self.n_cues) - 1
            if end - start >= _RELEASE_GIL_BYTES:  # let other threads run meanwhile
                with nogil:
                    self._scan(&t, start, end, cues)
            else:
                self._scan(&t, start, end, cues)
            out = [([], []) for _ in range(self.n_cues)]
            for k in range(t.n_hits):
                (<list> (<tuple> out[t.hits[k].branch])[0]).append(t.hits[k].start)
                (<list> (<tuple> out[t.hits[k].branch])[1]).append(t.hits[k].end)
        finally:
            free(t.found)
            free(t.hits)
        return out

    cdef int _scan(
        self, _CueText *t, Py_ssize_t start, Py_ssize_t end, uint32_t cues
    ) except -1 nogil:
        cdef Py_ssize_t i
        cdef Py_ssize_t next_at[_MAX_CUES]
        cdef uint32_t c, mask, here, before
        cdef int cue
        cdef bint word_before, word_here
        cdef const unsigned char *latin
        for cue in range(self.n_cues):
            next_at[cue] = start
        word_before = start > 0 and _re2_word(PyUnicode_READ(t.kind, t.data, start - 1))
        if t.kind == PyUnicode_1BYTE_KIND:
            # one byte a character: each position's cues from two tables, no branch but
            # where a cue can start
            latin = <const unsigned char *> t.data
            before = word_before
            for i in range(start, end):
                c = latin[i]
                here = self.word256[c]
                mask = (self.free256[c] | (self.bound256[c] & (0 - (here ^ before)))) & cues
                before = here
                if mask and (i + 2 >= end or self._may_start(t, i)):
                    self._start(t, i, mask, next_at)
            return 0
        for i in range(start, end):
            c = PyUnicode_READ(t.kind, t.data, i)
            word_here = _re2_word(c)
            c = _re2_fold(c)
            if c < 128:
                mask = self.free256[c]
                if word_before != word_here:
                    mask |= self.bound256[c]
                mask &= cues
                if mask and (i + 2 >= end or self._may_start(t, i)):
                    self._start(t, i, mask, next_at)
            word_before = word_here
        return 0

