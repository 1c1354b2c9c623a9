from apps.tenancy.selectors import store_list_for_user


def tenancy(request):
    """Tenant and the stores for the switcher, lazily (no query unless a template uses it)."""
    user = getattr(request, "user", None)
    return {
        "tenant": getattr(request, "tenant", None),
        "my_stores": (lambda: list(store_list_for_user(user=user))) if user is not None else list,
    }
