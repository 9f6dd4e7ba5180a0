"""The optional C extension ``app.engine._native`` (issue 7: the model's inner loops).

Everything else is in pyproject.toml.  The extension is built with Cython when a C
compiler is there; without one the build goes on without it (``optional=True``)
and the engine does the same work in numpy, to the same numbers, more slowly.
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "app.engine._native",
                ["app/engine/_native.pyx"],
                # the sums in the order scipy sums them, no fused multiply-adds
                extra_compile_args=["-O2", "-ffp-contract=off"],
                optional=True,
            )
        ],
        compiler_directives={"language_level": "3"},
    ),
)
