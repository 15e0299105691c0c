"""The models, one module per aggregate. Import them from here."""

from .audit import AuditLog
from .company import Company
from .user import MembershipStatus, Role, User, UserTerritory, normalize_email

__all__ = ["AuditLog", "Company", "MembershipStatus", "Role", "User", "UserTerritory", "normalize_email"]
