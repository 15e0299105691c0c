"""Demo data written for this project: fictitious companies across France, with their people.

Names, SIRETs and emails are invented (SIRETs are Luhn-valid but made up, emails use example.org)."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import NamedTuple

from flask import current_app
from stdnum import luhn

from .extensions import db
from .models import Company, CompanySizeBand, MembershipStatus, PostStatus, Role, User
from .models.types import utcnow
from .services import accounts, passwords
from .services.companies import CompanyDetails, create_company

MEMBER_EMAIL = "entreprise@example.org"
MODERATOR_EMAIL = "moderateur@example.org"
ADMIN_EMAIL = "admin@example.org"
MODERATOR_DEPARTEMENTS = ["01", "38", "42", "69"]

# legal name, NAF, street, postcode, city, phone, contact person
COMPANIES = [
    ("Frigotrans Rhône SAS", "49.41A", "12 rue de Gerland", "69007", "Lyon", "04 72 00 11 22", "Nadia Benali"),
    ("Boulangerie du Vieux Quartier", "10.71C", "3 rue Saint-Jean", "69005", "Lyon", "04 78 10 20 30", "Paul Girard"),
    ("Entrepôts de la Plaine SARL", "52.10B", "140 avenue du Président Wilson", "93210", "Saint-Denis",
     "01 48 20 30 40", "Sophie Marchand"),
    ("Atelier Métallurgique des Flandres", "25.62B", "8 rue de l'Industrie", "59000", "Lille", "03 20 11 22 33",
     "Julien Vandamme"),
    ("Conserverie de l'Aven", "10.20Z", "2 quai Théodore Botrel", "29930", "Pont-Aven", "02 98 06 07 08",
     "Maëlle Le Goff"),
    ("Garage Solidaire de l'Erdre", "45.20A", "45 boulevard des Poilus", "44300", "Nantes", "02 40 50 60 70",
     "Karim Haddad"),
    ("Imprimerie Garonne Offset", "18.12Z", "27 chemin de la Flambère", "31300", "Toulouse", "05 61 42 43 44",
     "Claire Fabre"),
    ("Brasserie du Vieux-Port", "56.10A", "18 quai de Rive-Neuve", "13007", "Marseille", "04 91 33 44 55",
     "Marco Santini"),
    ("Vignobles des Coteaux de l'Est", "01.21Z", "Lieu-dit La Gaffelière", "33330", "Saint-Émilion",
     "05 57 24 25 26", "Hélène Dupuy"),
    ("Menuiserie des Hautes-Vosges", "16.23Z", "5 rue des Scieries", "88000", "Épinal", "03 29 64 65 66",
     "Thomas Kieffer"),
    ("Pharmacie du Morvan", "47.73Z", "31 rue de la Liberté", "21000", "Dijon", "03 80 30 31 32", "Anne Roussel"),
    ("Loire Ingénierie Conseil", "71.12B", "9 rue Jeanne d'Arc", "45000", "Orléans", "02 38 53 54 55",
     "Vincent Morel"),
    ("Tissages de la Seine", "13.92Z", "77 quai du Havre", "76000", "Rouen", "02 35 70 71 72", "Élodie Lefebvre"),
    ("Cabinet Comptable Lafayette", "69.20Z", "52 rue La Fayette", "75009", "Paris", "01 42 80 81 82",
     "Philippe Nguyen"),
    ("Hôtel du Lac d'Annecy", "55.10Z", "11 avenue d'Albigny", "74000", "Annecy", "04 50 45 46 47",
     "Isabelle Perrin"),
    ("Azur Propreté Services", "81.21Z", "200 boulevard de la Madeleine", "06000", "Nice", "04 93 80 81 82",
     "Yasmine Cherif"),
    ("Occitanie Logiciels Libres", "62.01Z", "1 place de la Comédie", "34000", "Montpellier", "04 67 60 61 62",
     "Lucas Bernard"),
    ("Plasturgie du Jura", "22.29A", "14 rue des Arènes", "39100", "Dole", "03 84 72 73 74", "Marion Jacquet"),
    ("Bâtir Réunion Construction", "41.20A", "8 rue Juliette Dodu", "97400", "Saint-Denis", "02 62 21 22 23",
     "Jean-Marc Payet"),
    ("Coopérative des Grains de Beauce", "46.21Z", "Route de Sours", "28000", "Chartres", "02 37 21 22 23",
     "Bernard Lhermitte"),
    ("Alsace Intérim Industrie", "78.20Z", "4 place Kléber", "67000", "Strasbourg", "03 88 32 33 34",
     "Céline Muller"),
    ("Centre de Formation Bretagne Métiers", "85.59A", "20 boulevard de la Liberté", "35000", "Rennes",
     "02 99 78 79 80", "Gaëlle Rivoal"),
    ("Salaisons du Cortenais", "10.13B", "Route de Calvi", "20250", "Corte", "04 95 46 47 48", "Pierre-Paul Santoni"),
    ("Recyclage Lyonnais Environnement", "38.11Z", "66 rue du Dauphiné", "69100", "Villeurbanne", "04 78 85 86 87",
     "Fatou Diallo"),
    ("Soleil de Provence Énergie", "35.11Z", "2 avenue de Stalingrad", "13200", "Arles", "04 90 96 97 98",
     "Rémi Giraud"),
    ("Courtage Assurances Rhodaniennes", "66.22Z", "5 quai Jules Courmont", "69002", "Lyon", "04 72 41 42 43",
     "Laure Chevalier"),
    ("Foncière des Docks", "68.20B", "30 rue Garibaldi", "69003", "Lyon", "04 78 62 63 64", "Antoine Mercier"),
    ("Aide à Domicile Val de Saône", "88.10A", "7 rue Gambetta", "01000", "Bourg-en-Bresse", "04 74 22 23 24",
     "Chantal Bouvier"),
    ("Compagnie du Théâtre Itinérant", "90.01Z", "15 rue de la République", "38000", "Grenoble", "04 76 46 47 48",
     "Simon Arnaud"),
    ("Réparation Informatique Stéphanoise", "95.11Z", "22 rue Michelet", "42000", "Saint-Étienne",
     "04 77 32 33 34", "Nicolas Faure"),
]


def fake_siret(seed: str) -> str:
    """A made-up but Luhn-valid SIRET derived from a name, stable from one run to the next."""
    digits = "".join(str(b % 10) for b in hashlib.sha256(seed.encode()).digest()[:12])
    siren = "8" + digits[:7]
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _person_email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ascii_name.replace(" ", ".").replace("'", "") + "@example.org"


# Sizes of the demo companies, in turn (None: not given, shown as "unknown" on the dashboard).
DEMO_SIZE_BANDS = ("1-9", "0", "10-49", "1-9", "50-249", None, "1-9", "10-49", "250+")


class DemoSummary(NamedTuple):
    companies: int
    posts: Counter[PostStatus]


def load_demo() -> DemoSummary:
    from .demo_posts import load_demo_posts

    password_hash = passwords.hash_password(current_app.config["DEMO_PASSWORD"])
    companies = []
    for index, (name, naf_code, street, postcode, city, phone, person) in enumerate(COMPANIES):
        company = create_company(CompanyDetails(name, fake_siret(name), naf_code, street, postcode, city, phone))
        company.verified = index % 3 != 2
        size = DEMO_SIZE_BANDS[index % len(DEMO_SIZE_BANDS)]
        company.size_band = CompanySizeBand(size) if size else None
        email = MEMBER_EMAIL if index == 0 else _person_email(person)
        _add_member(company, person, email, password_hash, MembershipStatus.ACTIVE)
        companies.append(company)
    _add_member(companies[0], "Hugo Lambert", "hugo.lambert@example.org", password_hash, MembershipStatus.PENDING)
    _add_openings(companies)
    moderator, admin = _add_staff()
    return DemoSummary(len(COMPANIES), load_demo_posts(companies, moderator, admin))


# The open-businesses directory: (company index, hours, services, note, days of validity from today)
DEMO_OPENINGS = [
    (1, "mar-sam 7h-13h, dim 7h-12h", ("click_and_collect", "phone_orders"),
     "Commandez la veille avant 18h, retrait au comptoir.", 30),
    (7, "lun-ven 11h30-14h", ("delivery", "click_and_collect"), "Plats à emporter et livraison dans le 7e.", 21),
    (10, "lun-sam 9h-19h", ("phone_orders", "delivery"), "Livraison à domicile pour les personnes fragiles.", 45),
    (5, "lun-ven 8h-12h", ("appointments",), "Réparations urgentes sur rendez-vous uniquement.", 14),
    (0, "lun-ven 6h-20h", ("delivery",), "Transport frigorifique disponible pour les commerces de bouche.", 60),
]


def _add_openings(companies: list[Company]) -> None:
    from datetime import timedelta

    from .models import CompanyOpening
    from .services.directory import today

    for index, hours, services, note, days in DEMO_OPENINGS:
        if index < len(companies):
            db.session.add(CompanyOpening(company=companies[index], hours=hours, note=note,
                                          valid_until=today() + timedelta(days=days),
                                          **{service: True for service in services}))


def _add_member(company: Company, name: str, email: str, password_hash: str, status: MembershipStatus) -> None:
    db.session.add(User(email=email, full_name=name, password_hash=password_hash, role=Role.MEMBER,
                        company=company, membership=status, email_confirmed_at=utcnow()))


def _add_staff() -> tuple[User, User]:
    password = current_app.config["DEMO_PASSWORD"]
    moderator = accounts.create_staff(MODERATOR_EMAIL, password, "Mathilde Roche (CCI Lyon Métropole)",
                                      Role.MODERATOR, MODERATOR_DEPARTEMENTS)
    admin = accounts.create_staff(ADMIN_EMAIL, password, "Étienne Blanc (CCI France)", Role.ADMIN, [])
    return moderator, admin


def demo_accounts() -> list[tuple[str, str]]:
    return [("Company member (Frigotrans)", MEMBER_EMAIL), ("Moderator (01, 38, 42, 69)", MODERATOR_EMAIL),
            ("Administrator", ADMIN_EMAIL)]


# --------------------------------------------------------------------------- what people did with the suggestions

DEMO_MESSAGE = "Bonjour, votre annonce nous intéresse : pouvons-nous en parler cette semaine ?"


def add_match_history() -> int:
    """Take the three best suggestions further, through the services as people would, so that the match pages and
    the dashboard show each stage: the best is approved, introduced and concluded (with the quantity exchanged),
    the second introduced with a first message, the third approved and waiting for the companies' answers.
    Returns how many matches were taken further; the caller commits."""
    import sqlalchemy as sa

    from .models import Match, MatchStatus
    from .services import match_review

    staff = db.session.scalar(sa.select(User).where(User.email == MODERATOR_EMAIL))
    proposed = db.session.scalars(sa.select(Match).where(Match.status == MatchStatus.PROPOSED)
                                  .order_by(Match.score.desc(), Match.id).limit(3)).all()
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
    for match, stage in zip(proposed, ("concluded", "introduced", "approved")):
        match_review.approve(admin if admin is not None else staff, match)
        if stage != "approved":
            _both_accept(match)
        if stage == "introduced":
            from .services import introductions

            introductions.post_message(_member_of(match.need), match, DEMO_MESSAGE)
        if stage == "concluded":
            _conclude(match)
    db.session.flush()
    return len(proposed)


def _member_of(post) -> User:
    return post.company.active_members[0]


def _both_accept(match) -> None:
    from .services import introductions

    for post in (match.offer, match.need):
        introductions.answer(_member_of(post), match, True)


def _conclude(match) -> None:
    """The need's company reports the exchange: what it asked for, within what the offer has left."""
    from .errors import DomainError
    from .models import Outcome
    from .services import introductions

    plan = introductions.quantity_plan(match, "need")
    primary, secondary = introductions.remaining(plan.primary), introductions.remaining(plan.secondary)
    quantity = second = None
    if primary is not None:
        quantity = primary if plan.factor is None or secondary is None else min(primary, secondary / plan.factor)
        second = min(secondary, quantity) if plan.asks_second and secondary is not None else None
    try:
        with db.session.begin_nested():
            introductions.report_outcome(_member_of(match.need), match, Outcome.CONCLUDED, quantity=quantity,
                                         second_quantity=second)
    except DomainError:
        pass  # quantities that do not fit: the match stays introduced
