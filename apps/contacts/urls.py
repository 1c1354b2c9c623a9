"""Back-office pages of contacts, mounted at the tenant root (store pages under s/<int:store_id>/)."""
urlpatterns: list = []
