"""The competency queries: the catalogue of bundled queries and their headers, safe parameter
binding, the guard (what may run where), running them on the embedded store or an endpoint, and
rendering the results. The names below are the package's interface (`from ccbkg import query`).
"""

from ccbkg.query.catalogue import QueryInfo, bind, catalogue, find, parse_header, user_query
from ccbkg.query.entities import labels, resolve
from ccbkg.query.guard import Analysis, analyse, guard, paged
from ccbkg.query.parameters import (
    EVERY,
    XSD,
    Param,
    ParameterError,
    ParamType,
    to_term,
    with_values,
)
from ccbkg.query.prefixes import declare
from ccbkg.query.render import FORMATS, Results, cells, choose, display, render, to_json_bytes
from ccbkg.query.run import (
    DEFAULT_MEMORY_MIB,
    DEFAULT_TIMEOUT,
    PASSWORD_ENV,
    USER_ENV,
    check_endpoint,
    embedded_store,
    is_loopback,
    run_embedded,
    run_remote,
)

__all__ = [
    "DEFAULT_MEMORY_MIB", "DEFAULT_TIMEOUT", "EVERY", "FORMATS", "PASSWORD_ENV", "USER_ENV", "XSD",
    "Analysis", "Param", "ParamType", "ParameterError", "QueryInfo", "Results", "analyse", "bind",
    "catalogue", "cells", "check_endpoint", "choose", "declare", "display", "embedded_store",
    "find", "guard", "is_loopback", "labels", "paged", "parse_header", "render", "resolve",
    "run_embedded", "run_remote", "to_json_bytes", "to_term", "user_query", "with_values",
]
