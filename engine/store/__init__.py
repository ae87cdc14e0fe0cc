"""Persistence: models, the database connection and migrations."""

from .database import Database
from .models import Base

__all__ = ["Base", "Database"]
