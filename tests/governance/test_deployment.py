"""Production configuration: settings refuse unsafe starts, `check --deploy` is clean, and
docker-compose.yml and .env.example agree with what the settings module reads."""

import re

import pytest
import yaml
from django.conf import settings

from tests.conftest import PROJECT_DIR, run_manage

APP_SERVICES = ("migrate", "web", "worker", "beat")


def _env_example() -> dict[str, str]:
    values = {}
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def _production_env(tmp_path) -> dict[str, str]:
    """The .env.example values, as a container would get them, on a throwaway database."""
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "governance.settings"}
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            env[match[1]] = match[2]
    env["SECRET_KEY"] = "x" * 20 + "-production-key-with-enough-entropy-0123456789abcdef"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    return env


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_reject_a_malformed_boolean(tmp_path):
    env = _production_env(tmp_path) | {"DEBUG": "maybe"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_environment_variable_is_documented_in_env_example_and_readme():
    documented = _env_example()
    readme = (PROJECT_DIR / "README.md").read_text()
    read_by_settings = set(settings.ENVIRONMENT_VARIABLES)
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG"} <= read_by_settings
    assert read_by_settings - set(documented) == set()
    assert {name for name in read_by_settings if f"`{name}`" not in readme} == set()


def test_compose_has_every_production_service(compose):
    assert set(compose["services"]) >= {"postgres", "redis", *APP_SERVICES}


def test_compose_app_services_share_one_image_and_settings_module(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert images == {"rsp-governance:latest"}
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "."
        assert service["env_file"] == ".env"
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "governance.settings"


def test_compose_urls_point_at_the_compose_database_and_broker(compose):
    services = compose["services"]
    postgres_env = services["postgres"]["environment"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        database = re.match(r"postgres://(\w+):.+@(\w+):5432/(\w+)$", env["DATABASE_URL"])
        assert database, env["DATABASE_URL"]
        # Only migrations run as the tables' owner; the application as a role that owns none.
        owner = postgres_env["POSTGRES_USER"]
        assert database[1] == (owner if name == "migrate" else "governance_app")
        assert database[2] == "postgres"
        assert database[3] == postgres_env["POSTGRES_DB"]
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    # Migrations wait for healthy services; everything else waits for the migrations.
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_compose_commands_run_the_project_modules(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn" and web[1] == "governance.wsgi:application"
    assert services["worker"]["command"][:4] == ["celery", "-A", "governance", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "governance", "beat"]
    assert services["migrate"]["command"] == [
        "sh",
        "-c",
        "python manage.py migrate --noinput && "
        "python manage.py grant_app_role governance_app --password-env APP_DB_PASSWORD",
    ]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    # The web healthcheck calls a URL that exists and needs no login.
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])


def test_compose_command_targets_import(compose):
    import importlib

    module, attribute = compose["services"]["web"]["command"][1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    celery_app = importlib.import_module(compose["services"]["worker"]["command"][2]).celery_app
    assert celery_app.main == "governance"


def test_beat_schedule_names_registered_tasks():
    from governance.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_make_install_does_nothing_when_the_environment_is_up_to_date():
    import subprocess

    if not (PROJECT_DIR / ".venv" / ".installed-stamp").exists():
        pytest.skip("run through `make test`, which installs .venv first")
    # `make -q` exits 0 only when the target is up to date, i.e. it would run nothing.
    result = subprocess.run(["make", "-q", "install"], cwd=PROJECT_DIR, check=False)
    assert result.returncode == 0


def test_health_check_answers_a_local_probe_under_production_settings(tmp_path):
    """The compose probe calls http://127.0.0.1:8000/healthz/: no allowed host, no TLS."""
    probe = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz/', HTTP_HOST='127.0.0.1:8000')\n"
        "print(r.status_code, r.content.decode())\n"
        "r = Client().get('/login/', HTTP_HOST='governance.example.org')\n"
        "print(r.status_code)\n"
    )
    import subprocess
    import sys

    env = _production_env(tmp_path)
    run_manage("migrate", "--noinput", env=env)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    health, login = result.stdout.splitlines()
    assert health == '200 {"status": "ok"}'
    assert login == "301"  # everything else still goes to HTTPS


def _requirement_names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower() for line in requirements}


def test_every_install_takes_the_locked_versions():
    """constraints.txt pins every dependency (a new release upstream cannot change what runs
    until `make lock-upgrade`), and make, CI (through make) and the image install with it."""
    import re
    import tomllib

    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    wanted = _requirement_names(project["dependencies"] + project["optional-dependencies"]["dev"])
    lock = (PROJECT_DIR / "constraints.txt").read_text()
    pinned = {
        name.lower().replace("_", "-")
        for name in re.findall(r"^([A-Za-z0-9_.-]+)==\S+", lock, flags=re.MULTILINE)
    }
    assert wanted - pinned == set()
    assert not re.search(r"^[A-Za-z0-9_.-]+\s*(>=|<=|~=|>|<)", lock, flags=re.MULTILINE)
    assert "--constraint $(LOCK)" in (PROJECT_DIR / "Makefile").read_text()
    assert "LOCK := constraints.txt" in (PROJECT_DIR / "Makefile").read_text()
    assert "--constraint constraints.txt" in (PROJECT_DIR / "Dockerfile").read_text()
    assert "make test" in (PROJECT_DIR / ".ci" / "run").read_text()
