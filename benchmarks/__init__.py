"""Benchmarks of the book's models against public examples; not installed with vaebook.

Run from the repository's root: ``python -m benchmarks.bench`` (``make bench``).
"""
