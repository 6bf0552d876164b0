from grants.reviewer import roadshow  # noqa: F401  (adds the roadshow judging routes)
from grants.reviewer.views import bp

__all__ = ["bp"]
