from grants.public.views import bp

__all__ = ["bp"]
