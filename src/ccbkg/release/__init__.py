"""Building the release into dist/: every artefact, the site and the load script, written into
a staging folder and swapped in atomically."""
