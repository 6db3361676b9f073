import json
import re

from django.contrib.auth.models import Group
from django.core.management import call_command

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
    assert client.login(username="demo-citizen", password=printed["demo-citizen"])
    assert (tmp_path / "demo.json").stat().st_mode & 0o777 == 0o600


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
