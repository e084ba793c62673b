"""The German catalogue is complete and keeps every placeholder of its English source."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import handschlag

PO_FILE = Path(handschlag.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
HTML_TAG = re.compile(r"<[^>]*>")  # attribute quotes in markup are not typography
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def _messages() -> list:
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="de")
    return [message for message in catalogue if message.id]


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def _pairs(message) -> list[tuple[str, str]]:
    """(source, translation) pairs; every plural form is checked against the English plural."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        return [(plural if index else singular, text) for index, text in enumerate(message.string)]
    return [(message.id, message.string)]


def test_every_message_is_translated_and_not_fuzzy() -> None:
    untranslated = [
        message.id
        for message in _messages()
        if message.fuzzy or any(not translation.strip() for _source, translation in _pairs(message))
    ]
    assert untranslated == []


def test_translations_keep_the_placeholders() -> None:
    broken = []
    for message in _messages():
        for source, translation in _pairs(message):
            if isinstance(message.id, tuple) and source == message.id[0]:
                # a German singular may spell out the count ("eine") but must name no other placeholder
                if not set(_placeholders(translation)) <= set(_placeholders(message.id[1])):
                    broken.append((source, translation))
            elif _placeholders(source) != _placeholders(translation):
                broken.append((source, translation))
    assert broken == []


def test_german_uses_german_quotation_marks() -> None:
    texts = [
        HTML_TAG.sub("", translation) for message in _messages() for _source, translation in _pairs(message)
    ]
    english_quotes = [
        text for text in texts if "”" in text or '"' in text or text.count("„") != text.count("“")
    ]
    assert english_quotes == []
