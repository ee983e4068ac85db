"""The interchange format (shared/docs/interchange.md): read, check, load and report."""
