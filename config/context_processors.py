from django.conf import settings
from django.urls import translate_url
from django.utils import timezone, translation


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
    roles = {r.value for r in user.roles()} if user is not None and user.is_authenticated else set()
    return {"language_switch": switch, "now": timezone.now(), "user_roles": roles}
