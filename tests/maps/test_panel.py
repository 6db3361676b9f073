"""/map/panel: the map's parcel panel rendered on the server. One sentence verdict first (buildable or
not and why), the figures with the reason for every limit below the zone's, what the owner of a
too-small plot can do, no envelope drawn for an unbuildable parcel, codes and numbers that read right
in Persian and English, and a link that opens the request wizard on the parcel."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from parcels.models import Parcel
from zoning.compliance.records import Limit
from zoning.compliance.verdict import Obstacle
from zoning.selectors import parcel_compliance

URL = "/map/panel"
LATIN_DIGIT = re.compile(r"[0-9]")


def _parcels(limit: int = 600):
    return Parcel.objects.filter(version__is_active=True).order_by("id")[:limit]


@pytest.fixture(scope="module")
def kinds(django_db_setup, django_db_blocker, sample_city):
    """File codes of sample-city parcels of each kind the panel must say right (found once)."""
    from zoning.compliance.verdict import verdict_of

    found: dict[str, str] = {}
    wanted = {"buildable", "below_minimum", "floors_limited", "straddles"}
    with django_db_blocker.unblock():
        for parcel in _parcels():
            report = parcel_compliance(parcel_id=parcel.pk)
            verdict = verdict_of(report)
            shares = [z for z in report.facts.zones if z.share >= 0.01]
            if verdict.buildable and not verdict.floors.below_zone and len(shares) == 1:
                found.setdefault("buildable", parcel.file_code)
            if verdict.below_minimum_plot and any(h.obstacle == Obstacle.MIN_PLOT_AREA for h in verdict.hindrances):
                found.setdefault("below_minimum", parcel.file_code)
            if verdict.buildable and verdict.floors.below_zone:
                found.setdefault("floors_limited", parcel.file_code)
            if len(shares) > 1:
                found.setdefault("straddles", parcel.file_code)
            if wanted <= set(found):
                break
    missing = wanted - set(found)
    assert not missing, f"the sample city has no parcel of these kinds in its first ones: {missing}"
    return found


def panel(client, lang: str, **params):
    prefix = "" if lang == "fa" else "/en"
    response = client.get(prefix + URL, params)
    return response, response.content.decode()


def geometry_kinds(html: str) -> set[str]:
    data = json.loads(re.search(r'id="panel-geometry"[^>]*>(.*?)</script>', html, re.S).group(1))
    return {f["properties"]["kind"] for f in data["features"]}


def visible_text(html: str) -> str:
    """The text a person reads, codes (<bdi class="code">) and the geometry left out."""
    html = re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.S)
    html = re.sub(r'<bdi dir="ltr" class="code">.*?</bdi>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def verdict_text(html: str) -> str:
    return " ".join(visible_text(re.search(r'data-testid="verdict">(.*?)</p>', html, re.S).group(1)).split())


def assert_reads_right(html: str, lang: str) -> None:
    text = visible_text(html)
    if lang == "fa":
        assert not LATIN_DIGIT.search(text), LATIN_DIGIT.findall(text)[:5]
        assert "m²" not in text
    else:
        assert "٪" not in text and "،" not in text and "؛" not in text
        assert not re.search(r"[۰-۹]", text)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_a_buildable_parcel_says_how_much_may_be_built(client, kinds, lang):
    code = kinds["buildable"]
    response, html = panel(client, lang, file_code=code)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    report = parcel_compliance(file_code=code)
    env = report.envelope
    verdict = verdict_text(html)
    if lang == "en":
        assert verdict.startswith(f"You may build up to {env.max_floors} floors and ")
        assert f"{round(env.max_floor_area_m2):,} m²" in verdict
    else:
        assert verdict.startswith("در این ملک می‌توانید تا ")
        assert "مترمربع زیربنا" in verdict
    assert 'data-buildable="true"' in html
    assert 'class="why"' not in html  # nothing below the zone's figures, nothing to explain
    assert "envelope" in geometry_kinds(html)
    assert "requested" not in html.lower() and "درخواستی" not in html
    assert_reads_right(html, lang)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_a_plot_below_the_minimum_is_not_buildable_and_says_what_the_owner_can_do(client, kinds, lang):
    code = kinds["below_minimum"]
    response, html = panel(client, lang, file_code=code)
    assert response.status_code == 200
    report = parcel_compliance(file_code=code)
    verdict = verdict_text(html)
    minimum = f"{report.zone.min_plot_area_m2:,.0f}"
    if lang == "en":
        assert verdict.startswith("Not buildable as it is: the plot is ")
        assert f"below this zone's {minimum} m² minimum" in verdict
        assert "Article 5 commission" in html and "neighbouring plot" in html
    else:
        assert verdict.startswith("در وضع کنونی ساخت در این ملک مجاز نیست: مساحت ملک ")
        assert "کمیسیون ماده ۵" in html and "تجمیع" in html
    assert 'data-testid="owner-options"' in html
    assert 'data-buildable="false"' in html
    assert "envelope" not in geometry_kinds(html)  # nothing to draw where nothing may be built
    assert "parcel" in geometry_kinds(html)
    assert 'data-testid="figures"' not in html  # no "what may be built" figures for it
    assert re.search(r'<li class="failed" data-rule="minimum_plot">', html)
    assert_reads_right(html, lang)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_floors_below_the_zones_say_why(client, kinds, lang):
    code = kinds["floors_limited"]
    report = parcel_compliance(file_code=code)
    zone, env = report.zone, report.envelope
    assert env.max_floors < zone.max_floors and env.floors_limit == Limit.FLOOR_AREA
    _response, html = panel(client, lang, file_code=code)
    why = re.search(r'<span class="why" data-limit="floor_area">(.*?)</span>\s*</dd>', html, re.S)
    assert why, "the floors figure says why it is below the zone's"
    text = " ".join(visible_text(why.group(1)).split())
    if lang == "en":
        assert text.startswith(f"The zone allows {zone.max_floors} floors, but its density of {zone.density_pct:g}%")
        assert text.endswith(f"gives only {env.max_floors} whole floors.")
    else:
        fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
        assert text.startswith(f"پهنه تا {str(zone.max_floors).translate(fa)} طبقه اجازه می‌دهد")
        assert f"تراکم {f'{zone.density_pct:g}'.translate(fa)}٪" in text
    # the floor area left by whole floors says why too
    assert 'data-limit="whole_floors"' in html
    assert_reads_right(html, lang)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_straddling_zones_read_right_in_both_languages(client, kinds, lang):
    code = kinds["straddles"]
    report = parcel_compliance(file_code=code)
    zones = [z for z in report.facts.zones if z.share >= 0.01]
    _response, html = panel(client, lang, file_code=code)
    note = re.search(r'data-testid="straddle-note">(.*?)</p>', html, re.S).group(1)
    shares = re.findall(
        r'<span class="share"><bdi dir="ltr" class="code">(.*?)</bdi> <bdi class="qty">(.*?)</bdi>', note
    )
    assert len(shares) == len(zones)
    separator = "، " if lang == "fa" else ", "
    listed = re.search(r'<span class="shares">(.*)</span>\)', note, re.S).group(1)
    assert listed.count(separator) == len(zones) - 1
    for (shown_code, shown_share), zone in zip(shares, zones, strict=True):
        percent = f"{round(zone.share * 100)}"
        if lang == "fa":
            fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
            assert shown_code == zone.plan_code.translate(fa)
            assert shown_share == percent.translate(fa) + "٪"
        else:
            assert shown_code == zone.plan_code and shown_share == percent + "%"
    assert "straddles_zones" not in html  # said by the panel itself, not by the note's hand-made text
    assert_reads_right(html, lang)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_the_frontage_arrow_points_the_reading_direction(client, city, lang):
    parcel = next(
        p
        for p in _parcels()
        if any(s.widened and s.frontage_m > 0 for s in parcel_compliance(parcel_id=p.pk).facts.streets)
    )
    _response, html = panel(client, lang, file_code=parcel.file_code)
    arrows = re.findall(r'<span class="arrow" aria-hidden="true">(.)</span>', html)
    assert arrows and set(arrows) == ({"←"} if lang == "fa" else {"→"})
    assert "·" not in html


@pytest.mark.django_db
def test_the_start_request_link_opens_the_wizard_on_the_parcel(client, kinds, django_user_model):
    code = kinds["buildable"]
    for prefix in ("", "/en"):
        html = client.get(prefix + URL, {"file_code": code}).content.decode()
        href = re.search(r'data-testid="start-request" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        parts = urlsplit(href)
        assert parts.path == f"{prefix}/files/new/" and parse_qs(parts.query) == {"code": [code]}
        # anonymous: the login page, then back to the wizard on this parcel (not to the map)
        login = client.get(href)
        assert login.status_code == 302
        assert parse_qs(urlsplit(login["Location"]).query)["next"] == [href]


@pytest.mark.django_db
def test_the_panel_is_found_by_a_point_too_and_is_cacheable(client, kinds):
    parcel = Parcel.objects.get(version__is_active=True, file_code=kinds["buildable"])
    point = parcel.anchor.transform(4326, clone=True)
    response, html = panel(client, "fa", lon=f"{point.x:.7f}", lat=f"{point.y:.7f}")
    assert response.status_code == 200 and 'data-panel="parcel"' in html
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert client.get(URL, {"file_code": parcel.file_code}, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    english = client.get("/en" + URL, {"file_code": parcel.file_code})
    assert english["ETag"] != response["ETag"]  # one cached answer per language


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "Give a file code or a point"),
        ({"file_code": "40N-12"}, 400, "looks like"),
        ({"file_code": "x" * 200}, 400, "at most 40"),
        ({"lon": "57.33"}, 400, "needs both lon and lat"),
        ({"lon": "nan", "lat": "37.47"}, 400, "Enter a number"),
        ({"lon": "557.33", "lat": "37.47"}, 400, "less than or equal"),
        ({"file_code": "40N-5291-41476-007-3"}, 400, "check character"),
        ({"lon": "10.0", "lat": "10.0"}, 404, "outside the municipality"),
    ],
)
def test_bad_questions_answer_a_message_fragment(client, city, params, status, message):
    response, html = panel(client, "en", **params)
    assert response.status_code == status
    assert 'data-panel="error"' in html and message in html


@pytest.mark.django_db
def test_a_code_no_parcel_has_any_more_is_a_404_message(client, kinds):
    code = kinds["buildable"]
    assert Parcel.objects.filter(version__is_active=True, file_code=code).update(file_code="40N-0000-00000-001-9")
    response, html = panel(client, "en", file_code=code)
    assert response.status_code == 404 and "No parcel with this file code" in html
    response, html = panel(client, "fa", file_code=code)
    assert response.status_code == 404 and 'data-testid="panel-error"' in html
