"""Argument checks shared by the companion's public functions: one message, one place."""


def check_positive_int(name: str, value: object) -> None:
    """Raise ``ValueError: <name> must be a positive integer, got <value>`` unless it is one.

    ``True``/``False`` are refused although Python counts them as integers.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
