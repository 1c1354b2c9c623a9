"""REST endpoints of orders, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
urlpatterns: list = []
