"""Back-office pages of tenancy: log-in, home redirect, store switcher, store settings."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from apps.tenancy.login import ThrottledLoginMixin
from apps.tenancy.models import StaffProfile
from apps.tenancy.scope import StoreScopedPageMixin, store_resolve
from apps.tenancy.selectors import staff_role, store_list_for_user
from apps.tenancy.services import staff_set_current_store


@login_required
def home(request):
    """Send the user to the room grid of their current store (the desk's first screen), or
    of the first store they may work in."""
    profile = getattr(request.user, "staff", None)
    stores = store_list_for_user(user=request.user)
    store = None
    if profile and profile.current_store_id:
        store = stores.filter(pk=profile.current_store_id).first()
    store = store or stores.first()
    if store is None:
        return TemplateView.as_view(template_name="tenancy/no_store.html")(request)
    return redirect("room-grid", store_id=store.pk)


@login_required
@require_POST
def store_switch(request):
    store, _perms = store_resolve(user=request.user, store_id=request.POST.get("store_id"))
    profile, _created = StaffProfile.objects.get_or_create(
        user=request.user, defaults={"role": staff_role(user=request.user) or StaffProfile.Role.FRONT_DESK}
    )
    staff_set_current_store(profile=profile, store=store)
    messages.success(request, _("Now working in %(store)s.") % {"store": store.name})
    return HttpResponseRedirect(reverse("room-grid", kwargs={"store_id": store.pk}))


class StoreHomeView(StoreScopedPageMixin, TemplateView):
    """Landing page of a store; the room status grid replaces it (issue 8)."""

    template_name = "tenancy/store_home.html"


class LoginView(ThrottledLoginMixin, auth_views.LoginView):
    """The back-office log-in form, throttled like the API's (apps/tenancy/throttling.py)."""

    template_name = "registration/login.html"
