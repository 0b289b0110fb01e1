from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("", views.budget_tree, name="tree"),
    path("<int:year>/", views.budget_tree, name="tree_year"),
    path("<int:year>/<str:code>/", views.budget_node, name="node"),
]
