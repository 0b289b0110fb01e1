from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("", views.budget_tree, name="tree"),
    path("compare/", views.budget_compare, name="compare"),
    path("compare/export/csv/", views.budget_compare_csv, name="compare_csv"),
    path("<int:year>/", views.budget_tree, name="tree_year"),
    path("<int:year>/<str:code>/", views.budget_node, name="node"),
]
