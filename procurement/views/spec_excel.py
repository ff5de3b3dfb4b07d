"""URL patterns for this topic, included under /procurements/<pk>/."""

urlpatterns: list = []
