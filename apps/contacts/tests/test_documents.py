"""Document validators, phone normalisation and masks (no database needed)."""
from datetime import date

import pytest
from django.utils import translation
from stdnum.cn import ric

from apps.common.errors import DomainValidationError
from apps.contacts.documents import (
    DocumentType,
    mask_document,
    validate_document,
    validate_hk_macau_permit,
    validate_other,
    validate_passport,
    validate_resident_id,
    validate_taiwan_permit,
)
from apps.contacts.phones import mask_phone, normalize_phone
from apps.contacts.tests.factories import resident_id


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainValidationError) as info:
        fn(*args, **kwargs)
    assert info.value.status == 400
    return info.value.code


# --- resident ID -------------------------------------------------------------------


def test_resident_id_classic_example_is_valid_and_tells_birth_date_and_gender():
    info = validate_resident_id("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert info.identity == "11010519491231002X"
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "female"
    assert info.nationality == "CHN"


def test_resident_id_odd_sequence_is_male_and_spaces_are_ignored():
    number = resident_id("330106", "19850312", "001")
    assert number == "33010619850312001X"
    info = validate_resident_id("330106 19850312 001x")
    assert (info.number, info.birth_date, info.gender) == (number, date(1985, 3, 12), "male")


def test_resident_id_wrong_check_character():
    assert _code(validate_resident_id, "110105194912310021") == "document_checksum_invalid"
    assert _code(validate_resident_id, "330106198503120016") == "document_checksum_invalid"


def test_resident_id_wrong_shape():
    assert _code(validate_resident_id, "11010519491231002") == "document_format_invalid"  # 17
    assert _code(validate_resident_id, "1101051949123100XX") == "document_format_invalid"
    assert _code(validate_resident_id, "A1010519491231002X") == "document_format_invalid"


def test_resident_id_legacy_15_digits_is_refused_with_its_own_message():
    with translation.override("en"), pytest.raises(DomainValidationError) as info:
        validate_resident_id("110105491231002")
    assert info.value.code == "document_format_invalid"
    assert str(info.value.message) == (
        "15-digit ID numbers are no longer valid; enter the 18-character number of the current card."
    )


def test_resident_id_impossible_birth_dates():
    assert _code(validate_resident_id, resident_id("110105", "19901332", "123")) == "document_birth_date_invalid"
    assert _code(validate_resident_id, resident_id("110105", "19900230", "123")) == "document_birth_date_invalid"
    assert _code(validate_resident_id, resident_id("110105", "20990101", "123")) == "document_birth_date_invalid"
    assert _code(validate_resident_id, resident_id("110105", "18991231", "123")) == "document_birth_date_invalid"


def test_resident_id_unknown_region_is_refused():
    assert _code(validate_resident_id, resident_id("000000", "19900101", "123")) == "document_format_invalid"


@pytest.mark.parametrize(("region", "nationality"), [("810000", "HKG"), ("820000", "MAC"), ("830000", "TWN")])
def test_hk_macau_taiwan_residence_permits_use_the_same_checksum(region, nationality):
    number = resident_id(region, "19900101", "124")
    assert not ric.is_valid(number)  # python-stdnum rejects them: we cover them
    info = validate_resident_id(number)
    assert (info.id_type, info.birth_date, info.gender, info.nationality) == (
        "resident_id", date(1990, 1, 1), "female", nationality,
    )
    broken = number[:17] + ("0" if number[17] != "0" else "1")
    assert _code(validate_resident_id, broken) == "document_checksum_invalid"


def test_residence_permit_region_other_than_x10000_is_refused():
    assert _code(validate_resident_id, resident_id("810001", "19900101", "123")) == "document_format_invalid"


def test_permanent_residence_card_prefix_9():
    number = resident_id("931840", "19850101", "001")
    assert number == "931840198501010013"
    assert not ric.is_valid(number)
    info = validate_resident_id(number)
    assert (info.birth_date, info.gender, info.nationality) == (date(1985, 1, 1), "male", None)
    assert _code(validate_resident_id, "931840198501010014") == "document_checksum_invalid"


# --- passports and permits -------------------------------------------------------


def test_chinese_passports():
    assert validate_passport("e12345678", nationality="CHN").number == "E12345678"
    assert validate_passport("EA1234567", nationality="chn").number == "EA1234567"
    assert validate_passport("G12345678", nationality="CHN").number == "G12345678"
    assert _code(validate_passport, "E1234567", nationality="CHN") == "document_format_invalid"
    assert _code(validate_passport, "X12345678", nationality="CHN") == "document_format_invalid"
    assert _code(validate_passport, "EI1234567", nationality="CHN") == "document_format_invalid"


def test_foreign_passports():
    info = validate_passport("C01X00T47", nationality="DEU")
    assert (info.number, info.nationality) == ("C01X00T47", "DEU")
    assert validate_passport("123456789").number == "123456789"
    assert _code(validate_passport, "AB12") == "document_format_invalid"
    assert _code(validate_passport, "A" * 21) == "document_format_invalid"
    assert _code(validate_passport, "AB12/345") == "document_format_invalid"


def test_home_return_permit_hong_kong_macau_and_legacy_booklet():
    assert validate_hk_macau_permit("H12345678").nationality == "HKG"
    assert validate_hk_macau_permit("m12345678").nationality == "MAC"
    legacy = validate_hk_macau_permit("H1234567801")
    assert (legacy.number, legacy.identity) == ("H1234567801", "H12345678")
    for bad in ("H1234567", "K12345678", "H123456789", "12345678", "HA2345678"):
        assert _code(validate_hk_macau_permit, bad) == "document_format_invalid", bad


def test_taiwan_compatriot_permit_and_legacy_forms():
    info = validate_taiwan_permit("01234567")
    assert (info.number, info.identity, info.nationality) == ("01234567", "01234567", "TWN")
    assert validate_taiwan_permit("0123456701").identity == "01234567"
    assert validate_taiwan_permit("0123456701(b)").identity == "01234567"
    for bad in ("0123456", "A1234567", "012345678", "0123456701(BB)"):
        assert _code(validate_taiwan_permit, bad) == "document_format_invalid", bad


def test_other_documents_are_free_text_of_1_to_30():
    assert validate_other("ab-12 3").number == "AB123"
    assert validate_other("X" * 30).number == "X" * 30
    assert _code(validate_other, "X" * 31) == "document_format_invalid"
    assert _code(validate_other, "军字第123号") == "document_format_invalid"


def test_validate_document_dispatches_and_refuses_unknown_type_and_blank():
    assert validate_document(id_type="taiwan_permit", id_number="01234567").id_type == DocumentType.TAIWAN_PERMIT
    assert _code(validate_document, id_type="driving_licence", id_number="123") == "document_type_invalid"
    assert _code(validate_document, id_type="passport", id_number="  ") == "document_required"


def test_errors_are_translated_and_never_contain_the_number():
    number = "110105194912310021"
    with translation.override("zh-hans"), pytest.raises(DomainValidationError) as zh:
        validate_resident_id(number)
    with translation.override("en"), pytest.raises(DomainValidationError) as en:
        validate_resident_id(number)
    assert str(zh.value.message) == "身份证号码校验位不正确，请重新核对。"
    assert str(en.value.message) == "This ID number's check character is wrong; please re-check it."
    assert en.value.extra == {"fields": {"id_number": [en.value.message]}}
    assert number not in str(en.value) and number not in repr(en.value.extra)


# --- phones and masks --------------------------------------------------------------


def test_phones_are_stored_in_e164_and_chinese_mobiles_accepted_as_typed():
    assert normalize_phone("13812345678") == "+8613812345678"
    assert normalize_phone("138 1234 5678") == "+8613812345678"
    assert normalize_phone("+86-138-1234-5678") == "+8613812345678"
    assert normalize_phone("0571-87654321") == "+8657187654321"
    assert normalize_phone("+852 5123 4567") == "+85251234567"
    with pytest.raises(DomainValidationError) as info:
        normalize_phone("12345")
    assert info.value.code == "phone_invalid"
    with pytest.raises(DomainValidationError):
        normalize_phone("not a phone")


def test_masks():
    assert mask_document("110101199003071234") == "**************1234"
    assert mask_document("E12345678") == "******678"
    assert mask_document("H12345678") == "******678"
    assert mask_document("01234567") == "*****567"
    assert mask_document("AB123") == "***23"
    assert mask_document("AB1") == "***"
    assert mask_document("") == ""
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+85251234567") == "+852****4567"
    assert mask_phone("") == ""


def test_document_info_repr_is_masked():
    assert "19491231" not in repr(validate_resident_id("11010519491231002X"))
