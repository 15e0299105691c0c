"""The models, one module per aggregate. Import them from here."""

from .audit import AuditLog
from .company import Company
from .post import Category, CloseReason, Notification, Post, PostKind, PostPhoto, PostStatus
from .user import MembershipStatus, Role, User, UserTerritory, normalize_email

__all__ = [
    "AuditLog", "Category", "CloseReason", "Company", "MembershipStatus", "Notification", "Post", "PostKind",
    "PostPhoto", "PostStatus", "Role", "User", "UserTerritory", "normalize_email",
]
