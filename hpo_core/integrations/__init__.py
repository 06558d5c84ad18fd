"""Framework integrations; each module imports its framework (keras, scikit-learn) when it is imported itself."""
