"""What each file ccbkg reads or ships is, by its extension: the RDF syntaxes (pyoxigraph's own
table of names, extensions and media types) and the media types of the other files."""

from __future__ import annotations

from pathlib import PurePosixPath

import pyoxigraph as ox

# The RDF syntaxes ccbkg reads (authored files, `check --data-format`) and writes.
RDF_SYNTAXES = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES,
                ox.RdfFormat.N_QUADS, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD)
# The syntaxes each graph of the release, and each page's description on the site, is shipped in.
SHIPPED_SYNTAXES = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML,
                    ox.RdfFormat.JSON_LD)
# `.owl` is RDF/XML as OWL tools write it; pyoxigraph names no syntax by it.
_ALSO = {"owl": ox.RdfFormat.RDF_XML}
# Text types whose registrations take a charset parameter, sent with them over HTTP.
_WITH_CHARSET = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG)
_UTF8 = "; charset=utf-8"
_OTHER_TYPES = {
    "html": "text/html" + _UTF8, "css": "text/css" + _UTF8, "svg": "image/svg+xml",
    "png": "image/png", "js": "text/javascript" + _UTF8, "json": "application/json",
    "rq": "application/sparql-query" + _UTF8, "csv": "text/csv" + _UTF8,
    "txt": "text/plain" + _UTF8, "md": "text/markdown" + _UTF8,
    "sql": "application/sql" + _UTF8, "": "text/plain" + _UTF8,  # SHA256SUMS
}
_UNKNOWN = "application/octet-stream"


def rdf_syntax(extension: str) -> ox.RdfFormat | None:
    """The RDF syntax of a file by its extension ("ttl" or ".TTL"), or None when it is not one
    ccbkg reads."""
    ext = extension.lower().removeprefix(".")
    return _ALSO.get(ext) or next((f for f in RDF_SYNTAXES if f.file_extension == ext), None)


def content_type(name: str) -> str:
    """A release file's media type as sent over HTTP (with its charset where it takes one)."""
    ext = PurePosixPath(name).suffix.lower().removeprefix(".")
    syntax = rdf_syntax(ext)
    if syntax is None:
        return _OTHER_TYPES.get(ext, _UNKNOWN)
    return syntax.media_type + (_UTF8 if syntax in _WITH_CHARSET else "")


def media_type(name: str) -> str:
    """A release file's registered media type, by its extension (without parameters)."""
    return content_type(name).split(";")[0]
