"""URLs of fees. `page_patterns` are the pages (Persian at /fees/, English at /en/fees/);
`gateway_patterns` are what the payment gateway calls (no language prefix: the PSP's callback URL is fixed
when the payment starts)."""

app_name = "fees"

page_patterns: list = []
gateway_patterns: list = []
