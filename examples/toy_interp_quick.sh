#!/bin/sh
# make check: the example must build and run to completion.
exec ./toy_interp --quick
