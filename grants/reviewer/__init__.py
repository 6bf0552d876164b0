from grants.reviewer.views import bp

__all__ = ["bp"]
