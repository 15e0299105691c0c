"""factory_boy factories for the models; they flush into the test's session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from stdnum import luhn

from marketplace.extensions import db
from marketplace.models import (
    Category,
    Company,
    Match,
    MatchOrigin,
    MatchStatus,
    MembershipStatus,
    Post,
    PostKind,
    PostStatus,
    Role,
    User,
    UserTerritory,
)
from marketplace.models.types import utcnow
from marketplace.services.passwords import hash_password

TEST_PASSWORD = "correct horse battery staple"
_TEST_HASH = hash_password(TEST_PASSWORD)  # hashed once: Argon2 is slow on purpose


def make_siret(number: int) -> str:
    """A Luhn-valid SIRET, distinct for each number."""
    siren = f"9{number:07d}"
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 (the test fixture swaps the session)
        sqlalchemy_session_persistence = "flush"


class CompanyFactory(BaseFactory):
    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"Entreprise Test {n} SARL")
    siret = factory.Sequence(lambda n: make_siret(n + 1))
    siren = factory.LazyAttribute(lambda o: o.siret[:9])
    naf_code = "52.10B"
    address = factory.Sequence(lambda n: f"{n} rue de la République")
    postcode = "69007"
    city = "Lyon 7e Arrondissement"
    insee_code = "69387"
    latitude = 45.7456
    longitude = 4.8418
    departement = "69"
    region = "84"
    phone = "04 72 00 00 00"
    verified = True


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Personne {n}")
    password_hash = _TEST_HASH
    email_confirmed_at = factory.LazyFunction(utcnow)
    role = Role.MEMBER


class MemberFactory(UserFactory):
    company = factory.SubFactory(CompanyFactory)
    membership = MembershipStatus.ACTIVE


class PendingMemberFactory(MemberFactory):
    membership = MembershipStatus.PENDING


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR

    @factory.post_generation
    def departements(self, create, extracted, **kwargs):
        self.territories = [UserTerritory(departement=code) for code in (extracted or ["69"])]
        if create:
            db.session.flush()


class AdminFactory(UserFactory):
    role = Role.ADMIN


class PostFactory(BaseFactory):
    """A published offer of a new company in Lyon, visible in the catalogue."""

    class Meta:
        model = Post

    company = factory.SubFactory(CompanyFactory)
    kind = PostKind.OFFER
    category = Category.STORAGE
    title = factory.Sequence(lambda n: f"Entrepôt sec de 200 m² disponible n°{n}")
    description = "Entrepôt sec et sécurisé, quai de chargement, accès poids lourds, disponible en semaine."
    quantity = 200.0
    unit = "m²"
    postcode = factory.SelfAttribute("company.postcode")
    city = factory.SelfAttribute("company.city")
    insee_code = factory.SelfAttribute("company.insee_code")
    latitude = factory.SelfAttribute("company.latitude")
    longitude = factory.SelfAttribute("company.longitude")
    departement = factory.SelfAttribute("company.departement")
    region = factory.SelfAttribute("company.region")
    radius_km = None
    is_free = True
    status = PostStatus.PUBLISHED
    submitted_at = factory.LazyFunction(utcnow)
    published_at = factory.LazyFunction(utcnow)
    renewed_at = factory.LazyFunction(utcnow)
    moderated_at = factory.LazyFunction(utcnow)


class NeedFactory(PostFactory):
    kind = PostKind.NEED
    title = factory.Sequence(lambda n: f"Cherche chambre froide pour 10 jours n°{n}")
    radius_km = 30


class PendingPostFactory(PostFactory):
    status = PostStatus.PENDING
    published_at = None
    renewed_at = None
    moderated_at = None


class MatchFactory(BaseFactory):
    """A proposed suggestion between a published offer and a published need of two companies of Lyon."""

    class Meta:
        model = Match

    offer = factory.SubFactory(PostFactory)
    need = factory.SubFactory(NeedFactory, category=Category.STORAGE,
                              title=factory.Sequence(lambda n: f"Cherche entrepôt de 150 m² n°{n}"))
    score = 0.8
    reasons = factory.LazyFunction(lambda: [{"code": "same_category"}, {"code": "distance", "km": 0}])
    origin = MatchOrigin.SUGGESTED
    status = MatchStatus.PROPOSED


# --------------------------------------------------------------------------- open-businesses directory

from datetime import timedelta  # noqa: E402

from marketplace.models import CompanyOpening  # noqa: E402


class OpeningFactory(BaseFactory):
    """An open-businesses directory entry, listed for 30 days (a company of Lyon 7e)."""

    class Meta:
        model = CompanyOpening

    company = factory.SubFactory(CompanyFactory)
    is_open = True
    hours = "lun-ven 8h-12h"
    click_and_collect = True
    delivery = False
    appointments = False
    phone_orders = False
    note = ""
    valid_until = factory.LazyFunction(lambda: _directory_today() + timedelta(days=30))


def _directory_today():
    from marketplace.services.directory import today

    return today()
