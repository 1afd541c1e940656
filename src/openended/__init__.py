"""openended: open-ended learning systems in one toolkit."""

__version__ = "0.1.0"
