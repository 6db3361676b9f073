"""The page audit: every page of the service, each role's, a file at several stages, the map panel after a
click, the wizard's steps, orders, surveys, inspections, inboxes, tracking, two-step sign-in, the error
and offline pages, in Persian and in English, in headless Chromium at phone width (390 px). Each page is
read by tests/browser/page_audit.js, which reports what a person would read wrongly (English or Latin
digits in Persian text, a Latin point between Persian digits, internal codes, Persian punctuation in
English, codes and units not isolated, sideways scrolling). The audit must find nothing; a second test
plants one of each problem and sees the audit catch every one."""

from __future__ import annotations

import enum
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.roles import Role
from parcels.filecodes import file_code_for
from parcels.models import Parcel
from permits import review, services, transitions
from permits.models import PermitRequest
from tests.conftest import Client
from tests.permits.conftest import advance, draft, inspect_and_survey, scan, submitted, with_documents
from tests.surveys.conftest import E0, N0, SRID, _multi, box, plot, user_with  # noqa: F401 - fixtures

# the script's function, without its leading comment (Playwright calls a string that starts as a function)
AUDIT_JS = re.sub(r"\A(?:\s*//[^\n]*\n)+", "", (Path(__file__).parent / "page_audit.js").read_text(encoding="utf-8"))
WIDTH = 390
_RAW_VALUE = re.compile(r"^[a-z][a-z0-9_]{2,}$")


def raw_enum_values() -> list[str]:
    """The values of the project's choices (status, stage, land use, rule codes ...): never shown raw."""
    from django.db import models

    from permits.workflow import STAGES
    from zoning.compliance import records, verdict

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    from maps.panel import RULE_LABELS

    values = set(STAGES) | set(RULE_LABELS)
    for stage in STAGES.values():
        values.update(task.code for task in stage.tasks)
    for choices in subclasses(models.Choices):
        if choices.__module__.split(".")[0] in {"accounts", "parcels", "permits", "surveys", "violations", "zoning"}:
            values.update(str(v) for v in choices.values)
    for module in (records, verdict):
        for item in vars(module).values():
            if isinstance(item, type) and issubclass(item, enum.Enum) and item.__module__ == module.__name__:
                values.update(str(m.value) for m in item)
    values -= {"none"}  # an English word the English pages print as such (a translated "none")
    return sorted(v for v in values if _RAW_VALUE.match(v))


def audit(tab, enums: list[str]) -> list[dict]:
    return tab.evaluate(AUDIT_JS, {"enums": enums, "width": WIDTH})


def report(problems: list[tuple[str, dict]]) -> str:
    return "\n".join(f"{url}  [{p['kind']}]  {p['path']}  «{p['text']}»" for url, p in problems)


# --- the planted problems: the audit catches each class ---------------------------------------------

PLANTED_FA = """<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta name="viewport" content="width=device-width">
<style>body{margin:0;font-family:sans-serif}</style></head><body><main>
<p id="ok">پرونده <bdi dir="ltr" class="code">BJ-۷QK۲M-XR۹۴T-H۳</bdi> در مرحلهٔ بازدید است؛
<bdi class="qty">۴۸۰ مترمربع</bdi>.</p>
<p id="latin">وضعیت: Approved</p>
<p id="digits">ارجاع شد: 2</p>
<p id="snake">کاربری land_use</p>
<p id="enum"><bdi dir="ltr">passed</bdi></p>
<p id="point">زیربنا <bdi class="qty">۴۸۰.۰۰ مترمربع</bdi></p>
<p id="dot"><bdi dir="ltr" class="code">BJ-۷QK۲M-XR۹۴T-H۳</bdi> · در حال بررسی</p>
<p id="code">کد پرونده ۴۰N-۰۵۲۹-۰۴۱۴۷-۰۰۱-۷ ثبت شد</p>
<p id="unit">فاصله <span>۳۰۰ m</span></p>
<form><input id="date" value="1405/09/09"></form>
<div id="wide" style="width:600px">پهن</div>
</main></body></html>"""

PLANTED_EN = """<!DOCTYPE html><html lang="en" dir="ltr"><head><meta name="viewport" content="width=device-width">
</head><body><main>
<p id="ok">File <bdi dir="ltr">BJ-7QK2M-XR94T-H3</bdi>, owner <span>مریم رضایی</span>, <span lang="fa">فارسی</span>.</p>
<p id="comma">8، Approved</p>
<p id="percent">50.7٪</p>
<p id="raw"><span>in_review</span> <span>residential</span></p>
<p id="unit">Depth <bdi>12.5 m</bdi> from the street</p>
</main></body></html>"""


@pytest.mark.browser
def test_the_audit_catches_one_of_each_planted_problem(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    tab = context.new_page()
    try:
        tab.set_content(PLANTED_FA)
        found = {(p["kind"], p["path"].split(" > ")[-1].split(":")[0]) for p in audit(tab, ["passed", "residential"])}
        assert ("latin-letters", "p#latin") in found
        assert ("latin-digits", "p#digits") in found
        assert ("internal-code", "p#snake") in found
        assert ("internal-code", "bdi") in found  # a raw enum value, even isolated
        assert ("latin-separator", "bdi.qty") in found  # ۴۸۰.۰۰, even in a quantity
        assert ("middle-dot", "p#dot") in found
        assert ("not-isolated", "p#code") in found
        assert ("not-isolated", "span") in found  # ۳۰۰ m
        assert ("latin-digits", "input#date") in found
        assert any(kind == "too-wide" and "div#wide" in path for kind, path in found)
        assert not [p for p in found if p[1] == "p#ok"], found

        tab.set_content(PLANTED_EN)
        found = {(p["kind"], p["path"].split(" > ")[-1]) for p in audit(tab, ["in_review", "residential"])}
        assert ("persian-on-en", "p#comma") in found
        assert ("persian-on-en", "p#percent") in found
        assert ("internal-code", "span:nth-of-type(1)") in found
        assert ("internal-code", "span:nth-of-type(2)") in found
        assert not [p for p in found if p[1] in ("p#ok", "span", "span:nth-of-type(1)") and p[0] != "internal-code"]
        assert "too-wide" not in {k for k, _ in found}
    finally:
        context.close()


# --- the service's pages ----------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    users = {}
    for number, role in enumerate(Role):  # usernames that are no role's code (they are shown as codes)
        users[role] = user_with(role.value, f"user{number:02d}")
        users[role].first_name, users[role].last_name = "کارشناس", "آزمون"
        users[role].save()
    return users


@pytest.fixture
def world(plot, staff, settings, tmp_path):  # noqa: F811 - the fixture
    """A citizen owning the plot with files at five stages and one referred back to an earlier stage, a
    survey, an inspection and an order."""
    from parcels.models import Owner, Ownership
    from surveys.models import Inspection

    settings.MEDIA_ROOT = tmp_path / "media"
    citizen = staff[Role.CITIZEN]
    citizen.username = citizen.national_id = "0499370899"
    citizen.first_name, citizen.last_name = "مریم", "رضایی"
    citizen.save()
    owner = Owner.objects.create(national_id=citizen.national_id, full_name="مریم رضایی")
    Ownership.objects.create(parcel=plot, owner=owner, share_dang=6)

    # One open request of a type per applicant and property: the draft and the submitted file are on
    # neighbouring plots of the same owner, the file at inspection is an extension on the plot, and the
    # issued one is finished before the file at the detailed-plan stage is filed.
    siblings = []
    for n in (1, 2, 3):
        x0 = 12 * n
        sibling = Parcel.objects.create(
            version=plot.version,
            geom=_multi(box(x0, 4, x0 + 10, 29)),
            anchor=Point(E0 + x0 + 5, N0 + 16, srid=SRID),
            file_code=str(file_code_for(srid=SRID, easting=E0 + x0 + 5, northing=N0 + 16, seq=1 + n)),
            geom_hash=f"test-{n}",
            deed_area_m2=240,
        )
        Ownership.objects.create(parcel=sibling, owner=owner, share_dang=6)
        siblings.append(sibling)
    files = {"draft": draft(siblings[0], citizen)}
    files["secretariat"] = submitted(siblings[1], citizen)
    # referred back from the inspection to the secretariat, the officer's note (a number and a code in
    # it, as typed) shown to the applicant: «ارجاع شد: 2» was seen in such a file's history
    referred = advance(submitted(siblings[2], citizen), staff[Role.CLERK])
    transitions.request_transition(
        request_id=referred.pk,
        actor=staff[Role.INSPECTOR],
        action="refer",
        version=referred.version,
        to_stage="secretariat",
        note=f"صفحه 2 سند خوانا نیست؛ پرونده {referred.file.code} دوباره بررسی شود.",
        note_to_applicant=True,
    )
    extension = services.request_create(
        applicant=citizen,
        filed_by=citizen,
        parcel=plot,
        kind="building_extension",
        use="residential",
        floors=3,
        floor_area_m2=400.0,
        footprint_m2=130.0,
    )
    extension = with_documents(extension, citizen)
    transitions.request_transition(request_id=extension.pk, actor=citizen, action="submit", version=extension.version)
    files["inspection"] = advance(PermitRequest.objects.get(pk=extension.pk), staff[Role.CLERK])
    inspect_and_survey(plot, staff, files["inspection"])
    req = advance(submitted(plot, citizen), staff[Role.CLERK])
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    req = advance(req, staff[Role.PLANNER])
    for role in (Role.VIOLATIONS_OFFICER, Role.RENOVATION_OFFICER, Role.EXECUTIVE_UNIT, Role.REVENUE_OFFICER):
        req = advance(req, staff[role])
    services.document_add(request_id=req.pk, actor=staff[Role.CLERK], kind="drawings", upload=scan("d.pdf"))
    files["issued"] = advance(req, staff[Role.PERMIT_OFFICER], "approve")
    req = advance(submitted(plot, citizen), staff[Role.CLERK])
    inspect_and_survey(plot, staff, req)
    req = advance(req, staff[Role.INSPECTOR])
    review.compliance_check_run(request_id=req.pk, actor=staff[Role.PLANNER])
    review.map_order_issue(request_id=req.pk, actor=staff[Role.PLANNER])
    files["detailed_plan"] = PermitRequest.objects.get(pk=req.pk)
    # as the inspection form records them (the permit tests' helper writes a key of its own)
    Inspection.objects.update(checklist={"street_access": True}, notes="دسترسی از خیابان آزمون")
    files["referred"] = PermitRequest.objects.get(pk=referred.pk)
    # fees: the issued file's bills (paid at a bank by the walk), an unpaid bill with a failed online attempt
    # on the file at inspection, a refund and a reconciliation with findings; the plot has a renovation
    # code, so its dues page lists its years
    from fees.billing import bill_create
    from fees.models import Payment, Reconciliation, Refund

    Parcel.objects.filter(pk=plot.pk).update(renovation_code="1-2-15-20-0-0-0")
    unpaid = bill_create(
        file=files["inspection"].file, kind="permit_fees", amount_irr=17_000_000, request=files["inspection"]
    )
    Payment.objects.create(
        bill=unpaid,
        channel="online",
        order_id=990_000_001,
        amount_irr=unpaid.amount_irr,
        status="failed",
        started_by=citizen,
        result={"language": "fa", "message": "declined"},
    )
    Refund.objects.create(file=unpaid.file, bill=unpaid, amount_irr=5_000_000, reason="دوباره محاسبه شد")
    Reconciliation.objects.create(
        psp="sandbox",
        settlement_date=timezone.localdate(),
        file_sha256="0" * 64,
        rows=2,
        matched=1,
        findings=[{"kind": "orphan", "row": 2, "reference": "R-77", "order_id": 5, "amount_irr": 1000}],
    )
    return {"citizen": citizen, "staff": staff, "files": files, "parcel": plot, "unpaid_bill": unpaid}


def pages_by_role(world) -> dict[str, list[str]]:
    from surveys.models import Inspection, Survey, SurveyUpload

    files = world["files"]
    code = world["parcel"].file_code
    survey = Survey.objects.order_by("id").first()
    upload = SurveyUpload.objects.order_by("id").first()
    inspection = Inspection.objects.order_by("id").first()
    file_pages = [f"/files/{r.tracking_code}/" for r in files.values()]
    order = f"/files/{files['detailed_plan'].tracking_code}/order/"
    surveys = [f"/surveys/{survey.pk}/", f"/surveys/inspections/{inspection.pk}/"]
    if upload is not None:
        surveys.append(f"/surveys/uploads/{upload.pk}/")
    from fees.models import Bill

    paid_bill = Bill.objects.filter(request=files["issued"], status="paid").order_by("id").first()
    unpaid_bill = world["unpaid_bill"]
    bill_pages = [f"/fees/bills/{paid_bill.pk}/", f"/fees/bills/{unpaid_bill.pk}/"]
    fee_lists = ["/fees/assessments/", "/fees/bills/", "/fees/payments/", "/fees/refunds/", "/fees/reconciliations/"]
    return {
        "anonymous": [
            "/",
            "/map/",
            "/files/track/",
            f"/files/track/?code={files['secretariat'].tracking_code}",
            "/accounts/login/",
            "/accounts/signup/",
            "/offline/",
            "/no-such-page/",
            "/?q=%00",  # 400
            "/files/new/",  # to the login page
        ],
        "citizen": [
            "/files/",
            "/files/new/",
            f"/files/new/?code={code}",
            "/files/new/?code=40N-0000-00000-000-0",
            *file_pages,
            order,
            "/files/inbox/",  # not for citizens: 403
            *bill_pages,
            "/fees/payments/990000001/",  # a declined online attempt
            "/fees/dues/",
            "/fees/dues/?code=1-2-15-20-0-0-0",
            "/fees/dues/?code=9-9-9-9-0-0-0",  # no such property
        ],
        Role.CLERK: ["/files/inbox/", "/accounts/pending/", file_pages[1], file_pages[5]],  # [5]: referred
        Role.INSPECTOR: ["/files/inbox/", "/surveys/", "/surveys/inspections/new/", surveys[1], file_pages[2]],
        Role.SURVEYOR: ["/files/inbox/", "/surveys/", "/surveys/new/", *surveys[::2]],
        Role.PLANNER: ["/files/inbox/", file_pages[3], order, surveys[0]],
        Role.VIOLATIONS_OFFICER: ["/files/inbox/"],
        Role.REVENUE_OFFICER: ["/files/inbox/", *fee_lists, *bill_pages, f"/fees/bills/{unpaid_bill.pk}/exempt/"],
        Role.PERMIT_OFFICER: ["/files/inbox/", file_pages[4]],
        Role.MANAGER: ["/files/inbox/", "/notifications/", "/accounts/locked/", "/accounts/2fa/staff/"],
        "2fa-new": ["/accounts/2fa/enrol/"],  # signed in with the password, no authenticator yet
        "2fa": ["/accounts/2fa/"],  # signed in with the password, the authenticator's code asked
    }


def sign_in(context, live_url: str, user, *, second_factor: bool = True) -> None:
    """The session of a signed-in user (password and second factor), handed to the browser."""
    client = Client()
    if second_factor:
        client.force_login(user)
    else:
        client.force_login_password_only(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_url}])


def map_panel(tab, parcel) -> None:
    """The map's panel after a click on the parcel (tiles are not waited for)."""
    inside = parcel.anchor.transform(4326, clone=True)
    tab.wait_for_function("() => window.cityMap")
    tab.evaluate(
        "([lat, lon]) => { window.cityMap.setView([lat, lon], 19, {animate: false});"
        " window.cityMap.fire('click', {latlng: L.latLng(lat, lon)}); }",
        [inside.y, inside.x],
    )
    tab.wait_for_selector("#map-details [data-panel], #map-details [data-testid=panel-error]")


def outage_pages() -> list[tuple[str, str]]:
    """The 503 page of a database outage, as gis_app.outage renders it (no database, no request)."""
    from gis_app.outage import unavailable_message

    pages = []
    for lang in ("fa", "en"):
        with translation.override(lang):
            html = render_to_string("unavailable.html", {"message": unavailable_message(), "language": lang})
        pages.append((f"{lang}:outage 503", html))
    return pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_reads_right_in_persian_and_english_at_phone_width(browser, live_url, world):
    enums = raw_enum_values()
    assert {"passed", "land_use", "secretariat", "residential", "in_review"} <= set(enums)
    started = time.monotonic()
    problems: list[tuple[str, dict]] = []
    audited: set[str] = set()
    errors: list[str] = []
    for role, paths in pages_by_role(world).items():
        for lang in ("fa", "en"):
            context = browser.new_context(viewport={"width": WIDTH, "height": 800}, is_mobile=True, has_touch=True)
            try:
                if role == "citizen":
                    sign_in(context, live_url, world["citizen"])
                elif role == "2fa-new":
                    sign_in(context, live_url, user_with("clerk", f"newuser{lang}"), second_factor=False)
                elif role == "2fa":
                    sign_in(context, live_url, world["staff"][Role.INSPECTOR], second_factor=False)
                elif role != "anonymous":
                    sign_in(context, live_url, world["staff"][role])
                tab = context.new_page()
                tab.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                prefix = "" if lang == "fa" else "/en"
                for path in paths:
                    url = f"{live_url}{prefix}{path}"
                    tab.goto(url, wait_until="load")
                    shown = tab.url.removeprefix(live_url)
                    audited.add(f"{lang}:{role} {shown}")
                    problems += [(f"{role} {shown}", p) for p in audit(tab, enums)]
                    if path == "/map/":
                        map_panel(tab, world["parcel"])
                        audited.add(f"{lang}:{role} {shown}#panel")
                        problems += [(f"{role} {shown}#panel", p) for p in audit(tab, enums)]
            finally:
                context.close()
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    try:
        tab = context.new_page()
        for name, html in outage_pages():
            tab.set_content(html)
            audited.add(name)
            problems += [(name, p) for p in audit(tab, enums)]
    finally:
        context.close()
    elapsed = time.monotonic() - started
    persian = {name for name in audited if name.startswith("fa:")}
    print(f"\npage audit: {len(audited)} pages ({len(persian)} Persian) in {elapsed:.0f} s, {len(problems)} problems")
    assert not problems, f"{len(problems)} problems on {len(audited)} pages:\n" + report(problems)
    assert len(persian) >= 40 and len(audited) == 2 * len(persian), sorted(audited)
    assert not errors, errors
