"""Builds the optional C fast path of the matching engine's normalisation (all other metadata: pyproject.toml).

``optional=True``: without a C compiler the install still succeeds and the polars expressions do the work.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "handschlag.matching._compiled",
            sources=["src/handschlag/matching/_compiled.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
