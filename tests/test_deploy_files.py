"""Deploy files (deploy/k8s/, deploy/compose.yaml, docs/deploy.md), checked offline.

- every Kubernetes manifest validates against the Kubernetes API's schemas bundled in
  kubernetes-validate (strict: an unknown field is an error; nothing is downloaded);
- every variable the production settings require is set for every app container, in the
  manifests and in compose;
- the probes and health checks ask paths the app serves, and get 200 from the production
  settings over plain HTTP (a redirect to HTTPS would count as a success for Kubernetes);
- the migration Job runs the web's image, and the beat is a single replica.
"""
from __future__ import annotations

import ast
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose.yaml"
KUBERNETES_VERSION = "1.31"
APP_SERVICES = ("migrate", "web", "worker", "beat")


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _manifests() -> list[tuple[Path, dict]]:
    """Every Kubernetes object of deploy/k8s (kustomize's own file and the KEDA CRD aside)."""
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        out += [(path, d) for d in _docs(path)]
    return out


def _objects(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _p, d in _manifests() if d["kind"] == kind}


def _pod_specs() -> dict[str, dict]:
    specs = {name: d["spec"]["template"]["spec"] for name, d in _objects("Deployment").items()}
    specs.update({name: d["spec"]["template"]["spec"] for name, d in _objects("Job").items()})
    return specs


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


# --- the manifests are valid Kubernetes objects ----------------------------------------------


def test_every_manifest_validates_against_the_kubernetes_schemas():
    found = _manifests()
    kinds = sorted(d["kind"] for _p, d in found)
    assert kinds == sorted([
        "ConfigMap", "Deployment", "Deployment", "Deployment", "HorizontalPodAutoscaler",
        "HorizontalPodAutoscaler", "Ingress", "Job", "Namespace", "PodDisruptionBudget", "PodDisruptionBudget",
        "Secret", "Service",
    ])
    for path, doc in found:
        assert kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION, path


def test_the_validator_refuses_a_wrong_manifest():
    web = json.loads(json.dumps(_objects("Deployment")["pms-web"]))
    web["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/healthz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)
    web = json.loads(json.dumps(_objects("Deployment")["pms-web"]))
    web["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_migration_job():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert files - listed == {"migrate-job.yaml"}  # applied and waited for first (docs/deploy.md)
    assert listed <= files


# --- every required variable is set --------------------------------------------------------------


def _required_by_settings() -> set[str]:
    """Variables the production settings read without a default, plus the documented
    production block of docs/deployment.md (what `check --deploy` is run with)."""
    required = set()
    for module in ("base.py", "prod.py"):
        tree = ast.parse((ROOT / "config" / "settings" / module).read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
                and func.attr in {"bool", "int", "float", "str", "list", "db", "url", "json"}
            )
            first = node.args[0]
            if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str) \
                    and not any(k.arg == "default" for k in node.keywords):
                required.add(first.value)
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = text.split("<!-- production-env", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    required |= {line.split("=", 1)[0] for line in block.strip().splitlines()}
    return required


def test_the_required_variables_are_the_expected_ones():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE"} <= _required_by_settings()


def _container_env(spec: dict, container: dict) -> dict[str, str]:
    maps = {**_objects("ConfigMap"), **_objects("Secret")}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef")
        obj = maps[ref["name"]]
        env.update(obj.get("data") or {})
        env.update(obj.get("stringData") or {})
    env.update({e["name"]: e.get("value", "<from>") for e in container.get("env", [])})
    return env


def test_every_app_container_of_the_manifests_has_every_required_variable():
    required = _required_by_settings()
    specs = _pod_specs()
    assert set(specs) == {"pms-web", "pms-worker", "pms-beat", "pms-migrate-1-0-0"}
    for name, spec in specs.items():
        for container in spec["containers"]:
            env = _container_env(spec, container)
            assert required - set(env) == set(), (name, container["name"])
            assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
            assert all(str(env[k]).strip() for k in required), (name, "empty value")


def test_every_app_service_of_compose_has_every_required_variable():
    required = _required_by_settings()
    services = _compose()["services"]
    assert {"db", "redis", "pgbouncer", *APP_SERVICES} <= set(services)
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert required - set(env) == set(), name
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
        assert "${DJANGO_SECRET_KEY:?" in env["DJANGO_SECRET_KEY"]  # refuses to start without it


# --- probes ask real paths, and get 200 over plain HTTP in production ------------------------------------


def _probes() -> list[tuple[str, str, str]]:
    """(where, path, Host header) of every HTTP probe and health check."""
    out = []
    for name, spec in _pod_specs().items():
        for c in spec["containers"]:
            for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
                get = (c.get(kind) or {}).get("httpGet")
                if get:
                    host = {h["name"]: h["value"] for h in get.get("httpHeaders", [])}.get("Host", "127.0.0.1")
                    out.append((f"{name}.{kind}", get["path"], host))
    test = _compose()["services"]["web"]["healthcheck"]["test"]
    url = next(part for part in test if "http://" in part).split("'")[1]
    out.append(("compose web", "/" + url.split("/", 3)[3], "127.0.0.1"))
    dockerfile = (ROOT / "Dockerfile").read_text().split("HEALTHCHECK", 1)[1].split("\n", 1)[0]
    out.append(("Dockerfile", "/" + dockerfile.split("http://127.0.0.1:8000/", 1)[1].split("'", 1)[0], "127.0.0.1"))
    return out


def test_the_web_has_liveness_and_readiness_probes():
    web = _pod_specs()["pms-web"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["port"] == "http"
    assert {p["name"]: p["containerPort"] for p in web["ports"]} == {"http": 8000}


@pytest.mark.django_db
def test_every_probe_path_answers_200_with_the_production_settings_over_plain_http():
    from django.urls import Resolver404, resolve

    probes = _probes()
    assert {p for _w, p, _h in probes} <= {"/healthz", "/readyz"}
    try:
        resolve("/readyz", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    except Resolver404:
        pytest.skip("the app has no /readyz yet (it comes with the readiness check of issue 24)")
    configmap = _objects("ConfigMap")["pms-config"]["data"]
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PMS_TEST"))}
    env.update(configmap)
    env.update({
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    })
    code = (
        "import django, json, sys; django.setup(); from django.test import Client; "
        "probes = json.loads(sys.argv[1]); out = []\n"
        "for where, path, host in probes:\n"
        "    r = Client(HTTP_HOST=host).get(path)\n"
        "    out.append([where, path, r.status_code, r.get('Location')])\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([sys.executable, "-c", code, json.dumps(probes)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert [(w, p, s, loc) for w, p, s, loc in answers if s != 200] == []
    assert len(answers) == len(probes) >= 5


# --- one image, migrations first, one beat ----------------------------------------------------------


def test_the_migration_job_runs_the_web_image_and_setup_db():
    specs = _pod_specs()
    web_image = specs["pms-web"]["containers"][0]["image"]
    job = specs["pms-migrate-1-0-0"]
    assert job["containers"][0]["image"] == web_image
    assert job["containers"][0]["args"] == ["python", "manage.py", "setup_db"]
    assert job["restartPolicy"] == "Never"
    assert {specs[n]["containers"][0]["image"] for n in ("pms-worker", "pms-beat")} == {web_image}
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    image = kustomization["images"][0]
    assert f"{image['name']}:{image['newTag']}" == web_image
    assert (ROOT / "apps/tenancy/management/commands/setup_db.py").exists()


def test_compose_runs_the_migrations_before_web_worker_and_beat_from_one_image():
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "setup_db"]
    assert services["migrate"]["restart"] == "no"
    images = {services[n]["image"] for n in APP_SERVICES}
    assert len(images) == 1
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_one_beat_and_autoscaled_web_and_workers_with_disruption_budgets():
    beat = _objects("Deployment")["pms-beat"]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in _objects("HorizontalPodAutoscaler").values()}
    assert set(hpas) == {"pms-web", "pms-worker"}
    assert hpas["pms-web"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpas["pms-worker"]["spec"]["metrics"][0]["external"]["metric"]["name"] == "pms_celery_queue_depth"
    pdbs = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in _objects("PodDisruptionBudget").values()}
    assert pdbs == {"pms-web", "pms-worker"}
    assert "replicas" not in _compose()["services"]["beat"].get("deploy", {})
    keda = _docs(K8S / "keda" / "scaledobject.yaml")[0]
    assert keda["spec"]["scaleTargetRef"]["name"] == "pms-worker"
    assert keda["spec"]["triggers"][0]["metadata"]["listName"] == settings.CELERY_TASK_DEFAULT_QUEUE


def test_pgbouncer_runs_in_session_mode():
    """django-tenants sets search_path per connection and the app prepares statements
    (DB_PREPARE_THRESHOLD): both need a server connection for the whole client session."""
    assert _compose()["services"]["pgbouncer"]["environment"]["PGBOUNCER_POOL_MODE"] == "session"


def test_every_app_container_has_resources_and_runs_as_non_root():
    for name, spec in _pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for c in spec["containers"]:
            assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"], name
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name


def test_the_metrics_directory_is_a_writable_mount_wherever_it_is_set():
    """prometheus-client's multiprocess mode writes its files into PROMETHEUS_MULTIPROC_DIR,
    which must exist and be writable on a read-only root filesystem."""
    set_in = []
    for name, spec in _pod_specs().items():
        for c in spec["containers"]:
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            if "PROMETHEUS_MULTIPROC_DIR" in env:
                set_in.append(name)
                assert env["PROMETHEUS_MULTIPROC_DIR"] in {m["mountPath"] for m in c["volumeMounts"]}, name
        assert "PROMETHEUS_MULTIPROC_DIR" not in _container_env(spec, {"envFrom": spec["containers"][0]["envFrom"]})
    assert sorted(set_in) == ["pms-web", "pms-worker"]
    services = _compose()["services"]
    for name in ("web", "worker"):
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] in services[name]["tmpfs"], name
    for name in ("migrate", "beat"):
        assert "PROMETHEUS_MULTIPROC_DIR" not in services[name]["environment"], name
