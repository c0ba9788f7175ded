"""Check digits of the identifiers the detectors find: a candidate that fails its checksum is
not personal data, it is a number that looks like one."""

from __future__ import annotations

from datetime import date

# Lengths of IBANs by country (ISO 13616 registry); a code not listed is not an IBAN.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_valid(compact: str) -> bool:
    """ISO 13616: the country's length, and mod 97 of the rearranged number is 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = ord(ch) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_prefix_known(digits: str) -> bool:
    """Issuer ranges of the networks in use (Visa, Mastercard, Amex, Discover, Diners, JCB,
    Maestro, UnionPay): a Luhn-valid number outside them is more likely an order number."""
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= two <= 55 or 2221 <= four <= 2720  # Mastercard
        or two in (34, 37)  # American Express
        or digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649  # Discover
        or two in (36, 38) or 300 <= int(digits[:3]) <= 305  # Diners
        or two == 35  # JCB
        or two in (50, 56, 57, 58, 62, 63, 67)  # Maestro, UnionPay
    )


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def spanish_dni_valid(value: str) -> bool:
    """DNI `12345678Z` or NIE `X1234567L`: the letter is the number mod 23."""
    head = value[:-1]
    if head[0] in "XYZ":
        head = str("XYZ".index(head[0])) + head[1:]
    return head.isdigit() and DNI_LETTERS[int(head) % 23] == value[-1]


_CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22,
           25, 24, 23]
_CF_OMOCODE = "LMNPQRSTUV"  # letters replacing digits when two people would share a code


def italian_fiscal_code_valid(code: str) -> bool:
    total = 0
    for index, ch in enumerate(code[:15]):
        position = int(ch) if ch.isdigit() else ord(ch) - 65
        total += _CF_ODD[position] if index % 2 == 0 else position
    return chr(65 + total % 26) == code[15]


def italian_fiscal_code_digits(code: str) -> str:
    """The code with omocode letters in the digit positions turned back into digits."""
    chars = list(code)
    for index in (6, 7, 9, 10, 12, 13, 14):
        if chars[index] in _CF_OMOCODE:
            chars[index] = str(_CF_OMOCODE.index(chars[index]))
    return "".join(chars)


def french_nir_valid(compact: str) -> bool:
    """INSEE number: 13 characters (Corsica's 2A/2B counted as 19/18) and a key of 97 - n mod 97."""
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(compact[13:])


def dutch_bsn_valid(digits: str) -> bool:
    """The 'elfproef': 9d1 + 8d2 + ... + 2d8 - d9 is divisible by 11."""
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum((9 - i) * int(d) for i, d in enumerate(digits[:8])) - int(digits[8])
    return total % 11 == 0


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


def polish_pesel_valid(digits: str) -> bool:
    """Weighted check digit, and a real birth date in the first six digits."""
    total = sum(w * int(d) for w, d in zip(_PESEL_WEIGHTS, digits, strict=False))
    if (10 - total % 10) % 10 != int(digits[10]):
        return False
    month = int(digits[2:4])
    century = _PESEL_CENTURY[month - month % 20]
    return real_date(century + int(digits[:2]), month % 20, int(digits[4:6]))


def german_tax_id_valid(digits: str) -> bool:
    """Steuer-ID: ISO 7064 MOD 11,10 check digit, no leading zero, one digit repeated."""
    if digits[0] == "0":
        return False
    counts = sorted((digits[:10].count(d) for d in set(digits[:10])), reverse=True)
    if counts[0] not in (2, 3):
        return False
    product = 10
    for ch in digits[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return (0 if check == 10 else check) == int(digits[10])


_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_CENTURY = {"+": 1800, "-": 1900, "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000,
                 "F": 2000, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}


def finnish_hetu_valid(value: str) -> bool:
    """DDMMYYCNNNX: a real date and the check character of the nine digits mod 31."""
    century = _HETU_CENTURY.get(value[6])
    if century is None:
        return False
    if not real_date(century + int(value[4:6]), int(value[2:4]), int(value[:2])):
        return False
    return _HETU_CHECK[int(value[:6] + value[7:10]) % 31] == value[10]


def swedish_personnummer_valid(digits: str) -> bool:
    """YYMMDD-NNNC (10 digits): a real date (or coordination number, day + 60) and Luhn."""
    month, day = int(digits[2:4]), int(digits[4:6])
    day = day - 60 if day > 60 else day
    return real_date(2000, month, day) and luhn_valid(digits)


def belgian_national_number_valid(digits: str) -> bool:
    """YYMMDDNNNCC: CC is 97 - n mod 97 of the first nine digits, or of '2' + them after 1999."""
    check = int(digits[9:])
    return 97 - int(digits[:9]) % 97 == check or 97 - int("2" + digits[:9]) % 97 == check


def real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
