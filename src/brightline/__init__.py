"""Brightline: community cataract programmes, private by architecture."""

__version__ = "0.1.0"
