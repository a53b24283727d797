"""`accord conflicts --scheduler` (engine/distributed.py): the drugs analysed on a Dask cluster of two worker
processes on this machine give every report file byte for byte as a local run; a bad scheduler is one line."""

from __future__ import annotations

import socket
import sys

import pytest

from engine import cli
from tests.engine.test_reportcache import two_drugs
from tests.test_architecture import run_python

distributed = pytest.importorskip("distributed")  # the test extra has it; a run without the extra skips


@pytest.fixture(scope="module")
def scheduler():
    """Two worker processes of one thread each: the drugs really run in other interpreters."""
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_cluster_report_is_byte_identical_to_a_local_run(tmp_path, scheduler, monkeypatch):
    import engine.drugreports as dr

    rs = tmp_path / "rs"
    two_drugs(rs)
    local = []
    real = dr.analyse_drug
    monkeypatch.setattr(dr, "analyse_drug", lambda drug, *a, **k: local.append(drug) or real(drug, *a, **k))
    common = ["conflicts", "--rulesets", str(rs), "--no-cache"]
    assert cli.main([*common, "--out", str(tmp_path / "A"), "--scheduler", scheduler]) == 0
    assert local == []  # no drug was analysed in this process: the workers did it
    assert cli.main([*common, "--out", str(tmp_path / "B"), "--jobs", "1"]) == 0
    assert sorted(local) == ["baricitinib", "tofacitinib"]
    a, b = files(tmp_path / "A"), files(tmp_path / "B")
    assert {"report.json", "report.md", "report.html"} <= set(a) and any(n.startswith("charts/") for n in a)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


def test_cached_drugs_come_from_the_cache_not_the_cluster(tmp_path, scheduler, capsys):
    rs, out = tmp_path / "rs", tmp_path / "out"
    two_drugs(rs)
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "--scheduler", scheduler]) == 0
    capsys.readouterr()
    # every drug is a hit: the scheduler is not even contacted, so an unreachable one is no error
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 0
    assert "cached analysis" in capsys.readouterr().err


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "a:b:c", "nope://x"])
def test_an_unusable_scheduler_is_exit_1_and_one_line(tmp_path, capsys, address):
    import dask

    rs = tmp_path / "rs"
    two_drugs(rs)
    address = address.format(port=_free_port())  # nothing listens there
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = cli.main(
            ["conflicts", "--rulesets", str(rs), "--out", str(tmp_path / "o"), "--no-cache", "--scheduler", address]
        )
    err = capsys.readouterr().err
    assert code == 1
    (line,) = [x for x in err.splitlines() if x.startswith("accord conflicts:")]
    assert line.startswith(f"accord conflicts: cannot reach the scheduler at {address}: ")
    assert "Traceback" not in err and not (tmp_path / "o" / "report.json").exists()


def test_without_the_extra_the_message_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    rs = tmp_path / "rs"
    two_drugs(rs)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    args = ["conflicts", "--rulesets", str(rs), "--out", str(tmp_path / "o"), "--no-cache", "--scheduler", "x:1"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "accord conflicts: --scheduler needs the distributed extra" in err and "distributed.lock" in err
    assert "Traceback" not in err


def test_a_local_conflicts_run_never_imports_dask(tmp_path):
    rs = tmp_path / "rs"
    two_drugs(rs)
    code = (
        "import sys\n"
        "from engine import cli\n"
        f"code = cli.main(['conflicts', '--quiet', '--rulesets', {str(rs)!r}, '--out', {str(tmp_path / 'o')!r}])\n"
        "print('CODE', code, sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    proc = run_python(code)
    assert proc.stdout.strip().splitlines()[-1] == "CODE 0 []", proc.stdout + proc.stderr


def test_a_scheduler_without_workers_is_exit_1_and_one_line(tmp_path, capsys):
    import dask

    rs = tmp_path / "rs"
    two_drugs(rs)
    empty = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0")  # a free port
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            args = ["conflicts", "--rulesets", str(rs), "--out", str(tmp_path / "o"), "--no-cache"]
            code = cli.main([*args, "--scheduler", empty.scheduler_address])
    finally:
        empty.close()
    err = capsys.readouterr().err
    assert code == 1 and f"accord conflicts: the scheduler at {empty.scheduler_address} has no workers\n" in err
    assert "Traceback" not in err
