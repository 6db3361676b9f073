"""Inquiries from banks, notaries and utilities: the agency API under /api/v1/, webhooks and the agency's pages."""
