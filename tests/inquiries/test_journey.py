"""The API journey (issue 20): an agency's system in a separate process, with httpx against the live
server: a notary asks for clearance and gets an answer; a water company files an excavation across a
freshly paved street, lands in the executive unit's inbox, and its webhook fires (signed, checked by a
real receiver) when the unit answers with the conditions and the reinstatement fee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fees.models import Bill
from tests.conftest import Client, wait_for
from tests.inquiries.conftest import ACROSS_STREET, issued, line_geojson, paved
from tests.inquiries.receiver import Receiver
from tests.surveys.conftest import SRID, user_with

CLIENT = Path(__file__).with_name("agency_client.py")


def agency_system(base: str, token: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(CLIENT), base, token, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_api_journey(live_url, plot, tokens, settings, monkeypatch, start_worker):
    settings.INQUIRY_WEBHOOK_ALLOW_HTTP = True
    monkeypatch.setenv("INQUIRY_WEBHOOK_RETRY_BACKOFF_S", "1")
    issued(plot, "completion", user_with("citizen", "owner-j"))
    paved(15)
    receiver = Receiver()
    try:
        start_worker()
        # a notary asks for clearance of a sale and gets the answer at once
        got = agency_system(live_url, tokens["notary"], "clearance", plot.file_code)
        assert got["status_code"] == 201
        assert got["body"]["answer"]["outcome"] == "cleared"
        assert got["body"]["answer"]["facts"]["certificate"] == "completion"

        # a water company files an excavation across the street paved two weeks ago, and subscribes
        geometry = json.dumps(line_geojson(*ACROSS_STREET))
        got = agency_system(live_url, tokens["water"], "excavate", plot.file_code, geometry, str(SRID), receiver.url)
        assert got["status_code"] == 201 and got["webhook_status"] == 201
        inquiry = got["body"]
        assert inquiry["status"] == "pending" and inquiry["answer"] is None and inquiry["answer_due_on"]
        receiver.secret = got["webhook"]["secret"]

        # the executive unit answers from its inbox
        unit = Client()
        unit.force_login(user_with("executive_unit", "exec-j"))
        assert inquiry["id"] in unit.get("/agency/inbox/").content.decode()
        assert unit.post(f"/agency/inbox/{inquiry['id']}/", {"decision": "approve", "note": ""}).status_code == 302

        # the webhook fires, signed; the agency reads the answer with its conditions and fee
        wait_for(lambda: receiver.accepted, timeout=40, what="the webhook")
        assert receiver.accepted[0]["inquiry"] == inquiry["id"] and receiver.accepted[0]["outcome"] == "permitted"
        got = agency_system(live_url, tokens["water"], "read", inquiry["id"])
        answer = got["body"]["answer"]
        assert answer["outcome"] == "permitted" and answer["decided_by"] == "unit"
        assert "recent_paving" in answer["facts"]["conditions"] and answer["facts"]["conditions_text"]
        bill = Bill.objects.get(bill_id=answer["facts"]["bill_id"])
        assert bill.amount_irr == answer["facts"]["fee_irr"] > 0 and answer["facts"]["payment_id"] == bill.payment_id
    finally:
        receiver.close()
