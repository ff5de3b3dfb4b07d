"""URL patterns for the specification pages."""

urlpatterns: list = []
