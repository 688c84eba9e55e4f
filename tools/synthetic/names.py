"""Area, device and entity names in German, French, Spanish or Dutch (a stress option).

:func:`translate_home` renames a generated home after the fact: every English word of an
area, device or entity name is put into the language (one of several words for most, drawn
per home: :data:`VARIANTS`), and ids are slugified from the new
names as Home Assistant does (``"Küche"`` → ``kuche``), so that nothing but the names
changes. Device classes and units stay, as Home Assistant keeps them in English; person
names and ``sun.sun`` / ``zone.home`` stay too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import re
from typing import Final
import unicodedata

import numpy as np

from custom_components.homeiq.core.home import Area, Automation, Entity, Home

from .model import GroundTruth, SyntheticHome

# English words and phrases of the generator's names → (de, fr, es, nl). Phrases first.
WORDS: Final[dict[str, tuple[str, str, str, str]]] = {
    "master bedroom": (
        "Elternschlafzimmer",
        "Chambre parentale",
        "Dormitorio principal",
        "Ouderslaapkamer",
    ),
    "living room": ("Wohnzimmer", "Salon", "Salón", "Woonkamer"),
    "dining room": ("Esszimmer", "Salle à manger", "Comedor", "Eetkamer"),
    "family room": ("Spielzimmer", "Salle de jeux", "Sala familiar", "Speelkamer"),
    "back yard": ("Hinterhof", "Arrière-cour", "Patio trasero", "Achtertuin"),
    "car park": ("Tiefgarage", "Parking souterrain", "Aparcamiento", "Parkeergarage"),
    "parking space": ("Stellplatz", "Place de parking", "Plaza de aparcamiento", "Parkeerplek"),
    "storage unit": ("Kellerabteil", "Cave", "Cuarto trastero", "Opslagruimte"),
    "garage door": ("Garagentor", "Porte de garage", "Puerta del garaje", "Garagedeur"),
    "washing machine": ("Waschmaschine", "Lave-linge", "Lavadora", "Wasmachine"),
    "wood stove": ("Kaminofen", "Poêle à bois", "Estufa de leña", "Houtkachel"),
    "soil moisture": ("Bodenfeuchte", "Humidité du sol", "Humedad del suelo", "Bodemvocht"),
    "signal strength": ("Signalstärke", "Force du signal", "Intensidad de señal", "Signaalsterkte"),
    "pool pump": ("Poolpumpe", "Pompe de piscine", "Bomba de piscina", "Zwembadpomp"),
    "smart plug": ("Zwischenstecker", "Prise connectée", "Enchufe inteligente", "Slimme stekker"),
    "front door": ("Haustür", "Porte d'entrée", "Puerta principal", "Voordeur"),
    "back door": ("Hintertür", "Porte arrière", "Puerta trasera", "Achterdeur"),
    "kitchen": ("Küche", "Cuisine", "Cocina", "Keuken"),
    "hallway": ("Flur", "Couloir", "Pasillo", "Gang"),
    "hall": ("Diele", "Vestibule", "Recibidor", "Hal"),
    "entry": ("Eingang", "Entrée", "Entrada", "Ingang"),
    "entrance": ("Eingangsbereich", "Accès", "Acceso", "Toegang"),
    "foyer": ("Vorraum", "Hall d'entrée", "Vestíbulo", "Voorportaal"),
    "stairs": ("Treppe", "Escalier", "Escalera", "Trap"),
    "bedroom": ("Schlafzimmer", "Chambre", "Dormitorio", "Slaapkamer"),
    "bathroom": ("Badezimmer", "Salle de bain", "Baño", "Badkamer"),
    "office": ("Arbeitszimmer", "Bureau", "Despacho", "Kantoor"),
    "laundry": ("Waschküche", "Buanderie", "Lavadero", "Washok"),
    "basement": ("Keller", "Sous-sol", "Sótano", "Kelder"),
    "attic": ("Dachboden", "Grenier", "Desván", "Zolder"),
    "garage": ("Garage", "Garage", "Garaje", "Garage"),
    "garden": ("Garten", "Jardin", "Jardín", "Tuin"),
    "yard": ("Hof", "Cour", "Corral", "Erf"),
    "patio": ("Sitzplatz", "Patio", "Patio", "Patio"),
    "terrace": ("Terrasse", "Terrasse", "Terraza", "Terras"),
    "porch": ("Vordach", "Porche", "Porche", "Veranda"),
    "balcony": ("Balkon", "Balcon", "Balcón", "Balkon"),
    "driveway": ("Einfahrt", "Allée", "Entrada de coches", "Oprit"),
    "parking": ("Parkplatz", "Stationnement", "Aparcamiento", "Parkeerplaats"),
    "pool": ("Schwimmbad", "Piscine", "Piscina", "Zwembad"),
    "shed": ("Schuppen", "Abri", "Cobertizo", "Schuur"),
    "storage": ("Abstellraum", "Débarras", "Trastero", "Berging"),
    "locker": ("Kellerverschlag", "Casier", "Taquilla", "Kluis"),
    "motion": ("Bewegung", "Mouvement", "Movimiento", "Beweging"),
    "sensor": ("Sensor", "Capteur", "Sensor", "Sensor"),
    "ceiling": ("Deckenlampe", "Plafonnier", "Techo", "Plafondlamp"),
    "light": ("Licht", "Lumière", "Luz", "Licht"),
    "lamp": ("Leuchte", "Lampe", "Lámpara", "Lamp"),
    "outdoor": ("Außen", "Extérieur", "Exterior", "Buiten"),
    "door": ("Tür", "Porte", "Puerta", "Deur"),
    "window": ("Fenster", "Fenêtre", "Ventana", "Raam"),
    "climate": ("Klima", "Climat", "Clima", "Klimaat"),
    "multisensor": ("Multisensor", "Multicapteur", "Multisensor", "Multisensor"),
    "temperature": ("Temperatur", "Température", "Temperatura", "Temperatuur"),
    "humidity": ("Luftfeuchtigkeit", "Humidité", "Humedad", "Luchtvochtigheid"),
    "thermostat": ("Thermostat", "Thermostat", "Termostato", "Thermostaat"),
    "exhaust": ("Abluft", "Extraction", "Extractor", "Afzuig"),
    "fan": ("Lüfter", "Ventilateur", "Ventilador", "Ventilator"),
    "blinds": ("Rollladen", "Volets", "Persianas", "Jaloezieën"),
    "tv": ("Fernseher", "Télé", "Tele", "Televisie"),
    "speaker": ("Lautsprecher", "Enceinte", "Altavoz", "Luidspreker"),
    "plug": ("Steckdose", "Prise", "Enchufe", "Stekker"),
    "power": ("Leistung", "Puissance", "Potencia", "Vermogen"),
    "dishwasher": ("Spülmaschine", "Lave-vaisselle", "Lavavajillas", "Vaatwasser"),
    "dryer": ("Trockner", "Sèche-linge", "Secadora", "Droger"),
    "leak": ("Leck", "Fuite", "Fuga", "Lek"),
    "smoke": ("Rauch", "Fumée", "Humo", "Rook"),
    "detector": ("Melder", "Détecteur", "Detector", "Melder"),
    "water": ("Wasser", "Eau", "Agua", "Water"),
    "main": ("Haupt", "Principal", "General", "Hoofd"),
    "valve": ("Ventil", "Vanne", "Válvula", "Klep"),
    "lock": ("Schloss", "Serrure", "Cerradura", "Slot"),
    "alarm": ("Alarmanlage", "Alarme", "Alarma", "Alarm"),
    "panel": ("Zentrale", "Centrale", "Panel", "Paneel"),
    "home": ("Haus", "Maison", "Casa", "Huis"),
    "camera": ("Kamera", "Caméra", "Cámara", "Camera"),
    "chime": ("Gong", "Carillon", "Timbre", "Deurbel"),
    "opener": ("Antrieb", "Motorisation", "Motor", "Aandrijving"),
    "irrigation": ("Bewässerung", "Arrosage", "Riego", "Beregening"),
    "controller": ("Steuerung", "Contrôleur", "Controlador", "Regelaar"),
    "soil": ("Boden", "Sol", "Suelo", "Bodem"),
    "moisture": ("Feuchte", "Humidité", "Humedad", "Vocht"),
    "pump": ("Pumpe", "Pompe", "Bomba", "Pomp"),
    "well": ("Brunnen", "Puits", "Pozo", "Put"),
    "pressure": ("Druck", "Pression", "Presión", "Druk"),
    "stove": ("Ofen", "Poêle", "Estufa", "Kachel"),
    "monitor": ("Überwachung", "Surveillance", "Monitor", "Bewaking"),
    "building": ("Gebäude", "Immeuble", "Edificio", "Gebouw"),
    "intercom": ("Gegensprechanlage", "Interphone", "Portero", "Intercom"),
    "energy": ("Energie", "Énergie", "Energía", "Energie"),
    "meter": ("Zähler", "Compteur", "Contador", "Meter"),
    "battery": ("Batterie", "Batterie", "Batería", "Batterij"),
    "illuminance": ("Helligkeit", "Luminosité", "Luminosidad", "Lichtsterkte"),
    "signal": ("Signal", "Signal", "Señal", "Signaal"),
    "strength": ("Stärke", "Force", "Intensidad", "Sterkte"),
    "front": ("Vorne", "Avant", "Delantero", "Voor"),
    "back": ("Hinten", "Arrière", "Trasera", "Achter"),
    "notify": ("Benachrichtigung", "Notifier", "Notificar", "Melding"),
    "phone": ("Telefon", "Téléphone", "Teléfono", "Telefoon"),
}
# More ways people name the same thing, per English word: (de, fr, es, nl) alternatives to
# the words above. Each home draws one of the word and its alternatives per English word
# (and keeps it for all its names), so that a stress corpus also holds names a vocabulary
# written from the first words alone would not know.
VARIANTS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "master bedroom": (
        ("Hauptschlafzimmer", "Elternzimmer"),
        ("Chambre principale", "Suite parentale"),
        ("Habitación principal", "Dormitorio de matrimonio"),
        ("Hoofdslaapkamer", "Grote slaapkamer"),
    ),
    "living room": (
        ("Wohnbereich", "Stube"),
        ("Séjour", "Pièce à vivre"),
        ("Sala de estar", "Estancia"),
        ("Zitkamer", "Huiskamer"),
    ),
    "dining room": (
        ("Essbereich", "Essecke"),
        ("Coin repas", "Espace repas"),
        ("Zona de comedor", "Sala comedor"),
        ("Eethoek", "Eetruimte"),
    ),
    "family room": (
        ("Hobbyraum", "Fernsehzimmer"),
        ("Salle TV", "Salle de loisirs"),
        ("Cuarto de juegos", "Sala de TV"),
        ("Tv-kamer", "Hobbykamer"),
    ),
    "back yard": (
        ("Garten hinten", "Hintergarten"),
        ("Jardin arrière", "Jardin"),
        ("Jardín trasero", "Patio de atrás"),
        ("Tuin achter", "Achtererf"),
    ),
    "car park": (
        ("Parkhaus", "Garagenhof"),
        ("Parking", "Garage collectif"),
        ("Garaje comunitario", "Parking"),
        ("Parkeerkelder", "Parkeerterrein"),
    ),
    "parking space": (
        ("Parkplatz", "Autostellplatz"),
        ("Place de stationnement", "Emplacement"),
        ("Plaza de garaje", "Plaza de parking"),
        ("Parkeervak", "Eigen parkeerplaats"),
    ),
    "storage unit": (
        ("Kellerraum", "Lagerabteil"),
        ("Box de stockage", "Cellier"),
        ("Trastero comunitario", "Bodega"),
        ("Kelderberging", "Box"),
    ),
    "garage door": (
        ("Garagentür", "Garagenrolltor"),
        ("Portail garage", "Porte garage"),
        ("Portón del garaje", "Puerta cochera"),
        ("Garagepoort", "Kanteldeur"),
    ),
    "wood stove": (
        ("Holzofen", "Schwedenofen"),
        ("Insert", "Cheminée"),
        ("Chimenea", "Salamandra"),
        ("Haard", "Pelletkachel"),
    ),
    "pool pump": (
        ("Filterpumpe", "Pumpe Pool"),
        ("Pompe filtration", "Filtration piscine"),
        ("Depuradora", "Bomba depuradora"),
        ("Filterpomp", "Zwembadfilter"),
    ),
    "kitchen": (
        ("Wohnküche", "Kochnische"),
        ("Coin cuisine", "Kitchenette"),
        ("Cocina americana", "Cocineta"),
        ("Woonkeuken", "Kookhoek"),
    ),
    "hallway": (
        ("Gang", "Korridor"),
        ("Dégagement", "Corridor"),
        ("Corredor", "Distribuidor"),
        ("Overloop", "Hal"),
    ),
    "entry": (
        ("Windfang", "Eingangsbereich"),
        ("Sas d'entrée", "Vestibule"),
        ("Recibidor", "Entradita"),
        ("Entree", "Hal"),
    ),
    "stairs": (
        ("Treppenhaus", "Stiegenhaus"),
        ("Montée d'escalier", "Cage d'escalier"),
        ("Escaleras", "Hueco de escalera"),
        ("Trappenhuis", "Traphal"),
    ),
    "bedroom": (
        ("Kinderzimmer", "Schlafraum"),
        ("Chambre d'amis", "Chambre enfant"),
        ("Habitación", "Cuarto"),
        ("Kinderkamer", "Logeerkamer"),
    ),
    "bathroom": (
        ("Bad", "Duschbad"),
        ("Salle d'eau", "SDB"),
        ("Aseo", "Cuarto de baño"),
        ("Douche", "Natte cel"),
    ),
    "office": (
        ("Büro", "Homeoffice"),
        ("Espace bureau", "Télétravail"),
        ("Oficina", "Estudio"),
        ("Werkkamer", "Studeerkamer"),
    ),
    "laundry": (
        ("Hauswirtschaftsraum", "Wäscheraum"),
        ("Lingerie", "Laverie"),
        ("Cuarto de lavado", "Lavandería"),
        ("Bijkeuken", "Wasruimte"),
    ),
    "basement": (
        ("Untergeschoss", "Kellergeschoss"),
        ("Cave", "Soubassement"),
        ("Bodega", "Semisótano"),
        ("Souterrain", "Kelderruimte"),
    ),
    "attic": (
        ("Spitzboden", "Speicher"),
        ("Combles", "Mansarde"),
        ("Buhardilla", "Altillo"),
        ("Vliering", "Zolderkamer"),
    ),
    "garage": (
        ("Doppelgarage", "Carport"),
        ("Box", "Garage double"),
        ("Cochera", "Garaje doble"),
        ("Carport", "Inpandige garage"),
    ),
    "garden": (
        ("Vorgarten", "Rasen"),
        ("Pelouse", "Potager"),
        ("Huerto", "Césped"),
        ("Voortuin", "Gazon"),
    ),
    "yard": (
        ("Innenhof", "Grundstück"),
        ("Arrière-cour", "Cour arrière"),
        ("Patio", "Terreno"),
        ("Binnenplaats", "Achtererf"),
    ),
    "patio": (
        ("Gartenterrasse", "Freisitz"),
        ("Terrasse", "Cour"),
        ("Terraza", "Patio interior"),
        ("Terras", "Zitje"),
    ),
    "terrace": (
        ("Dachterrasse", "Sonnenterrasse"),
        ("Terrasse couverte", "Toit-terrasse"),
        ("Azotea", "Terraza cubierta"),
        ("Dakterras", "Zonneterras"),
    ),
    "porch": (
        ("Veranda", "Eingangsüberdachung"),
        ("Auvent", "Marquise"),
        ("Portal", "Soportal"),
        ("Portiek", "Luifel"),
    ),
    "balcony": (
        ("Loggia", "Südbalkon"),
        ("Loggia", "Balconnet"),
        ("Balconcillo", "Galería"),
        ("Loggia", "Frans balkon"),
    ),
    "driveway": (
        ("Hofeinfahrt", "Zufahrt"),
        ("Accès garage", "Entrée de cour"),
        ("Vado", "Rampa"),
        ("Inrit", "Parkeerstrook"),
    ),
    "parking": (
        ("Stellplatz", "Parkfläche"),
        ("Place de parking", "Parc auto"),
        ("Estacionamiento", "Plaza"),
        ("Parkeerplek", "Parkeervak"),
    ),
    "pool": (
        ("Pool", "Swimmingpool"),
        ("Bassin", "Piscine extérieure"),
        ("Alberca", "Pileta"),
        ("Pool", "Buitenbad"),
    ),
    "shed": (
        ("Gartenhaus", "Gerätehaus"),
        ("Abri de jardin", "Cabane"),
        ("Caseta", "Casita de jardín"),
        ("Tuinhuis", "Schuurtje"),
    ),
    "storage": (
        ("Lagerraum", "Vorratskammer"),
        ("Réserve", "Remise"),
        ("Despensa", "Almacén"),
        ("Opslag", "Bergruimte"),
    ),
    "locker": (
        ("Kellerabteil", "Verschlag"),
        ("Cave", "Box"),
        ("Trastero", "Cuartito"),
        ("Berging", "Box"),
    ),
    "irrigation": (
        ("Beregnung", "Gartenbewässerung"),
        ("Irrigation", "Goutte-à-goutte"),
        ("Irrigación", "Aspersores"),
        ("Sproeier", "Bewatering"),
    ),
    "well": (
        ("Tiefbrunnen", "Gartenbrunnen"),
        ("Forage", "Puits artésien"),
        ("Sondeo", "Pozo artesiano"),
        ("Waterput", "Bron"),
    ),
    "stove": (
        ("Kamin", "Kaminofen"),
        ("Cheminée", "Insert"),
        ("Chimenea", "Salamandra"),
        ("Haard", "Houtkachel"),
    ),
    "building": (
        ("Wohnanlage", "Mehrfamilienhaus"),
        ("Résidence", "Bâtiment"),
        ("Comunidad", "Finca"),
        ("Flat", "Complex"),
    ),
    "intercom": (
        ("Sprechanlage", "Türsprechanlage"),
        ("Visiophone", "Parlophone"),
        ("Telefonillo", "Videoportero"),
        ("Deurtelefoon", "Parlofoon"),
    ),
    "lamp": (
        ("Stehlampe", "Tischlampe"),
        ("Lampadaire", "Lampe de chevet"),
        ("Flexo", "Lámpara de pie"),
        ("Staande lamp", "Schemerlamp"),
    ),
    "ceiling": (
        ("Deckenleuchte", "Deckenlicht"),
        ("Suspension", "Plafond"),
        ("Lámpara de techo", "Plafón"),
        ("Hanglamp", "Plafonnière"),
    ),
    "outdoor": (
        ("Draußen", "Aussenbereich"),
        ("Dehors", "Extérieure"),
        ("Afuera", "Exteriores"),
        ("Buitenkant", "Tuinzijde"),
    ),
}
LANGUAGE_INDEX: Final = {"de": 0, "fr": 1, "es": 2, "nl": 3}
NAMES_STREAM: Final = 0x4E_414D_4553  # mixed into the home's seed for the words it draws
KEPT_ENTITIES: Final = frozenset({"sun.sun", "zone.home"})
_PHRASES: Final = sorted(WORDS, key=lambda phrase: -len(phrase.split()))


def slugify(text: str) -> str:
    """An id from a name, as Home Assistant's ``slugify`` makes it (``"Küche 2"`` → ``kuche_2``)."""
    text = text.replace("ß", "ss").replace("Æ", "AE").replace("æ", "ae")
    text = text.replace("Ø", "O").replace("ø", "o").replace("Œ", "OE").replace("œ", "oe")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug or "unknown"


def word_choices(language: str, rng: np.random.Generator) -> dict[str, str]:
    """One word in ``language`` per English word: the first one or one of its variants."""
    index = LANGUAGE_INDEX[language]
    choices = {}
    for phrase, translations in WORDS.items():
        options = (translations[index], *(VARIANTS[phrase][index] if phrase in VARIANTS else ()))
        choices[phrase] = options[int(rng.integers(len(options)))]
    return choices


def translate_words(text: str, language: str, words: Mapping[str, str] | None = None) -> str:
    """A name (or an id's words, ``_`` for spaces) with every known English word translated.

    ``words`` (from :func:`word_choices`) says which word each English word becomes; by
    default the first word of :data:`WORDS`.
    """
    index = LANGUAGE_INDEX[language]
    chosen = words if words is not None else {p: t[index] for p, t in WORDS.items()}
    words_in = text.replace("_", " ").split()
    out: list[str] = []
    position = 0
    while position < len(words_in):
        for phrase in _PHRASES:
            size = len(phrase.split())
            if " ".join(words_in[position : position + size]).lower() == phrase:
                out.append(chosen[phrase])
                position += size
                break
        else:
            out.append(words_in[position])
            position += 1
    return " ".join(out)


def _new_id(old: str, language: str, words: Mapping[str, str], taken: set[str]) -> str:
    """An entity id (``domain.object_id``) or an area id, translated, slugified and unique."""
    domain, dot, object_id = old.partition(".")
    base = slugify(translate_words(object_id if dot else old, language, words))
    prefix = f"{domain}." if dot else ""
    candidate, number = f"{prefix}{base}", 1
    while candidate in taken:
        number += 1
        candidate = f"{prefix}{base}_{number}"
    taken.add(candidate)
    return candidate


def translate_home(synthetic: SyntheticHome, language: str) -> SyntheticHome:
    """The same home with its areas, devices and entities named in ``language``.

    The home draws its words (:func:`word_choices`) from a stream of its own seed, so the
    same home is always named the same way.
    """
    if language not in LANGUAGE_INDEX:
        raise ValueError(f"language must be one of {tuple(LANGUAGE_INDEX)}")
    home = synthetic.home
    rng = np.random.default_rng([synthetic.truth.seed, NAMES_STREAM, LANGUAGE_INDEX[language]])
    words = word_choices(language, rng)
    area_ids: dict[str, str] = {}
    taken_areas: set[str] = set()
    for area_id in home.areas:
        area_ids[area_id] = _new_id(area_id, language, words, taken_areas)
    entity_ids: dict[str, str] = {}
    taken: set[str] = set(KEPT_ENTITIES)
    for entity_id in home.entities:
        if entity_id in KEPT_ENTITIES or entity_id.startswith("person."):
            entity_ids[entity_id] = entity_id
            taken.add(entity_id)
    for entity_id in home.entities:
        if entity_id not in entity_ids:
            entity_ids[entity_id] = _new_id(entity_id, language, words, taken)

    def area(area_id: str | None) -> str | None:
        return None if area_id is None else area_ids.get(area_id, area_id)

    def entity(entity_id: str) -> str:
        return entity_ids.get(entity_id, entity_id)

    def name(text: str | None) -> str | None:
        return None if text is None else translate_words(text, language, words)

    def entity_name(entity_id: str, value: Entity) -> str | None:
        return value.name if entity_ids[entity_id] == entity_id else name(value.name)

    renamed = Home(
        areas={
            area_ids[a]: Area(area_ids[a], name(v.name) or v.name, v.floor_id, v.floor_level)
            for a, v in home.areas.items()
        },
        devices={
            d: replace(v, name=name(v.name) or v.name, area_id=area(v.area_id))
            for d, v in home.devices.items()
        },
        entities={
            entity(e): replace(
                v, entity_id=entity(e), area_id=area(v.area_id), name=entity_name(e, v)
            )
            for e, v in home.entities.items()
        },
        histories={entity(e): h for e, h in home.histories.items()},
        automations=[
            Automation(
                a.automation_id,
                a.name,
                a.enabled,
                tuple(entity(e) for e in a.trigger_entities),
                tuple(entity(e) for e in a.action_entities),
                a.action_services,
            )
            for a in home.automations
        ],
        external=home.external,
        window_start=home.window_start,
        window_end=home.window_end,
        time_zone=home.time_zone,
    )
    truth = synthetic.truth
    translated = GroundTruth(
        home_type=truth.home_type,
        seed=truth.seed,
        occupants=truth.occupants,
        routine=truth.routine,
        synergies=[
            replace(s, cause_entity=entity(s.cause_entity), effect_entity=entity(s.effect_entity))
            for s in truth.synergies
        ],
        failures=[
            replace(f, entity_ids=tuple(entity(e) for e in f.entity_ids)) for f in truth.failures
        ],
        vacations=truth.vacations,
        climate_zone=truth.climate_zone,
        grid_region=truth.grid_region,
        utc_offset_h=truth.utc_offset_h,
    )
    return SyntheticHome(renamed, translated)


__all__ = [
    "LANGUAGE_INDEX",
    "VARIANTS",
    "WORDS",
    "slugify",
    "translate_home",
    "translate_words",
    "word_choices",
]
