"""(being built)"""

from grants.public.views import bp  # noqa: F401
