"""The error users see: one line that names the problem and how to fix it.

Raised anywhere in the package for bad input (an unknown actor, a negative amount, a malformed
file). The command line prints its message alone, without a traceback, and exits with status 2.
"""


class UserError(ValueError):
    """A problem with the user's input, explained in one line."""
