#include "actors/admission.hpp"

#include <algorithm>

namespace agentrt {

bool admission_control::fits(const std::string& provider) const {
  if (policy_.max_sessions > 0 && holders_.size() >= policy_.max_sessions) return false;
  auto limit = policy_.max_per_provider.find(provider);
  if (limit == policy_.max_per_provider.end()) return true;
  auto held = running_.find(provider);
  return held == running_.end() || held->second < limit->second;
}

void admission_control::grant(const std::string& session_id, const std::string& provider) {
  holders_[session_id] = provider;
  ++running_[provider];
}

std::size_t admission_control::request(const std::string& session_id, const std::string& provider) {
  release(session_id);  // a session holds one slot or place at most
  bool provider_waits = std::any_of(queue_.begin(), queue_.end(),
                                    [&](const waiting& w) { return w.provider == provider; });
  if (!provider_waits && fits(provider)) {
    grant(session_id, provider);
    return 0;
  }
  queue_.push_back({session_id, provider});
  return queue_.size();
}

std::vector<std::string> admission_control::release(const std::string& session_id) {
  std::vector<std::string> granted;
  if (auto it = holders_.find(session_id); it != holders_.end()) {
    --running_[it->second];
    holders_.erase(it);
  } else {
    auto it2 = std::find_if(queue_.begin(), queue_.end(),
                            [&](const waiting& w) { return w.session_id == session_id; });
    if (it2 == queue_.end()) return granted;
    queue_.erase(it2);
  }
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (policy_.max_sessions > 0 && holders_.size() >= policy_.max_sessions) break;
    if (fits(it->provider)) {
      grant(it->session_id, it->provider);
      granted.push_back(it->session_id);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return granted;
}

std::unordered_map<std::string, std::uint32_t> admission_control::places() const {
  std::unordered_map<std::string, std::uint32_t> out;
  std::uint32_t place = 0;
  for (const auto& w : queue_) out.emplace(w.session_id, ++place);
  return out;
}

}  // namespace agentrt
