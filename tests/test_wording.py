"""Issue 16, "Wording": «پرونده» is the permit file and «فایل» an uploaded or data file; a count takes the
singular («۳ طبقه», never «۳ طبقات»); buttons and instructions are formal; the home page promises only
what exists (what comes later is marked as coming)."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.test_translations import entries

# messages about a file on disk or an upload: their Persian says «فایل», never «پرونده»
DATA_FILE_MSGIDS = re.compile(r"%\(path\)s|source file|mapping file|plan rules file|is not a PDF|holds a geometry")
# a number (placeholder or digit) followed by the plural «طبقات»
PLURAL_AFTER_COUNT = re.compile(r"(%\(\w+\)[sd]|[0-9۰-۹])\s*طبقات")
# informal (second person singular) imperatives at the end of a phrase
INFORMAL = re.compile(r"(?:^|\s)(کن|بفرست|بردار|بزن|ببین|بگذار|برو)(?=$|[\s.،؛:!؟])")


def test_a_data_file_is_a_file_not_a_permit_file():
    wrong = [msgid for _f, msgid, msgstr in entries() if DATA_FILE_MSGIDS.search(msgid) and "پرونده" in msgstr]
    assert wrong == []


def test_the_permit_file_is_a_parvandeh():
    catalogue = {msgid: msgstr for _f, msgid, msgstr in entries()}
    assert catalogue["File"] == "پرونده"
    assert catalogue["My files"] == "پرونده‌های من"
    assert "فایل" in catalogue["Uploaded file"]


def test_no_plural_after_a_count():
    wrong = [msgid for _f, msgid, msgstr in entries() if PLURAL_AFTER_COUNT.search(msgstr)]
    assert wrong == []


def test_the_map_orders_floors_read_in_the_singular():
    with translation.override("fa"):
        text = Template(
            "{% load i18n %}{% blocktranslate count n=floors with floors_n=floors %}{{ floors_n }} floor"
            "{% plural %}{{ floors_n }} floors{% endblocktranslate %}"
        ).render(Context({"floors": 3}))
    assert text == "3 طبقه"


def test_no_informal_imperative():
    wrong = [(msgid, msgstr) for _f, msgid, msgstr in entries() if INFORMAL.search(msgstr)]
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_home_page_promises_only_what_exists(client, prefix):
    html = client.get(f"{prefix}/").content.decode()
    lead = html.split('data-testid="home-lead"', 1)[1].split("</p>", 1)[0]
    cards = html.split('class="cards"', 1)[1].split("</section>", 1)[0]
    coming = html.split('data-testid="home-coming"', 1)[1].split("</p>", 1)[0]
    for promise in ("QR", "online", "برخط", "API", "live", "لحظه"):
        assert promise not in lead and promise not in cards, promise
    assert ("QR" in coming) and ("Coming later" in coming or "به‌زودی" in coming)
