"""The action-plan screens, in two modules: plans and groups; action points."""
