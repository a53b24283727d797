"""The patterns `accord suggest` reads a sentence with: numeric bands, dose regimens, phrases.

Which facts exist, how a text names them and their units, and the words for
an enum value come from the vocabulary (schema/vocabulary.yaml: `synonyms`,
`unit_synonyms`, `band_words`, `value_synonyms`); this module only holds the
grammar around them (comparators, ranges, frequencies) and the phrase tables
that map a source's wording to a question's value. Every value named here is
checked against the question's value schema before it is offered
(engine.suggest), so a table entry the vocabulary does not allow is dropped,
never written. Pure functions over one sentence; linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.contract import Vocabulary

NUM = r"(?<![\w.^×‑–/-])(\d{1,7}(?:\.\d{1,4})?)(?![\d\w])"
NUM_U = r"(?<![\w.^×‑–/-])(\d{1,7}(?:\.\d{1,4})?)(?!\d)"  # may run into its unit (2mg, 1×10^9)
NUM2 = r"(\d{1,7}(?:\.\d{1,4})?)(?!\d)"  # the second number of a range, just after its dash
DASH = r"(?:-|–|‑|—|\bto\b)"

OPS: dict[str, str] = {
    "≥": ">=",
    ">=": ">=",
    "=>": ">=",
    "at least": ">=",
    "≤": "<=",
    "<=": "<=",
    "=<": "<=",
    "at most": "<=",
    ">": ">",
    "over": ">",
    "above": ">",
    "greater than": ">",
    "more than": ">",
    "older than": ">",
    "<": "<",
    "under": "<",
    "below": "<",
    "less than": "<",
    "younger than": "<",
    "fewer than": "<",
}
TAIL_UP = ("older", "over", "above", "more", "greater")
TAIL_DOWN = ("younger", "under", "below", "less", "fewer")
# Words just before a number that make it a schedule or a duration, not a patient's band.
NOT_A_BAND_BEFORE = re.compile(r"(?:\bevery|\bat|\bthen|\bwithin|\bfor|\beach|\bper)\s*$", re.IGNORECASE)


def _words_pattern(word: str) -> str:
    """A synonym as a regex: spaces optional-or-more, word edges kept where the synonym has them."""
    parts = [re.escape(ch) for ch in word if not ch.isspace()]
    body = r"\s*".join(parts)
    lead = r"(?<!\w)" if word[:1].isalnum() else ""
    tail = r"(?!\w)" if word[-1:].isalnum() else ""
    return lead + body + tail


def _flags(word: str) -> int:
    """Abbreviations (no lowercase letter: RA, AD, ANC) match only as written; other words in any case."""
    return 0 if not any(ch.islower() for ch in word) else re.IGNORECASE


@dataclass(frozen=True)
class Lexicon:
    """The vocabulary's words, compiled once: names and units of number facts, enum value words."""

    names: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, fact), longest synonym first
    units: tuple[tuple[re.Pattern[str], str], ...]  # (pattern anchored at a position, fact)
    band_words: tuple[tuple[re.Pattern[str], str, str, float], ...]  # (pattern, fact, op, number)
    values: tuple[tuple[re.Pattern[str], str, str], ...]  # (pattern, enum fact, value), longest first
    number_facts: frozenset[str]
    drug: str


_LEXICONS: dict[int, tuple[Vocabulary, Lexicon]] = {}


def lexicon(vocab: Vocabulary) -> Lexicon:
    """The vocabulary's words compiled (kept for the last few vocabularies: tests build variants)."""
    hit = _LEXICONS.get(id(vocab))
    if hit is not None and hit[0] is vocab:
        return hit[1]
    if len(_LEXICONS) > 8:
        _LEXICONS.clear()
    lex = _compile(vocab)
    _LEXICONS[id(vocab)] = (vocab, lex)
    return lex


def _compile(vocab: Vocabulary) -> Lexicon:
    names: list[tuple[str, str]] = []
    units: list[tuple[str, str]] = []
    bands: list[tuple[re.Pattern[str], str, str, float]] = []
    values: list[tuple[str, str, str]] = []
    numbers = set()
    for fact in vocab.facts.values():
        if fact.type == "number":
            numbers.add(fact.name)
            names.extend((w, fact.name) for w in {*fact.synonyms, *([fact.label] if fact.label else [])})
            units.extend((w, fact.name) for w in fact.unit_synonyms)
            for word, band in fact.band_words.items():
                for op, number in band.items():
                    bands.append((re.compile(_words_pattern(word), _flags(word)), fact.name, op, float(number)))
        if fact.type == "enum":
            for value, words in fact.value_synonyms.items():
                if value in fact.values:
                    values.extend((w, fact.name, value) for w in words)
    names.sort(key=lambda p: (-len(p[0]), p))
    units.sort(key=lambda p: (-len(p[0]), p))
    values.sort(key=lambda p: (-len(p[0]), p))
    return Lexicon(
        tuple((re.compile(_words_pattern(w), _flags(w)), f) for w, f in names),
        tuple((re.compile(r"\s*" + _words_pattern(w), _flags(w)), f) for w, f in units),
        tuple(bands),
        tuple((re.compile(_words_pattern(w), _flags(w)), f, v) for w, f, v in values),
        frozenset(numbers),
        (vocab.drug or "").lower(),
    )


@dataclass(frozen=True)
class Band:
    """`fact` within [low, high] (ends open or closed as written), found at [start, end) of the sentence."""

    fact: str
    low: float | None
    low_closed: bool
    high: float | None
    high_closed: bool
    start: int
    end: int
    written: str
    by_name: bool  # the fact was named (eGFR), not only guessed from the unit (years)

    def atoms(self) -> list[dict[str, Any]]:
        var = {"var": self.fact}
        out: list[dict[str, Any]] = []
        if self.low is not None:
            out.append({(">=" if self.low_closed else ">"): [var, _num(self.low)]})
        if self.high is not None:
            out.append({("<=" if self.high_closed else "<"): [var, _num(self.high)]})
        return out

    def reading(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>=' if self.low_closed else '>'} {_num(self.low)}")
        if self.high is not None:
            parts.append(f"{'<=' if self.high_closed else '<'} {_num(self.high)}")
        how = "" if self.by_name else " (fact from the unit)"
        return f"{self.fact} {' and '.join(parts)} from {self.written!r}{how}"


@dataclass(frozen=True)
class EnumMention:
    fact: str
    value: str
    start: int
    end: int
    written: str


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


_OPS_RE = "|".join(
    (r"(?<!\w)" + re.escape(k) + r"(?!\w)") if k[0].isalpha() else re.escape(k)
    for k in sorted(OPS, key=lambda k: -len(k))
)
_BAND = re.compile(
    r"(?P<between>(?<!\w)between\s+" + NUM_U + r"\s*(?P<bu>[^\d\s]{0,24}?)\s+and\s+" + NUM_U + r")"
    r"|(?P<range>" + NUM_U + r"(?P<ru>\s*[^\d\s<>≤≥-]{0,24}?)\s*" + DASH + r"\s*(?P<rop><=|<|≤)?\s*" + NUM2 + r")"
    r"|(?P<cmp>(?P<op>" + _OPS_RE + r")\s*" + NUM_U + r")"
    r"|(?P<tail>"
    + NUM_U
    + r"(?P<tu>(?:\s*[^\d\s]{1,24}?){0,3}?)\s+(?:and|or)\s+(?P<dir>"
    + "|".join(TAIL_UP + TAIL_DOWN)
    + r")\b)",
    re.IGNORECASE,
)


def _unit_at(lex: Lexicon, text: str, pos: int) -> tuple[str | None, int]:
    """The fact whose unit is written at `pos` (longest unit first) and the unit's end; (None, pos) if none,
    ('', end) when the unit is shared by several facts."""
    found: list[tuple[int, str]] = []
    for pattern, fact in lex.units:
        m = pattern.match(text, pos)
        if m:
            if found and m.end() < found[0][0]:
                break
            found.append((m.end(), fact))
    if not found:
        return None, pos
    end = found[0][0]
    facts = {f for e, f in found if e == end}
    return (facts.pop() if len(facts) == 1 else ""), end


def _name_before(lex: Lexicon, text: str, lo: int, hi: int) -> str | None:
    """The number fact named last in text[lo:hi] (the longest name when two end at the same place)."""
    best: tuple[int, int, str] | None = None
    window = text[lo:hi]
    for pattern, fact in lex.names:
        for m in pattern.finditer(window):
            key = (m.end(), m.end() - m.start(), fact)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def bands(lex: Lexicon, text: str) -> list[Band]:
    """Every band over a number fact the sentence writes, named by the fact or known by its unit."""
    out: list[Band] = []
    last_end = 0
    for m in _BAND.finditer(text):
        g = m.groupdict()
        nums = [x for x in m.groups() if x is not None and re.fullmatch(r"\d+(?:\.\d+)?", x)]
        if not nums:
            continue
        a = float(nums[0])
        low: float | None
        high: float | None
        if g["between"]:
            low, lc, high, hc = a, True, float(nums[1]), True
        elif g["range"]:
            low, lc, high = a, True, float(nums[1])
            hc = not g["rop"] or g["rop"] in ("<=", "≤")
            if high <= low:
                continue
        elif g["cmp"]:
            op = OPS[g["op"].lower()]
            if op in (">", ">="):
                low, lc, high, hc = a, op == ">=", None, False
            else:
                low, lc, high, hc = None, False, a, op == "<="
        else:
            up = g["dir"].lower() in TAIL_UP
            low, lc, high, hc = (a, True, None, False) if up else (None, False, a, True)
        # the unit: after the band ('<30 mL/min'), else just after its first number ('65 years and older')
        unit_fact, unit_end = _unit_at(lex, text, m.end())
        if unit_fact is None:
            first = next(i for i in range(1, (m.re.groups or 0) + 1) if m.group(i) == nums[0])
            unit_fact, _ = _unit_at(lex, text, m.end(first))
        lo = max(last_end, m.start() - 60)
        named = _name_before(lex, text, lo, m.start())
        end = max(m.end(), unit_end)
        last_end = end
        fact = named or unit_fact or None
        if not fact:
            continue
        if not named and NOT_A_BAND_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        out.append(Band(fact, low, lc, high, hc, m.start(), end, text[m.start() : end].strip(), bool(named)))
    return out


def band_words(lex: Lexicon, text: str) -> list[Band]:
    """Bands a word stands for (vocabulary band_words: adults, age 18 or more)."""
    out: list[Band] = []
    for pattern, fact, op, number in lex.band_words:
        m = pattern.search(text)
        if m:
            low, lc, high, hc = (
                (number, op == ">=", None, False) if op in (">", ">=") else (None, False, number, op == "<=")
            )
            out.append(Band(fact, low, lc, high, hc, m.start(), m.end(), m.group(0), True))
    return out


def enum_mentions(lex: Lexicon, text: str) -> list[EnumMention]:
    """Every enum value the sentence names by its words (longest first, never two on the same characters)."""
    taken: list[tuple[int, int]] = []
    out: list[EnumMention] = []
    for pattern, fact, value in lex.values:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(EnumMention(fact, value, m.start(), m.end(), m.group(0)))
    out.sort(key=lambda e: e.start)
    return out


# ---- doses -------------------------------------------------------------------------------------

_FREQ: tuple[tuple[str, int | None], ...] = (
    (r"every\s+other\s+day|every\s+second\s+day|on\s+alternate\s+days|every\s+48\s+hours|q\.?o\.?d\.?", 2),
    (r"every\s+(?P<n>\d{1,3})\s+days", -1),
    (r"twice\s+(?:a\s+)?dai?ly|twice\s+a\s+day|b\.?i\.?d\.?|every\s+12\s+hours", None),
    (r"once[\s‑-]*(?:a[\s‑-]*)?dai?ly|once\s+a\s+day|daily|every\s+day|per\s+day|a\s+day|/\s*day|OD|QD|q\.?d\.?", 1),
)
_FREQ_RE = re.compile(
    r"\s*\(?\s*(?:" + "|".join(f"(?P<f{i}>{p})" for i, (p, _) in enumerate(_FREQ)) + r")(?![\w])",
    re.IGNORECASE,
)
_DOSE = re.compile(NUM_U + r"\s*mg(?![\w/])", re.IGNORECASE)
_COURSE = re.compile(r"\s*,?\s*(?:for|up\s+to)\s+(\d{1,3})\s+days\b", re.IGNORECASE)
_REFERS = re.compile(r"^\s*(?:-\s*)?(?:dose|doses|dosage|tablet|tablets|strength|arm|group)\b", re.IGNORECASE)
_ARM = re.compile(r"\b(?:the|on|receiving|versus|vs\.?)\s*$", re.IGNORECASE)  # a trial arm, not a dose given
_OR = re.compile(r"^\s*(?:or|/)\s*$", re.IGNORECASE)
OTHER_DRUG = re.compile(
    r"(?<!\w)([A-Za-z]+(?:tinib|citinib|mab|cept|limus|sporine|trexate|prine))(?!\w)", re.IGNORECASE
)


@dataclass(frozen=True)
class Regimen:
    """A dose as written: mg and days between doses (None: not written; 0: written but no regimen form)."""

    mg: float
    every_days: int | None
    max_days: int | None
    start: int
    end: int
    written: str

    def value(self, every_days: int) -> dict[str, Any]:
        out: dict[str, Any] = {"mg": _num(self.mg), "every_days": every_days}
        if self.max_days:
            out["max_days"] = self.max_days
        return out


def regimens(text: str, drug: str) -> list[Regimen]:
    """Every '<n> mg [frequency] [for <n> days]' of the drug itself (another drug's dose is skipped,
    'the 4 mg dose' refers to a dose rather than giving one)."""
    out: list[Regimen] = []
    for m in _DOSE.finditer(text):
        if _REFERS.match(text, m.end()) or _ARM.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        if _other_drug_before(text, m.start(), drug):
            continue
        mg = float(m.group(1))
        if mg <= 0:
            continue
        every: int | None = None
        end = m.end()
        f = _FREQ_RE.match(text, end)
        if f:
            for i, (_, days) in enumerate(_FREQ):
                if f.group(f"f{i}"):
                    every = int(f.group("n")) if days == -1 else (0 if days is None else days)
                    break
            end = f.end()
            if text[m.end() : end].lstrip().startswith("(") and text[end : end + 1] == ")":
                end += 1
        course = _COURSE.match(text, end)
        max_days = int(course.group(1)) if course and every else None
        if course and every:
            end = course.end()
        out.append(Regimen(mg, every, max_days, m.start(), end, text[m.start() : end]))
    return out


def _other_drug_before(text: str, pos: int, drug: str) -> bool:
    """True when the drug named last before `pos` on the line is another drug (Tofacitinib ... 5 mg BID)."""
    line_start = text.rfind("\n", 0, pos) + 1
    last = None
    for m in OTHER_DRUG.finditer(text, line_start, pos):
        last = m.group(1).lower()
    return last is not None and last != drug


def alternatives(found: list[Regimen], text: str) -> list[list[Regimen]]:
    """Regimens joined by 'or' ('2 mg or 4 mg once daily') grouped together, others alone."""
    groups: list[list[Regimen]] = []
    for r in found:
        if groups and _OR.match(text[groups[-1][-1].end : r.start]) and groups[-1][-1].every_days is None:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


# ---- phrases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    question: str
    value: str
    confidence: float
    dose_value: str | None = None  # the `dose` value instead, where the sentence is about dosing


def _p(regex: str, question: str, value: str, confidence: float, dose_value: str | None = None) -> Phrase:
    return Phrase(re.compile(regex, re.IGNORECASE), question, value, confidence, dose_value)


# The order matters: the first phrase of each question that matches a clause wins for it.
VERDICTS: tuple[Phrase, ...] = (
    _p(r"\bcontraindicat\w*", "initiation", "contraindicated", 0.7),
    _p(
        r"\bonly\s+(?:when|if)\s+no\s+(?:suitable\s+)?alternative|\bno\s+suitable\s+alternative",
        "initiation",
        "only_if_no_alternative",
        0.75,
    ),
    _p(
        r"\bshould\s+not\s+(?:be\s+)?(?:start|initiat)\w*|\bdo\s+not\s+(?:start|initiate)\b|\bshould\s+not\s+be\s+administered",
        "initiation",
        "do_not_start",
        0.7,
    ),
    _p(r"\bnot\s+(?:be\s+)?recommended\b", "initiation", "do_not_start", 0.55, dose_value="not_recommended"),
    _p(r"\b(?:should|must)\s+not\s+be\s+used\b", "initiation", "do_not_start", 0.55, dose_value="not_recommended"),
    _p(r"\bcaution\b|\bwith\s+care\b", "initiation", "use_with_caution", 0.6),
    _p(r"\bavoid(?:ed)?\b", "initiation", "do_not_start", 0.45),
    _p(
        r"\breduce\s+(?:the\s+)?dose\b|\bdose[\s‑-]*(?:reduction|adjust\w*)|\badjust\s+(?:the\s+)?dose\b|\bdosage\s+adjustments?\b",
        "dose",
        "adjustment_required",
        0.6,
    ),
    _p(r"\binterrupt\w*|\bwithh(?:o|e)ld\w*", "treatment_interruption", "interrupt", 0.6),
    _p(r"\bdiscontinu\w*|\bstop(?:ped)?\b", "treatment_interruption", "discontinue", 0.55),
)
# A lead-in or heading line ('Absolute Contraindications:', 'Use with Caution in:') sets the verdict of its items.
HEADING_VERDICTS: tuple[Phrase, ...] = (
    _p(r"\bcontraindication", "initiation", "contraindicated", 0.6),
    _p(r"\bcaution\b", "initiation", "use_with_caution", 0.55),
)
STATUSES: tuple[Phrase, ...] = (
    _p(r"\bnot\s+(?:been\s+|yet\s+)?approved\b|\bunapproved\b", "indication_status", "not_approved", 0.7),
    _p(r"\bemergency\s+use\s+authori[sz]ation\b|\bEUA\b", "indication_status", "emergency_use_authorization", 0.7),
    _p(r"\boff[\s‑-]*label\b", "indication_status", "off_label", 0.8),
    _p(
        r"\binvestigational\b|\b(?:being|under)\s+investigat\w*|\binvestigated\b|\bemerging\s+indication\b|\bunder\s+study\b|\bbeing\s+studied\b",
        "indication_status",
        "investigational",
        0.65,
    ),
    _p(r"\bapprov(?:ed|al)\b|\bindicated\b|\blicensed\b", "indication_status", "approved", 0.75),
    _p(r"\bused\s+to\s+treat\b", "indication_status", "approved", 0.5),
)
DOSE_WORDS = re.compile(r"\bdos(?:e|es|ing|age)\b|\d\s*mg\b", re.IGNORECASE)
# Comparisons with another drug: the harm words of each vs_<drug>.<harm> question (the drug's words
# come from the question's name); a harm not listed here is looked for under its own name.
HARMS: dict[str, str] = {
    "thrombosis": r"\bthrombo\w*|\bVTE\b|\bblood\s+clots?\b|\bembolism\b",
    "infection": r"\binfections?\b",
    "serious_infection": r"\bserious\s+infections?\b",
    "malignancy": r"\bmalignan\w*|\bcancers?\b|\blymphoma\b",
    "mortality": r"\bmortality\b|\bdeaths?\b",
    "mace": r"\bMACE\b|\bmajor\s+adverse\s+cardiovascular\b|\bcardiovascular\s+events?\b",
    "herpes_zoster": r"\bherpes\s+zoster\b|\bshingles\b",
    "efficacy": r"\befficacy\b|\beffective\w*",
}
CLASS_EFFECT = re.compile(
    r"\banother\s+JAK\s+inhibitor\b|\bclass\s+effect\b|\bother\s+JAK\s+inhibitors\b", re.IGNORECASE
)
HIGHER = re.compile(r"\bhigher\b|\bmore\b|\bincreased?\b|\bgreater\b|\bstronger\b", re.IGNORECASE)
LOWER = re.compile(r"\blower\b|\bless\b|\breduced\b|\bweaker\b|\bfewer\b", re.IGNORECASE)
SIMILAR = re.compile(r"\bsimilar\b|\bcomparable\b|\bno\s+(?:significant\s+)?difference\b", re.IGNORECASE)
