"""Serials: per kind and Jalali year, gap-free and unique under concurrency, numbers taken in the
issuing transaction (a rollback gives its number back), never reused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from accounts.roles import Role
from documents.models import IssuedDocument, SerialCounter
from documents.serials import jalali_year, serial_next, serial_parse, serial_text
from documents.services import document_record
from tests.documents.issuing import content, document_keys  # noqa: F401 - the fixture
from tests.permits.conftest import citizen, draft, staff  # noqa: F401 - fixtures
from tests.surveys.conftest import plot  # noqa: F401 - the fixture


class RolledBack(Exception):
    pass


def test_serial_text_and_parse_round_trip():
    assert serial_text(kind="building_permit", year=1405, sequence=17) == "BP-1405-000017"
    assert serial_parse("BP-1405-000017") == ("building_permit", 1405, 17)
    assert serial_parse("FP-1404-000001") == ("fencing_permit", 1404, 1)


@pytest.mark.hostile("serial")
@pytest.mark.parametrize(
    "text",
    [
        "",
        "BP-1405-17",
        "XX-1405-000017",
        "bp-1405-000017",
        "BP-2405-000017",
        "BP-1405-000017 ",
        "BP/1405/000017",
        "BP-۱۴۰۵-۰۰۰۰۱۷",
        "BP-1405-0000170000000",
        "BP-1405-000017\n",
    ],
)
def test_a_malformed_serial_is_not_parsed(text):
    assert serial_parse(text) is None


def test_a_number_is_taken_only_inside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        serial_next(kind="building_permit", year=1405)


def test_each_kind_and_year_counts_on_its_own_and_a_rollback_gives_its_number_back(db):
    with transaction.atomic():
        assert [serial_next(kind="building_permit", year=1405) for _ in range(3)] == [1, 2, 3]
        assert serial_next(kind="fencing_permit", year=1405) == 1
        assert serial_next(kind="building_permit", year=1406) == 1
    with pytest.raises(RolledBack), transaction.atomic():
        assert serial_next(kind="building_permit", year=1405) == 4
        raise RolledBack
    with transaction.atomic():
        assert serial_next(kind="building_permit", year=1405) == 4
    assert SerialCounter.objects.get(kind="building_permit", jalali_year=1405).last == 4


@pytest.mark.concurrency
def test_100_issuances_at_once_take_consecutive_serials(transactional_db, plot, staff, citizen):  # noqa: F811
    """100 threads issue at once; every tenth rolls its transaction back after taking its number. The 90
    committed documents hold 1..90 with no gap and no repeat; the counter says 90."""
    req = draft(plot, citizen)
    officer = staff[Role.PERMIT_OFFICER]
    start = threading.Barrier(100)
    errors: list[BaseException] = []

    def issue(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                document_record(
                    kind="building_permit",
                    content=content(),
                    subject={"file_id": req.file_id, "request": req},
                    actor=officer,
                )
                if n % 10 == 0:
                    raise RolledBack
        except RolledBack:
            pass
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    year = jalali_year()
    sequences = sorted(IssuedDocument.objects.filter(kind="building_permit").values_list("sequence", flat=True))
    assert sequences == list(range(1, 91))
    serials = set(IssuedDocument.objects.values_list("serial", flat=True))
    assert serials == {serial_text(kind="building_permit", year=year, sequence=n) for n in range(1, 91)}
    assert SerialCounter.objects.get(kind="building_permit", jalali_year=year).last == 90
    with connection.cursor() as cur:
        cur.execute("DELETE FROM procrastinate_jobs")
