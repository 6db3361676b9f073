from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis_app.audit import ChainBreak, audit_chain_verify, audit_seal, unsealed_grace_s

_BREACHES = {
    ChainBreak.EDITED: lambda n: _("audit event %(id)s was edited: its content no longer matches its hash") % n,
    ChainBreak.DELETED: lambda n: (
        _("the audit chain breaks before audit event %(id)s: the row before it was deleted (or edited and re-hashed)")
        % n
    ),
    ChainBreak.INSERTED: lambda n: _("audit event %(id)s was inserted out of the chain") % n,
    ChainBreak.UNSEALED: lambda n: (
        _("audit event %(id)s was never sealed into the chain (is the job worker running?)") % n
    ),
}


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain in id order; exit non-zero naming the first edited, deleted or inserted row, "
        "or a row left unsealed longer than AUDIT_UNSEALED_GRACE_S. --seal chains the committed rows first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="Seal the committed unsealed rows first (as the periodic job does)."
        )

    def handle(self, *args, **options):
        if options["seal"]:
            audit_seal()
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                _("%(breach)s (%(count)s events verified before it).")
                % {"breach": _BREACHES[report.breach]({"id": report.broken_at}), "count": report.count}
            )
        self.stdout.write(
            _("OK: %(count)s audit events, chain head %(head)s") % {"count": report.count, "head": report.head_hash}
        )
        if report.unsealed:
            self.stdout.write(
                _("%(count)s newer audit events are waiting for the sealer (at most %(grace)s seconds).")
                % {"count": report.unsealed, "grace": unsealed_grace_s()}
            )
