from grants.public import results  # noqa: F401  (adds the public results routes)
from grants.public.views import bp

__all__ = ["bp"]
