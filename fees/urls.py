"""URLs of fees. `page_patterns` are the pages (Persian at /fees/, English at /en/fees/);
`gateway_patterns` are what the payment gateway calls (no language prefix: the PSP's callback URL is fixed
when the payment starts)."""

from django.urls import path

from fees.views import bills, dues, payment, revenue

app_name = "fees"

page_patterns: list = [
    path("assessments/", revenue.assessments, name="assessments"),
    path("assessments/<str:tracking>/assess/", revenue.assess, name="assess"),
    path("bills/", revenue.bills, name="bills"),
    path("bills/<int:pk>/", bills.bill_page, name="bill"),
    path("bills/<int:pk>/exempt/", revenue.bill_exempt, name="bill_exempt"),
    path("bills/<int:pk>/pay/", payment.start, name="payment_start"),
    path("payments/", revenue.payments, name="payments"),
    path("payments/<int:order_id>/", payment.result, name="payment_result"),
    path("refunds/", revenue.refunds, name="refunds"),
    path("reconciliations/", revenue.reconciliations, name="reconciliations"),
    path("dues/", dues.dues, name="dues"),
    path("dues/bills/", dues.dues_bill, name="dues_bill"),
]
gateway_patterns: list = [
    path("callback/", payment.callback, name="callback"),
]
