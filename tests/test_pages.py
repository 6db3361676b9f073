import re

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest

pytestmark = pytest.mark.django_db


def test_home_is_persian_and_right_to_left_by_default(client):
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    html = r.content.decode()
    assert r.status_code == 200
    assert '<html lang="fa" dir="rtl">' in html
    assert "پروانه ساختمانی بدون مراجعه به شهرداری" in html
    assert 'href="/map/"' in html and 'href="/accounts/login/"' in html
    assert 'href="/en/"' in html  # the language switch
    # Jalali date with Persian digits in the footer
    assert re.search(r'data-testid="today"[^>]*>۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}<', html)


def test_home_in_english(client):
    r = client.get("/en/")
    html = r.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Building permits without a visit to the municipality" in html
    assert 'href="/en/map/"' in html
    assert ">فارسی<" in html and 'href="/"' in html
    assert re.search(r'data-testid="today"[^>]*>20\d\d-\d\d-\d\d<', html)


def test_language_switch_keeps_the_page(client):
    html = client.get("/en/map/").content.decode()
    assert 'href="/map/"' in html


def test_font_and_styles_are_served_by_us(client):
    html = client.get("/").content.decode()
    assert "fonts.googleapis" not in html and "cdn" not in html.lower()
    css = re.search(r'href="(/static/css/fonts[^"]*\.css)"', html).group(1)
    r = client.get(css)
    assert r.status_code == 200
    font = re.search(r'url\("\.\./vendor/vazirmatn/([^"]+)"\)', b"".join(r.streaming_content).decode()).group(1)
    assert client.get("/static/vendor/vazirmatn/" + font).status_code == 200


def test_login_page_and_wrong_password_message(client):
    get_user_model().objects.create_user("sara", password="correct horse battery")
    r = client.get("/accounts/login/")
    assert r.status_code == 200 and "نام کاربری" in r.content.decode()
    r = client.post("/accounts/login/", {"username": "sara", "password": "wrong"})
    assert r.status_code == 200
    assert "لطفا نام کاربری و گذرواژه" in r.content.decode() or "نام کاربری و گذرواژه" in r.content.decode()
    r = client.post("/en/accounts/login/", {"username": "sara", "password": "wrong"})
    assert "Please enter a correct username and password" in r.content.decode()


def test_login_and_logout(client):
    get_user_model().objects.create_user("sara", password="correct horse battery", first_name="سارا")
    r = client.post("/accounts/login/", {"username": "sara", "password": "correct horse battery"})
    # sign-in leads to the landing page, which sends a person with no role home
    assert r.status_code == 302 and r["Location"] == "/accounts/landing/"
    assert client.get(r["Location"])["Location"] == "/"
    assert 'data-testid="signed-in-as">سارا<' in client.get("/").content.decode()
    r = client.get("/accounts/logout/")
    assert r.status_code == 405, "logging out is a POST"
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert "signed-in-as" not in client.get("/").content.decode()


def test_admin_needs_staff(client):
    r = client.get("/admin/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
    get_user_model().objects.create_user("citizen", password="correct horse battery")
    client.login(request=HttpRequest(), username="citizen", password="correct horse battery")
    assert client.get("/admin/").status_code == 302


def test_healthz_reports_postgis(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.json()["postgis"].startswith("3.")


def test_unknown_page_is_404(client):
    assert client.get("/no-such-page/").status_code == 404
