"""Two-factor sign-in for staff (django-otp): a TOTP device from an authenticator app, and ten backup
codes in a static device.

Who needs it: every account that is not a plain citizen or agency (any other role, Django staff,
superusers). After the password such a session is only half signed in: accounts.middleware lets it
reach nothing but the pages here and logout until a code is verified.

Backup codes are kept only as a keyed hash (HMAC-SHA256 with the site's secret key, cut to the 16
characters django-otp's static token column holds): django-otp itself stores them as typed. The
static device's own throttle and its one-use deletion work on the hash unchanged.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from gis_app.audit import audit_record
from gis_app.errors import DomainError
from gis_app.templatetags.persian import fa_digits
from gis_app.text import digits_to_ascii

# Roles that never work on others' files: their accounts sign in with the password alone.
ROLES_WITHOUT_SECOND_FACTOR = frozenset({Role.CITIZEN, Role.AGENCY})
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
# What a person may type: a 6-digit code or an 8-character backup code, with spaces, dashes and
# Persian digits around; anything longer is not a code (and is not hashed or looked up).
CODE_MAX_LENGTH = 32
_TOTP_CODE = re.compile(r"[0-9]{6}")
_BACKUP_CODE = re.compile(r"[a-z2-7]{8}")
_BLANKS = re.compile(r"[\s\-\u200c\u200f\u200e_]+")


class SecondFactorError(DomainError):
    """A code that cannot be right (wrong shape), or is wrong, or comes too soon after wrong ones."""

    def __init__(self, message: str, *, throttled: bool = False):
        super().__init__(message)
        self.throttled = throttled


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and in the otpauth URL the QR code carries."""

    device: TOTPDevice
    secret_b32: str
    config_url: str


# --- reads ---------------------------------------------------------------------------------------


def second_factor_required(user) -> bool:
    """Must this account verify a code after its password? Every account but a citizen's or an agency's."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_second_factor_required", None)
    if cached is None:
        roles = user.roles() if hasattr(user, "roles") else set()
        cached = bool(user.is_staff or user.is_superuser or roles - ROLES_WITHOUT_SECOND_FACTOR)
        user._second_factor_required = cached
    return cached


def totp_device_of(user) -> TOTPDevice | None:
    """The user's confirmed authenticator device, if enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_overview() -> list[dict]:
    """For managers: every account that needs a second factor, with whether it has enrolled."""
    roles = [r.value for r in Role if r not in ROLES_WITHOUT_SECOND_FACTOR]
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name__in=roles))
        .order_by("username")
        .distinct()
    )
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    codes: dict[int, int] = {}
    for user_id in StaticToken.objects.filter(device__confirmed=True).values_list("device__user_id", flat=True):
        codes[user_id] = codes.get(user_id, 0) + 1
    return [{"user": u, "enrolled": u.pk in enrolled, "backup_codes": codes.get(u.pk, 0)} for u in users[:500]]


# --- input -----------------------------------------------------------------------------------------


def code_normalise(raw: object) -> str:
    """What a person typed as a code, as the devices expect it: Persian/Arabic digits made ASCII,
    spaces, dashes and direction marks dropped, letters lower-case. Raises SecondFactorError with
    the reason when it is no code at all."""
    text = str(raw or "")
    if len(text) > CODE_MAX_LENGTH:
        raise SecondFactorError(_("That is too long for a code: enter the 6 digits your app shows."))
    code = _BLANKS.sub("", digits_to_ascii(text)).lower()
    if not code:
        raise SecondFactorError(_("Enter the 6-digit code your authenticator app shows."))
    if not (_TOTP_CODE.fullmatch(code) or _BACKUP_CODE.fullmatch(code)):
        raise SecondFactorError(
            _("A code is 6 digits from your authenticator app, or one of your 8-character backup codes.")
        )
    return code


def _backup_hash(code: str) -> str:
    return salted_hmac("accounts.second_factor.backup_code", code, algorithm="sha256").hexdigest()[:16]


def _throttle_message(devices) -> str | None:
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            from django.utils import timezone

            seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds() + 0.999))
            return _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {
                "seconds": fa_digits(seconds)
            }
    return None


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def second_factor_enrol_start(*, user: User) -> Enrolment:
    """The user's unconfirmed authenticator device (made once, kept until confirmed) to show as QR and text."""
    if totp_device_of(user) is not None:
        raise DomainError(_("Your authenticator app is set up already."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return Enrolment(device=device, secret_b32=secret, config_url=device.config_url)


def second_factor_enrol_confirm(*, user: User, raw_code: object) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows; make ten new backup codes (returned once, stored hashed).

    Not one transaction: a wrong code's throttle count and audit row must stay when it is refused."""
    code = code_normalise(raw_code)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise DomainError(_("Open the set-up page again: there is no authenticator waiting to be confirmed."))
    message = _throttle_message([device])
    if message:
        audit_record(actor=user, action="login.second_factor_throttled", obj=user, step="enrol")
        raise SecondFactorError(message, throttled=True)
    # django_otp.verify_token locks the device row for the check (verify_token skips unconfirmed
    # devices only in match_token, not here).
    if not _TOTP_CODE.fullmatch(code) or django_otp.verify_token(user, device.persistent_id, code) is None:
        audit_record(actor=user, action="login.second_factor_failed", obj=user, step="enrol")
        raise SecondFactorError(_("That code is not right. Check the time on your phone and enter the current code."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_replace(user=user)
        audit_record(actor=user, action="account.second_factor_enrolled", obj=user, backup_codes=len(codes))
    return device, codes


def backup_codes_replace(*, user: User) -> list[str]:
    """Ten (SECOND_FACTOR_BACKUP_CODES) new one-use backup codes; earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < settings.SECOND_FACTOR_BACKUP_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_backup_hash(c)) for c in codes])
    return codes


def second_factor_verify(*, user: User, raw_code: object):
    """The device that accepts the code (the authenticator's current code, or a backup code, which is
    then used up). Wrong codes are throttled by the devices (1, 2, 4, 8… seconds after each) and audited."""
    code = code_normalise(raw_code)
    totp = totp_device_of(user)
    if totp is None:
        raise DomainError(_("Set up your authenticator app first."))
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    # One throttle for the person: a wrong backup code delays the next authenticator code too.
    message = _throttle_message([d for d in (totp, backup) if d is not None])
    if message:
        audit_record(actor=user, action="login.second_factor_throttled", obj=user)
        raise SecondFactorError(message, throttled=True)
    if _TOTP_CODE.fullmatch(code):
        device = django_otp.verify_token(user, totp.persistent_id, code)
        kind = "authenticator"
    elif backup is not None:
        device = django_otp.verify_token(user, backup.persistent_id, _backup_hash(code))
        kind = "backup_code"
    else:
        device, kind = None, "backup_code"
    if device is None:
        audit_record(actor=user, action="login.second_factor_failed", obj=user, kind=kind)
        raise SecondFactorError(_("That code is not right, or it has been used already."))
    data = {"kind": kind}
    if kind == "backup_code":
        data["backup_codes_left"] = backup_codes_left(user)
    audit_record(actor=user, action="login.second_factor_verified", obj=user, **data)
    return device


@transaction.atomic
def second_factor_reset(*, manager: User, user_id: int) -> User:
    """A manager removes a staff member's authenticator and backup codes (lost phone); the next sign-in enrols again."""
    if not manager.has_role(Role.MANAGER):
        raise PermissionError("only a manager resets a second factor")
    user = User.objects.select_for_update().get(pk=user_id)
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    audit_record(actor=manager, action="account.second_factor_reset", obj=user, devices_removed=removed)
    return user


@transaction.atomic
def demo_totp_ensure(*, user: User, key_hex: str | None) -> TOTPDevice:
    """A demo account's confirmed authenticator with the key kept between runs (a new one when unknown)."""
    device = totp_device_of(user)
    if device is not None and key_hex and device.key == key_hex:
        return device
    TOTPDevice.objects.filter(user=user).delete()
    values = {"key": key_hex} if key_hex else {}
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True, **values)


def totp_code_now(device: TOTPDevice) -> str:
    """The device's current 6-digit code (for the demo accounts' printout and tests)."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
