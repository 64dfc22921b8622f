"""Lexical checks of typed literals: unknown XSD datatypes, impossible dates, and numbers and
booleans not written as XSD writes them.

rdflib validates most XSD lexical forms (its `ill_typed`), but not the Gregorian partial
dates the graph relies on (`xsd:gYear`, `xsd:gYearMonth`), which are checked here. Its numbers
are Python's, which also read other scripts' digits ("٢٠١٤", "２０１４") and underscores
("1_000"): XSD's lexical spaces have ASCII digits only, and pyoxigraph (like every store)
computes nothing with such a literal, so numbers and booleans are matched against XSD's
lexical spaces here; rdflib still judges the ranges (xsd:byte, xsd:nonNegativeInteger).
"""

from __future__ import annotations

import calendar
import difflib
import logging
import re
import warnings

from ccbkg.core.namespaces import XSD_NS
from ccbkg.core.termtext import curie

XSD_KNOWN = frozenset(XSD_NS + name for name in (
    "string normalizedString token language Name NCName NMTOKEN NMTOKENS ID IDREF IDREFS ENTITY "
    "ENTITIES boolean decimal integer nonPositiveInteger negativeInteger long int short byte "
    "nonNegativeInteger unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger "
    "float double duration dayTimeDuration yearMonthDuration dateTime dateTimeStamp time date "
    "gYearMonth gYear gMonthDay gDay gMonth hexBinary base64Binary anyURI QName NOTATION"
).split())

_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?(?:[1-9][0-9]{4,}|[0-9]{4})"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
#: xsd:integer and the types derived from it (their values are whole numbers).
INTEGER_TYPES = frozenset(XSD_NS + name for name in (
    "integer nonPositiveInteger negativeInteger long int short byte nonNegativeInteger "
    "unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger").split())
#: XSD's lexical spaces (whole values, ASCII digits) of the types checked here.
_PATTERNS = {datatype: re.compile(pattern, re.ASCII) for datatype, pattern in {
    XSD_NS + "gYear": rf"{_YEAR}{_TZ}",
    XSD_NS + "gYearMonth": rf"{_YEAR}-(0[1-9]|1[0-2]){_TZ}",
    XSD_NS + "date": rf"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){_TZ}",
    XSD_NS + "decimal": _DECIMAL,
    XSD_NS + "double": rf"{_DECIMAL}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD_NS + "float": rf"{_DECIMAL}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD_NS + "boolean": "true|false|1|0",
    **dict.fromkeys(INTEGER_TYPES, "[+-]?[0-9]+"),
}.items()}

# rdflib logs a traceback for every lexical form it cannot convert; we report those ourselves.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
warnings.filterwarnings("ignore", message="Parsing weird boolean", module="rdflib")


def problem(value: str, datatype: str) -> str | None:
    """What is wrong with value as a literal of datatype, or None when nothing is known wrong.

    Only unknown XSD names, the Gregorian date types, numbers and booleans are judged here;
    other datatypes (and the ranges of numbers) are left to rdflib's `ill_typed`.
    """
    if datatype.startswith(XSD_NS) and datatype not in XSD_KNOWN:
        local = datatype[len(XSD_NS):]
        close = difflib.get_close_matches(local, [d[len(XSD_NS):] for d in XSD_KNOWN], n=1)
        hint = f" (did you mean xsd:{close[0]}?)" if close else ""
        return f"unknown datatype xsd:{local}{hint}; XSD has no such type"
    pattern = _PATTERNS.get(datatype)
    if pattern is None:
        return None
    match = pattern.fullmatch(value)
    if match is None:
        return (f"{value!r} is not a valid {curie(datatype, brackets=True)} "
                f"(expected e.g. {_EXAMPLE[datatype]})")
    if datatype == XSD_NS + "date":
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if year != 0 and day > calendar.monthrange(abs(year), month)[1]:
            return f"{value!r} is not a valid xsd:date: {calendar.month_name[month]} " \
                   f"{abs(year)} has no day {day}"
    return None


_EXAMPLE = {
    XSD_NS + "gYear": '"2013"',
    XSD_NS + "gYearMonth": '"2016-05"',
    XSD_NS + "date": '"2020-03-31"',
    XSD_NS + "decimal": '"27.5"',
    XSD_NS + "double": '"2.75E1"',
    XSD_NS + "float": '"2.75E1"',
    XSD_NS + "boolean": '"true"',
    **dict.fromkeys(INTEGER_TYPES, '"42"'),
}
