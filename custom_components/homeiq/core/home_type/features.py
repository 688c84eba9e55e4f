"""Home type: features of a whole home (structure and behaviour) for the classifier.

:func:`home_type_features` turns a :class:`Home` into one row of named columns. Structure
says most (outdoor areas, garage, well pump, a building entrance, floors, rooms and how they
stack); what is installed says who lives there (owners fit thermostats, locks, alarm panels
and valves; tenants plug things in); behaviour adds how the home is used (when it is active,
how many people, how often they change floors). Counts are also given per room, so that a
home with part of its entities missing still looks like itself.

Area names come from the user: groups are found with loose patterns, and every feature has a
neutral value when nothing matches (no floors set up, no area at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
import math
import re
from typing import Final
import unicodedata

import numpy as np
import numpy.typing as npt

from ..home import Home
from ..home.selection import home_type_devices, home_type_entities
from ..time import DAY, local_hour_of_day, local_weekday

# The types a home is classified as (the synthetic generator draws its homes from these).
HOME_TYPES: Final[tuple[str, ...]] = (
    "single_family_house",
    "apartment",
    "condo",
    "townhouse",
    "cottage",
)

__all__ = [
    "FEATURE_NAMES",
    "HOME_TYPES",
    "LANGUAGES",
    "VOCABULARY",
    "drop_entities",
    "home_type_features",
    "name_groups",
]

# Words per group and language, written from the languages themselves and from the names in
# real Home Assistant configurations (not from the synthetic generator's lists). A word
# matches a part of a name as Home Assistant slugifies it (``"Küche"`` → ``kuche``), case
# and accents aside: the start of a part ("balcon" in ``balcone``), or the end of a compound
# for words of four letters or more ("tuin" in ``achtertuin``); ``=word`` matches a whole
# part only; words with spaces match consecutive parts. The longest matching word wins, so
# ``gartenhaus`` is a shed (not a garden) and ``waschkuche`` a laundry (not a kitchen).
# German umlauts match both as Home Assistant writes them (``kuche``) and as people
# transliterate them (``kueche``).
VOCABULARY: Final[dict[str, dict[str, str]]] = {
    # Outdoor areas.
    "garden": {
        "en": "garden, yard, lawn, orchard",
        "de": "garten, rasen, =hof, hinterhof, vorhof, wiese, grundstück",
        "fr": "jardin, pelouse, =cour, potager, verger",
        "es": "jardín, césped, huerto, patio trasero",
        "nl": "tuin, gazon, =erf, grasveld",
        "it": "giardino, prato, orto, cortile",
        "pt": "jardim, quintal, relvado, gramado, horta",
        "pl": "ogród, trawnik, podwórko, działka",
        "sv": "trädgård, bakgård, =gård, gräsmatta, tomt",
        "da": "=have, baghave, forhave, plæne, =gård",
        "cs": "zahrada, dvůr, trávník",
    },
    "garage": {
        "en": "garage, carport",
        "de": "garage, carport",
        "fr": "garage",
        "es": "garaje, cochera",
        "nl": "garage, carport",
        "it": "garage, autorimessa, box auto",
        "pt": "garagem",
        "pl": "garaż",
        "sv": "garage, carport",
        "da": "garage, carport",
        "cs": "garáž",
    },
    "driveway": {
        "en": "driveway, drive way",
        "de": "einfahrt, zufahrt, auffahrt",
        "fr": "allée, entrée de garage",
        "es": "entrada de coches, entrada de vehículos, camino de entrada",
        "nl": "oprit, inrit",
        "it": "vialetto, passo carrabile",
        "pt": "entrada de carros, entrada da garagem",
        "pl": "podjazd",
        "sv": "uppfart, infart",
        "da": "indkørsel",
        "cs": "příjezd",
    },
    "parking": {
        "en": "parking, car park, carpark",
        "de": "parkplatz, stellplatz, parkhaus, tiefgarage",
        "fr": "parking, stationnement, place de parking",
        "es": "aparcamiento, estacionamiento, plaza de garaje, parking",
        "nl": "parkeer, parking",
        "it": "parcheggio, posto auto",
        "pt": "estacionamento, vaga de garagem",
        "pl": "parking, hala garażowa",
        "sv": "parkering, p plats, garageplats",
        "da": "parkering, p plads",
        "cs": "parkov",
    },
    "pool": {
        "en": "pool, swimming",
        "de": "pool, schwimmbad, schwimmbecken",
        "fr": "piscine",
        "es": "piscina, alberca",
        "nl": "zwembad",
        "it": "piscina",
        "pt": "piscina",
        "pl": "basen",
        "sv": "pool, simbassäng",
        "da": "pool, svømmebassin",
        "cs": "bazén",
    },
    "porch": {
        "en": "porch, patio, deck, terrace, veranda, pergola, gazebo, stoop",
        "de": "terrasse, veranda, wintergarten, pergola, laube",
        "fr": "terrasse, véranda, porche, patio, perron, pergola",
        "es": "terraza, porche, patio, galería",
        "nl": "terras, veranda, serre, overkapping, patio",
        "it": "terrazza, terrazzo, veranda, portico, porticato, pergolato",
        "pt": "terraço, varanda, alpendre, pátio",
        "pl": "taras, weranda, ganek",
        "sv": "altan, veranda, uteplats, terrass, farstukvist",
        "da": "terrasse, veranda, overdækket",
        "cs": "terasa, veranda",
    },
    "balcony": {
        "en": "balcony, loggia",
        "de": "balkon, loggia",
        "fr": "balcon, loggia",
        "es": "balcón",
        "nl": "balkon, loggia",
        "it": "balcone, loggia, poggiolo",
        "pt": "sacada, varanda",
        "pl": "balkon, loggia",
        "sv": "balkong",
        "da": "altan, balkon",
        "cs": "balkon, lodžie",
    },
    "shed": {
        "en": "=shed, =sheds, barn, workshop, greenhouse, outbuilding",
        "de": "schuppen, gartenhaus, gartenhütte, scheune, werkstatt, gewächshaus, remise",
        "fr": "abri, cabanon, grange, atelier, serre, appentis",
        "es": "cobertizo, caseta, granero, taller, invernadero",
        "nl": "schuur, tuinhuis, werkplaats, broeikas, =kas, loods",
        "it": "capanno, casetta, fienile, serra, officina",
        "pt": "galpão, barracão, celeiro, estufa, oficina",
        "pl": "szopa, stodoła, warsztat, szklarnia, altana",
        "sv": "=bod, friggebod, vedbod, =lada, verkstad, växthus",
        "da": "skur, =lade, værksted, drivhus, udhus",
        "cs": "kůlna, stodola, dílna, skleník",
    },
    # Indoor areas.
    "storage": {
        "en": "storage, locker, storeroom, store room, box room",
        "de": "abstellraum, abstellkammer, lagerraum, kellerabteil, vorratsraum",
        "fr": "débarras, cellier, local de stockage, =box",
        "es": "trastero, almacén, cuarto de almacenamiento",
        "nl": "berging, opslag, bergruimte, kelderbox",
        "it": "ripostiglio, magazzino, sgabuzzino, deposito",
        "pt": "arrecadação, armazém, depósito",
        "pl": "schowek, komórka lokatorska",
        "sv": "förråd, skrubb",
        "da": "depot, pulterkammer, opbevaring",
        "cs": "komora, sklad",
    },
    "basement": {
        "en": "basement, cellar, attic, loft",
        "de": "keller, dachboden, speicher, spitzboden",
        "fr": "sous sol, cave, grenier, combles",
        "es": "sótano, desván, ático, buhardilla, bodega",
        "nl": "kelder, zolder, vliering, souterrain",
        "it": "cantina, seminterrato, scantinato, soffitta, sottotetto, mansarda, taverna",
        "pt": "porão, cave, sótão, subsolo, adega",
        "pl": "piwnica, strych, poddasze",
        "sv": "källare, =vind, =vinden, vindsrum",
        "da": "kælder, loft",
        "cs": "sklep, půda, podkroví",
    },
    "stairs": {
        "en": "stair, landing, =steps",
        "de": "treppe, =stiege, aufgang",
        "fr": "escalier, palier",
        "es": "escalera, rellano, descansillo",
        "nl": "trap, overloop",
        "it": "scala, scale, pianerottolo",
        "pt": "escada, patamar",
        "pl": "schody, klatka schodowa",
        "sv": "trapp",
        "da": "trappe, trappeopgang",
        "cs": "schodiště",
    },
    "family": {
        "en": "family, =den, playroom, play room, rec room, games room, game room, rumpus",
        "de": "spielzimmer, familienzimmer, hobbyraum, partyraum, partykeller, fernsehzimmer",
        "fr": "salle de jeux, salle de jeu, salle familiale",
        "es": "sala de juegos, cuarto de juegos, sala familiar",
        "nl": "speelkamer, hobbykamer, familiekamer",
        "it": "sala giochi, stanza giochi",
        "pt": "sala de jogos, brinquedoteca",
        "pl": "pokój zabaw, bawialnia",
        "sv": "lekrum, allrum, hobbyrum",
        "da": "legeværelse, alrum, hobbyrum",
        "cs": "herna",
    },
    "bedroom": {
        "en": "bedroom, nursery, guest room, guestroom, kids room",
        "de": "schlafzimmer, kinderzimmer, gästezimmer, babyzimmer, jugendzimmer, =schlafen",
        "fr": "chambre, nurserie",
        "es": "dormitorio, habitación, recámara, alcoba, cuarto de invitados",
        "nl": "slaapkamer, kinderkamer, logeerkamer, babykamer",
        "it": "camera da letto, camera ospiti, camera padronale, camera matrimoniale, cameretta",
        "pt": "quarto, suíte",
        "pl": "sypialnia, pokój gościnny, pokój dziecięcy",
        "sv": "sovrum, gästrum, barnrum",
        "da": "soveværelse, børneværelse, gæsteværelse",
        "cs": "ložnice, dětský pokoj",
    },
    "bathroom": {
        "en": "bathroom, bath, toilet, =wc, shower, powder room, restroom, washroom, ensuite",
        "de": "=bad, badezimmer, gästebad, toilette, dusche, =klo",
        "fr": "salle de bain, salle d eau, salle de douche, toilettes, douche, =sdb",
        "es": "baño, cuarto de baño, aseo, ducha",
        "nl": "badkamer, toilet, douche",
        "it": "bagno, antibagno, doccia",
        "pt": "casa de banho, quarto de banho, banheiro, lavabo, duche",
        "pl": "łazienka, toaleta, prysznic",
        "sv": "badrum, toalett, dusch, =toa",
        "da": "badeværelse, =bad, brusebad",
        "cs": "koupelna, záchod, sprcha",
    },
    "office": {
        "en": "office, study, studio",
        "de": "arbeitszimmer, büro, =arbeiten",
        "fr": "bureau",
        "es": "despacho, oficina, estudio",
        "nl": "kantoor, werkkamer, studeerkamer",
        "it": "studio, ufficio",
        "pt": "escritório",
        "pl": "biuro, gabinet",
        "sv": "kontor, arbetsrum",
        "da": "kontor",
        "cs": "pracovna, kancelář",
    },
    "dining": {
        "en": "dining, =dinette",
        "de": "esszimmer, essbereich, essecke, =essen",
        "fr": "salle à manger, coin repas",
        "es": "comedor",
        "nl": "eetkamer, eethoek",
        "it": "sala da pranzo, =pranzo",
        "pt": "sala de jantar",
        "pl": "jadalnia",
        "sv": "matsal, matrum",
        "da": "spisestue",
        "cs": "jídelna",
    },
    "laundry": {
        "en": "laundry, utility",
        "de": "waschküche, waschraum, hauswirtschaftsraum, =hwr",
        "fr": "buanderie, lingerie, local technique, arrière cuisine",
        "es": "lavadero, lavandería, cuarto de lavado",
        "nl": "washok, washuis, wasruimte, bijkeuken",
        "it": "lavanderia, locale tecnico",
        "pt": "lavandaria, lavanderia, área de serviço",
        "pl": "pralnia, kotłownia",
        "sv": "tvättstuga, grovkök, pannrum",
        "da": "vaskerum, bryggers",
        "cs": "prádelna, kotelna",
    },
    # Not a column: the living space (for how floors stack) and outdoors in general.
    "living": {
        "en": "living, lounge, sitting, kitchen, great room, front room, drawing room",
        "de": "wohnzimmer, =wohnen, küche, =kochen, stube, wohnbereich",
        "fr": "salon, séjour, cuisine",
        "es": "salón, sala de estar, =sala, cocina",
        "nl": "woonkamer, zitkamer, huiskamer, keuken",
        "it": "soggiorno, salotto, cucina, =sala, tinello",
        "pt": "sala de estar, =sala, cozinha",
        "pl": "salon, kuchnia",
        "sv": "vardagsrum, =kök, köket, salong",
        "da": "stue, køkken",
        "cs": "obývací, obývák, kuchyň",
    },
    "outside": {
        "en": "outdoor, outside, exterior",
        "de": "außen, draußen",
        "fr": "extérieur, dehors, alentours",
        "es": "exterior, afuera",
        "nl": "buiten",
        "it": "estern, fuori, perimetro",
        "pt": "exterior, extern, =fora",
        "pl": "zewnątrz, zewnętrz",
        "sv": "=ute, utomhus, utsida",
        "da": "=ude, udendørs, udenfor",
        "cs": "venku, venkovní",
    },
    # Devices named for what they are (entity ids).
    "irrigation": {
        "en": "irrigation, sprinkler, watering",
        "de": "bewässerung, beregnung, rasensprenger, sprinkler",
        "fr": "arrosage, irrigation, asperseur",
        "es": "riego, aspersor, irrigación",
        "nl": "beregening, bewatering, sproeier, irrigatie",
        "it": "irrigazione, irrigatore, annaffiatura",
        "pt": "=rega, irrigação, aspersor",
        "pl": "nawadnianie, podlewanie, zraszacz",
        "sv": "bevattning, vattning",
        "da": "vanding",
        "cs": "zavlažování, kropení",
    },
    "wood_stove": {
        "en": "stove, fireplace, chimney, woodburner, wood burner, log burner",
        "de": "kamin, =ofen, holzofen, kachelofen, schwedenofen, schornstein",
        "fr": "poêle, cheminée, insert",
        "es": "estufa, chimenea",
        "nl": "kachel, haard, schoorsteen",
        "it": "stufa, camino, caminetto, termocamino",
        "pt": "lareira, salamandra, recuperador, chaminé",
        "pl": "kominek, =piec, piecyk",
        "sv": "kamin, braskamin, vedspis, kakelugn, eldstad, skorsten",
        "da": "brændeovn, pejs, skorsten",
        "cs": "=krb, kamna",
    },
    "well": {
        "en": "=well, borehole",
        "de": "brunnen",
        "fr": "puits, forage",
        "es": "pozo",
        "nl": "=put, waterput, grondwater",
        "it": "pozzo",
        "pt": "poço, =furo",
        "pl": "studnia, hydrofor",
        "sv": "brunn",
        "da": "brønd",
        "cs": "studna",
    },
    "building": {
        "en": "intercom, building, elevator, =lift, doorman, concierge, lobby",
        "de": "sprechanlage, aufzug, fahrstuhl, =lift, gebäude, hausmeister",
        "fr": "interphone, visiophone, ascenseur, immeuble, concierge, digicode",
        "es": "portero, telefonillo, ascensor, edificio, conserje, portería",
        "nl": "intercom, =lift, gebouw, parlofoon, deurtelefoon",
        "it": "citofono, ascensore, condominio, palazzo, portineria",
        "pt": "interfone, porteiro, elevador, prédio, edifício, condomínio",
        "pl": "domofon, winda, budynek",
        "sv": "porttelefon, =hiss, fastighet",
        "da": "dørtelefon, =elevator, opgang, bygning",
        "cs": "výtah, budova",
    },
    "lamp": {
        "en": "lamp, bulb, strip",
        "de": "lampe, leuchte, birne, lichterkette, streifen",
        "fr": "lampe, lampadaire, ampoule, ruban, guirlande, veilleuse",
        "es": "lámpara, bombilla, =tira, flexo",
        "nl": "lamp, lampje, ledstrip, =peer",
        "it": "lampada, abatjour, piantana, striscia",
        "pt": "lâmpada, candeeiro, abajur, =fita",
        "pl": "lampa, lampka, żarówka, taśma",
        "sv": "lampa, ljusslinga, =slinga",
        "da": "lampe, pære",
        "cs": "lampa, lampička, žárovka",
    },
    "ceiling": {
        "en": "ceiling, chandelier, pendant, downlight",
        "de": "decke, hängeleuchte",
        "fr": "plafonnier, plafond, suspension, lustre",
        "es": "techo, plafón, lámpara de techo, colgante",
        "nl": "plafond, hanglamp",
        "it": "soffitto, plafoniera, lampadario",
        "pt": "teto, tecto, plafon, lustre",
        "pl": "sufit, plafon, żyrandol",
        "sv": "=tak, taklampa, takbelysning, taklampan",
        "da": "loftlampe, loftslampe, pendel",
        "cs": "strop, lustr",
    },
}
LANGUAGES: Final = ("en", "de", "fr", "es", "nl", "it", "pt", "pl", "sv", "da", "cs")
# Groups of area names that are columns, and those of them that are outdoors.
AREA_GROUPS: Final = (
    "garden",
    "garage",
    "driveway",
    "parking",
    "pool",
    "porch",
    "balcony",
    "shed",
    "storage",
    "basement",
    "stairs",
    "family",
    "bedroom",
    "bathroom",
    "office",
    "dining",
    "laundry",
)
OUTDOOR_GROUPS: Final = frozenset(
    {"garden", "garage", "driveway", "parking", "pool", "porch", "balcony", "shed", "outside"}
)
# Signature devices (columns ``has_<device>``), found from entity ids.
ENTITY_GROUPS: Final = (
    "garage_door",
    "irrigation",
    "wood_stove",
    "well",
    "building",
    "pool_pump",
    "outdoor_light",
)
# Where a light is when its id says it is outside.
OUTDOOR_LIGHT_GROUPS: Final = frozenset({"garden", "porch", "driveway", "outside"})
# Device classes that say the same as a name, in every language.
GARAGE_COVER_CLASSES: Final = frozenset({"garage"})
DOMAINS = (
    "light",
    "switch",
    "cover",
    "climate",
    "lock",
    "media_player",
    "alarm_control_panel",
    "valve",
    "fan",
    "camera",
)
# What an owner fits into the building (a tenant rarely may): entity domains.
INSTALLED_DOMAINS = frozenset({"climate", "lock", "alarm_control_panel", "valve", "cover", "fan"})
# Letters Unicode does not decompose, as Home Assistant's slugify writes them.
_LETTERS: Final = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ð": "d"}
)
_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def name_parts(text: str) -> tuple[str, ...]:
    """The parts of a name or id as Home Assistant slugifies it (``"Küche 2"`` → kuche, 2)."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return tuple(part for part in re.split(r"[^a-z0-9]+", ascii_text) if part)


@dataclass(frozen=True, slots=True)
class _Word:
    """One word (or phrase) of :data:`VOCABULARY`, as name parts."""

    parts: tuple[str, ...]
    whole: bool
    groups: frozenset[str]

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    def starts(self, part: str) -> bool:
        """Whether a name part is, or starts with, this word's last part."""
        return part == self.parts[-1] if self.whole else part.startswith(self.parts[-1])

    def ends(self, part: str) -> bool:
        """Whether a name part is a compound that ends with this (one-part) word."""
        word = self.parts[0]
        return not self.whole and len(self.parts) == 1 and len(word) >= 4 and part.endswith(word)


@cache
def _words() -> tuple[tuple[_Word, ...], dict[str, tuple[_Word, ...]]]:
    """Single words, and phrases by their first part."""
    groups: dict[tuple[tuple[str, ...], bool], set[str]] = {}
    for group, languages in VOCABULARY.items():
        for words in languages.values():
            for raw in filter(None, (w.strip() for w in words.split(","))):
                whole = raw.startswith("=")
                text = raw.removeprefix("=")
                for variant in {text, text.lower().translate(_UMLAUTS)}:
                    groups.setdefault((name_parts(variant), whole), set()).add(group)
    single: list[_Word] = []
    phrases: dict[str, list[_Word]] = {}
    for (parts, whole), found in groups.items():
        word = _Word(parts, whole, frozenset(found))
        if len(parts) == 1:
            single.append(word)
        else:
            phrases.setdefault(parts[0], []).append(word)
    return tuple(single), {first: tuple(words) for first, words in phrases.items()}


def _longest(words: list[_Word]) -> tuple[int, frozenset[str]]:
    """Size of the longest words, and their groups (all of them on a tie)."""
    if not words:
        return 0, frozenset()
    size = max(word.size for word in words)
    return size, frozenset().union(*(word.groups for word in words if word.size == size))


@lru_cache(maxsize=16_384)
def _part_match(part: str) -> tuple[int, frozenset[str]]:
    """Size and groups of the single words that match one name part.

    The longest word at the start and the longest at the end both count when they do not
    overlap (``deckenleuchte``: a ceiling light); otherwise the longer one does
    (``waschkuche`` is a laundry, not a kitchen).
    """
    single = _words()[0]
    head, head_groups = _longest([word for word in single if word.starts(part)])
    tail, tail_groups = _longest([word for word in single if word.ends(part)])
    if head and tail and head + tail <= len(part):
        return head + tail, head_groups | tail_groups
    if head == tail:
        return head, head_groups | tail_groups
    return (head, head_groups) if head > tail else (tail, tail_groups)


@lru_cache(maxsize=16_384)
def name_groups(text: str) -> frozenset[str]:
    """Groups of :data:`VOCABULARY` a name or an entity id names, in any of its languages.

    At each part the longest matching word or phrase wins (ties give all their groups).
    """
    parts = name_parts(text)
    phrases = _words()[1]
    found: set[str] = set()
    position = 0
    while position < len(parts):
        size, groups = _part_match(parts[position])
        used = 1
        for phrase in phrases.get(parts[position], ()):
            n = len(phrase.parts)
            if (
                position + n <= len(parts)
                and parts[position + 1 : position + n - 1] == phrase.parts[1:-1]
                and phrase.starts(parts[position + n - 1])
            ):
                if phrase.size > size:
                    size, groups, used = phrase.size, phrase.groups, n
                elif phrase.size == size:
                    groups = groups | phrase.groups
        found |= groups
        position += used
    return frozenset(found)


def _entity_groups(entity_id: str) -> frozenset[str]:
    """Groups an entity's id (its object id) names."""
    return name_groups(entity_id.partition(".")[2])


def _is_lamp(entity_id: str) -> bool:
    """A lamp, bulb or light strip (what a tenant brings), not a ceiling light."""
    found = _entity_groups(entity_id)
    return "lamp" in found and "ceiling" not in found


MOTION_CLASSES = frozenset({"motion", "occupancy", "presence"})
PERIODS = ((0, 6), (6, 10), (10, 17), (17, 24))
FLOOR_CHANGE_S = 300.0  # motion on another floor this soon after: someone took the stairs


def _feature_names() -> tuple[str, ...]:
    names = [
        "log_entities",
        "log_devices",
        "areas",
        "indoor_areas",
        "floors",
        "floor_span",
        "lowest_floor",
        "rooms_per_floor",
        "max_rooms_on_a_floor",
        "living_level",
        "garage_on_a_floor",
        "battery_share",
        "entities_per_area",
        "people",
        *(f"areas_{group}" for group in AREA_GROUPS),
        "outdoor_areas",
        "outdoor_share",
        *(f"has_{group}" for group in ENTITY_GROUPS),
        *(f"{domain}_per_area" for domain in DOMAINS),
        "installed_devices",
        "installed_share",
        "plug_share",
        "lamp_share",
        "window_sensors_per_area",
        "exterior_devices",
        "motion_per_area",
        "door_sensors",
        "motion_events_per_day",
        *(f"motion_share_{start:02d}_{end:02d}" for start, end in PERIODS),
        "outdoor_motion_share",
        "floor_changes_per_day",
        "floor_change_share",
        "user_change_share",
        "home_weekday_daytime_share",
        "home_share",
    ]
    return tuple(names)


FEATURE_NAMES = _feature_names()


def _motion_onsets(home: Home, read: set[str]) -> dict[str, npt.NDArray[np.float64]]:
    """Times each motion / occupancy / presence sensor turns on."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    for entity_id, history in home.histories.items():
        if entity_id not in read:
            continue
        entity = home.entities[entity_id]
        if entity.domain != "binary_sensor":
            continue
        if entity.device_class not in MOTION_CLASSES:
            continue
        if "on" in history.vocabulary:
            on = history.vocabulary.index("on")
            out[entity_id] = np.asarray(history.timestamps[history.codes == on], dtype=np.float64)
    return out


def _presence_shares(home: Home, read: set[str]) -> tuple[float, float]:
    """Share of weekday daytime (10–16 h local) and of all time that people spend at home.

    Sampled every 15 minutes over the window from the person entities' histories.
    """
    if home.window_start is None or home.window_end is None:
        return 0.0, 0.0
    grid = np.arange(home.window_start, home.window_end, 900.0)
    if grid.size == 0:
        return 0.0, 0.0
    hours = local_hour_of_day(grid, home.time_zone)
    weekday = local_weekday(grid, home.time_zone) < 5
    daytime = weekday & (hours >= 10) & (hours < 16)
    at_home = []
    for entity_id, history in home.histories.items():
        if entity_id not in read or not entity_id.startswith("person.") or not len(history):
            continue
        index = np.searchsorted(history.timestamps, grid, side="right") - 1
        states = np.asarray(history.vocabulary, dtype=object)[history.codes]
        home_now = np.where(index >= 0, states[np.maximum(index, 0)] == "home", False)
        at_home.append(home_now.astype(np.float64))
    if not at_home:
        return 0.0, 0.0
    presence = np.mean(at_home, axis=0)
    day_share = float(presence[daytime].mean()) if daytime.any() else 0.0
    return day_share, float(presence.mean())


def _signatures(home: Home, entity_id: str) -> set[str]:
    """Which of :data:`ENTITY_GROUPS` an entity is: by its id, or by its device class."""
    entity = home.entities[entity_id]
    named = _entity_groups(entity_id)
    found: set[str] = {g for g in ("irrigation", "wood_stove", "well", "building") if g in named}
    if "garage" in named or (
        entity.domain == "cover" and entity.device_class in GARAGE_COVER_CLASSES
    ):
        found.add("garage_door")
    if "pool" in named:
        found.add("pool_pump")
    if entity.domain == "light" and named & OUTDOOR_LIGHT_GROUPS:
        found.add("outdoor_light")
    return found


def _stacking(home: Home, groups: dict[str, frozenset[str]]) -> tuple[float, float, float, float]:
    """Rooms per floor (mean, max), living space level above the lowest floor, garage floor.

    Only indoor areas with a floor count; the basement and attic (and floors below ground,
    when there are floors above it) are left out of the stacking. Zero when no floor is set
    up.
    """
    by_level: dict[int, int] = {}
    living: list[int] = []
    garage = 0.0
    for area_id, area in home.areas.items():
        if area.floor_level is None:
            continue
        found = groups[area_id]
        if "garage" in found:
            garage = 1.0
        if found & (OUTDOOR_GROUPS | {"basement", "storage"}):
            continue
        by_level[area.floor_level] = by_level.get(area.floor_level, 0) + 1
        if "living" in found:
            living.append(area.floor_level)
    above = {level: n for level, n in by_level.items() if level >= 0} or by_level
    if not above:
        return 0.0, 0.0, 0.0, garage
    counts = list(above.values())
    ground = min(above)
    level = float(max(min(living) - ground, 0)) if living else 0.0
    return float(np.mean(counts)), float(max(counts)), level, garage


def _area_of(home: Home, entity_id: str) -> str | None:
    entity = home.entities[entity_id]
    if entity.area_id is not None:
        return entity.area_id
    device = home.devices.get(entity.device_id or "")
    return device.area_id if device else None


def _motion_features(
    home: Home, read: set[str], groups: dict[str, frozenset[str]], days: float
) -> tuple[npt.NDArray[np.float64], float, float, float]:
    """All motion onsets, the outdoor share, floor changes per day and their share."""
    onsets = _motion_onsets(home, read)
    if not onsets:
        return np.empty(0, dtype=np.float64), 0.0, 0.0, 0.0
    times, outdoor, levels = [], [], []
    for entity_id, on in onsets.items():
        area_id = _area_of(home, entity_id)
        area = home.areas.get(area_id or "")
        found = groups.get(area_id or "", frozenset())
        times.append(on)
        outdoor.append(np.full(on.size, bool(found & OUTDOOR_GROUPS)))
        level = area.floor_level if area is not None and area.floor_level is not None else None
        indoor_level = np.nan if level is None or found & OUTDOOR_GROUPS else float(level)
        levels.append(np.full(on.size, indoor_level))
    all_times = np.concatenate(times)
    outdoor_share = float(np.concatenate(outdoor).mean()) if all_times.size else 0.0
    order = np.argsort(all_times, kind="stable")
    stamp, level = all_times[order], np.concatenate(levels)[order]
    known = np.isfinite(level)
    stamp, level = stamp[known], level[known]
    close = np.diff(stamp) <= FLOOR_CHANGE_S
    changes = close & (np.diff(level) != 0)
    share = float(changes.sum() / close.sum()) if close.any() else 0.0
    return all_times, outdoor_share, float(changes.sum()) / days, share


def home_type_features(home: Home) -> npt.NDArray[np.float64]:
    """One row of :data:`FEATURE_NAMES` for ``home``."""
    groups = {area_id: name_groups(area.name) for area_id, area in home.areas.items()}
    area_counts = {
        group: sum(1 for found in groups.values() if group in found) for group in AREA_GROUPS
    }
    outdoor_ids = {a for a, found in groups.items() if found & OUTDOOR_GROUPS}
    outdoor = len(outdoor_ids)
    n_areas = len(home.areas)
    areas = max(n_areas, 1)
    indoor = max(n_areas - outdoor, 1)
    entity_ids = home_type_entities(home)
    read = set(entity_ids)
    device_ids = home_type_devices(home)
    domains = [e.partition(".")[0] for e in entity_ids]
    signatures = {e: _signatures(home, e) for e in entity_ids}
    floors = {a.floor_id for a in home.areas.values() if a.floor_id}
    levels = [a.floor_level for a in home.areas.values() if a.floor_level is not None]
    devices = max(len(device_ids), 1)

    def of_class(*classes: str) -> int:
        return sum(
            1
            for e in entity_ids
            if e.startswith("binary_sensor.") and home.entities[e].device_class in classes
        )

    installed = {
        home.entities[e].device_id or e
        for e, d in zip(entity_ids, domains, strict=True)
        if d in INSTALLED_DOMAINS and not signatures[e] & {"building", "garage_door"}
    }
    plugs = sum(
        1
        for e, d in zip(entity_ids, domains, strict=True)
        if d == "switch" and home.entities[e].device_class == "outlet"
    )
    lights = [e for e, d in zip(entity_ids, domains, strict=True) if d == "light"]
    exterior = sum(
        1
        for e, d in zip(entity_ids, domains, strict=True)
        if d in ("light", "camera")
        and (_area_of(home, e) in outdoor_ids or "outdoor_light" in signatures[e])
    )
    motion_sensors = of_class(*MOTION_CLASSES)
    days = (
        max(((home.window_end or 0.0) - (home.window_start or 0.0)) / DAY, 1.0)
        if home.window_start is not None
        else 1.0
    )
    motion, outdoor_motion, floor_changes, floor_change_share = _motion_features(
        home, read, groups, days
    )
    hours = local_hour_of_day(motion, home.time_zone) if motion.size else motion
    shares = [
        float(((hours >= start) & (hours < end)).mean()) if hours.size else 0.0
        for start, end in PERIODS
    ]
    origins = [h.origins for e, h in home.histories.items() if e in read and len(h)]
    all_origins = np.concatenate(origins) if origins else np.empty(0, dtype=np.int8)
    changes = max(all_origins.size, 1)
    row = [
        math.log1p(len(entity_ids)),
        math.log1p(len(device_ids)),
        float(n_areas),
        float(n_areas - outdoor),
        float(len(floors)),
        float(max(levels) - min(levels)) if levels else 0.0,
        float(min(levels)) if levels else -1.0,
        *_stacking(home, groups),
        sum(1 for d in device_ids if home.devices[d].battery_powered) / devices,
        len(entity_ids) / areas,
        float(sum(1 for d in domains if d == "person")),
        *(float(area_counts[group]) for group in AREA_GROUPS),
        float(outdoor),
        outdoor / areas,
        *(float(any(group in found for found in signatures.values())) for group in ENTITY_GROUPS),
        *(sum(1 for d in domains if d == domain) / indoor for domain in DOMAINS),
        float(len(installed)),
        len(installed) / devices,
        plugs / devices,
        sum(1 for e in lights if _is_lamp(e)) / max(len(lights), 1),
        of_class("window") / indoor,
        float(exterior),
        motion_sensors / indoor,
        float(of_class("door", "opening")),
        motion.size / days / max(motion_sensors, 1),
        *shares,
        outdoor_motion,
        floor_changes,
        floor_change_share,
        float((all_origins == 2).sum()) / changes,
        *_presence_shares(home, read),
    ]
    return np.asarray(row, dtype=np.float64)


def drop_entities(home: Home, fraction: float, rng: np.random.Generator) -> Home:
    """A copy of ``home`` with ``fraction`` of its entities (and their histories) removed."""
    ids = sorted(home.entities)
    keep = set(np.asarray(ids)[rng.random(len(ids)) >= fraction].tolist()) if ids else set()
    kept_devices = {home.entities[e].device_id for e in keep}
    return Home(
        areas=dict(home.areas),
        devices={d: dev for d, dev in home.devices.items() if d in kept_devices},
        entities={e: home.entities[e] for e in ids if e in keep},
        histories={e: h for e, h in home.histories.items() if e in keep},
        automations=list(home.automations),
        external=dict(home.external),
        window_start=home.window_start,
        window_end=home.window_end,
        time_zone=home.time_zone,
    )
