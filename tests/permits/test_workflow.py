"""The workflow through its services on the real database: a building permit from draft to issue,
guards, returns, stale forms, overrides, violations and the Article 100 gate, notifications."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Polygon

from accounts.roles import Role
from gis_app.audit import audit_trail
from gis_app.errors import DomainError, NotAllowed
from notifications.selectors import notifications_about
from parcels.models import PropertyFile
from permits import review, selectors, services, transitions
from permits.errors import GuardsFailed, StaleForm, TransitionNotAllowed, WorkflowError
from permits.models import PermitRequest, RequestStatus
from permits.workflow import STAGES, stages_of
from tests.conftest import run_jobs_here
from tests.permits.conftest import (
    advance,
    another_owner,
    assert_history_matches_audit,
    draft,
    inspect_and_survey,
    pdf_bytes,
    scan,
    submitted,
    tick_all,
    with_documents,
)
from tests.surveys.conftest import E0, N0, SRID
from violations import services as violation_services
from violations.models import Violation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The services' messages are matched in English here (the pages test the Persian ones)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_building_permit_goes_from_draft_to_issued(plot, staff, citizen):
    req = draft(plot, citizen)
    assert req.status == RequestStatus.DRAFT and req.stage == ""
    assert re.fullmatch(r"BJ-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{2}", req.tracking_code)
    with pytest.raises(GuardsFailed, match="Documents missing"):
        transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = with_documents(req, citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req.refresh_from_db()
    assert (req.status, req.stage) == (RequestStatus.IN_REVIEW, "secretariat")
    assert req.stage_due_on is not None and req.submitted_at is not None

    req = advance(req, staff[Role.CLERK])
    assert req.stage == "inspection"
    # the inspection stage waits for the report and an accepted survey
    with pytest.raises(GuardsFailed) as failed:
        advance(req, staff[Role.INSPECTOR])
    assert len(failed.value.failures) == 2
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    assert req.stage == "detailed_plan"

    planner = staff[Role.PLANNER]
    with pytest.raises(GuardsFailed, match="not been checked"):
        advance(req, planner)
    check = review.compliance_check_run(request_id=req.pk, actor=planner)
    assert check.passed, check.failed_rules
    assert check.survey_id is not None  # checked on the measured parcel
    with pytest.raises(GuardsFailed, match="map preparation order"):
        advance(req, planner)
    order = review.map_order_issue(request_id=req.pk, actor=planner)
    assert order.content["file_code"] == plot.file_code
    assert order.content["max_floors"] == 3 and order.content["zone"] == "R121"
    # parking from the plan's parameters: 400 m² residential at one space per 100 m², 25 m² a space
    assert (order.content["parking_spaces"], order.content["parking_space_m2"]) == (4, 25)
    req = advance(req, planner)
    assert req.stage == "violations"
    for role in (Role.VIOLATIONS_OFFICER, Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.REVENUE_OFFICER):
        req = advance(req, staff[role])
    assert req.stage == "issuance"
    officer = staff[Role.PERMIT_OFFICER]
    with pytest.raises(GuardsFailed, match="Engineering drawings"):
        advance(req, officer, "approve")
    services.document_add(request_id=req.pk, actor=staff[Role.CLERK], kind="drawings", upload=scan("d.pdf"))
    req = advance(req, officer, "approve")
    assert req.status == RequestStatus.ISSUED and req.closed_at is not None

    events = [e.action for e in audit_trail(req) if e.action.startswith("request.")]
    assert events == ["request.created", "request.submit"] + ["request.advance"] * 7 + ["request.approve"]
    stages = [(e.data["from_stage"], e.data["to_stage"]) for e in audit_trail(req) if e.action == "request.advance"]
    assert [s for s, _ in stages] == [s.code for s in stages_of("building_new")][:7]
    # the applicant was told at every step, by SMS and e-mail: written in each transition's transaction
    # with a delivery job each; the jobs record them with the development backend
    notes = notifications_about(obj=req, recipient=citizen)
    assert notes.count() == 2 * 9
    assert set(notes.values_list("delivery", flat=True)) == {"pending"}
    # (and the issued documents, the map preparation order and the permit, rendered by their jobs)
    assert [j for j in run_jobs_here() if j.startswith("notifications.")] == ["notifications.deliver"] * 18
    assert set(notes.values_list("delivery", flat=True)) == {"recorded"}
    # the stage history: one visit per stage, each closed by the action that moved the file on
    assert_history_matches_audit(req)
    visits = list(req.stage_visits.order_by("entered_at", "id"))
    assert [v.stage for v in visits] == [s.code for s in stages_of("building_new")]
    assert [v.outcome for v in visits] == ["advance"] * 7 + ["approve"]


def test_return_for_a_missing_document_then_resubmit(plot, staff, citizen):
    req = submitted(plot, citizen)
    clerk = staff[Role.CLERK]
    with pytest.raises(WorkflowError, match="at least 5"):
        transitions.request_transition(request_id=req.pk, actor=clerk, action="return", version=req.version, note="")
    transitions.request_transition(
        request_id=req.pk,
        actor=clerk,
        action="return",
        version=req.version,
        note="The deed scan is cut off; upload all pages.",
        documents=("deed",),
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.RETURNED and req.stage == "secretariat"
    # the clerk cannot act while it is with the applicant; the applicant must upload first
    with pytest.raises(TransitionNotAllowed):
        transitions.request_transition(request_id=req.pk, actor=clerk, action="advance", version=req.version)
    with pytest.raises(GuardsFailed, match="documents asked for"):
        transitions.request_transition(request_id=req.pk, actor=citizen, action="resubmit", version=req.version)
    services.document_add(request_id=req.pk, actor=citizen, kind="deed", upload=scan("deed-all-pages.pdf"))
    transitions.request_transition(
        request_id=req.pk, actor=citizen, action="resubmit", version=req.version, note="All pages now."
    )
    req.refresh_from_db()
    assert (req.status, req.stage) == (RequestStatus.IN_REVIEW, "secretariat")
    info = req.info_requests.get()
    assert info.answered_at is not None and info.answer == "All pages now."
    assert req.documents.filter(kind="deed").count() == 2
    assert req.documents.filter(kind="deed", replaced=False).count() == 1
    # the deed asked for does not send the file anywhere else; the wait on the applicant lies between visits
    assert_history_matches_audit(req)
    assert [(v.stage, v.entered_on_action, v.outcome) for v in req.stage_visits.all()] == [
        ("secretariat", "submit", "return"),
        ("secretariat", "resubmit", ""),
    ]


def test_a_stale_form_is_refused_and_nothing_changes(plot, staff, citizen):
    req = submitted(plot, citizen)
    clerk = staff[Role.CLERK]
    tick_all(req, clerk)
    seen = req.version
    transitions.request_transition(request_id=req.pk, actor=clerk, action="return", version=seen, note="Need the deed.")
    with pytest.raises(StaleForm, match="changed by someone else"):
        transitions.request_transition(request_id=req.pk, actor=clerk, action="advance", version=seen)
    req.refresh_from_db()
    assert req.status == RequestStatus.RETURNED and req.version == seen + 1


def test_failed_rule_needs_an_override_with_reason_and_a_changed_proposal_makes_the_check_stale(plot, staff, citizen):
    req = draft(plot, citizen, floors=5, floor_area_m2=600.0)  # 5 floors in a 3-floor zone, over density
    req = with_documents(req, citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    planner = staff[Role.PLANNER]
    check = review.compliance_check_run(request_id=req.pk, actor=planner)
    assert not check.passed and {"floors", "density"} <= set(check.failed_rules)
    from permits.guards import compliance_passing

    req.refresh_from_db()
    assert "Floors and height" in compliance_passing(req)  # the rule by its name, not its code
    with pytest.raises(TransitionNotAllowed):
        review.rule_override(request_id=req.pk, actor=staff[Role.CLERK], rule_code="floors", reason="because I say so")
    with pytest.raises(WorkflowError, match="reason"):
        review.rule_override(request_id=req.pk, actor=planner, rule_code="floors", reason="ok")
    with pytest.raises(WorkflowError, match="did not fail"):
        review.rule_override(request_id=req.pk, actor=planner, rule_code="land_use", reason="a long enough reason")
    for code in check.failed_rules:
        review.rule_override(
            request_id=req.pk, actor=planner, rule_code=code, reason="Council decision 1405/123 allows it"
        )
    assert compliance_passing(req) is None
    # the original result is kept beside the override
    check.refresh_from_db()
    assert not check.passed and check.overrides.count() == len(check.failed_rules)
    # the applicant changes the proposal (after a return): the check is no longer current
    transitions.request_transition(
        request_id=req.pk, actor=staff[Role.CLERK], action="return", version=req.version, note="Reduce to 3 floors."
    )
    req.refresh_from_db()
    services.request_update(request_id=req.pk, actor=citizen, version=req.version, floors=3, floor_area_m2=400.0)
    req.refresh_from_db()
    assert "out of date" in compliance_passing(req)


def rect(x0, y0, x1, y1) -> Polygon:
    poly = Polygon.from_bbox((E0 + x0, N0 + y0, E0 + x1, N0 + y1))
    poly.srid = SRID
    return poly


def test_a_violation_goes_to_the_commission_and_gates_the_file(plot, staff, citizen):
    from django.core.management import call_command

    call_command("permit_schedules_load", verbosity=0)
    req = submitted(plot, citizen)
    officer = staff[Role.VIOLATIONS_OFFICER]
    area = rect(1, 3, 9, 6)
    with pytest.raises(NotAllowed):
        review.request_violation_record(
            actor=staff[Role.PLANNER], request_id=req.pk, kind="street_encroachment", geom=area
        )
    extra = review.request_violation_record(
        actor=officer,
        request_id=req.pk,
        kind="extra_area_residential",
        geom=rect(1, 10, 9, 15),
        description="fourth floor",
    )
    from permits.guards import no_open_violation

    assert no_open_violation(req) is not None
    with pytest.raises(NotAllowed):
        violation_services.violation_verdict(actor=officer, violation_id=extra.pk, verdict="fine", fine_irr=1, text="x")
    # the test plot lies outside the districts layer: no district, so no transaction value, never another
    # district's (the old code fell back to district 1)
    assert req.file.district is None
    with pytest.raises(DomainError, match="no municipal district"):
        violation_services.violation_refer(actor=officer, violation_id=extra.pk)
    PropertyFile.objects.filter(pk=req.file_id).update(district=1)
    extra = violation_services.violation_refer(actor=officer, violation_id=extra.pk)
    # 40 m² × 9,000,000 IRR (district 1, residential) × 0.5..3
    assert extra.area_m2 == 40.0
    assert (extra.fine_min_irr, extra.fine_max_irr) == (180_000_000, 1_080_000_000)
    with pytest.raises(DomainError, match="within the computed range"):
        violation_services.violation_verdict(
            actor=officer, violation_id=extra.pk, verdict="fine", fine_irr=1_080_000_001, text="fine"
        )
    violation_services.violation_verdict(actor=officer, violation_id=extra.pk, verdict="appeal", text="owner appealed")
    with pytest.raises(NotAllowed, match="final"):
        violation_services.violation_verdict(actor=officer, violation_id=extra.pk, verdict="appeal", text="again")
    assert no_open_violation(req) is not None
    v = violation_services.violation_verdict(
        actor=officer, violation_id=extra.pk, verdict="fine", fine_irr=500_000_000, text="Fine of 500m IRR"
    )
    assert v.status == "fined" and no_open_violation(req) is None
    street = review.request_violation_record(actor=officer, request_id=req.pk, kind="street_encroachment", geom=area)
    street = violation_services.violation_refer(actor=officer, violation_id=street.pk)
    assert street.fine_min_irr is None
    with pytest.raises(DomainError, match="demolition"):
        violation_services.violation_verdict(
            actor=officer, violation_id=street.pk, verdict="fine", fine_irr=1, text="x"
        )
    violation_services.violation_verdict(
        actor=officer, violation_id=street.pk, verdict="demolition", text="remove the wall"
    )
    assert no_open_violation(req) is not None  # a demolition keeps the file waiting until it is done
    violation_services.violation_verdict(actor=officer, violation_id=street.pk, verdict="closed")
    assert no_open_violation(req) is None
    assert Violation.objects.filter(file__code=plot.file_code).count() == 2


def test_an_agent_files_for_a_client_only_with_authorisation(plot, staff, citizen):
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Authorisation
    from permits.selectors import requests_visible

    agent = staff[Role.ESERVICES_OFFICE]
    with pytest.raises(TransitionNotAllowed, match="authorisation"):
        services.request_create(applicant=citizen, filed_by=agent, parcel=plot, kind="fencing")
    grant = Authorisation.objects.create(
        client=citizen, agent=agent, valid_until=timezone.localdate() + dt.timedelta(days=30)
    )
    req = services.request_create(applicant=citizen, filed_by=agent, parcel=plot, kind="fencing")
    req = with_documents(req, agent)
    with pytest.raises(GuardsFailed, match="Power of attorney"):
        transitions.request_transition(request_id=req.pk, actor=agent, action="submit", version=req.version)
    req = with_documents(req, agent, kinds=("power_of_attorney",))
    transitions.request_transition(request_id=req.pk, actor=agent, action="submit", version=req.version)
    assert list(requests_visible(user=agent)) == [req] and list(requests_visible(user=citizen)) == [req]
    grant.revoked_at = timezone.now()
    grant.save()
    assert not requests_visible(user=agent).exists()


def test_every_stage_has_a_role_checklist_guards_and_no_in_person_step():
    for code, st in STAGES.items():
        assert st.tasks and st.working_days > 0 and not st.in_person, code


def test_only_the_requests_own_inspection_satisfies_its_guard(plot, staff, citizen):
    """The file is a record: a routine inspection of the same parcel, or one made for another request on
    the same file, does not count as this request's inspection (the old code took any inspection on the
    file code since submission)."""
    import datetime as dt

    from django.utils import timezone

    from permits.guards import inspection_reported
    from surveys.services import inspection_record

    req = submitted(plot, citizen)
    other = submitted(plot, another_owner(plot, 1))  # one open request of a type per applicant
    assert req.file_id == other.file_id and req.file.code == plot.file_code  # one file per property
    when = timezone.now() - dt.timedelta(minutes=1)
    visit = {"parcel": plot, "inspector": staff[Role.INSPECTOR], "visited_at": when, "checklist": {}, "photos": []}
    routine = inspection_record(notes="routine patrol", **visit)
    assert routine.file_id == req.file_id and routine.origin == "routine"
    assert inspection_reported(req) is not None
    inspection_record(notes="for the other request", origin="request", origin_object=other, **visit)
    assert inspection_reported(req) is not None
    assert inspection_reported(other) is None
    own = inspection_record(notes="for this request", origin="request", origin_object=req, **visit)
    assert inspection_reported(req) is None
    assert selectors.inspection_for(request=req) == own
    with pytest.raises(ValueError):  # a request's inspection names its request; routine work names none
        inspection_record(notes="x", origin="request", **visit)


def _to_issuance(plot, staff, citizen, **proposal):
    """A building request walked to the issuance stage (plan checked, order issued, every stage ticked)."""
    req = with_documents(draft(plot, citizen, **proposal), citizen)
    transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
    req = advance(req, staff[Role.CLERK])
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    for role in (Role.VIOLATIONS_OFFICER, Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.REVENUE_OFFICER):
        req = advance(req, staff[role])
    assert req.stage == "issuance"
    return req


def test_a_changed_proposal_returns_the_file_to_the_plan_stage(plot, staff, citizen):
    """The hole: returned at issuance, the applicant turned 2 floors / 60 m² into 4 floors / 1,000 m² and
    the file went straight back to issuance past the plan check, the order and the fee stages."""
    req = _to_issuance(plot, staff, citizen, floors=2, floor_area_m2=60.0, footprint_m2=30.0)
    officer = staff[Role.PERMIT_OFFICER]
    transitions.request_transition(
        request_id=req.pk, actor=officer, action="return", version=req.version, note="The drawings are missing."
    )
    req.refresh_from_db()
    req = services.request_update(request_id=req.pk, actor=citizen, version=req.version, floors=4, floor_area_m2=1000.0)
    result = transitions.request_transition(
        request_id=req.pk, actor=citizen, action="resubmit", version=req.version, note="Bigger now."
    )
    req.refresh_from_db()
    assert result.rerouted_to == "detailed_plan"
    assert (req.status, req.stage) == (RequestStatus.IN_REVIEW, "detailed_plan")
    # what the plan stage and the stages after it produced no longer holds
    assert req.map_order.withdrawn_at is not None
    assert not req.tasks.filter(stage__in=["detailed_plan", "violations", "revenue", "issuance"]).exists()
    assert req.tasks.filter(stage="secretariat").exists()  # the ownership check still holds
    from permits.guards import compliance_passing, map_order_issued

    assert "out of date" in compliance_passing(req)
    assert "withdrawn" in map_order_issued(req)
    with pytest.raises(GuardsFailed):
        advance(req, staff[Role.PLANNER])
    event = [e for e in audit_trail(req) if e.action == "request.resubmit"][-1]
    assert event.data["rerouted_to"] == "detailed_plan" and event.data["changed"] == ["proposal"]
    assert_history_matches_audit(req)
    # the planner checks again: 4 floors fail on this plot, the order cannot be issued on a failing check
    check = review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    assert not check.passed and "floors" in check.failed_rules
    with pytest.raises(GuardsFailed):
        review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])


def test_an_unchanged_resubmission_stays_at_its_stage(plot, staff, citizen):
    req = _to_issuance(plot, staff, citizen)
    officer = staff[Role.PERMIT_OFFICER]
    transitions.request_transition(
        request_id=req.pk,
        actor=officer,
        action="return",
        version=req.version,
        note="Upload the drawings.",
        documents=("drawings",),
    )
    req.refresh_from_db()
    services.document_add(request_id=req.pk, actor=citizen, kind="drawings", upload=scan("d.pdf"))
    result = transitions.request_transition(request_id=req.pk, actor=citizen, action="resubmit", version=req.version)
    req.refresh_from_db()
    assert result.rerouted_to is None and req.stage == "issuance" and req.map_order.withdrawn_at is None
    # a replaced deed that nobody asked for is checked again at the secretariat
    transitions.request_transition(
        request_id=req.pk, actor=officer, action="return", version=req.version, note="Sign the form, please."
    )
    req.refresh_from_db()
    services.document_add(request_id=req.pk, actor=citizen, kind="deed", upload=scan("newer-deed.pdf", pdf_bytes(2)))
    result = transitions.request_transition(request_id=req.pk, actor=citizen, action="resubmit", version=req.version)
    assert result.rerouted_to == "secretariat"
    assert_history_matches_audit(PermitRequest.objects.get(pk=req.pk))


def test_no_stage_work_on_an_issued_or_rejected_file(plot, staff, citizen):
    """The hole: the planner could re-run the plan check on an already issued file."""
    from surveys.services import OriginClosed, inspection_record

    req = _to_issuance(plot, staff, citizen)
    services.document_add(request_id=req.pk, actor=staff[Role.CLERK], kind="drawings", upload=scan("d.pdf"))
    req = advance(req, staff[Role.PERMIT_OFFICER], "approve")
    assert req.status == RequestStatus.ISSUED
    planner = staff[Role.PLANNER]
    with pytest.raises(TransitionNotAllowed, match="Checking the plan: the request is Issued"):
        review.compliance_check_run(request_id=req.pk, actor=planner)
    with pytest.raises(TransitionNotAllowed, match="Issued"):
        review.rule_override(request_id=req.pk, actor=planner, rule_code="floors", reason="ten characters")
    with pytest.raises(TransitionNotAllowed, match="detailed-plan stage"):
        review.map_order_issue(request_id=req.pk, actor=planner)
    with pytest.raises(TransitionNotAllowed, match="Recording a violation"):
        review.request_violation_record(
            actor=staff[Role.VIOLATIONS_OFFICER], request_id=req.pk, kind="against_plan", geom=rect(1, 3, 9, 6)
        )
    with pytest.raises(OriginClosed, match="no more survey or inspection"):
        inspection_record(
            parcel=plot,
            inspector=staff[Role.INSPECTOR],
            visited_at=req.closed_at,
            checklist={},
            notes="late",
            photos=[],
            origin="request",
            origin_object=req,
        )
    with pytest.raises(TransitionNotAllowed):
        services.task_set(request_id=req.pk, actor=staff[Role.PERMIT_OFFICER], task="drawings_checked", done=False)
    assert req.checks.count() == 1  # nothing was added


def test_the_secretariat_does_not_open_a_file_for_a_non_owner_without_a_reason(plot, staff, citizen):
    """The hole: a permit was issued to someone who is neither a recorded owner nor holds a power of
    attorney, with no warning."""
    from permits.models import OwnershipOverride

    stranger = staff[Role.ESERVICES_OFFICE]  # any signed-up person who is not an owner
    stranger.groups.add(*staff[Role.CITIZEN].groups.all())
    stranger.national_id = "0013542419"
    stranger.save()
    req = submitted(plot, stranger)
    clerk = staff[Role.CLERK]
    facts = selectors.ownership_facts(request=req)
    assert not facts.applicant_is_owner and [o.national_id for o in facts.owners] == ["0499370899"]
    with pytest.raises(GuardsFailed, match=r"not a recorded owner.*مریم آزمون‌مالک"):
        advance(req, clerk)
    for who, reason, error in (
        (staff[Role.PLANNER], "Power of attorney 1234 checked", TransitionNotAllowed),
        (stranger, "Power of attorney 1234 checked", TransitionNotAllowed),
        (clerk, "ok", WorkflowError),
        (clerk, "   short   ", WorkflowError),
    ):
        with pytest.raises(error):
            review.ownership_override(request_id=req.pk, actor=who, reason=reason)
    assert not OwnershipOverride.objects.exists()
    review.ownership_override(
        request_id=req.pk, actor=clerk, reason="Notarised power of attorney 1234 from the owner checked"
    )
    req = advance(req, clerk)
    assert req.stage == "inspection"
    event = next(e for e in audit_trail(req) if e.action == "ownership.overridden")
    assert event.actor == clerk and event.data["owners"] == ["0499370899"]
    # the owner herself needs no override; overriding for her is refused as pointless
    own = submitted(plot, citizen)
    assert selectors.ownership_facts(request=own).entitled
    with pytest.raises(WorkflowError, match="recorded owner"):
        review.ownership_override(request_id=own.pk, actor=clerk, reason="a reason of some length")


def test_transition_hooks_run_inside_the_transaction(plot, staff, citizen):
    """Apps above permits attach to transitions by registering hooks; a hook sees the new state and the
    stage history, and one that raises rolls the whole transition back."""
    from permits import hooks

    seen = []

    def record(event):
        seen.append((event.action, event.from_stage, event.to_stage, event.request.stage_visits.count()))

    def refuse(event):
        if event.action == "advance":
            raise RuntimeError("serial counter unavailable")

    req = with_documents(draft(plot, citizen), citizen)
    hooks.on_transition(record)
    hooks.on_transition(record)  # registering twice has no effect
    try:
        transitions.request_transition(request_id=req.pk, actor=citizen, action="submit", version=req.version)
        assert seen == [("submit", "", "secretariat", 1)]
        hooks.on_transition(refuse)
        req.refresh_from_db()
        with pytest.raises(RuntimeError):
            advance(req, staff[Role.CLERK])
        req.refresh_from_db()
        assert req.stage == "secretariat" and req.stage_visits.count() == 1
        assert not [e for e in audit_trail(req) if e.action == "request.advance"]
    finally:
        hooks._HOOKS[:] = [h for h in hooks._HOOKS if h not in (record, refuse)]
