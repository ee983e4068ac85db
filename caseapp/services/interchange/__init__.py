"""The interchange format (docs/interchange.md): read, check, load and report."""
