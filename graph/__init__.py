"""devkg: an open knowledge graph of development-cooperation projects."""

__version__ = "0.1.0"
