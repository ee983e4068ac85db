"""The encrypted store: SQLCipher engine, key slots, writer lock, migrations runner."""
