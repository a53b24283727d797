"""Each drug's analysis on a Dask cluster (`accord conflicts --scheduler ADDRESS`), past one machine.

The tasks are the ones `--jobs` runs in local processes (engine.drugreports.shipped_tasks and
in_worker): a drug's part is a pure function of its rulesets, the vocabulary and the engine, so it
does not matter where it runs, and the parts are taken in drug order, so the report is byte for byte
the one a local run writes. Functions travel by reference, not by value: every worker must import
the same `engine` (install the same Accord, with the `distributed` extra, where the workers run; a
LocalCluster's workers share this interpreter's environment, so it is automatic there).

Dask is imported here only, and this module only when --scheduler is given: `accord validate` and a
local `accord conflicts` never load it. The connection timeout is Dask's own setting
(`distributed.comm.timeouts.connect`, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s; 30 s by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from engine.contract import Vocabulary
from engine.drugreports import DrugPart, in_worker, shipped_tasks
from engine.model import Ruleset
from engine.textsafe import escape_controls

INSTALL = "pip install --require-hashes -r requirements/distributed.lock (or accord[distributed])"


class SchedulerUnusable(Exception):
    """The cluster cannot run the analysis: the extra is missing, the scheduler is unreachable, or its
    workers cannot run Accord. The message is one line, for the CLI to print as it is."""


def analyse_on_scheduler(
    address: str,
    tasks: Sequence[tuple[str, Sequence[Ruleset]]],
    limits: Mapping[str, int],
    vocab: Vocabulary,
    configuration: dict[str, Any] | None,
    on_question: Callable[[str, int], None] | None = None,
) -> dict[str, DrugPart]:
    """Each drug's part, computed by the workers of the Dask scheduler at `address`, in drug order.

    The client is closed whatever happens. SchedulerUnusable when the work cannot be done there; an
    error inside one drug's analysis is raised as it would be locally."""
    shown = escape_controls(address)
    try:
        import distributed
    except ImportError as exc:
        raise SchedulerUnusable(
            f"--scheduler needs the distributed extra ({exc.name} is not installed): {INSTALL}"
        ) from None
    if not address.strip():
        raise SchedulerUnusable("--scheduler needs an address, e.g. tcp://host:8786")
    try:
        client: Any = cast(Any, distributed).Client(address, set_as_default=False)  # distributed is untyped
    except (OSError, ValueError, TypeError) as exc:
        raise SchedulerUnusable(f"cannot reach the scheduler at {shown}: {_one_line(exc)}") from None
    try:
        return _run(
            client, shown, shipped_tasks(tasks, limits, vocab, configuration), on_question, distributed.as_completed
        )
    finally:
        client.close()


def _run(
    client: Any,
    shown: str,
    shipped: list[Any],
    on_question: Callable[[str, int], None] | None,
    as_completed: Any,
) -> dict[str, DrugPart]:
    import dask
    from dask.utils import parse_timedelta
    from distributed import KilledWorker
    from distributed import TimeoutError as DaskTimeout

    if not shipped:
        return {}
    try:
        client.wait_for_workers(1, timeout=parse_timedelta(dask.config.get("distributed.comm.timeouts.connect")))
    except (DaskTimeout, TimeoutError, OSError):
        raise SchedulerUnusable(f"the scheduler at {shown} has no workers") from None
    futures = [client.submit(in_worker, task, pure=False) for task in shipped]  # pure=False: a fresh key each run
    by_drug: dict[str, DrugPart] = {}
    try:
        for future in as_completed(futures, loop=client.loop):  # this client's loop: it is no default client
            part = future.result()
            by_drug[part.drug] = part
            if on_question is not None:  # progress by drug, as workers finish
                on_question(part.drug, len(shipped))
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "engine":
            raise
        raise SchedulerUnusable(
            f"the workers of the scheduler at {shown} cannot import engine: install the same Accord there ({INSTALL})"
        ) from None
    except KilledWorker as exc:
        raise SchedulerUnusable(
            f"a worker of the scheduler at {shown} died in the analysis: {_one_line(exc)}"
        ) from None
    except (OSError, DaskTimeout) as exc:
        raise SchedulerUnusable(f"lost the scheduler at {shown}: {_one_line(exc)}") from None
    return {task[0]: by_drug[task[0]] for task in shipped}  # drug order, whatever order the workers finished in


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return escape_controls(text[:300])
