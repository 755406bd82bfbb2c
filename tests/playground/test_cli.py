"""``fcnn playground`` as a user starts it: prints the address, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from fcnn.cli import main


def test_help_names_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["playground", "--help"])
    out = capsys.readouterr().out
    for option in ("--port", "--host", "--no-browser", "--lang", "--open"):
        assert option in out


def test_bad_arguments_exit_2(capsys):
    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["playground", "--open", "/no/such/run", "--no-browser"]) == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_it_serves_on_loopback_and_stops_cleanly_on_ctrl_c(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "fcnn.cli", "playground", "--no-browser", "--port", "0",
         "--lang", "zh", "--runs-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stdout.readline()
        assert line.startswith("fcnn playground: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        assert "token=" in url and "lang=zh" in url
        with urllib.request.urlopen(url, timeout=20) as response:
            assert response.status == 200 and b"playground.js" in response.read()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "stopped" in out and "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
