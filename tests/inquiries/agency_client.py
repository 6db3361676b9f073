"""An agency's system, run as a separate process by the API journey: it speaks to the live server with
httpx only (no Django), and prints what it got as one JSON line.

    python agency_client.py BASE_URL TOKEN clearance FILE_CODE
    python agency_client.py BASE_URL TOKEN excavate FILE_CODE GEOJSON CRS CALLBACK_URL
    python agency_client.py BASE_URL TOKEN read INQUIRY_ID
"""

import json
import sys

import httpx


def main() -> None:
    base, token, action, *args = sys.argv[1:]
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    out: dict = {}
    if action == "clearance":
        r = api.post("/api/v1/inquiries/", json={"kind": "notary", "purpose": "تنظیم سند فروش", "property": args[0]})
        out = {"status_code": r.status_code, "body": r.json()}
    elif action == "excavate":
        file_code, geometry, crs, callback = args
        body = {
            "kind": "excavation",
            "purpose": "انشعاب آب",
            "property": file_code,
            "geometry": json.loads(geometry),
            "crs": int(crs),
        }
        r = api.post("/api/v1/inquiries/", json=body)
        inquiry = r.json()
        hook = api.post("/api/v1/webhooks/", json={"url": callback, "inquiry": inquiry["id"]})
        out = {
            "status_code": r.status_code,
            "body": inquiry,
            "webhook": hook.json(),
            "webhook_status": hook.status_code,
        }
    elif action == "read":
        r = api.get(f"/api/v1/inquiries/{args[0]}/")
        out = {"status_code": r.status_code, "body": r.json()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
