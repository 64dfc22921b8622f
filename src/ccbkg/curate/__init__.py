"""Curator helpers: add a source text, cut a passage from it, start a country file.

Each writes atomically, refuses to overwrite, and returns what it wrote for the CLI to show.
"""
