"""Money is Decimal with an explicit currency, rounded here and nowhere else.

Limits. Every money column is ``DECIMAL(12,2)`` (``MONEY_MAX_DIGITS``): at most
9,999,999,999.99 (``MONEY_COLUMN_MAX``). The services refuse, with a stable error code and
before PostgreSQL would answer "numeric field overflow", anything that would pass these
maximums, chosen so that no stored figure and no sum the code writes can reach the column's
ceiling (docs/folios.md, "Limits"):

- ``MAX_POSTING``: one ledger row, one order line (``amount_too_large``);
- ``MAX_FOLIO_TOTAL``: each total of a folio (charges, discounts, payments, refunds,
  deposits, deposit returns); the balance, charges - discounts - payments + refunds, then
  stays within twice that (``folio_limit_exceeded``);
- ``MAX_ORDER_TOTAL``: an order's total and what it has been paid (the sum over its
  folios); what is due, total - paid, then stays within it (``order_limit_exceeded``).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "CNY"
_CENT = Decimal("0.01")
_EXPONENTS = {"CNY": Decimal("0.01"), "USD": Decimal("0.01"), "EUR": Decimal("0.01"), "JPY": Decimal("1")}

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2

MONEY_COLUMN_MAX = Decimal("9999999999.99")
MAX_POSTING = Decimal("99999999.99")
MAX_FOLIO_TOTAL = Decimal("999999999.99")
MAX_ORDER_TOTAL = Decimal("999999999.99")


def quantize(amount: Decimal | int | str, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """Round ``amount`` to the currency's minor unit, half up (the usual rule for CNY)."""
    if type(amount) is not Decimal:
        if isinstance(amount, float):
            raise TypeError("money must not be a float")
        amount = Decimal(amount)
    return amount.quantize(_EXPONENTS.get(currency, _CENT), rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Integer minor units, as WeChat Pay expects."""
    return int(quantize(amount) * 100)
