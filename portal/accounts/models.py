"""People who sign in, and the API keys machines use."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, enum_column, utcnow


class Role(enum.Enum):
    ADMIN = "admin"
    ACCOUNT_MANAGER = "account_manager"
    PUBLISHER = "publisher"
    ADVERTISER = "advertiser"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The network's own people: they reach the network side; user management, the audit log and the
# network API keys stay with admins.
STAFF_ROLES = (Role.ADMIN, Role.ACCOUNT_MANAGER)


class UserStatus(enum.Enum):
    ACTIVE = "Active"
    DEACTIVATED = "Deactivated"
    SUSPENDED = "Suspended"


class ManagerAccess(enum.Enum):
    """How far an account manager reaches over publishers (or advertisers): all, those they manage, none."""

    GLOBAL = "Global"
    LIMITED = "Limited"
    RESTRICTED = "Restricted"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('admin', 'account_manager') AND publisher_id IS NULL AND advertiser_id IS NULL)"
            " OR (role = 'publisher' AND publisher_id IS NOT NULL AND advertiser_id IS NULL)"
            " OR (role = 'advertiser' AND advertiser_id IS NOT NULL AND publisher_id IS NULL)",
            name="role_matches_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    status: Mapped[UserStatus] = mapped_column(enum_column(UserStatus), default=UserStatus.ACTIVE)
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("publishers.id"), index=True)
    advertiser_id: Mapped[int | None] = mapped_column(ForeignKey("advertisers.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    phone: Mapped[str] = mapped_column(String(50), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    # Seed 003's manager flags and reach (staff only; admins always reach everything) and API access.
    is_publisher_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    publisher_manager_access: Mapped[ManagerAccess] = mapped_column(
        enum_column(ManagerAccess, "publisher_manager_access"), default=ManagerAccess.GLOBAL)
    is_advertiser_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    advertiser_manager_access: Mapped[ManagerAccess] = mapped_column(
        enum_column(ManagerAccess, "advertiser_manager_access"), default=ManagerAccess.GLOBAL)
    api_access_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    publisher = relationship("Publisher", back_populates="users")
    advertiser = relationship("Advertiser", back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.status == UserStatus.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class ApiKey(db.Model):
    """A secret shown once; only its SHA-256 is kept. No advertiser means a network (admin) key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    advertiser_id: Mapped[int | None] = mapped_column(ForeignKey("advertisers.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    advertiser = relationship("Advertiser")
