"""(being built)"""

from grants.reviewer.views import bp  # noqa: F401
