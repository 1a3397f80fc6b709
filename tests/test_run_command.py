"""`python -m deploy run` (what `make run` calls) starts everything; Ctrl-C stops all of it."""

import os
import signal
import subprocess
import sys

import requests

from deploy import local
from deploy.platform import REPO_ROOT, Platform


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(f"{pid}: {command}")
    return found


def test_run_serves_on_sqlite_and_ctrl_c_leaves_no_process_behind(tmp_path):
    run_dir = tmp_path / "run"
    platform = Platform(run_dir=run_dir, public_port=28080, internal_port=28081, port_offset=20000)
    command = [
        sys.executable,
        "-m",
        "deploy",
        "run",
        "--run-dir",
        str(run_dir),
        "--public-port",
        "28080",
        "--internal-port",
        "28081",
        "--port-offset",
        "20000",
    ]
    # Its own session, like a terminal's foreground job, so Ctrl-C reaches the group.
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        local.wait_ready(platform, timeout=60)
        created = requests.post(
            f"{platform.public_url}/api/v1/collections",
            json={
                "location": "Depot North",
                "waste_type": "Glass",
                "quantity": 2,
                "unit": "Tons",
                "collected_date": "2026-01-01T00:00:00Z",
            },
            timeout=5,
        )
        assert created.status_code == 201
        assert (tmp_path / "collections.db").exists()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)

    assert f"Gateway: {platform.public_url}" in output
    assert "curl" in output
    assert _processes_mentioning(str(run_dir)) == []
