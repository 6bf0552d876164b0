"""(being built)"""

from grants.applicant.views import bp  # noqa: F401
