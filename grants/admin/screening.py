"""(being built)"""

from grants.admin.views import bp  # noqa: F401
