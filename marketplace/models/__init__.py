"""The models, one module per aggregate. Import them from here."""

from .api_token import ApiToken, TokenScope
from .audit import AuditLog
from .company import Company, CompanySizeBand
from .match import (
    OPEN_STATUSES,
    IntroductionAnswer,
    Match,
    MatchMessage,
    MatchOrigin,
    MatchOutcome,
    MatchStatus,
    Outcome,
)
from .match_facts import MatchFacts
from .opening import CompanyOpening
from .post import Category, CloseReason, MailDelivery, Notification, Post, PostKind, PostPhoto, PostStatus
from .search import AlertFrequency, SavedSearch, SavedSearchHit, SearchChange, SearchCursor, SynonymGroup
from .user import MembershipStatus, NotificationFrequency, Role, User, UserTerritory, normalize_email

__all__ = [
    "ApiToken", "TokenScope",
    "AlertFrequency", "SavedSearch", "SavedSearchHit", "SearchChange", "SearchCursor", "SynonymGroup",
    "AuditLog", "Category", "CloseReason", "Company", "CompanyOpening", "CompanySizeBand", "IntroductionAnswer", "MailDelivery", "Match",
    "MatchFacts", "MatchMessage", "MatchOrigin", "MatchOutcome", "MatchStatus", "MembershipStatus", "Notification",
    "NotificationFrequency", "OPEN_STATUSES", "Outcome", "Post", "PostKind",
    "PostPhoto", "PostStatus", "Role", "User", "UserTerritory", "normalize_email",
]
