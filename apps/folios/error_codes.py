from enum import StrEnum


class FolioErrorCode(StrEnum):
    # amounts and input
    AMOUNT_INVALID = "amount_invalid"
    CURRENCY_MISMATCH = "currency_mismatch"
    PAYMENT_METHOD_UNKNOWN = "payment_method_unknown"
    PAYMENT_METHOD_INACTIVE = "payment_method_inactive"
    # stored value and points are posted and given back through apps.members only
    PAYMENT_METHOD_MEMBERS_ONLY = "payment_method_members_only"
    PAYMENT_METHOD_NAME_TAKEN = "payment_method_name_taken"
    EXTRA_ITEM_UNKNOWN = "extra_item_unknown"
    EXTRA_ITEM_INACTIVE = "extra_item_inactive"
    EXTRA_ITEM_NAME_TAKEN = "extra_item_name_taken"
    REASON_REQUIRED = "reason_required"
    NIGHT_NOT_IN_STAY = "night_not_in_stay"
    # limits (apps.common.money): one posting, a folio's totals, an order's total and paid
    # (the last raised by apps.orders, listed here so clients see one list)
    AMOUNT_TOO_LARGE = "amount_too_large"
    FOLIO_LIMIT_EXCEEDED = "folio_limit_exceeded"
    ORDER_LIMIT_EXCEEDED = "order_limit_exceeded"
    # ledger rules
    FOLIO_CLOSED = "folio_closed"
    ORDER_CLOSED = "order_closed"
    REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
    DEPOSIT_RETURN_EXCEEDS_HELD = "deposit_return_exceeds_held"
    DISCOUNT_EXCEEDS_CHARGES = "discount_exceeds_charges"
    ALREADY_VOIDED = "already_voided"
    ALREADY_MOVED = "already_moved"
    NOT_VOIDABLE = "not_voidable"
    NOT_MOVABLE = "not_movable"
    MOVE_TARGET_INVALID = "move_target_invalid"
    # a void or move would leave the folio with more refunded than paid (etc.)
    PAYMENT_ALREADY_REFUNDED = "payment_already_refunded"
    DEPOSIT_ALREADY_RETURNED = "deposit_already_returned"
    CHARGE_ALREADY_DISCOUNTED = "charge_already_discounted"
    # check-out
    FOLIO_BALANCE_NOT_ZERO = "folio_balance_not_zero"
    FOLIO_DEPOSIT_HELD = "folio_deposit_held"
