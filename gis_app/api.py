"""Plumbing shared by the JSON API views."""

import functools

from django.conf import settings
from django.utils import translation


def api_language(view):
    """Answer in the language the caller asks for: ?lang=fa|en, else its Accept-Language header,
    else Persian. (Pages take the language from the URL; API paths have no language prefix.)"""
    languages = {code for code, _name in settings.LANGUAGES}

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        asked = request.GET.get("lang", "")
        if asked not in languages:
            asked = translation.get_language_from_request(request)
            asked = asked if asked in languages else settings.LANGUAGE_CODE
        with translation.override(asked):
            response = view(request, *args, **kwargs)
            response.headers.setdefault("Content-Language", asked)
            return response

    return wrapper
