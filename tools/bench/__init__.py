"""``make bench`` (docs/benchmarks.md): scenarios, query counting, load, reminder timing and the
report, and the ``bench`` command. A Django app installed only by ``mtt.settings_bench``; nothing
in the product imports it."""
