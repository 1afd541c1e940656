"""The one base class of errors that are the user's to fix: a bad file, value, path or missing package.

Every system's error for bad input derives from :class:`UserError`, so the command line can print any of
them as one line (``openended: error: …``) instead of a traceback, and a run that failed on one before it
made anything is removed rather than left half-made (:func:`openended.core.commands.execute`). Errors of
the program itself stay ordinary exceptions, with their tracebacks.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input: the message names the file (line, field) or value and says what to do."""
