#!/usr/bin/env bash
# The embedding API's header needs no CAF header, and an application's own messages/*.hpp earlier
# on the include path shadows none of agentrt's (the headers of the vocabulary find their
# siblings). Usage: public_header_check.sh CXX SOURCE_DIR
set -euo pipefail
cxx=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app/messages" "$work/include/agentrt/messages"
# The installed layout: include/agentrt/{agentrt.hpp,messages/*.hpp}.
cp "$src/include/agentrt/agentrt.hpp" "$work/include/agentrt/"
cp "$src"/messages/{commands,events,status}.hpp "$work/include/agentrt/messages/"
echo '#error the application'"'"'s own messages/status.hpp was included' > "$work/app/messages/status.hpp"
echo '#include <agentrt/agentrt.hpp>
int main() { agentrt::engine_options o; return o.threads == 0 ? 0 : 1; }' > "$work/main.cpp"
"$cxx" -std=c++17 -I"$work/app" -I"$work/include" -H -fsyntax-only "$work/main.cpp" \
  2> "$work/included"
if grep -q "caf/" "$work/included"; then
  echo "agentrt.hpp includes CAF headers:" >&2
  grep "caf/" "$work/included" | head >&2
  exit 1
fi
echo "agentrt.hpp: $(grep -c '^\.' "$work/included") headers, none of CAF's"
