#!/bin/sh
# valgrind_cli.sh — valgrind memcheck over one small `c5sim run` or `c5sim sweep` writing HDF5.
# usage: valgrind_cli.sh VALGRIND C5SIM run|sweep
# Fails on any memcheck error or a definite/indirect leak; memory libgomp keeps for its thread
# pool (and HDF5 its free lists) is "still reachable" and allowed; no suppressions are needed.
set -u
valgrind=$1 c5sim=$2 command=$3
scenario=${C5SIM_SOURCE_ROOT:?run through meson test}/scenarios/minimal.yaml
work=$(mktemp -d /tmp/c5sim-valgrind-XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
set -- -r 2 -s 3 -t 2 -q --set run.ticks=60 -o "$work/out.h5"
[ "$command" = sweep ] && set -- --vary sharing.level=0.2,0.8 "$@"
"$valgrind" --tool=memcheck --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --track-origins=yes --log-file="$work/valgrind.log" \
    "$c5sim" "$command" "$scenario" "$@" >"$work/stdout" 2>"$work/stderr"
status=$?
if [ $status -ne 0 ] || [ ! -f "$work/out.h5" ]; then
    echo "c5sim $command under valgrind: exit $status (99 = memcheck errors)"
    cat "$work/stderr" "$work/valgrind.log"
    exit 1
fi
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|still reachable' "$work/valgrind.log"
exit 0
