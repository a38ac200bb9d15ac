#include "actors/subscriber_set.hpp"

#include <algorithm>

namespace agentrt {

namespace {

bool contains(const std::vector<caf::actor>& list, const caf::actor& who) {
  return std::find(list.begin(), list.end(), who) != list.end();
}

void remove_from(std::vector<caf::actor>& list, const caf::actor_addr& who) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const caf::actor& a) { return a.address() == who; }),
             list.end());
}

}  // namespace

bool subscriber_set::add(const caf::actor& who, bool raw) {
  if (contains(raw_, who)) return false;
  bool known = contains(plain_, who);
  if (raw && known) remove_from(plain_, who.address());
  if (raw || !known) (raw ? raw_ : plain_).push_back(who);
  return !known;
}

void subscriber_set::remove(const caf::actor_addr& who) {
  remove_from(plain_, who);
  remove_from(raw_, who);
}

session_events subscriber_set::without_raw_lines(const session_events& batch) {
  session_events plain{{}, batch.credit};
  for (const auto& ev : batch.events)
    if (!caf::holds_alternative<raw_line>(ev)) plain.events.push_back(ev);
  return plain;
}

}  // namespace agentrt
