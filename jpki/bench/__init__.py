"""``manage.py bench``: the counter's pages timed at city scale (``pages``), against the same pages in
a stock admin configuration (``stock_urls``) as the baseline."""

from .pages import BENCH_USERNAME

__all__ = ["BENCH_USERNAME"]
