"""Demo offers and needs of the demo companies (``demo.COMPANIES``), so that ``make run`` shows a living marketplace.

The titles and descriptions are data, written for this project in French as the owners of these (fictitious)
companies would type them. Dates are relative to the day the demo is loaded: ``starts``/``ends`` are days from
that day, ``Life.age`` is how many days ago the post was submitted. Everything is deterministic.

Posts are created through ``services.posts.create_post`` (validation, location) and closed through
``close_post``; approvals and rejections are written directly, back-dated and recorded in the audit log, since
the services would time-stamp them today and mail every company."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from .extensions import db
from .models import AuditLog, Category, Company, Post, PostKind, PostStatus, User
from .models.types import utcnow
from .services import audit
from .services import posts as post_service

# Indexes of the companies in demo.COMPANIES.
(FRIGOTRANS, BOULANGERIE, ENTREPOTS, METALLURGIE, CONSERVERIE, GARAGE, IMPRIMERIE, BRASSERIE, VIGNOBLES,
 MENUISERIE, PHARMACIE, INGENIERIE, TISSAGES, COMPTABLE, HOTEL, PROPRETE, LOGICIELS, PLASTURGIE, BATIR,
 COOPERATIVE, INTERIM, FORMATION, SALAISONS, RECYCLAGE, ENERGIE, ASSURANCES, FONCIERE, AIDE_DOMICILE, THEATRE,
 INFORMATIQUE) = range(30)

O, N = PostKind.OFFER, PostKind.NEED
STORAGE, PREMISES, RAW, SUPPLIES, EQUIPMENT = (Category.STORAGE, Category.PREMISES, Category.RAW_MATERIALS,
                                               Category.SUPPLIES, Category.EQUIPMENT)
TRANSPORT, STAFF, PRODUCTION, SERVICES, SURPLUS = (Category.TRANSPORT, Category.STAFF, Category.PRODUCTION,
                                                   Category.SERVICES, Category.SURPLUS_GOODS)


@dataclass(frozen=True)
class Life:
    """Where a post stands in its lifecycle, in days before the load day."""

    status: PostStatus
    age: int  # days since it was submitted (a draft: since it was written)
    renewed: int | None = None  # days since its last renewal, when renewed after publication
    closed: int | None = None  # days since it was closed
    exchanged: float | None = None  # closed as fulfilled with this quantity; None: withdrawn
    reason: str | None = None  # why a moderator rejected it
    consent: str | None = None  # entered by the CCI for the company, with this consent note


def published(age: int, renewed: int | None = None) -> Life:
    return Life(PostStatus.PUBLISHED, age, renewed=renewed)


def pending(age: int) -> Life:
    return Life(PostStatus.PENDING, age)


def draft(age: int) -> Life:
    return Life(PostStatus.DRAFT, age)


def rejected(age: int, reason: str) -> Life:
    return Life(PostStatus.REJECTED, age, reason=reason)


def expired(age: int, renewed: int | None = None) -> Life:
    """Published ``age`` days ago, then past its end date or its age limit (the sweep marked it)."""
    return Life(PostStatus.EXPIRED, age, renewed=renewed)


def fulfilled(age: int, closed: int, exchanged: float) -> Life:
    return Life(PostStatus.CLOSED, age, closed=closed, exchanged=exchanged)


def withdrawn(age: int, closed: int) -> Life:
    return Life(PostStatus.CLOSED, age, closed=closed)


def intake(age: int, consent: str) -> Life:
    """Taken by a CCI advisor on the phone and published at once."""
    return Life(PostStatus.PUBLISHED, age, consent=consent)


@dataclass(frozen=True)
class DemoPost:
    company: int
    kind: PostKind
    category: Category
    title: str
    description: str
    quantity: float | None
    unit: str | None
    radius_km: int | None = None
    starts: int | None = None  # available from, days after the load day (negative: before)
    ends: int | None = None  # available until, idem
    free: bool | None = None
    postcode: str | None = None  # another site than the company's
    city: str | None = None
    life: Life | None = None  # None: published, on a day derived from its position in the list


def offer(company: int, category: Category, title: str, description: str, quantity: float | None,
          unit: str | None, **extra) -> DemoPost:
    return DemoPost(company, O, category, title, description, quantity, unit, **extra)


def need(company: int, category: Category, title: str, description: str, quantity: float | None,
         unit: str | None, radius_km: int, **extra) -> DemoPost:
    return DemoPost(company, N, category, title, description, quantity, unit, radius_km=radius_km, **extra)


CONTACT_IN_TEXT = ("Les coordonnées ne doivent pas figurer dans l'annonce : elles sont transmises aux deux "
                   "entreprises lors de la mise en relation. Merci de retirer le numéro de téléphone puis de "
                   "soumettre à nouveau.")
ADVERTISING = ("La bourse d'entraide n'accueille pas de publicité commerciale. Décrivez une ressource précise "
               "que vous mettez à disposition (quantité, conditions, dates) et soumettez à nouveau.")

POSTS: list[DemoPost] = [
    # ----------------------------------------------------------------- Frigotrans Rhône (Lyon, transport frigorifique)
    offer(FRIGOTRANS, TRANSPORT, "Retour à vide Marseille - Lyon : semi frigorifique disponible le mardi",
          "Notre semi-remorque frigorifique (33 palettes, de -25 °C à +8 °C) livre chaque lundi une plateforme de "
          "la grande distribution à Vitrolles et remonte à vide le mardi. Nous pouvons charger vos palettes au "
          "retour, avec arrêt possible à Avignon ou Valence. Groupage accepté dès une palette, relevé de "
          "température remis à la livraison. Tarif au prix coûtant du gazole et du péage.",
          33, "palettes", starts=0, ends=120, free=False, life=published(80, renewed=55)),
    offer(FRIGOTRANS, STORAGE, "Cellule froide positive de 120 m² libre à Corbas",
          "Suite à la fin d'un contrat, une de nos cellules positives (0/+4 °C) est libre dans notre plateforme "
          "de Corbas : 120 m² au sol, 6 m sous plafond, deux quais niveleurs. Convient aux produits laitiers, "
          "fruits et légumes ou traiteur. Location à la semaine ou au mois, manutention par nos caristes en "
          "option. Accès 24 h/24 par badge, alarme et enregistrement des températures.",
          120, "m²", starts=0, ends=150, free=False, postcode="69960", city="Corbas", life=published(12)),
    need(FRIGOTRANS, STAFF, "Trois chauffeurs PL frigo pour renforcer nos tournées régionales",
         "Nous cherchons trois chauffeurs permis C ou CE, FIMO/FCO à jour, pour six semaines de forte activité. "
         "Tournées en Rhône-Alpes au départ de Gerland, prise de poste entre 4 h et 5 h, retour au dépôt le soir. "
         "Une première expérience du frigo et de la traçabilité des températures est un plus. Mise à disposition "
         "par une autre entreprise ou par une agence d'intérim bienvenue.",
         3, "personnes", 50, starts=14, ends=56, free=False, life=pending(1)),
    need(FRIGOTRANS, EQUIPMENT, "Groupe froid de remplacement pour une semi-remorque",
         "Le groupe froid de notre semi n°12 est en panne et la pièce n'arrive pas avant trois semaines. Nous "
         "cherchons un groupe froid compatible (type Carrier Vector ou Thermo King SLX) en prêt ou en location "
         "courte, ou une semi frigorifique complète à louer pendant la même période. Montage par notre atelier.",
         1, "unités", 150, starts=0, ends=21, free=False, life=draft(1)),
    offer(FRIGOTRANS, EQUIPMENT, "Transpalettes électriques d'occasion révisés à céder",
          "Nous renouvelons notre parc et cédons quatre transpalettes électriques Linde de 2 t, batteries "
          "changées l'an dernier, entretien à jour. Pour en savoir plus appelez le standard au 04 72 00 11 22 ou "
          "passez directement au dépôt.",
          4, "unités", free=False, life=rejected(6, CONTACT_IN_TEXT)),
    offer(FRIGOTRANS, TRANSPORT, "Places en camion frigo vers la Savoie le jeudi",
          "Tous les jeudis un porteur frigorifique de 18 palettes part de Lyon vers Chambéry, Albertville et "
          "Bourg-Saint-Maurice pour approvisionner des magasins de station. Il reste en général 4 à 6 places. "
          "Chargement la veille au dépôt de Gerland avant 17 h, produits frais ou surgelés.",
          6, "palettes", starts=-70, free=False, life=expired(75)),
    need(FRIGOTRANS, SUPPLIES, "Recherche palettes Europe EPAL en bon état",
         "Nos échanges de palettes avec un client se sont arrêtés et notre stock fond. Nous cherchons des "
         "palettes 120 × 80 EPAL en bon état (pas de planche cassée), livrées ou à enlever dans un rayon "
         "raisonnable autour de Lyon. Reprise au prix du marché, enlèvement par nos camions.",
         400, "palettes", 60, starts=-20, ends=40, free=False, life=fulfilled(30, closed=9, exchanged=300)),
    offer(FRIGOTRANS, SERVICES, "Conseil en chaîne du froid pour producteurs qui se lancent",
          "Vous démarrez la vente en circuit court de produits frais ? Notre responsable qualité peut vous "
          "consacrer une demi-journée pour vérifier votre organisation : conditionnement, températures, "
          "enregistreurs, respect du paquet hygiène pendant le transport. Gratuit pour les entreprises de moins "
          "de dix salariés du Rhône.",
          4, "heures", free=True),
    need(FRIGOTRANS, STORAGE, "Stationnement sécurisé pour deux semi frigorifiques près de Vitrolles",
         "Nos deux semi-remorques frigorifiques passent la nuit du lundi au mardi dans les Bouches-du-Rhône avant de "
         "remonter. Nous cherchons un parking clos et éclairé, si possible avec prise électrique pour brancher les "
         "groupes froids, près de Vitrolles ou de Marignane. Une nuit par semaine, paiement au mois.",
         2, "unités", 20, starts=0, ends=180, free=False, postcode="13127", city="Vitrolles"),

    # ----------------------------------------------------------------- Boulangerie du Vieux Quartier (Lyon 5e)
    need(BOULANGERIE, STORAGE, "Chambre froide en panne : besoin urgent de place au froid",
         "Notre chambre froide positive est tombée en panne samedi et le frigoriste ne peut pas intervenir avant "
         "dix jours, la pièce est commandée. Nous cherchons environ 8 m³ au froid (+2/+4 °C) près du Vieux Lyon "
         "pour le beurre, la crème, les fruits et les pâtons. Nous passons déposer et reprendre nous-mêmes deux "
         "fois par jour en camionnette. Dédommagement prévu, bien sûr.",
         8, "m³", 15, starts=0, ends=12, free=False, life=published(2)),
    offer(BOULANGERIE, SURPLUS, "Pains et viennoiseries invendus offerts aux associations chaque soir",
          "Chaque soir à la fermeture (19 h 30) il nous reste entre 8 et 12 kg de pain : baguettes, pains de "
          "campagne, quelques viennoiseries. Nous les donnons à une association d'aide alimentaire, une épicerie "
          "solidaire ou un foyer qui peut passer les récupérer du mardi au samedi. Cagettes fournies, reçu de don "
          "possible.",
          60, "kg par semaine", starts=-10, free=True),
    need(BOULANGERIE, STAFF, "Boulanger ou tourier en renfort pour les week-ends",
         "Notre tourier est en arrêt pour deux mois. Nous cherchons un boulanger ou un tourier confirmé pour les "
         "nuits du vendredi au dimanche (2 h - 9 h). Travail sur four à sole et pétrin à spirale, pâte feuilletée "
         "maison. Prêt de main-d'œuvre entre boulangeries accepté, rémunération selon la convention.",
         1, "personnes", 20, starts=3, ends=63, free=False, life=pending(3)),
    offer(BOULANGERIE, EQUIPMENT, "Prêt de notre pétrin à spirale pendant la fermeture annuelle",
          "Nous fermons trois semaines pour congés et notre pétrin à spirale (cuve de 80 kg de pâte, deux "
          "vitesses) ne sert à rien pendant ce temps. Un collègue boulanger ou pâtissier peut l'emprunter : "
          "transport à sa charge, petite participation à l'entretien.",
          1, "unités", starts=30, ends=51, free=False),
    need(BOULANGERIE, RAW, "Farine T65 bio : rupture chez notre meunier",
         "Notre moulin habituel a eu un incendie et ne livre plus pour plusieurs semaines. Nous cherchons de la "
         "farine de blé T65 issue de l'agriculture biologique, en sacs de 25 kg, livrable à Lyon 5e. Environ "
         "500 kg pour tenir jusqu'à la reprise, paiement à la livraison.",
         500, "kg", 120, starts=-25, ends=10, free=False, life=fulfilled(24, closed=18, exchanged=500)),
    offer(BOULANGERIE, PRODUCTION, "Four à sole disponible l'après-midi pour pâtissiers ou traiteurs",
          "Notre four à sole de quatre étages est libre de 13 h à 17 h du lundi au vendredi. Un traiteur, un "
          "pâtissier ou un restaurant sans four peut venir y cuire ses fournées : cakes, quiches, pains "
          "spéciaux. Facturation à l'heure, nettoyage à la charge de l'utilisateur.",
          20, "heures", starts=0, ends=90, free=False),
    need(BOULANGERIE, SUPPLIES, "Sachets kraft et boîtes à gâteaux : notre fournisseur est en rupture",
         "Notre grossiste en emballages ne peut pas nous livrer avant un mois. Nous cherchons 5 000 sachets "
         "kraft pour baguettes et 500 boîtes à pâtisserie (tailles 16 et 22 cm). Un commerce alimentaire qui "
         "en a d'avance peut nous dépanner, nous rendons ou payons au prix d'achat.",
         5500, "unités", 50, starts=0, ends=30, free=False),

    # ----------------------------------------------------------------- Entrepôts de la Plaine (Saint-Denis)
    offer(ENTREPOTS, STORAGE, "Entrepôt sec de 1 500 m² à Saint-Denis, quais et racks",
          "Nous disposons de 1 500 m² d'entrepôt sec dans notre bâtiment de Saint-Denis, à 5 minutes de l'A86 : "
          "trois portes à quai, racks de 5 niveaux, sprinklage, gardiennage. Location à partir d'un mois, "
          "manutention et préparation possibles par nos équipes. Idéal pour un stock tampon ou une activité "
          "saisonnière.",
          1500, "m²", starts=0, ends=180, free=False),
    offer(ENTREPOTS, STORAGE, "400 emplacements palettes en rack à Gonesse, de 1 à 6 mois",
          "Sur notre second site de Gonesse, 400 emplacements palettes sont libres (hauteur maximale 1,80 m, "
          "charge 1 t). Entrées et sorties du lundi au vendredi de 7 h à 19 h, inventaire mensuel envoyé par "
          "mail. Prix à la palette et à la semaine, dégressif au-delà de 100 palettes.",
          400, "palettes", starts=0, ends=180, free=False, postcode="95500", city="Gonesse"),
    offer(ENTREPOTS, EQUIPMENT, "Chariots élévateurs frontaux à louer, avec ou sans cariste",
          "Deux chariots frontaux gaz de 2,5 t (levée 4,5 m) sont sous-utilisés en ce moment. Nous les louons à la "
          "journée ou à la semaine, livrés sur site en Île-de-France, avec ou sans cariste CACES 3. Assurance "
          "comprise pour la location avec conducteur.",
          2, "unités", starts=0, ends=60, free=False),
    need(ENTREPOTS, STAFF, "Préparateurs de commandes CACES 1 pour trois semaines",
         "Un client e-commerce double ses volumes pour une opération promotionnelle. Nous cherchons quatre "
         "préparateurs de commandes avec CACES 1, en prêt de personnel ou en intérim, du lundi au samedi en "
         "horaires décalés (6 h - 13 h ou 13 h - 20 h). Tenue de sécurité fournie.",
         4, "personnes", 30, starts=7, ends=28, free=False, life=pending(2)),
    offer(ENTREPOTS, TRANSPORT, "Navettes en porteur 20 m³ entre Saint-Denis et Rungis",
          "Notre porteur de 20 m³ avec hayon fait chaque matin l'aller-retour vers le MIN de Rungis. Nous "
          "proposons la place libre au retour pour des palettes de produits secs. Départ de Rungis vers 10 h.",
          12, "palettes", starts=-40, ends=30, free=False, life=fulfilled(40, closed=5, exchanged=12)),
    offer(ENTREPOTS, SERVICES, "Préparation de commandes e-commerce pour petites marques",
          "Vous vendez en ligne et manquez de place ou de bras ? Nous stockons vos produits, préparons et "
          "expédions vos colis chaque jour avant 15 h (Colissimo, Chronopost, transporteurs). Pas de minimum de "
          "volume pendant les trois premiers mois, reporting hebdomadaire.",
          None, None, starts=0, free=False),
    need(ENTREPOTS, EQUIPMENT, "Filmeuse de palettes automatique en location",
         "Notre filmeuse à plateau tournant est à l'arrêt pour trois semaines. Nous cherchons une filmeuse "
         "semi-automatique ou automatique en location, livrée à Saint-Denis, ou un entrepôt voisin qui nous "
         "laisse filmer une cinquantaine de palettes par jour chez lui.",
         1, "unités", 40, starts=0, ends=21, free=False),

    # ----------------------------------------------------------------- Atelier Métallurgique des Flandres (Lille)
    offer(METALLURGIE, PRODUCTION, "Capacité d'usinage CN disponible : tournage et fraisage",
          "Notre carnet de commandes s'est allégé : nous avons environ 120 heures par mois de disponibilité sur un "
          "tour CN (diamètre 400, longueur 1 000 mm) et un centre d'usinage 3 axes (course 1 000 × 500). Petites "
          "et moyennes séries, acier, inox, aluminium. Devis sous 48 h sur plan.",
          120, "heures", starts=-50, ends=90, free=False, life=published(56)),
    offer(METALLURGIE, RAW, "Chutes de tôle inox 304 à céder, épaisseur 1 à 3 mm",
          "Environ 2 tonnes de chutes de tôle inox 304L, épaisseurs 1, 1,5, 2 et 3 mm, formats de 300 × 300 à "
          "1 000 × 2 000 mm, triées par épaisseur sur palettes. Idéal pour des ateliers de chaudronnerie ou des "
          "artisans. Prix au kilo, enlèvement à Lille.",
          2, "tonnes", starts=-5, free=False),
    need(METALLURGIE, RAW, "Acier S235 en barres rondes, diamètre 40 à 60 mm",
         "Notre fournisseur annonce huit semaines de délai. Nous cherchons environ 3 tonnes d'acier S235JR en "
         "barres rondes étirées ou laminées, diamètres 40, 50 et 60 mm, longueurs de 3 à 6 m, avec certificat "
         "matière si possible. Enlèvement par nos soins dans les Hauts-de-France ou en Belgique.",
         3, "tonnes", 150, starts=0, ends=30, free=False),
    need(METALLURGIE, STAFF, "Soudeur TIG qualifié pour deux mois",
         "Pour une commande de bâtis inox, nous cherchons un soudeur TIG qualifié (inox et acier, positions "
         "toutes), en détachement d'une autre entreprise ou en intérim, du lundi au vendredi en journée. "
         "Équipement fourni, lecture de plan indispensable.",
         1, "personnes", 40, starts=10, ends=70, free=False, life=pending(4)),
    offer(METALLURGIE, EQUIPMENT, "Plieuse 100 t et cisaille guillotine disponibles à l'heure",
          "Notre presse plieuse de 100 tonnes (3 m) et notre cisaille guillotine (3 m, 6 mm) sont libres deux "
          "jours par semaine. Nous les proposons à un artisan ou une PME, utilisées par notre opérateur ou par le "
          "vôtre s'il est formé. Tarif horaire, matière fournie par le client.",
          16, "heures", starts=0, ends=120, free=False),
    need(METALLURGIE, PRODUCTION, "Sous-traitant en galvanisation à chaud pour charpente",
         "Nous cherchons un galvaniseur capable de traiter des poutrelles et des platines jusqu'à 6 m de long, "
         "environ 4 tonnes par mois, avec un délai de deux semaines au plus. Notre galvaniseur habituel a fermé "
         "son bain pour travaux.",
         4, "tonnes", 200, starts=0, ends=90),
    need(METALLURGIE, SUPPLIES, "Disques à tronçonner et fil de soudure en dépannage",
         "Notre distributeur a un retard de livraison de trois semaines. Nous cherchons 200 disques à tronçonner "
         "inox 125 × 1 mm et 60 kg de fil de soudure MIG acier 1 mm en bobines de 15 kg. Nous payons comptant "
         "ou rendons à l'identique dès réception de notre commande.",
         200, "unités", 60, starts=0, ends=20, free=False),

    # ----------------------------------------------------------------- Conserverie de l'Aven (Pont-Aven)
    offer(CONSERVERIE, SURPLUS, "Boîtes de sardines à l'huile à étiquette déclassée",
          "Suite à une erreur d'impression, 8 000 boîtes de sardines à l'huile d'olive (115 g) portent une "
          "étiquette non conforme. Le produit est parfait, DLUO dans trois ans. Nous les cédons à prix coûtant à "
          "des épiceries ou des comités d'entreprise, et gratuitement aux banques alimentaires.",
          8000, "unités", starts=-3, ends=120),
    need(CONSERVERIE, SUPPLIES, "Boîtes métalliques format 1/4 club : rupture fournisseur",
         "Notre fournisseur de boîtes est en rupture pour plusieurs semaines. Nous cherchons 50 000 boîtes 1/4 "
         "club avec couvercle à ouverture facile, vernis intérieur compatible poisson. Un autre conserveur ayant "
         "du stock en trop nous rendrait un fier service.",
         50000, "unités", 200, starts=0, ends=45, free=False),
    need(CONSERVERIE, STAFF, "Six saisonniers pour le parage et l'emballage",
         "La saison de la sardine démarre : nous cherchons six personnes pour le parage du poisson et la mise en "
         "boîte, du lundi au vendredi, 7 h - 14 h 30. Aucune expérience requise, formation sur place. Nous "
         "étudions aussi le prêt de salariés d'une entreprise en sous-activité.",
         6, "personnes", 30, starts=5, ends=95, free=False),
    offer(CONSERVERIE, STORAGE, "Chambre négative à -20 °C : 30 palettes libres",
          "Notre chambre négative de Pont-Aven a 30 emplacements palettes disponibles jusqu'à la prochaine "
          "campagne. Produits de la mer ou surgelés conditionnés uniquement. Entrées et sorties en semaine de 8 h "
          "à 16 h, suivi des températures enregistré.",
          30, "palettes", starts=0, ends=75, free=False),
    offer(CONSERVERIE, PRODUCTION, "Ligne d'appertisation pour petits producteurs et traiteurs",
          "Entre deux campagnes, notre autoclave et notre sertisseuse sont libres. Nous proposons de mettre en "
          "conserve les recettes de petits producteurs : soupes de poisson, rillettes, plats cuisinés. Bocaux ou "
          "boîtes, minimum 300 unités par recette.",
          40, "heures", starts=-45, ends=-5, free=False, life=expired(50)),
    need(CONSERVERIE, TRANSPORT, "Groupage frigorifique Bretagne vers Rungis chaque semaine",
         "Nous livrons deux palettes par semaine à un grossiste de Rungis et cherchons une place en camion "
         "frigorifique (0/+4 °C) au départ du Finistère sud, le mardi ou le mercredi. Un transporteur ou une "
         "entreprise qui monte à vide vers Paris nous intéresse.",
         2, "palettes", 80, starts=0, ends=90),
    need(CONSERVERIE, RAW, "Huile d'olive vierge extra en fûts pour nos sardines",
         "Notre importateur d'huile d'olive a des difficultés d'approvisionnement. Nous cherchons 20 fûts de "
         "200 litres d'huile d'olive vierge extra, origine Union européenne, avec fiche d'analyse. Livraison à "
         "Pont-Aven souhaitée d'ici un mois.",
         20, "fûts", 200, starts=0, ends=30, free=False),

    # ----------------------------------------------------------------- Garage Solidaire de l'Erdre (Nantes)
    offer(GARAGE, SERVICES, "Entretien à prix coûtant des véhicules d'associations",
          "Notre garage solidaire entretient à prix coûtant (pièces plus une heure de main-d'œuvre réduite) les "
          "véhicules des associations et des services d'aide à domicile de l'agglomération nantaise : vidange, "
          "freins, pneus, contrôle technique. Rendez-vous sous 48 h.",
          None, None, starts=0, free=False),
    offer(GARAGE, EQUIPMENT, "Pont élévateur et outillage disponibles le samedi",
          "Le samedi, un de nos ponts élévateurs (3,5 t) et l'outillage qui va avec sont libres. Un artisan ou une "
          "petite entreprise de transport peut l'utiliser pour son propre entretien, encadré par un de nos "
          "mécaniciens. Réservation à la demi-journée.",
          8, "heures", starts=0, ends=60, free=False),
    need(GARAGE, SUPPLIES, "Pneus d'occasion 195/65 R15 en bon état",
         "Pour équiper les voitures que nous prêtons à des personnes en insertion, nous cherchons 40 pneus "
         "195/65 R15 d'occasion avec au moins 4 mm de gomme. Un centre auto, un loueur ou une flotte qui change "
         "ses pneus avant usure peut nous les céder.",
         40, "unités", 60, starts=0, ends=40, life=pending(5)),
    offer(GARAGE, EQUIPMENT, "Deux utilitaires de prêt disponibles en semaine",
          "Nous disposons de deux Kangoo de prêt peu utilisés du lundi au vendredi. Nous pouvons les prêter à une "
          "entreprise ou une association qui en a besoin pour des livraisons locales, carburant et assurance "
          "complémentaire à sa charge.",
          2, "unités", starts=-30, ends=30, free=True, life=withdrawn(35, closed=12)),
    need(GARAGE, PREMISES, "Local de 150 m² pour un atelier vélo solidaire",
         "Nous voulons ouvrir un atelier de réparation de vélos pour les salariés en insertion. Nous cherchons "
         "un local de 150 m² environ, accessible en rez-de-chaussée, avec eau et électricité, au nord de Nantes "
         "ou dans le centre. Loyer modéré ou mise à disposition, bail d'un an au moins.",
         150, "m²", 15, starts=30, free=False),
    offer(GARAGE, SURPLUS, "Pièces détachées neuves Clio et Kangoo en surplus",
          "Suite à l'arrêt d'un contrat de flotte, il nous reste des pièces neuves dans leur emballage : "
          "plaquettes, disques, filtres, amortisseurs pour Clio III et Kangoo II. Liste détaillée sur demande, "
          "cession à moitié du prix catalogue.",
          120, "unités", starts=0, ends=90, free=False),
    need(GARAGE, STAFF, "Mécanicien confirmé pour encadrer des salariés en insertion",
         "Notre chef d'atelier part en formation pour quatre mois. Nous cherchons un mécanicien automobile "
         "confirmé, patient et pédagogue, pour encadrer une équipe de six salariés en insertion. Temps plein en "
         "journée, mise à disposition par une autre entreprise ou contrat court.",
         1, "personnes", 25, starts=14, ends=134, free=False),

    # ----------------------------------------------------------------- Imprimerie Garonne Offset (Toulouse)
    offer(IMPRIMERIE, PRODUCTION, "Capacité d'impression offset en journée, format 70 × 100",
          "Notre presse offset 4 couleurs 70 × 100 tourne la nuit pour la presse locale et reste libre une bonne "
          "partie de la journée. Nous proposons ces créneaux à d'autres imprimeurs ou à des éditeurs : brochures, "
          "affiches, catalogues. Calage et conducteur inclus, papier fourni ou non.",
          60, "heures", starts=0, ends=90, free=False),
    offer(IMPRIMERIE, SURPLUS, "Fins de rouleaux et papier couché 135 g à donner",
          "Environ une tonne et demie de papier couché 135 g en fins de rouleaux et en feuilles 65 × 92, idéal "
          "pour les écoles, les ateliers d'art ou les associations. Gratuit, à enlever sur palettes à notre "
          "atelier de Toulouse.",
          1.5, "tonnes", starts=0, ends=45, free=True),
    need(IMPRIMERIE, RAW, "Papier recyclé 80 g en palettes, livraison Toulouse",
         "Pour une commande de la région, nous cherchons 5 tonnes de papier recyclé blanc 80 g, format 64 × 90 "
         "ou en bobines, certifié Ange bleu ou équivalent. Notre papetier est en rupture jusqu'au mois prochain.",
         5, "tonnes", 150, starts=0, ends=20, free=False),
    offer(IMPRIMERIE, SERVICES, "Façonnage : pliage, encartage et mise sous pli",
          "Notre atelier de façonnage dispose d'une plieuse, d'une encarteuse-piqueuse et d'une machine de mise "
          "sous pli. Nous pouvons traiter vos envois et vos brochures imprimés ailleurs, jusqu'à 20 000 "
          "exemplaires par jour.",
          None, None, starts=-60, free=False, life=expired(70)),
    offer(IMPRIMERIE, SUPPLIES, "Cartons d'emballage neufs en surplus de commande",
          "Nous avons commandé trop de cartons double cannelure : 2 000 cartons neufs de 40 × 30 × 30 cm, livrés "
          "à plat sur palettes. Cédés au prix d'achat à une entreprise qui expédie des colis.",
          2000, "unités", starts=0, ends=60, free=False),
    need(IMPRIMERIE, EQUIPMENT, "Massicot en prêt pendant la réparation du nôtre",
         "Notre massicot Polar 92 attend une carte électronique pour deux semaines. Nous cherchons un massicot de "
         "laize 80 cm au moins, en prêt ou en location, ou un imprimeur voisin qui accepte de nous laisser "
         "couper chez lui quelques heures par jour.",
         1, "unités", 30, starts=0, ends=14, free=False),
    need(IMPRIMERIE, PRODUCTION, "Sous-traitance de dorure à chaud pour étuis",
         "Nous cherchons un atelier équipé en dorure à chaud et gaufrage pour 3 000 étuis de cosmétiques, "
         "format à plat 32 × 24 cm. Fichiers et fer fournis. Délai souhaité : trois semaines.",
         3000, "unités", 200, starts=5, ends=30, free=False),

    # ----------------------------------------------------------------- Brasserie du Vieux-Port (Marseille)
    offer(BRASSERIE, PREMISES, "Salle privatisable de 60 places le matin pour réunions",
          "Notre grande salle du premier étage, avec vue sur le port, est fermée le matin. Nous la prêtons de "
          "8 h à 11 h 30 pour des réunions, des formations ou des recrutements : 60 places assises, wifi, écran. "
          "Café et viennoiseries en option.",
          60, "personnes", starts=0, ends=120, free=False),
    need(BRASSERIE, STAFF, "Plongeur et commis de cuisine pour la saison",
         "Nous cherchons un plongeur et un commis de cuisine pour la saison, en coupure ou en continu, cinq jours "
         "sur sept. Débutants acceptés, la brigade est sympa. Un restaurant qui ferme pour travaux et veut "
         "garder ses équipes occupées peut nous contacter.",
         2, "personnes", 20, starts=7, ends=120, free=False),
    offer(BRASSERIE, SURPLUS, "Plats du jour invendus pour une association, le soir",
          "Le soir il nous reste souvent des plats du jour et des garnitures, conditionnés en barquettes et "
          "étiquetés. Nous les donnons à une association qui peut passer les chercher à 22 h avec des glacières, "
          "en respectant la chaîne du froid.",
          25, "kg par semaine", starts=0, free=True),
    need(BRASSERIE, EQUIPMENT, "Four mixte en prêt après une panne",
         "Notre four mixte dix niveaux est en panne et la carte de commande ne sera pas livrée avant quinze "
         "jours. Nous cherchons un four mixte à emprunter ou louer, même plus petit, pour tenir le service.",
         1, "unités", 30, starts=-15, ends=0, free=False, life=fulfilled(16, closed=13, exchanged=1)),
    need(BRASSERIE, RAW, "Légumes de saison en circuit court, livraison deux fois par semaine",
         "Nous voulons acheter directement à des maraîchers des Bouches-du-Rhône : tomates, courgettes, salades, "
         "herbes. Environ 150 kg par semaine, livrés le mardi et le vendredi matin. Prix à discuter, paiement à "
         "15 jours.",
         150, "kg par semaine", 60, starts=0, ends=150, free=False),
    offer(BRASSERIE, STORAGE, "Cave voûtée fraîche de 40 m² pour boissons",
          "Notre cave voûtée (40 m², 14 °C toute l'année) n'est qu'à moitié occupée. Un caviste, un brasseur ou "
          "un épicier du quartier peut y stocker des boissons, accès par un monte-charge depuis la rue.",
          40, "m²", starts=0, ends=180, free=False),
    offer(BRASSERIE, PRODUCTION, "Cuisine de production disponible l'après-midi",
          "Entre 15 h et 18 h notre cuisine est vide : piano, cellule de refroidissement, chambre froide. Un "
          "traiteur ou une jeune entreprise de plats à emporter peut y produire sous sa propre responsabilité "
          "sanitaire. Location au créneau.",
          15, "heures", starts=0, ends=90, free=False),
    need(BRASSERIE, STORAGE, "Congélateur ou chambre négative pendant nos travaux de cuisine",
         "Nous refaisons la cuisine pendant dix jours et devons vider notre chambre négative : environ 6 m³ de "
         "poisson, de viande et de glaces à garder à -18 °C. Nous cherchons une place chez un commerçant ou un "
         "entrepôt proche du Vieux-Port, transport assuré par nous en caissons isothermes.",
         6, "m³", 10, starts=20, ends=30, free=False),

    # ----------------------------------------------------------------- Vignobles des Coteaux de l'Est (Saint-Émilion)
    offer(VIGNOBLES, EQUIPMENT, "Pressoir pneumatique 50 hl à louer hors vendanges",
          "Notre pressoir pneumatique de 50 hl ne sert que pendant les vendanges. Nous le louons le reste de "
          "l'année à des producteurs de cidre ou de jus de fruits, avec une demi-journée de prise en main. "
          "Transport sur plateau à organiser.",
          1, "unités", starts=0, ends=150, free=False),
    offer(VIGNOBLES, STORAGE, "Chai climatisé à Libourne : place pour 25 fûts",
          "Dans notre chai de Libourne, climatisé et hygrométrie contrôlée, nous pouvons accueillir 25 barriques "
          "bordelaises supplémentaires pour l'élevage d'un autre domaine. Ouillage possible par notre maître de "
          "chai, sur devis.",
          25, "fûts", starts=0, ends=240, free=False, postcode="33500", city="Libourne"),
    need(VIGNOBLES, STAFF, "Douze vendangeurs et porteurs pour trois semaines",
         "Nous cherchons 12 vendangeurs et porteurs pour les vendanges manuelles. Logement possible sur place "
         "pour 6 personnes, repas du midi fourni. Des salariés d'entreprises en sous-activité sont les bienvenus "
         "dans le cadre d'un prêt de main-d'œuvre.",
         12, "personnes", 50, starts=40, ends=61, free=False),
    offer(VIGNOBLES, SURPLUS, "Bouteilles vides bordelaises 75 cl, 3 000 unités",
          "Changement de modèle de bouteille : il nous reste 3 000 bordelaises tradition 75 cl, teinte feuille "
          "morte, neuves sur palettes houssées. Cédées à moitié prix à un vigneron ou un brasseur.",
          3000, "unités", starts=-40, ends=-10, free=False, life=expired(45)),
    need(VIGNOBLES, SUPPLIES, "Cartons de 6 bouteilles avec croisillons",
         "Nous cherchons 1 500 cartons pour 6 bouteilles bordelaises, avec croisillons, en kraft, pour les "
         "expéditions de fin d'année. Cartons neutres ou d'un autre domaine à re-marquer, peu importe.",
         1500, "unités", 100, starts=0, ends=40, free=False),
    offer(VIGNOBLES, RAW, "Sarments et marc de raisin à céder gratuitement",
          "Après la taille et le pressurage il nous reste environ 8 tonnes de sarments et de marc. Gratuit pour "
          "une plateforme de compostage, un éleveur ou une chaufferie bois, à enlever sur place avec votre "
          "benne.",
          8, "tonnes", starts=0, ends=60, free=True),
    need(VIGNOBLES, PRODUCTION, "Prestataire de mise en bouteille mobile",
         "Notre chaîne d'embouteillage est en révision. Nous cherchons un prestataire avec un camion "
         "d'embouteillage pour 12 000 bouteilles, bouchage liège et étiquetage compris.",
         12000, "unités", 80, starts=10, ends=40),
    need(VIGNOBLES, TRANSPORT, "Transport de 20 palettes de vin vers Rungis",
         "Nous devons livrer 20 palettes de vin en cartons à un grossiste du MIN de Rungis. Nous cherchons un "
         "transporteur ou un camion qui remonte vers Paris, idéalement en semi bâchée, avec chargement à "
         "Saint-Émilion un matin de la semaine prochaine.",
         20, "palettes", 50, starts=5, ends=15, free=False),

    # ----------------------------------------------------------------- Menuiserie des Hautes-Vosges (Épinal)
    offer(MENUISERIE, RAW, "Chutes de sapin et d'épicéa sec pour chaufferie ou bricolage",
          "Chaque semaine nous sortons des chutes de sapin et d'épicéa sec (humidité sous 15 %), non traité. "
          "Environ 6 m³ disponibles en big bags ou en vrac, gratuits pour qui vient les chercher : chaufferie "
          "bois, ateliers, associations.",
          6, "m³", starts=0, free=True),
    offer(MENUISERIE, PRODUCTION, "Découpe de panneaux sur commande numérique",
          "Notre centre d'usinage à commande numérique (table de 3 × 1,5 m) a des créneaux libres : découpe et "
          "perçage de panneaux, mobilier, agencement de magasins. Fichiers DXF, devis sous 24 h.",
          40, "heures", starts=0, ends=90, free=False),
    need(MENUISERIE, STAFF, "Menuisier poseur pour des chantiers en Lorraine",
         "Nous cherchons un menuisier poseur confirmé pour deux mois : pose de fenêtres, de portes et "
         "d'escaliers chez des particuliers et dans des écoles. Véhicule et outillage fournis, déplacements "
         "dans les Vosges et en Meurthe-et-Moselle.",
         1, "personnes", 80, starts=7, ends=67, free=False),
    offer(MENUISERIE, EQUIPMENT, "Dégauchisseuse et raboteuse à louer à la journée",
          "Nous louons à la journée notre dégauchisseuse-raboteuse combinée (largeur 410 mm) à des artisans ou "
          "des ébénistes, dans notre atelier. Formation rapide si besoin.",
          1, "unités", starts=-65, free=False, life=expired(68)),
    need(MENUISERIE, TRANSPORT, "Transport de 10 palettes de panneaux vers Nancy",
         "Nous devons livrer 10 palettes de panneaux de mobilier (2,5 m de long, 800 kg chacune) à un chantier "
         "de Nancy. Cherche un transporteur avec semi tautliner ou un camion qui fait le trajet à vide.",
         10, "palettes", 100, starts=5, ends=15),
    offer(MENUISERIE, SURPLUS, "Portes intérieures de fin de série à prix cassé",
          "Douze portes intérieures en chêne massif, 83 × 204 cm, finition huilée, restées après l'annulation "
          "d'un chantier. Vendues à 40 % de leur prix, idéal pour une rénovation ou un bailleur social.",
          12, "unités", starts=0, ends=90, free=False),
    need(MENUISERIE, RAW, "Chêne sec en plots, épaisseur 54 mm",
         "Pour une commande d'escaliers, nous cherchons 10 m³ de chêne sec en plots, épaisseur 54 mm, qualité "
         "menuiserie (peu de nœuds), séché à 12 % environ. Scierie ou négoce du Grand Est ou de Franche-Comté.",
         10, "m³", 150, starts=0, ends=45, free=False),

    # ----------------------------------------------------------------- Pharmacie du Morvan (Dijon)
    offer(PHARMACIE, SUPPLIES, "Gel hydroalcoolique en bidons de 5 litres",
          "Nous avons un stock de gel hydroalcoolique conforme à la norme EN 14476, en bidons de 5 litres. Nous "
          "le cédons au prix coûtant aux entreprises et associations de la Côte-d'Or, avec flacons pompes vides "
          "si besoin.",
          200, "litres", starts=0, ends=90, free=False),
    need(PHARMACIE, SUPPLIES, "Gants nitrile tailles M et L pour nos préparations",
         "Notre grossiste est en rupture de gants nitrile non poudrés. Nous cherchons 20 000 gants en tailles M "
         "et L, norme EN 455, livrés à Dijon. Paiement à réception.",
         20000, "unités", 100, starts=0, ends=20, free=False),
    offer(PHARMACIE, SERVICES, "Préparation de piluliers pour établissements médico-sociaux",
          "Notre officine prépare les piluliers hebdomadaires de résidents de foyers et de petites structures "
          "médico-sociales qui n'ont plus de personnel pour le faire. Livraison le lundi, dans le respect du "
          "secret médical.",
          None, None, starts=0, free=False,
          life=intake(8, "Mme Roussel (pharmacienne titulaire) a accepté par téléphone la publication de cette "
                         "annonce, relue avec elle.")),
    offer(PHARMACIE, SURPLUS, "Thermomètres frontaux sans contact à prix coûtant",
          "Il nous reste 150 thermomètres frontaux sans contact, neufs et garantis. Nous les cédons au prix "
          "d'achat aux entreprises qui contrôlent la température à l'entrée de leurs locaux.",
          150, "unités", starts=-40, ends=-3, free=False, life=expired(42)),
    need(PHARMACIE, TRANSPORT, "Coursier pour livrer des médicaments deux matinées par semaine",
         "Nous livrons des patients âgés ou isolés et cherchons un coursier, à vélo ou en voiture, le mardi et le "
         "vendredi matin dans Dijon et sa proche banlieue. Environ 8 heures par semaine.",
         8, "heures", 20, starts=0, ends=90, free=False),
    need(PHARMACIE, STORAGE, "Local sec et sécurisé de 20 m² pour du matériel médical",
         "Nous développons la location de matériel médical (lits, fauteuils, déambulateurs) et manquons de "
         "place. Nous cherchons 20 m² de stockage sec, fermé et accessible en utilitaire, à Dijon ou en "
         "proche banlieue, loyer mensuel.",
         20, "m²", 15, starts=7, free=False),

    # ----------------------------------------------------------------- Loire Ingénierie Conseil (Orléans)
    offer(INGENIERIE, SERVICES, "Aide gratuite au plan de continuité d'activité des PME",
          "Nos ingénieurs accompagnent gratuitement les PME du Loiret dans la rédaction de leur plan de "
          "continuité d'activité : analyse des risques, fournisseurs critiques, organisation en mode dégradé. "
          "Deux demi-journées par entreprise.",
          20, "heures", starts=0, ends=120, free=True),
    offer(INGENIERIE, PREMISES, "Bureaux équipés à partager dans nos locaux d'Orléans",
          "Une partie de notre plateau est libre : 35 m² pour quatre postes de travail équipés (bureaux, écrans, "
          "fibre), accès à la salle de réunion et à la cuisine. Pour une jeune entreprise ou une équipe projet, "
          "loyer modeste.",
          35, "m²", starts=0, ends=180, free=False),
    need(INGENIERIE, EQUIPMENT, "Traceur grand format A0 en prêt pour un mois",
         "Notre traceur A0 est hors service. Nous cherchons un traceur grand format à emprunter ou louer pendant "
         "un mois pour imprimer des plans, ou une entreprise qui accepte de tirer nos plans chez elle.",
         1, "unités", 40, starts=0, ends=30, free=False, life=draft(2)),
    offer(INGENIERIE, STAFF, "Deux ingénieurs méthodes disponibles en détachement",
          "Suite au report d'un projet, deux de nos ingénieurs méthodes (industrialisation, amélioration "
          "continue, lean) sont disponibles pour un détachement de deux à quatre mois chez un industriel de la "
          "région Centre-Val de Loire. Prêt de main-d'œuvre à but non lucratif.",
          2, "personnes", starts=7, ends=120, free=False),
    need(INGENIERIE, SERVICES, "Bureau de contrôle pour la vérification électrique de nos locaux",
         "Nous cherchons un organisme agréé pour la vérification périodique des installations électriques de "
         "nos bureaux (600 m²), avec intervention dans le mois.",
         None, None, 60, starts=0, ends=30),
    need(INGENIERIE, STAFF, "Dessinateur projeteur en renfort pour trois mois",
         "Nous cherchons un dessinateur projeteur maîtrisant un logiciel de CAO 3D et la mise en plan pour "
         "trois mois, sur des projets de machines spéciales. Poste à Orléans, télétravail partiel possible. "
         "Détachement d'une entreprise en sous-activité bienvenu.",
         1, "personnes", 60, starts=15, ends=105, free=False),

    # ----------------------------------------------------------------- Tissages de la Seine (Rouen)
    offer(TISSAGES, PRODUCTION, "Atelier de confection disponible : huit machines industrielles",
          "Notre atelier de confection (8 piqueuses plates, 2 surjeteuses, 1 table de coupe de 6 m) a 300 heures "
          "de disponibilité ce trimestre. Nous prenons la confection de petites et moyennes séries : "
          "vêtements de travail, sacs, linge de maison.",
          300, "heures", starts=0, ends=90, free=False),
    offer(TISSAGES, SURPLUS, "Coupons de tissu coton et lin au kilo",
          "Environ 800 kg de coupons de coton et de lin (de 1 à 5 m), unis et imprimés, issus de nos fins de "
          "séries. Vendus au kilo à des créateurs, des ateliers d'insertion ou des écoles de mode.",
          800, "kg", starts=0, ends=120, free=False),
    need(TISSAGES, RAW, "Fil de coton peigné Nm 34/2 pour un tissage urgent",
         "Nous cherchons 2 tonnes de fil de coton peigné Nm 34/2, écru, en cônes, pour honorer une commande de "
         "linge hôtelier. Un autre tisseur ayant du stock dormant peut nous aider.",
         2, "tonnes", 200, starts=0, ends=25, free=False),
    offer(TISSAGES, SUPPLIES, "Masques en tissu lavables catégorie 1",
          "Il nous reste 5 000 masques en tissu lavables 50 fois, catégorie 1, testés par un laboratoire agréé, "
          "en sachets de 10 avec notice. Cédés à prix coûtant aux entreprises et aux collectivités, livraison "
          "possible en Normandie.",
          5000, "unités", starts=-70, free=False, life=expired(72)),
    need(TISSAGES, STAFF, "Quatre couturières expérimentées pour une commande urgente",
         "Pour tenir les délais d'une commande de vêtements de travail, nous cherchons quatre couturières "
         "expérimentées sur machines industrielles, pour six semaines, en prêt de personnel ou en intérim.",
         4, "personnes", 40, starts=5, ends=47, free=False),
    offer(TISSAGES, STORAGE, "Ancien atelier de 600 m² à Elbeuf pour stockage sec",
          "Notre ancien atelier d'Elbeuf est vide : 600 m² de plain-pied, porte sectionnelle, dalle béton, "
          "éclairage. Parfait pour du stockage sec de longue durée. Loyer mensuel modéré, accès sur rendez-vous.",
          600, "m²", starts=0, ends=365, free=False, postcode="76500", city="Elbeuf"),

    # ----------------------------------------------------------------- Cabinet Comptable Lafayette (Paris 9e)
    offer(COMPTABLE, SERVICES, "Aide aux dossiers de prêt garanti et d'aides d'urgence",
          "Nos experts-comptables aident bénévolement les commerçants et TPE du 9e arrondissement à monter "
          "leurs dossiers : prêt garanti, fonds de solidarité, report de charges. Une heure de rendez-vous par "
          "entreprise.",
          30, "heures", starts=0, ends=90, free=True),
    offer(COMPTABLE, PREMISES, "Salle de réunion de 12 places prêtée aux TPE du quartier",
          "Notre salle de réunion (12 places, écran, visioconférence) est libre la plupart des après-midi. Nous "
          "la prêtons gratuitement aux commerçants et artisans du quartier pour recevoir clients ou "
          "fournisseurs.",
          12, "personnes", starts=0, ends=120, free=True),
    need(COMPTABLE, EQUIPMENT, "Scanners de documents à emprunter pendant une migration",
         "Nous numérisons nos archives et cherchons trois scanners de documents à chargeur automatique (recto "
         "verso, 40 pages par minute au moins), à emprunter ou louer pendant un mois. Retour en parfait état "
         "garanti.",
         3, "unités", 20, starts=-20, ends=10, free=False, life=withdrawn(22, closed=15)),
    need(COMPTABLE, SERVICES, "Traducteur anglais pour des comptes annuels",
         "Un client étranger nous demande la traduction en anglais de ses comptes annuels et de l'annexe, "
         "environ 40 pages. Nous cherchons un traducteur habitué au vocabulaire comptable, délai trois semaines.",
         None, None, 200, starts=0, ends=21, free=False),
    offer(COMPTABLE, EQUIPMENT, "Six ordinateurs portables à donner à une association",
          "Nous renouvelons nos postes : six ordinateurs portables de quatre ans, batterie correcte, disques "
          "effacés, Windows réinstallé. Donnés à une association ou une école, à retirer au cabinet.",
          6, "unités", starts=0, ends=60, free=True),
    need(COMPTABLE, STORAGE, "Local d'archives sec de 30 m² près de Paris 9e",
         "Nous devons libérer une pièce du cabinet et cherchons 30 m² de stockage sec et fermé à clé pour nos "
         "archives papier (environ 400 cartons). Accès une fois par semaine suffit, dans Paris ou la petite "
         "couronne nord.",
         30, "m²", 15, starts=10, free=False),

    # ----------------------------------------------------------------- Hôtel du Lac d'Annecy
    offer(HOTEL, PREMISES, "Salles de séminaire avec vue sur le lac en semaine",
          "Nos deux salles de séminaire (30 et 50 personnes) sont peu réservées en semaine hors saison. Nous les "
          "proposons à tarif réduit aux entreprises de Haute-Savoie : vidéoprojecteur, paperboard, pauses et "
          "déjeuner possibles.",
          80, "personnes", starts=0, ends=150, free=False),
    offer(HOTEL, PREMISES, "Chambres à prix réduit pour techniciens en mission",
          "Pour les techniciens, soignants ou intérimaires en mission dans le bassin annécien, nous réservons "
          "15 chambres à tarif négocié, petit-déjeuner compris, parking gratuit. Séjours d'une nuit à plusieurs "
          "semaines.",
          15, "chambres", starts=0, ends=120, free=False),
    need(HOTEL, STAFF, "Réceptionniste de nuit pour remplacer un congé",
         "Nous cherchons un réceptionniste de nuit pour trois mois (22 h - 7 h, quatre nuits par semaine). "
         "Anglais courant, connaissance d'un logiciel hôtelier appréciée. Détachement d'un autre hôtel "
         "bienvenu.",
         1, "personnes", 30, starts=10, ends=100, free=False, life=pending(6)),
    offer(HOTEL, SURPLUS, "Linge de lit et serviettes réformés, en bon état",
          "Nous changeons notre linge : 300 pièces (draps, housses, serviettes) réformées mais propres et en bon "
          "état. Données à une association, un foyer ou un refuge animalier.",
          300, "unités", starts=0, ends=45, free=True),
    need(HOTEL, SERVICES, "Blanchisserie pour 200 kg de linge par semaine",
         "Notre blanchisseur arrête son activité. Nous cherchons une blanchisserie qui peut prendre en charge "
         "200 kg de linge plat par semaine, collecte et livraison deux fois par semaine.",
         200, "kg par semaine", 40, starts=15, free=False, life=draft(4)),
    need(HOTEL, TRANSPORT, "Navette gare - hôtel pour des groupes de séminaire",
         "Pour des séminaires de 30 à 50 personnes, nous cherchons un autocariste ou une entreprise avec minibus "
         "pour faire la navette entre la gare d'Annecy et l'hôtel, le matin et le soir.",
         50, "personnes", 20, starts=7, ends=120, free=False),
    need(HOTEL, SURPLUS, "Literie et mobilier de chambre d'occasion pour dix chambres",
         "Nous rénovons notre annexe et cherchons de quoi meubler dix chambres : lits de 140 ou 160 avec "
         "sommiers, chevets, bureaux, chaises. Du mobilier d'occasion en bon état d'un autre hôtel qui rénove "
         "nous conviendrait parfaitement, transport à notre charge.",
         10, "chambres", 100, starts=0, ends=60, free=False),

    # ----------------------------------------------------------------- Azur Propreté Services (Nice)
    offer(PROPRETE, SERVICES, "Désinfection de locaux professionnels sous 48 heures",
          "Nous intervenons sous 48 h pour désinfecter bureaux, commerces et cabinets médicaux après un cas "
          "contact ou avant une réouverture : nébulisation virucide, traitement des surfaces, attestation "
          "remise.",
          None, None, starts=0, free=False),
    offer(PROPRETE, STAFF, "Agents d'entretien disponibles en renfort ponctuel",
          "Une partie de nos équipes est en sous-activité. Cinq agents d'entretien formés (protocoles "
          "sanitaires, autolaveuse) peuvent renforcer une entreprise ou un établissement des Alpes-Maritimes "
          "pour quelques semaines.",
          5, "personnes", starts=0, ends=60, free=False),
    need(PROPRETE, SUPPLIES, "Sacs poubelle de 100 litres par palettes",
         "Rupture chez notre fournisseur : nous cherchons deux palettes de sacs poubelle de 100 litres, 50 "
         "microns, livrées à Nice.",
         2, "palettes", 100, starts=-15, ends=5, free=False, life=fulfilled(14, closed=8, exchanged=2)),
    need(PROPRETE, EQUIPMENT, "Autolaveuse en location pour un mois",
         "Pour un nouveau chantier d'entretien d'entrepôt (4 000 m²), nous cherchons une autolaveuse autoportée "
         "en location pendant un mois, en attendant la livraison de la nôtre.",
         1, "unités", 30, starts=3, ends=33, free=False),
    offer(PROPRETE, SUPPLIES, "Produits d'entretien écolabellisés en surplus",
          "400 litres de produits d'entretien Ecolabel (dégraissant, nettoyant sols, détergent sanitaires) en "
          "bidons de 5 litres, restés après la perte d'un marché. Cédés au prix d'achat.",
          400, "litres", starts=0, ends=90, free=False),
    need(PROPRETE, STAFF, "Chef d'équipe propreté pour un nouveau site hospitalier",
         "Nous démarrons l'entretien d'une clinique et cherchons un chef d'équipe expérimenté en milieu "
         "hospitalier (bionettoyage, protocoles, planning de huit agents). Horaires de journée, prise de poste "
         "sous quinze jours.",
         1, "personnes", 30, starts=14, free=False),

    # ----------------------------------------------------------------- Occitanie Logiciels Libres (Montpellier)
    offer(LOGICIELS, SERVICES, "Visioconférence et partage de fichiers libres installés gratuitement",
          "Nous installons et configurons gratuitement pour les TPE et associations un serveur de "
          "visioconférence et de partage de fichiers libres, hébergé en France, avec une heure de formation.",
          None, None, starts=0, ends=120, free=True),
    offer(LOGICIELS, STAFF, "Développeurs disponibles quelques jours pour des projets associatifs",
          "Nos développeurs peuvent consacrer chacun quelques jours à des projets d'associations ou "
          "d'entreprises solidaires : site, outil de réservation, automatisation de tableurs.",
          10, "jours", starts=0, ends=90, free=True),
    offer(LOGICIELS, SERVICES, "Boutique en ligne montée en une semaine pour les commerces fermés",
          "Pour les commerçants obligés de fermer, nous montons une boutique en ligne simple (catalogue, "
          "paiement, retrait en magasin) en une semaine, à prix coûtant.",
          12, "jours", starts=-50, ends=20, free=False, life=fulfilled(55, closed=6, exchanged=12)),
    need(LOGICIELS, PREMISES, "Bureau partagé pour deux salariés à Sète",
         "Deux de nos salariés habitent Sète. Nous cherchons deux postes en bureau partagé ou dans les locaux "
         "d'une entreprise, trois jours par semaine, avec une bonne connexion.",
         2, "personnes", 15, starts=10, free=False, postcode="34200", city="Sète"),
    offer(LOGICIELS, EQUIPMENT, "Serveurs rack réformés à céder",
          "Quatre serveurs rack 1U (bi-processeurs, 64 Go de mémoire, sans disques) issus de notre ancienne "
          "salle serveur. Cédés pour un euro symbolique à une école ou un fablab.",
          4, "unités", starts=0, ends=60, free=True),
    need(LOGICIELS, SERVICES, "Juriste pour relire nos contrats de licence",
         "Nous proposons nos logiciels sous licence libre à des collectivités et souhaitons faire relire nos "
         "contrats de maintenance et d'hébergement par un juriste habitué au numérique. Travail à distance "
         "possible, environ deux jours.",
         2, "jours", 200, starts=0, ends=45, free=False),

    # ----------------------------------------------------------------- Plasturgie du Jura (Dole)
    offer(PLASTURGIE, PRODUCTION, "Presses à injecter de 80 à 250 t en sous-traitance",
          "Nos presses à injecter (80, 150 et 250 tonnes) ont de la capacité libre. Nous injectons vos pièces "
          "techniques en PP, PE, ABS ou PA avec vos moules, de quelques centaines à 50 000 pièces.",
          500, "heures", starts=0, ends=120, free=False),
    need(PLASTURGIE, RAW, "Polypropylène copolymère en granulés, 10 tonnes",
         "Notre fournisseur de matière ne peut livrer que la moitié de notre besoin. Nous cherchons 10 tonnes de "
         "PP copolymère (MFI 10 à 20), naturel, en octabins ou sacs de 25 kg.",
         10, "tonnes", 200, starts=0, ends=30, free=False, life=pending(2)),
    offer(PLASTURGIE, SURPLUS, "Bouchons et capsules de fin de série",
          "Stock dormant de 200 000 bouchons à vis 28 mm en PEHD blanc et bleu, en cartons. Cédés à bas prix "
          "à un embouteilleur, un fabricant de cosmétiques ou un atelier de recyclage créatif.",
          200000, "unités", starts=0, ends=120, free=False),
    offer(PLASTURGIE, RAW, "Broyé de PEHD propre issu de nos rebuts",
          "Nous broyons nos rebuts de production et disposons de 4 tonnes de PEHD broyé propre, couleurs "
          "mélangées, en big bags. Utilisable pour des pièces techniques non visibles.",
          4, "tonnes", starts=0, ends=90, free=False),
    need(PLASTURGIE, STAFF, "Régleur sur presses à injecter, mission de trois mois",
         "Nous cherchons un régleur expérimenté sur presses à injecter (changement de moules, réglage des "
         "paramètres) en équipe de jour, pour trois mois.",
         1, "personnes", 50, starts=7, ends=97, free=False),
    need(PLASTURGIE, TRANSPORT, "Huit palettes par semaine de Dole vers Lyon",
         "Nous livrons chaque semaine 8 palettes de pièces à un client de la région lyonnaise. Nous cherchons un "
         "transporteur régulier ou un camion qui redescend vers Lyon le jeudi.",
         8, "palettes", 30, starts=0, ends=120, free=False),
    need(PLASTURGIE, PRODUCTION, "Marquage par tampographie en sous-traitance",
         "Nous cherchons un atelier de tampographie pour marquer un logo deux couleurs sur 30 000 pièces "
         "injectées, livrées en cartons. Délai souhaité : un mois.",
         30000, "unités", 150, starts=5, ends=35),
    need(PLASTURGIE, STORAGE, "Stockage de 150 palettes de pièces finies pendant deux mois",
         "Un client a décalé ses appels de livraison et nos stocks débordent. Nous cherchons 150 emplacements "
         "palettes au sec, à Dole ou dans un rayon raisonnable, pour deux mois. Entrées et sorties groupées "
         "une fois par semaine.",
         150, "palettes", 40, starts=0, ends=60, free=False),

    # ----------------------------------------------------------------- Bâtir Réunion Construction (Saint-Denis, 974)
    offer(BATIR, EQUIPMENT, "Mini-pelle 2,5 t et bétonnière entre deux chantiers",
          "Entre deux chantiers, notre mini-pelle de 2,5 tonnes et une bétonnière de 350 litres sont au dépôt. "
          "Nous les louons à la semaine à d'autres artisans du nord de l'île, avec ou sans conducteur.",
          2, "unités", starts=0, ends=45, free=False),
    need(BATIR, RAW, "Ciment et parpaings : rupture d'approvisionnement",
         "Le prochain bateau n'arrive que dans trois semaines. Nous cherchons 20 tonnes de ciment en sacs et des "
         "parpaings de 20 pour terminer deux maisons. Achat ou prêt rendu à l'arrivage.",
         20, "tonnes", 60, starts=0, ends=21, free=False),
    offer(BATIR, STAFF, "Deux maçons disponibles pour des chantiers de confrères",
          "Suite au report d'un chantier, deux de nos maçons sont disponibles pour un mois. Prêt de main-d'œuvre "
          "à une autre entreprise du bâtiment.",
          2, "personnes", starts=-25, ends=5, free=False, life=withdrawn(26, closed=20)),
    need(BATIR, TRANSPORT, "Transport d'un conteneur depuis le port de la Pointe des Galets",
         "Nous devons faire venir un conteneur de 20 pieds de matériaux du port jusqu'à notre chantier de "
         "Saint-Pierre. Cherche transporteur avec porte-conteneur disponible la semaine prochaine.",
         1, "unités", 80, starts=5, ends=12, free=False,
         life=intake(3, "M. Payet a appelé la CCI et donné son accord oral pour la publication, texte lu au "
                        "téléphone.")),
    offer(BATIR, STORAGE, "Terrain clos de 800 m² à Saint-Pierre pour stocker des matériaux",
          "Notre terrain de Saint-Pierre est clos et gardé : 800 m² stabilisés pour stocker matériaux, engins ou "
          "conteneurs. Location au mois.",
          800, "m²", starts=0, ends=180, free=False, postcode="97410", city="Saint-Pierre"),
    need(BATIR, SUPPLIES, "EPI pour une nouvelle équipe : casques, harnais, gants",
         "Nous embauchons une équipe de six compagnons et cherchons des équipements de protection : 30 unités en "
         "tout (casques, harnais antichute, gants, lunettes). Stock d'une autre entreprise bienvenu.",
         30, "unités", 50, starts=0, ends=20, free=False),
    need(BATIR, STAFF, "Électricien et plombier pour terminer deux maisons",
         "Nos sous-traitants habituels sont débordés. Nous cherchons un électricien et un plombier disponibles "
         "trois semaines pour finir deux maisons individuelles à Sainte-Marie. Travail sur plans, matériel "
         "fourni.",
         2, "personnes", 40, starts=7, ends=28, free=False),
    offer(BATIR, TRANSPORT, "Camion plateau avec grue pour livrer des matériaux",
          "Notre camion plateau de 19 tonnes équipé d'une grue de 12 t·m est libre deux à trois jours par "
          "semaine. Nous livrons parpaings, ferraillage, charpente ou conteneurs sur tout le nord et l'est de "
          "l'île, chauffeur grutier compris.",
          3, "jours", starts=0, ends=90, free=False),

    # ----------------------------------------------------------------- Coopérative des Grains de Beauce (Chartres)
    offer(COOPERATIVE, STORAGE, "Cellules de stockage à grain disponibles à Voves",
          "Notre silo de Voves a 2 000 tonnes de capacité libre en cellules ventilées. Nous proposons du "
          "stockage de céréales ou d'oléagineux à d'autres organismes ou à des négociants, avec suivi de la "
          "température et du taux d'humidité.",
          2000, "tonnes", starts=0, ends=240, free=False, postcode="28150", city="Les Villages Vovéens"),
    offer(COOPERATIVE, RAW, "Blé tendre meunier de la dernière récolte",
          "Nous disposons de 300 tonnes de blé tendre meunier (protéines 11,5 %, PS 78), stocké en silo. "
          "Livraison en semi-remorque possible en Centre-Val de Loire et Île-de-France.",
          300, "tonnes", starts=0, ends=120, free=False),
    offer(COOPERATIVE, EQUIPMENT, "Benne agricole 18 t et tracteur à louer avec chauffeur",
          "Hors période de récolte, nous louons une benne agricole de 18 tonnes avec tracteur et chauffeur pour "
          "des transports de terre, de gravats ou de céréales.",
          1, "unités", starts=-60, ends=-6, free=False, life=expired(62)),
    need(COOPERATIVE, STAFF, "Chauffeurs de tracteur et caristes pour la moisson",
         "Pour la moisson nous cherchons cinq personnes : chauffeurs de tracteur avec benne et caristes au silo. "
         "Permis B et expérience agricole demandés. Prêt de salariés d'une autre entreprise possible.",
         5, "personnes", 40, starts=30, ends=75, free=False),
    offer(COOPERATIVE, SUPPLIES, "Big bags d'un mètre cube usagés en bon état",
          "600 big bags de 1 m³ usagés mais propres et sans déchirure, avec anses. Cédés à bas prix à des "
          "entreprises de bâtiment, de paysage ou de recyclage.",
          600, "unités", starts=0, ends=90, free=False),
    need(COOPERATIVE, SERVICES, "Laboratoire pour analyser la qualité de nos grains",
         "Notre laboratoire interne est en travaux. Nous cherchons un laboratoire capable d'analyser protéines, "
         "humidité et mycotoxines sur une cinquantaine d'échantillons par semaine.",
         50, "unités", 100, starts=0, ends=60),
    offer(COOPERATIVE, TRANSPORT, "Semi-remorques céréalières disponibles en dehors de la moisson",
          "Hors moisson, nos six semi-remorques céréalières (benne de 30 m³, bâche) sont peu utilisées. Nous "
          "proposons du transport de vrac agricole, de granulats ou de bois déchiqueté en Centre-Val de Loire "
          "et en Île-de-France, avec nos chauffeurs.",
          6, "unités", starts=0, ends=120, free=False),

    # ----------------------------------------------------------------- Alsace Intérim Industrie (Strasbourg)
    offer(INTERIM, STAFF, "Intérimaires caristes et préparateurs disponibles immédiatement",
          "Nous avons quinze intérimaires qualifiés disponibles immédiatement : caristes CACES 1, 3 et 5, "
          "préparateurs de commandes, agents de quai. Missions courtes ou longues dans le Bas-Rhin.",
          15, "personnes", starts=0, ends=60, free=False),
    offer(INTERIM, STAFF, "Soudeurs, électriciens et mécaniciens industriels disponibles",
          "Huit profils techniques sont disponibles : soudeurs MIG et TIG, électriciens industriels habilités, "
          "mécaniciens de maintenance. Missions à partir d'une semaine en Alsace et en Moselle.",
          8, "personnes", starts=0, ends=90, free=False),
    need(INTERIM, PREMISES, "Salle pour des sessions de recrutement collectif",
         "Nous organisons des sessions de recrutement pour une usine qui ouvre. Nous cherchons une salle de 30 "
         "places, deux matinées par semaine pendant un mois, à Strasbourg ou à proximité.",
         30, "personnes", 20, starts=7, ends=37, free=False, life=pending(1)),
    offer(INTERIM, SERVICES, "Formation CACES dans vos locaux",
          "Notre formateur se déplace dans votre entreprise pour former et tester vos salariés au CACES "
          "(catégories 1, 3, 5), par groupes de six, sur votre matériel.",
          6, "personnes", starts=0, free=False),
    need(INTERIM, TRANSPORT, "Minibus pour conduire des équipes vers Haguenau",
         "Nos intérimaires n'ont pas tous de voiture. Nous cherchons un minibus de 9 places avec chauffeur, "
         "matin et soir, entre Strasbourg et la zone industrielle de Haguenau.",
         9, "personnes", 50, starts=3, ends=60, free=False),
    need(INTERIM, SERVICES, "Centre de médecine du travail pour des visites d'embauche rapides",
         "Une usine ouvre et nous devons faire passer une quarantaine de visites d'information et de prévention "
         "en deux semaines. Nous cherchons un service de santé au travail ou un centre agréé qui peut nous "
         "proposer des créneaux groupés.",
         40, "personnes", 30, starts=7, ends=21, free=False),

    # ----------------------------------------------------------------- Centre de Formation Bretagne Métiers (Rennes)
    offer(FORMATION, PREMISES, "Salles de cours et atelier libres pendant les vacances",
          "Pendant les vacances scolaires nos salles de cours (200 m² au total) et notre atelier sont vides. Nous "
          "les prêtons à des entreprises pour des formations, des réunions ou des tests de recrutement.",
          200, "m²", starts=0, ends=120, free=True),
    offer(FORMATION, SERVICES, "Formation premiers secours pour salariés",
          "Nos formateurs certifiés animent des sessions de sauveteur secouriste du travail (SST) dans vos "
          "locaux ou les nôtres, par groupes de 10 à 12 personnes.",
          12, "personnes", starts=0, ends=90, free=False),
    offer(FORMATION, EQUIPMENT, "Postes de soudure et tours de l'atelier pédagogique",
          "Notre atelier pédagogique (six postes de soudure, deux tours conventionnels) est libre en soirée. "
          "Une entreprise peut l'utiliser pour former ses propres salariés.",
          6, "unités", starts=-60, free=False, life=expired(66)),
    need(FORMATION, EQUIPMENT, "Ordinateurs portables pour nos apprenants",
         "Beaucoup de nos apprenants n'ont pas d'ordinateur pour suivre les cours à distance. Nous cherchons 20 "
         "ordinateurs portables, même anciens, en état de marche.",
         20, "unités", 50, starts=0, ends=60),
    offer(FORMATION, STAFF, "Apprentis en cuisine et en service pour des stages",
          "Six de nos apprentis en cuisine et en service cherchent une entreprise d'accueil pour un stage de "
          "quatre semaines. Restaurants, traiteurs et cuisines collectives bienvenus.",
          6, "personnes", starts=10, ends=60, free=True),
    need(FORMATION, STAFF, "Formateurs vacataires en électricité et en soudure",
         "Nous ouvrons deux sessions supplémentaires et cherchons deux formateurs vacataires, un en "
         "électricité du bâtiment et un en soudure, quelques jours par mois. Des professionnels en activité "
         "qui veulent transmettre leur métier sont les bienvenus.",
         2, "personnes", 50, starts=20, ends=140, free=False),

    # ----------------------------------------------------------------- Salaisons du Cortenais (Corte, 2B)
    offer(SALAISONS, SURPLUS, "Coppa et lonzu proches de la date à prix réduit",
          "150 kg de coppa et de lonzu sous vide, à une semaine de leur date limite. Cédés à moitié prix à "
          "des épiceries, des restaurants ou des comités d'entreprise, gratuitement à une association d'aide "
          "alimentaire.",
          150, "kg", starts=0, ends=5, free=False),
    need(SALAISONS, STORAGE, "Séchoir ou cave d'affinage en Haute-Corse",
         "Notre séchoir est plein après une bonne saison. Nous cherchons 50 m² de cave ou de séchoir ventilé, "
         "entre 12 et 15 °C, pour affiner nos jambons pendant six mois.",
         50, "m²", 60, starts=0, ends=180, free=False, life=pending(4)),
    need(SALAISONS, TRANSPORT, "Groupage vers le continent : trois palettes par semaine",
         "Nous expédions trois palettes de charcuterie par semaine vers Marseille. Nous cherchons une place en "
         "remorque frigorifique au départ de Bastia le lundi.",
         3, "palettes", 80, starts=0, ends=90, free=False,
         life=intake(5, "M. Santoni a donné son accord par téléphone à la CCI de Haute-Corse pour la publication "
                        "de ce besoin.")),
    offer(SALAISONS, SURPLUS, "Charcuterie corse en vente directe, commandez en ligne",
          "Découvrez toute notre gamme de charcuterie artisanale sur notre boutique en ligne, livraison partout "
          "en France en 48 h, 10 % de remise sur la première commande.",
          None, None, free=False, life=rejected(9, ADVERTISING)),
    offer(SALAISONS, EQUIPMENT, "Poussoir et trancheuse disponibles hors saison",
          "Hors saison, notre poussoir hydraulique de 30 litres et notre trancheuse à jambon sont peu utilisés. "
          "Un autre charcutier ou un traiteur peut les louer à la journée.",
          2, "unités", starts=0, ends=120, free=False),
    need(SALAISONS, PRODUCTION, "Sous-traitance de tranchage et de mise sous vide",
         "Un client nous demande de la charcuterie tranchée en barquettes. Nous cherchons un atelier agréé qui "
         "peut trancher et mettre sous vide environ 200 kg par semaine.",
         200, "kg par semaine", 100, starts=0, ends=90),
    need(SALAISONS, RAW, "Viande de porc corse pour la saison de charcuterie",
         "Pour la saison de fabrication, nous cherchons 2 tonnes de viande de porc élevé en Corse (épaules, "
         "longes, gorges), de préférence de race nustrale, livrée en carcasses ou découpée à l'atelier de Corte.",
         2, "tonnes", 100, starts=10, ends=90, free=False),

    # ----------------------------------------------------------------- Recyclage Lyonnais Environnement (Villeurbanne)
    offer(RECYCLAGE, SERVICES, "Collecte gratuite de cartons et de films pour les commerces",
          "Nous collectons gratuitement les cartons et les films plastiques des commerces et des artisans de "
          "Lyon et Villeurbanne, une à deux fois par semaine selon les volumes.",
          None, None, starts=0, free=True),
    offer(RECYCLAGE, SUPPLIES, "Palettes de récupération triées, 120 × 80 et hors normes",
          "500 palettes de récupération triées et réparées : 120 × 80, 100 × 120 et formats hors normes. Prix "
          "à l'unité, livraison possible dans la métropole lyonnaise.",
          500, "palettes", starts=0, ends=90, free=False),
    need(RECYCLAGE, STAFF, "Trieurs et chauffeur poids lourd pour remplacer des absences",
         "Plusieurs absences dans nos équipes : nous cherchons deux agents de tri et un chauffeur poids lourd "
         "(permis C) pour un mois, en horaires de journée.",
         3, "personnes", 30, starts=2, ends=32, free=False, life=pending(0)),
    offer(RECYCLAGE, TRANSPORT, "Benne de 30 m³ et camion ampliroll à la journée",
          "Une benne de 30 m³ et un camion ampliroll sont disponibles quelques jours par mois pour évacuer "
          "déchets de chantier, encombrants ou déchets verts.",
          5, "jours", starts=-35, ends=10, free=False, life=fulfilled(36, closed=4, exchanged=3)),
    need(RECYCLAGE, PREMISES, "Terrain de 2 000 m² pour stocker des bennes",
         "Nous manquons de place pour stationner nos bennes vides. Nous cherchons un terrain de 2 000 m² "
         "stabilisé et clos à l'est de Lyon, en location.",
         2000, "m²", 25, starts=0, free=False),
    offer(RECYCLAGE, RAW, "Granulés de PEHD recyclé noir",
          "Nous produisons des granulés de PEHD recyclé noir (MFI 0,3 à 0,8) adaptés à l'extrusion de tubes et "
          "de profilés. 12 tonnes disponibles en big bags.",
          12, "tonnes", starts=0, ends=60, free=False),
    need(RECYCLAGE, EQUIPMENT, "Presse à balles pour le carton en location",
         "Notre presse à balles verticale est en réparation pour un mois. Nous cherchons une presse à balles "
         "pour le carton, en location ou en prêt, ou une entreprise qui nous laisse compacter sur place "
         "quelques tonnes par semaine.",
         1, "unités", 50, starts=0, ends=30, free=False),

    # ----------------------------------------------------------------- Soleil de Provence Énergie (Arles)
    offer(ENERGIE, SERVICES, "Étude gratuite de toiture pour le photovoltaïque",
          "Nous étudions gratuitement la toiture des entreprises du pays d'Arles pour y installer du "
          "photovoltaïque en autoconsommation : production estimée, structure, raccordement.",
          None, None, starts=0, ends=120, free=True),
    need(ENERGIE, PREMISES, "Hangar de 300 m² pour stocker des panneaux",
         "Nous recevons une livraison importante de panneaux photovoltaïques et cherchons un hangar sec et "
         "fermé de 300 m², accessible en semi-remorque, pour trois mois.",
         300, "m²", 40, starts=10, ends=100, free=False, life=pending(3)),
    offer(ENERGIE, EQUIPMENT, "Promotion exceptionnelle sur nos kits solaires",
          "Profitez de notre promotion sur les kits solaires clés en main : installation en une journée, prime à "
          "l'autoconsommation déduite, devis en ligne.",
          None, None, free=False, life=rejected(11, ADVERTISING)),
    offer(ENERGIE, STAFF, "Électriciens habilités disponibles deux jours par semaine",
          "Deux électriciens habilités (BR, B2V) sont disponibles deux jours par semaine pour renforcer une "
          "entreprise d'électricité ou de maintenance des Bouches-du-Rhône.",
          2, "personnes", starts=0, ends=60, free=False),
    offer(ENERGIE, EQUIPMENT, "Nacelle de 16 m disponible avec opérateur",
          "Notre nacelle articulée de 16 mètres sur camion est libre plusieurs jours par mois. Location avec "
          "opérateur habilité, à la journée.",
          1, "unités", starts=0, ends=90, free=False),
    need(ENERGIE, TRANSPORT, "Transport de panneaux solaires depuis Fos-sur-Mer",
         "Un conteneur de panneaux photovoltaïques arrive au port de Fos. Nous cherchons un transporteur pour "
         "acheminer 12 palettes jusqu'à notre dépôt d'Arles, avec un hayon ou un chariot embarqué.",
         12, "palettes", 80, starts=10, ends=20, free=False),

    # ----------------------------------------------------------------- Courtage Assurances Rhodaniennes (Lyon 2e)
    offer(ASSURANCES, SERVICES, "Point gratuit sur vos garanties de perte d'exploitation",
          "Nos courtiers relisent gratuitement vos contrats pour vérifier ce qui est couvert en cas d'arrêt "
          "d'activité : perte d'exploitation, carence de fournisseur, fermeture administrative.",
          1, "heures", starts=0, ends=90, free=True),
    offer(ASSURANCES, PREMISES, "Deux bureaux libres en centre-ville de Lyon pour trois mois",
          "Deux bureaux meublés de 12 m² chacun sont libres dans nos locaux de la presqu'île. Prêtés pour trois "
          "mois à une jeune entreprise, accès salle de réunion.",
          24, "m²", starts=-90, ends=-8, free=True, life=expired(92, renewed=40)),
    offer(ASSURANCES, SERVICES, "Assurance flotte automobile à prix cassé",
          "Changez d'assureur pour votre flotte de véhicules : jusqu'à 30 % d'économie garantie sur votre "
          "prime actuelle, devis immédiat et sans engagement, offre valable jusqu'à la fin du mois.",
          None, None, free=False, life=rejected(15, ADVERTISING)),
    offer(ASSURANCES, EQUIPMENT, "Mobilier de bureau à donner : bureaux, fauteuils, armoires",
          "Nous réaménageons notre plateau et donnons 25 meubles de bureau en bon état : bureaux, fauteuils, "
          "armoires hautes, caissons. À enlever dans nos locaux du 2e arrondissement.",
          25, "unités", starts=0, ends=30, free=True),
    need(ASSURANCES, SERVICES, "Prestataire de numérisation d'archives",
         "Nous cherchons un prestataire pour numériser et indexer environ 80 mètres linéaires de dossiers "
         "clients, avec enlèvement sécurisé et destruction certifiée des originaux.",
         None, None, 30, starts=0, ends=60, free=False),

    # ----------------------------------------------------------------- Foncière des Docks (Lyon 3e)
    offer(FONCIERE, PREMISES, "Local d'activité de 250 m² à Vénissieux, loyer modéré",
          "Local d'activité de 250 m² avec bureau et sanitaires, porte sectionnelle, parking. Loyer réduit les "
          "six premiers mois pour une entreprise qui démarre ou qui se relocalise.",
          250, "m²", starts=0, ends=180, free=False, postcode="69200", city="Vénissieux"),
    offer(FONCIERE, STORAGE, "Parking couvert pour véhicules utilitaires",
          "Vingt places de parking couvert et fermé, hauteur 2,60 m, pour des véhicules utilitaires, dans notre "
          "immeuble de la rue Garibaldi. Location au mois, badge d'accès, vidéosurveillance.",
          20, "unités", starts=0, ends=120, free=False),
    offer(FONCIERE, PREMISES, "Plateau de bureaux de 400 m² à la Part-Dieu, bail précaire",
          "Un plateau de 400 m² est libre pendant huit mois avant travaux. Nous le proposons en bail précaire à "
          "une entreprise qui doit quitter ses locaux en urgence.",
          400, "m²", starts=15, ends=240, free=False, life=pending(2)),
    need(FONCIERE, SERVICES, "Entreprise de nettoyage pour les parties communes",
         "Nous cherchons une entreprise de nettoyage pour les parties communes de trois immeubles de bureaux du "
         "3e arrondissement, deux passages par semaine.",
         None, None, 15, starts=0, ends=60, free=False),
    offer(FONCIERE, STORAGE, "Cellule de stockage de 80 m² accessible en camion",
          "Cellule de stockage de 80 m² en rez-de-chaussée, accès camion et porte de 3 m, au sein d'un bâtiment "
          "sécurisé. Location au mois.",
          80, "m²", starts=0, ends=150, free=False),

    # ----------------------------------------------------------------- Aide à Domicile Val de Saône (Bourg-en-Bresse)
    need(AIDE_DOMICILE, STAFF, "Auxiliaires de vie en renfort auprès de personnes âgées",
         "Plusieurs de nos intervenantes sont absentes. Nous cherchons quatre auxiliaires de vie pour un mois, "
         "permis B indispensable, interventions chez des personnes âgées autour de Bourg-en-Bresse.",
         4, "personnes", 30, starts=0, ends=30, free=False,
         life=intake(6, "Mme Bouvier a appelé la CCI et accepté la publication de ce besoin.")),
    need(AIDE_DOMICILE, SUPPLIES, "Masques, gants et surblouses pour nos intervenantes",
         "Nous cherchons 2 000 unités d'équipements de protection pour nos intervenantes : masques chirurgicaux, "
         "gants et surblouses. Don ou achat à prix raisonnable.",
         2000, "unités", 60, starts=0, ends=30),
    need(AIDE_DOMICILE, EQUIPMENT, "Deux voitures de service en prêt ou en location longue",
         "Deux de nos voitures sont hors d'usage. Nous cherchons deux petits véhicules en prêt ou en location "
         "longue durée pour nos tournées dans la Bresse.",
         2, "unités", 40, starts=0, ends=90, free=False, life=pending(5)),
    offer(AIDE_DOMICILE, STAFF, "Heures d'intervenantes disponibles le week-end",
          "Nos intervenantes ont des heures disponibles le week-end. Nous pouvons les proposer à un EHPAD ou à "
          "une structure qui manque de personnel d'accompagnement.",
          40, "heures", starts=0, ends=60, free=False),
    need(AIDE_DOMICILE, TRANSPORT, "Transport de repas depuis la cuisine centrale le midi",
         "Nous livrons des repas à domicile et cherchons un véhicule réfrigéré avec chauffeur, chaque midi "
         "entre la cuisine centrale et nos bénéficiaires.",
         60, "personnes", 25, starts=5, ends=65, free=False),

    # ----------------------------------------------------------------- Compagnie du Théâtre Itinérant (Grenoble)
    offer(THEATRE, EQUIPMENT, "Matériel son et lumière à prêter entre deux tournées",
          "Entre deux tournées, notre matériel son et lumière dort au dépôt : console, enceintes, projecteurs LED, "
          "pieds. Prêt à des associations ou des entreprises pour un événement.",
          1, "unités", starts=0, ends=60, free=True),
    offer(THEATRE, PREMISES, "Salle de répétition de 150 m² disponible en journée",
          "Notre salle de répétition de 150 m² (parquet, gradin de 40 places, régie) est libre en journée du "
          "lundi au jeudi. Pour des formations, des répétitions ou des réunions.",
          150, "m²", starts=0, ends=120, free=False),
    offer(THEATRE, STAFF, "Régisseurs et techniciens plateau disponibles",
          "Nos tournées sont suspendues : trois régisseurs et techniciens plateau (son, lumière, montage de "
          "structures) sont disponibles pour des événements, des salons ou des installations techniques en "
          "Isère et en Savoie.",
          3, "personnes", starts=0, ends=60, free=False,
          life=intake(10, "M. Arnaud a accepté par téléphone la publication de cette offre.")),
    need(THEATRE, TRANSPORT, "Camion de 20 m³ avec hayon pour une tournée de dix jours",
         "Pour une tournée dans les Alpes, nous cherchons un camion de 20 m³ avec hayon, en prêt ou en location, "
         "pendant dix jours.",
         10, "jours", 30, starts=20, ends=30, free=False, life=pending(2)),
    offer(THEATRE, SURPLUS, "Décors et costumes réformés à donner",
          "Nous vidons notre réserve : panneaux de décor, praticables, costumes d'époque. À donner à des écoles, "
          "des troupes amateurs ou des recycleries.",
          None, None, starts=0, free=True, life=draft(3)),
    need(THEATRE, STORAGE, "Place pour stocker nos décors pendant l'été",
         "Nous cherchons 60 m² de stockage sec et fermé pour entreposer nos décors pendant la saison d'été, "
         "accessible en camion.",
         60, "m²", 40, starts=20, ends=110, free=False),
    need(THEATRE, SURPLUS, "Chutes de tissu et vêtements anciens pour nos costumes",
         "Pour notre prochaine création nous cherchons des chutes de tissu (velours, lin, laine) et des "
         "vêtements anciens destinés à être jetés. Un atelier textile, une friperie ou une recyclerie qui a "
         "des invendus nous ferait un beau cadeau.",
         50, "kg", 60, starts=0, ends=60, free=True),

    # ----------------------------------------------------------------- Réparation Informatique Stéphanoise
    offer(INFORMATIQUE, EQUIPMENT, "Ordinateurs reconditionnés à prix solidaire pour les TPE",
          "Quarante ordinateurs de bureau et portables reconditionnés, garantis un an, système installé. Prix "
          "solidaire pour les TPE, associations et indépendants de la Loire.",
          40, "unités", starts=0, ends=90, free=False),
    offer(INFORMATIQUE, SERVICES, "Dépannage informatique à distance pour les commerces",
          "Nous dépannons à distance les commerces et les indépendants de la Loire : logiciel de caisse, "
          "imprimante, messagerie, sauvegarde. Intervention sous 4 heures ouvrées, forfait à l'intervention.",
          None, None, starts=0, ends=90, free=False),
    offer(INFORMATIQUE, EQUIPMENT, "Écrans 22 pouces et claviers d'occasion testés",
          "Trente écrans 22 pouces et autant de claviers et souris d'occasion, testés et nettoyés. Idéal pour "
          "équiper un centre de formation ou des postes d'accueil.",
          30, "unités", starts=0, ends=60, free=False, life=pending(1)),
    need(INFORMATIQUE, PREMISES, "Petit local de 40 m² pour un atelier de reconditionnement",
         "Notre boutique déborde. Nous cherchons un local de 40 m² environ dans Saint-Étienne, au rez-de-chaussée, "
         "pour installer un atelier de reconditionnement.",
         40, "m²", 20, starts=15, free=False),
    need(INFORMATIQUE, SURPLUS, "Ordinateurs en fin de vie à reconditionner",
         "Nous récupérons les ordinateurs en fin de vie des entreprises pour les reconditionner. Nous cherchons "
         "une centaine de postes, effacement certifié des données fourni.",
         100, "unités", 100, starts=0, ends=120, free=True),
    offer(INFORMATIQUE, STAFF, "Technicien informatique détaché deux jours par semaine",
          "Un de nos techniciens peut être détaché deux jours par semaine dans une entreprise qui a besoin d'aide "
          "informatique : parc, sauvegardes, équipement du télétravail.",
          1, "personnes", starts=7, ends=90, free=False),
    need(INFORMATIQUE, SUPPLIES, "Cartons et papier bulle pour expédier des ordinateurs",
         "Nous expédions de plus en plus d'ordinateurs reconditionnés et cherchons 300 cartons de récupération "
         "solides (format ordinateur portable ou tour) et du papier bulle. Récupération gratuite chez vous dans "
         "la région stéphanoise.",
         300, "unités", 30, starts=0, ends=60, free=True),
]


# --------------------------------------------------------------------------- loading


def default_age(position: int) -> int:
    """Days since the submission of a post without a ``life``: spread over six weeks, none near expiry."""
    return 2 + (position * 11) % 45


def load_demo_posts(companies: list[Company], moderator: User, admin: User,
                    now: datetime | None = None) -> Counter[PostStatus]:
    """Create the demo posts of ``companies`` (in the order of ``demo.COMPANIES``); the count by status."""
    now = now or utcnow()
    db.session.flush()  # members and companies need their ids for the permission checks
    counts: Counter[PostStatus] = Counter()
    for position, item in enumerate(POSTS):
        company = companies[item.company]
        advisor = moderator if company.departement in moderator.departements else admin
        life = item.life or published(default_age(position))
        post = _create(item, company, advisor, life, now)
        _live(post, life, advisor, now)
        counts[post.status] += 1
    db.session.flush()
    return counts


def _create(item: DemoPost, company: Company, advisor: User, life: Life, now: datetime) -> Post:
    today = now.date()
    data = post_service.PostData(
        kind=item.kind.value, category=item.category.value, title=item.title, description=item.description,
        quantity=item.quantity, unit=item.unit, postcode=item.postcode, city=item.city, radius_km=item.radius_km,
        available_from=today + timedelta(days=item.starts) if item.starts is not None else None,
        available_until=today + timedelta(days=item.ends) if item.ends is not None else None,
        is_free=item.free)
    if life.consent:
        return post_service.create_post(advisor, company, data, entered_by_cci=True, consent_note=life.consent)
    return post_service.create_post(company.active_members[0], company, data, submit=False)


def _live(post: Post, life: Life, advisor: User, now: datetime) -> None:
    """Give the post its past: submission, moderation, renewal, closing, back-dated from ``now``."""
    submitted = now - timedelta(days=life.age, hours=2)
    post.created_at = submitted - timedelta(minutes=25)
    last = post.created_at
    if life.status is PostStatus.DRAFT:
        post.status = PostStatus.DRAFT
    elif life.consent:  # taken by phone: published at once by the advisor (create_post did it, today)
        post.created_at = last = post.published_at = post.renewed_at = post.moderated_at = submitted
        _back_date(_audit_entry(post, "post.intake"), submitted)
    else:
        post.submitted_at = last = submitted
        if life.status is PostStatus.PENDING:
            post.status = PostStatus.PENDING
        elif life.status is PostStatus.REJECTED:
            post.status, post.rejection_reason = PostStatus.REJECTED, life.reason
            post.moderated_by, post.moderated_at = advisor, submitted + timedelta(hours=5)
            last = post.moderated_at
            _back_date(audit.record(advisor, "post.reject", post, reason=life.reason), last)
        else:
            last = _approve(post, advisor, submitted)
    if life.status in (PostStatus.PUBLISHED, PostStatus.EXPIRED, PostStatus.CLOSED) and life.renewed is not None:
        post.renewed_at = last = now - timedelta(days=life.renewed, hours=1)
    if life.status is PostStatus.EXPIRED:
        post.status = PostStatus.EXPIRED
    elif life.status is PostStatus.CLOSED:
        reason = "fulfilled" if life.exchanged is not None else "withdrawn"
        post_service.close_post(post.company.active_members[0], post, reason, life.exchanged)
        post.closed_at = last = now - timedelta(days=life.closed, hours=1)
    post.updated_at = last


def _approve(post: Post, moderator: User, submitted: datetime) -> datetime:
    approved = submitted + timedelta(hours=5)
    post.status = PostStatus.PUBLISHED
    post.published_at = post.renewed_at = post.moderated_at = approved
    post.moderated_by = moderator
    _back_date(audit.record(moderator, "post.approve", post), approved)
    return approved


def _audit_entry(post: Post, action: str) -> AuditLog:
    """The entry a service just recorded for ``post`` (still in the session, or else in the database)."""
    for entry in db.session.new:
        if isinstance(entry, AuditLog) and entry.action == action and entry.target_id == post.id:
            return entry
    return db.session.scalars(db.select(AuditLog).where(AuditLog.action == action, AuditLog.target_id == post.id)
                              .order_by(AuditLog.id.desc())).first()


def _back_date(entry: AuditLog, when: datetime) -> None:
    entry.created_at = when
