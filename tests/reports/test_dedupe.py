"""Deduplication in the pipeline: against the real PyPI advisories, against earlier reports, by
crash state; the coordinator's override; what another finder may and may not learn."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse import db
from clearinghouse.identity import service as identity_service
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.models import User
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import OrganizationIn
from clearinghouse.identity.vocabulary import FinderType, OrgKind, OrgRole
from clearinghouse.jobs import JobContext
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import dedupe_service, service
from clearinghouse.reports.tasks import ground_report
from clearinghouse.runtime import Runtime
from tests.identity_world import ORIGIN, World, make_user
from tests.reports.conftest import CORPUS, finder_headers, sqlparse_report
from tests.shared_data import import_pypa_packages


def _principal(runtime: Runtime, user_id: str) -> Principal:
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return principal_for(user, via="session")


def _submit(runtime: Runtime, actor: Principal, document: dict[str, Any]) -> str:
    outcome = service.intake(runtime, actor, ORIGIN, json.dumps(document).encode())
    assert outcome.created
    return outcome.report.id


def _details(runtime: Runtime, actor: Principal, report_id: str) -> Any:
    with db.transaction(runtime.sessions) as session:
        return service.get_report(session, actor, ORIGIN, report_id)


def _second_finder(runtime: Runtime) -> Principal:
    with db.transaction(runtime.sessions) as session:
        organization = identity_service.create_organization(
            session,
            Principal.command_line(),
            ORIGIN,
            OrganizationIn(
                name="Red Lantern Research",
                kinds=[OrgKind.FINDER],
                finder_type=FinderType.RESEARCH_GROUP,
            ),
        )
    user_id = make_user(runtime, organization.id, "kim@redlantern.example", OrgRole.MEMBER)
    return _principal(runtime, user_id)


def _advisory_text(runtime: Runtime, identifier: str) -> str:
    with runtime.sessions() as session:
        found = knowledge.find_vulnerability(session, identifier)
    assert found is not None and found.details
    return found.details


def test_a_report_that_copies_a_known_advisory_is_a_duplicate_after_grounding(
    client: TestClient, world: World
):
    runtime = world.runtime
    import_pypa_packages(runtime, "sqlparse")
    document = sqlparse_report()
    # The lazy finder: the advisory's own words, under a new title.
    document["description"] = _advisory_text(runtime, "PYSEC-2021-333")
    document["title"] = "New ReDoS found by our agent in sqlparse"
    finder = _principal(runtime, world.user_ids["finder_admin"])
    report_id = _submit(runtime, finder, document)
    ground_report(JobContext(runtime.settings, runtime.sessions, "test-run"), report_id=report_id)
    shown = client.get(f"/api/v1/reports/{report_id}", headers=finder_headers(world)).json()
    assert shown["status"] == "duplicate" and shown["verdict"] == "duplicate"
    found = shown["verdict_details"]["dedupe"]
    original = found["original"]
    with runtime.sessions() as session:
        known = knowledge.find_vulnerability(session, "PYSEC-2021-333")
    assert known is not None
    assert original["kind"] == "vulnerability" and original["id"] == known.id
    assert original["label"] == known.display_id
    signals = {s["signal"]: s for s in original["signals"]}
    assert signals["versions"]["matched"] is True and signals["fixed_version"]["matched"] is True
    assert signals["text"]["score"] >= 0.85
    # The other sqlparse advisories are in the evidence, ranked below it.
    assert len(found["knowledge"]["candidates"]) >= 2
    assert shown["verdict_details"]["grounding"]["missing"] == []
    with runtime.sessions() as session:
        audited = audit_service.search(session, action="report.dedupe")
    assert audited[0].resource_id == report_id and audited[0].details["duplicate"] is True


def test_a_report_in_the_finders_own_words_is_linked_to_the_advisory_but_not_decided(
    world: World,
):
    runtime = world.runtime
    import_pypa_packages(runtime, "werkzeug")
    document = json.loads((CORPUS / "bogus" / "duplicate-of-PYSEC-2023-57.json").read_text())
    finder = _principal(runtime, world.user_ids["finder_admin"])
    report_id = _submit(runtime, finder, document)
    with db.transaction(runtime.sessions) as session:
        found = dedupe_service.deduplicate(session, report_id)
    assert found is not None and found["duplicate"] is False
    likely = found["knowledge"]["likely"]
    with runtime.sessions() as session:
        known = knowledge.find_vulnerability(session, "PYSEC-2023-57")
    assert known is not None and likely["id"] == known.id
    assert found["knowledge"]["candidates"][0]["id"] == known.id
    shown = _details(runtime, finder, report_id)
    assert shown.verdict is None and shown.status == "received"


def test_a_report_on_a_package_the_knowledge_base_does_not_know_is_new(world: World):
    runtime = world.runtime
    import_pypa_packages(runtime, "werkzeug")
    finder = _principal(runtime, world.user_ids["finder_admin"])
    report_id = _submit(runtime, finder, sqlparse_report())
    with db.transaction(runtime.sessions) as session:
        found = dedupe_service.deduplicate(session, report_id)
    assert found is not None and not found["duplicate"] and found["knowledge"]["candidates"] == []


def test_the_same_report_from_another_finder_names_the_first_without_telling_who(world: World):
    runtime = world.runtime
    first_finder = _principal(runtime, world.user_ids["finder_admin"])
    second_finder = _second_finder(runtime)
    first = _submit(runtime, first_finder, sqlparse_report())
    copied = sqlparse_report()
    copied["title"] = copied["title"] + " (independently found)"
    copied["provenance"]["model"] = "another-model"
    second = _submit(runtime, second_finder, copied)
    with db.transaction(runtime.sessions) as session:
        dedupe_service.deduplicate(session, first)
        found = dedupe_service.deduplicate(session, second)
    assert found is not None and found["duplicate"] is True
    assert found["original"]["kind"] == "report" and found["original"]["id"] == first
    # The second finder learns that it is a duplicate, not whose report it repeats.
    shown = _details(runtime, second_finder, second)
    assert shown.verdict == "duplicate"
    dedupe = shown.verdict_details["dedupe"]  # type: ignore[index]
    assert dedupe["original"]["id"] is None and first not in json.dumps(shown.verdict_details)
    # A coordinator sees which report it is.
    coordinator = _principal(runtime, world.user_ids["coordinator"])
    assert first in json.dumps(_details(runtime, coordinator, second).verdict_details)


def _traceback(tmp_path: Path, source: str) -> str:
    (tmp_path / "poc.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "poc.py"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    return done.stderr


def test_two_reports_that_crash_the_target_the_same_way_are_duplicates(
    world: World, tmp_path: Path
):
    runtime = world.runtime
    finder = _principal(runtime, world.user_ids["finder_admin"])
    base = sqlparse_report()
    base["target"]["purl"] = "pkg:pypi/jinja2"
    first_doc = copy.deepcopy(base)
    first_doc["title"] = "Undefined attribute crashes strict rendering"
    first_doc["description"] = "Rendering {{ x.y }} with StrictUndefined raises."
    second_doc = copy.deepcopy(base)
    second_doc["title"] = "Template engine aborts on nested lookups"
    second_doc["description"] = "A page object whose template looks up a missing name dies."
    first, second = _submit(runtime, finder, first_doc), _submit(runtime, finder, second_doc)
    strict = "from jinja2 import Environment, StrictUndefined\n"
    one = _traceback(
        tmp_path,
        strict + "Environment(undefined=StrictUndefined).from_string('{{ x.y }}').render()\n",
    )
    page = (
        "class Page:\n    def show(self):\n"
        "        template = Environment(undefined=StrictUndefined).from_string('{{ a.b }}')\n"
        "        return template.render()\n"
        "Page().show()\n"
    )
    other = _traceback(tmp_path, strict + page)
    with db.transaction(runtime.sessions) as session:
        assert dedupe_service.deduplicate(session, first)["duplicate"] is False  # type: ignore[index]
        assert dedupe_service.deduplicate(session, second)["duplicate"] is False  # type: ignore[index]
        assert dedupe_service.record_crash_state(session, first, one) is None
        found = dedupe_service.record_crash_state(session, second, other)
    assert found is not None and found["original"]["id"] == first
    assert "crash state" in found["reason"]
    shown = _details(runtime, finder, second)
    assert shown.verdict == "duplicate"
    state = shown.verdict_details["crash_state"]  # type: ignore[index]
    assert state["exception_type"] == "jinja2.exceptions.UndefinedError" and state["frames"]


def test_a_coordinator_overrules_dedupe_and_it_is_audited(world: World):
    runtime = world.runtime
    finder = _principal(runtime, world.user_ids["finder_admin"])
    first = _submit(runtime, finder, sqlparse_report())
    copied = sqlparse_report()
    copied["title"] += " again"
    second = _submit(runtime, finder, copied)
    coordinator = _principal(runtime, world.user_ids["coordinator"])
    with db.transaction(runtime.sessions) as session:
        dedupe_service.deduplicate(session, first)
        dedupe_service.deduplicate(session, second)
    with pytest.raises(AccessDenied), db.transaction(runtime.sessions) as session:
        dedupe_service.override(session, finder, ORIGIN, second, "not_duplicate", "mine is new")
    with pytest.raises(dedupe_service.OverrideRefused), db.transaction(runtime.sessions) as session:
        dedupe_service.override(session, coordinator, ORIGIN, second, "not_duplicate", " ")
    with db.transaction(runtime.sessions) as session:
        dedupe_service.override(
            session, coordinator, ORIGIN, second, "not_duplicate", "different root cause"
        )
    shown = _details(runtime, coordinator, second)
    assert shown.verdict is None and shown.status == "grounded"
    override = shown.verdict_details["dedupe"]["override"]  # type: ignore[index]
    assert (
        override["decision"] == "not_duplicate" and override["previous"]["verdict"] == "duplicate"
    )
    with pytest.raises(dedupe_service.OverrideRefused), db.transaction(runtime.sessions) as session:
        dedupe_service.override(session, coordinator, ORIGIN, second, "duplicate", "x", "CVE-0-0")
    with db.transaction(runtime.sessions) as session:
        dedupe_service.override(session, coordinator, ORIGIN, second, "duplicate", "same", first)
    assert _details(runtime, coordinator, second).verdict == "duplicate"
    with runtime.sessions() as session:
        audited = audit_service.search(session, action="report.dedupe_override")
    assert [a.details["decision"] for a in audited] == ["duplicate", "not_duplicate"]
    assert audited[0].actor == world.users["coordinator"]
