"""Who may see and change what in marketing and sales. Partner users (and anyone without `ALIGNMENT_VIEW`) get 404
everywhere: for them the module does not exist."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from handschlag.alignment.enums import SurveyGroup, SurveyStatus
from handschlag.alignment.models import Campaign, Exchange, IcpVersion, Material, MaterialFeedback, Survey
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


def require_alignment_view(user: User | AnonymousUser) -> None:
    if not has_capability(user, Capability.ALIGNMENT_VIEW):
        raise NotFound


def require_in_module(user: User | AnonymousUser, capability: Capability) -> None:
    """404 for those who may not know the module, 403 for internal users without the capability."""
    require_alignment_view(user)
    if not has_capability(user, capability):
        raise Forbidden


def survey_group_of(user: User | AnonymousUser) -> str | None:
    """The department whose counters a user's answer adds to: marketing (who manages marketing's work) or sales
    (who gives feedback on material); None for everyone else, who does not answer."""
    if not has_capability(user, Capability.SURVEY_ANSWER):
        return None
    if has_capability(user, Capability.MARKETING_MANAGE):
        return SurveyGroup.MARKETING
    if has_capability(user, Capability.MATERIAL_FEEDBACK):
        return SurveyGroup.SALES
    return None


def access_survey_by_id(user: User | AnonymousUser, survey_id: int) -> Survey:
    """Drafts only for those who manage surveys; open and closed ones for every internal user."""
    require_alignment_view(user)
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise NotFound
    if survey.status == SurveyStatus.DRAFT and not has_capability(user, Capability.SURVEYS_MANAGE):
        raise NotFound
    return survey


def access_campaign_by_id(user: User | AnonymousUser, campaign_id: int) -> Campaign:
    require_alignment_view(user)
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound
    return campaign


def access_material_by_id(user: User | AnonymousUser, material_id: int) -> Material:
    require_alignment_view(user)
    material = Material.objects.select_related("campaign").filter(pk=material_id).first()
    if material is None:
        raise NotFound
    return material


def access_feedback_by_id(
    user: User | AnonymousUser, material: Material, feedback_id: int
) -> MaterialFeedback:
    require_alignment_view(user)
    feedback = MaterialFeedback.objects.filter(pk=feedback_id, material=material).first()
    if feedback is None:
        raise NotFound
    return feedback


def access_icp_version_by_id(user: User | AnonymousUser, version_id: int) -> IcpVersion:
    require_alignment_view(user)
    version = IcpVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound
    return version


def access_exchange_by_id(user: User | AnonymousUser, exchange_id: int) -> Exchange:
    require_alignment_view(user)
    exchange = Exchange.objects.select_related("host", "guest").filter(pk=exchange_id).first()
    if exchange is None:
        raise NotFound
    return exchange
