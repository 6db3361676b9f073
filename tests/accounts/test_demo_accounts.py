import json
import re

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import Role


def run(tmp_path, capsys):
    call_command("demo_accounts", "--passwords-file", str(tmp_path / "demo.json"))
    out = capsys.readouterr().out
    return dict(re.findall(r"^\s+(demo-[\w-]+)\s+(\S+)", out, re.M))


def test_one_account_per_role_with_printed_password(db, tmp_path, capsys, client):
    printed = run(tmp_path, capsys)
    assert len(printed) == len(Role) == 13
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    for username, password in printed.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert len(user.roles()) == 1
    planner = User.objects.get(username="demo-planner")
    assert planner.has_role(Role.PLANNER) and planner.is_staff
    assert not User.objects.get(username="demo-citizen").is_staff
    # django-axes needs the request that signs in
    assert client.login(request=HttpRequest(), username="demo-citizen", password=printed["demo-citizen"])
    assert (tmp_path / "demo.json").stat().st_mode & 0o777 == 0o600


def test_a_password_rehashed_at_sign_in_is_kept_and_a_changed_one_is_replaced(db, tmp_path, capsys):
    first = run(tmp_path, capsys)
    rehashed, changed, blanked = (User.objects.get(username=n) for n in ("demo-clerk", "demo-planner", "demo-agency"))
    rehashed.set_password(first["demo-clerk"])  # what Django does when it upgrades a hash at sign-in
    rehashed.save()
    changed.set_password("someone else's password 1405")
    changed.save()
    blanked.set_unusable_password()
    blanked.save()
    second = run(tmp_path, capsys)
    assert second["demo-clerk"] == first["demo-clerk"]
    assert second["demo-planner"] != first["demo-planner"]
    assert second["demo-agency"] != first["demo-agency"]
    for name in ("demo-clerk", "demo-planner", "demo-agency"):
        assert User.objects.get(username=name).check_password(second[name])


def test_second_run_keeps_the_passwords(db, tmp_path, capsys):
    first = run(tmp_path, capsys)
    second = run(tmp_path, capsys)
    assert first == second
    assert User.objects.filter(username__startswith="demo-").count() == 13


def test_a_lost_password_file_gives_new_passwords(db, tmp_path, capsys):
    first = run(tmp_path, capsys)
    (tmp_path / "demo.json").write_text(json.dumps({}))
    second = run(tmp_path, capsys)
    assert first["demo-manager"] != second["demo-manager"]
    assert User.objects.get(username="demo-manager").check_password(second["demo-manager"])


def test_user_national_id_is_validated(db):
    import pytest
    from django.core.exceptions import ValidationError

    user = User(username="x", national_id="0499370898")
    with pytest.raises(ValidationError) as err:
        user.full_clean()
    assert "national_id" in err.value.message_dict
    user.national_id = "0499370899"
    user.set_password("correct horse battery")
    user.full_clean()


def test_a_password_changed_since_is_replaced_so_the_printed_one_works(db, tmp_path, capsys):
    first = run(tmp_path, capsys)
    user = User.objects.get(username="demo-clerk")
    user.set_password("changed by the clerk 123")
    user.save()
    second = run(tmp_path, capsys)
    assert second["demo-clerk"] != first["demo-clerk"]
    assert User.objects.get(username="demo-clerk").check_password(second["demo-clerk"])
    assert second["demo-manager"] == first["demo-manager"]


def test_site_prepare_runs_every_step_and_is_repeatable(db, capsys, settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    passwords = str(tmp_path / "demo.json")
    from parcels.models import Parcel

    # The session's sample city may already be in the test database (loaded for an earlier test):
    # the first run then says so instead of loading it again.
    city_there = Parcel.objects.exists()
    call_command("site_prepare", passwords_file=passwords)
    out = capsys.readouterr().out
    assert ("already loaded" if city_there else "Sample city loaded.") in out and "demo-agency" in out
    assert (tmp_path / "static" / "staticfiles.json").exists()
    call_command("site_prepare", passwords_file=passwords)
    assert "already loaded" in capsys.readouterr().out
