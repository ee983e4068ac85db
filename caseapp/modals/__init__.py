"""Modal forms and confirmations (`ModalScreen[T]` returning a typed value)."""
