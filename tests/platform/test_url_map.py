"""URLs are part of the contract: bookmarks, printed QR codes and mails point at them.

``url_map.txt`` is the URL map as it was before the stage-per-package restructuring (rule,
methods, endpoint). A change to it is deliberate: update the file in the same commit and say why.
"""

from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("url_map.txt")


def dump(app) -> list[str]:
    return [
        f"{rule.rule} {','.join(sorted(m for m in rule.methods if m not in ('HEAD', 'OPTIONS')))} {rule.endpoint}"
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    ]


@pytest.mark.no_database
def test_url_map_is_unchanged(app):
    assert dump(app) == SNAPSHOT.read_text(encoding="utf-8").splitlines()
