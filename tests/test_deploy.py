"""deploy/: the files an operator uses are consistent with pricebot and with each other.

There is no Docker engine or cluster here, so the files are checked structurally
(and by `docker compose config`, `kubectl kustomize`, `systemd-analyze verify`
when those tools are present), and the Dockerfile's install command is run for real.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import Settings
from tests.replicas import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTINGS = {f"PRICEBOT_{name.upper()}" for name in Settings.model_fields}
# Variables the deploy files set that are not pricebot settings, and why.
OTHER_ENV = {
    "PGPASSWORD",  # libpq's password, so none is written into the database URL
    "MPLCONFIGDIR",  # matplotlib's cache, in a writable place
    "POSTGRES_PASSWORD",  # the postgres image's password (compose)
    "PRICEBOT_PUBLISH_PORT",  # compose: the host port (interpolated, not read by pricebot)
    "PRICEBOT_PUBLISH_ADDRESS",  # compose: the host address it is published on (loopback)
}
DEFAULT_PORT = Settings.model_fields["http_port"].default


def load_yaml(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def env_file_keys(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


# ---- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    steps = dockerfile_instructions()
    stages = [args for op, args in steps if op == "FROM"]
    assert len(stages) >= 2 and stages[-1].endswith("AS run")
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    (healthcheck,) = [args for op, args in final if op == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["pricebot", "health"]')
    env = " ".join(args for op, args in final if op == "ENV")
    assert f"PRICEBOT_HTTP_PORT={DEFAULT_PORT}" in env
    assert ("EXPOSE", str(DEFAULT_PORT)) in final
    assert ("ENTRYPOINT", '["pricebot"]') in final and ("CMD", '["run"]') in final
    for op, args in steps:
        if op == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        if op == "ENV":
            for key in re.findall(r"(PRICEBOT_[A-Z0-9_]*)=", args):
                assert key in SETTINGS, f"ENV {key} is not a pricebot setting"


def test_the_dockerfile_install_works_from_an_installed_copy(tmp_path: Path) -> None:
    """`pip install .` (the Dockerfile's command) gives a pricebot that runs without the source
    tree: migrations and the bundled catalog are in the package."""
    (install,) = [a for op, a in dockerfile_instructions() if op == "RUN" and "pip install" in a]
    assert shlex.split(install)[1:] == ["install", "."]
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "PRICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'pricebot.db'}",
    }

    def pricebot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(target / "bin" / "pricebot"), *args],
            cwd=tmp_path,  # not the repository: the installed copy must stand alone
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import bot, storage; print(bot.__file__, storage.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(path.startswith(str(target)) for path in where.stdout.split())
    # The build compiled the Chinese catalog into the package, and the copy speaks it.
    assert (target / "bot" / "locale" / "zh_Hans" / "LC_MESSAGES" / "pricebot.mo").is_file()
    spoken = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.i18n import translator; "
            "print(translator('zh').gettext('Language: {language}'))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert spoken.stdout.strip() == "语言：{language}"
    upgraded = pricebot("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    loaded = pricebot("catalog", "load")
    assert loaded.returncode == 0 and "new events" in loaded.stdout, loaded.stderr

    # The image's CMD (`pricebot run`) and HEALTHCHECK (`pricebot health`), from this copy.
    port = str(free_port())
    env.update(PRICEBOT_HTTP_PORT=port, PRICEBOT_CONSOLE="off", PRICEBOT_POLL_SOURCES="false")
    running = subprocess.Popen(
        [sys.executable, str(target / "bin" / "pricebot"), "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: pricebot("health").returncode == 0, 30, "pricebot health")
        assert pricebot("health", "--ready").stdout.strip() == '{"ready": true}'
    finally:
        running.send_signal(signal.SIGTERM)
        _, stderr = running.communicate(timeout=30)
    assert running.returncode == 0, stderr


# ---- compose.yaml -------------------------------------------------------------------------


def test_compose_file_starts_pricebot_with_postgresql() -> None:
    (compose,) = load_yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert set(services) == {"postgres", "pricebot"}
    postgres, pricebot = services["postgres"], services["pricebot"]

    volume, mount = postgres["volumes"][0].split(":")
    assert volume in compose["volumes"] and mount == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    assert (DEPLOY / pricebot["build"]["context"] / pricebot["build"]["dockerfile"]).is_file()
    assert pricebot["env_file"] == [".env"]
    assert pricebot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert pricebot["healthcheck"]["test"] == ["CMD", "pricebot", "health"]
    env = pricebot["environment"]
    url = urlsplit(env["PRICEBOT_DATABASE_URL"])
    assert url.hostname == "postgres" and url.password is None  # the password is PGPASSWORD
    assert url.path == "/" + postgres["environment"]["POSTGRES_DB"]
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    port = int(env["PRICEBOT_HTTP_PORT"])
    assert any(str(p).endswith(f":{port}") for p in pricebot["ports"])
    # Published on the host's loopback unless the operator opens it (issue 14).
    assert all(
        str(p).startswith("${PRICEBOT_PUBLISH_ADDRESS:-127.0.0.1}:") for p in pricebot["ports"]
    )
    for key in env:
        assert key in SETTINGS | OTHER_ENV, f"{key} is not a pricebot setting"


def test_env_example_defines_what_compose_needs_and_only_real_settings() -> None:
    example = env_file_keys(DEPLOY / "env.example")
    for key in example:
        assert key in SETTINGS | OTHER_ENV, f"env.example: {key} is not a pricebot setting"
    compose_text = (DEPLOY / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", compose_text))
    assert required and required <= set(example)


def test_env_example_as_shipped_turns_no_platform_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its empty lines mean "not set", not "a token that is the empty string"."""
    for key in SETTINGS:
        monkeypatch.delenv(key, raising=False)
    settings = Settings(_env_file=DEPLOY / "env.example")  # type: ignore[call-arg]
    assert settings.log_format == "json"
    assert settings.telegram_token is None and settings.telegram_webhook_url is None
    assert settings.slack_bot_token is None and settings.slack_app_token is None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True) if docker else None
    if probe is None or probe.returncode != 0:
        pytest.skip("docker compose is not installed; the structural checks above ran instead")
    shutil.copy(DEPLOY / "env.example", tmp_path / ".env")
    checked = subprocess.run(
        [
            *(docker, "compose", "--project-directory", DEPLOY, "--env-file", tmp_path / ".env"),
            *("-f", DEPLOY / "compose.yaml", "config", "--quiet"),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


# ---- Kubernetes ---------------------------------------------------------------------------


def k8s_objects() -> dict[str, dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    files = set(kustomization["resources"])
    on_disk = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert files == on_disk, "kustomization.yaml must list every manifest"
    docs = [doc for name in sorted(files) for doc in load_yaml(DEPLOY / "k8s" / name)]
    return {doc["kind"]: doc for doc in docs}


def test_kubernetes_manifests_fit_together() -> None:
    objects = k8s_objects()
    assert set(objects) == {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
    }
    config, secret = objects["ConfigMap"]["data"], objects["Secret"]["stringData"]
    for key in [*config, *secret]:
        assert key in SETTINGS, f"{key} is not a pricebot setting"
    port = int(config["PRICEBOT_HTTP_PORT"])

    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] > 1
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["labels"] == deployment["spec"]["selector"]["matchLabels"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    sources = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
    assert sources == {
        "configMapRef": objects["ConfigMap"]["metadata"]["name"],
        "secretRef": objects["Secret"]["metadata"]["name"],
    }
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)

    service = objects["Service"]
    assert service["spec"]["selector"] == pod["metadata"]["labels"]
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert service_ports["http"]["targetPort"] == "http"

    paths = {}
    for rule in objects["Ingress"]["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"]["name"] in service_ports
            paths[path["path"]] = rule["host"]
    webhook = urlsplit(config["PRICEBOT_TELEGRAM_WEBHOOK_URL"])
    assert any(webhook.path.startswith(p) and webhook.hostname == h for p, h in paths.items())
    assert "/slack" in paths
    assert not any(p in {"/", "/metrics"} for p in paths), "keep /metrics off the Ingress"


def test_kubectl_kustomize_builds_the_manifests() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the structural checks above ran instead")
    built = subprocess.run(
        [kubectl, "kustomize", DEPLOY / "k8s"], capture_output=True, text=True, timeout=60
    )
    assert built.returncode == 0, built.stderr
    kinds = {doc["kind"] for doc in yaml.safe_load_all(built.stdout) if doc}
    assert {"Deployment", "Service", "Ingress"} <= kinds


# ---- systemd ------------------------------------------------------------------------------


def unit_entries(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) for every line; keys may repeat (Environment=)."""
    entries, section = [], ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        else:
            key, value = line.split("=", 1)
            entries.append((section, key, value))
    return entries


def test_systemd_unit_runs_pricebot_unprivileged(tmp_path: Path) -> None:
    text = (DEPLOY / "systemd" / "pricebot.service").read_text()
    entries = unit_entries(text)
    service = {key: value for section, key, value in entries if section == "Service"}
    assert service["ExecStart"].endswith("/bin/pricebot run")
    assert service["User"] not in {"root", "0"}
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].lstrip("-").startswith("/etc/pricebot/")
    environment = [v for s, k, v in entries if s == "Service" and k == "Environment"]
    for assignment in environment:
        assert assignment.split("=", 1)[0] in SETTINGS | OTHER_ENV
    database = next(a for a in environment if a.startswith("PRICEBOT_DATABASE_URL="))
    assert database.endswith(f"/var/lib/{service['StateDirectory']}/pricebot.db")

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    # Verify the unit as installed with this test's virtualenv in /opt/pricebot's place.
    executable = Path(sys.executable).parent / "pricebot"
    if not executable.exists():
        return
    unit = tmp_path / "pricebot.service"
    unit.write_text(text.replace("/opt/pricebot/bin/pricebot", str(executable)))
    verified = subprocess.run([analyze, "verify", unit], capture_output=True, text=True)
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")


SYSTEMD_ENV = DEPLOY / "systemd" / "pricebot.env.example"
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "PRICEBOT_PUBLISH_PORT"}


def test_systemd_env_example_is_systemd_syntax_and_blanks_none_of_the_units_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """EnvironmentFile= overrides Environment=: an empty line would unset the unit's value."""
    lines = [
        line
        for line in SYSTEMD_ENV.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for line in lines:
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", line), f"not systemd KEY=value: {line!r}"
    example = env_file_keys(SYSTEMD_ENV)
    assert set(example) <= SETTINGS | OTHER_ENV
    assert not set(example) & COMPOSE_ONLY
    unit = (DEPLOY / "systemd" / "pricebot.service").read_text()
    unit_set = {v.split("=", 1)[0] for s, k, v in unit_entries(unit) if k == "Environment"}
    blanked = {key for key, value in example.items() if key in unit_set and not value}
    assert not blanked
    for key in SETTINGS:
        monkeypatch.delenv(key, raising=False)
    settings = Settings(_env_file=SYSTEMD_ENV)  # type: ignore[call-arg]
    assert settings.telegram_token is None and settings.slack_bot_token is None


def test_systemd_install_steps_install_the_systemd_env_file_and_the_documentation() -> None:
    unit = (DEPLOY / "systemd" / "pricebot.service").read_text()
    readme = (ROOT / "README.md").read_text()
    for steps in (unit, readme):
        assert "install -m 600 deploy/systemd/pricebot.env.example /etc/pricebot/pricebot.env" in (
            steps
        )
        assert "deploy/env.example /etc/pricebot" not in steps
    installed = dict(
        (target, source)
        for source, target in re.findall(r"sudo install -m \d+ (\S+) (/opt/pricebot/\S+)", unit)
    )
    documentation = [v for s, k, v in unit_entries(unit) if k == "Documentation"]
    assert documentation
    for uri in " ".join(documentation).split():
        parsed = urlsplit(uri)
        if parsed.scheme != "file":
            continue
        assert parsed.path in installed, f"nothing installs {parsed.path}"
        assert (ROOT / installed[parsed.path]).is_file()


def test_pyproject_license_is_an_spdx_string_its_build_backend_accepts() -> None:
    """A TOML-table license made setuptools warn on every install (issue 17, item 13)."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    backend = next(
        Requirement(r)
        for r in project["build-system"]["requires"]
        if Requirement(r).name == "setuptools"
    )
    # setuptools 77 is the first to take `license = "SPDX"`; any allowed version must.
    assert not backend.specifier.contains(Version("76.9"))
    assert backend.specifier.contains(Version("77.0"))
    # A flat layout named as such: editable installs use a .pth, with no finder warning.
    assert project["tool"]["setuptools"]["package-dir"] == {"": "."}
