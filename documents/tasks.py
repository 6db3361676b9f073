"""Jobs of documents: rendering and signing an issued document's PDF after its issuance committed, and a
copy's in another language after its request committed."""

from __future__ import annotations

from procrastinate.contrib.django import app

from documents.services import document_copy_render, document_render


@app.task(name="documents.render", queue="documents")
def document_render_job(document_id: int) -> str:
    """Render, sign and store one document's PDF (idempotent: a document already made is left alone)."""
    return document_render(document_id=document_id)


@app.task(name="documents.render_copy", queue="documents")
def document_copy_render_job(copy_id: int) -> str:
    """Render, sign and store a copy of a document in another language (idempotent like the original's)."""
    return document_copy_render(copy_id=copy_id)
