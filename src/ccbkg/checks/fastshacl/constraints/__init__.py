"""The constraint components, one module per section of the SHACL specification (W3C
Recommendation 2017): value type (4.1), cardinality (4.2), value range (4.3), string-based
(4.4), property pair (4.5), logical (4.6), shape-based (4.7), other (4.8) and SPARQL-based
constraints (5). Each implementation's docstring names its component and cites its section;
`ccbkg.checks.fastshacl.components.HANDLERS` lists them all.
"""
