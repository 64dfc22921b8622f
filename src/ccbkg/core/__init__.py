"""Shared basics at the bottom of the pipeline: errors, findings, namespaces, RDF terms,
progress output and the network guard."""
