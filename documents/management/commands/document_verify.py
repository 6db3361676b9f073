"""Verify a scanned QR payload (the URL, or its path and query) without the web server: the signature
against the published keys (or a downloaded document-keys.json) over the municipality's record."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from documents.qrsign import b64url, payload_parse, published_from_json
from documents.selectors import payload_verify

EXIT_VALID, EXIT_NOT_VALID, EXIT_NOT_ISSUED = 0, 1, 2


class Command(BaseCommand):
    help = "Verify a scanned document QR payload: exit 0 valid, 1 revoked or superseded, 2 not issued by us."

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the URL the QR code holds (or its path and query)")
        parser.add_argument("--keys", help="a document-keys.json to verify with instead of the local key store")

    def handle(self, *args, payload: str, keys: str | None = None, **options):
        published = None
        if keys:
            try:
                published = published_from_json(json.loads(Path(keys).read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(_("Could not read the keys file: %(error)s") % {"error": exc}) from exc
        parsed = payload_parse(payload)
        if parsed is None:
            self.stdout.write(_("Not issued by this municipality: the payload is not a document QR code."))
            raise SystemExit(EXIT_NOT_ISSUED)
        result = payload_verify(
            serial=parsed.serial,
            key_id=parsed.key_id,
            signature=b64url(parsed.signature),
            copy=parsed.copy,
            keys=published,
        )
        if result.document is None:
            self.stdout.write(_("Not issued by this municipality: %(serial)s") % {"serial": parsed.serial})
            raise SystemExit(EXIT_NOT_ISSUED)
        document = result.document
        line = f"{document.serial} {document.get_kind_display()} {document.key_fields.get('file_code', '')}"
        if result.outcome == "valid":
            self.stdout.write(_("Valid: %(document)s") % {"document": line})
            return
        if result.outcome == "revoked":
            self.stdout.write(
                _("Revoked: %(document)s (%(reason)s)") % {"document": line, "reason": document.revoked_reason}
            )
        else:
            self.stdout.write(
                _("Superseded: %(document)s, replaced by %(new)s") % {"document": line, "new": result.superseded_by}
            )
        raise SystemExit(EXIT_NOT_VALID)
