"""The Women's Federation staff's blueprint: one module per stage of the work, one guard for all."""

from grants.admin import (  # noqa: F401  (each module adds its routes to bp)
    assignment_auto,
    charts,
    publishing,
    results,
    reviewing,
    screening,
)
from grants.admin.views import bp

__all__ = ["bp"]
