from django.conf import settings
from django.urls import translate_url
from django.utils import timezone, translation


def site(request):
    """The other languages' URLs for the switch on every page, and the time for the footer."""
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
    return {"language_switch": switch, "now": timezone.now()}
