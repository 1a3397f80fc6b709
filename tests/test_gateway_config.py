"""The rendered gateway config passes `nginx -t`; a broken one is refused."""

import re

import pytest

from deploy import gateway, state
from deploy.platform import Platform
from service_kit.web import requests
from tests.performance.load import floors


def test_the_default_config_renders_and_passes_nginx_t(tmp_path):
    config = gateway.render(Platform(run_dir=tmp_path / "run"), state.load(tmp_path))

    gateway.check(config)
    text = config.read_text()
    assert "listen 127.0.0.1:8080;" in text  # this machine only, by default
    assert "listen 127.0.0.1:8081;" in text
    assert "${" not in text
    upstream = (config.parent / "upstreams" / "collections.conf").read_text()
    assert "server 127.0.0.1:5101;" in upstream
    assert "keepalive" in upstream


def test_a_config_nginx_rejects_raises_with_nginx_s_message(tmp_path):
    config = gateway.render(Platform(run_dir=tmp_path / "run"), state.load(tmp_path))
    routes = config.parent / "routes" / "collections.conf"
    routes.write_text(routes.read_text().replace("proxy_pass", "proxy_passs"))

    with pytest.raises(gateway.GatewayConfigError, match="proxy_passs"):
        gateway.check(config)


def test_the_gateway_and_the_services_keep_the_same_request_ids():
    template = (gateway.TEMPLATES / "nginx.conf.template").read_text()
    [gateway_rule] = re.findall(r'"~(\^\[.*?\$)"', template)

    assert gateway_rule == requests._VALID_REQUEST_ID.pattern


def test_the_benchmark_floors_config_with_the_gateways_snippets_passes_nginx_t(tmp_path):
    gateway.check(floors.render_config(tmp_path))
