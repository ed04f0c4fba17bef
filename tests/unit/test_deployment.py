"""What the production files promise (docker/): restart policies, a stop grace period
above the 5 s graceful stop, health checks and a load balancer that waits for healthy
nodes and resolves their names at run time, no default secrets, pinned images and
dependencies, a numeric non-root user, a build context without the virtualenv, git or
a local database; nginx's configuration accepted by nginx itself; and the metrics
documented, exposed and charted alike."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
GRACEFUL_STOP_SECONDS = 5  # the service's own stop, with streams and sockets open
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|AUTH|API_KEY|ACCOUNT_SID|DATABASE_URL")
REQUIRED = re.compile(r"\$\{(\w+):\?[^}]*\}")  # ${NAME:?message}: no value, no start
DEFAULTED = re.compile(r"\$\{\w+:?-")  # ${NAME:-default} or ${NAME-default}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return loaded


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration):
        total += float(amount) * units[unit]
    return total


def nodes(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if "build" in s}


def test_every_service_restarts_and_nodes_outlast_their_graceful_stop() -> None:
    services = compose()["services"]
    assert len(nodes(services)) >= 2
    for name, service in services.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert "healthcheck" in service, f"{name} has no health check"
        assert seconds(service["healthcheck"]["timeout"]) > 0
    for name, node in nodes(services).items():
        grace = seconds(node["stop_grace_period"])
        assert grace > GRACEFUL_STOP_SECONDS, f"{name}: {grace} s"
        assert node.get("stop_signal", "SIGTERM") == "SIGTERM"
        assert "/readyz" in " ".join(node["healthcheck"]["test"])
        assert node["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "nodes" in node["networks"]["default"]["aliases"]
    assert seconds(services["postgres"]["stop_grace_period"]) >= 30


def test_the_load_balancer_waits_for_healthy_nodes_and_resolves_them_at_run_time() -> None:
    services = compose()["services"]
    lb = services["lb"]
    assert lb["depends_on"] == {name: {"condition": "service_healthy"} for name in nodes(services)}
    conf = (DOCKER / "nginx.conf").read_text()
    assert re.search(r"^\s*resolver 127\.0\.0\.11 valid=\d+s", conf, re.M)
    # A variable in proxy_pass is resolved per request through the resolver (a name in
    # an upstream block is resolved once, at start).
    variable = re.search(r"set \$(\w+) nodes:8080;", conf)
    assert variable and f"proxy_pass http://${variable.group(1)};" in conf
    assert not re.search(r"^\s*upstream\s", conf, re.M)


def test_nginx_accepts_its_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: run tools/ensure-nginx"
    (tmp_path / "logs").mkdir()
    checked = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(DOCKER / "nginx.conf"),
            "-g",
            f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_no_secret_has_a_default_and_the_required_ones_stop_compose() -> None:
    services = compose()["services"]
    required: set[str] = set()
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if not SECRET.search(key) or value is None:
                continue  # None: passed on from the environment when set, else absent
            text = str(value)
            assert not DEFAULTED.search(text), f"{name}.{key} has a default: {text}"
            found = REQUIRED.findall(text)
            assert found, f"{name}.{key} is written in the file: {text}"
            # Only the parts that are secrets are interpolated; in a URL, the password.
            required.update(found)
    assert {"POSTGRES_PASSWORD", "DIALER_PARTNER__SECRET"} <= required
    node_env = next(iter(nodes(services).values()))["environment"]
    for twilio in ("ACCOUNT_SID", "AUTH_TOKEN", "API_SECRET"):
        assert node_env[f"DIALER_TWILIO__{twilio}"] is None
    assert node_env["DIALER_METRICS__TOKEN"] is None
    example = (DOCKER / "example.env").read_text()
    for line in example.splitlines():
        if SECRET.search(line) and not line.startswith("#"):
            assert line.endswith("="), f"example.env gives a secret: {line}"


def test_images_and_dependencies_are_pinned() -> None:
    for name, service in compose()["services"].items():
        if "image" in service and "build" not in service:
            assert re.fullmatch(
                r"[\w./-]+:\d+\.\d+(\.\d+)?-[\w.-]+(@sha256:[0-9a-f]{64})?", service["image"]
            ), f"{name}: {service['image']} is not an exact tag"
    dockerfile = (DOCKER / "Dockerfile").read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
    assert base and re.fullmatch(
        r"python:\d+\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", base.group(1)
    ), "the base image is pinned by exact tag and digest"
    assert "pip install --require-virtualenv -r requirements.lock" in dockerfile
    assert "pip install --no-deps" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), "a numeric user, not root"

    locked: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert re.fullmatch(r"[\w.+-]+", version), f"not pinned: {line}"
            locked[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = {"sys_platform": "linux", "python_version": "3.11"}
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        if requirement.marker and not Marker(str(requirement.marker)).evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run tools/lock-requirements"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{name}=={locked[name]} does not satisfy {spec}: run tools/lock-requirements"
        )


def test_the_build_context_leaves_out_the_virtualenv_git_and_local_data() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", ".dialer"} <= ignored
    dockerfile = (DOCKER / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert copied not in ignored, f"the Dockerfile copies {copied}, which is ignored"


def test_every_metric_is_documented_exposed_and_charted() -> None:
    code = (ROOT / "dialer" / "monitoring.py").read_text() + (
        ROOT / "dialer" / "metrics.py"
    ).read_text()
    exposed = set(re.findall(r'"(dialer_[a-z_]+)"', code))
    counters = set(re.findall(r'CounterMetricFamily\(\s*"(dialer_[a-z_]+)"', code))
    exposed = {f"{name}_total" if name in counters else name for name in exposed}
    operations = (ROOT / "docs" / "operations.md").read_text()
    documented = set(re.findall(r"^\| `(dialer_[a-z_]+)` \|", operations, re.M))
    assert documented == exposed
    dashboard = json.loads((DOCKER / "grafana-dashboard.json").read_text())
    queries = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    for name in exposed:
        assert name in queries, f"{name} is on no panel of the dashboard"


def test_the_lock_script_is_the_one_the_lock_names() -> None:
    script = ROOT / "tools" / "lock-requirements"
    assert script.stat().st_mode & 0o111
    assert "tools/lock-requirements" in (ROOT / "requirements.lock").read_text()
