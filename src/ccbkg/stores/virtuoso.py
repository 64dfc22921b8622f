"""Virtuoso: stage the release outside the RDF store and switch it in one SQL transaction.

Virtuoso's default graph is the union of every graph in `DB.DBA.RDF_QUAD`, so a staging graph
would show in every default-graph query. The release is staged instead as N-Triples text in a
table of its own (`DB.DBA.CCBKG_STAGING`), which no SPARQL query reads. The switch is one SQL
procedure call (`DB.DBA.CCBKG_SWITCH`), one transaction: it checks the staged text against the
MD5 sums publish sends, then clears each target graph, parses its text
(`DB.DBA.RDF_TTL2HASH`) and inserts the triples (`DB.DBA.RDF_INSERT_TRIPLES`), drops the graphs
listed, empties the staging table and commits.

The switch runs in Virtuoso's atomic mode (`__atomic (1)` ... `__atomic (0)`): Virtuoso 7.2.5's
read committed isolation has no statement snapshot, and a query that ran while the switch wrote
its rows saw a mix of the two releases (the new release's triple count with the old release's
countries, in one query). In atomic mode no other query runs: queries under way when the switch
starts are aborted (SR325, "please retry") and queries that arrive during it are refused (HTTP
404 or 500) until it has committed, so every answer is from one whole release. Atomic mode is
also what makes the switch slow: the same inserts of the inferred graph of the 1000x release
(381,000 triples) took 14.7 s in it and 1.05 s outside it. Writing outside it and committing
inside it is not enough: a reader then saw a mix (the larger release's triple count with the
other's countries, tests/test_publish.py `test_readers_never_see_a_mixed_release`), so some
of Virtuoso's access paths show uncommitted rows. Copying rows staged in a table of parsed
triples with a set-based `insert ... select` is fast in atomic mode (0.6 s for those 381,000
rows, after 0.3 s to delete the old ones), but into a graph whose rows the same transaction
had just deleted it failed with a uniqueness violation (SR175) for the 1000x release, and
`insert soft` left some triples out (11 of the ontology's 878), so the switch keeps
`DB.DBA.RDF_INSERT_TRIPLES`.

The staged text travels as the raw body of the request (N-Triples, chunks of bounded size),
with the procedure call in its URL: the procedure reads the body (`http_body_read`), so the
text never goes through the SPARQL compiler, whose time grows faster than the length of a
literal (0.08 s for 60 KB, 1.8 s for 600 KB; base64 literals of 48 KB took 0.55 s per MB).
`DB.DBA.CCBKG_STAGE` answers the MD5 of what it stored.

`DB.DBA.TTLP` would not do: it commits the transaction it is called in. Nor would
`DB.DBA.TTLP_MT`, the bulk loader's parser (it loaded 234,000 triples in 4.2 s where
`RDF_TTL2HASH` alone took 16.5 s to parse them, under the same load): it commits the
transaction it is called in too, and with its `transactional` argument it still commits as it
goes (a switch of the 1000x release through it, rolled back at the end, left 1.07 million of
its 1.48 million triples committed); called in atomic mode it never returned.
Staging parses each chunk once too, and commits: the IRIs, languages and datatypes it names
are then in Virtuoso's dictionaries before the switch (a language first seen in a transaction
that was rolled back came out without its tag afterwards: `"Japan"@en` as `"Japan"`).

The procedure checkpoints right after the commit, in the same call: Virtuoso 7.2.5 replaying
such inserts from its transaction log after a crash restarted with some of them missing
(28,259 of 30,207 triples), and with the switch kept out of the log, with a mix of the two
releases. Killed before the commit, Virtuoso restarts with the old release, whole; after the
checkpoint, with the new one; only a crash during the checkpoint itself (a fraction of a
second) is left to the log. The procedures are (re)defined over HTTP as the authenticated user
(e.g. dba) by `bif:exec`, so no isql is needed.

Publish reads each graph back through `DB.DBA.CCBKG_READ`: N-Triples text of the graph's
next subjects in IRI_ID order, about a page of triples per call (whole subjects), since
SPARQL answers are capped (ResultSetMaxRows) and sorted slices are slow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

TABLE = "DB.DBA.CCBKG_STAGING"
#: Staged text per request (the request body; Virtuoso's strings stop at 16 MB).
CHUNK_BYTES = 1_000_000
#: Triples per read-back call (whole subjects: a page may hold a little more).
READ_TRIPLES = 50_000

SETUP = f"""create procedure DB.DBA.CCBKG_SETUP () returns integer
{{
  if (not exists (select 1 from DB.DBA.SYS_KEYS where KEY_TABLE = '{TABLE}'))
    exec ('create table {TABLE} (CS_GRAPH varchar not null, CS_CHUNK integer not null,
           CS_TEXT long varchar, primary key (CS_GRAPH, CS_CHUNK))');
  return 0;
}}"""

STAGE = f"""create procedure DB.DBA.CCBKG_STAGE (in graph_iri varchar, in chunk integer)
  returns varchar
{{
  declare staged varchar;
  staged := string_output_string (http_body_read ());
  dict_list_keys (DB.DBA.RDF_TTL2HASH (staged, '', graph_iri), 1);
  insert replacing {TABLE} (CS_GRAPH, CS_CHUNK, CS_TEXT) values (graph_iri, chunk, staged);
  commit work;
  return md5 (staged);
}}"""

# The answer's first line is "more <last subject's IRI_ID number>" or "end", then N-Triples.
READ = """create procedure DB.DBA.CCBKG_READ (in graph_iri varchar, in after_id integer,
  in most_n integer) returns varchar
{
  declare ses, triples any;
  declare n, last_s integer;
  declare state varchar;
  triples := make_array (most_n, 'any');
  n := 0;
  last_s := after_id;
  state := 'end';
  for (select S as s_id, P as p_id, O as o_val from DB.DBA.RDF_QUAD
       where G = iri_to_id (graph_iri, 0) and S > iri_id_from_num (after_id) order by S) do
    {
      if (n >= most_n and iri_id_num (s_id) <> last_s)
        {
          state := sprintf ('more %d', last_s);
          goto finished;
        }
      if (n >= length (triples))
        triples := vector_concat (triples, make_array (most_n, 'any'));
      triples[n] := vector (s_id, p_id, o_val);
      n := n + 1;
      last_s := iri_id_num (s_id);
    }
finished:
  ses := string_output ();
  http (state, ses);
  http ('\n', ses);
  DB.DBA.RDF_TRIPLES_TO_NT (subseq (triples, 0, n), ses);
  return string_output_string (ses);
}"""

# spec: one line per graph, "L <md5> <graph>" (load from the staged text, whose chunks' MD5
# sums, concatenated, have that MD5) or "D <graph>" (drop). Variables never share a column's
# name: Virtuoso resolves `G` to a variable `g` in `where G = ...`, which deletes every row.
SWITCH = f"""create procedure DB.DBA.CCBKG_SWITCH (in spec varchar) returns integer
{{
  declare lines, line any;
  declare i, loaded, in_atomic integer;
  declare graph_iri, sums varchar;
  declare exit handler for sqlstate '*' {{
    rollback work; if (in_atomic = 1) __atomic (0); resignal; }};
  in_atomic := 0;
  lines := split_and_decode (spec, 0, '\\0\\0\\n');
  for (i := 0; i < length (lines); i := i + 1)
    {{
      line := lines[i];
      if (line like 'L %')
        {{
          graph_iri := subseq (line, 35);
          sums := '';
          for (select CS_TEXT as staged from {TABLE} where CS_GRAPH = graph_iri
               order by CS_CHUNK) do
            sums := sums || md5 (blob_to_string (staged));
          if (md5 (sums) <> subseq (line, 2, 34))
            signal ('CCBKG', sprintf ('the staged text of <%s> is not what was sent', graph_iri));
        }}
    }}
  log_enable (1, 1);
  __atomic (1);
  in_atomic := 1;
  loaded := 0;
  for (i := 0; i < length (lines); i := i + 1)
    {{
      line := lines[i];
      graph_iri := subseq (line, case when line like 'L %' then 35 else 2 end);
      if (length (line) > 2 and iri_to_id (graph_iri, 0) is not null)
        delete from DB.DBA.RDF_QUAD where G = iri_to_id (graph_iri, 0);
      if (line like 'L %')
        {{
          for (select CS_TEXT as staged from {TABLE} where CS_GRAPH = graph_iri
               order by CS_CHUNK) do
            DB.DBA.RDF_INSERT_TRIPLES (graph_iri, dict_list_keys (
              DB.DBA.RDF_TTL2HASH (blob_to_string (staged), '', graph_iri), 1));
          loaded := loaded + 1;
        }}
    }}
  delete from {TABLE};
  commit work;
  in_atomic := 0;
  __atomic (0);
  exec ('checkpoint');
  return loaded;
}}"""

PROCEDURES = (SETUP, STAGE, SWITCH, READ)


def chunks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """N-Triples lines (UTF-8, each with its newline) grouped into chunks of about CHUNK_BYTES
    (whole lines)."""
    buffer: list[bytes] = []
    size = 0
    for data in lines:
        if buffer and size + len(data) > CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
        buffer.append(data)
        size += len(data)
    if buffer:
        yield b"".join(buffer)


def md5(chunk: bytes) -> str:
    """The MD5 of a chunk, as `DB.DBA.CCBKG_STAGE` answers it."""
    return hashlib.md5(chunk, usedforsecurity=False).hexdigest()


def staged_sum(parts: Sequence[bytes]) -> str:
    """The MD5 the switch checks a graph's staged text against."""
    return md5("".join(md5(c) for c in parts).encode("ascii"))


def switch_spec(loads: Sequence[tuple[str, str]], drops: Sequence[str]) -> str:
    """The switch's argument: (graph, staged_sum) to load, graphs to drop."""
    return "\n".join([f"L {digest} {graph}" for graph, digest in loads]
                     + [f"D {graph}" for graph in drops])
