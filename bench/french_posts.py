"""Synthetic but realistic French posts for the search benchmark: companies spread over real communes, offers and
needs of the ten categories, titles and descriptions built from templates and vocabularies.

Everything is drawn from one ``random.Random(seed)``: the same seed gives the same companies and posts (only the
dates are relative to the day of the run, so that the posts are visible). Rows are plain dicts for SQLAlchemy Core
bulk inserts of the ``company`` and ``post`` tables."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marketplace.models import Category, PostKind, PostStatus
from marketplace.services import geo

ST, PR, RM, SU, EQ, TR, SF, PD, SV, SG = (Category.STORAGE, Category.PREMISES, Category.RAW_MATERIALS,
                                          Category.SUPPLIES, Category.EQUIPMENT, Category.TRANSPORT, Category.STAFF,
                                          Category.PRODUCTION, Category.SERVICES, Category.SURPLUS_GOODS)
OFFER, NEED = PostKind.OFFER, PostKind.NEED

# --------------------------------------------------------------------------- places

BIG_CITY_POSTCODES = (
    "75001", "75003", "75008", "75011", "75012", "75013", "75015", "75017", "75018", "75019", "75020",
    "93200", "93100", "94150", "92000", "95500", "91300", "78000", "77100",
    "69001", "69003", "69007", "69008", "69100", "69200", "69960", "13001", "13008", "13015", "13127", "13100",
    "31000", "31200", "33000", "33300", "44000", "44300", "59000", "59100", "59200", "67000", "67100",
    "35000", "34000", "06000", "06200", "38000", "76000", "76600", "37000", "21000", "49000", "51100", "63000",
    "87000", "29200", "72000", "80000", "54000", "57000", "25000", "30000", "66000", "64000", "17000", "86000",
    "45000", "14000", "42000", "68100", "74000", "73000", "26000", "84000", "83000", "20000", "97400",
)
BIG_CITY_SHARE = 0.35  # of the companies; the others are in any commune of France
POST_ELSEWHERE_SHARE = 0.2  # posts about another site than the company's (same département mostly)


@dataclass(frozen=True)
class Places:
    postcodes: tuple[str, ...]
    big: tuple[str, ...]
    by_departement: dict[str, tuple[geo.Commune, ...]]

    @classmethod
    def load(cls) -> Places:
        communes = geo._communes_by_postcode()  # the offline table of every postcode (read-only use)
        by_dep: dict[str, list[geo.Commune]] = {}
        for group in communes.values():
            for commune in group:
                by_dep.setdefault(commune.departement, []).append(commune)
        big = tuple(code for code in BIG_CITY_POSTCODES if code in communes)
        return cls(tuple(sorted(communes)), big, {dep: tuple(c) for dep, c in by_dep.items()})

    def company_commune(self, rng: random.Random) -> geo.Commune:
        code = rng.choice(self.big) if rng.random() < BIG_CITY_SHARE else rng.choice(self.postcodes)
        return rng.choice(geo.communes_for(code))

    def near(self, rng: random.Random, commune: geo.Commune) -> geo.Commune:
        if rng.random() < 0.8:
            return rng.choice(self.by_departement[commune.departement])
        return rng.choice(geo.communes_for(rng.choice(self.postcodes)))

    def any(self, rng: random.Random) -> geo.Commune:
        return rng.choice(geo.communes_for(rng.choice(self.big if rng.random() < 0.5 else self.postcodes)))


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Item:
    """A resource of a category: its name (singular, plural), the unit it is counted in and some typical facts."""

    name: str
    plural: str
    unit: str | None
    low: float
    high: float
    details: tuple[str, ...]
    measure: str | None = None  # how the quantity reads in a title ("{q} caristes"); default "{q} {unit} de {name}"


def item(name, plural, unit, low, high, *details, measure=None) -> Item:
    return Item(name, plural, unit, low, high, tuple(details), measure)


ITEMS: dict[Category, tuple[Item, ...]] = {
    ST: (
        item("entrepôt sec", "entrepôts secs", "m²", 100, 4000,
             "Bâtiment récent, sprinklé, trois portes à quai et un accès poids lourds.",
             "Hauteur sous plafond de 8 m, racks à palettes sur la moitié de la surface.",
             "Alarme, télésurveillance et gardiennage la nuit."),
        item("cellule de stockage", "cellules de stockage", "m²", 50, 1500,
             "Sol béton quartzé, éclairage LED, accès par badge 24 h/24.",
             "Convient à du matériel, des archives ou du stock de marchandises non alimentaires."),
        item("chambre froide positive", "chambres froides positives", "m³", 5, 300,
             "Température réglable entre 0 et +4 °C, enregistrement des températures.",
             "Convient aux produits laitiers, fruits et légumes ou plats traiteur."),
        item("chambre froide négative", "chambres froides négatives", "m³", 5, 200,
             "Maintien à -20 °C, groupe froid révisé cette année.",
             "Idéal pour des surgelés, glaces ou produits de la mer congelés."),
        item("emplacement palettes", "emplacements palettes", "palettes", 10, 800,
             "Palettes de 1,80 m de haut maximum, charge 1 t.",
             "Entrées et sorties du lundi au vendredi, inventaire mensuel envoyé par mail.",
             measure="{q} emplacements palettes"),
        item("hangar", "hangars", "m²", 100, 2500,
             "Hangar fermé, sol en enrobé, portail de 5 m de large.",
             "Accessible aux semi-remorques, cour de manœuvre."),
        item("local de stockage", "locaux de stockage", "m²", 20, 600,
             "Local sec et sain au rez-de-chaussée, porte sectionnelle.",
             "Accès facile, stationnement devant le local pour charger."),
        item("conteneur maritime", "conteneurs maritimes", "unités", 1, 8,
             "Conteneurs de 20 pieds posés sur notre parc clos.", "Fermeture par cadenas, au sec.",
             measure="{q} conteneurs maritimes"),
        item("cuve inox", "cuves inox", "litres", 1000, 30000,
             "Cuves alimentaires nettoyées, avec vanne de fond.",
             "Adaptées au vin, aux jus ou à l'huile."),
        item("entrepôt sous douane", "entrepôts sous douane", "m²", 100, 2000,
             "Statut douanier à jour, suspension des droits et taxes.",
             "Proche du port, dédouanement possible par notre transitaire."),
    ),
    PR: (
        item("bureau équipé", "bureaux équipés", "postes", 1, 12,
             "Bureaux meublés, fibre, imprimante partagée et salle de pause.",
             "Accès de 7 h à 21 h, parking pour les visiteurs.", measure="{q} postes de travail"),
        item("salle de réunion", "salles de réunion", "places", 6, 60,
             "Écran, visioconférence et tableau blanc, café offert.",
             "Réservation à la demi-journée ou à la journée."),
        item("atelier", "ateliers", "m²", 50, 1200,
             "Atelier chauffé avec électricité triphasée et pont roulant de 5 t.",
             "Sol béton, hauteur 6 m, porte sectionnelle de 4 m."),
        item("local commercial", "locaux commerciaux", "m²", 30, 400,
             "Vitrine sur rue passante, réserve à l'arrière.",
             "Conviendrait à une boutique éphémère ou un showroom."),
        item("cuisine professionnelle", "cuisines professionnelles", "heures", 4, 80,
             "Piano, four mixte, cellule de refroidissement et plonge, aux normes HACCP.",
             "Libre l'après-midi et le week-end, nettoyage à la charge de l'utilisateur."),
        item("parking poids lourds", "parkings poids lourds", "places", 2, 30,
             "Parc clos et éclairé, portail à code, prises électriques pour les groupes froids.",
             "Stationnement de nuit ou à la semaine.", measure="{q} places de parking poids lourds"),
        item("espace de coworking", "espaces de coworking", "postes", 1, 20,
             "Espace lumineux, cuisine partagée, domiciliation possible.",
             "Location au mois sans engagement.", measure="{q} postes en coworking"),
        item("laboratoire", "laboratoires", "m²", 20, 200,
             "Paillasses, hotte aspirante et point d'eau, accès contrôlé.",
             "Adapté à des essais, du contrôle qualité ou de la petite production."),
        item("showroom", "showrooms", "m²", 50, 500,
             "Grand espace vitré en zone d'activité, bien visible depuis la rocade.",
             "Idéal pour exposer du mobilier, des véhicules ou des machines."),
    ),
    RM: (
        item("farine de blé T65", "farines de blé T65", "kg", 100, 5000,
             "En sacs de 25 kg, issue de l'agriculture biologique.", "Date de durabilité dans six mois."),
        item("bois de charpente", "bois de charpente", "m³", 2, 80,
             "Sapin et douglas séchés, sections de 63 × 175 à 100 × 225 mm.",
             "Stocké sous abri, certifié PEFC."),
        item("tôle d'acier", "tôles d'acier", "tonnes", 1, 30,
             "Épaisseurs de 2 à 10 mm, formats 1 000 × 2 000 et 1 500 × 3 000 mm.",
             "Acier S235 avec certificats matière."),
        item("granulés de polypropylène", "granulés de polypropylène", "kg", 200, 20000,
             "Granulés vierges en big bags de 1 t, coloris naturel.",
             "Conviennent à l'injection et à l'extrusion."),
        item("tissu coton", "tissus coton", "mètres", 50, 3000,
             "Coupons de 1,50 m de laize, plusieurs coloris unis.",
             "Coton certifié Oeko-Tex, idéal pour la confection."),
        item("éthanol", "éthanols", "litres", 100, 5000,
             "Alcool éthylique à 96 %, en fûts de 200 litres.",
             "Stockage et transport selon la réglementation ADR."),
        item("chute d'aluminium", "chutes d'aluminium", "kg", 100, 3000,
             "Chutes triées par alliage et épaisseur, sur palettes.",
             "Idéal pour des artisans, chaudronniers ou écoles."),
        item("malt d'orge", "malts d'orge", "kg", 100, 4000,
             "Malt pale ale en sacs de 25 kg, récolte de l'année.",
             "Convient aux brasseries artisanales."),
        item("papier kraft", "papiers kraft", "bobines", 2, 100,
             "Bobines de 1 m de large, grammage 70 g/m².",
             "Papier recyclable, stocké au sec."),
        item("sable de Loire", "sables de Loire", "tonnes", 5, 200,
             "Sable lavé 0/4, disponible en vrac.", "Chargement par notre chargeuse."),
        item("verre trempé", "verres trempés", "m²", 10, 500,
             "Plaques de 4 à 10 mm, plusieurs formats standard.", "Emballées sur chevalets."),
    ),
    SU: (
        item("palette Europe EPAL", "palettes Europe EPAL", "palettes", 20, 2000,
             "Palettes 120 × 80 en bon état, pas de planche cassée.",
             "Triées et empilées par 15, prêtes à charger.", measure="{q} palettes Europe"),
        item("carton d'emballage", "cartons d'emballage", "unités", 100, 20000,
             "Cartons double cannelure, plusieurs formats, livrés à plat.",
             "Certains sont imprimés à notre ancien logo.", measure="{q} cartons d'emballage"),
        item("film étirable", "films étirables", "rouleaux", 10, 400,
             "Rouleaux de 23 microns pour filmeuse automatique.",
             "Stockés à l'abri de la lumière.", measure="{q} rouleaux de film étirable"),
        item("papier bulle", "papiers bulle", "rouleaux", 5, 200,
             "Rouleaux de 1 m × 100 m, petites bulles.", "Idéal pour les expéditions fragiles.",
             measure="{q} rouleaux de papier bulle"),
        item("masque FFP2", "masques FFP2", "unités", 100, 50000,
             "Masques certifiés EN 149, en boîtes de 20.", "Date de péremption dans trois ans.",
             measure="{q} masques FFP2"),
        item("gant nitrile", "gants nitrile", "boîtes", 10, 2000,
             "Gants non poudrés, tailles M et L, boîtes de 100.", "Conviennent au contact alimentaire.",
             measure="{q} boîtes de gants nitrile"),
        item("gel hydroalcoolique", "gels hydroalcooliques", "litres", 10, 2000,
             "Conforme à la norme EN 14476, en flacons de 500 ml et bidons de 5 litres.",
             "Fabriqué par une distillerie de la région."),
        item("big bag", "big bags", "unités", 10, 1000,
             "Big bags de 1 m³ à quatre anses, usage unique, propres.",
             "Conviennent aux granulés, au sable ou aux déchets verts.", measure="{q} big bags"),
        item("barquette alimentaire", "barquettes alimentaires", "unités", 500, 50000,
             "Barquettes compostables avec couvercle, 500 et 750 ml.",
             "Aptes au contact alimentaire, en cartons de 300.", measure="{q} barquettes alimentaires"),
        item("étiquette adhésive", "étiquettes adhésives", "rouleaux", 5, 500,
             "Étiquettes thermiques 100 × 150 mm pour imprimante Zebra.", "Mandrin de 76 mm.",
             measure="{q} rouleaux d'étiquettes"),
        item("combinaison jetable", "combinaisons jetables", "unités", 20, 2000,
             "Combinaisons de type 5/6, tailles L à XXL.", "Sous emballage individuel.",
             measure="{q} combinaisons jetables"),
    ),
    EQ: (
        item("chariot élévateur", "chariots élévateurs", "unités", 1, 4,
             "Chariot frontal gaz de 2,5 t, levée 4,5 m, entretien à jour.",
             "Livraison possible sur site, cariste CACES 3 en option.", measure="{q} chariots élévateurs"),
        item("transpalette électrique", "transpalettes électriques", "unités", 1, 6,
             "Transpalette de 2 t, batterie changée l'an dernier.",
             "Chargeur fourni, révision faite par le concessionnaire.", measure="{q} transpalettes électriques"),
        item("gerbeur", "gerbeurs", "unités", 1, 3,
             "Gerbeur électrique à conducteur accompagnant, levée 3,2 m.", "Idéal pour un petit entrepôt.",
             measure="{q} gerbeurs"),
        item("nacelle élévatrice", "nacelles élévatrices", "unités", 1, 3,
             "Nacelle ciseaux électrique, hauteur de travail 10 m.", "Vérification périodique à jour.",
             measure="{q} nacelles"),
        item("groupe électrogène", "groupes électrogènes", "unités", 1, 4,
             "Groupe de 60 kVA insonorisé, sur remorque.", "Fourni avec câbles et armoire de distribution.",
             measure="{q} groupes électrogènes"),
        item("compresseur", "compresseurs", "unités", 1, 3,
             "Compresseur à vis de 15 kW, sécheur intégré.", "Peu d'heures de fonctionnement.",
             measure="{q} compresseurs"),
        item("imprimante 3D", "imprimantes 3D", "unités", 1, 5,
             "Imprimante à dépôt de fil, plateau de 300 × 300 mm.", "Bobines de PLA et PETG fournies.",
             measure="{q} imprimantes 3D"),
        item("tour à commande numérique", "tours à commande numérique", "unités", 1, 2,
             "Tour CN diamètre 400, longueur 1 000 mm, commande Fanuc.", "Visible en fonctionnement.",
             measure="{q} tours CN"),
        item("pétrin à spirale", "pétrins à spirale", "unités", 1, 2,
             "Cuve de 80 kg de pâte, deux vitesses.", "Prêt pendant notre fermeture annuelle.",
             measure="{q} pétrins"),
        item("armoire réfrigérée", "armoires réfrigérées", "unités", 1, 6,
             "Armoires inox positives de 700 litres.", "Gaz R290, parfait état de marche.",
             measure="{q} armoires réfrigérées"),
        item("rayonnage métallique", "rayonnages métalliques", "mètres linéaires", 5, 300,
             "Rayonnages à tablettes galvanisées, hauteur 2,5 m.", "Démontage par nos soins.",
             measure="{q} mètres de rayonnages"),
        item("mobilier de bureau", "mobiliers de bureau", "unités", 5, 150,
             "Bureaux, fauteuils ergonomiques et caissons suite à un déménagement.",
             "Enlèvement par vos soins, aide au chargement.", measure="{q} meubles de bureau"),
        item("ordinateur portable", "ordinateurs portables", "unités", 2, 60,
             "Portables reconditionnés, 16 Go de mémoire, disques effacés.",
             "Livrés avec chargeur, sans système d'exploitation.", measure="{q} ordinateurs portables"),
        item("mini-pelle", "mini-pelles", "unités", 1, 2,
             "Mini-pelle de 2,5 t avec trois godets.", "Location avec ou sans chauffeur.",
             measure="{q} mini-pelles"),
        item("autolaveuse", "autolaveuses", "unités", 1, 3,
             "Autolaveuse autoportée, largeur de travail 70 cm.", "Batteries neuves.",
             measure="{q} autolaveuses"),
    ),
    TR: (
        item("semi-remorque frigorifique", "semi-remorques frigorifiques", "palettes", 4, 33,
             "Semi de 33 palettes, de -25 °C à +8 °C, relevé de température remis à la livraison.",
             "Groupage accepté dès une palette.", measure="{q} palettes en semi frigorifique"),
        item("porteur 19 tonnes", "porteurs 19 tonnes", "palettes", 2, 18,
             "Porteur avec hayon élévateur, chauffeur expérimenté.", "Tournées régulières chaque semaine.",
             measure="{q} palettes en porteur"),
        item("camionnette", "camionnettes", "jours", 1, 20,
             "Utilitaire de 12 m³, permis B.", "Assurance comprise, kilométrage illimité.",
             measure="camionnette {q} jours"),
        item("véhicule utilitaire", "véhicules utilitaires", "jours", 1, 30,
             "Fourgon de 20 m³ avec hayon, permis B.", "Prêt entre entreprises voisines.",
             measure="utilitaire 20 m³ pour {q} jours"),
        item("place en camion", "places en camion", "palettes", 1, 26,
             "Départ le matin, livraison le lendemain avant midi.", "Produits secs uniquement.",
             measure="{q} palettes de place en camion"),
        item("transport de colis", "transports de colis", "colis", 10, 2000,
             "Enlèvement quotidien avant 15 h, livraison en 24 à 48 h.", "Suivi en ligne des envois.",
             measure="{q} colis par semaine"),
        item("camion-grue", "camions-grues", "heures", 2, 40,
             "Grue de 20 tonnes-mètres, chauffeur qualifié.", "Idéal pour livrer des matériaux sur chantier.",
             measure="camion-grue {q} heures"),
        item("camion benne", "camions bennes", "rotations", 1, 30,
             "Benne de 10 m³ pour gravats ou déchets verts.", "Évacuation vers un centre agréé.",
             measure="{q} rotations de camion benne"),
    ),
    SF: (
        item("cariste", "caristes", "personnes", 1, 6,
             "CACES 1, 3 et 5 à jour, expérience en entrepôt.", "Horaires en 2 × 8, du lundi au samedi.",
             measure="{q} caristes"),
        item("chauffeur poids lourd", "chauffeurs poids lourds", "personnes", 1, 5,
             "Permis C ou CE, FIMO/FCO à jour.", "Tournées régionales, retour au dépôt le soir.",
             measure="{q} chauffeurs PL"),
        item("manutentionnaire", "manutentionnaires", "personnes", 1, 10,
             "Port de charges, chaussures de sécurité fournies.", "Prise de poste à 6 h.",
             measure="{q} manutentionnaires"),
        item("préparateur de commandes", "préparateurs de commandes", "personnes", 1, 12,
             "Préparation à la commande vocale, CACES 1 apprécié.", "Renfort pour un pic saisonnier.",
             measure="{q} préparateurs de commandes"),
        item("soudeur", "soudeurs", "personnes", 1, 4,
             "Soudure TIG et MIG sur acier et inox.", "Lecture de plans indispensable.",
             measure="{q} soudeurs"),
        item("agent d'entretien", "agents d'entretien", "personnes", 1, 6,
             "Entretien de bureaux et d'ateliers, en horaires décalés.", "Produits et matériel fournis.",
             measure="{q} agents d'entretien"),
        item("technicien de maintenance", "techniciens de maintenance", "personnes", 1, 3,
             "Électromécanique, habilitation électrique B1V.", "Astreinte possible le week-end.",
             measure="{q} techniciens de maintenance"),
        item("boulanger", "boulangers", "personnes", 1, 2,
             "Travail de nuit sur four à sole, pâte feuilletée maison.", "Du vendredi au dimanche.",
             measure="{q} boulangers"),
        item("couturière", "couturières", "personnes", 1, 6,
             "Piqûre sur machine plate et surjeteuse.", "Petites séries de vêtements de travail.",
             measure="{q} couturières"),
        item("vendangeur", "vendangeurs", "personnes", 2, 25,
             "Vendanges manuelles, repas du midi fourni.", "Trois semaines en septembre.",
             measure="{q} vendangeurs"),
        item("serveur", "serveurs", "personnes", 1, 8,
             "Extras pour un salon professionnel, tenue noire exigée.", "Expérience du service en salle.",
             measure="{q} serveurs en extra"),
    ),
    PD: (
        item("capacité d'usinage", "capacités d'usinage", "heures", 10, 400,
             "Tournage et fraisage CN, petites et moyennes séries.", "Acier, inox et aluminium, devis sous 48 h.",
             measure="{q} heures d'usinage"),
        item("temps de four", "temps de four", "heures", 4, 100,
             "Four à sole de quatre étages libre l'après-midi.", "Facturation à l'heure.",
             measure="{q} heures de four"),
        item("ligne de conditionnement", "lignes de conditionnement", "heures", 8, 300,
             "Ensachage, étiquetage et mise sous film.", "Conditionnement à façon pour l'alimentaire.",
             measure="{q} heures de conditionnement"),
        item("atelier de couture", "ateliers de couture", "pièces", 50, 5000,
             "Confection de vêtements de travail et de sacs.", "Six machines et deux couturières disponibles.",
             measure="{q} pièces en confection"),
        item("injection plastique", "injections plastiques", "pièces", 1000, 200000,
             "Presses de 80 à 350 t, moules clients acceptés.", "Matières PP, PE et ABS.",
             measure="{q} pièces injectées"),
        item("découpe laser", "découpes laser", "heures", 5, 200,
             "Laser fibre 3 kW, tôles jusqu'à 15 mm.", "Fichiers DXF acceptés.",
             measure="{q} heures de découpe laser"),
        item("soudure", "soudures", "heures", 10, 300,
             "Soudure TIG et MIG, pièces unitaires ou séries.", "Atelier équipé d'un pont roulant.",
             measure="{q} heures de soudure"),
        item("sérigraphie", "sérigraphies", "pièces", 50, 10000,
             "Impression textile jusqu'à six couleurs.", "Délai de dix jours ouvrés.",
             measure="{q} pièces en sérigraphie"),
        item("embouteillage", "embouteillages", "bouteilles", 1000, 100000,
             "Ligne mobile de mise en bouteille, bouchage liège ou capsule.", "Étiquetage compris.",
             measure="{q} bouteilles"),
        item("pliage de tôle", "pliages de tôle", "heures", 5, 150,
             "Presse plieuse de 3 m, 135 t.", "Pièces de chaudronnerie sur plan.",
             measure="{q} heures de pliage"),
    ),
    SV: (
        item("conseil comptable", "conseils comptables", "heures", 2, 40,
             "Un expert-comptable vous aide pour la clôture ou la trésorerie.", "Premier rendez-vous offert.",
             measure="{q} heures de conseil comptable"),
        item("assistance juridique", "assistances juridiques", "heures", 1, 20,
             "Droit des contrats et baux commerciaux.", "Réponse sous une semaine.",
             measure="{q} heures d'assistance juridique"),
        item("gestion de la paie", "gestions de la paie", "bulletins", 5, 200,
             "Bulletins de salaire et déclarations sociales.", "Pour les entreprises de moins de vingt salariés.",
             measure="{q} bulletins de paie par mois"),
        item("nettoyage de locaux", "nettoyages de locaux", "heures", 4, 120,
             "Entretien de bureaux et vitrerie, produits écolabellisés.", "Intervention tôt le matin.",
             measure="{q} heures de nettoyage"),
        item("gardiennage", "gardiennages", "nuits", 1, 60,
             "Agent de sécurité qualifié, rondes la nuit.", "Surveillance de site pendant des travaux.",
             measure="gardiennage {q} nuits"),
        item("maintenance informatique", "maintenances informatiques", "heures", 2, 80,
             "Dépannage, sauvegardes et sécurité du réseau.", "Intervention à distance ou sur site.",
             measure="{q} heures de maintenance informatique"),
        item("création de site internet", "créations de site internet", "jours", 2, 30,
             "Site vitrine ou boutique en ligne, référencement inclus.", "Formation à la mise à jour.",
             measure="site internet en {q} jours"),
        item("collecte de déchets", "collectes de déchets", "tonnes", 1, 50,
             "Collecte de cartons, plastiques et palettes cassées.", "Bordereau de suivi fourni.",
             measure="{q} tonnes de déchets à collecter"),
        item("traduction technique", "traductions techniques", "pages", 5, 300,
             "Anglais, allemand et espagnol, notices et fiches techniques.", "Relecture par un second traducteur.",
             measure="{q} pages de traduction"),
        item("formation SST", "formations SST", "personnes", 4, 20,
             "Sauveteur secouriste du travail, formateur agréé.", "Deux jours dans vos locaux.",
             measure="formation SST pour {q} personnes"),
    ),
    SG: (
        item("invendu de boulangerie", "invendus de boulangerie", "kg par semaine", 10, 120,
             "Pains et viennoiseries du jour, à récupérer le soir.", "Pour une association ou une épicerie solidaire.",
             measure="{q} kg d'invendus par semaine"),
        item("fin de série textile", "fins de série textile", "pièces", 50, 5000,
             "Vêtements neufs de la collection précédente, toutes tailles.", "Vendus au poids ou à la pièce.",
             measure="{q} pièces de fin de série"),
        item("yaourt à date courte", "yaourts à date courte", "kg", 20, 2000,
             "DLC dans cinq jours, chaîne du froid respectée.", "À enlever en camion frigorifique.",
             measure="{q} kg de yaourts DLC courte"),
        item("bouteille de vin", "bouteilles de vin", "bouteilles", 60, 6000,
             "Étiquettes abîmées, vin parfaitement bon.", "Cartons de six bouteilles.",
             measure="{q} bouteilles de vin déclassées"),
        item("carrelage de fin de lot", "carrelages de fin de lot", "m²", 10, 800,
             "Grès cérame 60 × 60, plusieurs teintes.", "Stocké sur palettes à l'abri.",
             measure="{q} m² de carrelage"),
        item("pot de peinture", "pots de peinture", "litres", 20, 2000,
             "Peinture acrylique blanche, pots de 15 litres non ouverts.", "Surstock suite à un chantier annulé.",
             measure="{q} litres de peinture"),
        item("emballage imprimé", "emballages imprimés", "unités", 500, 50000,
             "Boîtes imprimées à une ancienne marque.", "Parfaites pour un usage interne ou du recyclage.",
             measure="{q} emballages imprimés"),
        item("fruit déclassé", "fruits déclassés", "kg", 100, 10000,
             "Pommes et poires de second choix, défauts d'aspect.", "Idéal pour des jus, compotes ou confitures.",
             measure="{q} kg de fruits déclassés"),
        item("chute de tissu", "chutes de tissu", "kg", 10, 1000,
             "Chutes de coton et de lin triées par couleur.", "Pour des ateliers de couture ou des écoles.",
             measure="{q} kg de chutes de tissu"),
        item("jouet en surstock", "jouets en surstock", "unités", 50, 3000,
             "Jeux de société et jouets en bois neufs, emballage d'origine.", "Déstockage avant inventaire.",
             measure="{q} jouets neufs"),
    ),
}

ADJ_OFFER = ("d'occasion", "en bon état", "révisé", "peu servi", "disponible rapidement", "à prix coûtant",
             "entre entreprises", "sur notre site", "immédiatement disponible", "de qualité")
ADJ_NEED = ("en urgence", "rapidement", "pour un chantier", "pour un pic d'activité", "à court terme",
            "temporairement", "à partir de lundi", "pour la saison")
PERIODS = ("dès maintenant", "dès lundi", "tout l'été", "jusqu'à fin juin", "pendant trois mois", "le week-end",
           "à partir de septembre", "pour l'hiver", "jusqu'à la fin de l'année", "en semaine")
DURATIONS = ("deux semaines", "un mois", "trois mois", "la saison", "six semaines", "quelques jours",
             "la durée d'un chantier", "l'été")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
ASPIRATED = ("hangar", "hayon", "housse", "hall")

OFFER_TITLES = (
    "{Name} disponible à {city}",
    "{Name} à louer près de {city}",
    "{Measure} disponibles à {city}",
    "Propose {name} {adj}",
    "{Name} libre {period}",
    "À céder : {plural} {adj}",
    "Mise à disposition {de_name} à {city}",
    "{Name} {adj} ({dep_name})",
    "Prêt {de_name} entre entreprises",
    "{Name} : {measure}",
    "Offre {de_name} dans le secteur de {city}",
    "{Plural} à donner, enlèvement à {city}",
    "Partage {de_name} avec une entreprise voisine",
    "{Measure} {adj}",
    "Nous proposons {measure} à {city}",
    "Location courte {de_name} {period}",
)
NEED_TITLES = (
    "Recherche {name} à {city}",
    "Besoin urgent {de_name} près de {city}",
    "Cherche {measure}",
    "On recherche {name} pour {duration}",
    "Besoin {de_name} pour {duration}",
    "Qui pourrait nous prêter {name} ?",
    "Recherche {plural} {adj} autour de {city}",
    "Recherche {measure} dans le secteur de {city}",
    "Location courte {de_name} demandée",
    "Appel aux entreprises du {dep_code} : besoin {de_name}",
    "Entreprise {de_city} cherche {name}",
    "Urgent : {name} pour {duration}",
    "Mutualisation {de_name} : qui est intéressé ?",
    "{Measure} recherchés {adj}",
    "Besoin {de_name} {adj} ({dep_name})",
)
CATEGORY_TITLES: dict[Category, dict[PostKind, tuple[str, ...]]] = {
    ST: {OFFER: ("Stockage disponible : {measure}", "Solution de stockage à {city} : {name}"),
         NEED: ("Stockage temporaire recherché : {measure}", "Besoin de stockage près de {city} : {name}")},
    PR: {OFFER: ("Local à partager à {city} : {name}", "{Name} à prêter {period}"),
         NEED: ("Recherche locaux : {name} près de {city}", "{Name} à partager pour {duration} ?")},
    RM: {OFFER: ("Surplus {de_name} à céder", "Matière première disponible : {measure}"),
         NEED: ("Rupture chez notre fournisseur : {name}", "Approvisionnement {de_name} en urgence")},
    SU: {OFFER: ("Fournitures en surplus : {measure}", "Consommables à céder : {plural}"),
         NEED: ("Rupture de stock : besoin {de_name}", "Recherche fournitures : {measure}")},
    EQ: {OFFER: ("Matériel sous-utilisé : {name} à louer", "Prêt de matériel : {name} {adj}"),
         NEED: ("Emprunt {de_name} pour {duration}", "Machine en panne : cherche {name} en prêt")},
    TR: {OFFER: ("Transport entre entreprises : {measure}", "Logistique partagée : {name} {period}"),
         NEED: ("Cherche transporteur vers {city2} le {weekday}", "Besoin de transport : {measure}")},
    SF: {OFFER: ("Prêt de main-d'œuvre : {measure} disponibles", "Personnel disponible {period} : {plural}"),
         NEED: ("Renfort de {plural} pour {duration}", "Mise à disposition de personnel : {measure}")},
    PD: {OFFER: ("Capacité de production disponible : {name}", "Sous-traitance : créneaux libres en {name}"),
         NEED: ("Sous-traitant recherché pour {name}", "Capacité de production recherchée : {measure}")},
    SV: {OFFER: ("Service entre entreprises : {name}", "Échange de compétences : {name} {period}"),
         NEED: ("Besoin d'un prestataire : {name}", "Recherche aide en {name} pour {duration}")},
    SG: {OFFER: ("Déstockage : {plural} à prix cassés", "Fin de série : {measure}", "Invendus à donner : {plural}"),
         NEED: ("Association cherche {plural}", "Rachat de stock : {plural}")},
}
COLD = {OFFER: ("Place au froid disponible {period} à {city}",), NEED: ("Besoin de place au froid pour {duration}",)}
PALLETS = {OFFER: ("Stockage de {q} palettes à {city}",), NEED: ("Stockage temporaire de {q} palettes près de {city}",)}
DESKS = {OFFER: ("Bureaux partagés à {city} : {q} postes libres",), NEED: ("Recherche {q} postes de travail à {city}",)}
ROAD = {OFFER: ("Retour à vide {city} - {city2} le {weekday}", "Groupage {city} → {city2} chaque {weekday}",
                "Places disponibles dans notre camion vers {city2}"),
        NEED: ("Transport de {q} palettes de {city} à {city2}", "Cherche place en camion vers {city2}")}
ITEM_TITLES = {  # titles that only fit some items
    "chambre froide positive": COLD, "chambre froide négative": COLD, "emplacement palettes": PALLETS,
    "bureau équipé": DESKS, "espace de coworking": DESKS, "semi-remorque frigorifique": ROAD,
    "porteur 19 tonnes": ROAD, "place en camion": ROAD,
}

OFFER_OPENINGS = (
    "Nous mettons à disposition {measure} sur notre site de {city}.",
    "Suite à la fin d'un contrat, nous disposons de {measure}.",
    "Notre activité a ralenti et nous pouvons proposer {measure}.",
    "Nous renouvelons notre organisation et proposons {measure} à une entreprise de la région.",
    "Entreprise {de_city}, nous avons {measure} qui ne servent pas en ce moment.",
)
PEOPLE_OFFER_OPENINGS = (
    "Notre activité est calme en ce moment : nous pouvons mettre à disposition {measure}.",
    "Entreprise {de_city}, nous proposons {measure} en prêt de main-d'œuvre pour {duration}.",
    "Plutôt que de mettre notre équipe au chômage partiel, nous proposons {measure} à une entreprise voisine.",
)
SERVICE_OFFER_OPENINGS = (
    "Nous proposons aux entreprises de la région : {name}, soit {measure}.",
    "Entreprise {de_city}, nous pouvons consacrer du temps à d'autres entreprises : {measure}.",
    "Notre équipe a des disponibilités {period} : {measure}.",
)
NEED_OPENINGS = (
    "Nous cherchons {measure} pour {duration}, près de {city}.",
    "Notre fournisseur habituel ne peut pas nous dépanner : il nous faut {measure}.",
    "Pour faire face à un pic d'activité, nous recherchons {measure}.",
    "Entreprise {de_city}, nous avons besoin de {measure} pour {duration}.",
    "Suite à une panne, nous recherchons en urgence {measure}.",
)
CONDITIONS_FREE = (
    "Mise à disposition gratuite, il suffit de venir chercher.", "Gratuit pour les entreprises adhérentes de la CCI.",
    "Cession gratuite, enlèvement à votre charge.", "Nous donnons volontiers, à une association en priorité.",
)
CONDITIONS_PAID = (
    "Tarif au prix coûtant, facture possible.", "Participation aux frais à convenir ensemble.",
    "Location à la semaine ou au mois, tarif dégressif.", "Prix à discuter selon la durée.",
    "Paiement à la livraison, devis sur demande.",
)
CONDITIONS_NEED = (
    "Dédommagement prévu, bien sûr.", "Nous payons au prix du marché.", "Un échange de services est possible.",
    "Nous pouvons rendre la pareille en prêtant notre matériel.",
)
LOGISTICS = (
    "Enlèvement sur place à {city}, aide au chargement.", "Livraison possible dans un rayon de {r} km.",
    "Accès poids lourds et quai de chargement.", "Visite possible sur rendez-vous du lundi au vendredi.",
    "Nous pouvons transporter nous-mêmes dans le {dep_code}.",
)
NEED_LOGISTICS = (
    "Nous passons chercher dans un rayon de {r} km autour de {city}.", "Livraison souhaitée à {city}.",
    "Enlèvement par nos camions dans tout le département.",
)
DATE_SENTENCES = {OFFER: ("Disponible jusqu'au {until}.", "Offre valable jusqu'au {until}."),
                  NEED: ("Besoin jusqu'au {until}.", "Au plus tard jusqu'au {until}.")}

CONTEXT = (
    "Nous sommes une PME de {staff} salariés installée depuis {year}.",
    "Réponse rapide par la messagerie de la plateforme, visite possible avant engagement.",
    "L'entraide entre entreprises du territoire nous tient à cœur, n'hésitez pas à proposer une autre formule.",
    "Une convention simple sera signée entre nos deux entreprises.",
    "Nous préférons une entreprise proche pour limiter les trajets.",
    "Photos et fiche technique sur demande.",
    "Première collaboration de ce type pour nous, nous restons souples sur les modalités.",
)

COMPANY_ACTIVITIES = (
    ("Transports", (TR, ST, SF)), ("Logistique", (ST, TR, EQ)), ("Entrepôts", (ST, EQ, SF)),
    ("Boulangerie", (SG, RM, EQ)), ("Menuiserie", (RM, EQ, PD)), ("Métallerie", (PD, RM, EQ)),
    ("Plasturgie", (PD, RM, SU)), ("Imprimerie", (PD, SU, EQ)), ("Brasserie", (RM, PD, SG)),
    ("Vignobles", (SF, SG, ST)), ("Confection", (PD, RM, SG)), ("Garage", (EQ, PR, SV)),
    ("Cabinet comptable", (SV, PR)), ("Informatique", (SV, EQ, PR)), ("Nettoyage", (SV, SF, SU)),
    ("Bâtiment", (EQ, SF, RM)), ("Traiteur", (PR, SG, SF)), ("Pharmacie", (SU, SV)),
    ("Conserverie", (PD, ST, SG)), ("Hôtel", (PR, SV, SG)), ("Recyclage", (SV, RM, SU)),
    ("Salaisons", (ST, PD, SF)), ("Coopérative agricole", (ST, RM, SF)), ("Mécanique", (PD, EQ, SF)),
)
FAMILY_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
                "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
                "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
                "Garnier", "Faure", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin")
COMPANY_FORMS = ("SARL", "SAS", "SA", "EURL", "SCOP", "")
STREETS = ("rue de la Gare", "avenue de la République", "rue des Artisans", "zone d'activité des Pins",
           "chemin du Moulin", "boulevard de l'Industrie", "rue Pasteur", "route nationale", "impasse des Forges")


def de(word: str) -> str:
    first = word[:1].lower()
    if first in "aeiouyéèêàâîïôûœ" or (first == "h" and not word.lower().startswith(ASPIRATED)):
        return "d'" + word
    return "de " + word


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quantity(rng: random.Random, it: Item) -> float:
    value = rng.uniform(it.low, it.high)
    if it.high >= 1000:
        return float(round(value, -2) or it.low)
    if it.high >= 100:
        return float(round(value, -1) or it.low)
    return float(max(round(value), 1))


def _fmt(q: float) -> str:
    whole = int(q)
    return f"{whole:,}".replace(",", " ") if q == whole else str(q).replace(".", ",")


# --------------------------------------------------------------------------- generation


@dataclass
class Generated:
    companies: list[dict]
    posts: list[dict]


class PostFactory:
    def __init__(self, seed: int = 20260101, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.places = Places.load()
        self.now = now or datetime.now().astimezone()
        naf = geo._data_text("naf.csv").splitlines()[1:]
        self.naf_codes = [line.split(",", 1)[0].replace(".", "") for line in naf if line]

    def companies(self, count: int, start_id: int = 1) -> list[dict]:
        rng, rows = self.rng, []
        for i in range(count):
            commune = self.places.company_commune(rng)
            activity, _ = rng.choice(COMPANY_ACTIVITIES)
            style = rng.random()
            if style < 0.4:
                name = f"{activity} {rng.choice(FAMILY_NAMES)}"
            elif style < 0.7:
                name = f"{activity} {de(commune.name)}"
            else:
                name = f"{activity} {rng.choice(FAMILY_NAMES)} et fils"
            form = rng.choice(COMPANY_FORMS)
            siren = f"{800000000 + start_id + i:09d}"
            created = self.now - timedelta(days=rng.randint(60, 900))
            rows.append({
                "id": start_id + i, "legal_name": f"{form} {name}".strip()[:200], "siret": f"{siren}{rng.randint(0, 99999):05d}",
                "siren": siren, "naf_code": rng.choice(self.naf_codes)[:6],
                "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", **commune.location(),
                "phone": f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                         f"{rng.randint(10, 99)}",
                "contact_email": f"contact{start_id + i}@entreprise.example", "verified": True,
                "suspended_at": None, "created_at": created, "updated_at": created,
                "_activity": activity, "_commune": commune,
            })
        return rows

    def posts(self, count: int, companies: list[dict], start_id: int = 1) -> list[dict]:
        activities = dict(COMPANY_ACTIVITIES)
        return [self.post(start_id + i, self.rng.choice(companies), activities) for i in range(count)]

    def post(self, post_id: int, company: dict, activities: dict | None = None) -> dict:
        rng = self.rng
        activities = activities or dict(COMPANY_ACTIVITIES)
        preferred = activities.get(company.get("_activity"), ())
        category = rng.choice(preferred) if preferred and rng.random() < 0.6 else rng.choice(tuple(Category))
        kind = OFFER if rng.random() < 0.55 else NEED
        it = rng.choice(ITEMS[category])
        company_commune = company["_commune"]
        commune = (self.places.near(rng, company_commune) if rng.random() < POST_ELSEWHERE_SHARE
                   else company_commune)
        q = _quantity(rng, it)
        other = self.places.any(rng)
        words = {
            "name": it.name, "Name": _cap(it.name), "plural": it.plural, "Plural": _cap(it.plural),
            "de_name": de(it.name), "de_city": de(commune.name), "q": _fmt(q), "city": commune.name, "city2": other.name,
            "dep_name": commune.departement_name, "dep_code": commune.departement, "period": rng.choice(PERIODS),
            "duration": rng.choice(DURATIONS), "weekday": rng.choice(WEEKDAYS),
            "adj": rng.choice(ADJ_OFFER if kind is OFFER else ADJ_NEED), "r": rng.choice((10, 20, 30, 50, 100)),
        }
        measure = (it.measure or ("{q} {unit} " + de(it.name)).replace("{unit}", it.unit or "unités"))
        words["measure"] = measure.format(**words)
        words["Measure"] = _cap(words["measure"])
        specific = CATEGORY_TITLES[category][kind]
        generic = OFFER_TITLES if kind is OFFER else NEED_TITLES
        own = ITEM_TITLES.get(it.name, {}).get(kind, ())
        r = rng.random()
        template = rng.choice(own) if own and r < 0.35 else (rng.choice(specific) if r < 0.6 else rng.choice(generic))
        title = template.format(**words)[:150]

        free = self._free(kind, category)
        published = self.now - timedelta(days=rng.uniform(0, 55), seconds=rng.randint(0, 86399))
        renewed = published
        if rng.random() < 0.15:
            renewed = max(published, self.now - timedelta(days=rng.uniform(0, 20)))
        available_from, available_until = self._dates(published)
        if available_until:
            words["until"] = available_until.strftime("%d/%m/%Y")
        description = self._description(kind, category, it, words, free, available_until)
        created = published - timedelta(hours=rng.uniform(1, 96))
        return {
            "id": post_id, "company_id": company["id"], "author_id": None, "kind": kind, "category": category,
            "title": title, "description": description, "quantity": q, "unit": it.unit, **commune.location(),
            "radius_km": rng.choice((10, 20, 30, 50, 100, 200)) if kind is NEED else None,
            "available_from": available_from, "available_until": available_until, "is_free": free,
            "status": PostStatus.PUBLISHED, "entered_by_cci": rng.random() < 0.05,
            "created_at": created, "updated_at": renewed, "submitted_at": created, "published_at": published,
            "renewed_at": renewed, "moderated_at": published,
        }

    def _free(self, kind: PostKind, category: Category) -> bool | None:
        r = self.rng.random()
        if kind is NEED:
            return None if r < 0.5 else (r < 0.6)
        if category in (SG, SU):
            return r < 0.45
        return None if r < 0.2 else r < 0.3

    def _dates(self, published: datetime) -> tuple[date | None, date | None]:
        rng, r = self.rng, self.rng.random()
        start = published.date() if rng.random() < 0.5 else None
        if r < 0.55:
            return start, None
        if r < 0.58:  # past its end date, not yet swept: in the index, filtered at query time
            until = self.now.date() - timedelta(days=rng.randint(1, 10))
        else:
            until = self.now.date() + timedelta(days=rng.randint(1, 180))
        if start and until < start:
            start = None
        return start, until

    def _description(self, kind, category, it: Item, words: dict, free, until) -> str:
        rng = self.rng
        if kind is NEED:
            openings = NEED_OPENINGS
        elif category is SF:
            openings = PEOPLE_OFFER_OPENINGS
        elif category in (SV, PD):
            openings = SERVICE_OFFER_OPENINGS
        else:
            openings = OFFER_OPENINGS
        opening = rng.choice(openings).format(**words)
        sentences = [opening]
        sentences += rng.sample(it.details, k=min(len(it.details), rng.randint(1, 2)))
        if kind is OFFER:
            sentences.append(rng.choice(CONDITIONS_FREE if free else CONDITIONS_PAID))
            extra = LOGISTICS
        else:
            sentences.append(rng.choice(CONDITIONS_NEED))
            extra = NEED_LOGISTICS
        if rng.random() < 0.5:
            sentences.append(rng.choice(extra).format(**words))
        if until and rng.random() < 0.6:
            sentences.append(rng.choice(DATE_SENTENCES[kind]).format(**words))
        if rng.random() < 0.5:
            sentences.append(rng.choice(CONTEXT).format(staff=rng.randint(3, 250), year=rng.randint(1950, 2022)))
        keep = min(len(sentences) - 1, rng.randint(1, 4) if rng.random() < 0.25 else rng.randint(2, 4))
        chosen = sorted(rng.sample(range(1, len(sentences)), k=keep))  # the opening, then 1 to 4 others in order
        return " ".join([sentences[0], *(sentences[i] for i in chosen)])

    def generate(self, posts: int, posts_per_company: int = 20) -> Generated:
        companies = self.companies(max(1, posts // posts_per_company))
        return Generated(companies, self.posts(posts, companies))


def company_row(row: dict) -> dict:
    """The columns of the ``company`` table (without the generator's private keys)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}
