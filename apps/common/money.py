"""Money is Decimal with an explicit currency, rounded here and nowhere else."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "CNY"
_CENT = Decimal("0.01")
_EXPONENTS = {"CNY": Decimal("0.01"), "USD": Decimal("0.01"), "EUR": Decimal("0.01"), "JPY": Decimal("1")}

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2


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
