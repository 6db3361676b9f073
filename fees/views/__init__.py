"""Views of fees: thin; logic in fees services and selectors. One module per audience (the payer's
pages and the gateway's callback, the revenue officer's pages)."""
