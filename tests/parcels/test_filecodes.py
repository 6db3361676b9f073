import itertools
import random

import pytest
from django.db import connection
from django.utils import translation

from parcels.filecodes import (
    InvalidFileCode,
    cell_sql,
    check_character,
    file_code_for,
    file_code_parse,
    file_code_sql,
)


def test_code_reads_back_to_the_cell_that_holds_the_point():
    code = file_code_for(srid=32640, easting=529_153.4, northing=4_147_623.9, seq=7)
    assert str(code).startswith("40N-5291-41476-007-")
    parsed = file_code_parse(str(code))
    assert parsed == code and parsed.srid == 32640
    assert parsed.cell_bounds() == (529_100, 4_147_600, 529_200, 4_147_700)


def test_iso_7064_mod_11_2_vector():
    # ISO 7064 MOD 11-2 example: 0794 -> check 0 (as in ISO 7064 and ISNI documentation)
    assert check_character("0794") == "0"
    assert check_character("000000021825009") == "7"  # ORCID example body 0000-0002-1825-0097


def random_codes(n=60):
    rng = random.Random(1405)
    for _ in range(n):
        yield str(
            file_code_for(
                srid=32640,
                easting=rng.uniform(166_000, 833_000),
                northing=rng.uniform(0, 9_300_000),
                seq=rng.randint(1, 999),
            )
        )


def test_every_single_character_typo_is_caught():
    for code in random_codes():
        for i, ch in enumerate(code):
            if not ch.isdigit() and ch != "X":
                continue
            for other in "0123456789X":
                if other == ch or (other == "X" and i != len(code) - 1):
                    continue
                typo = code[:i] + other + code[i + 1 :]
                with pytest.raises(InvalidFileCode):
                    file_code_parse(typo)


def test_every_swap_of_neighbouring_characters_is_caught():
    for code in random_codes():
        chars = [c for c in code if c != "-"]
        positions = [i for i, c in enumerate(code) if c != "-"]
        for a, b in itertools.pairwise(positions):
            if (
                code[a] == code[b]
                or not (code[a].isdigit() or code[a] == "X")
                or (not code[b].isdigit() and code[b] != "X")
            ):
                continue
            swapped = list(code)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            with pytest.raises(InvalidFileCode):
                file_code_parse("".join(swapped))
        assert chars


def test_persian_digits_lower_case_and_spaces_are_accepted():
    code = str(file_code_for(srid=32640, easting=529_153, northing=4_147_623, seq=12))
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")).replace("-", " ").lower()
    assert str(file_code_parse(persian)) == code


@pytest.mark.parametrize(
    "text", ["", "40N-5291-41476-007", "40Q-5291-41476-007-3", "99N-5291-41476-007-3", "40N-5291-41476-000-1"]
)
def test_malformed_codes_say_how_a_code_looks(text):
    with translation.override("en"), pytest.raises(InvalidFileCode, match="looks like"):
        file_code_parse(text)


def test_wrong_check_character_is_explained_in_persian():
    code = str(file_code_for(srid=32640, easting=529_153, northing=4_147_623, seq=12))
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with translation.override("fa"), pytest.raises(InvalidFileCode) as err:
        file_code_parse(wrong)
    assert "نویسه کنترل" in str(err.value)


def test_southern_hemisphere_and_other_crs():
    assert str(file_code_for(srid=32738, easting=500_000, northing=9_000_000, seq=1)).startswith("38S-")
    with pytest.raises(ValueError, match="UTM"):
        file_code_for(srid=4326, easting=57.3, northing=37.4, seq=1)


@pytest.mark.django_db
def test_sql_expression_computes_the_same_codes_as_python():
    rng = random.Random(7)
    points = [(rng.uniform(166_000, 833_000), rng.uniform(0, 9_300_000), rng.randint(1, 999)) for _ in range(300)]
    expr = file_code_sql(srid=32640, cell_e=cell_sql("e"), cell_n=cell_sql("n"), seq="q")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {expr} FROM unnest(%s::float8[], %s::float8[], %s::int[]) AS t(e, n, q)",  # noqa: S608
            [[p[0] for p in points], [p[1] for p in points], [p[2] for p in points]],
        )
        from_sql = [r[0] for r in cur.fetchall()]
    assert from_sql == [str(file_code_for(srid=32640, easting=e, northing=n, seq=q)) for e, n, q in points]
