"""The package version (single source for pyproject.toml and the docs)."""

__version__ = "0.1.0"
