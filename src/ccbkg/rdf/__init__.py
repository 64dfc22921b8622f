"""The release's RDF: deterministic serialisation, its VoID/DCAT description and JSON-LD
context, and the release read back as one dataset."""
