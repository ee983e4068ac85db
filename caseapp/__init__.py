"""caseapp: keywork records and the commissioner's anonymised returns, in an encrypted store."""

__version__ = "0.1.0"
