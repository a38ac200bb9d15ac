#include "actors/past_sessions.hpp"

#include <algorithm>

namespace agentrt {

void past_sessions::remember(session_info info) {
  take(info.session_id);
  by_start_.emplace(info.started_at_ms, info.session_id);
  std::string id = info.session_id;
  by_id_.emplace(std::move(id), std::move(info));
}

std::optional<session_info> past_sessions::take(const std::string& session_id) {
  auto it = by_id_.find(session_id);
  if (it == by_id_.end()) return std::nullopt;
  by_start_.erase({it->second.started_at_ms, session_id});
  session_info info = std::move(it->second);
  by_id_.erase(it);
  return info;
}

std::vector<std::string> past_sessions::overflow() {
  std::vector<std::string> gone;
  if (keep_ == 0 || by_id_.size() <= keep_) return gone;
  std::size_t target = keep_ - std::min(keep_ - 1, keep_ / 16);
  while (by_id_.size() > target) {
    auto oldest = by_start_.begin();
    by_id_.erase(oldest->second);
    gone.push_back(oldest->second);
    by_start_.erase(oldest);
  }
  return gone;
}

}  // namespace agentrt
