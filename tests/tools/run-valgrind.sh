#!/bin/sh
# Runs each unit-test binary given as an argument under valgrind's memcheck
# and fails when any of them has a memory error or a definite or indirect
# leak. Memory still reachable at exit (SQLite, OpenSSL and libcurl caches)
# is not an error. Logs go to VALGRIND_LOGS (default build/valgrind/).
#
# Skipped, because valgrind would test something else than whittle's memory:
#   test_alloc_failure  replaces malloc to make it fail, but valgrind replaces
#                       malloc too, so no allocation would ever fail
#   test_classify       downloads busybox-static and toybox with apt-get when
#                       they are not installed
#   test_registry_push  starts a registry on loopback and drives skopeo, whose
#                       timeouts a tenfold slowdown breaks
set -u

logs=${VALGRIND_LOGS:-build/valgrind}
mkdir -p "$logs"

# cmocka then lets a crash reach valgrind instead of catching the signal.
CMOCKA_TEST_ABORT=1
export CMOCKA_TEST_ABORT

passed=0
failed=0
skipped=0
for binary in "$@"; do
    name=$(basename "$binary")
    case $name in
    test_alloc_failure | test_classify | test_registry_push)
        skipped=$((skipped + 1))
        echo "skip $name"
        continue
        ;;
    esac
    log="$logs/$name.log"
    if valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=1 --track-fds=no \
        --log-file="$log" "$binary" >"$logs/$name.out" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name: see $log" >&2
        grep -m 20 -A 12 'definitely lost in\|indirectly lost in\|Invalid \|uninitialised' \
            "$log" >&2
    fi
done
echo "valgrind: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
