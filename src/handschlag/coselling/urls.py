from django.urls import URLPattern, URLResolver

app_name = "coselling"
urlpatterns: list[URLPattern | URLResolver] = []
