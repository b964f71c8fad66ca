"""Settings for ``make bench``: production settings (DEBUG off) plus a URLconf with the bare
ceiling view. Nothing here is used outside the benchmark; the product's URLs stay as they are."""

import os

# seed_demo (tools.demo) loads the scale data the bench measures (scripts/bench.sh).
os.environ.setdefault("DEMO_TOOLS", "true")

from mtt.settings import *  # noqa: F403

ROOT_URLCONF = "mtt.urls_bench"
