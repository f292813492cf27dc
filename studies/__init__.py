"""Studies that take longer than a chapter may: run them with ``python -m studies.<name>``."""
