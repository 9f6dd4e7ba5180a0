"""The context cues' RE2 patterns as programs of tries, for one scan in C (issue 7).

Each cue (``data/context.yml``) is a word list with a few optional words, suffixes
(``\\w*``) and at most a gap of a bounded number of characters (attribution's
``[^.;]{0,60}?``).  RE2 read a page once for each of them, ~280 us a page of the
benchmark's corpus; ``_native.CueScanner`` finds them all in one pass over the text,
walking tries from the characters a cue can start with.  To give RE2's answers, the
program keeps RE2's leftmost-first choice: the leftmost start, and there the first
alternative (in the pattern's order, a greedy repeat trying more first) with which the
rest of the pattern matches, as a backtracking matcher tries them.

A program is the pattern as *branches* tried in order; a branch is *segments* (every
path of a finite part of the pattern, in that order, as a trie) with *gaps* between
them.  A path is a tuple of tokens: a lower-case character, :data:`BOUNDARY` (``\\b``,
ASCII word characters as in RE2) or :data:`WORD_RUN` (``\\w*``, greedy).  A pattern
outside that shape raises :class:`Unsupported`, and its cue stays with RE2; the tests
compare the scanner's spans with RE2's over the corpus, the training sentences and
generated text.

The parse is Python's own (``re._parser``), whose syntax RE2's agrees with for these
patterns; what it cannot read, or reads as something else, is :class:`Unsupported`.
"""

from __future__ import annotations

import itertools
import re
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

BOUNDARY = "\\b"
WORD_RUN = "\\w*"
MAX_PATHS = 20_000  # paths of one finite part: beyond this, leave the cue to RE2

Path = tuple[str, ...]


class Unsupported(ValueError):
    """A pattern the scanner cannot run exactly as RE2 does."""


@dataclass(frozen=True)
class Gap:
    """``[^chars]{lo,hi}`` (lazy: ``{lo,hi}?``); ``chars`` are ASCII and not letters."""

    excluded: str
    lo: int
    hi: int
    lazy: bool


Segment = list[Path]
Branch = list[Any]  # Segment, Gap, Segment, Gap, ... Segment


def compile_cue(source: str) -> list[Branch]:
    """The branches of an RE2 pattern (matched case-insensitively), or :class:`Unsupported`."""
    branches = _branches(source)
    check_runs(branches)
    first_characters(branches)
    for branch in branches:
        for part in branch:
            text = part.excluded if isinstance(part, Gap) else "".join(t for p in part for t in p)
            if "?" in text:
                # a lone surrogate is "?" in the UTF-8 RE2 reads, and itself in the str
                raise Unsupported("a question mark")
    return branches


def native_program(branches: list[Branch]) -> list[list[Any]]:
    """The branches as ``_native.CueScanner`` takes them (a gap as a tuple)."""
    return [
        [(p.excluded, p.lo, p.hi, p.lazy) if isinstance(p, Gap) else p for p in branch]
        for branch in branches
    ]


def _branches(source: str) -> list[Branch]:
    try:
        tree = list(sre_parse.parse(source))
    except re.error as exc:
        raise Unsupported(f"not parsed: {exc}") from None
    if _finite(tree):
        return [[_paths(tree)]]
    # a sequence of finite parts and gaps, or one alternation some of whose branches
    # hold a gap (each of those a branch of its own, in its place)
    gap_at = [i for i, (op, av) in enumerate(tree) if not _finite([(op, av)])]
    if all(_gap(op, av) is not None for op, av in (tree[i] for i in gap_at)):
        return [_chain(tree)]
    if len(gap_at) != 1:
        raise Unsupported("a gap inside more than one part")
    at = gap_at[0]
    op, av = tree[at]
    inner = list(av[3]) if op is sre.SUBPATTERN and not (av[1] or av[2]) else [(op, av)]
    if len(inner) != 1 or inner[0][0] is not sre.BRANCH:
        raise Unsupported("a gap inside a part that is not an alternation")
    before, after = tree[:at], tree[at + 1 :]
    if len(_paths(before)) != 1:
        # splitting the alternation into branches keeps the order only when what comes
        # before it has one path
        raise Unsupported("alternatives before an alternation with a gap")
    branches: list[Branch] = []
    finite_run: list[Any] = []
    for alternative in inner[0][1][1]:
        alternative = list(alternative)
        if _finite(alternative):
            finite_run.append(alternative)
            continue
        if finite_run:
            branches.append([_paths([*before, _alternation(finite_run), *after])])
            finite_run = []
        branches.append(_chain(before + alternative + after))
    if finite_run:
        branches.append([_paths([*before, _alternation(finite_run), *after])])
    return branches


def check_runs(branches: list[Branch]) -> None:
    """:class:`Unsupported` unless every ``\\w*`` is followed by ``\\b`` in its path:
    the scanner then tries only the ends where a boundary holds."""
    for branch in branches:
        for part in branch:
            if isinstance(part, Gap):
                continue
            for path in part:
                for i, token in enumerate(path):
                    if token == WORD_RUN and (i + 1 == len(path) or path[i + 1] != BOUNDARY):
                        raise Unsupported("a word run not followed by a boundary")


def first_characters(branches: list[Branch]) -> set[str]:
    """The characters a match can start with (its first segment's paths, after any
    boundaries); :class:`Unsupported` when a path starts with anything else."""
    firsts = set()
    for branch in branches:
        for path in branch[0]:
            tokens = [t for t in path if t != BOUNDARY]
            if not tokens or tokens[0] == WORD_RUN:
                raise Unsupported("a path that does not start with a character")
            firsts.add(tokens[0])
    return firsts


def _alternation(alternatives: list[Any]) -> tuple[Any, Any]:
    return (sre.SUBPATTERN, (None, 0, 0, [(sre.BRANCH, (None, alternatives))]))


def _chain(items: list[Any]) -> Branch:
    """Finite parts and gaps in turn: consecutive finite items are one segment."""
    branch: Branch = []
    run: list[Any] = []
    for op, av in items:
        gap = None if _finite([(op, av)]) else _gap(op, av)
        if gap is None:
            if not _finite([(op, av)]):
                raise Unsupported(f"{op} is neither finite nor a gap")
            run.append((op, av))
            continue
        if not run:
            raise Unsupported("a gap with no segment before it")
        branch += [_paths(run), gap]
        run = []
    if not run:
        raise Unsupported("a gap with no segment after it")
    branch.append(_paths(run))
    return branch


def _gap(op: Any, av: Any) -> Gap | None:
    if op not in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        return None
    lo, hi, sub = av
    sub = list(sub)
    if hi is sre.MAXREPEAT or len(sub) != 1:
        return None
    if sub[0][0] is sre.NOT_LITERAL:  # the parser's spelling of a class such as [^.]
        items = [(sre.NEGATE, None), (sre.LITERAL, sub[0][1])]
    elif sub[0][0] is sre.IN:
        items = list(sub[0][1])
    else:
        return None
    if not items or items[0][0] is not sre.NEGATE:
        return None
    excluded = []
    for kind, value in items[1:]:
        if kind is not sre.LITERAL or value >= 128 or chr(value).isalnum():
            return None  # letters would fold; classes would need RE2's tables
        excluded.append(chr(value))
    return Gap("".join(excluded), lo, hi, op is sre.MIN_REPEAT)


def _finite(items: list[Any]) -> bool:
    try:
        _paths(items)
    except Unsupported:
        return False
    return True


def _paths(items: list[Any]) -> Segment:
    """Every path through a sequence, in the order a backtracking matcher tries them."""
    paths: list[Path] = [()]
    for op, av in items:
        alternatives = _node(op, av)
        paths = [p + a for p in paths for a in alternatives]
        if len(paths) > MAX_PATHS:
            raise Unsupported("too many paths")
    return paths


def _node(op: Any, av: Any) -> list[Path]:
    if op is sre.LITERAL:
        return [(_char(av),)]
    if op is sre.AT:
        if av is sre.AT_BOUNDARY:
            return [(BOUNDARY,)]
        raise Unsupported(f"assertion {av}")
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise Unsupported("inline flags")
        return _paths(list(sub))
    if op is sre.BRANCH:
        return [p for alternative in av[1] for p in _paths(list(alternative))]
    if op is sre.IN:
        chars: list[str] = []
        for kind, value in av:
            if kind is sre.LITERAL:
                chars.append(_char(value))
            elif kind is sre.RANGE and value[1] < 128:
                chars.extend(_char(c) for c in range(value[0], value[1] + 1))
            else:
                raise Unsupported(f"class item {kind}")
        return [(c,) for c in dict.fromkeys(chars)]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        lo, hi, sub = av
        sub = list(sub)
        if hi is sre.MAXREPEAT:
            if (
                lo == 0
                and op is sre.MAX_REPEAT
                and len(sub) == 1
                and sub[0] == (sre.IN, [(sre.CATEGORY, sre.CATEGORY_WORD)])
            ):
                return [(WORD_RUN,)]
            raise Unsupported("an unbounded repeat")
        inner = _paths(sub)
        counts = range(hi, lo - 1, -1) if op is sre.MAX_REPEAT else range(lo, hi + 1)
        out: list[Path] = []
        for n in counts:
            out.extend(tuple(itertools.chain(*c)) for c in itertools.product(inner, repeat=n))
            if len(out) > MAX_PATHS:
                raise Unsupported("too many paths")
        return out
    raise Unsupported(f"{op}")


def _char(code: int) -> str:
    if code >= 128:
        raise Unsupported("a character outside ASCII (RE2 folds its case by its own tables)")
    return chr(code).lower()
