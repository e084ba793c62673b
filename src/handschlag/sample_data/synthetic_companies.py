"""A generated, labelled corpus of real-looking German and European companies, for tests and benchmarks.

Two lists ("left" and "right") describe partly the same companies, each written the way a different CRM
would: legal forms spelled differently, umlauts as ü/ue/u, abbreviations, typos, domains as URLs or e-mail
addresses, Straße/Str./Strasse, missing fields, moved companies. The right list also holds *hard negatives*:
different companies with the same name in another city, or a similar name in the same city.

Names are invented (syllables, common German surnames as company names, made-up brands); nothing here
describes a real person or a real company. The same seed always gives the same corpus.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from handschlag.matching.records import COMPANY_FIELDS, CompanyRecord

_SURNAMES: Final = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Köhler",
    "Maier",
    "Jäger",
    "König",
    "Groß",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Vogel",
    "Friedrich",
    "Günther",
    "Keller",
    "Frank",
    "Berger",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäckel",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Thomas",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Schäfer",
    "Ludwig",
    "Heß",
    "Nagel",
    "Brückner",
)
_SYLLABLES_START: Final = (
    "Bra",
    "Hel",
    "Kor",
    "Lin",
    "Mar",
    "Sto",
    "Wen",
    "Zel",
    "Fal",
    "Gru",
    "Ha",
    "Ket",
    "Lo",
    "Ro",
    "Ste",
    "Ul",
    "Vo",
    "Wi",
    "Ber",
    "Dor",
    "Eg",
    "Fri",
    "Gol",
    "Hor",
    "Ir",
    "Jan",
    "Kal",
    "Lem",
    "Mo",
    "Nie",
    "Ol",
    "Pre",
    "Rau",
    "Sal",
    "Tan",
    "Wal",
    "Zie",
    "Ans",
    "Bü",
    "Dre",
    "Gö",
    "Kö",
    "Lü",
    "Mö",
    "Rü",
)
_SYLLABLES_MIDDLE: Final = (
    "",
    "",
    "",
    "ben",
    "der",
    "ger",
    "ke",
    "la",
    "len",
    "mer",
    "ne",
    "ri",
    "sel",
    "ter",
    "to",
)
_SYLLABLES_END: Final = (
    "ler",
    "mann",
    "berg",
    "stein",
    "hoff",
    "bach",
    "ner",
    "ke",
    "ow",
    "heim",
    "feld",
    "er",
    "hardt",
    "brock",
    "meier",
    "wald",
    "schläger",
    "ling",
    "dorf",
    "huber",
    "städter",
    "rath",
    "kamp",
    "haus",
    "ert",
)
_INDUSTRIES: Final = (
    "Maschinenbau",
    "Metallbau",
    "Elektrotechnik",
    "Kunststofftechnik",
    "Logistik",
    "Spedition",
    "Antriebstechnik",
    "Steuerungstechnik",
    "Präzisionsteile",
    "Werkzeugbau",
    "Anlagenbau",
    "Verpackung",
    "Holzbau",
    "Gießerei",
    "Druckerei",
    "Software",
    "Consulting",
    "Systemhaus",
    "Medizintechnik",
    "Lebensmittel",
    "Getränke",
    "Bauunternehmung",
    "Dachdeckerei",
    "Sanitärtechnik",
    "Automation",
    "Hydraulik",
    "Pneumatik",
    "Feinmechanik",
    "Oberflächentechnik",
    "Stahlhandel",
    "Elektronik",
    "Umwelttechnik",
    "Energietechnik",
    "Fahrzeugbau",
    "Textilwerke",
    "Möbelwerkstätten",
    "Optik",
    "Sensorik",
    "Robotik",
    "Kältetechnik",
    "Messtechnik",
    "Landtechnik",
    "Schweißtechnik",
    "Lackiererei",
    "Recycling",
    "Gebäudetechnik",
    "Baustoffe",
    "Industrieservice",
    "Zerspanung",
    "Blechbearbeitung",
)
_BRAND_PARTS: Final = (
    "Vol",
    "Nex",
    "Tri",
    "Ara",
    "Cor",
    "Inno",
    "Quan",
    "Ter",
    "Sol",
    "Lum",
    "Pro",
    "Xen",
    "Ver",
    "Orb",
    "Alt",
    "Kin",
    "Hel",
    "Zen",
    "Max",
    "Opt",
)
_BRAND_ENDS: Final = ("aris", "ora", "tec", "onix", "ion", "ex", "ity", "ara", "ico", "antis", "ovo", "umat")

_GERMAN_LEGAL_FORMS: Final = (
    ("GmbH", 50),
    ("GmbH & Co. KG", 14),
    ("AG", 6),
    ("KG", 5),
    ("e.K.", 5),
    ("OHG", 2),
    ("UG (haftungsbeschränkt)", 4),
    ("SE", 1),
    ("", 8),
)
_LEGAL_FORM_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "GmbH": ("GmbH", "GmbH", "GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung", "gmbh", "Gmbh", ""),
    "GmbH & Co. KG": (
        "GmbH & Co. KG",
        "GmbH & Co. KG",
        "GmbH & Co KG",
        "GmbH u. Co. KG",
        "GmbH + Co. KG",
        "",
    ),
    "AG": ("AG", "AG", "Aktiengesellschaft", "A.G.", ""),
    "KG": ("KG", "KG", "Kommanditgesellschaft", ""),
    "e.K.": ("e.K.", "e. K.", "e.Kfm.", "eK", ""),
    "OHG": ("OHG", "oHG", "OHG", ""),
    "UG (haftungsbeschränkt)": ("UG (haftungsbeschränkt)", "UG (haftungsbeschraenkt)", "UG", ""),
    "SE": ("SE", "SE", ""),
    "Ltd": ("Ltd", "Ltd.", "Limited", ""),
    "S.A.": ("S.A.", "SA", ""),
    "S.à r.l.": ("S.à r.l.", "SARL", "S.a.r.l.", ""),
    "B.V.": ("B.V.", "BV", ""),
    "N.V.": ("N.V.", "NV", ""),
    "S.r.l.": ("S.r.l.", "SRL", "srl", ""),
    "S.p.A.": ("S.p.A.", "SpA", ""),
    "Sp. z o.o.": ("Sp. z o.o.", "sp. z o.o.", ""),
    "s.r.o.": ("s.r.o.", "s. r. o.", ""),
    "AB": ("AB", ""),
    "ApS": ("ApS", ""),
    "A/S": ("A/S", ""),
    "": ("",),
}

# (city, variant spellings, postal code range, country, weight)
_CITIES: Final = (
    ("Berlin", ("Berlin",), (10115, 14199), "DE", 40),
    ("Hamburg", ("Hamburg",), (20095, 22769), "DE", 25),
    ("München", ("München", "Muenchen", "Munich"), (80331, 81929), "DE", 25),
    ("Köln", ("Köln", "Koeln", "Cologne"), (50667, 51149), "DE", 18),
    (
        "Frankfurt am Main",
        ("Frankfurt am Main", "Frankfurt", "Frankfurt a.M.", "Frankfurt/Main"),
        (60306, 60599),
        "DE",
        16,
    ),
    ("Stuttgart", ("Stuttgart",), (70173, 70629), "DE", 15),
    ("Düsseldorf", ("Düsseldorf", "Duesseldorf"), (40210, 40629), "DE", 12),
    ("Dortmund", ("Dortmund",), (44135, 44388), "DE", 9),
    ("Essen", ("Essen",), (45127, 45359), "DE", 9),
    ("Leipzig", ("Leipzig",), (4103, 4357), "DE", 9),
    ("Bremen", ("Bremen",), (28195, 28779), "DE", 8),
    ("Dresden", ("Dresden",), (1067, 1328), "DE", 8),
    ("Hannover", ("Hannover", "Hanover"), (30159, 30659), "DE", 8),
    ("Nürnberg", ("Nürnberg", "Nuernberg", "Nuremberg"), (90402, 90491), "DE", 8),
    ("Duisburg", ("Duisburg",), (47051, 47279), "DE", 6),
    ("Bielefeld", ("Bielefeld",), (33602, 33739), "DE", 6),
    ("Bonn", ("Bonn",), (53111, 53229), "DE", 5),
    ("Münster", ("Münster", "Muenster"), (48143, 48167), "DE", 5),
    ("Karlsruhe", ("Karlsruhe",), (76131, 76229), "DE", 5),
    ("Mannheim", ("Mannheim",), (68159, 68309), "DE", 5),
    ("Augsburg", ("Augsburg",), (86150, 86199), "DE", 5),
    ("Braunschweig", ("Braunschweig",), (38100, 38126), "DE", 4),
    ("Chemnitz", ("Chemnitz",), (9111, 9247), "DE", 4),
    ("Aachen", ("Aachen",), (52062, 52080), "DE", 4),
    (
        "Freiburg im Breisgau",
        ("Freiburg im Breisgau", "Freiburg", "Freiburg i. Br."),
        (79098, 79117),
        "DE",
        4,
    ),
    ("Regensburg", ("Regensburg",), (93047, 93059), "DE", 3),
    ("Ulm", ("Ulm",), (89073, 89081), "DE", 3),
    ("Heilbronn", ("Heilbronn",), (74072, 74081), "DE", 3),
    ("Wien", ("Wien", "Vienna"), (1010, 1230), "AT", 6),
    ("Graz", ("Graz",), (8010, 8063), "AT", 2),
    ("Linz", ("Linz",), (4020, 4040), "AT", 2),
    ("Zürich", ("Zürich", "Zuerich", "Zurich"), (8001, 8099), "CH", 4),
    ("Basel", ("Basel",), (4051, 4059), "CH", 2),
    ("Paris", ("Paris",), (75001, 75020), "FR", 4),
    ("Lyon", ("Lyon",), (69001, 69009), "FR", 2),
    ("Strasbourg", ("Strasbourg", "Straßburg"), (67000, 67200), "FR", 2),
    ("Amsterdam", ("Amsterdam",), (1011, 1109), "NL", 3),
    ("Rotterdam", ("Rotterdam",), (3011, 3089), "NL", 2),
    ("Eindhoven", ("Eindhoven",), (5611, 5658), "NL", 2),
    ("Milano", ("Milano", "Mailand", "Milan"), (20121, 20162), "IT", 3),
    ("Warszawa", ("Warszawa", "Warschau", "Warsaw"), (1, 4999), "PL", 2),
    ("Praha", ("Praha", "Prag", "Prague"), (11000, 19900), "CZ", 2),
    ("Luxembourg", ("Luxembourg", "Luxemburg"), (1009, 2999), "LU", 1),
    ("Bruxelles", ("Bruxelles", "Brüssel", "Brussels"), (1000, 1210), "BE", 2),
    ("København", ("København", "Kopenhagen", "Copenhagen"), (1050, 2500), "DK", 1),
    ("Stockholm", ("Stockholm",), (11120, 11860), "SE", 1),
)
_SMALL_TOWN_STARTS: Final = (
    "Neu",
    "Ober",
    "Nieder",
    "Unter",
    "Groß",
    "Klein",
    "Alt",
    "Hohen",
    "Wald",
    "Berg",
    "Rosen",
    "Linden",
    "Eichen",
    "Buchen",
    "Stein",
    "Sonnen",
    "Mühl",
    "Kirch",
    "Schön",
    "Frei",
    "Roth",
    "Weiden",
    "Tann",
    "Elz",
    "Hasel",
    "Birken",
    "Ahorn",
    "Brunn",
    "Burg",
    "Wester",
    "Oster",
    "Süd",
    "Nord",
)
_SMALL_TOWN_ENDS: Final = (
    "hausen",
    "dorf",
    "heim",
    "bach",
    "feld",
    "stadt",
    "berg",
    "burg",
    "au",
    "ingen",
    "hofen",
    "kirchen",
    "weiler",
    "born",
    "brück",
    "rode",
    "felde",
    "tal",
    "see",
    "wald",
)
_STREET_STEMS: Final = (
    "Haupt",
    "Bahnhof",
    "Industrie",
    "Schul",
    "Garten",
    "Dorf",
    "Berg",
    "Kirch",
    "Wald",
    "Ring",
    "Linden",
    "Goethe",
    "Schiller",
    "Mozart",
    "Beethoven",
    "Friedrich",
    "Wilhelm",
    "Bismarck",
    "Kant",
    "Lessing",
    "Markt",
    "Mühlen",
    "Brunnen",
    "Wiesen",
    "Feld",
    "Rosen",
    "Tannen",
    "Birken",
    "Eichen",
    "Hafen",
    "Werk",
    "Gewerbe",
    "Handwerker",
    "Robert-Bosch-",
    "Carl-Benz-",
    "Otto-Hahn-",
    "Max-Planck-",
    "Siemens",
    "Daimler",
    "Röntgen",
    "Einstein",
    "Gutenberg",
    "Zeppelin",
    "Humboldt",
    "Leibniz",
    "Fraunhofer",
    "Dieselstraße",
)
_STREET_KINDS: Final = (
    ("straße", 60),
    ("weg", 15),
    ("allee", 5),
    ("ring", 8),
    ("platz", 4),
    ("damm", 4),
    ("gasse", 4),
)
_TLD_BY_COUNTRY: Final = {
    "DE": "de",
    "AT": "at",
    "CH": "ch",
    "FR": "fr",
    "NL": "nl",
    "IT": "it",
    "PL": "pl",
    "CZ": "cz",
    "LU": "lu",
    "BE": "be",
    "DK": "dk",
    "SE": "se",
}
_FOREIGN_LEGAL_FORMS: Final = {
    "AT": ("GmbH", "AG", "KG", "e.U."),
    "CH": ("AG", "GmbH", "SA"),
    "FR": ("S.A.", "S.à r.l.", "SAS"),
    "NL": ("B.V.", "N.V."),
    "IT": ("S.r.l.", "S.p.A."),
    "PL": ("Sp. z o.o.",),
    "CZ": ("s.r.o.",),
    "LU": ("S.à r.l.", "S.A."),
    "BE": ("S.A.", "B.V."),
    "DK": ("ApS", "A/S"),
    "SE": ("AB",),
}
_COUNTRY_SPELLINGS: Final = {
    "DE": ("DE", "Deutschland", "Germany", "D"),
    "AT": ("AT", "Österreich", "Austria"),
    "CH": ("CH", "Schweiz", "Switzerland"),
    "FR": ("FR", "Frankreich", "France"),
    "NL": ("NL", "Niederlande", "Netherlands"),
    "IT": ("IT", "Italien", "Italy"),
    "PL": ("PL", "Polen", "Poland"),
    "CZ": ("CZ", "Tschechien", "Czech Republic"),
    "LU": ("LU", "Luxemburg", "Luxembourg"),
    "BE": ("BE", "Belgien", "Belgium"),
    "DK": ("DK", "Dänemark", "Denmark"),
    "SE": ("SE", "Schweden", "Sweden"),
}
_NAME_ABBREVIATIONS: Final = (
    ("Gebrüder", "Gebr."),
    ("Maschinenbau", "Masch.bau"),
    ("International", "Intl."),
    ("Technik", "Techn."),
    ("Elektrotechnik", "Elektr."),
    ("Handel", "Hdl."),
)


@dataclass(frozen=True, slots=True)
class Company:
    """The truth about one generated company, before any CRM writes it down."""

    name: str
    legal_form: str
    domain: str
    street: str
    house_number: str
    postal_code: str
    city: str
    city_spellings: tuple[str, ...]
    country: str
    vat_id: str


@dataclass(frozen=True, slots=True)
class LabelledCorpus:
    """Two lists of records and the pairs (left id, right id) that are truly the same company."""

    left: list[CompanyRecord]
    right: list[CompanyRecord]
    true_pairs: set[tuple[str, str]] = field(default_factory=set)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([choice for choice, _ in choices], [weight for _, weight in choices])[0]


def _german_vat_id(rng: random.Random) -> str:
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
    # ISO 7064 MOD 11,10 as in stdnum: start with 5, the check digit makes the checksum 1
    running = 5
    for digit in digits:
        running = (((running or 10) * 2) % 11 + digit) % 10
    for candidate in range(10):
        if (((running or 10) * 2) % 11 + candidate) % 10 == 1:
            return "DE" + "".join(map(str, digits)) + str(candidate)
    return ""


def _austrian_vat_id(rng: random.Random) -> str:
    from stdnum.at import uid

    digits = "".join(str(rng.randint(0, 9)) for _ in range(7))
    return f"ATU{digits}{uid.calc_check_digit(digits)}"


def _french_vat_id(rng: random.Random) -> str:
    siren = rng.randint(100_000_000, 999_999_999)
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siren}"


class _CompanyFactory:
    """Draws distinct companies; ``sibling`` makes hard negatives of an existing one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[tuple[str, str]] = set()
        self.domain_labels: set[str] = set()
        self.small_towns = [self._small_town() for _ in range(2500)]

    def _small_town(self) -> tuple[str, tuple[str, ...], tuple[int, int], str, int]:
        rng = self.rng
        name = rng.choice(_SMALL_TOWN_STARTS) + rng.choice(_SMALL_TOWN_ENDS)
        if rng.random() < 0.08:
            name = "Bad " + name.capitalize()
        postal = rng.randint(1067, 99998)
        return (name, (name,), (postal, postal + rng.randint(0, 3)), "DE", 1)

    def _surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            return rng.choice(_SURNAMES)
        return rng.choice(_SYLLABLES_START) + rng.choice(_SYLLABLES_MIDDLE) + rng.choice(_SYLLABLES_END)

    def _brand(self) -> str:
        return self.rng.choice(_BRAND_PARTS) + self.rng.choice(_BRAND_ENDS)

    def _name(self, city: str) -> str:
        rng = self.rng
        pattern = rng.random()
        if pattern < 0.40:
            return f"{self._surname()} {rng.choice(_INDUSTRIES)}"
        if pattern < 0.52:
            return f"{self._surname()} & {self._surname()}"
        if pattern < 0.60:
            return f"Gebrüder {self._surname()}"
        if pattern < 0.72:
            return f"{self._brand()} {rng.choice(_INDUSTRIES)}"
        if pattern < 0.80:
            letters = "".join(rng.choice("ABCDEFGHKLMNPRSTW") for _ in range(rng.randint(2, 4)))
            return f"{letters} {rng.choice(_INDUSTRIES)}"
        if pattern < 0.86:
            return f"{city.split()[0]}er {rng.choice(_INDUSTRIES)}"
        if pattern < 0.93:
            return f"{self._surname()} {self._brand()}"
        return f"{self._surname()}"

    def _city(self) -> tuple[str, tuple[str, ...], tuple[int, int], str, int]:
        if self.rng.random() < 0.45:
            return self.rng.choice(self.small_towns)
        return self.rng.choices(_CITIES, [city[4] for city in _CITIES])[0]

    def _street(self) -> str:
        stem = self.rng.choice(_STREET_STEMS)
        if stem.endswith("straße"):
            return stem
        kind = _weighted(self.rng, _STREET_KINDS)
        if stem.endswith("-"):
            return stem + kind.capitalize() if kind != "straße" else stem + "Straße"
        return stem + kind

    def _domain(self, name: str, country: str) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return ""
        slug_words = (
            name.lower()
            .replace("ä", "ae")
            .replace("ö", "oe")
            .replace("ü", "ue")
            .replace("ß", "ss")
            .replace("&", " ")
        ).split()
        if len(slug_words) > 1 and rng.random() < 0.4:
            slug_words = [*slug_words[:1], slug_words[-1][:6]]
        slug = rng.choice(("-", "")).join(word for word in slug_words if word.isalnum())
        tld = _TLD_BY_COUNTRY.get(country, "com") if rng.random() < 0.8 else rng.choice(("com", "eu", "de"))
        while slug in self.domain_labels:
            slug = f"{slug}{rng.choice(('-', ''))}{rng.choice(_SMALL_TOWN_ENDS)}"
        self.domain_labels.add(slug)
        return f"{slug}.{tld}"

    def _vat_id(self, country: str) -> str:
        rng = self.rng
        if country == "DE":
            return _german_vat_id(rng)
        if country == "AT":
            return _austrian_vat_id(rng)
        if country == "FR":
            return _french_vat_id(rng)
        return ""

    def _postal(self, postal_range: tuple[int, int], country: str) -> str:
        number = self.rng.randint(*postal_range)
        if country in ("DE", "FR", "IT", "SE"):
            return f"{number:05d}"
        if country == "PL":
            return f"{number:05d}"[:2] + "-" + f"{number:05d}"[2:]
        if country == "NL":
            return f"{number:04d} {self.rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{self.rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
        if country == "CZ":
            return f"{number:05d}"[:3] + " " + f"{number:05d}"[3:]
        return f"{number:04d}"

    def _legal_form(self, country: str) -> str:
        if country == "DE" or country not in _FOREIGN_LEGAL_FORMS:
            return _weighted(self.rng, _GERMAN_LEGAL_FORMS)
        return self.rng.choice(_FOREIGN_LEGAL_FORMS[country])

    def company(self) -> Company:
        rng = self.rng
        while True:
            city, spellings, postal_range, country, _ = self._city()
            name = self._name(city)
            key = (name.lower(), city)
            if key not in self.seen:
                break
        self.seen.add(key)
        return Company(
            name=name,
            legal_form=self._legal_form(country),
            domain=self._domain(name, country),
            street=self._street(),
            house_number=str(rng.randint(1, 180)) + (rng.choice("abc") if rng.random() < 0.1 else ""),
            postal_code=self._postal(postal_range, country),
            city=city,
            city_spellings=spellings,
            country=country,
            vat_id=self._vat_id(country),
        )

    def sibling(self, original: Company) -> Company:
        """A different company that looks like ``original``: same name elsewhere, or similar name nearby."""
        rng = self.rng
        other = self.company()
        if rng.random() < 0.55:
            # same name and legal form, another city, another domain, another VAT id
            while other.city == original.city:
                other = self.company()
            self.seen.add((original.name.lower(), other.city))
            return replace(other, name=original.name, legal_form=original.legal_form)
        # similar name in the same city: another industry or another family member
        words = original.name.split()
        if len(words) > 1 and words[-1] in _INDUSTRIES:
            similar = " ".join([*words[:-1], rng.choice([i for i in _INDUSTRIES if i != words[-1]])])
        else:
            similar = f"{words[0]} {rng.choice(_INDUSTRIES)}"
        if (similar.lower(), original.city) in self.seen:
            return other
        self.seen.add((similar.lower(), original.city))
        postal = original.postal_code if rng.random() < 0.5 else other.postal_code
        return replace(
            other,
            name=similar,
            city=original.city,
            city_spellings=original.city_spellings,
            postal_code=postal,
            country=original.country,
        )


class _CrmWriter:
    """Writes a company down the way a CRM would; ``noise`` scales how messy the record is."""

    def __init__(self, rng: random.Random, noise: float) -> None:
        self.rng = rng
        self.noise = noise

    def _chance(self, probability: float) -> bool:
        return self.rng.random() < probability * self.noise

    def _typo(self, text: str) -> str:
        rng = self.rng
        letters = [index for index, char in enumerate(text) if char.isalpha()]
        if len(letters) < 5:
            return text
        index = rng.choice(letters[1:])
        kind = rng.random()
        if kind < 0.35:
            return text[:index] + text[index + 1 :]
        if kind < 0.65 and index + 1 < len(text):
            return text[:index] + text[index + 1] + text[index] + text[index + 2 :]
        return text[:index] + rng.choice("aeilnorstu") + text[index + 1 :]

    def _umlauts(self, text: str) -> str:
        style = self.rng.random()
        if style < 0.5 / max(self.noise, 1e-9) or not any(char in text for char in "äöüÄÖÜß"):
            return text
        if style < 0.8:
            pairs = (
                ("ä", "ae"),
                ("ö", "oe"),
                ("ü", "ue"),
                ("Ä", "Ae"),
                ("Ö", "Oe"),
                ("Ü", "Ue"),
                ("ß", "ss"),
            )
        else:
            pairs = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("Ä", "A"), ("Ö", "O"), ("Ü", "U"), ("ß", "ss"))
        for umlaut, spelled in pairs:
            text = text.replace(umlaut, spelled)
        return text

    def name(self, company: Company) -> str:
        rng = self.rng
        name = company.name
        if self._chance(0.15):
            for full, short in _NAME_ABBREVIATIONS:
                if full in name:
                    name = name.replace(full, short)
                    break
        if self._chance(0.04) and len(name.split()) > 1 and name.split()[-1] in _INDUSTRIES:
            name = " ".join(name.split()[:-1])
        if "&" in name and self._chance(0.2):
            name = name.replace("&", rng.choice(("und", "u.", "+")))
        name = self._umlauts(name)
        if self._chance(0.12):
            name = self._typo(name)
        spellings = _LEGAL_FORM_SPELLINGS.get(company.legal_form, (company.legal_form,))
        legal_form = rng.choice(spellings) if self._chance(0.8) else company.legal_form
        full = f"{name} {legal_form}".strip()
        case = rng.random()
        if case < 0.05 * self.noise:
            full = full.upper()
        elif case < 0.08 * self.noise:
            full = full.lower()
        if self._chance(0.05):
            full = "  " + full.replace(" ", "  ") + " "
        return full

    def domain(self, company: Company) -> str:
        rng = self.rng
        if not company.domain or self._chance(0.25):
            return ""
        domain = company.domain
        if self._chance(0.05):
            label = domain.rsplit(".", 1)[0]
            domain = f"{label}.{rng.choice(('com', 'eu', 'net'))}"
        style = rng.random()
        if style < 0.3:
            return domain
        if style < 0.5:
            return f"www.{domain}"
        if style < 0.65:
            return f"https://www.{domain}/"
        if style < 0.75:
            return f"http://{domain}/{rng.choice(('kontakt', 'impressum', 'de/start', 'index.html'))}"
        if style < 0.9:
            return f"{rng.choice(('info', 'kontakt', 'vertrieb', 'office'))}@{domain}"
        return domain.upper()

    def street(self, company: Company) -> str:
        rng = self.rng
        if self._chance(0.12):
            return ""
        street = company.street
        if street.lower().endswith("straße"):
            base = street[: -len("straße")]
            street = base + rng.choice(("straße", "str.", "strasse", "Str.", "straße", "-Straße"))
        street = self._umlauts(street)
        if self._chance(0.06):
            street = self._typo(street)
        number = company.house_number
        if number[-1].isalpha() and rng.random() < 0.5:
            number = number[:-1] + " " + number[-1]
        return f"{street} {number}"

    def postal_code(self, company: Company) -> str:
        if self._chance(0.08):
            return ""
        code = company.postal_code
        if code.startswith("0") and self._chance(0.3):
            return code.lstrip("0")
        if self._chance(0.04):
            return f"{company.country}-{code}"
        return code

    def city(self, company: Company) -> str:
        if self._chance(0.08):
            return ""
        city = self.rng.choice(company.city_spellings) if self._chance(0.6) else company.city
        return city.upper() if self._chance(0.03) else city

    def country(self, company: Company) -> str:
        if self._chance(0.3):
            return ""
        return self.rng.choice(_COUNTRY_SPELLINGS.get(company.country, (company.country,)))

    def vat_id(self, company: Company) -> str:
        rng = self.rng
        if not company.vat_id or rng.random() < 0.55:
            return ""
        vat = company.vat_id
        if rng.random() < 0.2:
            vat = vat[:2] + " " + vat[2:5] + " " + vat[5:8] + " " + vat[8:]
        return vat

    def record(self, record_id: str, company: Company) -> CompanyRecord:
        return CompanyRecord(
            id=record_id,
            name=self.name(company),
            domain=self.domain(company),
            street=self.street(company),
            postal_code=self.postal_code(company),
            city=self.city(company),
            country=self.country(company),
            vat_id=self.vat_id(company),
        )


def _moved(factory: _CompanyFactory, company: Company) -> Company:
    """The same company after a move: new address, same name, domain and VAT id."""
    elsewhere = factory.company()
    return replace(
        company,
        street=elsewhere.street,
        house_number=elsewhere.house_number,
        postal_code=elsewhere.postal_code,
        city=elsewhere.city,
        city_spellings=elsewhere.city_spellings,
    )


def generate_corpus(
    left_size: int,
    right_size: int | None = None,
    *,
    overlap: float = 0.3,
    hard_negative_share: float = 0.3,
    seed: int = 20260101,
) -> LabelledCorpus:
    """A labelled pair of company lists.

    ``overlap`` of the left companies also appear (written differently) in the right list;
    ``hard_negative_share`` of the right-only records are look-alikes of left companies that are different
    companies. Right records come in shuffled order.
    """
    right_size = left_size if right_size is None else right_size
    rng = random.Random(seed)
    factory = _CompanyFactory(rng)
    left_writer = _CrmWriter(rng, noise=0.5)
    right_writer = _CrmWriter(rng, noise=1.0)
    shared_count = min(round(left_size * overlap), right_size)
    left_companies = [factory.company() for _ in range(left_size)]
    right_companies: list[tuple[Company, int | None]] = []
    for index in range(shared_count):
        company = left_companies[index]
        if rng.random() < 0.03 and (company.domain or company.vat_id):
            company = _moved(factory, company)
        right_companies.append((company, index))
    right_only = right_size - shared_count
    hard_negatives = int(right_only * hard_negative_share)
    for _ in range(hard_negatives):
        original = left_companies[rng.randrange(shared_count, left_size) if left_size > shared_count else 0]
        right_companies.append((factory.sibling(original), None))
    while len(right_companies) < right_size:
        right_companies.append((factory.company(), None))
    rng.shuffle(right_companies)
    left = [left_writer.record(f"L{index:07d}", company) for index, company in enumerate(left_companies)]
    right: list[CompanyRecord] = []
    true_pairs: set[tuple[str, str]] = set()
    for index, (company, left_index) in enumerate(right_companies):
        record_id = f"R{index:07d}"
        right.append(right_writer.record(record_id, company))
        if left_index is not None:
            true_pairs.add((left[left_index].id, record_id))
    return LabelledCorpus(left=left, right=right, true_pairs=true_pairs)


def records_as_rows(records: list[CompanyRecord]) -> Iterator[tuple[str, ...]]:
    """Rows in ``COMPANY_FIELDS`` order, for writing a CSV."""
    for record in records:
        yield tuple(getattr(record, name) for name in COMPANY_FIELDS)


@dataclass(frozen=True, slots=True)
class QualityFigures:
    """Precision, recall and F1 of found pairs against the truth."""

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


def quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> QualityFigures:
    """Compare found pairs with the true pairs."""
    true_positives = len(found & truth)
    return QualityFigures(true_positives, len(found) - true_positives, len(truth) - true_positives)
