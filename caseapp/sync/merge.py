"""Applying changes from another store: union of new rows, field merge, erasure first.

A field's state is the set of its writes that no later write replaced (its leaves). A write
made here replaces every leaf it saw, so a field edited on one side only has one leaf and
simply takes the newer value. Two stores writing the same field without seeing each other
leave two leaves: if the values are equal that is no conflict; otherwise a conflict row holds
both values, authors and stamps and the value before them, and both stores show the leaf with
the later stamp (stamps end in the store id, so ties break the same way everywhere). Because
the leaves depend only on which writes a store holds, never on the order it learnt them, two
stores that hold the same changes show the same values and the same open conflicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from caseapp.sync import capture
from caseapp.sync.capture import Me, bury, forget_woman, leaves
from caseapp.sync.db import insert_id, run
from caseapp.sync.rows import (
    Missing,
    Values,
    dumps,
    find_local,
    forget_known,
    from_wire,
    known,
    local_of,
    reading_ahead,
    where_row,
)
from caseapp.sync.schema import BY_NAME, SPECS, Spec, columns, quote

Change = dict[str, Any]


@dataclass
class Applied:
    """What applying one batch of changes did."""

    applied: int = 0
    skipped: int = 0
    dropped: int = 0
    erased: int = 0
    discarded_here: int = 0
    left: int = 0


LOG = (
    "INSERT OR IGNORE INTO sync_change (origin, seq, hlc, username, tbl, uid, owner, op, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MAP = "INSERT INTO sync_row (tbl, local_id, uid, origin) VALUES (?, ?, ?, ?)"


def wanted(changes: list[Change]) -> set[tuple[str, str]]:
    """The (table, uid) pairs a batch's changes will look up: each row's own and those its
    values and keys refer to (members of staff and hubs are read whole)."""
    pairs: set[tuple[str, str]] = set()
    for c in changes:
        spec = BY_NAME.get(str(c["t"]))
        if spec is None:
            continue
        if not spec.natural:
            pairs.add((spec.name, str(c["id"])))
        data = c["d"] if isinstance(c["d"], dict) else {}
        values = data if c["op"] == "I" else data.get("key")
        if not isinstance(values, dict):
            continue
        for name, kind in spec.refs.items():
            if kind not in ("user", "hub") and values.get(name) is not None:
                pairs.add((kind, str(values[name])))
    return pairs


def version_vector(conn: Connection) -> dict[str, int]:
    """The highest sequence applied from each origin."""
    return {str(o): int(s) for o, s in run(conn, "SELECT origin, seq FROM sync_clock")}


class Merger:
    """Applies changes inside one transaction; the caller commits or rolls back."""

    def __init__(self, conn: Connection, me: Me) -> None:
        self.conn = conn
        self.me = me
        self.known: dict[str, set[str]] = {}
        self.result = Applied()
        # Read once per batch, kept up to date as the batch deletes and erases: one query per
        # change is a round trip each on a PostgreSQL centre.
        self.tombs: dict[str, str] | None = None
        # While a batch applies, its uid mappings and log entries are written together at the
        # end (or before a delete or erasure reads or removes them), not a statement each.
        self.rows_due: list[tuple[Any, ...]] | None = None
        self.logs_due: list[tuple[Any, ...]] | None = None

    def _tombs(self) -> dict[str, str]:
        if self.tombs is None:
            self.tombs = {
                str(r[0]): str(r[1] or "")
                for r in run(self.conn, "SELECT uid, hlc FROM sync_tombstone")
            }
        return self.tombs

    def suppressed(self, owner: str, uid: str, stamp: str) -> bool:
        """Whether a change stamped `stamp` falls under a tombstone here.

        An erased woman (her uid is the owner's) suppresses everything about her, however
        late. A removed row suppresses only what is older than its removal: a row identified
        by its columns made again later takes the same uid and is revived.
        """
        tombs = self._tombs()
        if owner and owner in tombs:
            return True
        removed = tombs.get(uid)
        return removed is not None and (uid == owner or stamp <= removed)

    def _buried(self, uid: str, stamp: str) -> None:
        if self.tombs is not None:
            self.tombs[uid] = max(stamp, self.tombs.get(uid, ""))

    def columns(self, table: str) -> set[str]:
        """The table's columns here (cached for the batch)."""
        if table not in self.known:
            self.known[table] = set(columns(self.conn, table))
        return self.known[table]

    def apply(self, changes: list[Change]) -> Applied:
        """Apply a batch in order; changes already held are skipped."""
        capture.process(self.conn)  # local writes not yet stamped come first
        vv = version_vector(self.conn)
        top: dict[str, int] = {}
        self.rows_due, self.logs_due = [], []
        with reading_ahead(self.conn, wanted(changes)):
            for change in changes:
                origin, seq = str(change["o"]), int(change["s"])
                if seq <= vv.get(origin, 0):
                    self.result.skipped += 1
                    continue
                self.me.hlc.observe(str(change["h"]), capture.now())
                if self._apply_one(change):
                    self._log(change)
                    self.result.applied += 1
                else:
                    self.result.dropped += 1
                vv[origin] = top[origin] = seq
            self._write_due()
        self.rows_due = self.logs_due = None
        # Written once per origin at the end (nothing in the batch reads it meanwhile).
        run(
            self.conn,
            "INSERT INTO sync_clock (origin, seq) VALUES (?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET seq = max(seq, excluded.seq)",
            sorted(top.items()),
        )
        capture.process(self.conn, emit=False)  # what applying wrote is not a local change
        # This store's own changes came back (it was restored from a backup): number new ones
        # after them, so none is taken for one already sent.
        self.me.next_seq = max(self.me.next_seq, vv.get(self.me.store_uid, 0) + 1)
        self.me.save(self.conn)
        return self.result

    def enter(self, entering: dict[str, Any]) -> None:
        """Insert the records of women who entered this hub's scope (unless already held)."""
        rows = entering.get("rows") or {}
        for spec in SPECS:
            for row in rows.get(spec.name, []):
                self.insert(spec, str(row["uid"]), str(row["origin"]), row["v"])
        written: set[tuple[str, str, str, str]] = set()
        for f in entering.get("fields") or []:
            run(
                self.conn,
                "INSERT OR IGNORE INTO sync_field "
                "(tbl, uid, field, stamp, parents, old, value, username, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(f),
            )
            written.add((str(f[0]), str(f[1]), str(f[2]), str(f[8])))
        # Her fields' histories came whole, but the changes that opened a conflict on them
        # may have been pruned from the log: open it here from the same leaves, as the
        # stores that saw those changes did.
        for tbl, uid, name, owner in sorted(written):
            field_spec = BY_NAME.get(tbl)
            if field_spec is None:
                continue
            rowid = find_local(self.conn, field_spec, uid, None)
            if rowid is not None:
                self.settle(field_spec, uid, rowid, name, owner)
        capture.process(self.conn, emit=False)

    def leave(self, uids: list[str]) -> None:
        """Remove women who left this hub's scope: not an erasure, nothing is sent about it.

        Changes made here about her and not yet sent stay in the log and still go.
        """
        for uid in uids:
            rowid = local_of(self.conn, "woman", uid)
            if rowid is None:
                continue
            run(self.conn, "DELETE FROM woman WHERE id = ?", (rowid,))
            run(self.conn, "DELETE FROM sync_field WHERE owner = ?", (uid,))
            run(self.conn, "DELETE FROM sync_conflict WHERE owner = ?", (uid,))
            self.result.left += 1
        capture.process(self.conn, emit=False)

    def _log(self, c: Change) -> None:
        entry = (c["o"], c["s"], c["h"], c["u"], c["t"], c["id"], c["w"], c["op"], dumps(c["d"]))
        if self.logs_due is not None:
            self.logs_due.append(entry)
        else:
            run(self.conn, LOG, entry)

    def _write_due(self) -> None:
        """Write the uid mappings and log entries held back (one `executemany` each)."""
        if self.rows_due:
            run(self.conn, MAP, self.rows_due)
            self.rows_due = []
        if self.logs_due:
            run(self.conn, LOG, self.logs_due)
            self.logs_due = []

    def _before_removing(self) -> None:
        """A delete or an erasure reads and removes log entries and mappings: write those held
        back first, and look everything up afresh after it."""
        self._write_due()
        forget_known()

    def _apply_one(self, c: Change) -> bool:
        spec = BY_NAME.get(str(c["t"]))
        if spec is None:
            raise ValueError(f"unknown table {c['t']!r}")
        op, uid, owner = str(c["op"]), str(c["id"]), str(c["w"])
        if op == "E":
            self._erase(uid, str(c["h"]))
            return True
        if self.suppressed(owner, uid, str(c["h"])):
            return False
        data: Values = c["d"]
        if op == "I":
            return self.insert(spec, uid, str(c["o"]), data)
        if op == "U":
            return self._update(spec, uid, owner, c)
        if op == "D":
            return self._delete(spec, uid, owner, data.get("key"), str(c["h"]))
        raise ValueError(f"unknown change kind {op!r}")

    def insert(self, spec: Spec, uid: str, origin: str, wire: Values) -> bool:
        """Insert a row unless it is already held; False when its parent is not here."""
        if find_local(self.conn, spec, uid, wire) is not None:
            return True
        try:
            values = from_wire(self.conn, spec, wire, self.columns(spec.name))
        except Missing:
            return False
        names = list(values)
        sql = (
            f"INSERT INTO {quote(spec.name)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        params = tuple(values[n] for n in names)
        if spec.natural:
            run(self.conn, sql, params)
            return True
        rowid = insert_id(self.conn, sql, params)
        known(spec.name, uid, rowid)
        if self.rows_due is not None:
            self.rows_due.append((spec.name, rowid, uid, origin))
        else:
            run(self.conn, MAP, (spec.name, rowid, uid, origin))
        return True

    def _update(self, spec: Spec, uid: str, owner: str, c: Change) -> bool:
        data: Values = c["d"]
        rowid = find_local(self.conn, spec, uid, data.get("key"))
        if rowid is None:
            return False
        known = self.columns(spec.name)
        for name, write in data["f"].items():
            if name not in known or name == "id":
                raise ValueError(f"column {spec.name}.{name} is not in this store's schema")
            run(
                self.conn,
                "INSERT OR IGNORE INTO sync_field "
                "(tbl, uid, field, stamp, parents, old, value, username, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    spec.name,
                    uid,
                    name,
                    c["h"],
                    dumps(write["p"]),
                    dumps(write["o"]),
                    dumps(write["v"]),
                    c["u"],
                    owner,
                ),
            )
            self.settle(spec, uid, rowid, name, owner)
        return True

    def settle(self, spec: Spec, uid: str, rowid: Any, name: str, owner: str) -> None:
        """Show the newest leaf's value; open, update or close the field's conflict."""
        tops = leaves(self.conn, spec.name, uid, name)
        if not tops:
            return
        winner = tops[-1]
        try:
            local = from_wire(self.conn, spec, {name: json.loads(winner[1])}, {name})[name]
        except Missing:
            local = None
        where, key = where_row(spec, rowid)
        run(
            self.conn,
            f"UPDATE {quote(spec.name)} SET {quote(name)} = ? "
            f"WHERE {where} AND {quote(name)} IS NOT ?",
            (local, *key, local),
        )
        if name in spec.quiet:
            return
        open_ = run(
            self.conn,
            "SELECT id FROM sync_conflict WHERE tbl = ? AND uid = ? AND field = ? "
            "AND status = 'open'",
            (spec.name, uid, name),
        ).first()
        if len({t[1] for t in tops}) > 1:
            sides = dumps([{"stamp": t[0], "value": json.loads(t[1]), "user": t[2]} for t in tops])
            if open_:
                run(self.conn, "UPDATE sync_conflict SET sides = ? WHERE id = ?", (sides, open_[0]))
            else:
                run(
                    self.conn,
                    "INSERT INTO sync_conflict (tbl, uid, field, owner, sides, ancestor, opened, "
                    "status, resolved_by, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', '', '')",
                    (spec.name, uid, name, owner, sides, tops[0][3], winner[0]),
                )
        elif open_:
            run(
                self.conn,
                "UPDATE sync_conflict SET status = 'resolved', resolved_by = ?, resolved = ? "
                "WHERE id = ?",
                (winner[2], winner[0], open_[0]),
            )

    def _delete(self, spec: Spec, uid: str, owner: str, key: Values | None, stamp: str) -> bool:
        self._before_removing()
        rowid = find_local(self.conn, spec, uid, key)
        # Made (again) after this removal, unseen by it: the later re-creation stands.
        born = run(
            self.conn,
            "SELECT max(hlc) FROM sync_change WHERE tbl = ? AND uid = ? AND op = 'I'",
            (spec.name, uid),
        ).first()
        alive = rowid is not None and born is not None and str(born[0] or "") > stamp
        if rowid is not None and not alive:
            where, params = where_row(spec, rowid)
            run(self.conn, f"DELETE FROM {quote(spec.name)} WHERE {where}", params)
        bury(self.conn, uid, stamp)
        self._buried(uid, stamp)
        # Writes older than the removal go, whatever order the changes arrive in; a row that
        # stays shows its fields (and their conflicts) again from the writes left.
        run(self.conn, "DELETE FROM sync_field WHERE uid = ? AND stamp <= ?", (uid, stamp))
        run(self.conn, "DELETE FROM sync_conflict WHERE uid = ?", (uid,))
        if alive:
            left = run(
                self.conn, "SELECT DISTINCT field FROM sync_field WHERE uid = ?", (uid,)
            ).fetchall()
            for (name,) in sorted(left):
                self.settle(spec, uid, rowid, str(name), owner)
        return True

    def _erase(self, uid: str, stamp: str) -> None:
        self._before_removing()
        rowid = find_local(self.conn, BY_NAME["woman"], uid, None)
        self.result.discarded_here += forget_woman(self.conn, uid, stamp)
        self._buried(uid, stamp)
        if rowid is not None:
            run(self.conn, "DELETE FROM woman WHERE id = ?", (rowid,))
            self.result.erased += 1
