"""Customer-facing texts of the first-bill preview, in every supported locale.

Kept as `{locale: text}` maps and picked with `kit.i18n.pick`, like pack texts. Placeholders
are filled with `str.format` from values already formatted for the locale.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "first_bill": {
        "en": "Your first bill",
        "ja": "初回のご請求",
        "cs": "Vaše první vyúčtování",
        "sv": "Din första faktura",
        "ar": "فاتورتك الأولى",
    },
    "regular_bill": {
        "en": "Your regular monthly bill",
        "ja": "毎月のご請求",
        "cs": "Vaše pravidelné měsíční vyúčtování",
        "sv": "Din vanliga månadsfaktura",
        "ar": "فاتورتك الشهرية المعتادة",
    },
    "period": {
        "en": "Billing period",
        "ja": "請求期間",
        "cs": "Zúčtovací období",
        "sv": "Faktureringsperiod",
        "ar": "فترة الفوترة",
    },
    "prorated": {
        "en": "Prorated for {days} of {cycle_days} days",
        "ja": "{cycle_days}日中{days}日分の日割り",
        "cs": "Poměrná část za {days} z {cycle_days} dní",
        "sv": "Proportionerat för {days} av {cycle_days} dagar",
        "ar": "محسوبة نسبيًا عن {days} من {cycle_days} يومًا",
    },
    "net": {"en": "Net", "ja": "税抜", "cs": "Bez DPH", "sv": "Netto", "ar": "الصافي"},
    "tax": {"en": "Tax", "ja": "税", "cs": "Daň", "sv": "Moms", "ar": "الضريبة"},
    "total": {
        "en": "Total to pay",
        "ja": "お支払い合計",
        "cs": "Celkem k úhradě",
        "sv": "Totalt att betala",
        "ar": "الإجمالي المستحق",
    },
    "issue_date": {
        "en": "Bill date",
        "ja": "請求日",
        "cs": "Datum vystavení",
        "sv": "Fakturadatum",
        "ar": "تاريخ الفاتورة",
    },
    "due_date": {
        "en": "Due date",
        "ja": "お支払期日",
        "cs": "Datum splatnosti",
        "sv": "Förfallodatum",
        "ar": "تاريخ الاستحقاق",
    },
    "payment_method": {
        "en": "Payment method",
        "ja": "お支払い方法",
        "cs": "Způsob platby",
        "sv": "Betalningssätt",
        "ar": "طريقة الدفع",
    },
    "sepa_direct_debit": {
        "en": "SEPA direct debit from {account}",
        "ja": "SEPA口座振替（{account}）",
        "cs": "Inkaso SEPA z účtu {account}",
        "sv": "SEPA-autogiro från {account}",
        "ar": "خصم مباشر SEPA من الحساب {account}",
    },
    "card": {
        "en": "{brand} card ending {last4}",
        "ja": "{brand}カード（末尾{last4}）",
        "cs": "Karta {brand} končící {last4}",
        "sv": "{brand}-kort som slutar på {last4}",
        "ar": "بطاقة {brand} المنتهية بـ {last4}",
    },
    "no_method": {
        "en": "No payment method yet: please add a direct debit or a card",
        "ja": "お支払い方法が未登録です。口座振替またはカードを登録してください",
        "cs": "Zatím žádný způsob platby: přidejte prosím inkaso nebo kartu",
        "sv": "Inget betalningssätt ännu: lägg till autogiro eller kort",
        "ar": "لا توجد طريقة دفع بعد: يرجى إضافة خصم مباشر أو بطاقة",
    },
    "paperless": {
        "en": "Paperless bill by email to {email}",
        "ja": "{email}宛てにメールで電子請求書をお送りします",
        "cs": "Elektronické vyúčtování e-mailem na {email}",
        "sv": "Pappersfri faktura via e-post till {email}",
        "ar": "فاتورة إلكترونية بالبريد الإلكتروني إلى {email}",
    },
    "paper": {
        "en": "Paper bill by post",
        "ja": "紙の請求書を郵送します",
        "cs": "Papírové vyúčtování poštou",
        "sv": "Pappersfaktura med post",
        "ar": "فاتورة ورقية بالبريد",
    },
    "how_you_pay": {
        "en": "We collect {amount} on {due_date} by {method}.",
        "ja": "{due_date}に{method}で{amount}をお支払いいただきます。",
        "cs": "Částku {amount} strhneme {due_date} způsobem: {method}.",
        "sv": "Vi drar {amount} den {due_date} via {method}.",
        "ar": "سنحصّل {amount} في {due_date} عبر {method}.",
    },
    "pay_by": {
        "en": "Please pay {amount} by {due_date}.",
        "ja": "{due_date}までに{amount}をお支払いください。",
        "cs": "Uhraďte prosím {amount} do {due_date}.",
        "sv": "Betala {amount} senast {due_date}.",
        "ar": "يرجى دفع {amount} بحلول {due_date}.",
    },
}
