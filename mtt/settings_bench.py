"""Settings for ``make bench``: production settings (DEBUG off) plus a URLconf with the bare
ceiling view. Nothing here is used outside the benchmark; the product's URLs stay as they are."""

from mtt.settings import *  # noqa: F403

ROOT_URLCONF = "mtt.urls_bench"
