"""Render supervisord's config: one program per service colour, one for nginx."""

import shlex
from pathlib import Path

from deploy import gateway
from deploy.platform import REPO_ROOT, SERVICES, Platform, Service


def _environment(env: dict[str, str]) -> str:
    # supervisord's own quoting: KEY="value" pairs, with % doubled.
    return ",".join(
        f'{key}="{value.replace("%", "%%").replace(chr(34), "")}"' for key, value in env.items()
    )


def _logging(platform: Platform, name: str) -> str:
    if platform.log_to_console:
        return "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true"
    return f"stdout_logfile={platform.run_dir / 'logs' / name}.log\nredirect_stderr=true"


def _service_program(platform: Platform, service: Service) -> str:
    gunicorn = platform.bin_dir / "gunicorn"
    command = [
        str(gunicorn),
        "--config",
        str(REPO_ROOT / service.package / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{platform.port(service)}",
        service.app,
    ]
    return _program(platform, f"{service.name}-blue", command, service, stop_seconds=35)


def _follower_program(platform: Platform, service: Service) -> str:
    command = [platform.python, "-m", service.package, "follow"]
    return _program(platform, f"{service.name}-follower", command, service, stop_seconds=10)


def _program(
    platform: Platform, name: str, command: list[str], service: Service, stop_seconds: int
) -> str:
    """A service's program: its environment, stopped as a group on SIGTERM."""
    return f"""
[program:{name}]
command={shlex.join(command)}
directory={REPO_ROOT}
environment={_environment(platform.service_env(service))}
autorestart=true
startsecs=2
stopsignal=TERM
stopwaitsecs={stop_seconds}
stopasgroup=true
killasgroup=true
{_logging(platform, name)}
"""


def _gateway_program(platform: Platform, config_file: Path) -> str:
    command = [gateway.nginx_binary(), "-e", "stderr", "-c", str(config_file), "-g", "daemon off;"]
    return f"""
[program:gateway]
command={shlex.join(command)}
autorestart=true
startsecs=1
stopsignal=QUIT
stopwaitsecs=35
stopasgroup=true
killasgroup=true
{_logging(platform, "gateway")}
"""


def render(platform: Platform, gateway_config: Path) -> Path:
    """Write run_dir/supervisord.conf and return its path."""
    run = platform.run_dir
    (run / "logs").mkdir(parents=True, exist_ok=True)
    programs = "".join(_service_program(platform, service) for service in SERVICES)
    programs += "".join(_follower_program(platform, s) for s in SERVICES if s.follower)
    text = f"""; Rendered by deploy/supervisor.py; do not edit.
[supervisord]
nodaemon=true
logfile={run / "supervisord.log"}
pidfile={run / "supervisord.pid"}
childlogdir={run / "logs"}
loglevel=warn

[unix_http_server]
file={run / "supervisor.sock"}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{run / "supervisor.sock"}
{programs}{_gateway_program(platform, gateway_config)}"""
    config = run / "supervisord.conf"
    config.write_text(text)
    return config
