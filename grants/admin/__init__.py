from grants.admin.views import bp

__all__ = ["bp"]
