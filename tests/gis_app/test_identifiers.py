import pytest
from django.core.exceptions import ValidationError

from gis_app.identifiers import (
    is_valid_national_id,
    is_valid_postal_code,
    is_valid_sheba,
    national_id_check_digit,
    validate_national_id,
)


@pytest.mark.parametrize("code", ["0499370899", "0013542419", "۰۴۹۹۳۷۰۸۹۹", "٠٠١٣٥٤٢٤١٩", "049-937089-9"])
def test_valid_national_ids_from_domain_md(code):
    assert is_valid_national_id(code)


@pytest.mark.parametrize(
    "code",
    [
        "0499370898",  # wrong check digit
        "0499370890",
        "1111111111",  # all digits equal
        "0000000000",
        "049937089",  # nine digits
        "04993708999",  # eleven
        "04993708a9",
        "",
    ],
)
def test_invalid_national_ids(code):
    assert not is_valid_national_id(code)


def test_check_digit_rule_remainder_below_two_is_the_digit_itself():
    # 001354241 -> sum 0*10+0*9+1*8+3*7+5*6+4*5+2*4+4*3+1*2 = 101, 101 % 11 = 2 -> 11 - 2 = 9
    assert national_id_check_digit("001354241") == 9
    # a stem whose remainder is 1 keeps 1 as its check digit (r < 2 -> r)
    stem = next(
        f"{n:09d}"
        for n in range(10**6, 10**6 + 500)
        if sum(int(d) * (10 - i) for i, d in enumerate(f"{n:09d}")) % 11 == 1
    )
    assert national_id_check_digit(stem) == 1


def test_validator_message_is_translated():
    from django.utils import translation

    with translation.override("fa"), pytest.raises(ValidationError) as err:
        validate_national_id("0499370898")
    assert "کد ملی" in err.value.messages[0]


@pytest.mark.parametrize("iban", ["IR820540102680020817909002", "ir82 0540 1026 8002 0817 9090 02"])
def test_valid_sheba(iban):
    assert is_valid_sheba(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "IR820540102680020817909003",  # checksum off by one
        "IR280540102680020817909002",  # swapped check digits
        "DE820540102680020817909002",  # not Iranian
        "IR82054010268002081790900",  # 25 characters
        "IR82054010268002081790900X",
    ],
)
def test_invalid_sheba(iban):
    assert not is_valid_sheba(iban)


@pytest.mark.parametrize("code", ["1314567891", "۱۳۱۴۵۶۷۸۹۱", "9415673108"])
def test_valid_postal_codes(code):
    assert is_valid_postal_code(code)


@pytest.mark.parametrize("code", ["1304567891", "1324567891", "131456789", "13145678912", "abcdefghij"])
def test_invalid_postal_codes(code):
    assert not is_valid_postal_code(code)
