"""Splink (DuckDB backend) on the benchmark files: the established open-source linker, for comparison.

Runs in its own virtual environment (benchmarks/matching/.venv-splink, made by run.py from
requirements.txt), never in the project's. Writes left_id,right_id,score like `handschlag match`.

    python splink_link.py LEFT.csv RIGHT.csv OUT.csv [--one-to-one]

The model is a sensible link-only Fellegi-Sunter setup as the Splink docs describe it: SQL cleaning of
the fields (lower case, accents and umlauts folded, legal forms and punctuation removed, domains reduced to
the host, streets to a standard form), Jaro-Winkler/Levenshtein/exact comparisons, the same kind of
blocking as handschlag (postal code or city with the start of the name, domain, VAT id, address), u by
random sampling, lambda from deterministic rules, m by expectation maximisation, predictions above
probability 0.5: all of them (Splink's link-only output; the real-name corpus has duplicates inside each list,
so a company's true pairs are all its cross pairs), or with --one-to-one each record kept in its best pair only.
Phone (last 8 digits) and e-mail domain (free-mail providers dropped) are compared and blocked on when the files
have them.
"""

# ruff: noqa: S608 - the SQL is built from this script's own table names and the benchmark's file paths

from __future__ import annotations

import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

LEGAL_FORMS = (
    "gmbh & co\\.? kg|gmbh \\+ co\\.? kg|gmbh u\\. co\\.? kg|gesellschaft mit beschränkter haftung|g\\.m\\.b\\.h\\.|"
    "gmbh|aktiengesellschaft|a\\.g\\.|ag|kommanditgesellschaft|kg|e\\. ?k\\.|e\\.kfm\\.|ek|ohg|"
    "ug \\(haftungsbeschränkt\\)|ug \\(haftungsbeschraenkt\\)|ug|se|ltd\\.?|limited|s\\.a\\.|sa|s\\.à r\\.l\\.|"
    "s\\.a\\.r\\.l\\.|sarl|sas|b\\.v\\.|bv|n\\.v\\.|nv|s\\.r\\.l\\.|srl|s\\.p\\.a\\.|spa|sp\\. z o\\.o\\.|"
    "s\\. ?r\\. ?o\\.|ab|aps|a/s|e\\.u\\."
)


def fold(expression: str) -> str:
    return (
        f"strip_accents(replace(replace(replace(replace(lower(trim({expression})), 'ß', 'ss'), 'ae', 'a'), "
        "'oe', 'o'), 'ue', 'u'))"
    )


FREEMAIL = ", ".join(
    f"'{domain}'"
    for domain in (
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "bluewin.ch",
        "aon.at",
        "freenet.de",
    )
)


def clean_table(connection: duckdb.DuckDBPyConnection, name: str, path: str) -> None:
    columns = {
        row[0].lower()
        for row in connection.execute(
            f"describe select * from read_csv('{path}', delim=';', header=true, all_varchar=true)"
        ).fetchall()
    }

    def optional(column: str) -> str:
        return column if column in columns else "null::varchar"

    connection.execute(
        f"""
        create table {name}_raw as select * from read_csv('{path}', delim=';', header=true, all_varchar=true,
                                                            quote='"', escape='"')
        """
    )
    connection.execute(
        f"""
        create table {name} as
        with base as (
            select
                id as unique_id,
                trim(regexp_replace(regexp_replace(lower(trim(name)), '\\s+({LEGAL_FORMS})\\s*$', ''), '\\s+', ' ',
                                    'g')) as name_no_form,
                lower(trim(domain)) as domain_raw,
                lower(trim(street)) as street_raw,
                regexp_replace(postal_code, '[^0-9A-Za-z]', '', 'g') as postal_raw,
                city, country, vat_id,
                {optional("phone")} as phone_raw,
                {optional("email")} as email_raw
            from {name}_raw
        )
        select
            unique_id,
            nullif(trim(regexp_replace({fold("name_no_form")}, '[^a-z0-9]+', ' ', 'g')), '') as name,
            nullif(regexp_replace(regexp_replace(regexp_replace(regexp_replace(domain_raw,
                '^[a-z]+://', ''), '^.*@', ''), '^www\\.', ''), '[/:?#].*$', ''), '') as domain,
            nullif(regexp_replace(regexp_replace(regexp_replace({fold("street_raw")},
                '\\s*\\d+\\s*[a-z]?(\\s*-\\s*\\d+)?\\s*$', ''), 'strasse|str\\.|str\\b', 'str', 'g'),
                '[^a-z0-9]', '', 'g'), '') as street,
            nullif(regexp_extract(street_raw, '(\\d+\\s*[a-z]?)\\s*$', 1), '') as house_number,
            nullif(ltrim(regexp_replace(postal_raw, '^[A-Za-z]+', ''), '0'), '') as postal_code,
            nullif(trim(regexp_replace({fold("city")}, '[^a-z0-9]+', ' ', 'g')), '') as city,
            nullif(regexp_replace(upper(vat_id), '[^A-Z0-9]', '', 'g'), '') as vat_id,
            nullif(right(regexp_replace(coalesce(phone_raw, ''), '[^0-9]', '', 'g'), 8), '') as phone,
            case when lower(split_part(email_raw, '@', 2)) in ({FREEMAIL}) then null
                 else nullif(lower(trim(split_part(email_raw, '@', 2))), '') end as email_domain
        from base
        """
    )


def main(left_path: str, right_path: str, output: str, one_to_one: bool = False) -> None:
    started = time.perf_counter()
    connection = duckdb.connect()
    clean_table(connection, "left_companies", left_path)
    clean_table(connection, "right_companies", right_path)
    db_api = DuckDBAPI(connection)
    left = db_api.register("left_companies", dataset_display_name="left")
    right = db_api.register("right_companies", dataset_display_name="right")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.97, 0.92, 0.85]),
            cl.ExactMatch("domain"),
            cl.ExactMatch("vat_id"),
            cl.ExactMatch("postal_code"),
            cl.JaroWinklerAtThresholds("city", [0.92]),
            cl.LevenshteinAtThresholds("street", [1, 3]),
            cl.ExactMatch("house_number"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email_domain"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("postal_code", "substr(name, 1, 3)"),
            block_on("city", "split_part(name, ' ', 1)"),
            block_on("domain"),
            block_on("vat_id"),
            block_on("postal_code", "street", "house_number"),
            block_on("phone"),
            block_on("email_domain"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("vat_id"), block_on("domain")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postal_code", "substr(name, 1, 3)")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("domain"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    table = predictions.physical_name
    connection.execute(
        f"""
        copy (
            with ranked as (
                select unique_id_l as left_id, unique_id_r as right_id, match_probability as score,
                       row_number() over (partition by unique_id_l order by match_probability desc,
                                          unique_id_r) as rank_left,
                       row_number() over (partition by unique_id_r order by match_probability desc,
                                          unique_id_l) as rank_right
                from {table}
            )
            select left_id, right_id, round(score, 4) as score from ranked
            where {"rank_left = 1 and rank_right = 1" if one_to_one else "true"}
            order by score desc, left_id, right_id
        ) to '{output}' (header, delimiter ',')
        """
    )
    print(f"splink: done in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4], one_to_one="--one-to-one" in sys.argv[4:])
