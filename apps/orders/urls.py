"""Back-office pages of orders, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.orders import views

S = "s/<int:store_id>/"
O = S + "orders/<int:pk>/"

urlpatterns = [
    path(S + "orders/", views.OrderListView.as_view(), name="order-list"),
    # orders/new/ is the front desk's (apps.frontdesk.urls): the booking takes money with it.
    path(O, views.OrderDetailView.as_view(), name="order-detail"),
    path(O + "panel/", views.OrderPanelView.as_view(), name="order-panel"),
    path(O + "edit/", views.OrderEditView.as_view(), name="order-edit"),
    path(O + "confirm/", views.OrderActionView.as_view(action="confirm"), name="order-confirm"),
    path(O + "move/", views.OrderMoveView.as_view(), name="order-move"),
    path(O + "guests/", views.OrderGuestAddView.as_view(), name="order-guest-add"),
    path(O + "guests/<int:contact_id>/remove/", views.OrderGuestRemoveView.as_view(), name="order-guest-remove"),
]
