"""The detectors, case by case: each positive must be found as exactly its span and type, each
negative must not be found (a failed checksum, a plain order number, a date out of context)."""

from __future__ import annotations

import random

import pytest

from aura_ai.redaction import find, redact

# (text, type, the exact span expected)
POSITIVES = [
    ("Write to jane.doe@example.com today", "EMAIL", "jane.doe@example.com"),
    ("mail: J.O'Neil+tag@sub.example.co.uk.", "EMAIL", "Neil+tag@sub.example.co.uk"),
    ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN", "DE89 3704 0044 0532 0130 00"),
    ("IBAN DE89370400440532013000.", "IBAN", "DE89370400440532013000"),
    ("pay to GB82 WEST 1234 5698 7654 32", "IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("FR1420041010050500013M02606 is French", "IBAN", "FR1420041010050500013M02606"),
    ("NL91ABNA0417164300", "IBAN", "NL91ABNA0417164300"),
    ("ES91 2100 0418 4502 0005 1332 at", "IBAN", "ES91 2100 0418 4502 0005 1332"),
    ("card 4111 1111 1111 1111 declined", "CARD", "4111 1111 1111 1111"),
    ("card 4111 1111 1111 1111 2024", "CARD", "4111 1111 1111 1111"),
    ("MC 5500-0000-0000-0004", "CARD", "5500-0000-0000-0004"),
    ("Amex 3782 822463 10005", "CARD", "3782 822463 10005"),
    ("visa 4012888888881881.", "CARD", "4012888888881881"),
    ("call +49 30 1234567 now", "PHONE", "+49 30 1234567"),
    ("call +49 (0)30 1234567 now", "PHONE", "+49 (0)30 1234567"),
    ("UK +44 20 7946 0958", "PHONE", "+44 20 7946 0958"),
    ("FR +33 1 23 45 67 89", "PHONE", "+33 1 23 45 67 89"),
    ("0049 171 5551234 mobile", "PHONE", "0049 171 5551234"),
    ("Büro 030 12345678", "PHONE", "030 12345678"),
    ("Büro (030) 1234567", "PHONE", "(030) 1234567"),
    ("London 020 7946 0958", "PHONE", "020 7946 0958"),
    ("Paris 01 23 45 67 89", "PHONE", "01 23 45 67 89"),
    ("NL 06-12345678", "PHONE", "06-12345678"),
    ("Tel.: 612 345 678", "PHONE", "612 345 678"),
    ("phone: 0301234567", "PHONE", "0301234567"),
    ("from 192.168.1.20 at noon", "IP", "192.168.1.20"),
    ("host 10.0.0.1.", "IP", "10.0.0.1"),
    ("v6 2001:db8::1 seen", "IP", "2001:db8::1"),
    ("link fe80::1ff:fe23:4567:890a", "IP", "fe80::1ff:fe23:4567:890a"),
    ("mapped ::ffff:192.0.2.1 x", "IP", "::ffff:192.0.2.1"),
    ("She was born on 12.03.1985 in Graz", "DOB", "12.03.1985"),
    ("Date of birth: 1985-03-12", "DOB", "1985-03-12"),
    ("DOB 03/12/1985", "DOB", "03/12/1985"),
    ("geboren am 12. März 1985", "DOB", "12. März 1985"),
    ("née le 3 janvier 1990", "DOB", "3 janvier 1990"),
    ("birthday: March 12, 1985", "DOB", "March 12, 1985"),
    ("DNI 12345678Z", "NATIONAL_ID", "12345678Z"),
    ("NIE X1234567L", "NATIONAL_ID", "X1234567L"),
    ("CF RSSMRA85T10A562S", "NATIONAL_ID", "RSSMRA85T10A562S"),
    ("NIR 1 85 05 78 006 084 91", "NATIONAL_ID", "1 85 05 78 006 084 91"),
    ("HETU 131052-308T", "NATIONAL_ID", "131052-308T"),
    ("personnummer 811218-9876", "NATIONAL_ID", "811218-9876"),
    ("rijksregister 85.07.30-033.28", "NATIONAL_ID", "85.07.30-033.28"),
    ("BSN: 111222333", "NATIONAL_ID", "111222333"),
    ("PESEL 44051401359", "NATIONAL_ID", "44051401359"),
    ("Steuer-ID: 86 095 742 719", "NATIONAL_ID", "86 095 742 719"),
]

# (text, why nothing may be found)
NEGATIVES = [
    ("Order #100234987 shipped", "plain order number"),
    ("ORD-2024-000123", "order reference"),
    ("Invoice 1234567890123452", "Luhn-valid, but no card network has that prefix"),
    ("card 4111 1111 1111 1112", "Luhn fails"),
    ("IBAN DE89 3704 0044 0532 0130 01", "mod 97 fails"),
    ("IBAN DE89 3704 0044 0532 0130", "too short for Germany"),
    ("user@localhost", "no domain"),
    ("ask @jane on chat", "a handle, not an address"),
    ("version 1.2.3 of the app", "version number"),
    ("build 1.2.3.4.5", "five parts, not an IPv4 address"),
    ("256.1.1.1", "octet out of range"),
    ("at 12:30:45 sharp", "a time"),
    ("std::vector<int>", "C++"),
    ("delivered on 12.03.1985", "a date without birth context"),
    ("born on 31.02.1985", "no such day"),
    ("born on 12.03.2099", "in the future"),
    ("DNI 12345678A", "wrong control letter"),
    ("CF RSSMRA85T10A562T", "wrong check character"),
    ("BSN: 111222334", "fails the 11-proof"),
    ("order 111222333", "a valid 11-proof number, but nothing says it is an id"),
    ("Order 0123456789", "digits with no separator and no phone context"),
    ("dial +0123 456789", "no country code starts with 0"),
    ("on 01.02.2023 we met", "a date is not a phone number"),
    ("ISO 27001 and ISO/IEC 27701", "standards"),
    ("tracking 1Z999AA10123456784", "parcel tracking number"),
    ("Art. 6(1)(f) GDPR, Recital 47", "legal references"),
]


@pytest.mark.parametrize(("text", "kind", "span"), POSITIVES,
                         ids=[f"{k}:{s}" for _, k, s in POSITIVES])
def test_positive(text: str, kind: str, span: str) -> None:
    found = [(f.type, text[f.start:f.end]) for f in find(text)]
    assert found == [(kind, span)]


@pytest.mark.parametrize(("text", "why"), NEGATIVES, ids=[w for _, w in NEGATIVES])
def test_negative(text: str, why: str) -> None:
    assert find(text) == [], why


def test_same_value_same_placeholder_and_offsets_into_the_original() -> None:
    text = ("Mail Jane.Doe@example.com, IBAN DE89 3704 0044 0532 0130 00, again "
            "jane.doe@example.com and DE89370400440532013000; other x@example.org")
    result = redact(text)
    assert result.text == ("Mail [EMAIL_1], IBAN [IBAN_1], again [EMAIL_1] and [IBAN_1]; "
                           "other [EMAIL_2]")
    assert [text[e.start:e.end] for e in result.entities] == [
        "Jane.Doe@example.com", "DE89 3704 0044 0532 0130 00", "jane.doe@example.com",
        "DE89370400440532013000", "x@example.org"]


def test_text_without_personal_data_is_unchanged() -> None:
    text = "We process order data under Art. 6(1)(b) for 10 years."
    assert redact(text).text == text


PIECES = ["born on ", "Tel.: ", "BSN: ", "+49 ", "0049 ", "DE89 ", "::", "1.2.", "@ex.com",
          "\u017fept", "İ", "٣٤", "12.03.", "X1234567", "RSSMRA", " 2A ", "  ", "ﬀ", "\u200b"]
ALPHABET = list("0123456789 .-/+:@()#,\nabcxyzABCXYZ\u017f\u212aİ٣éÄßMärz")


def test_arbitrary_text_never_breaks_the_detectors() -> None:
    """Seeded random strings built from the characters the patterns care about, Unicode
    digits and case-folding look-alikes included: no exception, spans inside the text."""
    rng = random.Random(20261204)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) if rng.random() < 0.3 else rng.choice(ALPHABET)
                       for _ in range(rng.randrange(1, 80)))
        for entity in redact(text).entities:
            assert 0 <= entity.start < entity.end <= len(text)


def test_case_folding_look_alikes() -> None:
    assert redact("born on 12 \u017fept 1985").text == "born on 12 \u017fept 1985"
    assert redact("born on 12 SEPT 1985").text == "born on [DOB_1]"
