"""Cell classes folded into answers: claim by claim, or by value key when claims overlap heavily.

A class is a distinct row of claim words (two bits a claim: applies at 2i, unknown at 2i+1,
engine.analysis.cells.claim_words). Its answer is engine.evaluate.fold of the claims that apply,
grouped by value key. Walking the claims that apply costs one Python step per claim per class:
cheap for a few claims a class, quadratic for one source's thousands of claims each holding above
its own threshold (every class holds all the claims below it: 10,000 claims, 50 M visits).

The answer depends only on the value keys that apply, in the order of the first claim giving each
(engine.meaning.questions.resolve_keys keeps the first of two spellings of one answer), so by_keys
finds, per key and class, the first claim giving it with NumPy over the packed words (one pass per
key and word it occupies), and folds each distinct ordered key tuple once. Classes with an unknown
claim take the claim walk (their answer names the missing facts of the deciding claims). fold_classes
picks whichever the work estimate says is cheaper; both give the same statuses, values and
subsumed values (tests/engine/test_fold.py), but by_keys leaves each ValueGroup's claims empty:
the claims giving a value in a class are `applied & key_mask` (engine.analysis.cells.SourceCells).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.analysis.model import FOLD_UNITS, Work
from engine.evaluate import Answer, ClaimOutcome, fold
from engine.model import Claim

EVEN = np.uint64(0x5555555555555555)  # the "applies" bit of each claim in a word
# The first-claim table of by_keys holds keys x classes int32: past this many entries the walk is used.
MAX_KEY_TABLE = 1 << 24
KEY_UNITS = 8  # one key-word pair over one class: a few array element operations
STATE_UNITS = 4 * FOLD_UNITS  # one distinct key tuple folded (per key in it), as the walk folds a claim


def popcount(rows: np.ndarray) -> int:
    """Set bits in an array of uint64 words (claims a fold would visit, two bits for an unknown one)."""
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(rows).sum(dtype=np.int64))
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)  # NumPy < 2.0
    return int(table[np.ascontiguousarray(rows).view(np.uint8)].sum())


@dataclass
class KeyPlan:
    """The claims' value keys, in order of first claim, and where each key's claims sit in the words."""

    keys: list[str]
    key_of: list[int]  # per claim: index into keys
    first_claim: list[int]  # per key: its first claim
    pairs: list[tuple[int, int, int]] = field(default_factory=list)  # (key, word, applies-bit mask), word descending

    @classmethod
    def of(cls, claims: list[Claim]) -> KeyPlan:
        index: dict[str, int] = {}
        key_of = [index.setdefault(c.value_key, len(index)) for c in claims]
        first = [0] * len(index)
        masks: dict[tuple[int, int], int] = {}
        for i in reversed(range(len(claims))):
            k = key_of[i]
            first[k] = i
            masks[k, i // 32] = masks.get((k, i // 32), 0) | 1 << (2 * (i % 32))
        pairs = sorted(((k, w, m) for (k, w), m in masks.items()), key=lambda p: (p[0], -p[1]))
        return cls(list(index), key_of, first, pairs)

    def key_masks(self) -> list[int]:
        """Per key, a bitmask over claims (bit i: claim i gives the key), as SourceCells.applied is."""
        out = [0] * len(self.keys)
        for k, w, m in self.pairs:
            out[k] |= compact(np.array([m], dtype=np.uint64))[0].item() << (32 * w)
        return out

    def cost(self, classes: int, words: int) -> int:
        """Work units of by_keys before any state is folded (NumPy passes over the classes)."""
        return classes * (KEY_UNITS * len(self.pairs) + 16 * words)


def compact(words: np.ndarray) -> np.ndarray:
    """The applies bits (even positions) of uint64 words gathered into the low 32 bits, claim order kept."""
    x = words & EVEN
    x = (x | (x >> np.uint64(1))) & np.uint64(0x3333333333333333)
    x = (x | (x >> np.uint64(2))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    x = (x | (x >> np.uint64(4))) & np.uint64(0x00FF00FF00FF00FF)
    x = (x | (x >> np.uint64(8))) & np.uint64(0x0000FFFF0000FFFF)
    x = (x | (x >> np.uint64(16))) & np.uint64(0x00000000FFFFFFFF)
    return x


def applied_ints(reps: np.ndarray) -> list[int]:
    """Per class (a row of words), the claims that apply as one int (bit i: claim i)."""
    if not reps.size:
        return [0] * len(reps)
    low = np.ascontiguousarray(compact(reps).astype("<u4"))
    return [int.from_bytes(row, "little") for row in (low[i].tobytes() for i in range(len(low)))]


def fold_classes(
    source: str, question: str, claims: list[Claim], reps: np.ndarray, work: Work | None = None
) -> tuple[list[Answer], list[int]]:
    """Each class's Answer and the claims that apply in it (bits), by the cheaper of the walk and by_keys.

    Raises OverWork (engine.analysis.model) when the chosen one does not fit the budget."""
    visits = popcount(reps)
    plan = KeyPlan.of(claims) if claims and len(reps) else None
    keyed = (
        plan is not None
        and len(plan.keys) * len(reps) <= MAX_KEY_TABLE
        and plan.cost(len(reps), reps.shape[1]) + _state_bound(plan, len(reps)) < visits * FOLD_UNITS
    )
    if plan is None or not keyed:
        if work is not None:
            work.take(visits * FOLD_UNITS, f"folding its {len(reps):,} distinct combinations of {len(claims):,} claims")
        return walk(source, question, claims, reps)
    return by_keys(source, question, claims, reps, plan, work)


def _state_bound(plan: KeyPlan, classes: int) -> int:
    """At most this much folding of distinct key tuples (each key one STATE_UNITS)."""
    keys = len(plan.keys)
    tuples = classes if keys >= 20 else min(classes, 1 << keys)
    return tuples * keys * STATE_UNITS


def walk(source: str, question: str, claims: list[Claim], reps: np.ndarray) -> tuple[list[Answer], list[int]]:
    """The reference fold: every class's claims walked one by one (fold_row)."""
    answers: list[Answer] = []
    applied: list[int] = []
    for row in reps:
        answer, bits = fold_row(source, question, claims, row)
        answers.append(answer)
        applied.append(bits)
    return answers, applied


def by_keys(
    source: str, question: str, claims: list[Claim], reps: np.ndarray, plan: KeyPlan, work: Work | None = None
) -> tuple[list[Answer], list[int]]:
    """The fold by value keys (see the module docstring)."""
    n, classes = len(claims), len(reps)
    if work is not None:
        work.take(
            plan.cost(classes, reps.shape[1]),
            f"folding its {classes:,} distinct combinations of {n:,} claims by {len(plan.keys):,} values",
        )
    columns = np.ascontiguousarray(reps.T)  # (words, classes): each word's column contiguous
    first = np.full((len(plan.keys), classes), n, dtype=np.int32)
    for k, w, mask in plan.pairs:  # words descending: the lowest word with a bit wins
        v = columns[w] & np.uint64(mask)
        hit = v != 0
        if not hit.any():
            continue
        low = v[hit] & (~v[hit] + np.uint64(1))  # lowest set bit
        bit = np.frexp(low.astype(np.float64))[1] - 1  # its position (powers of two are exact)
        first[k, hit] = w * 32 + bit // 2
    unknown = ((columns >> np.uint64(1)) & ~columns & EVEN).any(axis=0)
    # A class's state: its keys ranked by first claim (-1: absent); equal states fold once.
    order = np.argsort(first, axis=0, kind="stable")
    rank = np.empty_like(first)
    np.put_along_axis(rank, order, np.arange(len(plan.keys), dtype=np.int32)[:, None], axis=0)
    rank = np.where(first < n, rank, -1)
    table = np.ascontiguousarray(rank.T)  # (classes, keys); rows compared as bytes (np.unique(axis=0) is slower)
    rows = table.view(np.dtype((np.void, table.shape[1] * table.itemsize))).ravel()
    _, first_class, inverse = np.unique(rows, return_index=True, return_inverse=True)
    states, inverse = table[first_class], inverse.ravel()
    if work is not None:
        sizes = int((states >= 0).sum()) + len(states)
        walked = popcount(reps[unknown]) if unknown.any() else 0
        work.take(
            sizes * STATE_UNITS + walked * FOLD_UNITS,
            f"folding its {len(states):,} distinct sets of values of {n:,} claims",
        )
    folded: list[Answer] = []
    for c in first_class.tolist():
        present = [k for k in np.argsort(first[:, c], kind="stable").tolist() if first[k, c] < n]
        answer = fold(source, question, {plan.keys[k]: [claims[int(first[k, c])]] for k in present}, [])
        folded.append(_without_claims(answer))
    answers = [folded[s] for s in inverse.tolist()]
    applied = applied_ints(reps)
    for c in np.flatnonzero(unknown).tolist():
        answers[c], applied[c] = fold_row(source, question, claims, reps[c])
    return answers, applied


def _without_claims(answer: Answer) -> Answer:
    """The answer with no claim ids in its values: by_keys names claims by bits, never by these."""
    from dataclasses import replace

    return replace(
        answer,
        values=tuple(v._replace(claims=()) for v in answer.values),
        subsumed=tuple(v._replace(claims=()) for v in answer.subsumed),
    )


def fold_row(source: str, question: str, claims: list[Claim], row: np.ndarray) -> tuple[Answer, int]:
    """One cell class's Answer from its words (applies, unknown per claim), and which claims apply.

    Only the claims with a bit set are visited (a handful of a source's
    thousands): a claim that does not apply takes no part in the answer.
    """
    applied: dict[str, list[Claim]] = {}
    unknown: list[ClaimOutcome] = []
    applies, unknowns = row_claims(row)
    for i in applies:
        claim = claims[i]
        applied.setdefault(claim.value_key, []).append(claim)
    for i in unknowns:
        claim = claims[i]
        unknown.append(ClaimOutcome(claim, None, claim.facts))
    if len(row) <= SMALL_ROW:
        applies_bits = 0
        for i in applies:
            applies_bits |= 1 << i
    else:
        mask = np.zeros(len(claims), dtype=bool)
        mask[applies] = True
        applies_bits = int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")
    return fold(source, question, applied, unknown), applies_bits


def row_claims(row: np.ndarray) -> tuple[list[int], list[int]]:
    """The claims one cell class's words say apply, and those left unknown (each ascending).

    Walking the set bits of one big int costs a pass over the int per bit:
    cheap for a few words, cubic in the claims for thousands (3,000 overlapping
    claims: 124 s). Past SMALL_ROW words the row is read with NumPy in one pass.
    """
    if len(row) <= SMALL_ROW:
        bits = 0
        for k, word in enumerate(row.tolist()):
            bits |= word << (64 * k)
        applies, unknown = [], []
        while bits:
            low = bits & -bits
            bit = low.bit_length() - 1
            if bit & 1 == 0:
                applies.append(bit >> 1)
                bits &= ~(0b11 << bit)
            else:
                unknown.append(bit >> 1)
                bits ^= low
        return applies, unknown
    unpacked = np.unpackbits(np.ascontiguousarray(row, dtype="<u8").view(np.uint8), bitorder="little")
    pairs = unpacked[: 2 * (len(unpacked) // 2)].reshape(-1, 2)
    return np.flatnonzero(pairs[:, 0]).tolist(), np.flatnonzero(pairs[:, 1] & (pairs[:, 0] ^ 1)).tolist()


SMALL_ROW = 4  # words (128 claims) up to which row_claims walks one int
