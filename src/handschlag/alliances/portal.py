"""The partner portal: a partner user sees his own partnership and nothing else (docs/partner-portal.md).

Every page starts from `portal_partner_for(user)`; ids from the URL are looked up only inside that partner.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from handschlag.alliances.access import portal_partner_for
from handschlag.alliances.selectors import agreement_list
from handschlag.core.models import User
from handschlag.mapping.access import access_mapping_run_by_id
from handschlag.mapping.selectors import latest_visible_run_for_partner, sharing_rules_of
from handschlag.mapping.views import overlap_csv, run_context


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    partner = portal_partner_for(_user(request))
    agreements = []
    for agreement in agreement_list(partner=partner):
        agreements.append(
            {
                "agreement": agreement,
                "rules": sharing_rules_of(agreement),
                "run": latest_visible_run_for_partner(agreement=agreement),
            }
        )
    return render(request, "alliances/portal_home.html", {"partner": partner, "agreements": agreements})


@login_required
def portal_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_mapping_run_by_id(_user(request), run_id)
    portal_partner_for(_user(request))
    return render(request, "alliances/portal_run.html", run_context(run, for_partner=True, request=request))


@login_required
def portal_run_export(request: HttpRequest, run_id: int) -> HttpResponseBase:
    portal_partner_for(_user(request))
    return overlap_csv(access_mapping_run_by_id(_user(request), run_id), for_partner=True)
