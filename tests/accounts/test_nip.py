"""NIP validation and masking."""

import pytest

from lms.accounts import nip


@pytest.mark.parametrize(
    "raw",
    ["198609262015051001", "19860926 201505 1 001", "19860926-201505-1-001", "197002141996032002"],
)
def test_valid_pns_nip(raw):
    info = nip.parse_pns(raw)
    assert info.nip == nip.normalize(raw)
    assert len(info.nip) == 18


def test_pns_nip_decodes_birth_date_tmt_and_sex():
    info = nip.parse_pns("19860926 201505 1 001")
    assert (info.birth_date.year, info.birth_date.month, info.birth_date.day) == (1986, 9, 26)
    assert (info.tmt_year, info.tmt_month) == (2015, 5)
    assert info.sex == "L" and info.sequence == 1
    assert nip.parse_pns("199003152014032002").sex == "P"


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("19860931201505 1001", "Tanggal lahir"),  # 31 September
        ("19860230201505 1001", "Tanggal lahir"),  # 30 February
        ("19861326201505 1001", "Tanggal lahir"),  # month 13
        ("198609262015001001", "Bulan TMT"),  # TMT month 00
        ("198609262015131001", "Bulan TMT"),  # TMT month 13
        ("198609262015053001", "jenis kelamin"),  # sex digit 3
        ("198609262015050001", "jenis kelamin"),  # sex digit 0
        ("198609262000051001", "18 tahun"),  # TMT at age 13
        ("19860926201505100", "18 angka"),  # 17 digits
        ("1986092620150510011", "18 angka"),  # 19 digits
        ("1986092620150510A1", "18 angka"),
        ("", "18 angka"),
    ],
)
def test_invalid_pns_nip_is_refused_with_reason(raw, fragment):
    with pytest.raises(nip.InvalidNIP) as exc:
        nip.parse_pns(raw)
    assert fragment.lower() in str(exc.value).lower()


def test_pppk_accepts_18_digits_without_pns_checks():
    # Not a valid PNS NIP (sex digit 9), but an NI PPPK has another layout.
    assert nip.validate("202312345678901990", "PPPK") == "202312345678901990"
    with pytest.raises(nip.InvalidNIP):
        nip.validate("202312345678901990", "PNS")
    with pytest.raises(nip.InvalidNIP):
        nip.validate("12345", "PPPK")


def test_mask_hides_birth_date_and_keeps_the_shape():
    assert nip.mask("198609262015051001") == "198609********1001"
    assert "0926" not in nip.mask("198609262015051001")
    assert nip.mask(None) == ""


def test_pretty():
    assert nip.pretty("198609262015051001") == "19860926 201505 1 001"
