"""Startup and argument errors: a clear message and exit 2, never a traceback or a silently wrong port."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph.cli import main


@pytest.mark.parametrize("name, value", [("DEVKG_PORT", "abc"), ("DEVKG_THREADS", "many"),
                                         ("DEVKG_QUERY_TIMEOUT", "soon")])
def test_malformed_number_in_the_environment_exits_2_naming_the_variable(name, value):
    r = subprocess.run([sys.executable, "-m", "graph.cli", "query", "ASK {}"], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", name: value}, timeout=120)
    assert r.returncode == 2
    assert name in r.stderr and repr(value) in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_outside_1_to_65535(port, capsys):
    with pytest.raises(SystemExit) as e:
        main(["serve", "--port", port])
    assert e.value.code == 2 and "port" in capsys.readouterr().err


def test_serve_refuses_an_out_of_range_port_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("DEVKG_PORT", "70000")
    assert main(["serve"]) == 2
    assert "70000" in capsys.readouterr().err


def test_a_mistyped_rq_path_is_an_error_not_query_text(tmp_path, capsys):
    assert main(["query", str(tmp_path / "missing.rq"), "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err
    assert "missing.rq" in err and "no query file" in err
