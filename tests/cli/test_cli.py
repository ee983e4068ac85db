"""The `caseapp` command: init, verify, passwd, recover, user admin, and errors as one line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from caseapp import __version__, paths
from caseapp.errors import PassphraseIncorrect
from caseapp.services.session import lock, unlock
from caseapp.store.store import Store, open_store
from tests.cli.conftest import Ran, one_clean_line
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.store import file_hashes, fill

Cli = Callable[..., Ran]
CREDS = {"CASEAPP_USER": MANAGER, "CASEAPP_PASSPHRASE": PASSPHRASE}


def _init(cli: Cli, path: Path, passphrase: str = PASSPHRASE) -> str:
    ran = cli("init", "--store", str(path), "--user", MANAGER, CASEAPP_PASSPHRASE=passphrase)
    assert ran.code == 0, ran.err
    code = re.search(r"^  ([A-Z2-7]{5}(?:-[A-Z2-7]{5}){7})$", ran.out, re.MULTILINE)
    assert code is not None, ran.out
    return code.group(1)


def test_version(cli_process: Cli) -> None:
    ran = cli_process("--version")
    assert (ran.code, ran.out.strip(), ran.err) == (0, f"caseapp {__version__}", "")


def test_init_verify_then_flipped_byte_is_damage(
    cli: Cli, cli_process: Cli, store_path: Path
) -> None:
    _init(cli, store_path)
    opened = open_store(store_path, MANAGER, PASSPHRASE)
    fill(opened.store, 1000)
    opened.store.close()

    ran = cli_process("verify", "--store", str(store_path), **CREDS)
    assert ran.code == 0, ran.err
    assert "Store verified: no damage found." in ran.out
    assert "audit log: " in ran.out

    data = bytearray(store_path.read_bytes())
    data[len(data) // 2 + 5] ^= 0x40
    store_path.write_bytes(bytes(data))
    before = file_hashes(store_path)
    ran = cli_process("verify", "--store", str(store_path), **CREDS)
    assert ran.code == 3
    line = one_clean_line(ran.err)
    assert "damaged" in line and "backup" in line and "will not create a new store" in line
    # Opening it for work says the same, and nothing is written over it.
    ran = cli_process("user", "list", "--store", str(store_path), **CREDS)
    assert ran.code == 3 and "damaged" in one_clean_line(ran.err)
    assert file_hashes(store_path) == before


def test_init_refuses_to_overwrite(cli: Cli, store_path: Path) -> None:
    _init(cli, store_path)
    before = file_hashes(store_path)
    ran = cli("init", "--store", str(store_path), "--user", "other", CASEAPP_PASSPHRASE="x" * 12)
    assert ran.code == 6
    assert "will not overwrite" in one_clean_line(ran.err)
    assert file_hashes(store_path) == before


def test_wrong_passphrase_exit_2_one_line_nothing_changed(
    cli_process: Cli, closed_store_path: Path
) -> None:
    before = file_hashes(closed_store_path)
    ran = cli_process(
        "user",
        "list",
        "--store",
        str(closed_store_path),
        CASEAPP_USER=MANAGER,
        CASEAPP_PASSPHRASE="wrong passphrase",
    )
    assert ran.code == 2
    assert one_clean_line(ran.err) == "caseapp: Username or passphrase incorrect."
    assert ran.out == ""
    assert file_hashes(closed_store_path) == before


def test_second_instance_exit_4(cli_process: Cli, store: Store, store_path: Path) -> None:
    ran = cli_process("user", "list", "--store", str(store_path), **CREDS)
    assert ran.code == 4
    assert "open in another caseapp window" in one_clean_line(ran.err)


def test_passwd_rewrites_only_the_slot(cli: Cli, closed_store_path: Path) -> None:
    before = file_hashes(closed_store_path)
    ran = cli(
        "passwd",
        "--store",
        str(closed_store_path),
        **CREDS,
        CASEAPP_NEW_PASSPHRASE="ünïcode; 'new' passphrase 🔑",
    )
    assert (ran.code, ran.out.strip()) == (0, "Passphrase changed."), ran.err
    after = file_hashes(closed_store_path)
    assert after["store"] == before["store"] and after["wal"] is None
    assert after["keys"] != before["keys"]
    assert cli("user", "list", "--store", str(closed_store_path), **CREDS).code == 2
    ran = cli(
        "user",
        "list",
        "--store",
        str(closed_store_path),
        CASEAPP_USER=MANAGER,
        CASEAPP_PASSPHRASE="ünïcode; 'new' passphrase 🔑",
    )
    assert ran.code == 0 and MANAGER in ran.out


def test_passwd_refuses_a_short_new_passphrase(cli: Cli, closed_store_path: Path) -> None:
    before = file_hashes(closed_store_path)
    ran = cli("passwd", "--store", str(closed_store_path), **CREDS, CASEAPP_NEW_PASSPHRASE="short")
    assert ran.code == 6
    assert "at least 8 characters" in one_clean_line(ran.err)
    assert file_hashes(closed_store_path) == before


def test_recover_with_the_printed_code(cli: Cli, store_path: Path) -> None:
    code = _init(cli, store_path)
    ran = cli(
        "recover",
        "--store",
        str(store_path),
        "--user",
        MANAGER,
        CASEAPP_RECOVERY_CODE="wrong-code",
        CASEAPP_NEW_PASSPHRASE="fresh start please",
    )
    assert ran.code == 2 and "Recovery code incorrect" in one_clean_line(ran.err)
    ran = cli(
        "recover",
        "--store",
        str(store_path),
        "--user",
        MANAGER,
        CASEAPP_RECOVERY_CODE=code.lower(),
        CASEAPP_NEW_PASSPHRASE="fresh start please",
    )
    assert ran.code == 0, ran.err
    assert f"New passphrase set for {MANAGER}." in ran.out
    with pytest.raises(PassphraseIncorrect):
        open_store(store_path, MANAGER, PASSPHRASE)
    outcome = unlock(store_path, MANAGER, "fresh start please")
    lock(outcome.ctx)


def test_user_add_list_reset_remove(cli: Cli, closed_store_path: Path) -> None:
    where = ("--store", str(closed_store_path))
    ran = cli(
        "user",
        "add",
        *where,
        "kim",
        "--name",
        "Kim Keyworker",
        **CREDS,
        CASEAPP_NEW_PASSPHRASE="kim's first passphrase",
    )
    assert (ran.code, ran.out.strip()) == (0, "Added kim (keyworker)."), ran.err
    ran = cli(
        "user",
        "add",
        *where,
        "lou",
        "--role",
        "manager",
        **CREDS,
        CASEAPP_NEW_PASSPHRASE="lou's first passphrase",
    )
    assert ran.code == 0, ran.err

    ran = cli("user", "list", *where, **CREDS)
    rows = [line.split()[:3] for line in ran.out.splitlines()[1:]]
    assert rows == [
        ["kim", "keyworker", "active"],
        ["lou", "manager", "active"],
        [MANAGER, "manager", "active"],
    ]

    ran = cli("user", "reset", *where, "kim", **CREDS, CASEAPP_NEW_PASSPHRASE="kim's second one")
    assert ran.code == 0, ran.err
    kim = {"CASEAPP_USER": "kim"}
    assert cli("user", "list", *where, **kim, CASEAPP_PASSPHRASE="kim's first passphrase").code == 2
    # A keyworker may unlock but not administer users.
    ran = cli("user", "list", *where, **kim, CASEAPP_PASSPHRASE="kim's second one")
    assert ran.code == 0 and "kim " in ran.out
    ran = cli("user", "remove", *where, "lou", **kim, CASEAPP_PASSPHRASE="kim's second one")
    assert ran.code == 5, ran.err
    one_clean_line(ran.err)

    ran = cli("user", "remove", *where, "kim", **CREDS)
    assert ran.code == 0, ran.err
    assert cli("user", "list", *where, **kim, CASEAPP_PASSPHRASE="kim's second one").code == 2
    ran = cli("user", "list", *where, "--all", **CREDS)
    assert ["kim", "keyworker", "removed"] in [line.split()[:3] for line in ran.out.splitlines()]


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (("user", "remove", "ghost"), CREDS, 7, "No active user called ghost"),
        (
            ("user", "add", "bad name!"),
            {**CREDS, "CASEAPP_NEW_PASSPHRASE": "long enough"},
            6,
            "Username: 1 to 64",
        ),
        (("user", "remove", MANAGER), CREDS, 6, "cannot remove yourself"),
        (("user", "list"), {"CASEAPP_USER": MANAGER}, 6, "set CASEAPP_PASSPHRASE"),
        (("user", "list"), {"CASEAPP_PASSPHRASE": PASSPHRASE}, 6, "set CASEAPP_USER"),
        (("user", "list"), {**CREDS, "CASEAPP_USER": "nobody"}, 2, "Username or passphrase"),
    ],
)
def test_errors_are_one_line_with_their_exit_status(
    cli: Cli,
    closed_store_path: Path,
    args: tuple[str, ...],
    env: dict[str, str],
    code: int,
    says: str,
) -> None:
    ran = cli(*args, "--store", str(closed_store_path), **env)
    assert ran.code == code, ran.err
    assert says in one_clean_line(ran.err)


def test_missing_store_and_key_file(cli: Cli, closed_store_path: Path) -> None:
    ran = cli("user", "list", "--store", str(closed_store_path.with_name("no.db")), **CREDS)
    assert ran.code == 7 and "caseapp init" in one_clean_line(ran.err)
    paths.key_file_path(closed_store_path).unlink()
    ran = cli("verify", "--store", str(closed_store_path), **CREDS)
    assert ran.code == 3 and "key file" in one_clean_line(ran.err)


def test_unusable_file_is_named_in_one_line(cli_process: Cli, closed_store_path: Path) -> None:
    key_path = paths.key_file_path(closed_store_path)
    key_path.unlink()
    key_path.mkdir()  # a folder where the key file should be
    ran = cli_process("user", "list", "--store", str(closed_store_path), **CREDS)
    assert ran.code == 74
    assert one_clean_line(ran.err) == f"caseapp: cannot use {key_path}: Is a directory."


def test_unexpected_error_is_one_line_and_logged_without_values(
    cli: Cli, closed_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"statement failed with parameters ({PASSPHRASE!r}, 'Jane Doe')")

    monkeypatch.setattr("caseapp.services.users.list_users", broken)
    ran = cli("user", "list", "--store", str(closed_store_path), **CREDS)
    assert ran.code == 70
    line = one_clean_line(ran.err)
    assert "unexpected error (RuntimeError)" in line and "Jane" not in line
    log = (tmp_path / "log" / "caseapp.log").read_text("utf-8")
    assert "RuntimeError at " in log and "user_cmds.py" in log
    assert PASSPHRASE not in log and "Jane" not in log
