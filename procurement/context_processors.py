"""Template context every page needs: what the header may offer the user."""

from django.http import HttpRequest

from procurement.access import can_edit_programme, is_administrator


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_edit": can_edit_programme(user),
        "nav_is_admin": is_administrator(user) and user.is_staff,
    }
