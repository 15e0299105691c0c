"""The models, one module per aggregate. Import them from here."""

from .audit import AuditLog
from .company import Company
from .match import Match, MatchOrigin, MatchStatus
from .post import Category, CloseReason, Notification, Post, PostKind, PostPhoto, PostStatus
from .search import AlertFrequency, SavedSearch, SavedSearchHit, SearchChange, SearchCursor, SynonymGroup
from .user import MembershipStatus, Role, User, UserTerritory, normalize_email

__all__ = [
    "AlertFrequency", "SavedSearch", "SavedSearchHit", "SearchChange", "SearchCursor", "SynonymGroup",
    "AuditLog", "Category", "CloseReason", "Company", "Match", "MatchOrigin", "MatchStatus", "MembershipStatus",
    "Notification", "Post", "PostKind",
    "PostPhoto", "PostStatus", "Role", "User", "UserTerritory", "normalize_email",
]
