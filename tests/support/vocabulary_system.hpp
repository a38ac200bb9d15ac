#pragma once
// A test fixture with an actor system that knows agentrt's messages, as the runtime's own does
// (runtime/runtime.cpp): for tests of the vocabulary and of actor parts without a runtime.

#include <gtest/gtest.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <memory>

#include "messages/type_ids.hpp"

namespace agentrt::test {

struct VocabularySystem : ::testing::Test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  void SetUp() override {
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

}  // namespace agentrt::test
