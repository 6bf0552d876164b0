import pytest

from grants.rules import uscc


def test_published_code_validates():
    # A code printed on a real business licence (authority 9 = market regulation).
    assert uscc.problem("91350100M000100Y43", require_civil_affairs=False) is None


@pytest.mark.parametrize(
    "code, expected",
    [
        ("5144130200000000", uscc.UsccProblem.length),
        ("51441302MJL12345IO", uscc.UsccProblem.characters),  # I and O are not in the alphabet
        ("51441302MJL123456A", uscc.UsccProblem.checksum),
        ("91350100M000100Y43", uscc.UsccProblem.not_civil_affairs),
    ],
)
def test_problems(code, expected):
    assert uscc.problem(code) == expected


def test_make_and_check_character_round_trip():
    for prefix in ("51441302MJL123456", "52441303MJ0000001", "53441322MJA7B8C9D"):
        code = uscc.make(prefix)
        assert uscc.problem(code) is None
        bad = code[:17] + uscc.ALPHABET[(uscc.ALPHABET.index(code[17]) + 1) % 31]
        assert uscc.problem(bad) == uscc.UsccProblem.checksum


def test_type_hint_and_normalize():
    code = uscc.make("53441302MJ0000001")
    assert uscc.org_type_hint(code) == "foundation"
    assert uscc.normalize(f"  {code.lower()} ") == code


def test_make_rejects_bad_prefix():
    with pytest.raises(ValueError):
        uscc.make("51441302MJL1234")
