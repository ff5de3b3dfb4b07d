"""(Filled in by the module owner.)"""

urlpatterns: list = []
