"""API validation messages come in the language of the token's owner, whatever the request's Accept-Language."""

import pytest

from handschlag.core.enums import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "invalid", "not_a_number", "bad_vat", "unknown_field"),
    [
        (
            "de",
            "Die Anfrage enthält ungültige Felder.",
            "Bitte geben Sie eine ganze Zahl ein.",
            "Keine gültige USt-IdNr. (prüfen Sie Länderkennung und Ziffern).",
            "Dieses Feld gibt es nicht.",
        ),
        (
            "en",
            "The request has invalid fields.",
            "Enter a whole number.",
            "Not a valid VAT id (check the country prefix and the digits).",
            "This field is not known.",
        ),
    ],
)
def test_validation_messages_in_the_token_owners_language(
    api_as, make_user, language, invalid, not_a_number, bad_vat, unknown_field
):
    client = api_as(make_user(Role.ADMIN, username=f"admin_{language}", language=language))
    # the browser-ish header of a script's HTTP library must not win over the user's own setting
    client.headers["Accept-Language"] = "en" if language == "de" else "de"

    response = client.post(
        "/api/v1/accounts", {"name": "Krause AG", "employees": "viele", "vat_id": "DE123", "colour": "rot"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == invalid
    assert error["fields"]["employees"] == [not_a_number]
    assert error["fields"]["vat_id"] == [bad_vat]
    assert error["fields"]["colour"] == [unknown_field]
