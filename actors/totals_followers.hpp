#pragma once
// The actors that follow the runtime's usage totals (totals_subscription), for the actor that
// keeps them (the supervisor, or a coordinator summing its nodes). Not thread-safe: the keeper
// owns it.
//
// A follower gets the totals when it starts following, then once per change, at most every
// 100 ms (a change sets a totals_tick going; the tick sends what the totals are by then).

#include <caf/actor.hpp>
#include <caf/result.hpp>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "messages/errors.hpp"
#include "messages/subscription.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

class totals_followers {
 public:
  // Adds or removes sub.subscriber (monitored: the keeper's down handler calls forget()); the
  // reply to the subscription.
  template <class Self>
  caf::result<command_ack> update(Self* self, const totals_subscription& sub,
                                  const usage_totals& now) {
    followers_.erase(std::remove(followers_.begin(), followers_.end(), sub.subscriber),
                     followers_.end());
    if (!sub.follow) return command_ack{};
    if (!sub.subscriber) return make_error(errc::invalid_command, "totals: no subscriber");
    followers_.push_back(sub.subscriber);
    self->monitor(sub.subscriber);
    self->send(sub.subscriber, now);
    return command_ack{};
  }

  void forget(const caf::actor_addr& gone) {
    followers_.erase(std::remove_if(followers_.begin(), followers_.end(),
                                    [&](const caf::actor& f) { return f.address() == gone; }),
                     followers_.end());
  }

  template <class Self>
  void changed(Self* self) {
    if (followers_.empty() || std::exchange(tick_pending_, true)) return;
    self->delayed_send(self, std::chrono::milliseconds{100}, totals_tick{});
  }

  template <class Self>
  void on_tick(Self* self, const usage_totals& now) {
    tick_pending_ = false;
    for (const auto& to : followers_) self->send(to, now);
  }

 private:
  std::vector<caf::actor> followers_;
  bool tick_pending_ = false;
};

}  // namespace agentrt
