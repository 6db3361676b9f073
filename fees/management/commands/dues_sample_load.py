from django.core.management.base import BaseCommand

from fees.dues_sample import dues_sample_load


class Command(BaseCommand):
    help = (
        "Load the sample city's revenue records (trade units on commercial parcels, receipts of dues paid "
        "in the former system), once. Sample data, not a real city's."
    )

    def handle(self, *args, **options):
        units, receipts = dues_sample_load()
        if units or receipts:
            self.stdout.write(f"Sample revenue records: {units} trade units, {receipts} dues receipts.")
        else:
            self.stdout.write("Sample revenue records already loaded.")
