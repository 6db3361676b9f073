from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis_app.audit import ChainBreak, audit_chain_verify

_BREACHES = {
    ChainBreak.EDITED: lambda n: _("audit event %(id)s was edited: its content no longer matches its hash") % n,
    ChainBreak.DELETED: lambda n: (
        _("the audit chain breaks before audit event %(id)s: the row before it was deleted (or edited and re-hashed)")
        % n
    ),
    ChainBreak.INSERTED: lambda n: _("audit event %(id)s was inserted out of the chain") % n,
}


class Command(BaseCommand):
    help = "Walk the audit hash chain in id order; exit non-zero naming the first edited, deleted or inserted row."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                _("%(breach)s (%(count)s events verified before it).")
                % {"breach": _BREACHES[report.breach]({"id": report.broken_at}), "count": report.count}
            )
        self.stdout.write(
            _("OK: %(count)s audit events, chain head %(head)s") % {"count": report.count, "head": report.head_hash}
        )
