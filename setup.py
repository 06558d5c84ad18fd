"""Package discovery: the folder `adapters/` installs as the import package `hpo_adapters`."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["hpo_core", "hpo_core.*", "hpo_ray", "hpo_ray.*"]) + ["hpo_adapters"],
    package_dir={"hpo_adapters": "adapters"},
)
