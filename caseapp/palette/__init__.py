"""The command palette's providers: app-wide and screen actions, and the jump to a woman."""
