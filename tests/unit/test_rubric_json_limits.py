"""Pathological rubric JSON is refused with its own message, never an exception (input policy)."""

import json
import re

import pytest

from grants.rules import rubric as r


def _default_text() -> str:
    return r.dumps_rubric(r.default_written_rubric())


def _codes(text: str) -> list[str]:
    with pytest.raises(r.RubricError) as info:
        r.loads_rubric(text)
    return [p.code for p in info.value.problems]


@pytest.mark.parametrize("text,code", [
    ("[" * 100_000 + "]" * 100_000, "rubric_json_too_deep"),
    ('{"a":' * 25 + "1" + "}" * 25, "rubric_json_too_deep"),
    ('{"name": "\\ud800"}', "rubric_json_surrogate"),
    ('{"\\udfff": 1}', "rubric_json_surrogate"),
    ('{"version": ' + "1" * 5000 + "}", "rubric_json_number_too_long"),
    ('{"version": 1.' + "0" * 40 + "}", "rubric_json_number_too_long"),
    (" " * (r.MAX_JSON_CHARS + 1), "rubric_json_too_large"),
    ('{"version": NaN}', "rubric_json_constant"),
])
def test_pathological_json_refused(text, code):
    assert _codes(text) == [code]


def test_depth_scan_ignores_brackets_inside_strings():
    data = json.loads(_default_text())
    data["name"]["en"] = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{{{{{ \\\" ["
    rubric = r.loads_rubric(json.dumps(data, ensure_ascii=False))
    assert rubric.name.get("en").startswith("[[[")


@pytest.mark.parametrize("key", ["weight", "max_points", "step"])
@pytest.mark.parametrize("value", ['"1e999999"', "1e999999", '"0.00001"', "2000000"])
def test_numbers_beyond_the_rubric_range_refused_not_overflowing(key, value):
    text = re.sub(rf'"{key}": "[0-9.]+"', f'"{key}": {value}', _default_text(), count=1)
    assert "rubric_number_out_of_range" in _codes(text)
