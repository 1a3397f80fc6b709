"""Render supervisord's config and talk to it.

Every colour of every service is a program (started only when it is live);
nginx is one more. A deploy starts and stops colours with supervisorctl.
"""

import os
import shlex

# Operator commands run fixed programs with argument lists, never a shell.
import subprocess  # nosec B404
from pathlib import Path

from deploy import monitoring, releases
from deploy.platform import COLOURS, REPO_ROOT, SERVICES, Platform, Service
from deploy.state import ServiceState


class SupervisorError(RuntimeError):
    """supervisorctl could not do what it was asked."""


def supervisorctl(platform: Platform, *args: str, check: bool = False) -> str:
    """Run a supervisorctl command against this platform's supervisord."""
    config = platform.run_dir / "supervisord.conf"
    # Supervisorctl from the venv, our own arguments.
    result = subprocess.run(  # nosec B603
        [str(platform.bin_dir / "supervisorctl"), "-c", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        said = (result.stdout + result.stderr).strip()
        raise SupervisorError(f"supervisorctl {' '.join(args)}: {said}")
    return result.stdout


def _environment(env: dict[str, str]) -> str:
    # supervisord's own quoting: KEY="value" pairs, with % doubled.
    return ",".join(
        f'{key}="{value.replace("%", "%%").replace(chr(34), "")}"' for key, value in env.items()
    )


def _logging(platform: Platform, name: str) -> str:
    if platform.log_to_console:
        return "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true"
    return f"stdout_logfile={platform.run_dir / 'logs' / name}.log\nredirect_stderr=true"


def _colour_program(platform: Platform, service: Service, colour: str, live: bool) -> str:
    """A colour's gunicorn, from the colour's release folder and in its
    environment, stopped as a group on SIGTERM (gunicorn's graceful timeout
    is 30 s)."""
    release = platform.release_dir(service, colour)
    name = service.program(colour)
    gunicorn = [
        str(releases.python(platform, service, colour)),
        "-m",
        "gunicorn",
        "--config",
        str(release / service.package / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{platform.port(service, colour)}",
        service.app,
    ]
    return f"""
[program:{name}]
command={shlex.join(gunicorn)}
directory={release}
environment={_environment(platform.service_env(service, colour))}
autostart={str(live).lower()}
autorestart=true
startsecs=2
startretries=1
stopsignal=TERM
stopwaitsecs=35
stopasgroup=true
killasgroup=true
{_logging(platform, name)}
"""


def _issuer_program(platform: Platform) -> str:
    """The embedded identity provider (deploy/issuer.py): started first, as
    the services ask it for their tokens."""
    gunicorn = [
        str(platform.bin_dir / "gunicorn"),
        "--config",
        str(REPO_ROOT / "deploy" / "issuer.conf.py"),
        "--bind",
        f"127.0.0.1:{platform.issuer_port}",
        "deploy.issuer:create_app()",
    ]
    return f"""
[program:issuer]
command={shlex.join(gunicorn)}
directory={REPO_ROOT}
environment={_environment(platform.issuer_env())}
priority=100
autorestart=true
startsecs=1
stopsignal=TERM
stopasgroup=true
killasgroup=true
{_logging(platform, "issuer")}
"""


def _gateway_program(platform: Platform, nginx: str, config_file: Path) -> str:
    # The workers read the files the gateway serves (the public document
    # under run_dir, the docs page in the repository): they run as whoever
    # started the platform. Started by root, nginx would otherwise switch
    # them to `nobody`, who may not reach a private folder.
    directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    command = [nginx, "-e", "stderr", "-c", str(config_file), "-g", directives]
    return f"""
[program:gateway]
command={shlex.join(command)}
autorestart=true
startsecs=1
stopsignal=QUIT
stopwaitsecs=160
stopasgroup=true
killasgroup=true
{_logging(platform, "gateway")}
"""


def _monitoring_programs(platform: Platform) -> str:
    """Prometheus, Alertmanager and the exporters, when the platform monitors."""
    if not platform.monitor:
        return ""
    return "".join(
        f"""
[program:{name}]
command={shlex.join(command)}
environment={_environment(env | {"PATH": os.environ.get("PATH", "")})}
autorestart=true
startsecs=1
stopsignal=TERM
stopwaitsecs=20
{_logging(platform, name)}
"""
        for name, (command, env) in monitoring.programs(platform).items()
    )


def render(
    platform: Platform, states: dict[str, ServiceState], nginx: str, gateway_config: Path
) -> Path:
    """Write run_dir/supervisord.conf and return its path."""
    run = platform.run_dir
    (run / "logs").mkdir(parents=True, exist_ok=True)
    programs = "".join(
        _colour_program(platform, service, colour, colour == states[service.name].live)
        for service in SERVICES
        for colour in COLOURS
    )
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
{_issuer_program(platform)}{programs}{_gateway_program(platform, nginx, gateway_config)}\
{_monitoring_programs(platform)}"""
    # It holds the services' client secrets: for its owner's eyes only.
    config = run / "supervisord.conf"
    config.touch(mode=0o600)
    config.chmod(0o600)
    config.write_text(text)
    return config
