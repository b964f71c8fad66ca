from django.apps import AppConfig


class BenchConfig(AppConfig):
    """``make bench`` (docs/benchmarks.md): installed only by ``mtt.settings_bench``."""

    name = "tools.bench"
    label = "bench"
    verbose_name = "Benchmark"
