"""Issued documents: serials, signed PDFs, signed QR codes and the public verification page."""
