"""docker-compose without a Docker engine: both colours of every service in the
compose file, the gateway config as the image renders it passing nginx -t,
and the image's swap script (gateway-route) run against a real nginx."""

import subprocess

import pytest
import yaml

from deploy import compose, gateway
from deploy.platform import REPO_ROOT, SERVICES, service_named
from deploy.state import ServiceState

ROUTE = REPO_ROOT / "gateway" / "bin" / "route.sh"


@pytest.fixture(scope="module")
def compose_file() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_each_service_has_a_migration_and_two_colours_green_behind_a_profile(compose_file, service):
    services = compose_file["services"]

    for name in (service.program("blue"), service.program("green")):
        assert services[name]["image"] == f"waste/{service.name}:${{TAG:-dev}}"
    assert "profiles" not in services[service.program("blue")]
    assert services[service.program("green")]["profiles"] == ["green"]
    assert services[f"{service.name}-migrate"]["command"][-1] == "migrate"


def test_the_gateway_as_the_image_renders_it_passes_nginx_t(tmp_path):
    """Rendered with the image's environment, checked where the image keeps it
    (/etc/nginx, /tmp/nginx) in a private mount namespace, with the compose
    service names in a hosts file of its own: nginx -t resolves upstreams."""
    config = compose.render_gateway(tmp_path / "etc-nginx")
    (tmp_path / "tmp" / "nginx").mkdir(parents=True)
    names = " ".join(
        address.split(":")[0] for s in SERVICES for address in compose.addresses(s).values()
    )
    (tmp_path / "hosts").write_text(f"127.0.0.1 localhost {names}\n")
    script = (
        f"mount --bind {tmp_path / 'hosts'} /etc/hosts"
        f" && mount --bind {config.parent} /etc/nginx"
        f" && mount --bind {tmp_path / 'tmp'} /tmp"
        f" && {gateway.nginx_binary()} -t -q -e stderr -c /etc/nginx/nginx.conf"
    )

    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    upstream = (config.parent / "upstreams" / "collections.conf").read_text()
    assert "server collections-blue:5101;" in upstream
    assert "resolver 127.0.0.11" in config.read_text()


def test_a_compose_canary_routes_to_both_colour_containers():
    collections = service_named("collections")
    state = ServiceState(live="blue", canary_percent=10)

    text = gateway.upstream_text(collections, compose.addresses(collections), state)

    assert (
        "server collections-blue:5101 weight=90; server collections-green:5101 weight=10;" in text
    )


def _route(system, tmp_path, service: str, text: str) -> subprocess.CompletedProcess:
    env = {
        "NGINX_CONF": str(system.run_dir / "nginx" / "nginx.conf"),
        "GATEWAY_ROUTING_DIR": str(tmp_path / "routing"),
        "PATH": f"{gateway.nginx_binary().rpartition('/')[0]}:/usr/bin:/bin",
    }
    return subprocess.run(
        ["sh", str(ROUTE), service],
        input=text,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_gateway_route_swaps_reloads_and_keeps_the_routing(system, public, tmp_path):
    upstream = system.run_dir / "nginx" / "upstreams" / "locations.conf"
    routed = upstream.read_text() + "# routed by gateway-route\n"
    master = int((system.run_dir / "nginx" / "nginx.pid").read_text())
    workers_before = gateway.children_of(master)

    result = _route(system, tmp_path, "locations", routed)

    assert result.returncode == 0, result.stderr
    assert upstream.read_text() == routed
    assert (tmp_path / "routing" / "locations.conf").read_text() == routed
    assert not gateway.children_of(master) & workers_before


def test_gateway_route_keeps_the_old_routing_when_nginx_refuses(system, public, tmp_path):
    upstream = system.run_dir / "nginx" / "upstreams" / "locations.conf"
    before = upstream.read_text()

    result = _route(system, tmp_path, "locations", "upstream locations { server ; }\n")

    assert result.returncode == 1
    assert "the old one stays" in result.stderr
    assert upstream.read_text() == before
    assert not (tmp_path / "routing").exists()


def test_each_colour_container_says_its_colour_in_its_metrics(compose_file):
    for service in SERVICES:
        for colour in ("blue", "green"):
            environment = compose_file["services"][service.program(colour)]["environment"]
            assert environment["SERVICE_COLOUR"] == colour
            assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/metrics"


def test_the_monitoring_profiles_configs_pass_promtool_and_amtool(compose_file):
    monitoring = REPO_ROOT / "monitoring"
    checks = [
        ["promtool", "check", "config", str(monitoring / "compose" / "prometheus.yml")],
        ["amtool", "check-config", str(monitoring / "compose" / "alertmanager.yml")],
    ]

    for check in checks:
        result = subprocess.run(check, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    for name in ("prometheus", "alertmanager", "grafana", "nginx-exporter", "postgres-exporter"):
        assert compose_file["services"][name]["profiles"] == ["monitoring"]
    mounted = compose_file["services"]["grafana"]["volumes"]
    assert "./monitoring/dashboards:/var/lib/grafana/dashboards:ro" in mounted
