"""Finding the `dynolab` binary that the wheel installed.

maturin's `bin` bindings put the binary in the wheel's `.data/scripts/`, which pip installs into
the environment's scripts directory (`<venv>/bin` on Linux and macOS, `Scripts` on Windows), the
directory `sysconfig.get_path("scripts")` names. A `pip install --user` puts it in the user
scheme's scripts directory instead. `DYNOLAB_BIN` overrides both (a source build:
`DYNOLAB_BIN=target/debug/dynolab`), and `PATH` is the last resort.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

__all__ = ["find_binary", "BinaryNotFoundError"]

_EXE = "dynolab.exe" if sys.platform == "win32" else "dynolab"


class BinaryNotFoundError(FileNotFoundError):
    """No `dynolab` binary was found where the wheel installs it, in `DYNOLAB_BIN` or on PATH."""


def _scripts_dirs() -> list[Path]:
    dirs = [Path(sysconfig.get_path("scripts"))]
    try:
        dirs.append(Path(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user"))))
    except KeyError:
        pass
    # A virtualenv's interpreter sits in its scripts directory; covers a caller whose sysconfig
    # scheme was changed (for example by a distribution's patches).
    dirs.append(Path(sys.executable).parent)
    return dirs


def find_binary() -> Path:
    """Returns the path of the `dynolab` binary to run.

    Order: the `DYNOLAB_BIN` environment variable (which must name an existing file), the
    scripts directory of this Python environment (where `pip install dynolab` put it), the user
    scheme's scripts directory, then `PATH`.

    Raises:
        BinaryNotFoundError: when none of these has the binary.
    """
    override = os.environ.get("DYNOLAB_BIN")
    if override:
        path = Path(override)
        if not path.is_file():
            raise BinaryNotFoundError(f"DYNOLAB_BIN={override} is not a file")
        return path
    for directory in _scripts_dirs():
        candidate = directory / _EXE
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("dynolab")
    if found:
        return Path(found)
    raise BinaryNotFoundError(
        "the dynolab binary was not found: install the dynolab wheel into this environment "
        "(pip install dynolab-*.whl) or set DYNOLAB_BIN to its path"
    )
