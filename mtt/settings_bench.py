"""Settings for ``make bench``: production settings (DEBUG off) plus the bench itself
(``tools.bench``: the ``bench`` command and a URLconf with the project's ceiling view). Nothing
here is used outside the benchmark; the product's apps and URLs stay as they are."""

import os

# seed_demo (tools.demo) loads the scale data the bench measures (scripts/bench.sh).
os.environ.setdefault("DEMO_TOOLS", "true")

from mtt.settings import *  # noqa: F403
from mtt.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tools.bench"]
ROOT_URLCONF = "tools.bench.urls"
