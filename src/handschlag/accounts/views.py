from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.accounts import import_services, services
from handschlag.accounts.access import (
    access_account_by_id,
    access_contact_by_id,
    access_import_run_by_id,
    access_insight_by_id,
    access_order_by_id,
    access_saved_column_mapping_by_id,
    can_edit_account,
)
from handschlag.accounts.enums import ImportStatus
from handschlag.accounts.extensions import account_bulk_actions, account_sections_for
from handschlag.accounts.forms import (
    AccountFilterForm,
    AccountForm,
    ContactForm,
    ImportForm,
    InsightForm,
    OrderForm,
)
from handschlag.accounts.importing import ACCOUNT_IMPORT_FIELDS, field_label
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, InsightInput, OrderInput
from handschlag.accounts.models import Account, ImportRun
from handschlag.accounts.selectors import (
    ACCOUNT_SORT_KEYS,
    AccountFilters,
    DuplicateCandidate,
    account_detail,
    account_list,
    import_row_errors,
    import_row_warnings,
    import_run_list,
    saved_column_mapping_list,
)
from handschlag.core.access import require_capability
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import InputT, ServiceInput, input_from_form
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from handschlag.core.request_parameters import parse_id
from handschlag.core.roles import Capability, has_capability
from handschlag.core.selectors import user_list_internal
from handschlag.core.sorting import sort_from

PAGE_SIZE = 50
IMPORT_SORTABLE = ("file", "created", "by", "status", "rows", "errors")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _filters_from(request: HttpRequest) -> tuple[AccountFilterForm, AccountFilters]:
    form = AccountFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    owner_raw = (data.get("owner") or "").strip()
    # "²" and other non-ASCII digits are no id
    owner_id: int | None = _user(request).pk if owner_raw == "me" else parse_id(owner_raw)
    filters = AccountFilters(
        search=data.get("q", ""),
        status=data.get("status", ""),
        owner_id=owner_id,
        country=data.get("country", ""),
        tag=data.get("tag", ""),
        ordering=sort_from(request, ACCOUNT_SORT_KEYS, "name"),
        archived=bool(data.get("archived")),
    )
    return form, filters


@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_VIEW)
    form, filters = _filters_from(request)
    page = BoundedPaginator(account_list(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "active_section": "accounts",
        "query_without_page": query.urlencode() + "&" if query else "",
        "ordering": filters.ordering,
        "owners": user_list_internal().filter(is_active=True),
        "can_bulk": has_capability(user, Capability.ACCOUNTS_EDIT_OWN),
        "bulk_actions": account_bulk_actions(),
        "can_create": has_capability(user, Capability.ACCOUNTS_CREATE),
        "export_query": query.urlencode(),
    }
    template = "accounts/account_list.html#results" if request.htmx else "accounts/account_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


BULK_ACTIONS = ("owner", "tag")
BULK_MAX = 200


@login_required
@require_POST
def account_bulk_view(request: HttpRequest) -> HttpResponse:
    """Reassign the owner of, or add a tag to, the accounts ticked on the list.

    Each account goes through `account_update`, which checks the actor for that account: a seller changes only
    his own, only makes himself the owner. Refused ones are counted and left alone; the allowed ones are changed
    in one transaction (all or, on an unexpected error, none)."""
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_VIEW)
    back = reverse("accounts:list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    ids = [account_id for raw in request.POST.getlist("account")[:BULK_MAX] if (account_id := parse_id(raw))]
    action = request.POST.get("action", "")
    registered = {registered.name: registered for registered in account_bulk_actions()}
    if not ids or (action not in BULK_ACTIONS and action not in registered):
        messages.error(request, _("Tick at least one account and choose an action."))
        return redirect(back)
    tag = request.POST.get("tag", "").strip().replace(",", " ")[:50]
    owner_id = parse_id(request.POST.get("owner", ""))
    if (action == "tag" and not tag) or (action == "owner" and owner_id is None):
        messages.error(request, _("Choose the new owner or enter the tag."))
        return redirect(back)
    changed = refused = 0
    with transaction.atomic():
        for account_id in dict.fromkeys(ids):
            try:
                account = access_account_by_id(user, account_id)
                if action in registered:
                    with transaction.atomic():
                        registered[action].apply(user, account)
                    changed += 1
                    continue
                if action == "owner":
                    patch = AccountPatch(owner_id=owner_id)
                else:
                    tags = account.tag_list
                    patch = AccountPatch(
                        tags=[*tags, tag] if tag.casefold() not in map(str.casefold, tags) else tags
                    )
                with transaction.atomic():
                    services.account_update(actor=user, account=account, patch=patch)
            except (NotFound, Forbidden, InvalidInput, Conflict):
                refused += 1
            else:
                changed += 1
    text = ngettext("%(count)s account changed.", "%(count)s accounts changed.", changed) % {"count": changed}
    if refused:
        text += " " + ngettext(
            "%(count)s refused: you may not change it so.",
            "%(count)s refused: you may not change them so.",
            refused,
        ) % {"count": refused}
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect(back)


@login_required
def account_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_EXPORT)
    _form, filters = _filters_from(request)
    accounts = account_list(user=user, filters=filters)
    header = [
        _("CRM id"),
        _("Name"),
        _("Legal form"),
        _("Status"),
        _("Domain"),
        _("Street"),
        _("Postal code"),
        _("City"),
        _("Country"),
        _("VAT id"),
        _("Industry"),
        _("Employees"),
        _("Annual revenue (EUR)"),
        _("Customer since"),
        _("Owner"),
        _("Tags"),
    ]
    rows = (
        [
            account.external_id,
            account.name,
            account.legal_form,
            account.get_status_display(),
            account.domain,
            account.street,
            account.postal_code,
            account.city,
            account.country,
            account.vat_id,
            account.industry,
            account.employees,
            account.annual_revenue,
            account.customer_since,
            str(account.owner) if account.owner else "",  # the name, as on every page; not the login
            account.tags,
        ]
        for account in accounts.iterator(chunk_size=2000)
    )
    return csv_response(filename="accounts.csv", header=header, rows=rows)


@login_required
def account_detail_view(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = access_account_by_id(user, account_id)
    context = account_detail(account=account)
    context.update(
        {
            "sections": account_sections_for(request, account),
            "can_edit": can_edit_account(user, account) and not account.is_archived,
            "can_delete": has_capability(user, Capability.ACCOUNTS_DELETE),
            "contact_form": ContactForm(),
            "order_form": OrderForm(),
            "insight_form": InsightForm(),
            "active_section": "accounts",
        }
    )
    return render(request, "accounts/account_detail.html", context)


def _account_input(form: AccountForm, model: type[InputT], **extra: Any) -> InputT | None:
    owner = form.cleaned_data.get("owner")
    return input_from_form(form, model, owner_id=owner.pk if owner else None, **extra)


def _add_account_errors(form: AccountForm, error: InvalidInput | Conflict) -> None:
    """The service names the owner `owner_id` (as the API does); the form calls it `owner`."""
    if isinstance(error, Conflict):
        form.add_error(None, error.message)
        return
    fields = {("owner" if name == "owner_id" else name): texts for name, texts in error.fields.items()}
    form_add_service_errors(form, InvalidInput(error.message, fields=fields, code=error.code))


@login_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_CREATE)
    form = AccountForm(request.POST or None, initial={"country": "DE", "owner": user.pk})
    duplicates: list[DuplicateCandidate] = []
    confirmed = {"confirm_duplicate": request.POST.get("confirm_duplicate") == "1"}
    if (
        request.method == "POST"
        and form.is_valid()
        and (data := _account_input(form, AccountInput, **confirmed))
    ):
        try:
            account = services.account_create(actor=user, data=data)
        except services.PossibleDuplicate as duplicate:
            duplicates = duplicate.candidates
        except (InvalidInput, Conflict) as error:
            _add_account_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": account})
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "duplicates": duplicates, "active_section": "accounts"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_edit_view(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = access_account_by_id(user, account_id, for_write=True)
    form = AccountForm(request.POST or None, instance=Account.objects.get(pk=account.pk))
    if request.method == "POST" and form.is_valid() and (patch := _account_input(form, AccountPatch)):
        try:
            services.account_update(actor=user, account=account, patch=patch)
        except (InvalidInput, Conflict) as error:
            _add_account_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:detail", account.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": account, "active_section": "accounts"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def account_delete_view(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = access_account_by_id(user, account_id)
    try:
        services.account_delete(actor=user, account=account)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("accounts:detail", account.pk)
    messages.success(request, _("Account %(name)s deleted.") % {"name": account})
    return redirect("accounts:list")


@login_required
@require_POST
def account_archive_view(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = services.account_archive(actor=user, account=access_account_by_id(user, account_id))
    messages.success(request, _("Account %(name)s archived.") % {"name": account})
    return redirect("accounts:detail", account.pk)


@login_required
@require_POST
def account_restore_view(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = services.account_restore(actor=user, account=access_account_by_id(user, account_id))
    messages.success(request, _("Account %(name)s restored.") % {"name": account})
    return redirect("accounts:detail", account.pk)


@dataclass(frozen=True)
class ChildResource:
    """Contacts, orders and goals/risks/constraints share one add / edit / delete flow on the account page."""

    form_class: type[forms.Form]
    input_class: type[ServiceInput]
    access: Callable[[User, Account, int], models.Model]
    create: Callable[..., models.Model]
    update: Callable[..., models.Model]
    delete: Callable[..., None]
    keyword: str
    title: str
    anchor: str


CHILDREN = {
    "contacts": ChildResource(
        ContactForm,
        ContactInput,
        access_contact_by_id,
        services.contact_create,
        services.contact_update,
        services.contact_delete,
        "contact",
        _("Contact"),
        "contacts",
    ),
    "orders": ChildResource(
        OrderForm,
        OrderInput,
        access_order_by_id,
        services.order_create,
        services.order_update,
        services.order_delete,
        "order",
        _("Order"),
        "orders",
    ),
    "insights": ChildResource(
        InsightForm,
        InsightInput,
        access_insight_by_id,
        services.insight_create,
        services.insight_update,
        services.insight_delete,
        "insight",
        _("Goal, risk or constraint"),
        "insights",
    ),
}


def _child(kind: str) -> ChildResource:
    if kind not in CHILDREN:
        raise NotFound
    return CHILDREN[kind]


@login_required
@require_POST
def child_add(request: HttpRequest, account_id: int, kind: str) -> HttpResponse:
    user = _user(request)
    child = _child(kind)
    account = access_account_by_id(user, account_id, for_write=True)
    form = child.form_class(request.POST)
    if form.is_valid() and (data := input_from_form(form, child.input_class)):
        try:
            child.create(actor=user, account=account, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Added."))
            return redirect(reverse("accounts:detail", args=[account.pk]) + f"#{child.anchor}")
    context = account_detail(account=account)
    context.update(
        {
            "sections": account_sections_for(request, account),
            "can_edit": True,
            "can_delete": has_capability(user, Capability.ACCOUNTS_DELETE),
            "contact_form": ContactForm(),
            "order_form": OrderForm(),
            "insight_form": InsightForm(),
            f"{child.keyword}_form": form,
            "active_section": "accounts",
        }
    )
    return render(request, "accounts/account_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, account_id: int, kind: str, child_id: int) -> HttpResponse:
    user = _user(request)
    child = _child(kind)
    account = access_account_by_id(user, account_id, for_write=True)
    instance = child.access(user, account, child_id)
    initial = {name: getattr(instance, name) for name in child.form_class.base_fields}
    form = child.form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (data := input_from_form(form, child.input_class)):
        try:
            child.update(actor=user, **{child.keyword: instance}, data=data)
        except InvalidInput as error:
            form_add_service_errors(form, error)
        except Conflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("accounts:detail", args=[account.pk]) + f"#{child.anchor}")
    return render(
        request,
        "accounts/child_form.html",
        {
            "form": form,
            "account": account,
            "title": child.title,
            "kind": kind,
            "child": instance,
            "active_section": "accounts",
        },
    )


@login_required
@require_POST
def child_delete(request: HttpRequest, account_id: int, kind: str, child_id: int) -> HttpResponse:
    user = _user(request)
    child = _child(kind)
    account = access_account_by_id(user, account_id, for_write=True)
    child.delete(actor=user, **{child.keyword: child.access(user, account, child_id)})
    messages.success(request, _("Deleted."))
    return redirect(reverse("accounts:detail", args=[account.pk]) + f"#{child.anchor}")


# --- imports -------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.ACCOUNTS_IMPORT)
    saved_mappings = list(saved_column_mapping_list())
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        saved_mappings=[(mapping.pk, mapping.name) for mapping in saved_mappings],
    )
    if request.method == "POST" and form.is_valid():
        try:
            # the page always shows the columns first: the user confirms or changes them, then it runs
            run = import_services.import_run_create(
                actor=user,
                upload=form.cleaned_data["file"],
                preset=form.cleaned_data["preset"],
                mode=form.cleaned_data["mode"],
                saved_mapping=form.cleaned_data["saved_mapping"] or None,
                confirm_columns=True,
            )
        except InvalidInput as error:
            form_add_service_errors(form, error)
        else:
            return redirect("accounts:import_detail", run.pk)
    ordering = sort_from(request, IMPORT_SORTABLE, "-created")
    runs = Paginator(import_run_list(ordering=ordering), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/import_list.html",
        {
            "form": form,
            "page": runs,
            "ordering": ordering,
            "query_without_page": query.urlencode() + "&" if query else "",
            "active_section": "imports",
            "saved_mappings": saved_mappings,
        },
        status=400 if form.errors else 200,
    )


def _invalid_text(problem: InvalidInput) -> str:
    if not problem.fields:
        return problem.message
    return " ".join(message for messages_of_field in problem.fields.values() for message in messages_of_field)


def _import_columns_page(
    request: HttpRequest,
    run: ImportRun,
    *,
    chosen: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The column mapping of an upload: per column its header, a sample value and the field it is read into."""
    user = _user(request)
    saved_mappings = list(saved_column_mapping_list())
    applied = None
    if chosen is None and request.GET.get("saved"):
        applied = import_services.saved_column_mapping_find(request.GET["saved"])
        if applied is not None:
            run.requested_columns = {**applied.columns}
    elif chosen is not None:
        run.requested_columns = chosen
    try:
        columns = import_services.import_run_columns(actor=user, run=run)
    except InvalidInput as problem:
        columns, error = [], _invalid_text(problem)
    choices = [("", _("— ignore this column —"))] + [
        (name, field_label(name)) for name in ACCOUNT_IMPORT_FIELDS
    ]
    return render(
        request,
        "accounts/import_columns.html",
        {
            "run": run,
            "columns": columns,
            "choices": choices,
            "saved_mappings": saved_mappings,
            "applied": applied or run.saved_mapping,
            "error": error,
            "active_section": "imports",
        },
        status=status,
    )


@login_required
@require_POST
def import_columns_view(request: HttpRequest, run_id: int) -> HttpResponse:
    """The user confirmed or changed the columns: start the import (and save the mapping if named)."""
    user = _user(request)
    run = access_import_run_by_id(user, run_id)
    try:
        headers = [column["column"] for column in import_services.import_run_columns(actor=user, run=run)]
    except InvalidInput as problem:
        messages.error(request, problem.message)
        return redirect("accounts:import_detail", run.pk)
    chosen = {header: request.POST.get(f"column-{index}", "") for index, header in enumerate(headers)}
    try:
        import_services.import_run_confirm_columns(
            actor=user, run=run, columns=chosen, save_as=request.POST.get("save_as", "")
        )
    except InvalidInput as problem:
        return _import_columns_page(request, run, chosen=chosen, error=_invalid_text(problem), status=400)
    except Conflict as problem:
        messages.error(request, problem.message)
    return redirect("accounts:import_detail", run.pk)


@login_required
@require_POST
def column_mapping_delete_view(request: HttpRequest, mapping_id: int) -> HttpResponse:
    user = _user(request)
    mapping = access_saved_column_mapping_by_id(user, mapping_id)
    import_services.saved_column_mapping_delete(actor=user, mapping=mapping)
    messages.success(request, _("Deleted."))
    return redirect("accounts:import_list")


@login_required
def import_detail_view(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_import_run_by_id(_user(request), run_id)
    if run.status == ImportStatus.COLUMNS and not request.htmx:  # type: ignore[attr-defined]
        return _import_columns_page(request, run)
    errors = Paginator(import_row_errors(run=run), 100).get_page(request.GET.get("page"))
    warnings = list(import_row_warnings(run=run)[:500])
    context = {"run": run, "page": errors, "warnings": warnings, "active_section": "imports"}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "accounts/import_detail.html#status", context)
        if run.is_finished:
            response["HX-Refresh"] = "true"  # the whole page, with its list of bad rows
        return response
    return render(request, "accounts/import_detail.html", context)


@login_required
@require_POST
def import_good_rows_view(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    run = access_import_run_by_id(user, run_id)
    try:
        import_services.import_run_import_good_rows(actor=user, run=run)
    except Conflict as error:
        messages.error(request, error.message)
    return redirect("accounts:import_detail", run.pk)
