"""Hostile rules and offsets (issue 12, the rule language): bounded, exact, never a traceback.

* nesting: every operation that nests, at every depth the loader lets through
  (1..64 JSON levels and beyond), compiles without SyntaxError/RecursionError
  and gives the value of an independent oracle (Python's own any/all/not);
* width: `or`/`and` of 100,000 comparisons compile and evaluate in bounded
  time and memory, in the compiler and in engine.jsonlogic.vectorised, with the same answers
  as the comparisons taken one by one;
* numbers: a literal beyond float range is E207; arithmetic that overflows is
  a RuleError (compiler) and an unknown row (batch), never inf;
* offsets: `start: 0.0` and friends are located errors, not a crash;
* re-anchoring: linear on a 4 MiB text, same spans as the old quadratic scan.

The corpus in tests/data/hostile/language/ (deep/: a valid ruleset whose rules
are 20 and 28 levels deep and 499 wide, 999 operations, the most a rule may
have, with two patients; invalid/: one file per refused number or offset, and
one rule an operation over the limit, E208) is run through the CLI once. The
100,000-wide cases call the compiler and the vectorised evaluator directly:
through the CLI such a rule is refused (E208) before anything walks it.
"""

from __future__ import annotations

import math
import random
import time
import tracemalloc

import numpy as np
import pytest

from engine import cli
from engine.contract import vocabulary
from engine.jsonlogic import UNKNOWN, CompileError, Compiler, RuleError, compiler
from engine.jsonlogic.vectorised import compile_mask
from engine.model import Provenance
from engine.provenance import reanchor
from engine.rules import check_rule
from tests.conftest import REPO

CORPUS = REPO / "tests" / "data" / "hostile" / "language"
ACCORD = compiler("accord")
CLOSURES = Compiler("accord", generate=False)
LT30 = {"<": [{"var": "egfr"}, 30]}
ADULT = {">=": [{"var": "age_years"}, 18]}
PATIENTS = [
    {"egfr": 20, "age_years": 70},
    {"egfr": 40, "age_years": 70},
    {"egfr": 20, "age_years": 10},
    {"egfr": 20},
    {},
]


def kleene(value):
    return "U" if value is UNKNOWN else bool(value)


# ---------------------------------------------------------------- nesting


def nested(op: str, depth: int):
    """A rule `depth` operations deep, and its oracle: a function of the facts in plain Python."""
    rule, oracle = LT30, (lambda f: "U" if "egfr" not in f else f["egfr"] < 30)
    for _ in range(depth):
        inner = oracle
        if op == "and":
            rule = {"and": [rule, ADULT]}
            oracle = (lambda o: lambda f: _and(o(f), "U" if "age_years" not in f else f["age_years"] >= 18))(inner)
        elif op == "or":
            rule = {"or": [rule, {"<": [{"var": "egfr"}, 0]}]}
            oracle = (lambda o: lambda f: _or(o(f), "U" if "egfr" not in f else f["egfr"] < 0))(inner)
        elif op == "!":
            rule = {"!": [rule]}
            oracle = (lambda o: lambda f: _not(o(f)))(inner)
        elif op == "if":
            rule = {"if": [ADULT, rule, False]}
            oracle = (lambda o: lambda f: "U" if "age_years" not in f else (o(f) if f["age_years"] >= 18 else False))(
                inner
            )
    return rule, oracle


def _not(a):
    return "U" if a == "U" else not a


def _and(a, b):
    return False if False in (a, b) else ("U" if "U" in (a, b) else True)


def _or(a, b):
    return True if True in (a, b) else ("U" if "U" in (a, b) else False)


def nested_arith(depth: int):
    """`egfr + 1 + 1 ... < 30 + depth`: arithmetic nested `depth` deep."""
    expr = {"var": "egfr"}
    for _ in range(depth):
        expr = {"+": [expr, 1]}
    return {"<": [expr, 30 + depth]}


@pytest.mark.parametrize("op", ["and", "or", "!", "if"])
def test_every_depth_compiles_and_agrees_with_the_oracle(op):
    # 1..32 operations is every depth a file can hold (64 JSON levels); then deeper samples
    for depth in [*range(1, 33), 40, 48, 64]:
        rule, oracle = nested(op, depth)
        fast, slow = ACCORD.compile(rule), CLOSURES.compile(rule)
        for facts in PATIENTS:
            want = oracle(facts)
            assert kleene(fast(facts)) == want == kleene(slow(facts)), (op, depth, facts)


def test_every_depth_of_arithmetic():
    for depth in [*range(1, 33), 48]:
        rule = nested_arith(depth)
        assert ACCORD.compile(rule)({"egfr": 29}) is True and ACCORD.compile(rule)({"egfr": 30}) is False
        assert ACCORD.compile(rule)({}) is UNKNOWN and CLOSURES.compile(rule)({"egfr": 29}) is True


def test_twenty_nested_and_is_generated_code_or_closure_never_a_syntax_error():
    rule, oracle = nested("and", 20)
    assert not check_rule(rule, vocabulary())
    fn = ACCORD.compile(rule)
    assert fn({"egfr": 20, "age_years": 70}) is True and fn({"egfr": 20, "age_years": 10}) is False


def test_mixed_nesting_at_the_loaders_limit():
    # and/or/if/! alternating, ~30 operations deep (64 JSON levels with the claim around it)
    rule = LT30
    for i in range(31):
        rule = [{"and": [rule, True]}, {"or": [rule, False]}, {"if": [True, rule, False]}, {"!!": [rule]}][i % 4]
    fn = ACCORD.compile(rule)
    assert fn({"egfr": 20}) is True and fn({"egfr": 40}) is False and fn({}) is UNKNOWN


def test_beyond_any_file_depth_is_a_compile_error_not_a_recursion_error():
    rule = LT30
    for _ in range(2000):
        rule = {"!!": [rule]}
    with pytest.raises(CompileError):
        ACCORD.compile(rule)
    with pytest.raises(CompileError):
        CLOSURES.compile(rule)


# ---------------------------------------------------------------- width


def one_by_one(op: str, comparisons: list, facts: dict):
    """The Kleene junction of the comparisons, each compiled alone (the grouping is not involved)."""
    values = [kleene(ACCORD.compile(c)(facts)) for c in comparisons]
    stop = op == "or"
    if stop in values:
        return stop
    return "U" if "U" in values else (not stop)


WIDE = [
    ("or", lambda i: {"==": [{"var": "age_years"}, i]}),
    ("or", lambda i: {"===": [i, {"var": "age_years"}]}),
    ("and", lambda i: {"!=": [{"var": "age_years"}, i]}),
    ("or", lambda i: {"<": [{"var": "age_years"}, -i]}),
    ("and", lambda i: {">": [{"var": "age_years"}, -i]}),
    ("or", lambda i: {">=": [-i, {"var": "age_years"}]}),
    ("or", lambda i: {"==": [{"var": "indication"}, f"x{i}"]}),
]


@pytest.mark.parametrize("op,make", WIDE)
def test_wide_rules_agree_with_the_comparisons_one_by_one(op, make):
    comparisons = [make(i) for i in range(40)] + [make(7)]
    rule = {op: comparisons}
    facts_list = [{"age_years": a} for a in (-50, -39, -3, 0, 3, 39, 40, 500)] + [
        {"indication": "x5"},
        {"indication": "y"},
        {},
    ]
    column = np.array([-50, -39, -3, 0, 3, 39, 40, 500], dtype=float)
    true_mask, unknown_mask = compile_mask(rule)({"age_years": column}, {"age_years": np.ones(len(column), bool)})
    for i, facts in enumerate(facts_list):
        want = one_by_one(op, comparisons, facts)
        assert kleene(ACCORD.compile(rule)(facts)) == want, facts
        assert kleene(CLOSURES.compile(rule)(facts)) == want, facts
        if i < len(column) and "indication" not in str(rule):
            assert ("U" if unknown_mask[i] else bool(true_mask[i])) == want, facts


def test_grouping_keeps_javascript_equality_for_other_types():
    rule = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(10)] + [{"==": [{"var": "age_years"}, "12"]}]}
    assert ACCORD.compile(rule)({"age_years": "3"}) is True  # "3" == 3 under JavaScript ==
    assert ACCORD.compile(rule)({"age_years": 12}) is True  # 12 == "12"
    assert ACCORD.compile(rule)({"age_years": True}) is True  # true == 1
    assert ACCORD.compile(rule)({"age_years": 11}) is False
    strict = {"or": [{"===": [{"var": "age_years"}, i]} for i in range(10)]}
    assert ACCORD.compile(strict)({"age_years": "3"}) is False and ACCORD.compile(strict)({"age_years": 3.0}) is True


@pytest.mark.parametrize("shape", ["equal", "order", "mixed facts"])
def test_hundred_thousand_wide_or_is_bounded(shape):
    n = 100_000 if shape == "equal" else 40_000
    if shape == "equal":
        rule = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(n)]}
    elif shape == "order":
        rule = {"or": [{"<": [{"var": "age_years"}, -i]} for i in range(n)]}
    else:  # no run to fold: still linear closures, no generated code
        rule = {
            "or": [{"<": [{"var": "age_years"}, -i]} if i % 2 else {"==": [{"var": "egfr"}, -i]} for i in range(n // 4)]
        }
    start = time.process_time()
    fn = Compiler("accord").compile(rule)
    assert kleene(fn({"age_years": 5, "egfr": 1})) == (shape == "equal")
    assert fn({}) is UNKNOWN
    assert time.process_time() - start < 3.0  # 51 s and 3.7 GB before (generated source of 100,000 tests)


def test_wide_rule_memory_is_bounded():
    rule = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(5_000)]}
    tracemalloc.start()
    try:
        Compiler("accord").compile(rule)({"age_years": 5})
        compile_mask(rule)({"age_years": np.arange(100, dtype=float)}, {"age_years": np.ones(100, bool)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB"  # ~185 MiB before (3.7 GB at 100,000)


def test_wide_batch_is_bounded():
    rule = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(50_000)]}
    start = time.process_time()
    true_mask, unknown_mask = compile_mask(rule)(
        {"age_years": np.array([5.0, -1.0])}, {"age_years": np.array([True, False])}
    )
    assert true_mask.tolist() == [True, False] and unknown_mask.tolist() == [False, True]
    assert time.process_time() - start < 3.0


# ---------------------------------------------------------------- numbers


def test_literal_beyond_float_range_is_e207():
    problems = check_rule(
        {"and": [{"<": [{"var": "egfr"}, 10**400]}, {"in": [{"var": "age_years"}, [1, -(10**309)]]}]}, vocabulary()
    )
    assert [(p, c) for p, c, _ in problems] == [(("and", 0, "<", 1), "E207"), (("and", 1, "in", 1, 1), "E207")]
    assert not check_rule({"<": [{"var": "egfr"}, 10**300]}, vocabulary())  # large but a float


@pytest.mark.parametrize(
    "rule",
    [
        {">": [{"*": [{"var": "weight_kg"}, 1e300, 1e300]}, 5]},
        {">": [{"+": [{"var": "weight_kg"}, 1.7e308, 1.7e308]}, 5]},
        {"<": [{"-": [{"*": [{"var": "weight_kg"}, 1e300, 1e300]}, 1]}, 5]},
        {">": [{"/": [{"var": "weight_kg"}, 1e-300]}, 5]},
        {">": [{"*": [{"var": "weight_kg"}, 10**200, 10**200]}, 5]},  # exact ints, beyond float range
    ],
)
def test_arithmetic_overflow_is_undecidable_everywhere(rule):
    facts = {"weight_kg": 1e10}
    for fn in (ACCORD.compile(rule), CLOSURES.compile(rule)):
        with pytest.raises(RuleError):
            fn(facts)
    true_mask, unknown_mask = compile_mask(rule)({"weight_kg": np.array([1e10])}, {"weight_kg": np.array([True])})
    assert unknown_mask.tolist() == [True] and true_mask.tolist() == [False]


def test_arithmetic_in_range_is_unchanged():
    rule = {">": [{"*": [{"var": "weight_kg"}, 1e150, 1e150]}, 5]}
    assert ACCORD.compile(rule)({"weight_kg": 1.0}) is True and CLOSURES.compile(rule)({"weight_kg": 0}) is False
    assert (
        compiler("jsonlogic").evaluate({"*": [1e300, 1e300]}) == math.inf
    )  # standard JsonLogic keeps JavaScript's Infinity


# ---------------------------------------------------------------- re-anchoring


def old_reanchor(text: str, prov: Provenance):
    """The scan re-anchoring used before: every occurrence, context compared character by character."""
    best = None
    index = text.find(prov.exact)
    while index != -1:
        before = text[max(0, index - len(prov.prefix)) : index]
        score = next(
            (
                k
                for k in range(min(len(before), len(prov.prefix)), -1, -1)
                if before[len(before) - k :] == prov.prefix[len(prov.prefix) - k :]
            ),
            0,
        )
        after = text[index + len(prov.exact) : index + len(prov.exact) + len(prov.suffix)]
        score += next((k for k in range(min(len(after), len(prov.suffix)), -1, -1) if after[:k] == prov.suffix[:k]), 0)
        candidate = (score, -abs(index - prov.start), index)
        best = candidate if best is None or candidate > best else best
        index = text.find(prov.exact, index + 1)
    return None if best is None else (best[2], best[2] + len(prov.exact))


def test_reanchor_finds_the_same_spans_as_the_scan():
    rng = random.Random(12)
    for _ in range(3000):
        alphabet = rng.choice(["ab", "abc", "a", "aab"])
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        m = rng.randint(1, 6)
        if text and rng.random() < 0.6:
            i = rng.randint(0, max(0, len(text) - m))
            exact = text[i : i + m] or "a"
        else:
            exact = "".join(rng.choice(alphabet) for _ in range(m))
        prefix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        suffix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        start = rng.randint(0, len(text) + 3)
        prov = Provenance(exact, start, start + len(exact), prefix, suffix)
        assert reanchor(text, prov) == old_reanchor(text, prov), (text, prov)


@pytest.mark.parametrize(
    "text,exact,expected",
    [
        ("a" * (4 << 20), "a" * 2000, 5),  # one self-overlapping quote, every position a candidate
        ("ab" * (2 << 20), "ab" * 1000 + "a", 6),
        ("xyz" * ((4 << 20) // 3), "xyzxyzxy", 6),
    ],
)
def test_reanchor_is_linear_on_four_mebibytes(text, exact, expected):
    start = time.process_time()
    found = reanchor(text, Provenance(exact, 5, 5 + len(exact), "q" * 32, "r" * 32))
    assert found == (expected, expected + len(exact))
    assert time.process_time() - start < 1.0  # 39 s and more before


def test_reanchor_hundreds_of_misplaced_quotes_in_four_mebibytes():
    words = [f"w{i:05d} " for i in range(60_000)]
    text = "".join(words) * ((4 << 20) // (len(words) * 7))  # each quote occurs 9 times
    start = time.process_time()
    for i in range(0, 600, 2):
        exact = words[i] + words[i + 1]
        found = reanchor(text, Provenance(exact, 3, 3 + len(exact), "", words[i + 2][:3]))
        assert found == (text.index(exact), text.index(exact) + len(exact))
    assert time.process_time() - start < 3.0


# ---------------------------------------------------------------- the corpus, through the CLI


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out + out.err


@pytest.mark.parametrize(
    "name,code,where",
    [
        ("big-int-threshold.yaml", "E207", "/claims/0/when/</1"),
        ("float-offset.yaml", "E404", "/claims/0/provenance/start"),
        ("float-exclusion.yaml", "E404", "/excluded/0/end"),
        ("float-every-days.yaml", "E211", "/claims/0/value/every_days"),
        ("too-many-operations.yaml", "E208", "/claims/0/when"),
    ],
)
def test_refused_numbers_and_offsets_are_located(capsys, name, code, where):
    status, out = run(capsys, "validate", str(CORPUS / "invalid" / name))
    assert status == 1
    errors = [line for line in out.splitlines() if "error[" in line]
    assert len(errors) == 1 and f"error[{code}]" in errors[0] and f"(at {where})" in errors[0], out
    assert errors[0].split(":")[0].endswith(name) and errors[0].split(":")[1].isdigit()


def test_deep_and_wide_corpus_runs_through_every_command(capsys, tmp_path):
    deep = CORPUS / "deep"
    assert run(capsys, "validate", str(deep))[0] == 0
    status, out = run(capsys, "test", str(deep))
    assert status == 0, out
    status, out = run(capsys, "eval", "--patient", str(deep / "patients" / "egfr-20.yaml"), "--rulesets", str(deep))
    assert status == 0 and "do_not_start" in out and "2 mg" in out, out
    status, out = run(
        capsys,
        "explain",
        "--patient",
        str(deep / "patients" / "egfr-10.yaml"),
        "--rulesets",
        str(deep),
        "--source",
        "lang-deep",
        "--question",
        "initiation",
    )
    assert status == 0 and "contraindicated" in out, out
    status, out = run(capsys, "conflicts", "--rulesets", str(deep), "--out", str(tmp_path))
    assert status in (0, 1) and (tmp_path / "report.json").exists(), out


def test_a_rule_over_the_operation_limit_is_refused_by_every_command(capsys, tmp_path):
    folder = tmp_path / "rulesets"
    (folder / "sources").mkdir(parents=True)
    for name in ("too-many-operations.yaml", "sources/too-many-operations.txt"):
        (folder / name).write_bytes((CORPUS / "invalid" / name).read_bytes())
    patient = CORPUS / "deep" / "patients" / "egfr-20.yaml"
    for argv in (
        ["validate", str(folder)],
        ["test", str(folder)],
        ["eval", "--patient", str(patient), "--rulesets", str(folder)],
        ["conflicts", "--rulesets", str(folder), "--out", str(tmp_path / "out")],
    ):
        status, out = run(capsys, *argv)
        errors = [line for line in out.splitlines() if "error[" in line]
        assert status != 0 and len(errors) == 1 and "error[E208]" in errors[0] and "(at /claims/0/when)" in errors[0], (
            argv,
            out,
        )
    assert not (tmp_path / "out" / "report.json").exists()


def test_the_refusal_of_a_hundred_thousand_wide_rule_is_cheap():
    rule = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(100_000)] + [{"var": "no_such_fact"}]}
    start = time.process_time()
    assert [code for _, code, _ in check_rule(rule, vocabulary())] == ["E208"]
    assert time.process_time() - start < 0.5  # the checker alone took 1.6 s; the count stops at 1,001


# ---------------------------------------------------------------- generated code: the AST allow-list

from engine.jsonlogic import codegen  # noqa: E402
from engine.jsonlogic.codegen import UnsafeSource, callable_parameters, check_generated  # noqa: E402

CODEGEN_CASES = sorted((CORPUS / "codegen").glob("*.txt"))


def _case(path):
    """(source, the refusal it must get, the parameters declared callable) of one hostile generated source."""
    text = path.read_text(encoding="utf-8")
    first, second = text.split("\n", 2)[:2]
    callables = frozenset(name for name in second.removeprefix("# callables:").strip().split(",") if name)
    return text, first.removeprefix("# refuse: "), callables


def test_hostile_generated_source_corpus_is_not_empty():
    assert len(CODEGEN_CASES) >= 50


@pytest.mark.parametrize("path", CODEGEN_CASES, ids=[p.stem for p in CODEGEN_CASES])
def test_hostile_generated_source_is_refused_before_compiling(path):
    source, reason, callables = _case(path)
    with pytest.raises(UnsafeSource) as refused:
        check_generated(source, callables)
    assert reason in str(refused.value)
    assert isinstance(refused.value, CompileError)


def test_the_allow_list_accepts_what_the_generator_emits():
    """Control: a rule using every specialised shape generates code, and its source passes the check."""
    rule = {
        "and": [
            {"<": [{"var": "egfr"}, 30]},
            {"<=": [1, {"var": "egfr"}, {"+": [{"var": "age_years"}, 2]}]},
            {"in": [{"var": "sex"}, ["male", "female"]]},
            {"!": {"==": [{"var": "sex"}, "x"]}},
            {"if": [{"var": "pregnant"}, {"/": [{"var": "egfr"}, 2]}, {"-": [{"var": "egfr"}]}]},
            {"or": [{"var": "x"}, {"*": [{"var": "egfr"}, 3]}, {"min": [1, 2]}]},
        ]
    }
    gen = codegen.CodeGen(Compiler("accord"))
    source = gen.function(rule, lambda data: None)
    called = check_generated(source, callable_parameters(gen.bound))
    assert called and all(type(gen.bound[i]).__name__ == "function" for i in called)
    assert ACCORD.compile(rule).__code__.co_filename == "<accord rule>"


@pytest.mark.parametrize(
    "path", [CORPUS / "codegen" / "globals_of_bound_closure.txt", CORPUS / "codegen" / "import_in_rule.txt"]
)
def test_hostile_source_from_the_generator_falls_back_to_closures(monkeypatch, path, tmp_path):
    """If the generator ever emitted hostile source, the rule still runs (on closures) and the source never does."""
    source, _, _ = _case(path)
    marker = tmp_path / "pwned"
    source = source.replace("        return b0\n", f"        open({str(marker)!r}, 'w')\n        return b0\n", 1)
    monkeypatch.setattr(codegen.CodeGen, "function", lambda self, rule, fallback: (self.bind(fallback), source)[1])
    monkeypatch.setattr(codegen, "SHAPES", {})
    fresh = Compiler("accord")
    fn = fresh.compile(LT30)
    assert fn.__code__.co_filename != "<accord rule>"
    assert [kleene(fn(p)) for p in PATIENTS] == [True, False, True, True, "U"]
    assert not marker.exists() and codegen.SHAPES == {}


def test_a_shape_cached_with_a_function_is_not_called_with_data(monkeypatch):
    """Same source, but the parameter the code calls holds a rule value: the rule runs on closures."""
    rule = {"<": [{"var": "egfr"}, 30]}
    gen = codegen.CodeGen(Compiler("accord"))
    source = gen.function(rule, lambda data: None)
    factory, called = codegen.SHAPES.get(source) or (None, ())
    if factory is None:
        ACCORD.compile(rule)
        factory, called = codegen.SHAPES[source]
    assert called
    bound = list(gen.bound)
    bound[called[0]] = "print"  # a string where a function was: never called
    monkeypatch.setattr(codegen.CodeGen, "function", lambda self, r, fb: (self.bound.extend(bound), source)[1])
    reference = object()
    assert codegen.generate(Compiler("accord"), rule, reference) is reference  # type: ignore[arg-type]
