"""The hostile strings of docs/security.md (markup, escapes, right-to-left, search).

Shared by the hostile-input battery and the property tests.
"""

from __future__ import annotations

# Case 10: markup.
MARKUP = [
    "[bold red]Jane[/]",
    "[@click=app.quit]x[/]",
    "[link=https://example.invalid]x[/link]",
    "[/",
    "[0]",
    "[b",
    "]",
    "\\[x]",
]
# Case 11: terminal escapes and a bare BEL.
ESCAPES = ["\x1b[2J", "\x1b]0;title\x07", "\x1b]52;c;aGk=\x07", "\x07"]
# Case 12: a right-to-left override inside a name; Arabic and Hebrew names.
BIDI = ["Am\u202eina", "فاطمة", "שרה"]
# Case 15: SQL and LIKE wildcards.
SQLISH = ["'; DROP TABLE woman;--", "%", "_"]

HOSTILE = [*MARKUP, *ESCAPES, *BIDI, *SQLISH]
