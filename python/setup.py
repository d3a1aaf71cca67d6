# SPDX-License-Identifier: MIT
"""Build the reprint extension against libreprint from this source tree.

A CPython C extension (not cffi): it needs nothing beyond Debian's python3-dev and
python3-setuptools, releases the GIL around whole runs, and keeps the per-document cost to a
dict built in C. It links the static libreprint.a of the tree's CMake build (../build, or
REPRINT_BUILD_DIR), and runs that build itself (cmake, offline) when the library is missing,
so `pip install ./python` works from a clean tree without downloads.
"""
import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE)


def build_dir():
    return os.path.abspath(os.environ.get("REPRINT_BUILD_DIR", os.path.join(TREE, "build")))


def ensure_library():
    """The static library, built with the tree's CMake when it is not there yet."""
    bd = build_dir()
    lib = os.path.join(bd, "libreprint.a")
    if not os.path.exists(os.path.join(TREE, "CMakeLists.txt")):
        sys.exit("reprint: build from the reprint source tree (python/ next to CMakeLists.txt)")
    if not os.path.exists(os.path.join(bd, "CMakeCache.txt")):
        subprocess.check_call(["cmake", "-S", TREE, "-B", bd,
                               "-DCMAKE_BUILD_TYPE=RelWithDebInfo"])
    subprocess.check_call(["cmake", "--build", bd, "--target", "reprint_static", "-j",
                           str(os.cpu_count() or 2)])
    return lib


def pkg_libs():
    """Link flags of the library's dependencies: what the build's reprint.pc says a static
    program needs (Requires.private and Libs.private: the one list, kept by CMakeLists.txt),
    without -lreprint itself (the extension links libreprint.a as an object)."""
    env = dict(os.environ, PKG_CONFIG_PATH=build_dir())
    r = subprocess.run(["pkg-config", "--libs", "--static", "reprint"], capture_output=True,
                       text=True, env=env)
    if r.returncode != 0:
        sys.exit("reprint: pkg-config cannot read %s/reprint.pc: %s" % (build_dir(), r.stderr))
    return [f for f in r.stdout.split() if f != "-lreprint" and not f.startswith("-L")]


class BuildExt(build_ext):
    def run(self):
        lib = ensure_library()
        for ext in self.extensions:
            ext.extra_objects = [lib]
            ext.extra_link_args = pkg_libs()
        super().run()


def c_version():
    """The package version is the C library's (rp_common.h), one source of truth."""
    with open(os.path.join(TREE, "include", "reprint", "rp_common.h")) as f:
        for line in f:
            if line.startswith("#define RP_VERSION_STRING"):
                return line.split('"')[1]
    return "0"


setup(
    name="reprint",
    version=c_version(),
    description="Find every copy of a text in a collection (binding of libreprint)",
    license="MIT",
    packages=["reprint"],
    package_data={"reprint": ["py.typed"]},
    ext_modules=[Extension("reprint._reprint", ["reprint/_reprint.c"],
                           include_dirs=[os.path.join(TREE, "include")],
                           extra_compile_args=["-Wall"])],
    cmdclass={"build_ext": BuildExt},
    python_requires=">=3.9",
)
