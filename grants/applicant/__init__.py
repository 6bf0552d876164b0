from grants.applicant.views import bp

__all__ = ["bp"]
