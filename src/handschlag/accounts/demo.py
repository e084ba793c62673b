"""Demo accounts: generated German Mittelstand companies with consistent postal codes and cities."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from stdnum.iso7064 import mod_11_10

from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.accounts.models import Account, Contact, CustomerInsight, Order
from handschlag.core.demo import DemoContext

# city, first postal code, last postal code (the city's range), federal state
CITIES: list[tuple[str, int, int, str]] = [
    ("Stuttgart", 70173, 70629, "BW"),
    ("Karlsruhe", 76131, 76229, "BW"),
    ("Mannheim", 68159, 68309, "BW"),
    ("Freiburg im Breisgau", 79098, 79117, "BW"),
    ("Ulm", 89073, 89081, "BW"),
    ("Heilbronn", 74072, 74081, "BW"),
    ("Reutlingen", 72760, 72770, "BW"),
    ("Pforzheim", 75172, 75181, "BW"),
    ("Tuttlingen", 78532, 78532, "BW"),
    ("München", 80331, 81929, "BY"),
    ("Nürnberg", 90402, 90491, "BY"),
    ("Augsburg", 86150, 86199, "BY"),
    ("Regensburg", 93047, 93059, "BY"),
    ("Ingolstadt", 85049, 85057, "BY"),
    ("Würzburg", 97070, 97084, "BY"),
    ("Schweinfurt", 97421, 97424, "BY"),
    ("Frankfurt am Main", 60306, 60599, "HE"),
    ("Kassel", 34117, 34134, "HE"),
    ("Darmstadt", 64283, 64297, "HE"),
    ("Wetzlar", 35576, 35586, "HE"),
    ("Köln", 50667, 51149, "NW"),
    ("Düsseldorf", 40210, 40629, "NW"),
    ("Dortmund", 44135, 44388, "NW"),
    ("Essen", 45127, 45359, "NW"),
    ("Bielefeld", 33602, 33739, "NW"),
    ("Münster", 48143, 48167, "NW"),
    ("Siegen", 57072, 57080, "NW"),
    ("Wuppertal", 42103, 42399, "NW"),
    ("Gütersloh", 33330, 33335, "NW"),
    ("Hannover", 30159, 30669, "NI"),
    ("Braunschweig", 38100, 38126, "NI"),
    ("Osnabrück", 49074, 49090, "NI"),
    ("Wolfsburg", 38440, 38448, "NI"),
    ("Hamburg", 20095, 22769, "HH"),
    ("Bremen", 28195, 28779, "HB"),
    ("Kiel", 24103, 24159, "SH"),
    ("Lübeck", 23552, 23570, "SH"),
    ("Berlin", 10115, 14199, "BE"),
    ("Potsdam", 14467, 14482, "BB"),
    ("Leipzig", 4103, 4357, "SN"),
    ("Dresden", 1067, 1328, "SN"),
    ("Chemnitz", 9111, 9247, "SN"),
    ("Erfurt", 99084, 99099, "TH"),
    ("Jena", 7743, 7751, "TH"),
    ("Magdeburg", 39104, 39130, "ST"),
    ("Halle (Saale)", 6108, 6132, "ST"),
    ("Rostock", 18055, 18147, "MV"),
    ("Mainz", 55116, 55131, "RP"),
    ("Kaiserslautern", 67655, 67663, "RP"),
    ("Saarbrücken", 66111, 66133, "SL"),
]
REGIONS = [
    "Schwarzwald",
    "Allgäu",
    "Nordsee",
    "Rhein",
    "Main",
    "Elbe",
    "Bodensee",
    "Harz",
    "Eifel",
    "Spessart",
    "Odenwald",
    "Alb",
    "Weser",
    "Mosel",
    "Saale",
    "Donau",
    "Isar",
    "Neckar",
    "Ruhr",
    "Lahn",
    "Rhön",
    "Taunus",
    "Sauerland",
    "Vogtland",
    "Hohenlohe",
    "Kraichgau",
    "Emsland",
    "Lausitz",
    "Wetterau",
    "Altmühl",
]
TRADES = [
    "Präzisionstechnik",
    "Antriebstechnik",
    "Maschinenbau",
    "Hydraulik",
    "Stahlbau",
    "Kunststofftechnik",
    "Fördertechnik",
    "Elektronik",
    "Armaturen",
    "Werkzeugbau",
    "Gießerei",
    "Verpackungstechnik",
    "Automation",
    "Oberflächentechnik",
    "Lasertechnik",
    "Messtechnik",
    "Pumpenwerk",
    "Zerspanung",
    "Feinmechanik",
    "Anlagenbau",
    "Kältetechnik",
    "Filtertechnik",
    "Schweißtechnik",
    "Dichtungstechnik",
    "Sensorik",
    "Lebensmitteltechnik",
    "Medizintechnik",
    "Metallbau",
    "Druckluft",
    "Getriebebau",
]
FAMILY_NAMES = [
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
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Maier",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Haas",
    "Vogel",
]
SUFFIXES = ["", "", "", " & Söhne", " Gruppe", " Werke", " Systeme", " Technik"]
LEGAL_FORMS = ["GmbH"] * 12 + ["GmbH & Co. KG"] * 5 + ["AG", "KG", "e.K.", "UG (haftungsbeschränkt)", "OHG"]
INDUSTRIES = [
    "Maschinenbau",
    "Automobilzulieferer",
    "Elektrotechnik",
    "Metallverarbeitung",
    "Kunststoff",
    "Lebensmittel",
    "Medizintechnik",
    "Chemie",
    "Logistik",
    "Energie",
    "Bau",
    "Verpackung",
]
STREETS = [
    "Industriestraße",
    "Gewerbestraße",
    "Am Hafen",
    "Werkstraße",
    "Mühlenweg",
    "Lindenallee",
    "Talstraße",
    "Bergstraße",
    "Ringstraße",
    "Kanalstraße",
    "Am Bahnhof",
    "Gartenstraße",
    "Hafenstraße",
    "Innovationspark",
    "Technologiepark",
    "Im Gewerbegebiet",
    "Daimlerweg",
    "Eichenweg",
    "Wiesenstraße",
]
FIRST_NAMES = [
    "Anna",
    "Lena",
    "Julia",
    "Sarah",
    "Katrin",
    "Petra",
    "Sabine",
    "Nina",
    "Eva",
    "Laura",
    "Michael",
    "Thomas",
    "Andreas",
    "Ralf",
    "Markus",
    "Frank",
    "Jan",
    "Florian",
    "Daniel",
    "Matthias",
    "Sven",
]
POSITIONS = [
    "Einkaufsleitung",
    "Geschäftsführung",
    "Technische Leitung",
    "Produktionsleitung",
    "Qualitätsmanagement",
    "Strategischer Einkauf",
    "Werksleitung",
    "Instandhaltung",
]
PRODUCTS = [
    "Linearachse LX-200",
    "Spindelmodul SM-40",
    "Fräszentrum FZ-5",
    "Montagezelle MZ-3",
    "Steuerung KB-Control 7",
    "Greifersystem GS-12",
    "Förderband FB-900",
    "Ersatzteilpaket",
]
GOALS = [
    "Durchlaufzeit in der Fertigung um 15 % senken",
    "Zweiten Standort in Polen anlaufen lassen",
    "Energieverbrauch je Teil senken",
    "Ausschussquote unter 1 % bringen",
]
RISKS = [
    "Hauptkunde aus der Automobilbranche reduziert Abrufe",
    "Fachkräftemangel in der Instandhaltung",
    "Lieferengpass bei Elektronikkomponenten",
]
CONSTRAINTS = [
    "Investitionen über 250.000 € nur mit Konzernfreigabe",
    "Keine Stillstände in Kalenderwoche 30 bis 32",
    "Zertifizierung nach IATF 16949 verlangt",
]


def _slug(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def german_vat_id(serial: int) -> str:
    body = f"{10_000_000 + serial % 89_999_999:08d}"
    return "DE" + body + mod_11_10.calc_check_digit(body)


def company_name(random_source: object, index: int) -> str:
    from random import Random

    assert isinstance(random_source, Random)
    style = index % 3
    if style == 0:
        return f"{random_source.choice(REGIONS)} {random_source.choice(TRADES)}"
    if style == 1:
        return f"{random_source.choice(FAMILY_NAMES)} {random_source.choice(TRADES)}{random_source.choice(SUFFIXES)}"
    return f"{random_source.choice(FAMILY_NAMES)} & {random_source.choice(FAMILY_NAMES)}{random_source.choice(SUFFIXES)}"


def build_accounts(context: DemoContext, *, count: int) -> list[Account]:
    rng = context.random
    sellers = context.sellers
    today = dt.date(2026, 11, 23)
    used_names: set[str] = set()
    accounts: list[Account] = []
    for index in range(count):
        name = company_name(rng, index)
        if name in used_names:
            name = f"{name} {rng.choice(['Nord', 'Süd', 'Ost', 'West', 'Mitte'])} {index}"
        used_names.add(name)
        city, first_code, last_code, _state = rng.choice(CITIES)
        status = rng.choices(list(AccountStatus), weights=[45, 45, 10])[0]
        accounts.append(
            Account(
                name=name,
                legal_form=rng.choice(LEGAL_FORMS),
                external_id=f"KB-{100000 + index}",
                domain=f"{_slug(name)}.de",
                street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                postal_code=f"{rng.randint(first_code, last_code):05d}",
                city=city,
                country="DE",
                vat_id=german_vat_id(index * 7919 + 13),
                industry=rng.choice(INDUSTRIES),
                employees=rng.choice([25, 40, 80, 120, 180, 250, 400, 650, 900, 1500, 3200]),
                annual_revenue=Decimal(rng.randint(20, 4000) * 100_000),
                status=status,
                customer_since=today - dt.timedelta(days=rng.randint(200, 9000))
                if status != AccountStatus.PROSPECT
                else None,
                owner=rng.choice(sellers) if sellers else None,
                tags=",".join(
                    rng.sample(
                        ["A-Kunde", "Export", "Rahmenvertrag", "Service", "Neukunde 2026"],
                        k=rng.randint(0, 2),
                    )
                ),
            )
        )
    for account in accounts:
        account.refresh_search_text()
    Account.objects.bulk_create(accounts, batch_size=5000)
    saved = list(Account.objects.order_by("pk")[:count])
    if context.size == "small":
        _build_details(context, saved, today)
    return saved


def _build_details(context: DemoContext, accounts: list[Account], today: dt.date) -> None:
    rng = context.random
    contacts, orders, insights = [], [], []
    for account in accounts:
        for _ in range(rng.randint(1, 3)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(FAMILY_NAMES)
            contacts.append(
                Contact(
                    account=account,
                    first_name=first,
                    last_name=last,
                    position=rng.choice(POSITIONS),
                    email=f"{_slug(first)}.{_slug(last)}@{account.domain}",
                    phone=f"+49 {rng.randint(30, 9999)} {rng.randint(100000, 9999999)}",
                )
            )
        if account.status == AccountStatus.CUSTOMER:
            for number in range(rng.randint(0, 4)):
                orders.append(
                    Order(
                        account=account,
                        number=f"AB-{account.pk:05d}-{number + 1}",
                        value=Decimal(rng.randint(8, 400) * 1000) + Decimal(rng.randint(0, 99)) / 100,
                        due_date=today + dt.timedelta(days=rng.randint(-20, 160)),
                        status=rng.choice(
                            [
                                OrderStatus.OPEN,
                                OrderStatus.CONFIRMED,
                                OrderStatus.IN_PRODUCTION,
                                OrderStatus.DELIVERED,
                            ]
                        ),
                        product=rng.choice(PRODUCTS),
                    )
                )
            if rng.random() < 0.4:
                insights.append(
                    CustomerInsight(
                        account=account,
                        kind=InsightKind.GOAL,
                        text=rng.choice(GOALS),
                        review_date=today + dt.timedelta(days=rng.randint(10, 120)),
                    )
                )
                insights.append(
                    CustomerInsight(
                        account=account,
                        kind=InsightKind.RISK,
                        text=rng.choice(RISKS),
                        review_date=today + dt.timedelta(days=rng.randint(10, 120)),
                    )
                )
                insights.append(
                    CustomerInsight(
                        account=account, kind=InsightKind.CONSTRAINT, text=rng.choice(CONSTRAINTS)
                    )
                )
    Contact.objects.bulk_create(contacts, batch_size=5000)
    Order.objects.bulk_create(orders, batch_size=5000)
    CustomerInsight.objects.bulk_create(insights, batch_size=5000)
