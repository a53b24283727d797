"""Meaning as data: the one reader of the vocabulary's relations (schema/relations.yaml, shapes.yaml, links.yaml).

* facts:     derivations by a cited definition, implications, constraints every patient satisfies.
* questions: a question's shape: cardinality, value relations (order, implication, compatibility), axes, qualifiers.
* links:     answers of different questions of one source that must agree.

Every consumer (eval, explain, test, validate, region analysis, the workbench) asks these modules;
nothing else interprets the relation files, and no code names a particular fact or question.
"""
