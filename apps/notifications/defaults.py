"""The wording shipped with the code, per event and language; a tenant or a store
overrides it with a ``NotificationTemplate`` row.

``subject`` and ``body`` are for e-mail; ``short`` (one text message, no subject) is for
SMS and WeChat subscribe messages. Values available to every template:

``store_name``, ``store_phone``, ``guest_name``, ``order_code``, ``room_type``,
``arrival``, ``departure`` (YYYY-MM-DD), ``nights``, ``total``, ``currency``.
"""
from __future__ import annotations

TEMPLATE_VALUES = (
    "store_name", "store_phone", "guest_name", "order_code", "room_type", "arrival", "departure", "nights", "total", "currency",
)

DEFAULTS: dict[tuple[str, str], dict[str, str]] = {
    ("order_confirmed", "zh-hans"): {
        "subject": "{{ store_name }}：预订已确认（{{ order_code }}）",
        "body": (
            "{{ guest_name }}，您好！\n\n您在{{ store_name }}的预订已确认。\n"
            "订单号：{{ order_code }}\n房型：{{ room_type }}\n"
            "入住：{{ arrival }}　离店：{{ departure }}（{{ nights }}晚）\n"
            "金额：{{ total }} {{ currency }}\n\n如需帮助，请致电 {{ store_phone }}。"
        ),
        "short": "【{{ store_name }}】{{ guest_name }}您好，您的预订{{ order_code }}已确认：{{ arrival }}入住，{{ departure }}离店，{{ room_type }}。",
    },
    ("order_confirmed", "en"): {
        "subject": "{{ store_name }}: booking confirmed ({{ order_code }})",
        "body": (
            "Dear {{ guest_name }},\n\nYour booking at {{ store_name }} is confirmed.\n"
            "Booking: {{ order_code }}\nRoom: {{ room_type }}\n"
            "Arrival: {{ arrival }}  Departure: {{ departure }} ({{ nights }} nights)\n"
            "Amount: {{ total }} {{ currency }}\n\nQuestions? Call us on {{ store_phone }}."
        ),
        "short": "{{ store_name }}: booking {{ order_code }} confirmed, {{ arrival }} to {{ departure }}, {{ room_type }}.",
    },
    ("arrival_reminder", "zh-hans"): {
        "subject": "{{ store_name }}：明天见（{{ order_code }}）",
        "body": (
            "{{ guest_name }}，您好！\n\n提醒您明天（{{ arrival }}）入住{{ store_name }}。\n"
            "订单号：{{ order_code }}\n房型：{{ room_type }}\n离店：{{ departure }}\n\n"
            "如需帮助，请致电 {{ store_phone }}。期待您的光临！"
        ),
        "short": "【{{ store_name }}】{{ guest_name }}您好，提醒您明天（{{ arrival }}）入住，订单{{ order_code }}，{{ room_type }}。期待您的光临！",
    },
    ("arrival_reminder", "en"): {
        "subject": "{{ store_name }}: see you tomorrow ({{ order_code }})",
        "body": (
            "Dear {{ guest_name }},\n\nA reminder that you arrive at {{ store_name }} tomorrow ({{ arrival }}).\n"
            "Booking: {{ order_code }}\nRoom: {{ room_type }}\nDeparture: {{ departure }}\n\n"
            "Questions? Call us on {{ store_phone }}. We look forward to welcoming you!"
        ),
        "short": "{{ store_name }}: see you tomorrow ({{ arrival }}), booking {{ order_code }}, {{ room_type }}.",
    },
    ("order_cancelled", "zh-hans"): {
        "subject": "{{ store_name }}：预订已取消（{{ order_code }}）",
        "body": (
            "{{ guest_name }}，您好！\n\n您在{{ store_name }}的预订{{ order_code }}"
            "（{{ arrival }}入住，{{ departure }}离店）已取消。\n\n如有疑问，请致电 {{ store_phone }}。"
        ),
        "short": "【{{ store_name }}】{{ guest_name }}您好，您的预订{{ order_code }}（{{ arrival }}入住）已取消。",
    },
    ("order_cancelled", "en"): {
        "subject": "{{ store_name }}: booking cancelled ({{ order_code }})",
        "body": (
            "Dear {{ guest_name }},\n\nYour booking {{ order_code }} at {{ store_name }} "
            "({{ arrival }} to {{ departure }}) has been cancelled.\n\nQuestions? Call us on {{ store_phone }}."
        ),
        "short": "{{ store_name }}: booking {{ order_code }} ({{ arrival }}) has been cancelled.",
    },
    ("checked_out", "zh-hans"): {
        "subject": "{{ store_name }}：感谢您的入住",
        "body": "{{ guest_name }}，您好！\n\n感谢您入住{{ store_name }}（订单{{ order_code }}），祝您旅途愉快，期待再次光临！",
        "short": "【{{ store_name }}】{{ guest_name }}您好，感谢您的入住，祝您旅途愉快，期待再次光临！",
    },
    ("checked_out", "en"): {
        "subject": "{{ store_name }}: thank you for staying with us",
        "body": "Dear {{ guest_name }},\n\nThank you for staying at {{ store_name }} (booking {{ order_code }}). Safe travels, and see you again!",
        "short": "{{ store_name }}: thank you for staying with us. Safe travels!",
    },
}
