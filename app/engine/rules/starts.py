"""Where a pattern's matches can start: the byte prefixes every match begins with.

The rules' patterns ran over every block their RE2 set flagged, unanchored: RE2 found
each match's end with its forward automaton and its start with a reverse one.  Those
automata, and the set's, are built lazily for the text they read and are tens of
megabytes: on text never seen they are most of a check (issue 7), and in a warm
engine each state costs a read from memory.  Instead, a filter in the C extension
(``_native.StartFilter``) lists the positions where a pattern can start a match, and
RE2 is asked, anchored there, for the match that starts there: the same matches,
with only the small anchored automata behind them.

A *prefix* is what every match starting at a position must look like: a boundary
condition before it (``\\b``, ``\\B`` or none) and a few bytes, each from a set.  A
pattern's prefixes are computed from its parse (Python's ``re._parser``, whose syntax
RE2's agrees with for the rules' patterns) and over-approximate: every match begins
with one of them, though not every position that does holds a match.  They stop
(*close*) wherever the pattern is not read exactly: a repeat longer than a few times,
a class that can match a character of several bytes (a negated class, ``.``), a
character outside ASCII (RE2 folds its case by its own tables), any construct this
module does not know.  A pattern whose match could start anywhere (a prefix of no
bytes) has no prefixes (:func:`start_prefixes` gives ``None``), and then the rules
are read with the RE2 set as before (the filter covers all patterns or none).

The text must not hold the two characters RE2's case folding maps to ASCII letters
(U+017F, the long s, and U+212A, the Kelvin sign): a case-insensitive ``s`` or ``k``
matches them too, which a byte prefix cannot say.  ``RuleSet.find_many`` runs the old
way over a text that holds either (:data:`FOLDED_TO_ASCII`).
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from typing import Any

FOLDED_TO_ASCII = ("\u017f", "\u212a")
WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
LONGEST = 8  # bytes a prefix holds at most (the filter reads DEPTH + REST)
MOST = 20_000  # trie nodes a pattern's prefixes may have; past this, shorter ones
NO_BOUNDARY, BOUNDARY, NOT_BOUNDARY = 0, 1, 2

_ALL = (1 << 256) - 1
_HIGH = _ALL ^ ((1 << 128) - 1)  # the bytes of characters outside ASCII
_NEWLINE = 1 << 10


def _mask(values: Any) -> int:
    out = 0
    for v in values:
        out |= 1 << v
    return out


_WORD = _mask(WORD_BYTES)
_DIGIT = _mask(b"0123456789")
_SPACE = _mask(b" \t\n\r\f\v")
_CATEGORIES = {
    sre.CATEGORY_DIGIT: _DIGIT,
    sre.CATEGORY_WORD: _WORD,
    sre.CATEGORY_SPACE: _SPACE,
}

# a prefix: (boundary, (mask, mask, ...)); a mask is an int whose bit b says byte b
Prefix = tuple[int, tuple[int, ...]]


class _TooMany(Exception):
    pass


class _Node:
    """A node of a pattern's prefix trie: its children by byte mask, and whether a
    prefix ends here (then whatever follows it is not asked)."""

    __slots__ = ("children", "closed", "depth")

    def __init__(self, depth: int) -> None:
        self.children: dict[int, _Node] = {}
        self.closed = False
        self.depth = depth


Roots = tuple[_Node, _Node, _Node]  # a pattern's prefix trie, by the condition at its start


def start_prefixes(source: bytes) -> list[Prefix] | None:
    """The prefixes every match of the RE2 pattern ``source`` (case-insensitive, over
    UTF-8) starts with; ``None`` if some match could start anywhere."""
    roots = start_trie(source)
    return None if roots is None else _prefixes(roots)


def start_trie(source: bytes) -> Roots | None:
    """:func:`start_prefixes` as a trie: a root for each condition at the start
    (``NO_BOUNDARY``, ``BOUNDARY``, ``NOT_BOUNDARY``), an edge for each byte set, a
    prefix ending at each closed node; ``None`` if some match could start anywhere."""
    if b"{," in source:
        return None  # RE2 reads "{,n}" as characters, Python as a repeat
    try:
        tree = list(sre_parse.parse(source.replace(b"(?m)", b"")))
    except re.error:
        return None
    for longest in (LONGEST, 8, 6, 4, 2):
        walk = _Walk(longest)
        try:
            for node in walk.sequence(tree, [walk.roots[NO_BOUNDARY]]):
                node.closed = True  # the pattern ends: a prefix ends here
        except _TooMany:
            continue
        if any(root.closed for root in walk.roots):
            return None  # a match may start with anything
        return walk.roots
    return None


def _prefixes(roots: Roots) -> list[Prefix]:
    out: list[Prefix] = []
    for boundary, root in enumerate(roots):
        stack: list[tuple[_Node, tuple[int, ...]]] = [(root, ())]
        while stack:
            node, masks = stack.pop()
            if node.closed:
                out.append((boundary, masks))
                continue
            for mask, child in node.children.items():
                stack.append((child, (*masks, mask)))
    return out


class _Walk:
    """The pattern read node by node over a trie of prefixes: the *frontier* is the
    trie nodes a match may have reached so far and still be read further."""

    def __init__(self, longest: int) -> None:
        self.longest = longest
        self.nodes = 0
        # by the boundary condition at the start: none, \b, \B
        self.roots = (_Node(0), _Node(0), _Node(0))

    def sequence(self, items: list[Any], frontier: list[_Node]) -> list[_Node]:
        i = 0
        while i < len(items):
            frontier = [n for n in frontier if not n.closed]
            if not frontier:
                break
            op, av = items[i]
            if op is sre.LITERAL and av < 128:
                # a run of ASCII characters (a word, most of a pattern) in one go
                run = []
                while i < len(items) and items[i][0] is sre.LITERAL and items[i][1] < 128:
                    run.append(_folded(1 << items[i][1]))
                    i += 1
                frontier = self.run(frontier, run)
                continue
            frontier = list({id(n): n for n in self.node(op, av, frontier)}.values())
            i += 1
        return frontier

    def run(self, frontier: list[_Node], masks: list[int]) -> list[_Node]:
        """``byte`` for each mask in turn, from each node of the frontier."""
        out: dict[int, _Node] = {}
        longest = self.longest
        for node in frontier:
            for mask in masks:
                children = node.children
                child = children.get(mask)
                if child is None:
                    child = children[mask] = _Node(node.depth + 1)
                    self.nodes += 1
                    if self.nodes > MOST:
                        raise _TooMany
                if child.depth >= longest:
                    child.closed = True
                node = child
                if child.closed:
                    break
            else:
                out[id(node)] = node
                continue
            out[id(node)] = node
        return list(out.values())

    def byte(self, frontier: list[_Node], mask: int, close: bool = False) -> list[_Node]:
        out = []
        for node in frontier:
            child = node.children.get(mask)
            if child is None:
                child = node.children[mask] = _Node(node.depth + 1)
                self.nodes += 1
                if self.nodes > MOST:
                    raise _TooMany
            if close or child.depth >= self.longest:
                child.closed = True
            out.append(child)
        return out

    def close(self, frontier: list[_Node]) -> list[_Node]:
        for node in frontier:
            node.closed = True
        return []

    def node(self, op: Any, av: Any, frontier: list[_Node]) -> list[_Node]:
        if op is sre.LITERAL:
            if av >= 128:  # a character of several bytes, which RE2 folds by its tables
                return self.byte(frontier, _HIGH, close=True)
            return self.byte(frontier, _folded(1 << av))
        if op is sre.NOT_LITERAL or op is sre.ANY:
            # may match a character of several bytes: what follows is not aligned
            mask = _ALL if op is sre.NOT_LITERAL else _ALL & ~_NEWLINE
            return self.byte(frontier, mask, close=True)
        if op is sre.IN:
            mask, exact = _class(av)
            return self.byte(frontier, mask, close=not exact)
        if op is sre.AT:
            if av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY) and frontier == [self.roots[0]]:
                # at the very start the condition is checked before the prefix
                return [self.roots[BOUNDARY if av is sre.AT_BOUNDARY else NOT_BOUNDARY]]
            return frontier  # a zero-width assertion elsewhere: skipped
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return self.close(frontier)
            return self.sequence(list(sub), frontier)
        if op is sre.BRANCH:
            out: list[_Node] = []
            for alternative in av[1]:
                out += self.sequence(list(alternative), frontier)
            return out
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            lo, hi, sub = av
            sub = list(sub)
            out = []
            last = lo + 2 if hi is sre.MAXREPEAT else min(hi, lo + 2)
            reached = frontier
            for n in range(last + 1):
                if n >= lo:
                    out += reached
                if n == last:
                    break
                reached = self.sequence(sub, [r for r in reached if not r.closed])
            if hi is sre.MAXREPEAT or last < hi:
                # more repeats may follow: what is reached after the last one is not
                # known further
                self.close(reached)
            return out
        return self.close(frontier)  # not read exactly: the prefixes stop here


def _folded(mask: int) -> int:
    """``mask`` with both cases of its ASCII letters (RE2 matches case-insensitively)."""
    lower = (mask >> 65 & 0x3FFFFFF) << 97
    upper = (mask >> 97 & 0x3FFFFFF) << 65
    return mask | lower | upper


def _class(items: Any) -> tuple[int, bool]:
    """A class as a mask of bytes, and whether it matches single bytes only (else the
    mask holds the first bytes of its longer characters, and the prefix stops)."""
    mask = 0
    exact = True
    negate = False
    for kind, value in items:
        if kind is sre.NEGATE:
            negate = True
        elif kind is sre.LITERAL:
            if value >= 128:
                mask |= _HIGH
                exact = False
            else:
                mask |= 1 << value
        elif kind is sre.RANGE:
            lo, hi = value
            if hi >= 128:
                mask |= _HIGH
                exact = False
                hi = 127
            for v in range(lo, hi + 1):
                mask |= 1 << v
        elif kind is sre.CATEGORY and value in _CATEGORIES:
            mask |= _CATEGORIES[value]
        else:  # a negated category (\W, \S, \D) and anything else: any byte
            return _ALL, False
    if negate:
        return _ALL, False
    return _folded(mask), exact


# -- the filter's tables -----------------------------------------------------------------

EXPAND_FIRST = 16  # a prefix's first byte set is a trie edge per class, up to this many
EXPAND = 3  # later sets too, up to this many classes; from a larger one on, the rest is checked
REST = 2  # byte sets checked after a prefix's trie path, at most (the rest is dropped)
DEPTH = 6  # a prefix's trie path is this many bytes at most
WORD_STARTS, ANYWHERE = 0, 1  # the two tries: walked at word starts only, and everywhere


def byte_classes(masks: list[int]) -> list[int]:
    """Each byte's class: bytes in the same masks share one (as RE2's byte map), so a
    trie's edge is a class (both cases of a letter, all of white space...)."""
    signature: dict[int, list[int]] = {}
    for b in range(256):
        key = 0
        for k, m in enumerate(masks):
            if m >> b & 1:
                key |= 1 << k
        signature.setdefault(key, []).append(b)
    klass = [0] * 256
    for k, group in enumerate(sorted(signature.values())):
        for b in group:
            klass[b] = k
    return klass


def filter_tables(
    patterns: list[Roots | None],
) -> tuple[
    list[tuple[list[dict[int, int]], list[list[tuple[int, int, int]]]]],
    list[int],
    list[int],
    list[int],
    list[int],
]:
    """What ``_native.StartFilter`` is built from, for each pattern's prefix trie
    (:func:`start_trie`; ``None``: the pattern has no filter).

    - two tries (``WORD_STARTS``, for prefixes after ``\\b`` that begin with a word
      character, walked at the start of each word; ``ANYWHERE``, walked everywhere),
      each ``(children, entries)`` by node, node 0 the root: ``children[n]`` maps a
      byte's class to a node, ``entries[n]`` lists the prefixes whose first bytes lead
      to node ``n`` as ``(pattern, boundary, rest)``;
    - the rests: the byte sets a prefix has after those (up to ``REST`` of them), each
      ``rest`` an index into this list of numbers (how many, then each one's mask);
    - the distinct masks;
    - the patterns without a filter;
    - each byte's class (:func:`byte_classes`), what the tries' edges are."""
    # the classes tell apart the bytes of the sets a trie path may hold (those after it
    # are checked as masks, byte by byte)
    masks_used: set[int] = set()
    for roots in patterns:
        for root in roots or ():
            todo = [root]
            while todo:
                seen = todo.pop()
                masks_used.update(seen.children)
                if seen.depth + 1 < DEPTH:
                    todo.extend(seen.children.values())
    klass = byte_classes(sorted(masks_used))
    classes_of = {m: sorted({klass[b] for b in range(256) if m >> b & 1}) for m in masks_used}
    tries: list[tuple[list[dict[int, int]], list[set[tuple[int, int, int]]]]] = [
        ([{}], [set()]),
        ([{}], [set()]),
    ]
    mask_ids: dict[int, int] = {}
    rests: dict[tuple[int, ...], int] = {}
    rest_list: list[int] = []
    unfiltered = []

    def rest_of(masks: tuple[int, ...]) -> int:
        key = tuple(mask_ids.setdefault(m, len(mask_ids)) for m in masks)
        at = rests.get(key)
        if at is None:
            at = rests[key] = len(rest_list)
            rest_list.append(len(key))
            rest_list.extend(key)
        return at

    def rests_below(node: _Node) -> list[tuple[int, ...]]:
        """The byte sets of each prefix through ``node``, up to REST of them."""
        out = []
        stack: list[tuple[_Node, tuple[int, ...]]] = [(node, ())]
        while stack:
            at, masks = stack.pop()
            if at.closed or len(masks) == REST:
                out.append(masks)
                continue
            for mask, child in at.children.items():
                stack.append((child, (*masks, mask)))
        return list(dict.fromkeys(out))

    for k, roots in enumerate(patterns):
        if roots is None:
            unfiltered.append(k)
            continue
        for boundary, root in enumerate(roots):
            for first_mask, first in root.children.items():
                at_word = boundary == BOUNDARY and first_mask & ~_WORD == 0
                children, entries = tries[WORD_STARTS if at_word else ANYWHERE]
                # (prefix trie node, the filter trie's nodes reached by the bytes so far);
                # the first edge is walked from the root like any other
                stack: list[tuple[_Node, int, list[int]]] = [(root, 0, [0])]
                first_edge = True
                while stack:
                    node, depth, ends = stack.pop()
                    items = [(first_mask, first)] if first_edge else list(node.children.items())
                    first_edge = False
                    if node.closed:
                        for end in ends:
                            entries[end].add((k, boundary, rest_of(())))
                        continue
                    for mask, child in items:
                        classes = classes_of[mask] if depth < DEPTH else []
                        if depth >= DEPTH or len(classes) > (
                            EXPAND_FIRST if depth == 0 else EXPAND
                        ):
                            # the filter trie stops here: the rest is checked byte by byte
                            for rest in (((mask, *r)[:REST]) for r in rests_below(child)):
                                at = rest_of(rest)
                                for end in ends:
                                    entries[end].add((k, boundary, at))
                            continue
                        reached = []
                        for end in ends:
                            row = children[end]
                            for c in classes:
                                nxt = row.get(c)
                                if nxt is None:
                                    nxt = row[c] = len(children)
                                    children.append({})
                                    entries.append(set())
                                reached.append(nxt)
                        stack.append((child, depth + 1, sorted(set(reached))))
    out = [(children, [list(e) for e in entries]) for children, entries in tries]
    return out, rest_list, list(mask_ids), unfiltered, klass
