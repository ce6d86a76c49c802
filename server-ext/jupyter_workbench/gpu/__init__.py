"""GPU status for the Workbench: parsers, model, health rules, one shared sampler, API."""
