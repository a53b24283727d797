"""Cross-question links (schema/links.yaml): answers of one source to different questions that must agree.

Issue 14 fills this in.
"""
