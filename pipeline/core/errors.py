"""The one exception type for problems that stop a run (not problems in the data)."""


class RanpeError(Exception):
    """A fatal, user-facing error: its message is one line in Bahasa Indonesia with the fix."""
