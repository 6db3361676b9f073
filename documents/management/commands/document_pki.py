"""The documents' signing certificate: where it is, whose it is, and a check of a signed PDF.

manage.py document_pki                 # creates the demo CA and certificate on first use, prints them
manage.py document_pki --validate F.pdf  # validates F.pdf's PAdES signature against the trust root
"""

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError

from documents import pades


class Command(BaseCommand):
    help = "Show the documents' signing certificate (the demo one is created on first use) or validate a signed PDF."

    def add_arguments(self, parser):
        parser.add_argument("--validate", metavar="PDF", help="a signed PDF to validate against the trust root")

    def handle(self, *args, **options):
        try:
            active = pades.signer()
        except pades.SigningUnavailable as exc:
            raise CommandError(str(exc.message)) from exc
        if options["validate"]:
            path = Path(options["validate"])
            if not path.is_file():
                raise CommandError(f"{path} is not a file")
            result = pades.validate_pdf(path.read_bytes())
            self.stdout.write(f"intact: {result.intact}\ntrusted: {result.trusted}\nsigner: {result.signer}")
            self.stdout.write(f"signed at: {result.signed_at.isoformat() if result.signed_at else '-'}")
            if not (result.intact and result.trusted):
                raise CommandError("the signature does not hold")
            return
        cert = x509.load_der_x509_certificate(active.signing_cert.dump())
        self.stdout.write(f"signer: {cert.subject.rfc4514_string()}")
        self.stdout.write(f"issuer: {cert.issuer.rfc4514_string()}")
        self.stdout.write(f"valid: {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}")
        self.stdout.write(f"SHA-256: {cert.fingerprint(hashes.SHA256()).hex(':')}")
        key, _cert, chain, _passphrase = pades.signing_settings()
        if not key:
            self.stdout.write(
                f"demo CA (the trust root to import in a PDF reader): {pades.pki_dir() / pades.DEMO_CA[0]}"
            )
        else:
            self.stdout.write("chain: " + (", ".join(chain) or "none configured"))
