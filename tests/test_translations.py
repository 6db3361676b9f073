"""Persian first: every message of the service has its Persian translation."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "fa" / "LC_MESSAGES" / "django.po"


def entries():
    """(flags, msgid, msgstr) of each entry after the header; comments (#) are not text."""
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        lines = block.splitlines()
        flags = " ".join(line for line in lines if line.startswith("#,"))
        body = "\n".join(line for line in lines if not line.startswith("#"))
        if "msgid" not in body:
            continue
        before, _, after = body.partition("msgstr")
        yield flags, "".join(re.findall(r'"(.*)"', before)), "".join(re.findall(r'"(.*)"', after))


def test_no_message_is_left_untranslated_or_fuzzy():
    problems = [msgid for flags, msgid, msgstr in entries() if not msgstr or "fuzzy" in flags]
    assert problems == []
    assert len(list(entries())) > 150


def test_placeholders_survive_translation():
    for _flags, msgid, msgstr in entries():
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr)), msgid


def test_msgfmt_accepts_the_catalogue():
    import shutil
    import subprocess

    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is installed by the set-up scripts"
    done = subprocess.run([msgfmt, "--check-format", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
