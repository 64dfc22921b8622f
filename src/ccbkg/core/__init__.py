"""Shared basics at the bottom of the pipeline: errors, findings, namespaces, RDF terms
and their text, lines, progress output, the network guard, the cache, locks and checksums."""
