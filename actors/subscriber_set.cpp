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

std::vector<caf::actor>& subscriber_set::list(raw_lines wants) {
  switch (wants) {
    case raw_lines::with:
      return raw_;
    case raw_lines::either:
      return either_;
    case raw_lines::without:
      break;
  }
  return plain_;
}

bool subscriber_set::add(const caf::actor& who, raw_lines wants) {
  if (contains(raw_, who)) return false;
  bool known = contains(plain_, who) || contains(either_, who);
  if (known && wants != raw_lines::with) return false;
  remove(who.address());
  list(wants).push_back(who);
  return !known;
}

void subscriber_set::remove(const caf::actor_addr& who) {
  remove_from(plain_, who);
  remove_from(raw_, who);
  remove_from(either_, who);
}

session_events subscriber_set::without_raw_lines(const session_events& batch) {
  session_events plain{{}, batch.credit};
  for (const auto& ev : batch.events)
    if (!caf::holds_alternative<raw_line>(ev)) plain.events.push_back(ev);
  return plain;
}

}  // namespace agentrt
