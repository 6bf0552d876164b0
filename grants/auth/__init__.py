from grants.auth.views import bp

__all__ = ["bp"]
