"""The citizen's pages of an integrated service (dịch vụ công liên thông): after the one form
is submitted (on the ordinary draft page), one page with every member, one timeline and one
receipt. Thin: each calls `dossiers.bundles`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from motcua.core.errors import NotFound
from motcua.dossiers import bundles
from motcua.dossiers.models import Status

from .context import citizen_required
from .dossier_views import _applicant


def _bundle(request: HttpRequest, reference: str) -> bundles.BundleView:
    try:
        return bundles.get_for(_applicant(request), reference)
    except NotFound:
        raise Http404(reference) from None


@citizen_required
@require_GET
def bundle_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Hồ sơ liên thông: the common status, each member with its agency, one timeline."""
    bundle = _bundle(request, reference)
    if bundle.parent.status == Status.DRAFT:
        return redirect("portal:dossier", reference=bundle.parent.reference)
    return render(request, "portal/bundle.html", {"b": bundle, "d": bundle.parent})


@citizen_required
@require_GET
def bundle_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """One receipt for the whole application (PDF)."""
    bundle = _bundle(request, reference)
    if not bundle.parent.code:
        raise Http404(reference)
    response = HttpResponse(bundles.receipt_pdf(bundle.parent), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bundle.parent.code}.pdf"'
    return response
