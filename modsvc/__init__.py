"""modsvc: self-hosted comment moderation and analysis."""

__version__ = "0.1.0"
