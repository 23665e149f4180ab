"""Every model says what real-world thing it is; every generic view says what it does."""

import inspect

from django.apps import apps

from pim import views


def test_every_model_of_ours_has_a_docstring():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in {"pim", "actionplans", "consent", "datasharing"}
        and (not model.__doc__ or model.__doc__.startswith(f"{model.__name__}("))
    ]
    assert missing == []


def test_every_generic_view_has_a_docstring():
    missing = [
        name
        for name, value in vars(views).items()
        if inspect.isclass(value) and value.__module__ == views.__name__ and not value.__doc__
    ]
    assert missing == []
