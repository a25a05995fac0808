#!/bin/sh
# ctest's jsonlogic.differential: runs random_rules.js when the reference implementations are
# installed (scripts/differential.sh puts them in BUILD/peers/node_modules) and node is there;
# otherwise exits 77, which ctest reports as skipped.
#   ctest.sh PEERS_NODE_MODULES DIVERT_TOOL
peers=$1
tool=$2
if [ -d "$peers/json-logic-js" ] && [ -d "$peers/json-logic-engine" ] && command -v node >/dev/null 2>&1; then
  exec node "$(dirname "$0")/random_rules.js" --divert "$tool" --peers "$peers" --count 1000 --show 10
fi
echo "skipped: no reference implementations in $peers (scripts/differential.sh installs them)"
exit 77
