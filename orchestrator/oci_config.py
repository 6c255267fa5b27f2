"""The user's OCI config file: where it is, and reading it with one line per mistake.

It is the first file a real user edits by hand, so a mistake in it is bad input like any other:
the file, the line, what is wrong and the fix, exit 2 (errors.UsageError), never a traceback.
The values are never repeated back: a line may hold a pass_phrase.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

from .errors import UsageError

DEFAULT_FILE = Path("~") / ".oci" / "config"
# oci-cli's variable: it names the config file in place of ~/.oci/config (an empty one is ignored).
FILE_SETTING = "OCI_CLI_CONFIG_FILE"


def config_file(environ: Mapping[str, str]) -> Path:
    """The OCI config file, as oci-cli finds it: OCI_CLI_CONFIG_FILE, else ~/.oci/config."""
    given = environ.get(FILE_SETTING, "").strip()
    return Path(os.path.expanduser(given or DEFAULT_FILE))


def read_config(path: Path) -> configparser.ConfigParser:
    """The parsed file (as the oci SDK parses it); UsageError naming the file and line if it is malformed."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise _mistake(
            path,
            line,
            f"byte 0x{error.object[error.start]:02x} is not UTF-8 text; retype that line, "
            "or save the file as UTF-8 (a word processor or a copy from a web page may have added it)",
        ) from None
    except OSError as error:
        raise UsageError(
            str(path), f"cannot read it ({error.strerror}); fix its permissions or set {FILE_SETTING}"
        ) from None
    if text.startswith("\ufeff"):  # Notepad's "UTF-8 with BOM": the oci SDK would see no [PROFILE] header
        raise _mistake(path, 1, "the file starts with a byte order mark; save it as UTF-8 without BOM")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as error:
        raise _mistake(
            path, error.lineno, "no [PROFILE] header above this line; add [DEFAULT] (or your profile's name) before it"
        ) from None
    except configparser.DuplicateOptionError as error:
        raise _mistake(
            path, error.lineno, f"'{error.option}' is set a second time in [{error.section}]; keep one of the two lines"
        ) from None
    except configparser.DuplicateSectionError as error:
        raise _mistake(
            path, error.lineno, f"[{error.section}] appears a second time; merge the two, or rename one"
        ) from None
    except configparser.ParsingError as error:
        line = error.errors[0][0]
        raise _mistake(path, line, "this line is not `key=value`; add the `=`, or remove the line") from None
    return parser


def _mistake(path: Path, line: int, problem: str) -> UsageError:
    return UsageError(f"{path}, line {line}", problem)
