"""The competency queries, one module per job: `catalogue` (the bundled queries and their
headers), `parameters` (typed values bound as RDF terms), `guard` (what may run where), `run`
(the embedded store or an endpoint), `render` (the output formats), `entities` and `prefixes`.
Import from those modules; this package re-exports nothing.
"""
