"""The error users see: one line that names the problem and how to fix it.

Raised anywhere in the package for bad input (an unknown actor, a negative amount, a malformed
file). The command line prints its message alone, without a traceback, and exits with status 2.
"""

import re

_CONVERSION = re.compile(r"Value '([^']*)' (?:of type '[^']+' )?could not be converted to (\w+)")


class UserError(ValueError):
    """A problem with the user's input, explained in one line."""


def printable(message: object) -> str:
    """A message as one printable line: line breaks and other control characters that came in
    with the user's input are shown escaped (``\\n``, ``\\x85``) instead of breaking the line.

    >>> printable("bad folder 'a\\nb'")
    "bad folder 'a\\\\nb'"
    """
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in str(message)
    )


def wrong_value(text: str) -> str | None:
    """What OmegaConf's conversion error in ``text`` says, in the user's words, or None when
    ``text`` holds none (the config and the scenario events' checks both word it so).

    >>> wrong_value("Value 'abc' of type 'str' could not be converted to Float")
    "'abc' is not a valid float"
    """
    found = _CONVERSION.search(text)
    return None if found is None else f"'{found.group(1)}' is not a valid {found.group(2).lower()}"
