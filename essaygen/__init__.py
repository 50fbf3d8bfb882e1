"""essaygen: a static site generator for essay collections released on a schedule."""

__version__ = "0.1.0"
