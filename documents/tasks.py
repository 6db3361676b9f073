"""Jobs of documents: rendering and signing an issued document's PDF after its issuance committed."""

from __future__ import annotations

from procrastinate.contrib.django import app

from documents.services import document_render


@app.task(name="documents.render", queue="documents")
def document_render_job(document_id: int) -> str:
    """Render, sign and store one document's PDF (idempotent: a document already made is left alone)."""
    return document_render(document_id=document_id)
