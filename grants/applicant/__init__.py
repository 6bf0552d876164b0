from grants.applicant import results  # noqa: F401  (adds the NGO's results pages)
from grants.applicant.views import bp

__all__ = ["bp"]
