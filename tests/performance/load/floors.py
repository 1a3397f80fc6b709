"""The two floors, started beside the system for one harness run: nginx
answering a fixed JSON body itself, and the Flask floor app behind the same
gunicorn settings as the services and the same nginx settings as the gateway."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

import requests

from deploy import wait
from deploy.gateway import TEMPLATES, children_of, nginx_binary
from deploy.platform import REPO_ROOT

HERE = Path(__file__).resolve().parent
NGINX_PORT = 29090
FLASK_PORT = 29091


def render_config(run_dir: Path) -> Path:
    """The floors' nginx config under `run_dir` (the gateway's snippets)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "floor-nginx.conf"
    values = {
        "RUN_DIR": str(run_dir),
        "FLASK_PORT": str(FLASK_PORT),
        "NGINX_PORT": str(NGINX_PORT),
        "SNIPPETS": str(TEMPLATES / "snippets"),
    }
    config.write_text(
        Template((HERE / "floor-nginx.conf.template").read_text()).safe_substitute(values)
    )
    return config


@contextmanager
def floors(run_dir: Path, python_bin: Path) -> Iterator[tuple[str, list[int]]]:
    """Start both floors; yield the base URL (/nginx/fixed, /flask/fixed) and
    the Flask floor's processes."""
    config = render_config(run_dir)
    flask = subprocess.Popen(
        [
            str(python_bin / "gunicorn"),
            "--config",
            str(REPO_ROOT / "collections_service" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{FLASK_PORT}",
            "tests.performance.load.floor_app:app",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = subprocess.Popen([nginx_binary(), "-e", "stderr", "-c", str(config)])
    base = f"http://127.0.0.1:{NGINX_PORT}"
    try:
        flask_url = f"{base}/flask/fixed"
        wait.until(lambda: _answers(flask_url), 30.0, f"{flask_url} did not answer")
        yield base, [flask.pid, *children_of(flask.pid)]
    finally:
        for process in (nginx, flask):
            process.terminate()
            process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # refused while the floor starts
        return False
