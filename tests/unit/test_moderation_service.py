"""services.moderation one rule at a time, and the moderation rules of services.posts (approve / reject)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import AuditLog, Notification, Post, PostStatus, UserTerritory
from marketplace.models.types import utcnow
from marketplace.services import moderation
from marketplace.services import posts as post_rules
from marketplace.services.moderation import AuditFilters, BulkRefused

from .. import factories


@pytest.fixture(autouse=True)
def english_messages(app):
    """The messages checked here are the English msgids, whatever the default language."""
    with force_locale("en"):
        yield


@pytest.fixture
def post_moderation(app, monkeypatch):
    monkeypatch.setitem(app.config, "POST_MODERATION", "post")


def corsican_company(**overrides):
    values = dict(departement="2A", postcode="20000", city="Ajaccio", insee_code="2A004", region="94",
                  latitude=41.9267, longitude=8.7369)
    values.update(overrides)
    return factories.CompanyFactory(**values)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def notification_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)))


def queue_ids(user, per_page: int = 50) -> list[int]:
    return [post.id for post in moderation.queue_page(user, None, per_page).items]


# --------------------------------------------------------------------------- standard replies


def test_there_are_six_standard_replies_with_distinct_codes():
    reasons = moderation.standard_reasons()

    assert len(reasons) == 6
    assert len({r.code for r in reasons}) == 6 and moderation.OTHER_REASON not in {r.code for r in reasons}
    assert all(str(r.label) and str(r.text) for r in reasons)


def test_a_standard_reply_is_its_text_in_the_given_language():
    assert moderation.rejection_reason("duplicate", None, "en") == "This post duplicates another post of your company."


def test_a_standard_reply_is_followed_by_the_written_details():
    assert moderation.rejection_reason("duplicate", "  Voir la  n°12 ", "en") == \
        "This post duplicates another post of your company. Voir la n°12"


def test_a_written_reason_alone_is_kept_with_its_spaces_collapsed():
    assert moderation.rejection_reason("other", " Trop\n vague ", "en") == "Trop vague"
    assert moderation.rejection_reason("", "Trop vague", "en") == "Trop vague"


@pytest.mark.parametrize("code, written", [("", ""), (None, None), ("other", "   "), ("", "\n\t")])
def test_no_reason_at_all_is_refused(code, written):
    with pytest.raises(DomainError, match="Give the reason"):
        moderation.rejection_reason(code, written, "en")


def test_an_unknown_code_is_refused():
    with pytest.raises(DomainError, match="standard replies"):
        moderation.rejection_reason("rude", "Texte", "en")


def test_a_reason_too_long_is_refused():
    with pytest.raises(DomainError, match="2000"):
        moderation.rejection_reason("other", "x" * (moderation.REASON_MAX + 1), "en")


def test_the_reader_is_the_author_when_he_belongs_to_the_company(app):
    company = factories.CompanyFactory()
    english = factories.MemberFactory(company=company, locale="en")

    assert moderation.reader_locale(factories.PendingPostFactory(company=company, author=english)) == "en"
    assert moderation.reader_locale(factories.PendingPostFactory(company=company)) == "fr"
    advisor = factories.ModeratorFactory(locale="en")
    assert moderation.reader_locale(factories.PendingPostFactory(company=company, author=advisor)) == "fr"


# --------------------------------------------------------------------------- what awaits review


def test_under_pre_moderation_only_pending_posts_await_review():
    assert moderation.is_awaiting_review(factories.PendingPostFactory())
    assert not moderation.is_awaiting_review(factories.PostFactory(moderated_at=None))
    assert not moderation.is_awaiting_review(factories.PostFactory(status=PostStatus.DRAFT))


def test_under_post_moderation_unreviewed_published_posts_await_review(post_moderation):
    assert moderation.is_awaiting_review(factories.PendingPostFactory())
    assert moderation.is_awaiting_review(factories.PostFactory(moderated_at=None))
    assert not moderation.is_awaiting_review(factories.PostFactory())
    assert not moderation.is_awaiting_review(factories.PostFactory(status=PostStatus.EXPIRED, moderated_at=None))


def test_the_sql_and_python_views_of_awaiting_review_agree(post_moderation):
    posts = [factories.PendingPostFactory(), factories.PostFactory(moderated_at=None), factories.PostFactory(),
             factories.PostFactory(status=PostStatus.REJECTED, moderated_at=None)]
    in_sql = set(db.session.scalars(sa.select(Post.id).where(moderation.awaiting_review_condition())))

    assert in_sql == {p.id for p in posts if moderation.is_awaiting_review(p)}


# --------------------------------------------------------------------------- the queue


def test_the_queue_follows_the_companys_departement():
    lyon = factories.PendingPostFactory()
    ajaccio = factories.PendingPostFactory(company=corsican_company())
    lyon_company_post_in_corsica = factories.PendingPostFactory(departement="2A")

    assert set(queue_ids(factories.ModeratorFactory(departements=["69"]))) == {lyon.id,
                                                                                lyon_company_post_in_corsica.id}
    assert queue_ids(factories.ModeratorFactory(departements=["2A"])) == [ajaccio.id]
    assert set(queue_ids(factories.ModeratorFactory(departements=["69", "2A"]))) == {
        lyon.id, ajaccio.id, lyon_company_post_in_corsica.id}


def test_an_administrator_without_territory_has_the_whole_queue_and_one_with_a_territory_only_it():
    lyon, ajaccio = factories.PendingPostFactory(), factories.PendingPostFactory(company=corsican_company())
    admin = factories.AdminFactory()

    assert set(queue_ids(admin)) == {lyon.id, ajaccio.id}
    admin.territories = [UserTerritory(departement="2A")]
    db.session.flush()
    assert queue_ids(admin) == [ajaccio.id]


def test_a_member_has_no_queue():
    factories.PendingPostFactory()

    assert queue_ids(factories.MemberFactory()) == []


def test_the_queue_is_oldest_submitted_first():
    now = utcnow()
    posts = [factories.PendingPostFactory(submitted_at=now - timedelta(days=d)) for d in (1, 9, 4)]

    assert queue_ids(factories.ModeratorFactory()) == [posts[1].id, posts[2].id, posts[0].id]


def test_the_queue_pages():
    moderator = factories.ModeratorFactory()
    for _ in range(5):
        factories.PendingPostFactory()

    page = moderation.queue_page(moderator, 3, 2)
    assert (page.total, page.pages, page.number, len(page.items)) == (5, 3, 3, 1)
    past = moderation.queue_page(moderator, 9, 2)
    assert past.number == 3 and past.out_of_range


# --------------------------------------------------------------------------- bulk decisions


def test_bulk_approve_approves_every_post():
    moderator = factories.ModeratorFactory()
    posts = [factories.PendingPostFactory() for _ in range(3)]

    done = moderation.bulk_approve(moderator, [p.id for p in posts])

    assert done == posts
    assert all(p.status is PostStatus.PUBLISHED and p.moderated_by is moderator for p in posts)
    assert audit_actions() == ["post.approve"] * 3


def test_bulk_refuses_before_changing_anything():
    moderator = factories.ModeratorFactory()
    mine = factories.PendingPostFactory()
    factories.MemberFactory(company=mine.company)
    theirs = factories.PendingPostFactory(company=corsican_company())

    with pytest.raises(BulkRefused, match=f"#{theirs.id} is outside your territory"):
        moderation.bulk_approve(moderator, [mine.id, theirs.id])
    assert mine.status is PostStatus.PENDING and theirs.status is PostStatus.PENDING
    assert audit_actions() == [] and notification_count() == 0


def test_bulk_lists_every_problem():
    moderator = factories.ModeratorFactory()
    published = factories.PostFactory(title="Déjà en ligne")
    theirs = factories.PendingPostFactory(company=corsican_company())

    with pytest.raises(BulkRefused) as refused:
        moderation.bulk_approve(moderator, [published.id, theirs.id, 2_000_000_000])
    message = str(refused.value.message)
    assert "“Déjà en ligne”" in message and f"#{theirs.id}" in message and "#2000000000 does not exist" in message


def test_bulk_reject_checks_the_reason_before_changing_anything():
    moderator = factories.ModeratorFactory()
    post = factories.PendingPostFactory()

    with pytest.raises(DomainError, match="Give the reason"):
        moderation.bulk_reject(moderator, [post.id], "", "")
    assert post.status is PostStatus.PENDING and audit_actions() == []


def test_bulk_reject_gives_each_post_the_reason_in_its_readers_language():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory()
    english = factories.PendingPostFactory(company=company, author=factories.MemberFactory(company=company,
                                                                                           locale="en"))
    default = factories.PendingPostFactory(company=company)

    moderation.bulk_reject(moderator, [english.id, default.id], "duplicate", None)

    assert english.rejection_reason == moderation.rejection_reason("duplicate", None, "en")
    assert default.rejection_reason == moderation.rejection_reason("duplicate", None, "fr")
    assert english.status is PostStatus.REJECTED and default.status is PostStatus.REJECTED


def test_bulk_needs_a_selection_of_reasonable_size():
    moderator = factories.ModeratorFactory()
    with pytest.raises(DomainError, match="at least one"):
        moderation.bulk_approve(moderator, [])
    with pytest.raises(DomainError, match="at most"):
        moderation.bulk_approve(moderator, list(range(1, moderation.BULK_MAX + 2)))


def test_bulk_ignores_duplicates_in_the_selection():
    moderator = factories.ModeratorFactory()
    post = factories.PendingPostFactory()

    assert moderation.bulk_approve(moderator, [post.id, post.id]) == [post]
    assert audit_actions() == ["post.approve"]


# --------------------------------------------------------------------------- companies


def test_company_for_checks_existence_then_territory():
    moderator = factories.ModeratorFactory()
    with pytest.raises(NotFound):
        moderation.company_for(moderator, 2_000_000_000)
    with pytest.raises(Forbidden):
        moderation.company_for(moderator, corsican_company().id)
    company = factories.CompanyFactory()
    assert moderation.company_for(moderator, company.id) is company


@pytest.mark.parametrize("action", [
    lambda m, c: moderation.verify_company(m, c), lambda m, c: moderation.unverify_company(m, c),
    lambda m, c: moderation.report_company(m, c, "Note"), lambda m, c: moderation.suspend_company(m, c, "Abus"),
    lambda m, c: moderation.lift_suspension(m, c)])
def test_every_company_action_is_for_the_moderators_of_its_territory(action):
    company = corsican_company()
    for outsider in (factories.ModeratorFactory(departements=["69"]), factories.MemberFactory(company=company)):
        with pytest.raises(Forbidden):
            action(outsider, company)
    assert audit_actions() == []


def test_verify_and_unverify_are_audited_and_not_repeated():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory(verified=False)

    moderation.verify_company(moderator, company)
    assert company.verified
    with pytest.raises(DomainError, match="already verified"):
        moderation.verify_company(moderator, company)
    moderation.unverify_company(moderator, company)
    assert not company.verified
    with pytest.raises(DomainError, match="not verified"):
        moderation.unverify_company(moderator, company)
    assert audit_actions() == ["company.verify", "company.unverify"]


def test_a_report_is_an_audit_row_with_the_text_as_reason():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory()

    row = moderation.report_company(moderator, company, "  Relance client abusive.\nÀ surveiller. ")

    assert (row.action, row.reason, row.target_type, row.target_id, row.actor) == (
        "company.report", "Relance client abusive.\nÀ surveiller.", "company", company.id, moderator)


@pytest.mark.parametrize("text", ["", "   ", None, "x" * (moderation.REPORT_MAX + 1)])
def test_a_report_needs_a_text_of_reasonable_length(text):
    with pytest.raises(DomainError):
        moderation.report_company(factories.ModeratorFactory(), factories.CompanyFactory(), text)


def test_suspending_hides_the_posts_and_tells_the_active_members(outbox):
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory()
    active = factories.MemberFactory(company=company)
    factories.PendingMemberFactory(company=company)
    post = factories.PostFactory(company=company)
    assert post_rules.is_visible(post)

    moderation.suspend_company(moderator, company, " Abus répétés ")

    assert company.is_suspended and company.suspension_reason == "Abus répétés"
    assert not post_rules.is_visible(post)
    assert post.id not in set(db.session.scalars(sa.select(Post.id).where(post_rules.visible_condition())))
    assert audit_actions() == ["company.suspend"]
    notes = db.session.scalars(sa.select(Notification)).all()
    assert [n.user_id for n in notes] == [active.id] and "Abus répétés" in notes[0].message


@pytest.mark.parametrize("reason", ["", "  ", None, "x" * (moderation.REASON_MAX + 1)])
def test_a_suspension_needs_a_reason(reason):
    company = factories.CompanyFactory()
    with pytest.raises(DomainError):
        moderation.suspend_company(factories.ModeratorFactory(), company, reason)
    assert not company.is_suspended


def test_a_suspended_company_cannot_be_suspended_again_and_lifting_needs_a_suspension():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory()
    with pytest.raises(DomainError, match="not suspended"):
        moderation.lift_suspension(moderator, company)
    moderation.suspend_company(moderator, company, "Abus")
    with pytest.raises(DomainError, match="already suspended"):
        moderation.suspend_company(moderator, company, "Encore")


def test_lifting_the_suspension_shows_the_posts_again():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory(suspended_at=utcnow(), suspension_reason="Abus")
    factories.MemberFactory(company=company)
    post = factories.PostFactory(company=company)

    moderation.lift_suspension(moderator, company, "  Réglé  ")

    assert not company.is_suspended and company.suspension_reason is None and post_rules.is_visible(post)
    [row] = db.session.scalars(sa.select(AuditLog)).all()
    assert (row.action, row.reason) == ("company.lift_suspension", "Réglé")
    assert notification_count() == 1


def test_the_company_file_gathers_posts_reports_and_history():
    moderator = factories.ModeratorFactory()
    company = factories.CompanyFactory()
    waiting, published = factories.PendingPostFactory(company=company), factories.PostFactory(company=company)
    someone_else = factories.PendingPostFactory()
    post_rules.approve(moderator, waiting)
    post_rules.approve(moderator, someone_else)
    moderation.report_company(moderator, company, "Note")
    moderation.verify_company(moderator, factories.CompanyFactory(verified=False))

    file = moderation.company_file(moderator, company.id)

    assert file.company is company
    [(status, posts)] = file.posts_by_status
    assert status is PostStatus.PUBLISHED and set(posts) == {published, waiting}
    assert [r.action for r in file.reports] == ["company.report"]
    assert sorted(r.action for r in file.history) == ["company.report", "post.approve"]
    assert all(r.target_id in (company.id, waiting.id) for r in file.history)


# --------------------------------------------------------------------------- the audit log


def _entry(action="post.approve", actor="moderateur@cci.example", target_type="post", when=None):
    entry = AuditLog(actor_label=actor, action=action, target_type=target_type, target_id=1, details={},
                     created_at=when or utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


def audit_ids(filters: AuditFilters) -> list[int]:
    return [e.id for e in moderation.audit_page(filters, None, 100).items]


def test_the_audit_log_is_newest_first():
    now = utcnow()
    old, new = _entry(when=now - timedelta(days=2)), _entry(when=now)

    assert audit_ids(AuditFilters()) == [new.id, old.id]


def test_the_audit_log_filters_by_part_of_the_actor_email():
    alice, bob = _entry(actor="alice@cci-lyon.example"), _entry(actor="bob@cci-corse.example")

    assert audit_ids(AuditFilters(actor="CCI-LYON")) == [alice.id]
    assert audit_ids(AuditFilters(actor="@cci")) == [bob.id, alice.id]
    assert audit_ids(AuditFilters(actor="%")) == [] and audit_ids(AuditFilters(actor="_")) == []


def test_the_audit_log_filters_by_action_and_target_type():
    approve, suspend = _entry("post.approve"), _entry("company.suspend", target_type="company")

    assert audit_ids(AuditFilters(action="company.suspend")) == [suspend.id]
    assert audit_ids(AuditFilters(target_type="post")) == [approve.id]
    assert audit_ids(AuditFilters(action="post.approve", target_type="company")) == []
    assert moderation.audit_actions() == ["company.suspend", "post.approve"]
    assert moderation.audit_target_types() == ["company", "post"]


def test_the_audit_log_days_are_those_of_the_sites_time_zone():
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
    late = _entry(when=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
    early = _entry(when=datetime(2026, 3, 1, 22, 30, tzinfo=timezone.utc))  # 23:30 on 1 March in Paris

    assert audit_ids(AuditFilters(date_from=date(2026, 3, 2))) == [late.id]
    assert audit_ids(AuditFilters(date_to=date(2026, 3, 1))) == [early.id]
    assert audit_ids(AuditFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 2))) == [late.id, early.id]


def test_the_audit_log_accepts_the_ends_of_the_calendar():
    entry = _entry()

    assert audit_ids(AuditFilters(date_from=date(1, 1, 1), date_to=date(9999, 12, 31))) == [entry.id]
    assert audit_ids(AuditFilters(date_from=date(9999, 12, 31))) == []
    assert audit_ids(AuditFilters(date_to=date(1, 1, 1))) == []


def test_labels_of_known_and_unknown_actions():
    with force_locale("en"):
        assert moderation.action_label("post.approve") == "Post approved"
        assert moderation.target_label("company") == "Company"
    assert moderation.action_label("something.new") == "something.new"
    assert moderation.target_label(None) == ""


# --------------------------------------------------------------------------- services.posts: approve / reject


def test_approve_publishes_a_pending_post():
    moderator = factories.ModeratorFactory()
    post = factories.PendingPostFactory()

    post_rules.approve(moderator, post)

    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_by is moderator and post.moderated_at is not None
    assert post.published_at is not None and post.renewed_at is not None
    assert audit_actions() == ["post.approve"]


def test_approve_under_post_moderation_only_marks_the_post_reviewed(post_moderation):
    moderator = factories.ModeratorFactory()
    published_at = utcnow() - timedelta(days=3)
    post = factories.PostFactory(moderated_at=None, published_at=published_at, renewed_at=published_at)

    post_rules.approve(moderator, post)

    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_by is moderator and post.moderated_at is not None
    assert post.published_at == published_at and post.renewed_at == published_at


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.CLOSED, PostStatus.EXPIRED, PostStatus.REJECTED])
def test_approve_refuses_a_post_that_is_not_waiting(status):
    post = factories.PostFactory(status=status, moderated_at=None)

    with pytest.raises(post_rules.InvalidTransition):
        post_rules.approve(factories.ModeratorFactory(), post)
    assert post.status is status and audit_actions() == []


def test_approve_refuses_a_published_post_already_reviewed():
    post = factories.PostFactory()
    with pytest.raises(post_rules.InvalidTransition):
        post_rules.approve(factories.ModeratorFactory(), post)


def test_approve_and_reject_are_for_the_moderators_of_the_companys_territory():
    post = factories.PendingPostFactory(company=corsican_company())
    for outsider in (factories.ModeratorFactory(departements=["69"]), factories.MemberFactory(company=post.company)):
        with pytest.raises(Forbidden):
            post_rules.approve(outsider, post)
        with pytest.raises(Forbidden):
            post_rules.reject(outsider, post, "Non")
    assert post.status is PostStatus.PENDING


def test_reject_records_the_reason_and_the_moderator():
    moderator = factories.ModeratorFactory()
    post = factories.PendingPostFactory()

    post_rules.reject(moderator, post, "  Doublon   de la n°12 ")

    assert post.status is PostStatus.REJECTED and post.rejection_reason == "Doublon de la n°12"
    assert post.moderated_by is moderator
    [row] = db.session.scalars(sa.select(AuditLog)).all()
    assert (row.action, row.reason) == ("post.reject", "Doublon de la n°12")


def test_reject_needs_a_reason():
    post = factories.PendingPostFactory()
    with pytest.raises(post_rules.InvalidPost):
        post_rules.reject(factories.ModeratorFactory(), post, "  ")
    assert post.status is PostStatus.PENDING


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.CLOSED, PostStatus.REJECTED])
def test_reject_refuses_a_post_that_is_not_pending_or_published(status):
    post = factories.PostFactory(status=status)
    with pytest.raises(post_rules.InvalidTransition):
        post_rules.reject(factories.ModeratorFactory(), post, "Doublon")


def test_reviewing_a_post_already_online_does_not_tell_its_owner_again(post_moderation, outbox):
    company = factories.CompanyFactory()
    factories.MemberFactory(company=company)
    post = factories.PostFactory(company=company, moderated_at=None)

    post_rules.approve(factories.ModeratorFactory(), post)
    db.session.commit()

    assert notification_count() == 0 and outbox == []
    assert audit_actions() == ["post.approve"]


def test_the_targets_of_audit_rows_are_named_in_one_query(count_queries):
    post = factories.PostFactory(title="Palettes à donner")
    rows = [_entry(target_type="post"), _entry("company.verify", target_type="company"),
            _entry("user.create_moderator", target_type="user")]
    rows[0].target_id, rows[1].target_id = post.id, post.company_id
    db.session.flush()

    with count_queries() as queries:
        titles, names = moderation.target_names(rows)

    assert titles == {post.id: "Palettes à donner"} and names == {post.company_id: post.company.legal_name}
    assert len(queries) == 1
    assert moderation.target_names([]) == ({}, {})
