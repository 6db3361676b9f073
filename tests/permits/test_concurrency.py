"""Two officers acting on one file at once: exactly one wins, the others get a conflict; no lost
update, one audit event per transition. Real threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.roles import Role
from gis_app.audit import audit_trail
from permits import services, transitions
from permits.errors import StaleForm
from permits.models import PermitRequest, RequestStatus
from tests.permits.conftest import another_owner, draft, with_documents

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

FILES = 40
RACERS = 5  # per file: 3 try to accept, 2 try to return it to the applicant, all with the same version
ROUNDS = 5  # 8 files per round: 40 threads at once


def test_200_concurrent_conflicting_transitions_lose_nothing(plot, staff, citizen, record_property):
    clerk = staff[Role.CLERK]
    files = []
    for n in range(FILES):
        applicant = citizen if n == 0 else another_owner(plot, n)  # one open request per applicant here
        req = with_documents(draft(plot, applicant), applicant)
        transitions.request_transition(request_id=req.pk, actor=applicant, action="submit", version=req.version)
        for task in ("ownership_checked", "scans_legible", "file_code_confirmed"):
            services.task_set(request_id=req.pk, actor=clerk, task=task, done=True)
        files.append(PermitRequest.objects.get(pk=req.pk))
    outcomes: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def race(req: PermitRequest, action: str, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            try:
                transitions.request_transition(
                    request_id=req.pk,
                    actor=clerk,
                    action=action,
                    version=req.version,
                    note="the deed scan is unreadable",
                )
                result = "won"
            except StaleForm:
                result = "conflict"
            with lock:
                outcomes.append((req.pk, action, result))
        finally:
            connection.close()

    per_round = FILES // ROUNDS
    for r in range(ROUNDS):
        batch = files[r * per_round : (r + 1) * per_round]
        barrier = threading.Barrier(per_round * RACERS)
        threads = [
            threading.Thread(target=race, args=(req, "advance" if i < 3 else "return", barrier))
            for req in batch
            for i in range(RACERS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    # A lost update: a file whose version did not move by exactly one (a winner overwritten or none).
    lost = sum(PermitRequest.objects.get(pk=req.pk).version != req.version + 1 for req in files)
    record_property("transitions_attempted", len(outcomes))
    record_property("files", FILES)
    record_property("lost_updates", lost)
    assert len(outcomes) == FILES * RACERS == 200
    wins = Counter(pk for pk, _a, result in outcomes if result == "won")
    assert all(wins[req.pk] == 1 for req in files), wins  # exactly one winner per file
    assert Counter(result for *_x, result in outcomes) == {"won": FILES, "conflict": FILES * (RACERS - 1)}
    for req in files:
        winner = next(a for pk, a, result in outcomes if pk == req.pk and result == "won")
        now = PermitRequest.objects.get(pk=req.pk)
        assert now.version == req.version + 1  # one update, none lost, none doubled
        if winner == "advance":
            assert (now.status, now.stage) == (RequestStatus.IN_REVIEW, "inspection")
        else:
            assert (now.status, now.stage) == (RequestStatus.RETURNED, "secretariat")
            assert now.info_requests.count() == 1
        events = [e for e in audit_trail(now) if e.action in ("request.advance", "request.return")]
        assert len(events) == 1 and events[0].action == f"request.{winner}"
        assert events[0].data["to_status"] == now.status and events[0].data["version"] == now.version
