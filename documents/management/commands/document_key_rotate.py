"""Start a new document signing key today; the current one's signing period ends yesterday and it stays
published so the documents it signed remain verifiable."""

from django.core.management.base import BaseCommand

from documents.qrsign import key_rotate, published_keys


class Command(BaseCommand):
    help = "Rotate the Ed25519 key that signs the documents' QR codes (old documents stay verifiable)."

    def handle(self, *args, **options):
        published_keys()  # the first key exists before it is retired
        key = key_rotate()
        self.stdout.write(f"new key {key.key_id} from {key.valid_from.isoformat()}")
