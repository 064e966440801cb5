"""The click and impression hot path, its Redis buffer and the flush into the database."""
from portal.tracking.api import bp

blueprints = (bp,)
