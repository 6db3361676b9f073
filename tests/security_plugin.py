"""pytest plugin of `manage.py security_report`: writes, per test case that carries one of the
security markers (hostile, access_matrix, concurrency, fault), its markers, outcome and recorded
properties to the JSON file given by --security-json."""

from __future__ import annotations

import json

import pytest

MARKERS = ("hostile", "access_matrix", "concurrency", "fault")


def pytest_addoption(parser):
    parser.addoption("--security-json", default=None, help="where security_report's plugin writes its results")


class Recorder:
    def __init__(self, path: str):
        self.path = path
        self.cases: dict[str, dict] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        marks = {m.name: list(m.args) for m in item.iter_markers() if m.name in MARKERS}
        if not marks:
            return
        case = self.cases.setdefault(item.nodeid, {"markers": marks, "outcome": "passed", "properties": {}})
        if report.failed:
            case["outcome"] = "failed"
        elif report.skipped and case["outcome"] == "passed":
            case["outcome"] = "skipped"
        case["properties"].update(dict(item.user_properties))

    def pytest_sessionfinish(self, session):
        with open(self.path, "w") as fh:
            json.dump(list(self.cases.values()), fh, ensure_ascii=False, indent=1)


def pytest_configure(config):
    # The fault drills may not exist yet; -m with --strict-markers needs the name known.
    config.addinivalue_line("markers", "fault: a fault drill (database stopped, worker killed, disk full)")
    path = config.getoption("--security-json")
    if path:
        config.pluginmanager.register(Recorder(path), "security_recorder")
