from django.urls import URLPattern, URLResolver

app_name = "concessions"
urlpatterns: list[URLPattern | URLResolver] = []
