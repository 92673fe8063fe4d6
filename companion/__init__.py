"""Bargain Witness (砍价存证) companion: the local archive the browser extension sends captures to."""

__version__ = "0.1.0"
