"""Region analysis: every source evaluated on every cell of a question's fact space, disagreements found as findings.

Layered, each module importing only those above it:

* partition: one fact's values cut into cells at the thresholds claims use.
* model: kinds, budgets (cells, bytes, work), findings, regions, conflict ids.
* cells: a question's grid, claims evaluated on it, each source's answer per cell.
* grid: the full-grid strategy (within a source, gaps, between two sources).
* components: the same findings by independent groups of facts, without the full grid.
* driver: `analyse`, per question picking a strategy inside the budgets.

engine.conflicts turns findings into conflicts; nothing here imports it.
Importing this package imports nothing (NumPy stays off `accord validate`).
"""
