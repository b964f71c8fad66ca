"""Which ``.env`` file the settings read, if any (docs/operations.md "Configuration").

``make run`` writes ``.env`` once (``DEBUG=true``, a generated development ``SECRET_KEY``, the
port), so ``manage.py`` and every other command in the same checkout run with the settings the
demo runs with. The process environment always wins over the file.

Production never reads a file by surprise:

- ``ENV_FILE=/path/to/file`` reads that file (it must exist);
- ``READ_DOT_ENV=true`` reads ``.env`` next to ``manage.py``, ``READ_DOT_ENV=false`` never;
- otherwise ``.env`` is read only when it is a development file (``DEBUG`` true in it) and the
  process environment does not switch ``DEBUG`` off.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = {value.lower() for value in environ.Env.BOOLEAN_TRUE_STRINGS}


def parse(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (``export`` and surrounding quotes allowed, ``#`` comments)."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def chosen(base_dir: Path, environment=os.environ) -> Path | None:
    """The file to read under these environment variables, or None."""
    if named := environment.get("ENV_FILE", ""):
        path = Path(named)
        if not path.is_file():
            raise ImproperlyConfigured(f"ENV_FILE names {named}, which is not a readable file.")
        return path
    path = base_dir / ".env"
    if not path.is_file():
        return None
    read_dot_env = environment.get("READ_DOT_ENV", "").strip().lower()
    if read_dot_env:
        return path if read_dot_env in TRUE else None
    if "DEBUG" in environment and environment["DEBUG"].strip().lower() not in TRUE:
        return None
    return path if parse(path).get("DEBUG", "").lower() in TRUE else None


def load(base_dir: Path, environment=os.environ) -> Path | None:
    """Put the chosen file's values into ``environment`` where it has none; return the file."""
    path = chosen(base_dir, environment)
    if path is not None:
        for key, value in parse(path).items():
            environment.setdefault(key, value)
    return path
