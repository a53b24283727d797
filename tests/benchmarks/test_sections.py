"""benchmarks.sections: a run of some benchmarks replaces their sections of RESULTS.md and keeps the others."""

from benchmarks.sections import replace_sections

OLD = "# Benchmark results\n\nhead\n\n## (a) A\n\nold a\n\n## (b) B\n\nold b\n\n## (g) G\n\nold g\n\n## Reading these numbers\n\nread\n"
NEW = "# Benchmark results\n\nhead\n\n## (b) B\n\nnew b\n\n## (c) C\n\nnew c\n\n## Reading these numbers\n\nread\n"


def test_only_the_sections_run_are_replaced_and_new_ones_go_before_the_reading_notes():
    out = replace_sections(OLD, NEW, "bc")
    assert "old a" in out and "old g" in out and "new b" in out and "old b" not in out
    assert out.index("## (c)") < out.index("## Reading these numbers") and out.count("## (b)") == 1
    assert replace_sections(OLD, NEW, "") == OLD
