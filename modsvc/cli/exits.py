"""The command line's exit codes, a public interface: 0 success, 1 some records rejected, 2 usage or fatal error."""
from __future__ import annotations

import click

EXIT_OK, EXIT_REJECTED, EXIT_FATAL = 0, 1, 2


class FatalError(click.ClickException):
    """Printed as 'Error: ...' and exits 2, like a usage error."""

    exit_code = EXIT_FATAL
