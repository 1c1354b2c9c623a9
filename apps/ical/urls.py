from django.urls import path

from apps.ical import views

urlpatterns = [path("ical/<str:token>.ics", views.ical_export_view, name="ical-export")]
