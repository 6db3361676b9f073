"""Login throttling (django-axes): per username and per address, a cool-off, a manager's unlock, every
failure and unlock audited, the lock-out answered by the login page with a translated message."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from accounts.roles import Role
from accounts.throttle import lockout_message
from gis_app.audit import audit_trail
from gis_app.models import AuditEvent
from tests.surveys.conftest import user_with

pytestmark = [pytest.mark.django_db, pytest.mark.hostile("password guessing (item 5)")]

LOGIN = "/en/accounts/login/"
RIGHT = "pw-for-tests-only"
HOME_ADDRESS, OTHER_ADDRESS = "203.0.113.7", "198.51.100.23"


@pytest.fixture
def owner():
    """A citizen whose username is their national ID (digits, as sign-up makes it)."""
    return user_with(Role.CITIZEN.value, "0499370899")


@pytest.fixture
def manager():
    return user_with(Role.MANAGER.value, "t-manager")


def login(client, username: str, password: str, address: str = HOME_ADDRESS, path: str = LOGIN):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302


def fail(client, username: str, times: int, address: str = HOME_ADDRESS) -> None:
    for _ in range(times):
        assert login(client, username, "a wrong guess", address).status_code in (200, 429)


def test_ten_wrong_passwords_then_the_right_one_is_refused_with_the_login_page(client, owner):
    fail(client, "0499370899", 10)
    response = login(client, "0499370899", RIGHT)
    assert response.status_code == 429 and not signed_in(response)
    page = response.content.decode()
    assert escape(lockout_message()) in page and 'name="password"' in page  # the login page, not a bare 403
    assert "_auth_user_id" not in client.session
    # in Persian too
    persian = client.post("/accounts/login/", {"username": "0499370899", "password": RIGHT}, REMOTE_ADDR=HOME_ADDRESS)
    with translation.override("fa"):
        message = lockout_message()
    with translation.override("en"):
        assert message != lockout_message()
    assert persian.status_code == 429 and escape(message) in persian.content.decode()


def test_the_limit_is_the_setting_and_below_it_the_right_password_works(client, owner):
    fail(client, "0499370899", settings.AXES_FAILURE_LIMIT - 1)
    assert signed_in(login(client, "0499370899", RIGHT))
    # a success clears the count: as many failures again still leave the account open
    client.logout()
    fail(client, "0499370899", settings.AXES_FAILURE_LIMIT - 1)
    assert signed_in(login(client, "0499370899", RIGHT))


@pytest.mark.parametrize("other_address", [OTHER_ADDRESS, "2001:db8::1", "127.0.0.1"], ids=["ipv4", "ipv6", "loopback"])
def test_another_address_is_throttled_per_username(client, owner, other_address):
    fail(client, "0499370899", settings.AXES_FAILURE_LIMIT)
    assert login(client, "0499370899", RIGHT, other_address).status_code == 429
    # a forged forwarding header does not make a new address either
    forged = client.post(
        LOGIN, {"username": "0499370899", "password": RIGHT}, REMOTE_ADDR=other_address, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert forged.status_code == 429


def test_one_address_is_throttled_across_usernames(client, owner):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"guess-{n}", "a wrong guess", OTHER_ADDRESS)
    assert login(client, "0499370899", RIGHT, OTHER_ADDRESS).status_code == 429
    # the owner at home is not locked by a stranger's guessing elsewhere
    assert signed_in(login(client, "0499370899", RIGHT, HOME_ADDRESS))


@pytest.mark.parametrize(
    "typed",
    ["۰۴۹۹۳۷۰۸۹۹", "٠٤٩٩٣٧٠٨٩٩", " 0499370899 ", "۰۴۹۹370899"],
    ids=["persian digits", "arabic digits", "blanks around", "mixed digits"],
)
def test_persian_digits_count_against_the_same_account(client, owner, typed):
    fail(client, typed, settings.AXES_FAILURE_LIMIT - 1)
    fail(client, "0499370899", 1)
    assert login(client, "0499370899", RIGHT).status_code == 429
    assert login(client, typed, RIGHT, OTHER_ADDRESS).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"0499370899"}


def test_the_persian_digit_username_signs_in(client, owner):
    assert signed_in(login(client, "۰۴۹۹۳۷۰۸۹۹", RIGHT))


def test_after_the_cool_off_the_right_password_works(client, owner):
    fail(client, "0499370899", 10)
    assert login(client, "0499370899", RIGHT).status_code == 429
    # the cool-off passes
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert signed_in(login(client, "0499370899", RIGHT))


def test_failures_and_lock_outs_are_audited(client, owner):
    fail(client, "0499370899", settings.AXES_FAILURE_LIMIT)
    fail(client, "nobody-by-this-name", 1, OTHER_ADDRESS)
    actions = [e.action for e in audit_trail(owner)]
    assert actions.count("login.failed") == settings.AXES_FAILURE_LIMIT - 1
    assert actions[-1] == "login.locked_out"
    assert audit_trail(owner).last().data == {"username": "0499370899", "ip_address": HOME_ADDRESS}
    unknown = AuditEvent.objects.get(object_type="axes.accessattempt")
    assert unknown.action == "login.failed" and unknown.data["username"] == "nobody-by-this-name"
    assert "a wrong guess" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_manager_unlocks_from_the_staff_page_and_it_is_audited(client, owner, manager):
    fail(client, "0499370899", 10)
    assert login(client, "0499370899", RIGHT).status_code == 429
    client.force_login(manager)
    page = client.get("/en/accounts/locked/")
    assert page.status_code == 200 and "0499370899" in page.content.decode()
    response = client.post("/en/accounts/locked/unlock/", {"kind": "username", "value": "0499370899"})
    assert response.status_code == 302
    unlocked = [e for e in audit_trail(owner) if e.action == "login.unlocked"]
    assert len(unlocked) == 1 and unlocked[0].actor == manager
    client.logout()
    assert signed_in(login(client, "0499370899", RIGHT))


@pytest.mark.parametrize(
    "post",
    [
        {},
        {"kind": "username", "value": ""},
        {"kind": "password", "value": "x"},
        {"kind": "username", "value": "a\x00b"},
        {"kind": "username", "value": "never-failed"},
    ],
    ids=["nothing", "empty", "unknown kind", "NUL", "not locked"],
)
def test_the_unlock_refuses_bad_input_with_a_message(client, manager, post):
    client.force_login(manager)
    response = client.post("/en/accounts/locked/unlock/", post, follow=True)
    if "\x00" in post.get("value", ""):
        # refused at the edge (gis_app.middleware.InvalidTextMiddleware) before the view reads it
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not AuditEvent.objects.filter(action="login.unlocked").exists()


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.CLERK, Role.PLANNER])
def test_only_managers_see_and_unlock(client, owner, role):
    fail(client, "0499370899", 10)
    client.force_login(user_with(role.value, f"t-{role.value}-x"))
    assert client.get("/en/accounts/locked/").status_code == 403
    assert client.post("/en/accounts/locked/unlock/", {"kind": "username", "value": "0499370899"}).status_code == 403
    assert AccessAttempt.objects.exists()


def test_sign_up_and_activation_are_unaffected(client, staff_clerk):
    data = {
        "first_name": "مریم",
        "last_name": "رضایی",
        "national_id": "۰۰۱۳۵۴۲۴۱۹",
        "mobile": "۰۹۱۵۱۲۳۴۵۶۷",
        "email": "",
        "password1": "a long enough pass phrase",
        "password2": "a long enough pass phrase",
    }
    assert client.post("/en/accounts/signup/", data).status_code == 200
    waiting = login(client, "0013542419", "a long enough pass phrase")
    assert "waiting for the one identity check" in waiting.content.decode()
    client.force_login(staff_clerk)
    user = User.objects.get(username="0013542419")
    client.post(f"/en/accounts/pending/{user.pk}/activate/", {"identity_seen": "on"})
    client.logout()
    assert signed_in(login(client, "0013542419", "a long enough pass phrase"))


@pytest.fixture
def staff_clerk():
    return user_with(Role.CLERK.value, "t-clerk")
