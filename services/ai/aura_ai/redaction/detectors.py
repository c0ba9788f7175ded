"""Detectors of personal data in free text: a regular expression finds candidates, a validator
keeps those whose checksum, date or context holds. Each valid candidate yields a `Finding` whose
`key` is the normalised value, so the same value spelt two ways gets one placeholder."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from aura_ai.redaction import checksums as cs


@dataclass(frozen=True, slots=True)
class Finding:
    type: str
    start: int
    end: int
    key: str


Detector = Callable[[str], Iterator[Finding]]
# A span that looks like one kind of data but failed its check: it hides the span from the
# other detectors and is not itself reported.
MASK = "_MASK"
_DIGITS = re.compile(r"\d")


def _digits(value: str) -> str:
    return "".join(_DIGITS.findall(value))


# --- e-mail -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)


_EMAIL_LOCAL_MAX = 64
_EMAIL_DOMAIN_MAX = 255


def emails(text: str) -> Iterator[Finding]:
    """Searched only around each '@', which is rare in prose: a scan for one character is far
    cheaper than trying the pattern at every position."""
    at = text.find("@")
    searched_until = 0
    while at != -1:
        start = max(searched_until, at - _EMAIL_LOCAL_MAX)
        m = _EMAIL.search(text, start, min(len(text), at + _EMAIL_DOMAIN_MAX))
        if m is not None and m.start() <= at < m.end():
            yield Finding("EMAIL", m.start(), m.end(), m.group().lower())
            searched_until = m.end()
        at = text.find("@", max(at + 1, searched_until))


# --- IBAN ---------------------------------------------------------------------------------

# Patterns start with a character class and check the preceding character afterwards: the
# regex engine skips quickly to positions where the class matches, which a leading lookbehind
# or \b prevents (several times faster on prose).
_IBAN = re.compile(r"[A-Z](?<![\w][A-Z])[A-Z]\d{2}(?:[ ]?[A-Za-z0-9]){11,30}")


def ibans(text: str) -> Iterator[Finding]:
    for m in _IBAN.finditer(text):
        found = _iban_at(text, m.start(), m.end())
        if found is not None:
            yield found
        elif m.group()[:2] in cs.IBAN_LENGTHS:
            # IBAN-shaped but invalid: not personal data, and not a phone number either.
            yield Finding(MASK, m.start(), m.end(), "")


def _iban_at(text: str, start: int, limit: int) -> Finding | None:
    """The IBAN starting at `start`: exactly its country's length of characters (spaces
    allowed between them), ending where a word ends, and mod-97 valid."""
    expected = cs.IBAN_LENGTHS.get(text[start:start + 2].upper())
    if expected is None:
        return None
    chars: list[str] = []
    position = start
    while position < limit and len(chars) < expected:
        if text[position] != " ":
            chars.append(text[position].upper())
        position += 1
    if len(chars) != expected or (position < len(text) and text[position].isalnum()):
        return None
    compact = "".join(chars)
    return Finding("IBAN", start, position, compact) if cs.iban_valid(compact) else None


# --- IP addresses -------------------------------------------------------------------------

_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})"
    r"(?![\w:])"
)


_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{0,4}:")
_IPV6_REACH = 45  # the longest address around its first '::' or ':x:'


def ipv6s(text: str) -> Iterator[Finding]:
    """Searched only around a ':x:' or '::', which prose rarely has."""
    searched_until = 0
    for hint in _IPV6_HINT.finditer(text):
        if hint.start() < searched_until:
            continue
        m = _IPV6.search(text, max(searched_until, hint.start() - _IPV6_REACH),
                         min(len(text), hint.end() + _IPV6_REACH))
        if m is None or not m.start() <= hint.start() < m.end():
            continue
        searched_until = m.end()
        try:
            address = ipaddress.IPv6Address(m.group())
        except ValueError:
            continue
        if not address.is_unspecified:
            yield Finding("IP", m.start(), m.end(), address.compressed)


# --- words that make a nearby number personal data ---------------------------------------

_CONTEXT_WORDS = {
    # dates of birth
    "dob": (
        "date of birth", "birth date", "birthdate", "birthday", "born on", "born", "dob",
        "d.o.b", "d.o.b.", "geburtsdatum", "geboren am", "geboren op", "geboren", "geb.",
        "geboortedatum", "né le", "née le", "ne le", "nee le", "date de naissance",
        "fecha de nacimiento", "nacido el", "nacida el", "nato il", "nata il",
        "data di nascita", "urodzony", "urodzona",
    ),
    # bare 9- and 11-digit identifiers, numbers like any other without these words
    "nid": (
        "bsn", "burgerservicenummer", "sofinummer", "pesel", "steuer-id", "steuerid",
        "steuer-identifikationsnummer", "steueridentifikationsnummer",
        "identifikationsnummer", "idnr", "tax id", "tin", "rijksregisternummer",
        "national id", "national number", "national identifier", "personal id",
        "personal identifier", "id number", "id no",
    ),
    # phone numbers without a trunk prefix (Spain, …) or without separators
    "tel": (
        "tel", "phone", "mobile", "mob", "cell", "fax", "telefon", "telefono", "teléfono",
        "téléphone", "handy", "portable", "móvil", "cellulare", "gsm",
    ),
}
_CONTEXT_KIND = {word: kind for kind, words in _CONTEXT_WORDS.items() for word in words}


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression for a set of literal words, shared prefixes factored out: the
    engine then rejects most positions after a character or two instead of trying each word."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


# Matched on the lower-cased text (much faster than IGNORECASE) when lowering keeps offsets.
_CONTEXT_LOWER = re.compile(r"\b" + _trie_pattern(_CONTEXT_KIND) + r"(?!\w)")
_CONTEXT_ANYCASE = re.compile(_CONTEXT_LOWER.pattern, re.IGNORECASE)


def in_context(text: str) -> Iterator[Finding]:
    lowered = text.lower()
    if len(lowered) == len(text):
        matches = _CONTEXT_LOWER.finditer(lowered)
    else:
        matches = _CONTEXT_ANYCASE.finditer(text)
    for context in matches:
        kind = _CONTEXT_KIND.get(context.group().lower())
        if kind is None:  # a case-insensitive look-alike (U+017F long s for 's')
            continue
        if kind == "dob":
            found = _birth_date_after(text, context.end())
        elif kind == "nid":
            found = _identifier_after(text, context.end())
        else:
            found = _phone_after(text, context.end())
        if found is not None:
            yield found


# --- dates of birth -----------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate((
        "january jan januar janvier enero gennaio januari",
        "february feb februar février fevrier febrero febbraio februari",
        "march mar märz maerz mars marzo maart",
        "april apr avril abril aprile",
        "may mai mayo maggio mei",
        "june jun juni juin junio giugno",
        "july jul juli juillet julio luglio",
        "august aug août aout agosto augustus",
        "september sep sept septembre septiembre settembre",
        "october oct oktober octobre octubre ottobre",
        "november nov novembre noviembre",
        "december dec dezember décembre decembre diciembre dicembre",
    ), start=1)
    for name in names.split()
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"[\s:,(-]*(?:(?P<d1>\d{{1,2}})[./-](?P<m1>\d{{1,2}})[./-](?P<y1>\d{{4}})"
    rf"|(?P<y2>\d{{4}})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})"
    rf"|(?P<d3>\d{{1,2}})\.?\s(?:de\s)?(?P<m3>{_MONTH_NAME})\.?\s(?:de\s)?(?P<y3>\d{{4}})"
    rf"|(?P<m4>{_MONTH_NAME})\.?\s(?P<d4>\d{{1,2}}),?\s(?P<y4>\d{{4}}))(?!\d)",
    re.IGNORECASE,
)
_FIRST_BIRTH_YEAR = 1900


def _birth_date_after(text: str, position: int) -> Finding | None:
    m = _DATE.match(text, position)
    if m is None:
        return None
    day = _birth_date(m)
    if day is None:
        return None
    start = min(m.start(g) for g in range(1, 13) if m.start(g) != -1)
    return Finding("DOB", start, m.end(), day.isoformat())


def _birth_date(m: re.Match[str]) -> date | None:
    for suffix in "1234":
        year = m.group("y" + suffix)
        if year is None:
            continue
        raw_month = m.group("m" + suffix)
        # IGNORECASE also matches look-alikes (U+017F long s in 'sept') that lower() keeps apart.
        month = int(raw_month) if raw_month.isdigit() else _MONTHS.get(raw_month.lower())
        if month is None:
            return None
        candidates = [(int(year), month, int(m.group("d" + suffix)))]
        if suffix == "1":  # 12/31/1990 (US order) as well as 31.12.1990
            candidates.append((int(year), int(m.group("d1")), month))
        for y, mo, d in candidates:
            if cs.real_date(y, mo, d) and y >= _FIRST_BIRTH_YEAR and date(y, mo, d) <= date.today():
                return date(y, mo, d)
    return None


# --- national identifiers with a check digit ---------------------------------------------

_NATIONAL_ID_LETTERS = re.compile(
    r"[A-Z](?<![\w][A-Z])(?:"
    r"(?<=[XYZ])(?P<nie>-?\d{7}-?[A-Z])"
    r"|(?P<cf>[A-Z]{5}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
    r"[0-9LMNPQRSTUV]{3}[A-Z])"
    r")(?!\w)",
)


def national_ids(text: str) -> Iterator[Finding]:
    """The identifiers that start with a letter; those that start with a digit are found by
    `numbers`."""
    for m in _NATIONAL_ID_LETTERS.finditer(text):
        yield from _national(m.lastgroup or "", m.start(), m.end(), m.group())


def _national(kind: str, start: int, end: int, value: str) -> Iterator[Finding]:
    compact = value if kind == "fi" else re.sub(r"[-. ]", "", value)
    if _NATIONAL_VALID[kind](compact):
        yield Finding("NATIONAL_ID", start, end, compact)


def _belgian(digits: str) -> bool:
    month, day = int(digits[2:4]), int(digits[4:6])
    dated = cs.real_date(2000, month, day) or month == 0 or day == 0
    return dated and cs.belgian_national_number_valid(digits)


_NATIONAL_VALID: dict[str, Callable[[str], bool]] = {
    "dni": cs.spanish_dni_valid,
    "nie": cs.spanish_dni_valid,
    "cf": cs.italian_fiscal_code_valid,
    "nir": cs.french_nir_valid,
    "se": lambda v: cs.swedish_personnummer_valid(_digits(v)[-10:]),
    "fi": lambda v: len(v) == 11 and cs.finnish_hetu_valid(v),
    "be": _belgian,
}
_CONTEXT_NUMBER = re.compile(r"[\s:.,#(-]*(\d[\d .]{7,16}\d)(?!\d)")


def _identifier_after(text: str, position: int) -> Finding | None:
    m = _CONTEXT_NUMBER.match(text, position)
    if m is None:
        return None
    digits = _digits(m.group(1))
    valid = (cs.dutch_bsn_valid(digits) if len(digits) == 9 else
             len(digits) == 11 and (cs.polish_pesel_valid(digits)
                                    or cs.german_tax_id_valid(digits) or _belgian(digits)))
    return Finding("NATIONAL_ID", m.start(1), m.end(1), digits) if valid else None


# --- phone numbers ------------------------------------------------------------------------

# Possessive quantifiers: a digit run is never split two ways, so a failing candidate costs
# one pass, not a search over every way of grouping its digits.
_PHONE_GROUPS_INTERNATIONAL = r"(?:[ \-./]?(?:\(0\)|\(\d++\)|\d++)){0,8}+(?!\w)"
_PHONE_GROUPS_NATIONAL = r"(?:[ \-./]?(?:\(\d++\)|\d++)){1,6}+(?!\w)"
# The forms that start with '+' or '('; those starting with '00' or '0' are in `numbers`.
_PHONE_PLUS = re.compile(r"\+(?<![\w+]\+)[1-9]\d*+" + _PHONE_GROUPS_INTERNATIONAL)
_PHONE_PARENTHESIS = re.compile(r"\((?<![\w+.]\()0\d++\)" + _PHONE_GROUPS_NATIONAL)
_PHONE_AFTER_CONTEXT = re.compile(
    r"\.?(?:\s*(?:no|nr|number|nummer)\b\.?)?[\s:]*"
    r"(\+?\(?\d++\)?(?:[ \-./]?(?:\(\d++\)|\d++)){0,6}+)(?!\w)"
)
_INTERNATIONAL_DIGITS = range(8, 16)  # E.164: at most 15 digits with the country code
_NATIONAL_DIGITS = range(9, 14)
_CONTEXT_DIGITS = range(6, 16)


def phones(text: str) -> Iterator[Finding]:
    for m in _PHONE_PLUS.finditer(text):
        yield from _international_phone(m.start(), m.end(), m.group())
    for m in _PHONE_PARENTHESIS.finditer(text):
        yield from _national_phone(m.start(), m.end(), m.group())


def _international_phone(start: int, end: int, value: str) -> Iterator[Finding]:
    digits = _digits(value.replace("(0)", ""))
    if value.startswith("00"):
        digits = digits[2:]
    if len(digits) in _INTERNATIONAL_DIGITS:
        yield Finding("PHONE", start, end, "+" + digits)


def _national_phone(start: int, end: int, value: str) -> Iterator[Finding]:
    digits = _digits(value)
    if len(digits) in _NATIONAL_DIGITS and not _looks_like_date(value):
        yield Finding("PHONE", start, end, digits)


def _phone_after(text: str, position: int) -> Finding | None:
    m = _PHONE_AFTER_CONTEXT.match(text, position)
    if m is None or len(_digits(m.group(1))) not in _CONTEXT_DIGITS:
        return None
    return Finding("PHONE", m.start(1), m.end(1), _digits(m.group(1)))


_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _looks_like_date(value: str) -> bool:
    return _DATE_SHAPE.fullmatch(value) is not None


# --- everything that starts with a digit, in one scan -------------------------------------

# Each kind is an optional look-ahead from the first digit of a number, so one pass finds the
# candidates of every kind at each start (scanning is most of the cost: five separate passes
# took twice as long). The final conditional fails the match where no kind applies.
_NOT_AFTER_LETTER = r"(?<![^\W\d]\d)"  # the character before the first digit is no letter or _
_NUMBER_KINDS = (
    ("card", r"(?<!-\d)(?=(?P<card>\d{3}(?:"
             r"(?P<s1>[ -])\d{4}(?P=s1)\d{4}(?P=s1)\d{4}(?P=s1)\d{3}"  # 19 digits, grouped
             r"|(?P<s2>[ -])\d{4}(?P=s2)\d{4}(?P=s2)\d{4}"  # 16 digits, grouped
             r"|(?P<s3>[ -])\d{6}(?P=s3)\d{4,5}"  # Amex and Diners
             r"|\d{9,15})(?!\d)))"),
    ("ipv4", r"(?<!\.\d)(?=(?P<ipv4>\d{0,2}(?:\.\d{1,3}){3}(?!\.?\d)))"),
    ("national", _NOT_AFTER_LETTER + r"(?=(?:(?P<dni>\d{7}-?[A-Z])"
                 r"|(?<=[12])(?P<nir> ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?"
                 r"\d{3} ?\d{3} ?\d{2})"
                 r"|(?P<se>(?:\d{2})?\d{5}[-+]\d{4})"
                 r"|(?P<fi>\d{5}[-+A-FU-Y]\d{3}[0-9A-Y])"
                 r"|(?P<be>\d\.\d{2}\.\d{2}-\d{3}\.\d{2}))(?!\w))"),
    ("phone_national", _NOT_AFTER_LETTER + r"(?<![+.]\d)(?<=0)(?=(?P<phn>\d++"
                       + _PHONE_GROUPS_NATIONAL + "))"),
    ("phone_00", _NOT_AFTER_LETTER + r"(?<!\+\d)(?<=0)(?=(?P<phi>0[1-9]\d*+"
                 + _PHONE_GROUPS_INTERNATIONAL + "))"),
)
_NUMBER_GROUPS = ("card", "ipv4", "dni", "nir", "se", "fi", "be", "phn", "phi")


def _any_group(names: tuple[str, ...]) -> str:
    pattern = "(?!)"
    for name in reversed(names):
        pattern = f"(?({name})|{pattern})"
    return pattern


_NUMBER = re.compile(r"\d(?<!\d\d)" + "".join(f"(?:{p})?" for _, p in _NUMBER_KINDS)
                     + _any_group(_NUMBER_GROUPS))


def numbers(text: str) -> Iterator[Finding]:
    for m in _NUMBER.finditer(text):
        start = m.start()
        found = m.groupdict()
        if found["card"] is not None:
            digits = text[start] + _digits(found["card"])
            if cs.card_prefix_known(digits) and cs.luhn_valid(digits):
                yield Finding("CARD", start, m.end("card"), digits)
        if found["ipv4"] is not None:
            address = text[start:m.end("ipv4")]
            octets = address.split(".")
            if all(int(o) <= 255 and (o == "0" or not o.startswith("0")) for o in octets):
                yield Finding("IP", start, m.end("ipv4"), address)
        for kind in ("dni", "nir", "se", "fi", "be"):
            if found[kind] is not None:
                yield from _national(kind, start, m.end(kind), text[start:m.end(kind)])
        if found["phn"] is not None:
            yield from _national_phone(start, m.end("phn"), text[start:m.end("phn")])
        if found["phi"] is not None:
            yield from _international_phone(start, m.end("phi"), text[start:m.end("phi")])


# Where findings overlap, the more specific type names the span (see `PRIORITY`).
DETECTORS: tuple[Detector, ...] = (emails, ibans, national_ids, numbers, ipv6s, in_context,
                                   phones)
PRIORITY = {"EMAIL": 0, "IBAN": 1, MASK: 1, "NATIONAL_ID": 2, "CARD": 3, "IP": 4, "DOB": 5,
            "PHONE": 6}
