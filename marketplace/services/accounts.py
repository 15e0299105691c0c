"""Accounts: registration, confirmation, login, password reset, membership, deletion."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import AuditLog, Company, MembershipStatus, Role, User, UserTerritory, normalize_email
from ..models.types import utcnow
from .. import permissions
from . import audit, companies, geo, mail, notifications, passwords, tokens

CONFIRM = "confirm-email"
RESET = "reset-password"


class EmailTaken(DomainError):
    pass


class InvalidEmail(DomainError):
    pass


class WeakPassword(DomainError):
    pass


class InvalidCredentials(DomainError):
    pass


class EmailNotConfirmed(DomainError):
    pass


@dataclass
class Registration:
    email: str
    password: str
    full_name: str
    company: companies.CompanyDetails


def check_password_strength(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise WeakPassword(_l("Your password must have at least %(min)d characters.", min=minimum))
    if len(password) > 256:
        raise WeakPassword(_l("Your password must have at most 256 characters."))


def valid_email(raw: str) -> str:
    """The normalized address, or a clear error (syntax only: no network look-up)."""
    try:
        return normalize_email(validate_email(raw or "", check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidEmail(_l("Enter a valid email address, such as name@company.fr.")) from exc


def _departement_code(raw: str) -> str:
    code = (raw or "").strip().upper()
    if geo.departement_name(code) is None:
        raise DomainError(_l("Unknown département: %(code)s.", code=raw))
    return code


def register(data: Registration) -> User:
    """Create the account; join the company of the same SIREN as a pending member, or create it."""
    email = valid_email(data.email)
    if User.by_email(email) is not None:
        raise EmailTaken(_l("An account already exists for this email address. Log in or reset your password."))
    check_password_strength(data.password)
    siret = companies.normalize_siret(data.company.siret)
    company = Company.by_siren(siret[:9])
    # An existing company is joined on approval: by a member, or by a CCI moderator when it has none (entered by
    # the CCI, imported, or left by everyone) — a public SIRET must not be enough to speak for a company.
    status = MembershipStatus.PENDING if company else MembershipStatus.ACTIVE
    if company is None:
        company = companies.create_company(data.company)
    user = User(email=email, full_name=_name(data.full_name), password_hash=passwords.hash_password(data.password),
                role=Role.MEMBER, company=company, membership=status, locale=_current_locale())
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    if status is MembershipStatus.PENDING:
        _tell_members_of_request(company, user)
    return user


def _name(full_name: str) -> str:
    cleaned = " ".join((full_name or "").split())
    if not cleaned or len(cleaned) > 120:
        raise DomainError(_l("Enter your name (120 characters at most)."))
    return cleaned


def _current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def set_locale(user: User, locale: str) -> None:
    """Remember the language a person chose, for the mails sent to them later."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale


def send_confirmation(user: User) -> None:
    token = tokens.make_token(CONFIRM, {"user": user.id, "email": user.email})
    link = url_for("auth.confirm_email", token=token, _external=True)
    mail.send_after_commit(user.email, _l("Confirm your email address"), "confirm_email",
                           locale=user.locale, user=user, link=link)


def _tell_members_of_request(company: Company, newcomer: User) -> None:
    """The company's members answer the request; without any, the moderators of its territory do."""
    if not company.active_members:
        _tell_moderators_of_request(company, newcomer)
        return
    link = url_for("account.members", _external=True)
    for member in company.active_members:
        mail.send_after_commit(member.email, _l("A colleague asks to join your company"), "member_request",
                               locale=member.locale, member=member, newcomer=newcomer, company=company, link=link)


def _tell_moderators_of_request(company: Company, newcomer: User) -> None:
    link = url_for("moderation.company", company_id=company.id)
    moderators = db.session.scalars(db.select(User).join(User.territories).where(
        User.role.in_([Role.MODERATOR, Role.ADMIN]), UserTerritory.departement == company.departement)).all()
    for moderator in moderators:
        notifications.notify(moderator, _l("%(name)s asks to join %(company)s, which has no member yet.",
                                           name=newcomer.full_name, company=company.legal_name),
                             link=link, mail_template="member_request_staff",
                             mail_subject=_l("A membership request needs your answer"),
                             kind="member_request", newcomer=newcomer, company=company)


def confirm_email(token: str) -> User:
    payload = tokens.read_token(CONFIRM, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email"):
        raise tokens.InvalidToken(_l("This link is invalid or has already been used."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; the same message whether the email or the password is wrong."""
    user = User.by_email(email or "")
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password or "")  # same time as a known email
        raise InvalidCredentials(_l("Wrong email address or password."))
    if not passwords.verify_password(user.password_hash, password or ""):
        raise InvalidCredentials(_l("Wrong email address or password."))
    if not user.is_confirmed:
        raise EmailNotConfirmed(_l("Confirm your email address first: we sent you a link. You can ask for a new one."))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account enumeration)."""
    user = User.by_email(email or "")
    if user is None:
        return
    token = tokens.make_token(RESET, {"user": user.id, "fingerprint": _fingerprint(user)})
    link = url_for("auth.reset_password", token=token, _external=True)
    mail.send_after_commit(user.email, _l("Reset your password"), "reset_password",
                           locale=user.locale, user=user, link=link)


def _fingerprint(user: User) -> str:
    """Part of the current hash: the link stops working once the password has changed."""
    return user.password_hash[-16:]


def user_for_reset_token(token: str) -> User:
    payload = tokens.read_token(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if user is None or payload.get("fingerprint") != _fingerprint(user):
        raise tokens.InvalidToken(_l("This link is invalid or has already been used."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link came to this address: it is confirmed
    return user


def set_password(user: User, new_password: str) -> None:
    check_password_strength(new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise InvalidCredentials(_l("Your current password is wrong."))
    set_password(user, new_password)


def update_profile(user: User, full_name: str) -> None:
    user.full_name = _name(full_name)


def accept_member(actor: User, member_id: int) -> User:
    member = _pending_member_of(actor, member_id)
    member.membership = MembershipStatus.ACTIVE
    _audit_staff_decision(actor, "company.accept_member", member)
    mail.send_after_commit(member.email, _l("You have joined %(company)s", company=member.company.legal_name),
                           "member_accepted", locale=member.locale, member=member)
    return member


def refuse_member(actor: User, member_id: int) -> None:
    """Refusing a request deletes the account that asked: it belongs to no company."""
    member = _pending_member_of(actor, member_id)
    _audit_staff_decision(actor, "company.refuse_member", member)
    mail.send_after_commit(member.email, _l("Your request to join %(company)s was declined",
                                            company=member.company.legal_name),
                           "member_refused", locale=member.locale, member=member)
    _delete_user(member)


def _audit_staff_decision(actor: User, action: str, member: User) -> None:
    """A moderator answering a membership request acts for the CCI: it goes to the audit log."""
    if permissions.is_staff(actor):
        audit.record(actor, action, member.company, member=member.email)


def _pending_member_of(actor: User, member_id: int) -> User:
    member = db.session.get(User, member_id)
    if member is None or not member.is_pending_member:
        raise NotFound(_l("This membership request does not exist or has already been answered."))
    if permissions.can_moderate_company(actor, member.company):
        return member
    if member.company_id != actor.company_id:
        raise NotFound(_l("This membership request does not exist or has already been answered."))
    if not permissions.can_manage_members(actor, member.company):
        raise Forbidden(_l("Only an active member of the company can answer this request."))
    return member


def delete_account(user: User, password: str) -> None:
    """Remove the person's data (the account row; audit entries keep only the email label).

    The company stays: it is business data that other members, posts and figures refer to."""
    if not passwords.verify_password(user.password_hash, password or ""):
        raise InvalidCredentials(_l("Your password is wrong: the account was not deleted."))
    _delete_user(user)


def _delete_user(user: User) -> None:
    """Audit entries keep the label but lose the link: SQLite ignores the foreign key's ON DELETE SET NULL
    and would reuse the id for the next account."""
    db.session.execute(update(AuditLog).where(AuditLog.actor_id == user.id).values(actor_id=None))
    db.session.delete(user)
    db.session.flush()


def create_staff(email: str, password: str, full_name: str, role: Role, departements: list[str],
                 actor: User | None = None) -> User:
    """A moderator or administrator, confirmed at once (created by an administrator or the command line)."""
    email = valid_email(email)
    if User.by_email(email) is not None:
        raise EmailTaken(_l("An account already exists for this email address."))
    check_password_strength(password)
    codes = sorted({_departement_code(code) for code in departements})
    user = User(email=email, full_name=_name(full_name), password_hash=passwords.hash_password(password),
                role=role, email_confirmed_at=utcnow())
    user.territories = [UserTerritory(departement=code) for code in codes]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, f"user.create_{role.value}", user, departements=user.departements)
    return user
