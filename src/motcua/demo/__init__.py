"""The demo loader (`manage.py load_demo`, run by `make run`): units, the demo catalog, forms,
grants, processes, subjects, officials and signing CA. It sits above every app it seeds
(`.importlinter`), so no app imports it."""
