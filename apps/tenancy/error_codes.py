from enum import StrEnum


class TenancyErrorCode(StrEnum):
    STORE_NOT_GRANTED = "store_not_granted"
    STORE_CODE_TAKEN = "store_code_taken"
    USERNAME_TAKEN = "username_taken"
    TENANT_SLUG_TAKEN = "tenant_slug_taken"
    SETTING_VALUE_INVALID = "setting_value_invalid"
    MANAGER_ONLY = "manager_only"
