from django.conf import settings
from django.urls import translate_url
from django.utils import timezone, translation

from accounts.second_factor import second_factor_required


def site(request):
    """The other languages' URLs for the switch on every page, the time for the footer, the user's roles
    for the navigation."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    switch = [
        {
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "url": translate_url(request.get_full_path(), code),
        }
        for code, _name in settings.LANGUAGES
        if code != current
    ]
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    roles = {r.value for r in user.roles()} if signed_in else set()
    # A staff session between its password and its code: the navigation shows only logout.
    pending = signed_in and second_factor_required(user) and not getattr(user, "is_verified", lambda: False)()
    # The admin link only for those the admin site lets do something (a staff role alone gives nothing).
    admin_link = (
        signed_in
        and not pending
        and user.is_active
        and user.is_staff
        and (user.is_superuser or bool(user.get_all_permissions()))
    )
    return {
        "admin_link": admin_link,
        "language_switch": switch,
        "now": timezone.now(),
        "user_roles": set() if pending else roles,
        "second_factor_pending": pending,
    }
