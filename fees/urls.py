"""URLs of fees. `page_patterns` are the pages (Persian at /fees/, English at /en/fees/);
`gateway_patterns` are what the payment gateway calls (no language prefix: the PSP's callback URL is fixed
when the payment starts)."""

from django.urls import path

from fees.views import payment

app_name = "fees"

page_patterns: list = [
    path("bills/<int:pk>/pay/", payment.start, name="payment_start"),
    path("payments/<int:order_id>/", payment.result, name="payment_result"),
]
gateway_patterns: list = [
    path("callback/", payment.callback, name="callback"),
]
