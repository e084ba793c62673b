"""The JSON API under /api/v1/: one router per module, one error shape (core/api_support.py)."""

from ninja import NinjaAPI

from handschlag.accounts.api import imports_router
from handschlag.accounts.api import router as accounts_router
from handschlag.accounts.duplicate_api import router as account_duplicates_router
from handschlag.alignment.api import router as alignment_router
from handschlag.alliances.api import agreements_router, offers_router, partners_router
from handschlag.complaints.api import router as complaints_router
from handschlag.complaints.api import rules_router as routing_rules_router
from handschlag.complaints.api import sla_router as sla_policies_router
from handschlag.concessions.api import router as concessions_router
from handschlag.core.api import router as core_router
from handschlag.core.api_support import API_AUTH, install_error_handlers
from handschlag.coselling.api import router as coselling_router
from handschlag.coselling.lead_api import router as coselling_leads_router
from handschlag.insights.api import router as insights_router
from handschlag.mapping.api import router as mappings_router

api = NinjaAPI(
    title="handschlag API",
    version="1",
    description="Accounts, imports and the organisation of a handschlag installation. "
    "Authenticate with `Authorization: Bearer <token>` (create tokens on the API tokens page or with "
    "`handschlag token create --user NAME`). Errors: "
    '`{"error": {"code", "message", "fields": {field: [messages]}}}`.',
    auth=API_AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", account_duplicates_router)  # /account-duplicates
api.add_router("/accounts", accounts_router)
api.add_router("/imports", imports_router)
api.add_router("/complaints", complaints_router)
api.add_router("/routing-rules", routing_rules_router)
api.add_router("/sla-policies", sla_policies_router)
api.add_router("/partners", partners_router)
api.add_router("/agreements", agreements_router)
api.add_router("/offers", offers_router)
api.add_router("/mappings", mappings_router)
# co-selling (opportunities, leads, deal-registrations, incentives), concessions, alignment (surveys, materials,
# icp, goals) and insights add their resources on their own routers (each path starts with its resource name)
api.add_router("/", coselling_router)
api.add_router("/", coselling_leads_router)  # /leads, /deal-registrations
api.add_router("/", concessions_router)
api.add_router("/", alignment_router)
api.add_router("/", insights_router)
