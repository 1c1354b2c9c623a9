"""Prometheus alert rules (deploy/prometheus/alerts.yml) checked offline with promtool.

promtool is in Debian's ``prometheus`` package (.ci/run installs it).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing: apt-get install prometheus")


def _alerts() -> dict[str, str]:
    doc = yaml.safe_load(RULES.read_text())
    return {r["alert"]: r["expr"] for g in doc["groups"] for r in g["rules"] if "alert" in r}


@needs_promtool
def test_promtool_check_rules():
    done = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in done.stdout


@needs_promtool
def test_promtool_unit_tests_fire_every_alert():
    done = subprocess.run([PROMTOOL, "test", "rules", str(RULE_TESTS)], capture_output=True, text=True,
                          cwd=RULE_TESTS.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_test_that_makes_it_fire():
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {
        case["alertname"] for t in tests for case in t.get("alert_rule_test", []) if case.get("exp_alerts")
    }
    assert set(_alerts()) - fired == set()
    assert fired - set(_alerts()) == set()


def test_alerts_use_only_the_documented_metric_names():
    """The app's metric names are the ones docs/operations.md lists (and /metrics exposes)."""
    section = (ROOT / "docs" / "operations.md").read_text().split("## Metrics and alerts", 1)[1]
    documented = set(re.findall(r"`((?:pms|pg|node)_[a-z_]+)", section))
    used = set()
    for expr in _alerts().values():
        for name in re.findall(r"\b((?:pms|pg|node)_[a-z_]+)", expr):
            used.add(re.sub(r"_(bucket|sum|count)$", "", name) if name.startswith("pms_http_request_duration") else name)
    assert used - documented == set()
