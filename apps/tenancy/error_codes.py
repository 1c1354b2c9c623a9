from enum import StrEnum


class TenancyErrorCode(StrEnum):
    STORE_NOT_GRANTED = "store_not_granted"
    STORE_CODE_TAKEN = "store_code_taken"
    USERNAME_TAKEN = "username_taken"
    TENANT_SLUG_TAKEN = "tenant_slug_taken"
    SETTING_VALUE_INVALID = "setting_value_invalid"
    MANAGER_ONLY = "manager_only"
    # the back office's staff and store pages (docs/backoffice.md)
    PASSWORD_INVALID = "password_invalid"
    STAFF_NOT_MANAGEABLE = "staff_not_manageable"
    STORE_REQUIRED = "store_required"
    STORE_LAST_ACTIVE = "store_last_active"
    UPLOAD_INVALID = "upload_invalid"
    # owner app auth (docs/api.md)
    INVALID_CREDENTIALS = "invalid_credentials"
    REFRESH_TOKEN_INVALID = "refresh_token_invalid"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    WECHAT_CODE_INVALID = "wechat_code_invalid"
    WECHAT_CODE_USED = "wechat_code_used"
    WECHAT_UNAVAILABLE = "wechat_unavailable"
    WECHAT_NOT_BOUND = "wechat_not_bound"
    WECHAT_OPENID_TAKEN = "wechat_openid_taken"
