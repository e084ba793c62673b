"""A German CRM export as real ones look (issue 11): Windows-1252, semicolons, CRLF, country names in several
languages and codes, Swiss UIDs with MWST, UK and Norwegian VAT numbers, wrong check digits, postal codes that do
not fit, spreadsheet-mangled numbers and dates, a repeated customer number, rows without a name.

Shared by the accounts import tests and the engine reader tests, so that both read the same file.
"""

from __future__ import annotations

HEADER = "Kd-Nr;Firma;Straße;PLZ;Ort;Land;USt-IdNr.;Telefon;E-Mail;Webseite;Umsatz;Mitarbeiter;Kunde seit;Bemerkung"

# line numbers: the header is line 1, ROWS[0] is line 2
ROWS = [
    "K-1001;Müller Hydraulik GmbH;Hauptstraße 5;01067;Dresden;Deutschland;DE136695976;+49 351 123456;"
    "info@mueller-hydraulik.de;www.mueller-hydraulik.de;1.234.567,89;45;01.02.2019;",
    "K-1002;Glanzwerk AG;Bahnhofstrasse 1;8001;Zürich;Schweiz;CHE-116.281.710 MWST;044 123 45 67;;glanzwerk.ch;;;;",
    "K-1003;Brighton Tools Ltd;1 High Street;SW1A 1AA;London;Großbritannien;GB 980 7806 84;;;;;;;",
    "K-1004;Bayern Prüftechnik GmbH;Leopoldstr. 3;80331;München;D;DE136695977;;;;;;;Prüfziffer falsch",
    "K-1005;Nordsee Fisch Handels GmbH;Am Hafen 2;123;Bremerhaven;DE;;;;;;;;",
    "K-1006;Fratelli Rossi S.r.l.;Via Roma 1;20121;Milano;Italia;IT00743110157;;;;;;;",
    "K-1007;Van Dijk B.V.;Keizersgracht 1;1015 CJ;Amsterdam;NLD;NL004495445B01;;;;;;;",
    "K-1008;Alpen Solar Team (Schweiz);Technikumstr. 9;CH-8400;Winterthur;CH;CHE-123.456.789;;;;;;;",
    "K-1009;Donau Handel GmbH;Ring 1;1010;Wien;Österreich;ATU13585627;;;;;;;",
    "K-1010;Fjord Maskin AS;Karl Johans gate 1;0150;Oslo;Norwegen;NO 974 760 673 MVA;;;;;;;",
    ";Ohne Nummer KG;Königstr. 1;70173;Stuttgart;DE;n/a;;;;;;;kein Debitor",
    "K-1012;;Leerstraße 1;10115;Berlin;DE;;;;;;;;Name fehlt",
    "K-1013;Atlantis Trading;;;;Atlantis;;;;;;;;",
    "K-1014;Webfehler GmbH;;;;;;;;http://;;;;",
    "K-1015;Zahlenchaos GmbH;;;;;;;;;ca. 5 Mio;50-100;seit 2019;",
    "K-1001;Müller Hydraulik GmbH;Hauptstraße 5;01067;Dresden;Deutschland;;;;;;;;Dublette",
    "K-1017;Becker Präzisionstechnik GmbH;Industriestr. 4;D-70173;Stuttgart;Germany;;;;;;;;",
    "K-1018;Société Générale Équipement SA;Rue de Rivoli 1;75008;Paris;Frankreich;FR40303265045;;;;;;;",
    "K-1019;Kowalski Sp. z o.o.;ul. Prosta 1;00950;Warszawa;Polska;PL8567346215;;;;;;;",
    "K-1020;   ;;;;;;;;;;;;nur Leerzeichen",
    "K-1021;Brabant Logistiek;Markt 1;5611;Eindhoven;Niederlande;;;;;;;;",
    "K-1022;Ísland Fisk ehf;;101;Reykjavík;Island;;;;;;;;",
]


def messy_export() -> bytes:
    """The export as Excel writes it for a German user: Windows-1252, semicolons, CRLF."""
    return ("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp1252")


# what a reader must make of it: every row with a name kept ...
ROW_COUNT = 22
NAMELESS_LINES = [13, 21]
KEPT_NAMES = [
    "Müller Hydraulik GmbH",
    "Glanzwerk AG",
    "Brighton Tools Ltd",
    "Bayern Prüftechnik GmbH",
    "Nordsee Fisch Handels GmbH",
    "Fratelli Rossi S.r.l.",
    "Van Dijk B.V.",
    "Alpen Solar Team (Schweiz)",
    "Donau Handel GmbH",
    "Fjord Maskin AS",
    "Ohne Nummer KG",
    "Atlantis Trading",
    "Webfehler GmbH",
    "Zahlenchaos GmbH",
    "Müller Hydraulik GmbH",
    "Becker Präzisionstechnik GmbH",
    "Société Générale Équipement SA",
    "Kowalski Sp. z o.o.",
    "Brabant Logistiek",
    "Ísland Fisk ehf",
]
# ... countries as ISO codes (German, English, local names, alpha-3, vehicle codes) ...
COUNTRIES = {
    "Müller Hydraulik GmbH": "DE",
    "Glanzwerk AG": "CH",
    "Brighton Tools Ltd": "GB",
    "Bayern Prüftechnik GmbH": "DE",
    "Fratelli Rossi S.r.l.": "IT",
    "Van Dijk B.V.": "NL",
    "Alpen Solar Team (Schweiz)": "CH",
    "Donau Handel GmbH": "AT",
    "Fjord Maskin AS": "NO",
    "Becker Präzisionstechnik GmbH": "DE",
    "Société Générale Équipement SA": "FR",
    "Kowalski Sp. z o.o.": "PL",
    "Brabant Logistiek": "NL",
    "Ísland Fisk ehf": "IS",
}
# ... VAT ids of the EU, Switzerland, the UK and Norway recognised; a wrong check digit kept ...
VAT_IDS = {
    "Müller Hydraulik GmbH": "DE136695976",
    "Glanzwerk AG": "CHE116281710",
    "Brighton Tools Ltd": "GB980780684",
    "Bayern Prüftechnik GmbH": "DE136695977",
    "Fratelli Rossi S.r.l.": "IT00743110157",
    "Van Dijk B.V.": "NL004495445B01",
    "Alpen Solar Team (Schweiz)": "CHE123456789",
    "Donau Handel GmbH": "ATU13585627",
    "Fjord Maskin AS": "NO974760673MVA",
    "Société Générale Équipement SA": "FR40303265045",
    "Kowalski Sp. z o.o.": "PL8567346215",
}
# ... and every bad optional field a warning: (line, field, value)
FIELD_WARNINGS = [
    (5, "vat_id", "DE136695977"),  # wrong check digit: kept
    (6, "postal_code", "123"),  # not a German postal code: kept
    (9, "vat_id", "CHE123456789"),  # Swiss UID with a wrong check digit: kept
    (12, "vat_id", "n/a"),  # no VAT id at all: left out
    (14, "country", "Atlantis"),  # unknown country: left out
    (15, "domain", "http://"),  # no domain: left out
    (16, "annual_revenue", "ca. 5 Mio"),
    (16, "employees", "50-100"),
    (16, "customer_since", "seit 2019"),
    (17, "external_id", "K-1001"),  # the same customer number as line 2: kept without it
    (22, "postal_code", "5611"),  # a Dutch postal code without its letters: kept
]
