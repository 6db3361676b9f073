"""Who may do what: every role (and the applicant) × every action × every state, through the
transition service on the real database. The expected table is written out here from DESIGN.md §3,
independently of permits.workflow, so a stage given to the wrong role fails this test."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.roles import Role
from permits import services, transitions
from permits.errors import TransitionNotAllowed, WorkflowError
from permits.models import PermitRequest, RequestStatus
from permits.workflow import Action
from tests.permits.conftest import draft
from tests.surveys.conftest import user_with

pytestmark = [pytest.mark.django_db, pytest.mark.access_matrix]

STAGE_ROLE = {  # DESIGN.md §3, stages 1-8 of the building-permit path
    "secretariat": Role.CLERK,
    "inspection": Role.INSPECTOR,
    "detailed_plan": Role.PLANNER,
    "violations": Role.VIOLATIONS_OFFICER,
    "renovation": Role.RENOVATION_OFFICER,
    "executive": Role.EXECUTIVE_UNIT,
    "revenue": Role.REVENUE_OFFICER,
    "issuance": Role.PERMIT_OFFICER,
}
STATES = (
    [("draft", "")]
    + [("returned", "secretariat"), ("returned", "detailed_plan")]
    + [("in_review", s) for s in STAGE_ROLE]
    + [("issued", "issuance"), ("rejected", "violations"), ("withdrawn", "inspection")]
)
ACTORS = ["applicant", *Role]


class _Undo(Exception):
    pass


def expected(actor, action: Action, status: str, stage: str) -> bool:
    if actor == "applicant":
        return {
            "draft": {Action.SUBMIT, Action.WITHDRAW},
            "returned": {Action.RESUBMIT, Action.WITHDRAW},
            "in_review": {Action.WITHDRAW},
        }.get(status, set()).__contains__(action)
    if status != "in_review":
        return False
    first, last = stage == "secretariat", stage == "issuance"
    if actor == STAGE_ROLE[stage]:
        own = {Action.RETURN, Action.REJECT, Action.APPROVE if last else Action.ADVANCE}
        return action in (own if first else own | {Action.REFER})
    if actor == Role.MANAGER:
        return action == Action.REJECT or (action == Action.REFER and not first)
    return False


def test_role_action_state_table(plot, staff, citizen, record_property):
    req = draft(plot, citizen)
    actors = {**staff, Role.CITIZEN: user_with("citizen", "t-another-citizen"), "applicant": citizen}
    rows = mismatches = 0
    failures = []
    for status, stage in STATES:
        PermitRequest.objects.filter(pk=req.pk).update(status=status, stage=stage)
        for actor in ACTORS:
            user = actors[actor]
            for action in Action:
                version = PermitRequest.objects.get(pk=req.pk).version
                try:
                    with transaction.atomic():
                        transitions.request_transition(
                            request_id=req.pk,
                            actor=user,
                            action=action,
                            version=version,
                            note="a note long enough",
                            to_stage="secretariat",
                        )
                        raise _Undo
                except TransitionNotAllowed:
                    allowed = False
                except (_Undo, WorkflowError):
                    allowed = True  # let through (a guard may still stop it, which is not a permission)
                rows += 1
                if allowed != expected(actor, action, status, stage):
                    mismatches += 1
                    failures.append((status, stage, str(actor), action.value, allowed))
    record_property("cells", rows)
    record_property("cells_wrong", mismatches)
    assert rows == len(STATES) * len(ACTORS) * len(Action) == 14 * 14 * 8
    assert failures == [], failures[:10]
    assert mismatches == 0
    req.refresh_from_db()
    assert req.status == RequestStatus.WITHDRAWN  # the last state set; nothing above stuck


def test_only_the_stage_officer_ticks_the_checklist(plot, staff, citizen):
    req = draft(plot, citizen)
    PermitRequest.objects.filter(pk=req.pk).update(status="in_review", stage="detailed_plan")
    for role in Role:
        try:
            services.task_set(request_id=req.pk, actor=staff[role], task="rules_checked", done=True)
            ok = True
        except TransitionNotAllowed:
            ok = False
        assert ok == (role == Role.PLANNER), role
    with pytest.raises(TransitionNotAllowed):
        services.task_set(request_id=req.pk, actor=staff[Role.PLANNER], task="not_a_task", done=True)
