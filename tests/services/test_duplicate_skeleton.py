"""Duplicates cannot hide behind look-alike letters, invisible characters, case or spacing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from caseapp.services.context import Ctx
from caseapp.services.skeleton import skeleton
from caseapp.services.women_types import PossibleDuplicate
from tests.harness.women import add_woman

DISGUISES = [
    ("Jаne", "Smith"),  # Cyrillic а
    ("Jane\u200b", "Smith"),  # zero-width space
    ("JANE ", " SMITH"),
    ("Ja\u00adne", "Smi\u200dth"),  # soft hyphen, zero-width joiner
    ("\u202eJane", "Smith\u202c"),  # bidi controls
    ("Jane", "Ｓｍｉｔｈ"),  # fullwidth
]


@pytest.mark.parametrize(("first", "last"), DISGUISES)
def test_a_disguised_name_with_the_same_birth_date_is_a_possible_duplicate(
    manager: Ctx, first: str, last: str
) -> None:
    held = add_woman(manager, "Jane", "Smith", born="01/02/1990")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(manager, first, last, born="01/02/1990")
    assert caught.value.references == (held.reference,)


def test_skeletons_of_the_issue_examples_agree_and_others_differ() -> None:
    names = ["Jane Smith", "Jаne Smith", "Jane\u200b Smith", "JANE  SMITH"]
    assert len({skeleton(n) for n in names}) == 1
    assert skeleton("Jane Smith") != skeleton("Joan Smith")
    assert skeleton("Amira Khan") != skeleton("Amina Khan")


def test_another_birth_date_is_not_a_duplicate(manager: Ctx) -> None:
    add_woman(manager, "Jane", "Smith", born="01/02/1990")
    assert add_woman(manager, "Jаne", "Smith", born="02/02/1990").reference


@pytest.mark.parametrize(("first", "last"), DISGUISES)
def test_a_held_disguised_name_is_found_when_the_plain_name_is_typed(
    manager: Ctx, first: str, last: str
) -> None:
    held = add_woman(manager, first, last, born="01/02/1990")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(manager, "Jane", "Smith", born="01/02/1990")
    assert caught.value.references == (held.reference,)


@pytest.mark.parametrize(
    ("held", "typed"),
    [
        (("Zoë", "O'Brien"), ("zoe", "o'brien")),  # accents and case
        (("ÉLODIE", "Müller"), ("Elodie", "MULLER")),
        (("Smith", "Jane"), ("Jаne", "Smith")),  # names swapped, a Cyrillic а
    ],
)
def test_case_accents_and_order_do_not_hide_a_duplicate(
    manager: Ctx, held: tuple[str, str], typed: tuple[str, str]
) -> None:
    woman = add_woman(manager, *held, born="03/04/1985")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(manager, *typed, born="03/04/1985")
    assert caught.value.references == (woman.reference,)


def test_a_keyworker_is_warned_of_a_woman_on_another_caseload(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    amina, beth = make_user("dup_amina"), make_user("dup_beth")
    held = add_woman(amina, "Jane", "Smith", born="01/02/1990")
    with pytest.raises(PossibleDuplicate) as caught:
        add_woman(beth, "Jаne", "Smith\u200b", born="01/02/1990")
    assert caught.value.references == (held.reference,)
